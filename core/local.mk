# core/local.mk - the nouns (Model, Cluster, Plan, Trace), units, errors and
# their file formats. Calls nothing above it.

noinst_LTLIBRARIES += %D%/libdawnsim-core.la
%C%_libdawnsim_core_la_SOURCES = \
	%D%/error.c %D%/error.h \
	%D%/units.c %D%/units.h \
	%D%/json-reader.c %D%/json-reader.h \
	%D%/json-writer.c %D%/json-writer.h \
	%D%/model.c %D%/model.h \
	%D%/model-json.c %D%/model-json.h \
	%D%/model-io.c %D%/model-io.h \
	%D%/zoo.c %D%/zoo.h %D%/zoo-private.h \
	%D%/zoo-cnn.c %D%/zoo-rnn.c %D%/zoo-transformer.c \
	%D%/graphtxt.c %D%/graphtxt.h %D%/graphtxt-private.h \
	%D%/profile-csv.c %D%/profile-csv.h
