# cli/local.mk - the dawnsim command: one file per subcommand, thin.
#
# The commands live in a convenience library so tests/test-cli.c can link
# the same code; main.c alone makes the binary.

noinst_LTLIBRARIES += %D%/libdawnsim-cli.la
%C%_libdawnsim_cli_la_SOURCES = \
	%D%/cli.c %D%/cli.h \
	%D%/commands.c \
	%D%/table.c %D%/table.h \
	%D%/cmd-models.c \
	%D%/cmd-show.c \
	%D%/cmd-convert.c \
	%D%/cmd-plan.c \
	%D%/cmd-hw.c \
	%D%/cmd-simulate.c \
	%D%/cmd-exec.c \
	%D%/cmd-validate.c \
	%D%/cmd-explain.c \
	%D%/cmd-replay.c \
	%D%/cmd-diff.c
# `dawnsim tta` (issue #12)
%C%_libdawnsim_cli_la_SOURCES += %D%/cmd-tta.c
# `dawnsim wir` (issue #8)
%C%_libdawnsim_cli_la_SOURCES += %D%/cmd-wir.c
# tensor x pipeline x data layouts for plan and simulate (issue #6)
%C%_libdawnsim_cli_la_SOURCES += %D%/plan3d.c %D%/plan3d.h

bin_PROGRAMS += %D%/dawnsim
%C%_dawnsim_SOURCES = %D%/main.c
%C%_dawnsim_LDADD = %D%/libdawnsim-cli.la $(DS_LIBS) $(DS_DEP_LIBS)
