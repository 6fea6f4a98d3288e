# traces/local.mk - trace formats (Chrome/Perfetto JSON, Kineto import),
# replay, validate, explain/ and tta (issues #10, #11, #12).

noinst_LTLIBRARIES += %D%/libdawnsim-traces.la
%C%_libdawnsim_traces_la_SOURCES = \
	%D%/chrome.c %D%/chrome.h
%C%_libdawnsim_traces_la_SOURCES += \
	%D%/natural.c %D%/natural.h
%C%_libdawnsim_traces_la_SOURCES += \
	%D%/svg.c %D%/svg.h

# A measured trace against a predicted one, joined by stage and kind.
%C%_libdawnsim_traces_la_SOURCES += %D%/validate.c %D%/validate.h

# Time to accuracy: DAWNBench logs and entries, the first-crossing rule,
# repeated runs, MLPerf's olympic mean and threshold sweeps (issue #12).
%C%_libdawnsim_traces_la_SOURCES += \
	%D%/tta.c %D%/tta.h \
	%D%/tta-stats.c %D%/tta-stats.h

# explain: MacroBase-style classification and explanation (issue #11;
# ../shared/reference/macrobase.md). Flat explain-*.c files rather than a
# folder, so tools/fuzz.sh compiles them with the rest of traces/.
%C%_libdawnsim_traces_la_SOURCES += \
	%D%/explain-data.c %D%/explain-data.h \
	%D%/explain-csv.c %D%/explain-csv.h \
	%D%/explain-classify.c %D%/explain-classify.h \
	%D%/explain-result.c %D%/explain-result.h \
	%D%/explain-apriori.c %D%/explain-apriori.h \
	%D%/explain-fpgrowth.c %D%/explain-fpgrowth.h \
	%D%/explain.c %D%/explain.h \
	%D%/explain-stream.c %D%/explain-stream.h

# Readers for Chrome/Kineto JSON (streamed, gzip through GIO), the replay
# of a trace as a dependency graph with what-if transforms, and the
# per-operation diff of two traces (issue #10).
%C%_libdawnsim_traces_la_SOURCES += \
	%D%/trace-stream.c %D%/trace-stream.h \
	%D%/chrome-read.c %D%/chrome-read.h
%C%_libdawnsim_traces_la_SOURCES += %D%/replay.c %D%/replay.h
%C%_libdawnsim_traces_la_SOURCES += %D%/diff.c %D%/diff.h

# explain: the cube classifiers for pre-aggregated rows (spec 5.5).
%C%_libdawnsim_traces_la_SOURCES += %D%/explain-cube.c %D%/explain-cube.h

# explain: the paper-era sketch summarizer of --stream --sketch (spec 10.6).
%C%_libdawnsim_traces_la_SOURCES += %D%/explain-sketch.c %D%/explain-sketch.h

# Statistical efficiency (McCandlish's critical batch with a staleness
# factor, fitted with GSL) and MLPerf's reference convergence points: the
# epochs half of a TTA prediction (issue #12).
%C%_libdawnsim_traces_la_SOURCES += \
	%D%/efficiency.c %D%/efficiency.h \
	%D%/tta-rcp.c %D%/tta-rcp.h
