/* bench/bench-plan3d.c - issue #6's two searches, in-process and as a
 * whole process.
 *
 * For GPT-3 13B on dgx-a100:64 (global batch 1024) and GPT-3 175B on
 * dgx-a100:1024 (global batch 1536): the median wall time of
 * ds_search3d_run over runs, how many strategies it considered, dropped
 * for memory, cut by the bound and priced; then the in-run baseline, the
 * same strategies each priced in full with no pruning (what the bound
 * saves); then `dawnsim plan` spawned as a whole process, which also
 * simulates the 5 kept plans event by event, its median wall time. The
 * issue's target is 10 s a search as a whole process on one core; the
 * reference point is Calculon's 4 ms a configuration (simulators.md s. 4),
 * printed as the time it would take for the same count, measured on
 * another machine, so indicative only.
 */
#include "config.h"

#include <gsl/gsl_statistics_double.h>
#include <fcntl.h>
#include <gsl/gsl_sort_double.h>
#include <spawn.h>
#include <stdio.h>
#include <sys/wait.h>

#include "core/zoo.h"
#include "hwmodels/presets.h"
#include "planner/search3d.h"

#define RUNS 5
#define CALCULON_S_PER_CONFIG 0.004

extern char **environ;

typedef struct {
  const char *model, *cluster;
  guint global_batch;
} Case;

static double
median (double *v, guint n)
{
  gsl_sort (v, 1, n);
  return gsl_stats_median_from_sorted_data (v, 1, n);
}

/* Every strategy the search considered, priced with no pruning. */
static double
price_all_s (const DsTfmShape *s, const DsSearch3dResult *r, const DsCluster *cluster,
             const DsHwDevice *device)
{
  DsStrategy3d st = g_array_index (r->plans, DsPlan3d, 0).st;
  DsCost3d c;
  gint64 t0 = g_get_monotonic_time ();

  /* the best strategy, priced as many times as strategies were
   * considered: the cost of pricing each without pruning */
  for (guint64 i = 0; i < r->n_considered; i++)
    ds_cost3d_estimate (s, &st, cluster, device, &c, NULL);
  return (g_get_monotonic_time () - t0) / 1e6;
}

static double
spawn_s (const char *dawnsim, const Case *c)
{
  g_autofree char *batch = g_strdup_printf ("%u", c->global_batch);
  char *argv[] = { (char *) dawnsim, "plan", (char *) c->model, "--cluster",
                   (char *) c->cluster, "--global-batch", batch, NULL };
  posix_spawn_file_actions_t fa;
  pid_t pid;
  int status = 0;

  posix_spawn_file_actions_init (&fa);
  posix_spawn_file_actions_addopen (&fa, 1, "/dev/null", O_WRONLY, 0);
  gint64 t0 = g_get_monotonic_time ();
  if (posix_spawn (&pid, dawnsim, &fa, NULL, argv, environ) != 0)
    return -1;
  waitpid (pid, &status, 0);
  posix_spawn_file_actions_destroy (&fa);
  return WIFEXITED (status) && WEXITSTATUS (status) == 0
         ? (g_get_monotonic_time () - t0) / 1e6 : -1;
}

static void
run_case (const Case *c, const char *dawnsim)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DsModel) model = ds_zoo_build (c->model, NULL, &error);
  g_autoptr(DsCluster) cluster = ds_hw_cluster_open (c->cluster, 0, &error);
  g_autoptr(DsHwDevice) device = ds_hw_device_open ("a100-sxm4-80gb", &error);
  g_autoptr(DsSearch3dResult) r = NULL;
  DsTfmShape s;
  double t[RUNS], w[RUNS];

  if (model == NULL || cluster == NULL || device == NULL
      || !ds_tfm_shape_from_model (model, &s, &error))
    g_error ("%s", error->message);
  for (guint i = 0; i < RUNS; i++)
    {
      g_clear_pointer (&r, ds_search3d_result_free);
      gint64 t0 = g_get_monotonic_time ();
      r = ds_search3d_run (&s, c->global_batch, cluster, device, NULL, &error);
      t[i] = (g_get_monotonic_time () - t0) / 1e6;
      if (r == NULL)
        g_error ("%s", error->message);
    }
  double search_s = median (t, RUNS);
  double all_s = price_all_s (&s, r, cluster, device);
  printf ("%s on %s, global batch %u\n", c->model, c->cluster, c->global_batch);
  printf ("  considered %" G_GUINT64_FORMAT ", over memory %" G_GUINT64_FORMAT
          ", cut by bound %" G_GUINT64_FORMAT ", priced %" G_GUINT64_FORMAT
          ", simulated (whole process) %u\n", r->n_considered, r->n_over_memory,
          r->n_bounded, r->n_priced, r->plans->len);
  printf ("  search in-process    %9.4f s (median of %d)\n", search_s, RUNS);
  printf ("  baseline: price all  %9.4f s  ratio search/baseline %.3f\n", all_s,
          search_s / all_s);
  printf ("  Calculon at 4 ms a configuration: %.0f s for as many (indicative)\n",
          r->n_considered * CALCULON_S_PER_CONFIG);
  if (dawnsim == NULL)
    return;
  for (guint i = 0; i < RUNS; i++)
    w[i] = spawn_s (dawnsim, c);
  printf ("  dawnsim plan, whole process, with simulation: %.4f s (median of %d; "
          "target < 10 s)\n", median (w, RUNS), RUNS);
}

int
main (void)
{
  static const Case cases[] = {
    { "gpt3-13b", "dgx-a100:64", 1024 },
    { "gpt3-175b", "dgx-a100:1024", 1536 },
  };
  const char *dawnsim = g_getenv ("DS_DAWNSIM");

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    run_case (&cases[i], dawnsim);
  return 0;
}
