/* exec/wir/lazy.h - lazily evaluated WIR values (weld.md §13).
 *
 * A library op does not run its loop: it returns a handle that holds a
 * fragment (a WIR lambda, as text) and the handles of its arguments.
 * Forcing a handle (at a GEMM boundary, or when the host needs the data)
 * joins every fragment it depends on into one program (each fragment a
 * macro, applied in a let chain), optimizes it, so fragments from
 * different libraries fuse, compiles it with the C back end (cached by
 * the program's hash, so a step graph that repeats compiles once), runs
 * it, and turns the forced handles into buffers.
 *
 * A graph forced again (the same fragments, wired the same way, over
 * arguments of the same types and lengths, forcing the same handles)
 * skips the parse, the optimizer and the hash: the session keeps the
 * kernel of each graph it has seen. That is what makes a training step,
 * whose graph is static, cheap to force every step: build it again after
 * wir_lazy_reset, with borrowed buffers and scalar parameters, and force
 * it into the caller's buffers.
 *
 * A session owns its handles; handles are freed with the session or by
 * wir_lazy_reset. Not thread-safe: one session per thread (the compiled
 * kernels are shared by every session of the process, by hash).
 */
#pragma once

#include "exec/wir/backend-c.h"

G_BEGIN_DECLS

typedef struct _WirLazy WirLazy;
typedef struct _WirHandle WirHandle;

/* @options may be NULL (the default cache). Fusion is on. */
WirLazy   *wir_lazy_new (const WirCOptions *options);
void       wir_lazy_free (WirLazy *lazy);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (WirLazy, wir_lazy_free)

/* With @fusion FALSE, forcing runs wir_optimize without the fusion passes
 * (passes.h): every fragment stays a loop of its own, every intermediate
 * is written and read back. The same float operations run either way. */
void       wir_lazy_set_fusion (WirLazy *lazy, gboolean fusion);

/* A materialized vector of @type ("vec[f32]"); @data is copied. */
WirHandle *wir_lazy_vector (WirLazy *lazy, const char *type, gconstpointer data, gint64 len,
                            GError **error);
/* The same over the caller's memory, not copied: @data must stay valid,
 * and change only as a destination of wir_lazy_force_into, until the
 * session is reset or freed. */
WirHandle *wir_lazy_borrow (WirLazy *lazy, const char *type, gconstpointer data, gint64 len,
                            GError **error);
/* A scalar argument, as WIR text of its type ("0.1f", "7L"): a literal of
 * the program, so another value is another program. */
WirHandle *wir_lazy_scalar (WirLazy *lazy, const char *literal, GError **error);
/* A scalar argument passed as a parameter of the program: other values
 * run the same kernel (learning rates, seeds, offsets). */
WirHandle *wir_lazy_f32 (WirLazy *lazy, float value);
WirHandle *wir_lazy_i64 (WirLazy *lazy, gint64 value);
/* A fragment: @lambda is a WIR lambda whose parameters take @args in
 * order, e.g. "|x: vec[f32], b: vec[f32]| map(x, |v| v + 1.0f)". Nothing
 * runs; the fragment is checked when it is forced. */
WirHandle *wir_lazy_apply (WirLazy *lazy, const char *lambda, WirHandle *const *args, guint n_args);

/* Evaluates @handles (and what they depend on) as one program. The log,
 * if given, gets the optimizer's pass log (empty when the graph's kernel
 * was already known). */
gboolean   wir_lazy_force (WirLazy *lazy, WirHandle *const *handles, guint n, GString *log,
                           GError **error);
/* The same, writing each forced vector @handles[k] into the caller's
 * @dests[k], which must hold the vector (its length is the caller's to
 * know: a vector of another length is an error). Kernels write straight
 * into the destinations where they can (else the result is copied), so a
 * destination may be a borrowed input of the force only when no loop
 * reads that input after the loop that writes the output has started,
 * except element i in the iteration that writes element i: elementwise
 * updates such as p = p - lr * m in place qualify, fused or not. @lens[k] is dests[k]'s length in
 * elements. Intermediates live in a per-session arena reused by every
 * force, so a forced graph allocates nothing in the steady state. */
gboolean   wir_lazy_force_into (WirLazy *lazy, WirHandle *const *handles, gpointer const *dests,
                                const gint64 *lens, guint n, GError **error);
/* A forced handle's vector (owned by the session, or the destination it
 * was forced into), or NULL if it is not forced or not a vector. */
gconstpointer wir_handle_data (WirHandle *handle, gint64 *len);
/* Frees every handle; the kernels of the graphs seen are kept. */
void       wir_lazy_reset (WirLazy *lazy);
/* How many programs the session compiled or ran (cache hits included). */
guint      wir_lazy_n_forced (const WirLazy *lazy);
/* How many of those skipped parse, optimizer and hash (a known graph). */
guint      wir_lazy_n_reused (const WirLazy *lazy);

G_END_DECLS
