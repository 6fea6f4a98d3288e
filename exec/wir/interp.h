/* exec/wir/interp.h - WIR values and the reference interpreter.
 *
 * The interpreter (weld.md §10.1) is the semantic oracle every other back
 * end is tested against: a tree walk over the checked program, sequential,
 * folding left to right, computing in the declared precision, and always
 * checking bounds, zip lengths, slice starts, integer division by zero and
 * vecmerger indices. It never aborts on a program's behaviour: errors come
 * back in WIR_ERROR with their own codes.
 *
 * A WirValue owns the memory of its vectors (a heap shared, by reference,
 * with the values it was computed from). Its type belongs to the program
 * it was read for or computed by, so a value must not outlive that
 * program, except values from wir_value_parse, which own their types.
 *
 * Value text is the notation of ../shared/data/weld/cases.md:
 * `i32 42`, `vec[f32] [1.0, 2.5]`, `{i64 1, f64 2.0}`, `[x]*n`, `[a..b]`,
 * `++`, `[log(k) for k in 0,3,6]`, and in inputs `name=value; ...` with
 * `name[i]=expr for i in a..b`.
 */
#pragma once

#include "exec/wir/wir.h"

G_BEGIN_DECLS

typedef struct _WirValue WirValue;

typedef struct {
  guint64 memory_limit_bytes;   /* 0: none; reaching it is an error */
  /* Compiled kernels only (backend-c.h; the interpreter ignores it):
   * where the kernel takes its memory (builders, vectors) instead of the
   * result's heap. NULL: the heap. The hook returns memory aligned to 16
   * bytes or more that outlives every use of the result, or NULL (out of
   * memory); with a hook, memory_limit_bytes is the hook's to enforce. */
  void *(*alloc) (void *self, gint64 bytes);
  void *alloc_self;
} WirRunOptions;

/* Runs the checked @prog on @args (one per parameter). */
WirValue  *wir_program_run (WirProgram *prog, WirValue *const *args, guint n_args,
                            const WirRunOptions *options, GError **error);

/* "T v" (a typed value; a struct as {T1 v1, ...}). The value owns its types. */
WirValue  *wir_value_parse (const char *text, GError **error);
/* A value of @type (the program's), e.g. "[1, 2, 3]" for vec[i32]. */
WirValue  *wir_value_parse_as (WirProgram *prog, WirType *type, const char *text,
                               GError **error);
/* An input line "x=[1,2]; a=1" (or "none") for the checked @prog: one
 * value per parameter, in parameter order. Free with g_ptr_array_unref. */
GPtrArray *wir_input_parse (WirProgram *prog, const char *line, GError **error);

/* Same type and value; floats within @tol (absolute; 0 = exact, where NaN
 * equals NaN and -0.0 equals 0.0). */
gboolean   wir_value_equal (const WirValue *a, const WirValue *b, double tol);
/* Same bits, -0.0 against 0.0 and NaN payloads included. */
gboolean   wir_value_identical (const WirValue *a, const WirValue *b);
/* The value in the notation above, "T v"; long vectors are cut after
 * @max_elems elements (0: never). Free with g_free. */
char      *wir_value_print (const WirValue *v, guint max_elems);
WirType   *wir_value_type (const WirValue *v);
void       wir_value_free (WirValue *v);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (WirValue, wir_value_free)

/* Raw access for back ends and the executor: a vector's data and length;
 * a scalar's value. */
gboolean   wir_value_vec (const WirValue *v, gconstpointer *data, gint64 *len);
WirValue  *wir_value_new_vec (WirType *type, gconstpointer data, gint64 len);
double     wir_value_scalar (const WirValue *v);
/* Field @k of a struct value, sharing its memory; NULL if @v is not a
 * struct with that field. Free with wir_value_free. */
WirValue  *wir_value_field (const WirValue *v, guint k);

G_END_DECLS
