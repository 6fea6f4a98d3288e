/* cli/cmd-wir.c - `dawnsim wir run|opt|emit|cost FILE`: the Weld-style IR.
 *
 * run   checks FILE, optimizes it (unless --no-fusion leaves out the two
 *       fusion passes), runs it on --input with the interpreter or the C
 *       back end, and prints the result in the value notation.
 * opt   prints the optimized program and the pass log; --passes runs the
 *       named passes alone, in order, each to its fixpoint.
 * emit  prints the C source that `run --backend c` compiles for the
 *       optimized program (the same --no-fusion and --passes).
 * cost  prints the cost model's bytes, flops, launches and time for the
 *       optimized program, fused and unfused, on --input or vectors of
 *       --n elements.
 * Thin: the work is in exec/wir/ (wir.h, passes.h, interp.h,
 * backend-c.h, cost.h).
 */
#include "config.h"

#include <string.h>

#include "cli/cli.h"
#include "cli/table.h"
#include "core/error.h"
#include "exec/wir/backend-c.h"
#include "exec/wir/cost.h"
#include "exec/wir/interp.h"
#include "exec/wir/passes.h"
#include "exec/wir/wir.h"

typedef struct {
  char *input, *backend, *passes, *cache_dir;
  gboolean no_fusion;
  gint64 memory_limit, n;
} WirArgs;

static WirProgram *
load (const char *path, GError **error)
{
  g_autofree char *text = NULL;
  gsize len = 0;
  if (!ds_read_file (path, &text, &len, error))
    return NULL;
  g_autoptr(WirProgram) prog = wir_program_parse (text, (gssize) len, path, error);
  if (prog == NULL || !wir_program_check (prog, FALSE, error))
    return NULL;
  return g_steal_pointer (&prog);
}

static gboolean
run_passes (WirProgram *prog, const WirArgs *a, GString *log, GError **error)
{
  if (a->passes == NULL)
    return wir_optimize (prog, !a->no_fusion, log, error);
  g_auto(GStrv) names = g_strsplit (a->passes, ",", -1);
  for (guint k = 0; names[k] != NULL; k++)
    if (!wir_pass_run (prog, g_strstrip (names[k]), log, error))
      return FALSE;
  return TRUE;
}

static gboolean
cmd_run (const char *path, const WirArgs *a, GError **error)
{
  g_autoptr(WirProgram) prog = load (path, error);
  if (prog == NULL || !run_passes (prog, a, NULL, error))
    return FALSE;
  g_autoptr(GPtrArray) args = wir_input_parse (prog, a->input != NULL ? a->input : "none", error);
  if (args == NULL)
    return FALSE;
  WirRunOptions ro = { (guint64) MAX (a->memory_limit, 0) };
  g_autoptr(WirValue) v = NULL;
  if (a->backend == NULL || strcmp (a->backend, "interp") == 0)
    v = wir_program_run (prog, (WirValue *const *) args->pdata, args->len, &ro, error);
  else                          /* "c": ds_cmd_wir refused any other */
    {
      WirCOptions co = { a->cache_dir, TRUE, FALSE };   /* -march=native, as the executor */
      g_autoptr(WirKernel) k = wir_c_compile (prog, &co, NULL, error);
      if (k == NULL)
        return FALSE;
      v = wir_kernel_run (k, (WirValue *const *) args->pdata, args->len, &ro, error);
    }
  if (v == NULL)
    return FALSE;
  g_autofree char *text = wir_value_print (v, 0);
  printf ("%s\n", text);
  return TRUE;
}

static gboolean
cmd_opt (const char *path, const WirArgs *a, GError **error)
{
  g_autoptr(WirProgram) prog = load (path, error);
  g_autoptr(GString) log = g_string_new (NULL);
  if (prog == NULL || !run_passes (prog, a, log, error))
    return FALSE;
  g_autofree char *text = wir_program_print (prog);
  printf ("%s\n\n# pass log\n%s", text, log->len > 0 ? log->str : "(no changes)\n");
  return TRUE;
}

static gboolean
cmd_emit (const char *path, const WirArgs *a, GError **error)
{
  g_autoptr(WirProgram) prog = load (path, error);
  if (prog == NULL || !run_passes (prog, a, NULL, error))
    return FALSE;
  g_autofree char *src = wir_c_emit (prog);
  fputs (src, stdout);
  return TRUE;
}

static void
cost_row (DsTable *t, const char *what, const WirCost *c)
{
  char n[32], r[32], w[32], f[32], s[32];
  g_snprintf (n, sizeof n, "%u", c->n_kernels);
  g_snprintf (r, sizeof r, "%.4g", c->bytes_read);
  g_snprintf (w, sizeof w, "%.4g", c->bytes_written);
  g_snprintf (f, sizeof f, "%.4g", c->flops);
  g_snprintf (s, sizeof s, "%.4g", c->time_s * 1e3);
  ds_table_add_row (t, (const char *const[]) { what, n, r, w, f, s });
}

static gboolean
cmd_cost (const char *path, const WirArgs *a, GError **error)
{
  static const char *const headers[] = { "plan", "launches", "bytes read", "bytes written", "flops", "time ms" };
  g_autoptr(WirProgram) fused = load (path, error);
  g_autoptr(WirProgram) unfused = load (path, error);
  if (fused == NULL || unfused == NULL || !wir_optimize (fused, TRUE, NULL, error)
      || !wir_optimize (unfused, FALSE, NULL, error))
    return FALSE;
  g_autoptr(GPtrArray) args = NULL;
  if (a->input != NULL && (args = wir_input_parse (fused, a->input, error)) == NULL)
    return FALSE;
  WirCostParams p;
  WirCost cf, cu;
  wir_cost_params_default (&p);
  WirValue *const *av = args != NULL ? (WirValue *const *) args->pdata : NULL;
  guint an = args != NULL ? args->len : 0;
  wir_cost_estimate (fused, av, an, a->n, &p, &cf);
  wir_cost_estimate (unfused, av, an, a->n, &p, &cu);
  g_autoptr(DsTable) t = ds_table_new (G_N_ELEMENTS (headers), headers, "lrrrrr");
  cost_row (t, "fused", &cf);
  cost_row (t, "unfused", &cu);
  g_autofree char *table = ds_table_to_human (t);
  printf ("%s", table);
  printf ("predicted speedup of fusion: %.2fx (bytes ratio %.2fx)\n",
          cf.time_s > 0 ? cu.time_s / cf.time_s : 1.0,
          cf.bytes_read + cf.bytes_written > 0
          ? (cu.bytes_read + cu.bytes_written) / (cf.bytes_read + cf.bytes_written) : 1.0);
  return TRUE;
}

static const char description[] =
  "VERB is run, opt, emit or cost; FILE holds a WIR program (Weld's text syntax,\n"
  "../shared/reference/weld.md). Inputs use the notation of the conformance\n"
  "cases: 'x=[1.0, 2.0]; n=3', '[0..99]', '[1.5]*1000'.\n\n"
  "Examples:\n"
  "  dawnsim wir run bias-gelu.wir --input 'x=[0.5, 1.0]; bias=[0.1]; seed=1; p=0.1'\n"
  "  dawnsim wir run k.wir --backend c --input 'x=[1..1000]'\n"
  "  dawnsim wir opt k.wir                  # optimized IR and the pass log\n"
  "  dawnsim wir opt k.wir --passes vertical-fusion\n"
  "  dawnsim wir emit k.wir > k.c           # the C the back end compiles\n"
  "  dawnsim wir cost k.wir --n 33554432    # fused against unfused";

gboolean
ds_cmd_wir (int argc, char **argv, GError **error)
{
  WirArgs a = { NULL, NULL, NULL, NULL, FALSE, 0, 1 << 20 };
  const GOptionEntry entries[] = {
    { "input", 'i', 0, G_OPTION_ARG_STRING, &a.input, "Arguments, 'name=value; ...' (run, cost)", "TEXT" },
    { "backend", 'b', 0, G_OPTION_ARG_STRING, &a.backend, "interp (default) or c (run)", "NAME" },
    { "no-fusion", 0, 0, G_OPTION_ARG_NONE, &a.no_fusion, "Leave out the fusion passes (run, opt, emit)", NULL },
    { "passes", 'p', 0, G_OPTION_ARG_STRING, &a.passes, "Run only these passes, comma-separated (run, opt, emit)", "LIST" },
    { "memory-limit", 0, 0, G_OPTION_ARG_INT64, &a.memory_limit, "Fail a run that allocates this many bytes (run)", "BYTES" },
    { "n", 'n', 0, G_OPTION_ARG_INT64, &a.n, "Length of every vector parameter without --input (cost)", "N" },
    { "cache-dir", 0, 0, G_OPTION_ARG_FILENAME, &a.cache_dir, "Kernel cache (default ~/.cache/dawnsim/wir)", "DIR" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = ds_cli_context (
      "wir", "VERB FILE", "Run, optimize, emit or cost a WIR program.", description, entries);
  gboolean ok;
  if (!ds_cli_parse (context, "wir", &argc, &argv, error))
    ok = FALSE;
  else if (argc != 3)
    ok = ds_cli_usage (error, "wir takes a verb (run, opt, emit, cost) and a FILE");
  else if (a.n < 0)
    ok = ds_cli_usage (error, "--n must be >= 0");
  else if (a.backend != NULL && strcmp (a.backend, "interp") != 0 && strcmp (a.backend, "c") != 0)
    ok = ds_cli_usage (error, "--backend is interp or c, not '%s'", a.backend);
  else if (strcmp (argv[1], "run") == 0)
    ok = cmd_run (argv[2], &a, error);
  else if (strcmp (argv[1], "opt") == 0)
    ok = cmd_opt (argv[2], &a, error);
  else if (strcmp (argv[1], "emit") == 0)
    ok = cmd_emit (argv[2], &a, error);
  else if (strcmp (argv[1], "cost") == 0)
    ok = cmd_cost (argv[2], &a, error);
  else
    ok = ds_cli_usage (error, "unknown wir verb '%s' (run, opt, emit, cost)", argv[1]);
  g_free (a.input);
  g_free (a.backend);
  g_free (a.passes);
  g_free (a.cache_dir);
  return ok;
}
