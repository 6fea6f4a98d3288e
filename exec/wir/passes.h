/* exec/wir/passes.h - WIR's optimizer (weld.md §9).
 *
 * Every pass runs alone by name, to a fixpoint (until the program's
 * canonical print stops changing), on a checked program, and leaves it
 * checked. Every change is written to @log as one line naming what was
 * done and where ("fused loop at 1:23 into the loop at 1:5"). Names:
 *
 *   inline-apply      macro expansion and beta-reduction
 *   uniquify          every bound symbol renamed to a fresh, unique name
 *   short-circuit     a && b -> if(a, b, false); a || b -> if(a, true, b)
 *   inline-let        a let used once (or bound to a trivial value) inlined
 *   vertical-fusion   producer loop into its consumer, §9.2's legality rules
 *   horizontal-fusion a zip of maps over one source into one map (H2) and
 *                     independent loops over one iterator into a struct of
 *                     builders (H1)
 *   cse               repeated subexpressions bound once (§9.4)
 *   infer-size        a sized appender where every path merges once
 *   predicate         if(c, merge(b, e), b) -> merge(b, select(c, e, id))
 *                     on mergers, when forced by @(predicate: true) and legal
 *
 * wir_optimize runs the pipeline of §9.1; with @fusion FALSE it leaves out
 * both fusion passes (the unfused baseline of benchmarks and --no-fusion).
 */
#pragma once

#include "exec/wir/wir.h"

G_BEGIN_DECLS

/* FALSE with an error for an unknown pass name or a program the rewritten
 * tree no longer checks (a bug in the pass, reported rather than hidden). */
gboolean wir_pass_run (WirProgram *prog, const char *name, GString *log, GError **error);
gboolean wir_optimize (WirProgram *prog, gboolean fusion, GString *log, GError **error);
/* The pass names, NULL-terminated, in pipeline order. */
const char *const *wir_pass_names (void);

G_END_DECLS
