# planner/local.mk - PipeDream's DP, the baselines, the 3D search and plan
# export (issues #4 and #6). libdawnsim-planner.la is declared here with
# its first module; DsPlan, the noun it produces, already lives in core/.

noinst_LTLIBRARIES += %D%/libdawnsim-planner.la
%C%_libdawnsim_planner_la_SOURCES = \
	%D%/antichain.c %D%/antichain.h \
	%D%/pipedream-dp.c %D%/pipedream-dp.h \
	%D%/baselines.c %D%/baselines.h \
	%D%/export.c %D%/export.h

# Balanced straight pipelines for fixed 3D layouts (the simulator's
# --stages, issue #6's starting point).
%C%_libdawnsim_planner_la_SOURCES += %D%/split.c %D%/split.h

# Issue #6: the transformer cost and memory model under tensor x pipeline
# x data parallelism, and the search over strategies.
%C%_libdawnsim_planner_la_SOURCES += %D%/megatron.c %D%/megatron.h \
	%D%/search3d.c %D%/search3d.h
