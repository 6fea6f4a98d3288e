# exec/wir/local.mk - WIR, the Weld-style IR (issue #8): front end,
# reference interpreter and passes. Part of libdawnsim-exec (DESIGN.md:
# exec/ owns wir/), so it names that library's variable in full rather
# than through %C% (which is exec_wir here).

exec_libdawnsim_exec_la_SOURCES += \
	%D%/wir.h %D%/wir-private.h %D%/node.def \
	%D%/ast.c %D%/lexer.c %D%/parser.c %D%/print.c %D%/check.c \
	%D%/numeric.c %D%/numeric.h %D%/value.c %D%/interp.c %D%/interp.h \
	%D%/passes.c %D%/passes.h

# The C back end: emit C, compile with cc, load with GModule (weld.md
# §10.3). rt.h is compiled into the interpreter (numeric.c) and pasted
# into every emitted program as the string rt-text.h, generated here.
exec_libdawnsim_exec_la_SOURCES += \
	%D%/rt.h %D%/emit-c.c %D%/backend-c.c %D%/backend-c.h \
	%D%/cost.c %D%/cost.h
nodist_exec_libdawnsim_exec_la_SOURCES = %D%/rt-text.h
BUILT_SOURCES = %D%/rt-text.h
CLEANFILES += %D%/rt-text.h
%D%/rt-text.h: %D%/rt.h
	$(AM_V_GEN)$(MKDIR_P) $(@D) && { \
	  echo '/* generated from exec/wir/rt.h by exec/wir/local.mk; do not edit */'; \
	  echo 'static const char wir_rt_text[] ='; \
	  sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/"/' -e 's/$$/\\n"/' $(srcdir)/%D%/rt.h; \
	  echo ';'; } > $@-t && mv $@-t $@
