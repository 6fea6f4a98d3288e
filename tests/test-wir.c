/* tests/test-wir.c - WIR's front end, interpreter, numerics and passes
 * (exec/wir/), beyond the Weld cases of test-wir-conformance.c.
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "exec/wir/interp.h"
#include "exec/wir/library.h"
#include "exec/wir/numeric.h"
#include "exec/wir/passes.h"
#include "exec/wir/wir.h"

/* the training kernels of weld.md §12, which must parse, check and print */
static const char *const kernels[] = {
  "|x: vec[f32], bias: vec[f32], seed: i64, base: i64, p: f32|\n"
  "  let H = len(bias);\n"
  "  let scale = 1.0f / (1.0f - p);\n"
  "  let r = for(x, {appender[f32], appender[f32]}, |bs, i, v|\n"
  "    let z = v + lookup(bias, i % H);\n"
  "    let keep = philox(seed, base + i) >= p;\n"
  "    {merge(bs.$0, select(keep, gelu_tanh(z) * scale, 0.0f)), merge(bs.$1, z)});\n"
  "  {result(r.$0), result(r.$1)}",
  "|p: vec[f32], g: vec[f32], buf: vec[f32], lr: f32, mu: f32, wd: f32|\n"
  "  let r = for(zip(p, g, buf), {appender[f32], appender[f32]}, |bs, i, e|\n"
  "    let d = e.$1 + wd * e.$0;\n"
  "    let m = mu * e.$2 + d;\n"
  "    {merge(bs.$0, e.$0 - lr * m), merge(bs.$1, m)});\n"
  "  {result(r.$0), result(r.$1)}",
  "|p: vec[f32], g: vec[f32], m: vec[f32], v: vec[f32],\n"
  " lr: f32, b1: f32, b2: f32, eps: f32, c1: f32, c2: f32, gs: f32|\n"
  "  let r = for(zip(p, g, m, v), {appender[f32], appender[f32], appender[f32]}, |bs, i, e|\n"
  "    let gg = e.$1 * gs;\n"
  "    let m2 = b1 * e.$2 + (1.0f - b1) * gg;\n"
  "    let v2 = b2 * e.$3 + (1.0f - b2) * gg * gg;\n"
  "    {merge(bs.$0, e.$0 - lr * (m2 / c1) / (sqrt(v2 / c2) + eps)), merge(bs.$1, m2), merge(bs.$2, v2)});\n"
  "  {result(r.$0), result(r.$1), result(r.$2)}",
  "|acc: vec[f32], g: vec[f32]| result(for(g, vecmerger[f32,+](acc), |b, i, x| merge(b, {i, x})))",
  "|x: vec[f32], gamma: vec[f32], beta: vec[f32], N: i64, eps: f32|\n"
  "  let C = len(gamma);\n"
  "  let r = for(rangeiter(0L, N, 1L), {appender[f32], appender[{f32, f32}]}, |bs, k, row|\n"
  "    let s = result(for(iter(x, row * C, row * C + C, 1L), merger[{i64, f32, f32}, welford],\n"
  "                       |w, j, v| merge(w, {1L, v, 0.0f})));\n"
  "    let rstd = 1.0f / sqrt(s.$2 / f32(s.$0) + eps);\n"
  "    let o = for(iter(x, row * C, row * C + C, 1L), bs.$0, |ob, j, v|\n"
  "              merge(ob, (v - s.$1) * rstd * lookup(gamma, j) + lookup(beta, j)));\n"
  "    {o, merge(bs.$1, {s.$1, rstd})});\n"
  "  {result(r.$0), result(r.$1)}",
  "|logits: vec[f32], labels: vec[i64], C: i64|\n"
  "  let N = len(labels);\n"
  "  let r = for(rangeiter(0L, N, 1L), {merger[f32,+], appender[f32]}, |bs, k, row|\n"
  "    let base = row * C;\n"
  "    let st = result(for(iter(logits, base, base + C, 1L), merger[{f32, f32}, softmaxacc],\n"
  "                        |a, j, z| merge(a, {z, 1.0f})));\n"
  "    let y = lookup(labels, row);\n"
  "    let loss = st.$0 + log(st.$1) - lookup(logits, base + y);\n"
  "    let g = for(iter(logits, base, base + C, 1L), bs.$1, |gb, j, z|\n"
  "              merge(gb, (exp(z - st.$0) / st.$1 - select(j == y, 1.0f, 0.0f)) / f32(N)));\n"
  "    {merge(bs.$0, loss / f32(N)), g});\n"
  "  {result(r.$0), result(r.$1)}",
  "type v = vec[f64];\nmacro twice(a, f) = f(f(a));\n"
  "|x: v| map(x, |e| twice(e, |t| t * 2.0))",
  "combine mx(a: i32, b: i32) identity -2147483648 = max(a, b);\n"
  "|x: vec[i32]| result(for(x, merger[i32, mx], |b, i, e| @(predicate: false) if(e > 0, merge(b, e), b)))",
  "|x: vec[bf16], y: vec[f16]| {[f32(lookup(x, 0L)), -0.0f, 1e-45f], f64(lookup(y, 0L)) % 0.5, 0x10L ^ 0b11L}",
};

static WirProgram *
checked (const char *text)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WirProgram) p = wir_program_parse (text, -1, "t.wir", &error);
  g_assert_no_error (error);
  wir_program_check (p, FALSE, &error);
  g_assert_no_error (error);
  return g_steal_pointer (&p);
}

static void
test_roundtrip (void)
{
  for (guint k = 0; k < G_N_ELEMENTS (kernels); k++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(WirProgram) a = wir_program_parse (kernels[k], -1, "k.wir", &error);
      g_assert_no_error (error);
      g_autofree char *text = wir_program_print (a);
      g_autoptr(WirProgram) b = wir_program_parse (text, -1, "printed.wir", &error);
      g_assert_no_error (error);
      g_autofree char *again = wir_program_print (b);
      g_assert_cmpstr (text, ==, again);
      g_assert_true (wir_program_check (a, FALSE, &error));
      g_assert_true (wir_program_check (b, FALSE, &error));
      g_assert_true (wir_program_equal (a, b));
      /* checked programs print with every type known, and read back */
      g_autofree char *typed = wir_program_print (a);
      g_autoptr(WirProgram) c = wir_program_parse (typed, -1, "typed.wir", &error);
      g_assert_no_error (error);
      g_assert_true (wir_program_check (c, FALSE, &error));
      g_assert_true (wir_program_equal (a, c));
    }
}

static void
test_equal (void)
{
  g_autoptr(WirProgram) a = checked ("|x: vec[i32]| map(x, |e| e + 1)");
  g_autoptr(WirProgram) b = checked ("|x: vec[i32]| map(x, |q| q + 1)");
  g_autoptr(WirProgram) c = checked ("|x: vec[i32]| map(x, |e| e + 2)");
  g_autoptr(WirProgram) d = checked ("|y: vec[i32]| map(y, |e| e + 1)");
  g_autoptr(WirProgram) e = checked ("|x: vec[i32], y: i32| map(x, |e| e + y)");
  g_autoptr(WirProgram) f = checked ("|x: vec[i32], y: i32| map(x, |e| y + e)");
  g_autoptr(WirProgram) g = checked ("|x: vec[i32], y: i32| map(x, |y| y + y)");
  g_assert_true (wir_program_equal (a, b));        /* bound names don't matter */
  g_assert_true (wir_program_equal (a, d));
  g_assert_false (wir_program_equal (a, c));
  g_assert_false (wir_program_equal (e, f));
  g_assert_false (wir_program_equal (e, g));       /* shadowing is respected */
}

/* malformed text: the error is SYNTAX or UNSUPPORTED, names line:column,
 * and shows the line */
static void
test_syntax_errors (void)
{
  static const struct { const char *text, *where, *what; WirErrorCode code; } cases[] = {
    { "|x: i32| (x + 1", "t.wir:1:16:", "expected ')' to close '(' at 1:10, got end of input", WIR_ERROR_SYNTAX },
    { "|x| x", "t.wir:1:3:", "parameter 'x' of the program needs a type", WIR_ERROR_SYNTAX },
    { "|| 1 +", "t.wir:1:7:", "expected an expression", WIR_ERROR_SYNTAX },
    { "||\n  let a = 1;\n  a $ 2", "t.wir:3:5:", "expected end of input", WIR_ERROR_SYNTAX },
    { "|| @(foo: 1) 1", "t.wir:1:6:", "unknown annotation 'foo'", WIR_ERROR_SYNTAX },
    { "|| 99999999999", "t.wir:1:4:", "out of range for i32", WIR_ERROR_SYNTAX },
    { "|| -2147483649", "t.wir:1:5:", "out of range for i32", WIR_ERROR_SYNTAX },
    { "|| 1e045f", "t.wir:1:4:", "float literal out of range for f32", WIR_ERROR_SYNTAX },
    { "|| 1e400", "t.wir:1:4:", "float literal out of range for f64", WIR_ERROR_SYNTAX },
    { "|| 1c", "t.wir:1:4:", "unsupported in WIR: i8 literal", WIR_ERROR_UNSUPPORTED },
    { "|x: vec[u8]| x", "t.wir:1:9:", "unsupported in WIR: u8", WIR_ERROR_UNSUPPORTED },
    { "|| merger[i32, avg]", "t.wir:1:16:", "unknown merger operator 'avg'", WIR_ERROR_SYNTAX },
    { "|| for(x, appender, 3)", "t.wir:1:21:", "third argument must be a lambda", WIR_ERROR_SYNTAX },
    { "|| lookup(1)", "t.wir:1:4:", "'lookup' takes 2 arguments, got 1", WIR_ERROR_SYNTAX },
    { "", "t.wir:1:1:", "expected the program's lambda", WIR_ERROR_SYNTAX },
    { "|| {}", "t.wir:1:4:", "a struct needs at least one field", WIR_ERROR_SYNTAX },
  };
  for (guint k = 0; k < G_N_ELEMENTS (cases); k++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(WirProgram) p = wir_program_parse (cases[k].text, -1, "t.wir", &error);
      g_assert_null (p);
      g_assert_error (error, WIR_ERROR, (gint) cases[k].code);
      if (!g_str_has_prefix (error->message, cases[k].where) || strstr (error->message, cases[k].what) == NULL)
        g_error ("'%s': got '%s'", cases[k].text, error->message);
      g_assert_nonnull (strchr (error->message, '^'));
    }
  /* nesting is capped rather than overflowing the stack */
  g_autoptr(GString) deep = g_string_new ("|| ");
  for (guint k = 0; k < 100000; k++)
    g_string_append_c (deep, '(');
  g_autoptr(GError) error = NULL;
  g_assert_null (wir_program_parse (deep->str, -1, "t.wir", &error));
  g_assert_error (error, WIR_ERROR, WIR_ERROR_SYNTAX);
}

/* type errors name the expression at fault and its position */
static void
test_type_errors (void)
{
  static const struct { const char *text, *what; } cases[] = {
    { "|| 1 + 1L", "t.wir:1:4: type error in '(1 + 1L)'" },
    { "|x: i64| log(x)", "'log' needs a float operand, got i64" },
    { "|x: vec[f16]| lookup(x, 0L) + lookup(x, 1L)", "storage only" },
    { "|| y", "unknown name 'y'" },
    { "|x: vec[i32]| result(for(x, {appender[i32], appender[i32]}, |b, i, e| b))", "result of a struct of builders" },
    { "|a: appender[i32]| 1", "a builder may not be a program parameter" },
    { "|x: vec[i32]| for(x, appender[i32], |b, i, e| merge(b, e))", "a program may not return a builder" },
    { "|x: vec[i32]| result(for(x, appender[i64], |b, i, e| merge(b, e)))", "the merged value: expected i64, got i32" },
    { "|| nosuch(1)", "unknown function 'nosuch'" },
    { "|x: vec[i32]| x < x", "comparison of vectors is not defined in WIR" },
    { "|| select(true, appender[i32], appender[i32])", "select cannot choose builders" },
    { "|| [1, 2L]", "vector elements must have one type" },
    { "|| {1, 2}.$2", "field 2 of a struct with 2 fields" },
    { "macro m(x) = m(x);\n|| m(1)", "macro expansion deeper than" },
    /* the third parameter's declared type fails after two are bound (the
     * fuzzer found those two leaked) */
    { "|x: vec[f32]| result(for(x, appender[f32], |b, i: i64, e: f64| merge(b, f32(e))))",
      "the element parameter: expected f32, got f64" },
  };
  for (guint k = 0; k < G_N_ELEMENTS (cases); k++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(WirProgram) p = wir_program_parse (cases[k].text, -1, "t.wir", &error);
      g_assert_no_error (error);
      g_assert_false (wir_program_check (p, FALSE, &error));
      g_assert_error (error, WIR_ERROR, WIR_ERROR_TYPE);
      if (strstr (error->message, cases[k].what) == NULL)
        g_error ("'%s': got '%s'", cases[k].text, error->message);
    }
}

static WirValue *
run1 (WirProgram *p, const char *input, GError **error)
{
  g_autoptr(GPtrArray) args = wir_input_parse (p, input, error);
  g_assert_nonnull (args);
  return wir_program_run (p, (WirValue *const *) args->pdata, args->len, NULL, error);
}

static void
assert_runs_to (const char *prog, const char *input, const char *expect, double tol)
{
  g_autoptr(WirProgram) p = checked (prog);
  g_autoptr(GError) error = NULL;
  g_autoptr(WirValue) got = run1 (p, input, &error);
  g_assert_no_error (error);
  g_autoptr(WirValue) want = wir_value_parse (expect, &error);
  g_assert_no_error (error);
  if (!wir_value_equal (got, want, tol))
    {
      g_autofree char *a = wir_value_print (got, 10);
      g_error ("%s: got %s, expected %s", prog, a, expect);
    }
}

/* run-time errors: clean, with their own codes, never a crash */
static void
test_runtime_errors (void)
{
  static const struct { const char *text, *input; WirErrorCode code; } cases[] = {
    { "|x: vec[i32]| lookup(x, 5L)", "x=[1,2]", WIR_ERROR_OUT_OF_BOUNDS },
    { "|x: vec[i32]| lookup(x, -1L)", "x=[1,2]", WIR_ERROR_OUT_OF_BOUNDS },
    { "|x: vec[i32]| slice(x, 3L, 1L)", "x=[1,2]", WIR_ERROR_OUT_OF_BOUNDS },
    { "|x: vec[i32], y: vec[i32]| result(for(zip(x, y), merger[i32,+], |b, i, e| merge(b, e.$0)))",
      "x=[1,2]; y=[1]", WIR_ERROR_ZIP_LENGTH },
    { "|x: i32| 7 / x", "x=0", WIR_ERROR_DIV_BY_ZERO },
    { "|x: i64| 7L % x", "x=0", WIR_ERROR_DIV_BY_ZERO },
    { "|x: vec[i32]| result(for(iter(x, 0L, 2L, 0L), appender, |b, i, e| merge(b, e)))", "x=[1,2]", WIR_ERROR_OUT_OF_BOUNDS },
    { "|x: vec[i32]| result(for(x, vecmerger[i32,+](x), |b, i, e| merge(b, {i + 1L, e})))", "x=[1,2]", WIR_ERROR_OUT_OF_BOUNDS },
    { "|x: vec[i32]| let a = result(for(x, appender, |b, i, e| merge(b, e))); a", "x=[1]", -1 },
  };
  for (guint k = 0; k < G_N_ELEMENTS (cases); k++)
    {
      g_autoptr(WirProgram) p = checked (cases[k].text);
      g_autoptr(GError) error = NULL;
      g_autoptr(WirValue) v = run1 (p, cases[k].input, &error);
      if ((int) cases[k].code < 0)
        {
          g_assert_no_error (error);
          continue;
        }
      g_assert_null (v);
      g_assert_error (error, WIR_ERROR, (gint) cases[k].code);
      g_assert_nonnull (strstr (error->message, "t.wir:1:"));
    }
}

static void
test_semantics (void)
{
  /* integers wrap; float->int saturates and NaN is 0; min/max propagate NaN */
  assert_runs_to ("|| 2147483647 + 1", "none", "i32 -2147483648", 0);
  assert_runs_to ("|x: i32| x / -1", "x=-2147483648", "i32 -2147483648", 0);
  assert_runs_to ("|| {i32(1e300), i32(-1e300), i64(0.0 / 0.0), i32(-2.9)}", "none",
                  "{i32 2147483647, i32 -2147483648, i64 0, i32 -2}", 0);
  assert_runs_to ("|| {max(0.0f / 0.0f, 1.0f) == max(0.0f / 0.0f, 1.0f), min(1.0, 2.0)}", "none",
                  "{bool false, f64 1.0}", 0);
  assert_runs_to ("|| {max(1.0f, 0.0f / 0.0f) != max(1.0f, 0.0f / 0.0f), min(0.0 / 0.0, 1.0) != 0.0,"
                  " relu(0.0f / 0.0f) != relu(0.0f / 0.0f)}", "none", "{bool true, bool true, bool true}", 0);
  assert_runs_to ("|| relu(-0.5f)", "none", "f32 0.0", 0);
  /* lazy if and short-circuit: the untaken side would fail */
  assert_runs_to ("|x: vec[i32]| if(len(x) > 5L, lookup(x, 5L), 0) + select(true, 1, 2)", "x=[1]", "i32 1", 0);
  assert_runs_to ("|x: vec[i32]| len(x) > 5L && lookup(x, 5L) > 0", "x=[1]", "bool false", 0);
  /* f32 literals round once from the decimal */
  assert_runs_to ("|| 16777217.0f", "none", "f32 16777216.0", 0);
  /* slices clamp their length, and are views */
  assert_runs_to ("|x: vec[i64]| len(slice(x, 1L, 100L))", "x=[1,2,3]", "i64 2", 0);
  /* mergers: identities of an empty loop, initial values merged once */
  assert_runs_to ("|x: vec[f32]| {result(for(x, merger[f32, min], |b, i, e| merge(b, e))), "
                  "result(for(x, merger[i64, max], |b, i, e| merge(b, 1L))), "
                  "result(for(x, merger[f64, *](3.0), |b, i, e| merge(b, 2.0)))}",
                  "x=[]", "{f32 inf, i64 -9223372036854775808, f64 3.0}", 0);
  /* nditer order (weld.md §8.4) and the iteration number i */
  assert_runs_to ("|x: vec[i64], sh: vec[i64], st: vec[i64]| "
                  "result(for(nditer(x, 1L, 6L, 2L, sh, st), appender, |b, i, e| merge(b, {i, e})))",
                  "x=[0..20]; sh=[2,3]; st=[10,1]", "vec[{i64,i64}] [{0,1},{1,10},{2,12}]", 0);
}

/* Welford and online softmax against two-pass references */
static void
test_combines (void)
{
  g_autoptr(WirProgram) p = checked (
    "|x: vec[f32]| let s = result(for(x, merger[{i64, f32, f32}, welford], |w, i, v| merge(w, {1L, v, 0.0f})));"
    " let t = result(for(x, merger[{f32, f32}, softmaxacc], |a, j, z| merge(a, {z, 1.0f})));"
    " {s.$1, s.$2 / f32(s.$0), t.$0 + log(t.$1)}");
  g_autoptr(GError) error = NULL;
  g_autoptr(WirValue) got = run1 (p, "x=[1.5, -2.0, 3.25, 0.5, 10.0, -7.5, 2.0]", &error);
  g_assert_no_error (error);
  double xs[] = { 1.5, -2.0, 3.25, 0.5, 10.0, -7.5, 2.0 }, mean = 0, var = 0, m = -INFINITY, s = 0;
  for (guint k = 0; k < G_N_ELEMENTS (xs); k++)
    mean += xs[k] / G_N_ELEMENTS (xs), m = MAX (m, xs[k]);
  for (guint k = 0; k < G_N_ELEMENTS (xs); k++)
    var += (xs[k] - mean) * (xs[k] - mean) / G_N_ELEMENTS (xs), s += exp (xs[k] - m);
  g_autofree char *text = g_strdup_printf ("{f32 %.9g, f32 %.9g, f32 %.9g}", mean, var, m + log (s));
  g_autoptr(WirValue) want = wir_value_parse (text, &error);
  g_assert_no_error (error);
  g_assert_true (wir_value_equal (got, want, 1e-4));
}

/* Philox4x32-10 known answers (Random123's kat_vectors) and philox() */
static void
test_philox (void)
{
  static const struct { guint32 ctr[4], key[2], out[4]; } kat[] = {
    { { 0, 0, 0, 0 }, { 0, 0 }, { 0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8 } },
    { { 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff }, { 0xffffffff, 0xffffffff },
      { 0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd } },
    { { 0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344 }, { 0xa4093822, 0x299f31d0 },
      { 0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1 } },
  };
  for (guint k = 0; k < G_N_ELEMENTS (kat); k++)
    {
      guint32 out[4];
      wir_philox4x32 (kat[k].ctr, kat[k].key, out);
      for (guint j = 0; j < 4; j++)
        g_assert_cmphex (out[j], ==, kat[k].out[j]);
    }
  g_assert_cmpfloat (wir_philox (0, 0), ==, 6694888.0f / 16777216.0f);
  g_assert_cmpfloat (wir_philox (0, 1), ==, 14772677.0f / 16777216.0f);
  g_assert_cmpfloat (wir_philox (0, 4), ==, 16311500.0f / 16777216.0f);
  assert_runs_to ("|| philox(0L, 1L)", "none", "f32 0.88052016496658325", 0);
}

/* wir_tanhf (rt.h, every back end's f32 tanh) over a dense sweep of the
 * floats (every 61st bit pattern, all binades): within 3 ulp of the exact
 * tanh (2.61 over all 2^31 positive floats, measured once) and 4 steps of
 * glibc's tanhf; odd; inf, NaN and -0 right */
static void
test_tanh (void)
{
  double worst = 0, worst_x = 0;
  guint32 worst_libm = 0;
  for (guint32 u = 0; u < 0x7f800000u; u += 61)
    {
      float x, r;
      memcpy (&x, &u, 4);
      float got = wir_tanhf (x), libm = tanhf (x);
      double exact = tanh ((double) x);
      r = (float) exact;
      double ulp = r == 1.0f ? 0x1p-24 : (double) nextafterf (r, INFINITY) - r;
      double err = fabs ((double) got - exact) / ulp;
      if (err > worst)
        worst = err, worst_x = x;
      guint32 a, b;
      memcpy (&a, &got, 4);
      memcpy (&b, &libm, 4);
      worst_libm = MAX (worst_libm, a > b ? a - b : b - a);
      g_assert_cmpfloat (wir_tanhf (-x), ==, -got);
    }
  g_test_message ("wir_tanhf: max %.3f ulp at %a; %u ulp from tanhf", worst, worst_x, worst_libm);
  g_assert_cmpfloat (worst, <=, 3.0);
  g_assert_cmpuint (worst_libm, <=, 4);
  g_assert_cmpfloat (wir_tanhf (INFINITY), ==, 1.0f);
  g_assert_cmpfloat (wir_tanhf (-INFINITY), ==, -1.0f);
  g_assert_true (isnan (wir_tanhf (NAN)));
  g_assert_true (signbit (wir_tanhf (-0.0f)) && wir_tanhf (-0.0f) == 0.0f);
}

/* wir_philox_blocks, what compiled loops use, gives philox()'s words,
 * at the start and across the 2^62 wrap of the counter */
static void
test_philox_blocks (void)
{
  static const guint64 starts[] = { 0, 5, G_GUINT64_CONSTANT (0x3ffffffffffffffe) };
  for (guint k = 0; k < G_N_ELEMENTS (starts); k++)
    for (gint64 seed = -3; seed <= 3; seed += 3)
      {
        guint32 w[4 * 9];
        wir_philox_blocks (seed * G_GINT64_CONSTANT (0x123456789), starts[k], 9, w);
        for (guint j = 0; j < 36; j++)
          {
            gint64 off = (gint64) ((starts[k] << 2) + j);
            g_assert_cmpfloat ((float) (w[j] >> 8) * 0x1p-24f, ==,
                               wir_philox (seed * G_GINT64_CONSTANT (0x123456789), off));
          }
      }
}

/* rt-avx512.h's loop gives wir_philox_blocks' words: counts below, at
 * and past its 64 blocks at a time, and groups across the 2^62 wrap */
static void
test_philox_blocks_avx512 (void)
{
  guint32 probe[4];
  if (!wir_philox_blocks_avx512 (0, 0, 1, probe))
    {
      g_test_skip ("this CPU has no AVX-512F");
      return;
    }
  static const guint64 starts[] = { 0, 5, G_GUINT64_CONSTANT (0x3fffffffffffffe0),
                                    G_GUINT64_CONSTANT (0x3fffffffffffffff), G_GUINT64_CONSTANT (0xfffffffffffffff0) };
  static const gint64 counts[] = { 0, 1, 63, 64, 65, 128, 200 };
  for (guint k = 0; k < G_N_ELEMENTS (starts); k++)
    for (guint c = 0; c < G_N_ELEMENTS (counts); c++)
      for (gint64 seed = -5; seed <= 5; seed += 5)
        {
          gint64 key = seed * G_GINT64_CONSTANT (0x123456789abcd);
          guint32 want[4 * 200 + 1], got[4 * 200 + 1];
          want[4 * counts[c]] = got[4 * counts[c]] = 0xdeadbeef;   /* no word past the end */
          wir_philox_blocks (key, starts[k], counts[c], want);
          g_assert_true (wir_philox_blocks_avx512 (key, starts[k], counts[c], got));
          g_assert_cmpmem (got, (4 * counts[c] + 1) * sizeof *got, want, (4 * counts[c] + 1) * sizeof *want);
        }
}

/* f16 and bf16: round to nearest even at ties, overflow to inf, NaN kept,
 * f16 subnormals produced */
static void
test_half (void)
{
  g_assert_cmphex (wir_f32_to_f16 (1.0f + 0x1p-11f), ==, 0x3c00);   /* tie: even */
  g_assert_cmphex (wir_f32_to_f16 (1.0f + 0x3p-11f), ==, 0x3c02);   /* tie: up to even */
  g_assert_cmphex (wir_f32_to_f16 (65504.0f), ==, 0x7bff);
  g_assert_cmphex (wir_f32_to_f16 (65519.0f), ==, 0x7bff);
  g_assert_cmphex (wir_f32_to_f16 (65520.0f), ==, 0x7c00);          /* overflow */
  g_assert_cmphex (wir_f32_to_f16 (-1e10f), ==, 0xfc00);
  g_assert_cmphex (wir_f32_to_f16 (0x1p-24f), ==, 0x0001);          /* smallest subnormal */
  g_assert_cmphex (wir_f32_to_f16 (0x1p-25f), ==, 0x0000);          /* tie: even (0) */
  g_assert_cmphex (wir_f32_to_f16 (0x3p-25f), ==, 0x0002);
  g_assert_cmphex (wir_f32_to_f16 (-0.0f), ==, 0x8000);
  g_assert_true ((wir_f32_to_f16 (NAN) & 0x7fff) > 0x7c00);
  g_assert_cmpfloat (wir_f16_to_f32 (0x0001), ==, 0x1p-24f);
  g_assert_cmpfloat (wir_f16_to_f32 (0x3555), ==, 0.333251953125f);
  g_assert_cmphex (wir_f32_to_bf16 (1.0f + 0x1p-8f), ==, 0x3f80);   /* tie: even */
  g_assert_cmphex (wir_f32_to_bf16 (1.0f + 0x3p-8f), ==, 0x3f82);
  g_assert_cmphex (wir_f32_to_bf16 (3.4028235e38f), ==, 0x7f80);    /* overflow */
  g_assert_cmphex (wir_f32_to_bf16 (-NAN) & 0xffc0, ==, 0xffc0);     /* quiet, sign kept */
  g_assert_cmpfloat (wir_bf16_to_f32 (0x3f81), ==, 1.0078125f);
  /* through the language: f16(x) then back */
  assert_runs_to ("|| {f32(f16(1.00048828125f)), f32(bf16(0.1f)), f32(f16(1e-8))}", "none",
                  "{f32 1.0, f32 0.10009765625, f32 0.0}", 0);
}

/* a chain of maps, as three libraries would hand it over, fuses into one
 * loop and gives the same result as unfused */
static void
test_fusion_chain (void)
{
  static const char prog[] =
    "|x: vec[f32], bias: vec[f32], seed: i64, p: f32|\n"
    "  let H = len(bias);\n"
    "  let z = result(for(x, appender[f32], |b, i, v| merge(b, v + lookup(bias, i % H))));\n"
    "  let a = map(z, |t| gelu_tanh(t));\n"
    "  result(for(a, appender[f32], |b, i, v| merge(b, select(philox(seed, i) >= p, v / (1.0f - p), 0.0f))))";
  g_autoptr(WirProgram) fused = checked (prog), plain = checked (prog);
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) log = g_string_new (NULL);
  g_assert_true (wir_optimize (fused, TRUE, log, &error));
  g_assert_no_error (error);
  g_assert_nonnull (strstr (log->str, "at 4:11 into the loop at 5:10"));
  g_assert_nonnull (strstr (log->str, "at 3:18 into the loop at 5:10"));
  g_autofree char *text = wir_program_print (fused);
  /* one loop left */
  g_assert_null (strstr (strstr (text, "for(") + 1, "for("));
  g_autoptr(GString) log2 = g_string_new (NULL);
  g_assert_true (wir_optimize (plain, FALSE, log2, &error));
  g_assert_null (strstr (log2->str, "fused"));
  const char *input = "x=[0.5, -1.0, 2.0, 3.0, -0.25, 1.0]; bias=[0.1, -0.2, 0.3]; seed=7; p=0.25";
  g_autoptr(WirValue) a = run1 (fused, input, &error);
  g_assert_no_error (error);
  g_autoptr(WirValue) b = run1 (plain, input, &error);
  g_assert_no_error (error);
  g_assert_true (wir_value_identical (a, b));
}

/* the filtering producer feeding a consumer that reads its index must
 * not fuse (Weld issue #436); one that ignores the index may */
static void
test_fusion_filter (void)
{
  static const char uses_i[] =
    "|v: vec[i32]| let k = result(for(v, appender[i32], |b, i, e| if(e > 0, merge(b, e), b)));"
    " result(for(k, appender[{i32, i64}], |b, i, e| merge(b, {e, i})))";
  static const char no_i[] =
    "|v: vec[i32]| let k = result(for(v, appender[i32], |b, i, e| if(e > 0, merge(b, e), b)));"
    " result(for(k, appender[i32], |b, i, e| merge(b, e * 2)))";
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) log = g_string_new (NULL);
  g_autoptr(WirProgram) a = checked (uses_i), a0 = checked (uses_i);
  g_assert_true (wir_pass_run (a, "vertical-fusion", log, &error));
  g_assert_true (wir_program_equal (a, a0));
  g_assert_nonnull (strstr (log->str, "issue #436"));
  g_autoptr(WirProgram) b = checked (no_i);
  g_assert_true (wir_pass_run (b, "vertical-fusion", log, &error));
  g_autoptr(WirValue) r = run1 (b, "v=[0,1,0,0,2]", &error);
  g_assert_no_error (error);
  g_autoptr(WirValue) want = wir_value_parse ("vec[i32] [2, 4]", &error);
  g_assert_true (wir_value_equal (r, want, 0));
  g_assert_nonnull (strstr (log->str, "fused the loop of 'k"));
}

/* rule 3's zip case: a producer that merges once per element fuses into
 * the zip component that iterates its result. The producer may itself be
 * a zip (its fields move into the consumer's zip), the consumer may use
 * its element whole; the results, and the failures, stay those of the
 * unfused program. A filter, or a body that may fail, is not fused. */
static void
test_fusion_zip (void)
{
  static const char sgd[] =
    "|p: vec[f32], g: vec[f32], buf: vec[f32], mu: f32, wd: f32|\n"
    "  let d = result(for(zip(g, p), appender[f32], |b, i, e| merge(b, e.$0 + wd * e.$1)));\n"
    "  result(for(zip(buf, d, p), appender[{f32, f32, f32}], |b, i, e| merge(b, {mu * e.$0 + e.$1, e.$2, e.$1})))";
  static const char whole[] =
    "|x: vec[i64], y: vec[i64]|\n"
    "  let z = result(for(zip(x, y), appender[{i64, i64}], |b, i, e| merge(b, {e.$1, e.$0 * 2L})));\n"
    "  result(for(zip(y, z), appender[{i64, {i64, {i64, i64}}}], |b, i, e| merge(b, {i, e})))";
  static const char filtered[] =
    "|x: vec[i64], y: vec[i64]|\n"
    "  let k = result(for(x, appender[i64], |b, i, e| if(e > 0L, merge(b, e), b)));\n"
    "  result(for(zip(y, k), appender[i64], |b, i, e| merge(b, e.$0 + e.$1)))";
  static const char traps[] =
    "|x: vec[i64], y: vec[i64]|\n"
    "  let k = result(for(x, appender[i64], |b, i, e| merge(b, 10L / e)));\n"
    "  result(for(zip(y, k), appender[i64], |b, i, e| merge(b, e.$0 + e.$1)))";
  static const struct { const char *prog, *input, *log; gboolean fuses; } cases[] = {
    { sgd, "p=[1.0, 2.0, 3.0]; g=[0.5, 0.25, -1.0]; buf=[0.1, 0.2, 0.3]; mu=0.9; wd=0.01",
      "into zip component 1 of the loop at 3:10", TRUE },
    { sgd, "p=[1.0, 2.0, 3.0]; g=[0.5, 0.25]; buf=[0.1, 0.2, 0.3]; mu=0.9; wd=0.01", NULL, TRUE },
    { sgd, "p=[1.0, 2.0]; g=[0.5, 0.25]; buf=[0.1, 0.2, 0.3]; mu=0.9; wd=0.01", NULL, TRUE },
    { whole, "x=[1, -2, 3]; y=[4, 5, 6]", "into zip component 1", TRUE },
    { filtered, "x=[1, -2, 3]; y=[4, 5]", "not merge exactly once", FALSE },
    { traps, "x=[1, 0, 3]; y=[4, 5, 6]", "its body may fail", FALSE },
  };
  for (guint k = 0; k < G_N_ELEMENTS (cases); k++)
    {
      g_autoptr(GError) error = NULL, e1 = NULL, e2 = NULL;
      g_autoptr(GString) log = g_string_new (NULL);
      g_autoptr(WirProgram) fused = checked (cases[k].prog), plain = checked (cases[k].prog);
      g_assert_true (wir_pass_run (fused, "vertical-fusion", log, &error));
      g_assert_no_error (error);
      g_assert_cmpint (wir_program_equal (fused, plain), ==, !cases[k].fuses);
      if (cases[k].log != NULL)
        g_assert_nonnull (strstr (log->str, cases[k].log));
      g_autoptr(WirValue) a = run1 (fused, cases[k].input, &e1);
      g_autoptr(WirValue) b = run1 (plain, cases[k].input, &e2);
      if (e2 != NULL)
        g_assert_error (e1, e2->domain, e2->code);
      else
        {
          g_assert_no_error (e1);
          g_assert_true (wir_value_identical (a, b));
        }
    }
}

/* A producer whose result is also an output fuses with the loop right
 * after it into one loop with two builders: the library's SGD and Adam
 * fragments become weld.md §12's single loops, with the fragments' bits.
 * A consumer that does not come right after, a filter, or a body that
 * may fail leaves the loops apart. */
static void
test_fusion_outputs (void)
{
  static const char later[] =
    "|x: vec[f32], y: vec[f32], s: f32|\n"
    "  let a = result(for(x, appender[f32], |b, i, e| merge(b, e * s)));\n"
    "  let n = lookup(y, 5L);\n"
    "  let c = result(for(zip(y, a), appender[f32], |b, i, e| merge(b, e.$0 + e.$1 + n)));\n"
    "  {a, c}";
  static const char filtered[] =
    "|x: vec[f32], y: vec[f32], s: f32|\n"
    "  let a = result(for(x, appender[f32], |b, i, e| if(e > s, merge(b, e), b)));\n"
    "  let c = result(for(zip(y, a), appender[f32], |b, i, e| merge(b, e.$0 + e.$1)));\n"
    "  {a, c}";
  static const char traps[] =
    "|x: vec[f32], y: vec[f32], s: f32|\n"
    "  let a = result(for(x, appender[f32], |b, i, e| merge(b, lookup(y, i))));\n"
    "  let c = result(for(zip(y, a), appender[f32], |b, i, e| merge(b, e.$0 + e.$1)));\n"
    "  {a, c}";
  static const char single[] =
    "|x: vec[f32]|\n"
    "  let a = result(for(x, appender[f32], |b, i, e| merge(b, e * 2.0f)));\n"
    "  let c = result(for(a, appender[f32], |b, i, e| merge(b, e + f32(i))));\n"
    "  {a, c}";
  static const char zip_into_one[] =
    "|x: vec[f32], y: vec[f32]|\n"
    "  let a = result(for(zip(x, y), appender[f32], |b, i, e| merge(b, e.$0 * e.$1)));\n"
    "  let c = result(for(a, appender[f32], |b, i, e| merge(b, e + 1.0f)));\n"
    "  {c, a}";
  static const char one_into_zip1[] =
    "|x: vec[f32]|\n"
    "  let a = result(for(x, appender[f32], |b, i, e| merge(b, e * 2.0f)));\n"
    "  let c = result(for(zip(a), appender[f32], |b, i, e| merge(b, e.$0 + 1.0f)));\n"
    "  {a, c}";
  static const struct { const char *prog, *input, *log; guint loops; } cases[] = {
    { single, "x=[1.0, 2.5, -3.0]", "kept as a second output", 1 },
    { zip_into_one, "x=[1.0, 2.5, -3.0]; y=[2.0, 0.5, 1.0]", "kept as a second output", 1 },
    { one_into_zip1, "x=[1.0, 2.5, -3.0]", "kept as a second output", 1 },
    { wir_lib_sgd_fragments, "p=[1.0, 2.0, 3.0]; g=[0.5, 0.25, -1.0]; buf=[0.1, 0.2, 0.3];"
      " lr=0.1; mu=0.9; wd=0.01", "kept as a second output", 1 },
    { wir_lib_adam_fragments, "p=[1.0, 2.0, 3.0]; g=[0.5, 0.25, -1.0]; m=[0.1, 0.2, 0.3];"
      " v=[0.01, 0.02, 0.03]; lr=0.001; b1=0.9; b2=0.999; eps=1e-8; c1=0.1; c2=0.001; gs=0.5",
      "kept as a second output", 1 },
    { later, "x=[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]; y=[3.0, 4.0, 5.0, 6.0, 7.0, 8.0]; s=2.0", NULL, 2 },
    { filtered, "x=[1.0, 2.0]; y=[3.0]; s=1.5", "is not a map", 2 },
    { traps, "x=[1.0, 2.0]; y=[3.0, 4.0]; s=1.5", "its body may fail", 2 },
  };
  for (guint k = 0; k < G_N_ELEMENTS (cases); k++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GString) log = g_string_new (NULL);
      g_autoptr(WirProgram) fused = checked (cases[k].prog), plain = checked (cases[k].prog);
      g_assert_true (wir_optimize (fused, TRUE, log, &error));
      g_assert_true (wir_optimize (plain, FALSE, NULL, &error));
      g_assert_no_error (error);
      if (cases[k].log != NULL)
        g_assert_nonnull (strstr (log->str, cases[k].log));
      g_autofree char *text = wir_program_print (fused);
      guint loops = 0;
      for (const char *q = strstr (text, "for("); q != NULL; q = strstr (q + 1, "for("))
        loops++;
      g_assert_cmpuint (loops, ==, cases[k].loops);
      g_autoptr(WirValue) a = run1 (fused, cases[k].input, &error);
      g_assert_no_error (error);
      g_autoptr(WirValue) b = run1 (plain, cases[k].input, &error);
      g_assert_no_error (error);
      g_assert_true (wir_value_identical (a, b));
    }
}

/* two loops over one vector become one loop with a struct of builders */
static void
test_horizontal (void)
{
  static const char prog[] =
    "|g: vec[f32]| let ss = result(for(g, merger[f32, +], |b, i, x| merge(b, x * x)));"
    " let mx = result(for(g, merger[f32, max], |b, i, x| merge(b, max(x, -x))));"
    " {ss, mx}";
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) log = g_string_new (NULL);
  g_autoptr(WirProgram) p = checked (prog), q = checked (prog);
  g_assert_true (wir_pass_run (p, "horizontal-fusion", log, &error));
  g_assert_no_error (error);
  g_assert_nonnull (strstr (log->str, "struct of builders"));
  g_autoptr(WirValue) a = run1 (p, "g=[1.0, -3.0, 2.0]", &error);
  g_autoptr(WirValue) b = run1 (q, "g=[1.0, -3.0, 2.0]", &error);
  g_assert_no_error (error);
  g_assert_true (wir_value_identical (a, b));
}

static void
test_unknown_pass (void)
{
  g_autoptr(WirProgram) p = checked ("|| 1");
  g_autoptr(GError) error = NULL;
  g_assert_false (wir_pass_run (p, "vectorize", NULL, &error));
  g_assert_error (error, WIR_ERROR, WIR_ERROR_UNSUPPORTED);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/wir/print/roundtrip", test_roundtrip);
  g_test_add_func ("/wir/print/equal-up-to-renaming", test_equal);
  g_test_add_func ("/wir/parse/errors-name-line-and-column", test_syntax_errors);
  g_test_add_func ("/wir/check/errors-name-the-expression", test_type_errors);
  g_test_add_func ("/wir/interp/errors-are-clean", test_runtime_errors);
  g_test_add_func ("/wir/interp/semantics", test_semantics);
  g_test_add_func ("/wir/interp/welford-and-softmax", test_combines);
  g_test_add_func ("/wir/numeric/philox", test_philox);
  g_test_add_func ("/wir/numeric/philox-blocks", test_philox_blocks);
  g_test_add_func ("/wir/numeric/philox-blocks-avx512", test_philox_blocks_avx512);
  g_test_add_func ("/wir/numeric/tanh-accuracy", test_tanh);
  g_test_add_func ("/wir/numeric/half", test_half);
  g_test_add_func ("/wir/passes/fusion-chain", test_fusion_chain);
  g_test_add_func ("/wir/passes/filter-producer", test_fusion_filter);
  g_test_add_func ("/wir/passes/zip-component", test_fusion_zip);
  g_test_add_func ("/wir/passes/producer-also-an-output", test_fusion_outputs);
  g_test_add_func ("/wir/passes/struct-of-builders", test_horizontal);
  g_test_add_func ("/wir/passes/unknown", test_unknown_pass);
  return g_test_run ();
}
