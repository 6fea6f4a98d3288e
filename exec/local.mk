# exec/local.mk - the executor, its backends and transports, and wir/
# (issues #7, #8, #9). libdawnsim-exec.la is declared here with its first
# module.

noinst_LTLIBRARIES += %D%/libdawnsim-exec.la
%C%_libdawnsim_exec_la_SOURCES = \
	%D%/blas.c %D%/blas.h

# The CPU kernels the executor's layers run (GEMMs through blas.c).
%C%_libdawnsim_exec_la_SOURCES += %D%/kernels.c %D%/kernels.h

# A model as runnable ops: forward and backward over any range of them.
%C%_libdawnsim_exec_la_SOURCES += %D%/net.c %D%/net.h

# The executor's data: Fashion-MNIST's IDX files (gzip through GIO, which
# json-glib already links) and a seeded synthetic task.
%C%_libdawnsim_exec_la_SOURCES += %D%/dataset.c %D%/dataset.h

# The threads that train a plan, running core/programs.h's schedules.
%C%_libdawnsim_exec_la_SOURCES += %D%/runtime.c %D%/runtime.h

# This machine measured for the simulator: layer times, copies, hand-offs.
%C%_libdawnsim_exec_la_SOURCES += %D%/machine.c %D%/machine.h

# The MPI transport: a loader here, MPI itself in a module opened under
# mpirun (exec/mpi.h), so that only that module links libmpi.
%C%_libdawnsim_exec_la_SOURCES += %D%/mpi.c %D%/mpi.h
%C%_libdawnsim_exec_la_CPPFLAGS = $(AM_CPPFLAGS) \
	-DDS_PKGLIBDIR='"$(pkglibdir)"' \
	-DDS_BUILD_MPI_MODULE='"$(abs_top_builddir)/%D%/.libs/dawnsim-mpi.so"'
if DS_HAVE_MPI
pkglib_LTLIBRARIES += %D%/dawnsim-mpi.la
%C%_dawnsim_mpi_la_SOURCES = %D%/mpi-module.c %D%/mpi.h
%C%_dawnsim_mpi_la_CFLAGS = $(AM_CFLAGS) $(MPI_CFLAGS)
%C%_dawnsim_mpi_la_LDFLAGS = $(AM_LDFLAGS) -module -avoid-version -shared
%C%_dawnsim_mpi_la_LIBADD = $(MPI_LIBS) $(GLIB_LIBS)
endif

# The unfused step's extra bytes and launches, by WIR's cost model
# (`dawnsim simulate --no-fusion`).
%C%_libdawnsim_exec_la_SOURCES += %D%/fusion.c %D%/fusion.h
