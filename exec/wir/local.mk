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
# §10.3). rt.h (and rt-avx512.h, its Philox loop for AVX-512 targets) is
# compiled into the interpreter (numeric.c) and pasted, stringified, into
# every emitted program.
exec_libdawnsim_exec_la_SOURCES += \
	%D%/rt.h %D%/rt-avx512.h %D%/emit-c.c %D%/backend-c.c %D%/backend-c.h \
	%D%/cost.c %D%/cost.h

# The lazy API: handles holding fragments, fused when forced (§13).
exec_libdawnsim_exec_la_SOURCES += %D%/lazy.c %D%/lazy.h

# The training step's fragments, one definition for exec, sim and bench.
exec_libdawnsim_exec_la_SOURCES += %D%/library.c %D%/library.h
