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
