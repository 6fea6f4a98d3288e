# core/local.mk - the nouns (Model, Cluster, Plan, Trace), units, errors and
# their file formats. Calls nothing above it.

noinst_LTLIBRARIES += %D%/libdawnsim-core.la
%C%_libdawnsim_core_la_SOURCES = \
	%D%/error.c %D%/error.h \
	%D%/units.c %D%/units.h \
	%D%/fit.c %D%/fit.h \
	%D%/efficiency.c %D%/efficiency.h \
	%D%/json-reader.c %D%/json-reader.h \
	%D%/json-writer.c %D%/json-writer.h \
	%D%/model.c %D%/model.h \
	%D%/model-json.c %D%/model-json.h \
	%D%/graphtxt.c %D%/graphtxt.h %D%/graphtxt-private.h \
	%D%/profile-csv.c %D%/profile-csv.h \
	%D%/model-io.c %D%/model-io.h \
	%D%/zoo.c %D%/zoo.h %D%/zoo-private.h \
	%D%/zoo-cnn.c %D%/zoo-rnn.c %D%/zoo-transformer.c %D%/zoo-mlp.c \
	%D%/cluster.c %D%/cluster.h \
	%D%/cluster-json.c %D%/cluster-json.h \
	%D%/plan.c %D%/plan.h \
	%D%/plan-json.c %D%/plan-json.h \
	%D%/programs.c %D%/programs.h \
	%D%/trace.c %D%/trace.h \
	%D%/trace-json.c %D%/trace-json.h

# X-macro lists, included by plan.h and trace.h (STYLE.md section 4).
EXTRA_DIST += %D%/schedule.def %D%/trace-kind.def
