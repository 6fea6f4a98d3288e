/* exec/wir/backend-c.h - WIR's C back end (weld.md §10.2, §10.3).
 *
 * Emits one C11 (GNU) translation unit per checked program, compiles it
 * with the system compiler into a shared object, and opens it with
 * GModule. Kernels are cached by the SHA-256 of the emitted source (which
 * names every bound symbol canonically, so the key does not depend on the
 * program's spelling), the emitter version, the compiler's --version text
 * and the flags: in memory for the life of the process, and on disk as
 * <cache_dir>/<key>.so, written under a temporary name and renamed, so
 * concurrent builders are safe. A warm start loads without compiling.
 *
 * Generated code keeps no global mutable state, so one kernel may run from
 * several threads at once. It never aborts: out-of-bounds, zip lengths,
 * integer division by zero and the memory limit come back as WIR_ERROR
 * codes, located at the failing expression. It runs sequentially; the
 * float results equal the interpreter's bit for bit (-ffp-contract=off,
 * the same libm calls, and rt.h's conversions and philox).
 */
#pragma once

#include "exec/wir/interp.h"

G_BEGIN_DECLS

typedef struct _WirKernel WirKernel;

typedef struct {
  const char *cache_dir;  /* NULL: $XDG_CACHE_HOME/dawnsim/wir */
  gboolean native;        /* -march=native (the CPU model joins the key) */
  gboolean no_bounds_check; /* lookup bounds unchecked (iterators always are) */
  gboolean parallel;      /* -fopenmp: the loops that write sized appenders
                           * by index share their chunks out over the cores
                           * (static schedule; the same bits either way) */
} WirCOptions;

/* The C source for the checked @prog. Free with g_free. */
char      *wir_c_emit (WirProgram *prog);
/* What every emitted program starts with: its includes and rt.h's
 * helpers (static inline). Owned by the library. */
const char *wir_c_rt_text (void);
/* What follows it in programs whose tight loops use Philox blocks:
 * defines WIR_RT_PHILOX_BLOCKS as rt-avx512.h's loop where the target has
 * AVX-512F, else as rt.h's. Owned by the library. */
const char *wir_c_philox_text (void);

/* Compiles (or finds in the cache) the kernel of the checked @prog. The
 * kernel refers to @prog's types: @prog must outlive it. *compiled_s, if
 * given, gets the seconds spent emitting, compiling and loading (0 when
 * the in-memory cache had it). */
WirKernel *wir_c_compile (WirProgram *prog, const WirCOptions *options,
                          double *compiled_s, GError **error);
WirValue  *wir_kernel_run (WirKernel *kernel, WirValue *const *args, guint n_args,
                           const WirRunOptions *options, GError **error);
/* The address of @symbol in @source, a C translation unit compiled as
 * kernels are: the same compiler, flags (under @options) and cache, after
 * the same preamble (<math.h>, <stdint.h>, <string.h> and rt.h's helpers,
 * which @source may call). For code that must be compiled exactly like
 * the kernels it is compared with (bench/bench-wir.c's hand loops). The
 * module stays loaded for the life of the process. NULL on error. */
gpointer   wir_c_compile_symbol (const char *source, const char *symbol,
                                 const WirCOptions *options, GError **error);
/* The cache key (64 hex digits), owned by the kernel. */
const char *wir_kernel_key (const WirKernel *kernel);
void       wir_kernel_free (WirKernel *kernel);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (WirKernel, wir_kernel_free)

G_END_DECLS
