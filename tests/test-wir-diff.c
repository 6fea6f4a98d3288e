/* tests/test-wir-diff.c - differential testing of WIR's back ends
 * (weld.md §18): random programs of the subset, from a small seeded
 * generator, run on the interpreter, on the C back end without the fusion
 * passes and on the C back end with them. All three must agree: the same
 * value bit for bit, or the same error code.
 *
 * The generator composes maps, filters, zips, multi-merge loops, results
 * used twice (by the next loop and as an output) and reductions over i64
 * and f64 vectors, so fusion meets producers that filter, merge twice,
 * feed a consumer that reads its index or stay an output.
 */
#include "config.h"

#include <string.h>

#include "exec/wir/backend-c.h"
#include "exec/wir/interp.h"
#include "exec/wir/lazy.h"
#include "exec/wir/library.h"
#include "exec/wir/numeric.h"
#include "exec/wir/passes.h"
#include "exec/wir/wir.h"
#include "tests/testutil.h"

#ifndef N_PROGRAMS
#define N_PROGRAMS 24
#endif

static char *cache_dir;

typedef struct {
  GRand *rand;
  GString *out;
  guint depth;
} Gen;

static guint
pick (Gen *g, guint n)
{
  return (guint) g_rand_int_range (g->rand, 0, (gint32) n);
}

/* an i64 scalar over the names in @vars */
static void
scalar (Gen *g, const char *const *vars, guint n_vars, guint depth)
{
  guint k = depth == 0 ? pick (g, 2) : pick (g, 9);
  static const char *const ops[] = { "+", "-", "*", "/", "%" };
  switch (k)
    {
    case 0: g_string_append (g->out, vars[pick (g, n_vars)]); break;
    case 1: g_string_append_printf (g->out, "%dL", g_rand_int_range (g->rand, -5, 6)); break;
    case 2: case 3: case 4:
      g_string_append (g->out, "(");
      scalar (g, vars, n_vars, depth - 1);
      g_string_append_printf (g->out, " %s ", ops[pick (g, k == 4 ? 5 : 3)]);
      scalar (g, vars, n_vars, depth - 1);
      g_string_append (g->out, ")");
      break;
    case 5:
      g_string_append (g->out, pick (g, 2) ? "min(" : "max(");
      scalar (g, vars, n_vars, depth - 1);
      g_string_append (g->out, ", ");
      scalar (g, vars, n_vars, depth - 1);
      g_string_append (g->out, ")");
      break;
    case 6:
      g_string_append (g->out, pick (g, 2) ? "select(" : "if(");
      scalar (g, vars, n_vars, depth - 1);
      g_string_append (g->out, " > 0L, ");
      scalar (g, vars, n_vars, depth - 1);
      g_string_append (g->out, ", ");
      scalar (g, vars, n_vars, depth - 1);
      g_string_append (g->out, ")");
      break;
    case 7:   /* through f64 and back: float arithmetic must agree bitwise */
      g_string_append (g->out, "i64(f64(");
      scalar (g, vars, n_vars, depth - 1);
      g_string_append (g->out, ") * 0.75 + sqrt(f64(");
      scalar (g, vars, n_vars, depth - 1);
      g_string_append (g->out, " * 0L + 9L)))");
      break;
    default:
      g_string_append (g->out, "-(");
      scalar (g, vars, n_vars, depth - 1);
      g_string_append (g->out, ")");
      break;
    }
}

/* a vec[i64] expression */
static void
vector (Gen *g, guint depth)
{
  static const char *const ev[] = { "e", "a" };
  static const char *const eiv[] = { "e", "i", "a" };
  static const char *const zv[] = { "e.$0", "e.$1", "i", "a" };
  guint k = depth == 0 ? 0 : pick (g, 6);
  switch (k)
    {
    case 0:
      g_string_append (g->out, pick (g, 2) ? "x" : "y");
      break;
    case 1:
      g_string_append (g->out, "map(");
      vector (g, depth - 1);
      g_string_append (g->out, ", |e| ");
      scalar (g, ev, 2, 2);
      g_string_append (g->out, ")");
      break;
    case 2:
      g_string_append (g->out, "filter(");
      vector (g, depth - 1);
      g_string_append (g->out, ", |e| ");
      scalar (g, ev, 2, 1);
      g_string_append (g->out, " > 0L)");
      break;
    case 3:   /* a consumer that reads its index */
      g_string_append (g->out, "result(for(");
      vector (g, depth - 1);
      g_string_append (g->out, ", appender[i64], |b, i, e| merge(b, ");
      scalar (g, eiv, 3, 2);
      g_string_append (g->out, ")))");
      break;
    case 4:   /* a producer that merges zero, one or two times */
      g_string_append (g->out, "result(for(");
      vector (g, depth - 1);
      g_string_append (g->out, ", appender[i64], |b, i, e| if(");
      scalar (g, eiv, 3, 1);
      g_string_append (g->out, " > 0L, merge(merge(b, e), i), b)))");
      break;
    default:
      g_string_append (g->out, "result(for(zip(");
      vector (g, depth - 1);
      g_string_append (g->out, ", ");
      vector (g, depth - 1);
      g_string_append (g->out, "), appender[i64], |b, i, e| merge(b, ");
      scalar (g, zv, 4, 2);
      g_string_append (g->out, ")))");
      break;
    }
}

static char *
program (guint32 seed)
{
  static const char *const ops[] = { "+", "*", "min", "max" };
  Gen g = { g_rand_new_with_seed (seed), g_string_new ("|x: vec[i64], y: vec[i64], a: i64| "), 0 };
  guint top = pick (&g, 4);
  if (top == 0)
    vector (&g, 3);
  else if (top == 3)
    {
      /* a loop's result that the next loop zips and the program returns
       * too: vertical fusion of a producer kept as an output */
      static const char *const zv[] = { "e.$0", "e.$1", "i", "a" };
      static const char *const eiv[] = { "e", "i", "a" };
      g_string_append (g.out, "let u = ");
      vector (&g, 2);
      if (pick (&g, 2))
        {
          g_string_append (g.out, "; let w = result(for(zip(");
          vector (&g, 1);
          g_string_append (g.out, ", u), appender[i64], |b, i, e| merge(b, ");
          scalar (&g, zv, 4, 2);
        }
      else
        {
          g_string_append (g.out, "; let w = result(for(u, appender[i64], |b, i, e| merge(b, ");
          scalar (&g, eiv, 3, 2);
        }
      g_string_append (g.out, "))); {u, w}");
    }
  else
    {
      static const char *const ev[] = { "e", "a" };
      if (top == 2)
        {
          g_string_append (g.out, "{");
          vector (&g, 2);
          g_string_append (g.out, ", ");
        }
      g_string_append (g.out, "result(for(");
      vector (&g, 3);
      g_string_append_printf (g.out, ", merger[i64, %s], |b, i, e| merge(b, ", ops[pick (&g, 4)]);
      scalar (&g, ev, 2, 2);
      g_string_append (g.out, top == 2 ? ")))}" : ")))");
    }
  g_rand_free (g.rand);
  return g_string_free (g.out, FALSE);
}

/* the program owns the value's types: it goes last */
typedef struct { WirValue *value; GError *error; WirProgram *prog; } Outcome;

static void
outcome_clear (Outcome *o)
{
  g_clear_pointer (&o->value, wir_value_free);
  g_clear_error (&o->error);
  g_clear_pointer (&o->prog, wir_program_free);
}

static void
assert_same (const Outcome *a, const Outcome *b, const char *what, const char *text)
{
  if (a->error != NULL || b->error != NULL)
    {
      if (a->error == NULL || b->error == NULL || a->error->code != b->error->code)
        g_error ("%s: %s differs: %s / %s", text, what,
                 a->error != NULL ? a->error->message : "ok", b->error != NULL ? b->error->message : "ok");
      return;
    }
  if (!wir_value_identical (a->value, b->value))
    {
      g_autofree char *x = wir_value_print (a->value, 12), *y = wir_value_print (b->value, 12);
      g_error ("%s: %s differs: %s / %s", text, what, x, y);
    }
}

static void
run_c (const char *text, gboolean fusion, GPtrArray **args, Outcome *o)
{
  g_autoptr(GError) error = NULL;
  WirProgram *p = o->prog = wir_program_parse (text, -1, "diff", &error);
  g_assert_no_error (error);
  g_assert_true (wir_program_check (p, FALSE, &error));
  g_assert_true (wir_optimize (p, fusion, NULL, &error));
  g_assert_no_error (error);
  WirCOptions copts = { cache_dir, FALSE, FALSE };
  g_autoptr(WirKernel) k = wir_c_compile (p, &copts, NULL, &error);
  g_assert_no_error (error);
  g_autoptr(GPtrArray) a = wir_input_parse (p, "x=[3, -1, 0, 7, 2, -4, 5, 1, 0, 9]; y=[1..10]; a=2", &error);
  g_assert_no_error (error);
  o->value = wir_kernel_run (k, (WirValue *const *) a->pdata, a->len, NULL, &o->error);
  (void) args;
}

static void
test_random (gconstpointer data)
{
  guint32 seed = GPOINTER_TO_UINT (data);
  g_autofree char *text = program (seed);
  g_autoptr(GError) error = NULL;
  g_autoptr(WirProgram) p = wir_program_parse (text, -1, "diff", &error);
  g_assert_no_error (error);
  g_assert_true (wir_program_check (p, FALSE, &error));
  g_autoptr(GPtrArray) args = wir_input_parse (p, "x=[3, -1, 0, 7, 2, -4, 5, 1, 0, 9]; y=[1..10]; a=2", &error);
  g_assert_no_error (error);
  Outcome interp = { 0 }, unfused = { 0 }, fused = { 0 };
  interp.value = wir_program_run (p, (WirValue *const *) args->pdata, args->len, NULL, &interp.error);
  run_c (text, FALSE, NULL, &unfused);
  run_c (text, TRUE, NULL, &fused);
  g_test_message ("%s -> %s", text, interp.error != NULL ? interp.error->message : "ok");
  assert_same (&interp, &unfused, "unfused C", text);
  assert_same (&interp, &fused, "fused C", text);
  outcome_clear (&interp);
  outcome_clear (&unfused);
  outcome_clear (&fused);
}

/* K04's configuration: one compiled kernel run from 8 threads, 4 runs
 * each, every run with its own inputs and outputs (no global state) */
typedef struct { WirKernel *kernel; WirProgram *prog; guint id; gboolean ok; } Worker;

static gpointer
worker (gpointer data)
{
  Worker *w = data;
  w->ok = TRUE;
  for (guint r = 0; r < 4; r++)
    {
      gint64 n = 200000 + 1000 * (gint64) w->id + r;
      g_autofree gint32 *v = g_new (gint32, n);
      for (gint64 i = 0; i < n; i++)
        v[i] = (gint32) (i * 7 + w->id);
      g_autoptr(WirValue) arg = wir_value_new_vec (wir_program_param_type (w->prog, 0), v, n);
      WirValue *args[1] = { arg };
      g_autoptr(GError) error = NULL;
      g_autoptr(WirValue) out = wir_kernel_run (w->kernel, args, 1, NULL, &error);
      gconstpointer data_out;
      gint64 len = 0;
      w->ok = w->ok && out != NULL && wir_value_vec (out, &data_out, &len) && len == n
              && memcmp (data_out, v, (gsize) n * sizeof *v) == 0;
    }
  return NULL;
}

static void
test_reentrant (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WirProgram) p = wir_program_parse ("|v:vec[i32]| result(for(v, appender[i32], |b,i,e| merge(b,e)))",
                                               -1, "k04", &error);
  g_assert_no_error (error);
  g_assert_true (wir_program_check (p, FALSE, &error));
  WirCOptions copts = { cache_dir, FALSE, FALSE };
  g_autoptr(WirKernel) k = wir_c_compile (p, &copts, NULL, &error);
  g_assert_no_error (error);
  Worker w[8];
  GThread *t[8];
  for (guint i = 0; i < 8; i++)
    {
      w[i] = (Worker) { k, p, i, FALSE };
      t[i] = g_thread_new ("k04", worker, &w[i]);
    }
  for (guint i = 0; i < 8; i++)
    {
      g_thread_join (t[i]);
      g_assert_true (w[i].ok);
    }
}

/* a capacity hint is not a bound: a huge one must not fail either back end */
static void
test_huge_hint (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WirProgram) p = wir_program_parse (
      "|v: vec[i64]| result(for(v, appender[i64](4611686018427387903L), |b, i, e| merge(b, e + i)))",
      -1, "hint", &error);
  g_assert_no_error (error);
  g_assert_true (wir_program_check (p, FALSE, &error));
  g_autoptr(GPtrArray) args = wir_input_parse (p, "v=[1..5]", &error);
  g_autoptr(WirValue) a = wir_program_run (p, (WirValue *const *) args->pdata, args->len, NULL, &error);
  g_assert_no_error (error);
  WirCOptions copts = { cache_dir, FALSE, FALSE };
  g_autoptr(WirKernel) k = wir_c_compile (p, &copts, NULL, &error);
  g_assert_no_error (error);
  g_autoptr(WirValue) b = wir_kernel_run (k, (WirValue *const *) args->pdata, args->len, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (wir_value_identical (a, b));
}

/* the lazy API: three libraries' fragments forced once fuse into one
 * loop and give the bits that forcing each fragment on its own gives */
static const char bias_frag[] =
  "|x: vec[f32], b: vec[f32]| let H = len(b); result(for(x, appender[f32], |a, i, v| merge(a, v + lookup(b, i % H))))";
static const char gelu_frag[] = "|y: vec[f32]| map(y, |t| gelu_tanh(t))";
static const char drop_frag[] =
  "|y: vec[f32], s: i64, p: f32| result(for(y, appender[f32], |a, i, v| merge(a, select(philox(s, i) >= p, v / (1.0f - p), 0.0f))))";

static WirHandle *
chain (WirLazy *lazy, const float *x, const float *bias, gboolean eager, GString *log)
{
  g_autoptr(GError) error = NULL;
  WirHandle *hx = wir_lazy_vector (lazy, "vec[f32]", x, 1000, &error);
  WirHandle *hb = wir_lazy_vector (lazy, "vec[f32]", bias, 7, &error);
  WirHandle *seed = wir_lazy_scalar (lazy, "42L", &error), *p = wir_lazy_scalar (lazy, "0.2f", &error);
  g_assert_no_error (error);
  WirHandle *h1 = wir_lazy_apply (lazy, bias_frag, (WirHandle *[]) { hx, hb }, 2);
  if (eager)
    g_assert_true (wir_lazy_force (lazy, &h1, 1, log, &error));
  WirHandle *h2 = wir_lazy_apply (lazy, gelu_frag, &h1, 1);
  if (eager)
    g_assert_true (wir_lazy_force (lazy, &h2, 1, log, &error));
  WirHandle *h3 = wir_lazy_apply (lazy, drop_frag, (WirHandle *[]) { h2, seed, p }, 3);
  g_assert_true (wir_lazy_force (lazy, &h3, 1, log, &error));
  g_assert_no_error (error);
  return h3;
}

static void
test_lazy (void)
{
  float x[1000], bias[7];
  for (guint i = 0; i < 1000; i++)
    x[i] = (float) i * 0.01f - 5.0f;
  for (guint i = 0; i < 7; i++)
    bias[i] = (float) i * 0.1f - 0.3f;
  WirCOptions copts = { cache_dir, FALSE, FALSE };
  g_autoptr(WirLazy) lazy = wir_lazy_new (&copts), eager = wir_lazy_new (&copts);
  g_autoptr(GString) log = g_string_new (NULL), elog = g_string_new (NULL);
  WirHandle *a = chain (lazy, x, bias, FALSE, log);
  WirHandle *b = chain (eager, x, bias, TRUE, elog);
  g_assert_cmpuint (wir_lazy_n_forced (lazy), ==, 1);
  g_assert_cmpuint (wir_lazy_n_forced (eager), ==, 3);
  g_assert_nonnull (strstr (log->str, "fused the loop of 'h"));
  g_assert_null (strstr (elog->str, "fused"));
  gint64 la = 0, lb = 0;
  const float *da = wir_handle_data (a, &la), *db = wir_handle_data (b, &lb);
  g_assert_cmpint (la, ==, 1000);
  g_assert_cmpint (lb, ==, 1000);
  g_assert_cmpmem (da, la * sizeof (float), db, lb * sizeof (float));
  /* a forced handle is a buffer: forcing it again runs nothing */
  g_autoptr(GError) error = NULL;
  g_assert_true (wir_lazy_force (lazy, &a, 1, NULL, &error));
  g_assert_cmpuint (wir_lazy_n_forced (lazy), ==, 1);
}

/* the generator is deterministic: a seed names one program */
static void
test_generator (void)
{
  g_autofree char *a = program (7), *b = program (7), *c = program (8);
  g_assert_cmpstr (a, ==, b);
  g_assert_cmpstr (a, !=, c);
}

/* ---- tight loops (emit-c.c): the fast path against the interpreter ---- */

/* compile the tight tests' kernels with -fopenmp (test_tight_parallel),
 * with -march=native (test_tight_philox_avx512) */
static gboolean tight_parallel, tight_native;

/* @text on @input: interpreter, unfused C and fused C agree bit for bit
 * (or fail with the same code); the C source has @emitted in it */
static void
assert_tight (const char *text, const char *input, const char *emitted)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WirProgram) p = wir_program_parse (text, -1, "tight", &error);
  g_assert_no_error (error);
  g_assert_true (wir_program_check (p, FALSE, &error));
  g_autoptr(GPtrArray) args = wir_input_parse (p, input, &error);
  g_assert_no_error (error);
  Outcome interp = { 0 };
  interp.value = wir_program_run (p, (WirValue *const *) args->pdata, args->len, NULL, &interp.error);
  for (int fusion = 0; fusion < 2; fusion++)
    {
      g_autoptr(WirProgram) q = wir_program_parse (text, -1, "tight", &error);
      g_assert_true (wir_program_check (q, FALSE, &error) && wir_optimize (q, fusion, NULL, &error));
      g_autofree char *src = wir_c_emit (q);
      if (emitted != NULL)
        g_assert_nonnull (strstr (src, emitted));
      WirCOptions copts = { cache_dir, tight_native, FALSE, tight_parallel };
      g_autoptr(WirKernel) k = wir_c_compile (q, &copts, NULL, &error);
      g_assert_no_error (error);
      g_autoptr(GPtrArray) a = wir_input_parse (q, input, &error);
      Outcome c = { 0 };
      c.value = wir_kernel_run (k, (WirValue *const *) a->pdata, a->len, NULL, &c.error);
      assert_same (&interp, &c, fusion ? "fused C" : "unfused C", text);
      outcome_clear (&c);
    }
  outcome_clear (&interp);
}

/* philox through the fast loop (one block per four offsets, per chunk)
 * gives wir_philox's bits: lengths that are no multiple of 4 or of the
 * chunk, offsets that start unaligned, negative, and across 2^64 */
static void
assert_tight_philox (void)
{
  static const char text[] =
    "|x: vec[f32], seed: i64, base: i64|\n"
    "  result(for(x, appender[f32](len(x)), |b, i, v| merge(b, philox(seed, base + i))))";
  static const char *const bases[] = { "0", "1", "3", "-7", "9223372036854775805", "-2" };
  static const gint64 base_vals[] = { 0, 1, 3, -7, G_GINT64_CONSTANT (9223372036854775805), -2 };
  for (guint k = 0; k < G_N_ELEMENTS (bases); k++)
    {
      g_autofree char *input = g_strdup_printf ("x=[1..9011]; seed=%s; base=%s",
                                                k % 2 ? "-1234567890123" : "42", bases[k]);
      assert_tight (text, input, "WIR_RT_PHILOX_BLOCKS (");
      /* and against numeric.h directly */
      g_autoptr(GError) error = NULL;
      g_autoptr(WirProgram) p = wir_program_parse (text, -1, "tight", &error);
      g_assert_true (wir_program_check (p, FALSE, &error) && wir_optimize (p, TRUE, NULL, &error));
      WirCOptions copts = { cache_dir, tight_native, FALSE };
      g_autoptr(WirKernel) kern = wir_c_compile (p, &copts, NULL, &error);
      g_autoptr(GPtrArray) a = wir_input_parse (p, input, &error);
      g_assert_no_error (error);
      g_autoptr(WirValue) v = wir_kernel_run (kern, (WirValue *const *) a->pdata, a->len, NULL, &error);
      g_assert_no_error (error);
      gconstpointer data;
      gint64 len = 0;
      g_assert_true (wir_value_vec (v, &data, &len));
      g_assert_cmpint (len, ==, 9011);
      for (gint64 i = 0; i < len; i++)
        g_assert_cmpfloat (((const float *) data)[i], ==,
                           wir_philox (k % 2 ? G_GINT64_CONSTANT (-1234567890123) : 42,
                                       (gint64) ((guint64) base_vals[k] + (guint64) i)));
    }
}

/* which Philox loop a program compiled with @native calls */
static char *
philox_loop_of (gboolean native)
{
  static const char probe[] =
    "\n#define PROBE_STR_(x) #x\n#define PROBE_STR(x) PROBE_STR_(x)\n"
    "const char *probe (void) { return PROBE_STR (WIR_RT_PHILOX_BLOCKS); }\n";
  g_autoptr(GError) error = NULL;
  WirCOptions copts = { cache_dir, native, FALSE };
  g_autofree char *src = g_strconcat (wir_c_philox_text (), probe, NULL);
  const char *(*fn) (void) = (const char *(*) (void)) wir_c_compile_symbol (src, "probe", &copts, &error);
  g_assert_no_error (error);
  return g_strdup (fn ());
}

/* the C source of @text, optimized with fusion */
static char *
emitted (const char *text)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WirProgram) p = wir_program_parse (text, -1, "emit", &error);
  g_assert_true (wir_program_check (p, FALSE, &error) && wir_optimize (p, TRUE, NULL, &error));
  g_assert_no_error (error);
  return wir_c_emit (p);
}

static void
test_tight_philox (void)
{
  g_autofree char *loop = philox_loop_of (FALSE);
  g_assert_cmpstr (loop, ==, "wir_rt_philox_blocks");
  assert_tight_philox ();
  /* only programs that use the Philox loop pay for <immintrin.h> */
  g_autofree char *with = emitted (wir_lib_bias_gelu_dropout);
  g_autofree char *without = emitted (wir_lib_bias_relu);
  g_assert_nonnull (strstr (with, "#include <immintrin.h>"));
  g_assert_null (strstr (without, "immintrin"));
}

/* -march=native on a CPU with AVX-512F: rt-avx512.h's loop, the same bits */
static void
test_tight_philox_avx512 (void)
{
  guint32 w[4];
  if (!wir_philox_blocks_avx512 (0, 0, 1, w))
    {
      g_test_skip ("this CPU has no AVX-512F");
      return;
    }
  g_autofree char *loop = philox_loop_of (TRUE);
  g_assert_cmpstr (loop, ==, "wir_rt_philox_blocks_avx512");
  tight_native = TRUE;
  assert_tight_philox ();
  tight_native = FALSE;
}

/* lookup(bias, i % H) in rows of H: trip counts that are no multiple of
 * H, H above the trip count, above the chunk; and the failures (H = 0,
 * H past the end of bias) still those of the interpreter */
static void
test_tight_mod (void)
{
  static const char text[] =
    "|x: vec[f32], bias: vec[f32], H: i64|\n"
    "  result(for(x, appender[f32](len(x)), |b, i, v| merge(b, v * 0.5f + lookup(bias, i % H) + f32(i % H))))";
  static const struct { int n, nb, h; } cases[] = {
    { 9011, 7, 7 }, { 9011, 1500, 1500 }, { 9011, 5000, 5000 }, { 100, 5000, 3000 }, { 0, 3, 3 },
    { 9011, 7, 0 }, { 9011, 7, 8 }, { 5, 7, 8 }, { 9011, 7, -3 },
  };
  for (guint k = 0; k < G_N_ELEMENTS (cases); k++)
    {
      g_autofree char *input = cases[k].n > 0
        ? g_strdup_printf ("x=[1..%d]; bias=[1..%d]; H=%d", cases[k].n, cases[k].nb, cases[k].h)
        : g_strdup_printf ("x=[]; bias=[1..%d]; H=%d", cases[k].nb, cases[k].h);
      assert_tight (text, input, "% t");
    }
}

/* appenders: sized and merged once (fast), a hint that is not the trip
 * count, unsized, filtered, a struct of two, and a sized appender that a
 * second loop continues (A04): all as the interpreter */
static void
test_tight_appenders (void)
{
  static const char *const texts[] = {
    "|x: vec[i64]| result(for(x, appender[i64](len(x)), |b, i, v| merge(b, v * 3L + i)))",
    "|x: vec[i64]| result(for(x, appender[i64](5L), |b, i, v| merge(b, v * 3L + i)))",
    "|x: vec[i64]| result(for(x, appender[i64], |b, i, v| merge(b, v / 2L)))",
    "|x: vec[i64]| result(for(x, appender[i64](len(x)), |b, i, v| if(v > 5L, merge(b, v), b)))",
    "|x: vec[i64]| let r = for(x, {appender[i64](len(x)), appender[f64](len(x))}, |bs, i, v|\n"
    "  {merge(bs.$0, v - i), merge(bs.$1, f64(v) * 0.5)}); {result(r.$0), result(r.$1)}",
    "|x: vec[i64]| let b = for(x, appender[i64](len(x)), |b, i, v| merge(b, v));\n"
    "  result(for(x, b, |c, i, v| merge(c, v + 100L)))",
    "|x: vec[i64]| result(for(x, appender[i64](len(x)), |b, i, v| merge(b, v / (i - 3L))))",
  };
  for (guint k = 0; k < G_N_ELEMENTS (texts); k++)
    {
      assert_tight (texts[k], "x=[1..9011]", NULL);
      assert_tight (texts[k], "x=[]", NULL);
    }
}

/* -fopenmp: the fast loop's chunks over the cores. Long enough to run in
 * parallel (emit-c.c's TIGHT_PARALLEL_MIN chunks of 4096), with rows of H
 * that split chunks, unaligned Philox offsets and the training chain
 * itself: the interpreter's bits (a chunk is computed alone, whichever
 * thread runs it), fused and not. */
static void
test_tight_parallel (void)
{
  static const char mod_philox[] =
    "|x: vec[f32], bias: vec[f32], seed: i64, base: i64|\n"
    "  result(for(x, appender[f32](len(x)), |b, i, v|\n"
    "    merge(b, select(philox(seed, base + i) >= 0.25f, v + lookup(bias, i % 3001L), 0.0f))))";
  g_autofree char *chain = g_strdup_printf ("%s", wir_lib_bias_gelu_dropout);

  tight_parallel = TRUE;
  assert_tight (mod_philox, "x=[1..200003]; bias=[1..3001]; seed=7; base=5", "omp parallel for");
  assert_tight (chain, "x=[1..131075]; bias=[1..777]; seed=-3; p=0.1", "omp parallel for");
  /* too short to share out: the same code, run by one thread */
  assert_tight (mod_philox, "x=[1..5000]; bias=[1..3001]; seed=7; base=1", NULL);
  tight_parallel = FALSE;
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/wir/diff/generator-is-seeded", test_generator);
  g_test_add_func ("/wir/c/reentrant-from-8-threads", test_reentrant);
  g_test_add_func ("/wir/c/huge-capacity-hint", test_huge_hint);
  g_test_add_func ("/wir/lazy/fragments-fuse-when-forced", test_lazy);
  g_test_add_func ("/wir/c/tight/philox-bits", test_tight_philox);
  g_test_add_func ("/wir/c/tight/philox-bits-avx512", test_tight_philox_avx512);
  g_test_add_func ("/wir/c/tight/parallel", test_tight_parallel);
  g_test_add_func ("/wir/c/tight/index-mod-rows", test_tight_mod);
  g_test_add_func ("/wir/c/tight/appenders", test_tight_appenders);
  for (guint32 seed = 1; seed <= N_PROGRAMS; seed++)
    {
      g_autofree char *name = g_strdup_printf ("/wir/diff/random/%u", seed);
      g_test_add_data_func (name, GUINT_TO_POINTER (seed), test_random);
    }
  cache_dir = ds_test_tmpdir ();
  int rc = g_test_run ();
  ds_test_rmtree (cache_dir);
  g_free (cache_dir);
  return rc;
}
