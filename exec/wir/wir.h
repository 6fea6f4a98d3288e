/* exec/wir/wir.h - WIR, dawnsim's Weld-style data-parallel IR (issue #8).
 *
 * The specification is ../shared/reference/weld.md. A program is text in
 * Weld's syntax: declarations, then one top-level lambda. The flow is
 *
 *   wir_program_parse -> wir_program_check (macros expanded, symbols
 *   resolved, types inferred) -> passes (passes.h) -> wir_program_run
 *   (interp.c, the semantic oracle) or a compiled back end.
 *
 * A WirProgram owns every node and type it holds (one pool, freed with the
 * program), so passes may share subtrees freely. Errors are in WIR_ERROR:
 * syntax errors carry "NAME:LINE:COL: " and the source line with a caret
 * underline; type errors name the expression and its position; run-time
 * errors have their own codes so a test can tell out-of-bounds from
 * out-of-memory.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define WIR_ERROR (wir_error_quark ())
GQuark wir_error_quark (void);

typedef enum {
  WIR_ERROR_SYNTAX,         /* the text is not WIR */
  WIR_ERROR_UNSUPPORTED,    /* Weld, but outside WIR's subset */
  WIR_ERROR_TYPE,           /* well-formed but ill-typed */
  WIR_ERROR_OUT_OF_BOUNDS,  /* lookup, iter, slice or vecmerger index */
  WIR_ERROR_OUT_OF_MEMORY,  /* the run's memory limit was reached */
  WIR_ERROR_DIV_BY_ZERO,    /* integer / or % by zero */
  WIR_ERROR_ZIP_LENGTH,     /* zipped iterators of unequal trip counts */
  WIR_ERROR_INPUT,          /* an argument does not match its parameter */
} WirErrorCode;

typedef struct _WirProgram WirProgram;
typedef struct _WirType WirType;
typedef struct _WirExpr WirExpr;

/* Parses @text (@len bytes, or -1 for NUL-terminated). @name labels error
 * positions ("prog.wir:3:12: ..."). The program is not yet type-checked. */
WirProgram *wir_program_parse (const char *text, gssize len, const char *name,
                               GError **error);
void        wir_program_free  (WirProgram *prog);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (WirProgram, wir_program_free)

/* Expands macros (the `inline-apply` pass), resolves names and infers every
 * type by unification. Idempotent; passes call it again after rewriting.
 * With @allow_builder_result the top-level body may be a builder (the
 * transform cases of the conformance data do that); programs never may. */
gboolean    wir_program_check (WirProgram *prog, gboolean allow_builder_result,
                               GError **error);

/* The canonical text: parse(print(p)) is p again, every binary
 * sub-expression in parentheses. Free with g_free. */
char       *wir_program_print (const WirProgram *prog);

/* TRUE when the two bodies are the same tree up to renaming of bound
 * symbols (both must be checked, for builder types to be compared). */
gboolean    wir_program_equal (const WirProgram *a, const WirProgram *b);

/* The parameters and the result type, printed ("vec[i32]"); valid after
 * wir_program_check. Strings are owned by the program. */
guint       wir_program_n_params   (const WirProgram *prog);
const char *wir_program_param_name (const WirProgram *prog, guint idx);
WirType    *wir_program_param_type (const WirProgram *prog, guint idx);
WirType    *wir_program_result_type (const WirProgram *prog);

/* A type as WIR text ("{i64, vec[f32]}"). Free with g_free. */
char       *wir_type_print (const WirType *type);

G_END_DECLS
