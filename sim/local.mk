# sim/local.mk - the discrete-event engine and the pipeline schedules
# (issue #5). libdawnsim-sim.la is declared here with its first module.

noinst_LTLIBRARIES += %D%/libdawnsim-sim.la
%C%_libdawnsim_sim_la_SOURCES = \
	%D%/engine.c %D%/engine.h \
	%D%/event-queue.c %D%/event-queue.h

# Max-min fair link sharing on the engine.
%C%_libdawnsim_sim_la_SOURCES += %D%/link.c %D%/link.h

# Playing the schedules' programs (core/programs.h): compute and
# communication streams, transfers on the links, memory.
%C%_libdawnsim_sim_la_SOURCES += %D%/pipeline.c %D%/pipeline.h

# The time-to-accuracy objective: predicted epochs x simulated time.
%C%_libdawnsim_sim_la_SOURCES += %D%/tta.c %D%/tta.h
