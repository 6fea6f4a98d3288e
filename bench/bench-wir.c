/* bench/bench-wir.c - WIR fusion on the CPU (issue #8, weld.md §14).
 *
 * Three training kernels over 8192 x 4096 fp32 elements, each three ways
 * in one process: the library fragments compiled by the C back end
 * without the fusion passes (one loop per fragment, every intermediate
 * written and read back), the fused WIR kernel, and a hand-written single
 * C pass. Like for like: the hand loops (hand_source below) are compiled
 * at run time by wir_c_compile_symbol, i.e. by the same compiler with the
 * same flags as the kernels (-O3 -march=native -fwrapv -ffp-contract=off
 * -fno-math-errno -fno-trapping-math, WirCOptions.native on for every
 * side), call the same rt.h helpers (wir_rt_tanhf, and the Philox block
 * loop the kernels call, rt-avx512.h's on an AVX-512 CPU), and
 * allocate their outputs through the same callback as the kernels'
 * context: g_try_malloc, fresh per run, or with --kept a pool per side
 * that hands the previous run's buffers back (see Pool). The
 * bias+GELU+dropout hand loop is what a person would write for speed: a
 * row of the bias at a time (no i % H), the row's Philox words one block
 * per four offsets. Printed: the median of RUNS runs of each (the three
 * sides take turns), the ratios (the issue asks fused >= 2.5x faster than
 * unfused, and within 1.3x of the hand loop), the bytes ratio the cost
 * model predicts, the largest difference from the hand loop's output, and
 * the compile latency of each kernel (emit + cc + dlopen, cold cache;
 * then a warm in-memory hit).
 *
 *   bias + GELU + dropout forward: the optimizer fuses the three fragments
 *     itself (vertical fusion), so "fused" is wir_optimize's output;
 *   affine + ReLU + scale: the same, a memory-bound contrast;
 *   SGD with momentum, Adam: the same again; the optimizer makes weld.md
 *     §12's one loop with two or three outputs of the fragments (their
 *     intermediates are outputs too: vertical fusion into zip components
 *     and of producers kept as outputs).
 */
#include "config.h"

#include <glib/gstdio.h>
#include <gsl/gsl_sort_double.h>
#include <gsl/gsl_statistics_double.h>
#include <stdlib.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "exec/wir/backend-c.h"
#include "exec/wir/cost.h"
#include "exec/wir/interp.h"
#include "exec/wir/library.h"
#include "exec/wir/passes.h"
#include "exec/wir/rt.h"
#include "exec/wir/wir.h"

#define ROWS 8192
#define COLS 4096
#define N ((gint64) ROWS * COLS)
#define RUNS 7

/* the memory-bound contrast: three cheap elementwise fragments (an affine
 * map, ReLU, a scale): no transcendental, no random numbers and no
 * per-element integer division (i % H) */
static const char brs_fragments[] =
  "|x: vec[f32], a: f32, c: f32, s: f32|\n"
  "  let y = map(x, |v| v * a + c);\n"
  "  let g = map(y, |t| relu(t));\n"
  "  map(g, |t| t * s)";

/* ---- the hand-written loops: one pass, the same float operations ----
 *
 * C source, compiled at run time like the kernels (see the top). Each
 * allocates its outputs with alloc (self, bytes), as kernels do. */

static const char hand_source[] =
  "typedef void *(*alloc_fn) (void *self, int64_t bytes);\n"
  "float *bgd_hand (const float *x, int64_t n, const float *bias, int64_t H, int64_t seed, float p,\n"
  "                 alloc_fn alloc, void *self)\n"
  "{\n"
  "  float *restrict y = alloc (self, n * (int64_t) sizeof (float));\n"
  "  float scale = 1.0f / (1.0f - p);\n"
  "  _Pragma (\"omp parallel for schedule(static)\")\n"
  "  for (int64_t r = 0; r < n; r += H)\n"
  "    {\n"
  "      int64_t m = n - r < H ? n - r : H;\n"
  "      uint32_t w[m + 8];\n"
  "      WIR_RT_PHILOX_BLOCKS (seed, (uint64_t) r >> 2, ((r & 3) + m + 3) >> 2, w);\n"
  "      const uint32_t *q = w + (r & 3);\n"
  "      for (int64_t c = 0; c < m; c++)\n"
  "        {\n"
  "          float z = x[r + c] + bias[c];\n"
  "          float g = 0.5f * z * (1.0f + wir_rt_tanhf (0.7978846f * (z + 0.044715f * z * z * z)));\n"
  "          y[r + c] = wir_rt_philox_word (q[c]) >= p ? g * scale : 0.0f;\n"
  "        }\n"
  "    }\n"
  "  return y;\n"
  "}\n"
  "float *brs_hand (const float *x, int64_t n, float a, float c, float s, alloc_fn alloc, void *self)\n"
  "{\n"
  "  float *restrict y = alloc (self, n * (int64_t) sizeof (float));\n"
  "  _Pragma (\"omp parallel for schedule(static)\")\n"
  "  for (int64_t i = 0; i < n; i++)\n"
  "    {\n"
  "      float z = x[i] * a + c;\n"
  "      y[i] = (z != z ? z : z > 0.0f ? z : 0.0f) * s;   /* max(z, 0), NaN kept */\n"
  "    }\n"
  "  return y;\n"
  "}\n"
  "float *sgd_hand (const float *restrict p, const float *restrict g, const float *restrict buf,\n"
  "                 int64_t n, float lr, float mu,\n"
  "                 float wd, float **mo, alloc_fn alloc, void *self)\n"
  "{\n"
  "  float *restrict q = alloc (self, n * (int64_t) sizeof (float));\n"
  "  float *restrict m = alloc (self, n * (int64_t) sizeof (float));\n"
  "  _Pragma (\"omp parallel for simd schedule(static)\")\n"
  "  for (int64_t i = 0; i < n; i++)\n"
  "    {\n"
  "      float mm = mu * buf[i] + (g[i] + wd * p[i]);\n"
  "      m[i] = mm;\n"
  "      q[i] = p[i] - lr * mm;\n"
  "    }\n"
  "  *mo = m;\n"
  "  return q;\n"
  "}\n"
  "float *adam_hand (const float *restrict p, const float *restrict g, const float *restrict m,\n"
  "                  const float *restrict v, int64_t n,\n"
  "                  const float *h, float **mo, float **vo, alloc_fn alloc, void *self)\n"
  "{\n"
  "  float lr = h[0], b1 = h[1], b2 = h[2], eps = h[3], c1 = h[4], c2 = h[5], gs = h[6];\n"
  "  float *restrict q = alloc (self, n * (int64_t) sizeof (float));\n"
  "  float *restrict m2 = alloc (self, n * (int64_t) sizeof (float));\n"
  "  float *restrict v2 = alloc (self, n * (int64_t) sizeof (float));\n"
  "  _Pragma (\"omp parallel for simd schedule(static)\")\n"
  "  for (int64_t i = 0; i < n; i++)\n"
  "    {\n"
  "      float gg = g[i] * gs;\n"
  "      float a = b1 * m[i] + (1.0f - b1) * gg;\n"
  "      float b = b2 * v[i] + (1.0f - b2) * gg * gg;\n"
  "      q[i] = p[i] - lr * (a / c1) / (sqrtf (b / c2) + eps);\n"
  "      m2[i] = a;\n"
  "      v2[i] = b;\n"
  "    }\n"
  "  *mo = m2;\n"
  "  *vo = v2;\n"
  "  return q;\n"
  "}\n";

typedef void *(*AllocFn) (void *self, gint64 bytes);
static float *(*bgd_hand) (const float *x, gint64 n, const float *bias, gint64 H, gint64 seed, float p,
                           AllocFn alloc, void *self);
static float *(*brs_hand) (const float *x, gint64 n, float a, float c, float s, AllocFn alloc, void *self);
static float *(*sgd_hand) (const float *p, const float *g, const float *buf, gint64 n, float lr, float mu,
                           float wd, float **mo, AllocFn alloc, void *self);
static float *(*adam_hand) (const float *p, const float *g, const float *m, const float *v, gint64 n,
                            const float *h, float **mo, float **vo, AllocFn alloc, void *self);

/* the kernels' allocator (backend-c.c's host_alloc: g_try_malloc) */
static void *
hand_alloc (void *self, gint64 bytes)
{
  return bytes < 0 ? NULL : g_try_malloc ((gsize) MAX (bytes, 1));
}

/* --kept: every side writes into buffers it keeps from run to run, as the
 * executor does (wir_lazy_force_into): a pool per side hands out, in
 * order, the large buffers of the previous run, mapped and touched once
 * before timing; small blocks (builder headers) come from the heap and go
 * at the reset. Fresh (the default): g_try_malloc, a new mapping, hence a
 * page fault per 4 KiB of output, on every run. */
typedef struct {
  GPtrArray *big;               /* kept buffers, in order of request */
  GArray *sizes;
  guint next;
  GPtrArray *small;             /* this run's small blocks */
} Pool;

#define POOL_BIG ((gint64) 1 << 20)

static gboolean kept;

static void *
pool_alloc (void *self, gint64 bytes)
{
  Pool *pool = self;
  if (bytes < 0)
    return NULL;
  if (bytes < POOL_BIG)
    {
      void *b = g_try_malloc ((gsize) MAX (bytes, 1));
      if (b != NULL)
        g_ptr_array_add (pool->small, b);
      return b;
    }
  if (pool->next < pool->big->len && g_array_index (pool->sizes, gint64, pool->next) >= bytes)
    return pool->big->pdata[pool->next++];
  void *b = g_try_malloc ((gsize) bytes);
  if (b == NULL)
    return NULL;
  memset (b, 0, (gsize) bytes);
  if (pool->next < pool->big->len)
    {
      g_free (pool->big->pdata[pool->next]);
      pool->big->pdata[pool->next] = b;
      g_array_index (pool->sizes, gint64, pool->next) = bytes;
    }
  else
    {
      g_ptr_array_add (pool->big, b);
      g_array_append_val (pool->sizes, bytes);
    }
  pool->next++;
  return b;
}

static Pool *
pool_new (void)
{
  Pool *pool = g_new0 (Pool, 1);
  pool->big = g_ptr_array_new_with_free_func (g_free);
  pool->sizes = g_array_new (FALSE, FALSE, sizeof (gint64));
  pool->small = g_ptr_array_new_with_free_func (g_free);
  return pool;
}

/* before a run: the same buffers again, in the same order */
static void
pool_reset (Pool *pool)
{
  pool->next = 0;
  g_ptr_array_set_size (pool->small, 0);
}

static void
pool_free (Pool *pool)
{
  g_ptr_array_unref (pool->big);
  g_array_unref (pool->sizes);
  g_ptr_array_unref (pool->small);
  g_free (pool);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (Pool, pool_free)

/* where the hand loops take their outputs (the pool of the hand side
 * with --kept) */
static AllocFn out_alloc = hand_alloc;
static void *out_self;

/* an output of a hand loop that this side no longer needs */
static void
out_release (void *b)
{
  if (out_alloc == hand_alloc)
    g_free (b);
}

/* ---- helpers ---- */

static double
now_s (void)
{
  return (double) g_get_monotonic_time () / 1e6;
}

static double
median (double *t, gsize n)
{
  double c[16];
  memcpy (c, t, n * sizeof *t);
  gsl_sort (c, 1, n);
  return gsl_stats_median_from_sorted_data (c, 1, n);
}

static WirProgram *
build (const char *text, gboolean fusion, char **log_out)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) log = g_string_new (NULL);
  g_autoptr(WirProgram) p = wir_program_parse (text, -1, "bench.wir", &error);
  if (p == NULL || !wir_program_check (p, FALSE, &error) || !wir_optimize (p, fusion, log, &error))
    g_error ("%s", error->message);
  if (log_out != NULL)
    *log_out = g_string_free (g_steal_pointer (&log), FALSE);
  return g_steal_pointer (&p);
}

/* every side compiles with these (native: -march=native) */
static WirCOptions copts = { NULL, TRUE, FALSE };

static gpointer
hand_symbol (const char *name)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *src = g_strconcat (wir_c_philox_text (), hand_source, NULL);
  gpointer fn = wir_c_compile_symbol (src, name, &copts, &error);
  if (fn == NULL)
    g_error ("%s", error->message);
  return fn;
}

static WirKernel *
compile (WirProgram *p, const char *cache, double *cold_s, double *warm_s)
{
  g_autoptr(GError) error = NULL;
  WirCOptions o = copts;
  o.cache_dir = cache;
  WirKernel *k = wir_c_compile (p, &o, cold_s, &error);
  if (k == NULL)
    g_error ("%s", error->message);
  double t0 = now_s ();
  g_autoptr(WirKernel) again = wir_c_compile (p, &o, NULL, &error);
  *warm_s = now_s () - t0;
  return k;
}

static WirValue *
vec_arg (WirProgram *p, guint idx, const float *data)
{
  return wir_value_new_vec (wir_program_param_type (p, idx), data, N);
}

static WirValue *
scalar_arg (WirProgram *p, guint idx, const char *text)
{
  g_autoptr(GError) error = NULL;
  WirValue *v = wir_value_parse_as (p, wir_program_param_type (p, idx), text, &error);
  if (v == NULL)
    g_error ("%s", error->message);
  return v;
}

/* One run of @k, timed; with @pool (--kept) into the pool's buffers. The
 * result replaces *keep. */
static double
run_kernel (WirKernel *k, GPtrArray *args, Pool *pool, WirValue **keep)
{
  g_autoptr(GError) error = NULL;
  WirRunOptions o = { 0, pool != NULL ? pool_alloc : NULL, pool };
  g_clear_pointer (keep, wir_value_free);
  if (pool != NULL)
    pool_reset (pool);
  double t0 = now_s ();
  *keep = wir_kernel_run (k, (WirValue *const *) args->pdata, args->len, &o, &error);
  double dt = now_s () - t0;
  if (*keep == NULL)
    g_error ("%s", error->message);
  return dt;
}

/* the largest |a - b| over the first output vector of a result */
static double
max_diff (const WirValue *v, const float *hand)
{
  gconstpointer data;
  gint64 len = 0;
  if (!wir_value_vec (v, &data, &len))
    return NAN;
  const float *a = data;
  double d = 0;
  for (gint64 i = 0; i < len; i++)
    d = MAX (d, fabs ((double) a[i] - hand[i]));
  return d;
}

static void
bytes_ratio (WirProgram *fused, WirProgram *unfused, GPtrArray *args, double *ratio)
{
  WirCostParams cp;
  WirCost cf, cu;
  wir_cost_params_default (&cp);
  wir_cost_estimate (fused, (WirValue *const *) args->pdata, args->len, N, &cp, &cf);
  wir_cost_estimate (unfused, (WirValue *const *) args->pdata, args->len, N, &cp, &cu);
  *ratio = (cu.bytes_read + cu.bytes_written) / (cf.bytes_read + cf.bytes_written);
}

typedef struct {
  const char *name;
  double unfused_s, fused_s, hand_s, bytes_ratio, diff, cold_s[2], warm_s[2];
} Row;

/* --format csv: a row per kernel for notebooks/03-weld.ipynb. */
static gboolean csv;

static void
report (const Row *r)
{
  if (csv)
    {
      printf ("%s,%.6g,%.6g,%.6g,%.4g,%.6g,%.6g\n", r->name, r->unfused_s, r->fused_s,
              r->hand_s, r->bytes_ratio, r->cold_s[0], r->cold_s[1]);
      return;
    }
  printf ("%-22s unfused %7.1f ms  fused %7.1f ms  hand %7.1f ms  fused/unfused %.2fx"
          " (bytes model %.2fx)  fused/hand %.2f  max |fused - hand| %.3g\n",
          r->name, r->unfused_s * 1e3, r->fused_s * 1e3, r->hand_s * 1e3,
          r->unfused_s / r->fused_s, r->bytes_ratio, r->fused_s / r->hand_s, r->diff);
  printf ("%-22s compile (emit + cc + dlopen, cold): unfused %.0f ms, fused %.0f ms;"
          " warm hit %.2f ms, %.2f ms\n", "", r->cold_s[0] * 1e3, r->cold_s[1] * 1e3,
          r->warm_s[0] * 1e3, r->warm_s[1] * 1e3);
}

static void
fill (float *a, GRand *rand, double lo, double hi)
{
  for (gint64 i = 0; i < N; i++)
    a[i] = (float) g_rand_double_range (rand, lo, hi);
}

/* the inputs, shared by every kernel */
typedef struct {
  float *x, *g, *m, *v, *bias;
  float hyper[7];
} Data;

static const char *const adam_hyper[] = { "0.001", "0.9", "0.999", "1e-8", "0.1", "0.001", "0.5" };

typedef GPtrArray *(*ArgsFn) (WirProgram *p, const Data *d);
/* the hand loop; returns its first output, frees the others */
typedef float *(*HandFn) (const Data *d);

static GPtrArray *
new_args (void)
{
  return g_ptr_array_new_with_free_func ((GDestroyNotify) wir_value_free);
}

static GPtrArray *
bgd_args (WirProgram *p, const Data *d)
{
  GPtrArray *a = new_args ();
  g_ptr_array_add (a, vec_arg (p, 0, d->x));
  g_ptr_array_add (a, wir_value_new_vec (wir_program_param_type (p, 1), d->bias, COLS));
  g_ptr_array_add (a, scalar_arg (p, 2, "1234"));
  g_ptr_array_add (a, scalar_arg (p, 3, "0.1"));
  return a;
}

static float *
bgd_run_hand (const Data *d)
{
  return bgd_hand (d->x, N, d->bias, COLS, 1234, 0.1f, out_alloc, out_self);
}

static GPtrArray *
brs_args (WirProgram *p, const Data *d)
{
  GPtrArray *a = new_args ();
  g_ptr_array_add (a, vec_arg (p, 0, d->x));
  g_ptr_array_add (a, scalar_arg (p, 1, "0.5"));
  g_ptr_array_add (a, scalar_arg (p, 2, "-0.25"));
  g_ptr_array_add (a, scalar_arg (p, 3, "1.5"));
  return a;
}

static float *
brs_run_hand (const Data *d)
{
  return brs_hand (d->x, N, 0.5f, -0.25f, 1.5f, out_alloc, out_self);
}

static GPtrArray *
sgd_args (WirProgram *p, const Data *d)
{
  GPtrArray *a = new_args ();
  g_ptr_array_add (a, vec_arg (p, 0, d->x));
  g_ptr_array_add (a, vec_arg (p, 1, d->g));
  g_ptr_array_add (a, vec_arg (p, 2, d->m));
  g_ptr_array_add (a, scalar_arg (p, 3, "0.01"));
  g_ptr_array_add (a, scalar_arg (p, 4, "0.9"));
  g_ptr_array_add (a, scalar_arg (p, 5, "0.0001"));
  return a;
}

static float *
sgd_run_hand (const Data *d)
{
  float *mo = NULL, *q = sgd_hand (d->x, d->g, d->m, N, 0.01f, 0.9f, 0.0001f, &mo, out_alloc, out_self);
  out_release (mo);
  return q;
}

static GPtrArray *
adam_args (WirProgram *p, const Data *d)
{
  GPtrArray *a = new_args ();
  const float *vecs[] = { d->x, d->g, d->m, d->v };
  for (guint k = 0; k < 4; k++)
    g_ptr_array_add (a, vec_arg (p, k, vecs[k]));
  for (guint k = 0; k < 7; k++)
    g_ptr_array_add (a, scalar_arg (p, 4 + k, adam_hyper[k]));
  return a;
}

static float *
adam_run_hand (const Data *d)
{
  float *mo = NULL, *vo = NULL, *q = adam_hand (d->x, d->g, d->m, d->v, N, d->hyper, &mo, &vo, out_alloc, out_self);
  out_release (mo);
  out_release (vo);
  return q;
}

/* the first output vector of a result (a vector, or a struct's field 0) */
static double
first_diff (const WirValue *v, const float *hand)
{
  g_autoptr(WirValue) f = wir_value_field (v, 0);
  return max_diff (f != NULL ? f : v, hand);
}

/* One row: @fragments without the fusion passes and through the whole
 * optimizer, and the hand loop; times, bytes ratio, output difference,
 * compile latency. */
static void
measure (Row *r, const char *fragments, ArgsFn make_args, HandFn hand, const Data *d,
         const char *cache, char **log)
{
  g_autoptr(WirProgram) pu = build (fragments, FALSE, NULL);
  g_autoptr(WirProgram) pf = build (fragments, TRUE, log);
  g_autoptr(WirKernel) ku = compile (pu, cache, &r->cold_s[0], &r->warm_s[0]);
  g_autoptr(WirKernel) kf = compile (pf, cache, &r->cold_s[1], &r->warm_s[1]);
  g_autoptr(GPtrArray) args = make_args (pf, d);
  /* with --kept, a pool per side: each keeps its last output */
  g_autoptr(Pool) pool_u = kept ? pool_new () : NULL;
  g_autoptr(Pool) pool_f = kept ? pool_new () : NULL;
  g_autoptr(Pool) pool_h = kept ? pool_new () : NULL;
  g_autoptr(WirValue) ou = NULL, of = NULL;
  if (kept)
    out_alloc = pool_alloc, out_self = pool_h;
  /* the sides take turns, so that the machine's moods fall on all three;
   * with --kept, round 0 maps the pools and is not counted */
  double tu[RUNS], tf[RUNS], th[RUNS];
  float *y = NULL;
  for (guint k = kept ? 0 : 1; k <= RUNS; k++)
    {
      double dtu = run_kernel (ku, args, pool_u, &ou);
      double dtf = run_kernel (kf, args, pool_f, &of);
      out_release (y);
      if (kept)
        pool_reset (pool_h);
      double t0 = now_s ();
      y = hand (d);
      double dth = now_s () - t0;
      if (k > 0)
        tu[k - 1] = dtu, tf[k - 1] = dtf, th[k - 1] = dth;
    }
  r->unfused_s = median (tu, RUNS);
  r->fused_s = median (tf, RUNS);
  r->hand_s = median (th, RUNS);
  r->diff = MAX (first_diff (of, y), first_diff (ou, y));
  bytes_ratio (pf, pu, args, &r->bytes_ratio);
  out_release (y);
  out_alloc = hand_alloc, out_self = NULL;
  report (r);
}

static void
remove_cache (const char *cache)
{
  g_autoptr(GDir) dir = g_dir_open (cache, 0, NULL);
  for (const char *name; dir != NULL && (name = g_dir_read_name (dir)) != NULL;)
    {
      g_autofree char *path = g_build_filename (cache, name, NULL);
      g_unlink (path);
    }
  g_rmdir (cache);
}

int
main (int argc, char **argv)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (42);
  g_autofree char *cache = g_dir_make_tmp ("dawnsim-bench-wir-XXXXXX", NULL);
  Data d = { g_new (float, N), g_new (float, N), g_new (float, N), g_new (float, N), g_new (float, COLS), { 0 } };
  fill (d.x, rand, -3, 3);
  fill (d.g, rand, -1, 1);
  fill (d.m, rand, -0.1, 0.1);
  fill (d.v, rand, 0, 0.01);
  for (guint i = 0; i < COLS; i++)
    d.bias[i] = (float) g_rand_double_range (rand, -0.5, 0.5);
  for (guint k = 0; k < 7; k++)
    d.hyper[k] = strtof (adam_hyper[k], NULL);

  for (int i = 1; i < argc; i++)
    if (strcmp (argv[i], "--parallel") == 0)
      copts.parallel = TRUE;
    else if (strcmp (argv[i], "--kept") == 0)
      kept = TRUE;
    else if (strcmp (argv[i], "--format") == 0 && i + 1 < argc && strcmp (argv[i + 1], "csv") == 0)
      csv = TRUE, i++;
    else
      {
        fprintf (stderr, "usage: bench-wir [--parallel] [--kept] [--format csv]\n");
        return 2;
      }
  copts.cache_dir = cache;
  bgd_hand = hand_symbol ("bgd_hand");
  brs_hand = hand_symbol ("brs_hand");
  sgd_hand = hand_symbol ("sgd_hand");
  adam_hand = hand_symbol ("adam_hand");
  if (csv)
    printf ("kernel,unfused_s,fused_s,hand_s,bytes_ratio,compile_unfused_s,compile_fused_s\n");
  else
    printf ("bench-wir: %d x %d fp32 (%.0f MB per vector), median of %d runs, C back end"
            " (cc " "-O3 -march=native -fwrapv -ffp-contract=off -fno-math-errno -fno-trapping-math%s,"
            " hand loops too), %s,"
            " outputs %s\n", ROWS, COLS, N * 4 / 1e6, RUNS, copts.parallel ? " -fopenmp" : "",
            copts.parallel ? "over the cores (OpenMP, static schedule)" : "sequential",
            kept ? "in kept buffers (--kept: mapped before timing, as the executor's)"
                 : "in fresh buffers (g_try_malloc per run: a page fault per 4 KiB)");
  g_autofree char *log = NULL;
  Row bgd = { "bias+GELU+dropout" }, brs = { "affine+ReLU+scale" }, sgd = { "SGD-momentum" }, adam = { "Adam" };
  measure (&bgd, wir_lib_bias_gelu_dropout, bgd_args, bgd_run_hand, &d, cache, &log);
  if (!csv)
    printf ("%-22s pass log: %s", "", log);
  measure (&brs, brs_fragments, brs_args, brs_run_hand, &d, cache, NULL);
  measure (&sgd, wir_lib_sgd_fragments, sgd_args, sgd_run_hand, &d, cache, NULL);
  measure (&adam, wir_lib_adam_fragments, adam_args, adam_run_hand, &d, cache, NULL);
  g_free (d.x);
  g_free (d.g);
  g_free (d.m);
  g_free (d.v);
  g_free (d.bias);
  remove_cache (cache);
  return 0;
}
