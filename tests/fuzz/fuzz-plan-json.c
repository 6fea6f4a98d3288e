/* tests/fuzz/fuzz-plan-json.c - the plan JSON reader on arbitrary bytes,
 * against a fixed diamond model (in -> a, in -> b, a -> out, b -> out) and
 * a 4 x 2 cluster; a plan that loads must write and read back to the same
 * bytes, export to PipeDream's configuration, and go through the
 * simulator under every schedule (which may refuse it, never crash). */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "core/plan-json.h"
#include "sim/pipeline.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static DsModel *
fixed_model (void)
{
  static const char *const names[] = { "in", "a", "b", "out" };
  static const guint edges[][2] = { { 0, 1 }, { 0, 2 }, { 1, 3 }, { 2, 3 } };
  DsModel *model = ds_model_new ("diamond");

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      DsLayer *l = ds_model_add_layer (model, names[i], "linear", NULL);
      l->has_times = TRUE;
      l->fwd_s = 1e-3 * (i + 1);
      l->bwd_s = 2e-3 * (i + 1);
      l->out_bytes = 1000000;
      l->param_bytes = 4000000;
    }
  for (guint e = 0; e < G_N_ELEMENTS (edges); e++)
    ds_model_add_edge (model, edges[e][0], edges[e][1], NULL);
  return model;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr(DsModel) model = fixed_model ();
  g_autoptr(DsCluster) cluster = ds_cluster_new ("fuzz");
  g_autoptr(DsPlan) plan = ds_plan_read_json ((const char *) data, size,
                                              "fuzz.json", model, NULL);
  g_autofree char *text = NULL, *again = NULL, *conf = NULL;
  g_autoptr(DsPlan) back = NULL;

  if (plan == NULL)
    return 0;
  ds_cluster_add_level (cluster, NULL, 4, 1e10, 0);
  ds_cluster_add_level (cluster, NULL, 2, 1e9, 0);
  ds_plan_check (plan, model, cluster, NULL);
  text = ds_plan_write_json (plan, model, NULL);
  back = ds_plan_read_json (text, -1, "again.json", model, NULL);
  g_assert (back != NULL);
  again = ds_plan_write_json (back, model, NULL);
  g_assert (strcmp (text, again) == 0);
  conf = ds_plan_write_pipedream_conf (plan, NULL);
  g_assert (conf != NULL);
  /* the simulator's own size limit is a unit test's; here, stay quick */
  for (guint k = 0; k < DS_SCHEDULE_N && ds_plan_get_n_microbatches (plan) <= 64; k++)
    {
      DsSimOptions o;
      ds_sim_options_init (&o);
      o.schedule = (DsSchedule) k;
      o.chunks = k == DS_SCHEDULE_INTERLEAVED ? 2 : 1;
      o.record_trace = TRUE;
      g_autoptr(DsSimResult) r = ds_sim_run (plan, model, cluster, &o, NULL);
      g_assert (r == NULL || (r->iteration_s >= 0 && ds_trace_check (r->trace, NULL)));
    }
  return 0;
}
