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
