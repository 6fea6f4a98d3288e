# core/local.mk - the nouns (Model, Cluster, Plan, Trace), units, errors and
# their file formats. Calls nothing above it.

noinst_LTLIBRARIES += %D%/libdawnsim-core.la
%C%_libdawnsim_core_la_SOURCES = \
	%D%/error.c %D%/error.h \
	%D%/units.c %D%/units.h \
	%D%/json-reader.c %D%/json-reader.h \
	%D%/json-writer.c %D%/json-writer.h \
	%D%/model.c %D%/model.h \
	%D%/model-json.c %D%/model-json.h

# The other nouns: the cluster, the plan (its schedules listed once in
# schedule.def), the trace.
%C%_libdawnsim_core_la_SOURCES += \
	%D%/cluster.c %D%/cluster.h \
	%D%/cluster-json.c %D%/cluster-json.h \
	%D%/plan.c %D%/plan.h \
	%D%/plan-json.c %D%/plan-json.h
EXTRA_DIST += %D%/schedule.def
%C%_libdawnsim_core_la_SOURCES += \
	%D%/trace.c %D%/trace.h \
	%D%/trace-json.c %D%/trace-json.h
EXTRA_DIST += %D%/trace-kind.def
%C%_libdawnsim_core_la_SOURCES += %D%/text.c %D%/text.h
