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
 * A session owns its handles; handles are freed with the session. Not
 * thread-safe: one session per thread.
 */
#pragma once

#include "exec/wir/backend-c.h"

G_BEGIN_DECLS

typedef struct _WirLazy WirLazy;
typedef struct _WirHandle WirHandle;

/* @options may be NULL (the default cache). */
WirLazy   *wir_lazy_new (const WirCOptions *options);
void       wir_lazy_free (WirLazy *lazy);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (WirLazy, wir_lazy_free)

/* A materialized vector of @type ("vec[f32]"); @data is copied. */
WirHandle *wir_lazy_vector (WirLazy *lazy, const char *type, gconstpointer data, gint64 len,
                            GError **error);
/* A scalar argument, as WIR text of its type ("0.1f", "7L"). */
WirHandle *wir_lazy_scalar (WirLazy *lazy, const char *literal, GError **error);
/* A fragment: @lambda is a WIR lambda whose parameters take @args in
 * order, e.g. "|x: vec[f32], b: vec[f32]| map(x, |v| v + 1.0f)". Nothing
 * runs; the fragment is checked when it is forced. */
WirHandle *wir_lazy_apply (WirLazy *lazy, const char *lambda, WirHandle *const *args, guint n_args);

/* Evaluates @handles (and what they depend on) as one program. The log,
 * if given, gets the optimizer's pass log. */
gboolean   wir_lazy_force (WirLazy *lazy, WirHandle *const *handles, guint n, GString *log,
                           GError **error);
/* A forced handle's vector (owned by the session), or NULL if it is not
 * forced or not a vector. */
gconstpointer wir_handle_data (WirHandle *handle, gint64 *len);
/* How many programs the session compiled or ran (cache hits included). */
guint      wir_lazy_n_forced (const WirLazy *lazy);

G_END_DECLS
