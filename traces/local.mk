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

# Readers for Chrome/Kineto JSON (streamed, gzip through GIO), the replay
# of a trace as a dependency graph with what-if transforms, and the
# per-operation diff of two traces (issue #10).
%C%_libdawnsim_traces_la_SOURCES += \
	%D%/trace-stream.c %D%/trace-stream.h \
	%D%/chrome-read.c %D%/chrome-read.h
%C%_libdawnsim_traces_la_SOURCES += %D%/replay.c %D%/replay.h
%C%_libdawnsim_traces_la_SOURCES += %D%/diff.c %D%/diff.h
