/* cli/plan3d.c - shape arguments and simulation of 3D layouts, shared by
 * cmd-plan.c and cmd-simulate.c (contract in plan3d.h).
 */
#include "config.h"

#include "cli/plan3d.h"

#include "core/error.h"

gboolean
ds_cli_3d_has_shape (const DsCli3dShapeArgs *a)
{
  return a->layers != 0 || a->hidden != 0 || a->heads != 0 || a->seq != 0 || a->vocab != 0;
}

gboolean
ds_cli_3d_shape (const DsCli3dShapeArgs *a, const char *spec, const DsCliModelArgs *margs,
                 DsTfmShape *s, GError **error)
{
  *s = (DsTfmShape) { 0 };
  if (a->layers < 0 || a->hidden < 0 || a->heads < 0 || a->seq < 0 || a->vocab < 0)
    return ds_cli_usage (error, "--layers, --hidden, --heads, --seq and --vocab must be >= 1");
  if (spec != NULL)
    {
      g_autoptr(DsModel) model = ds_cli_open_model (spec, margs, error);
      if (model == NULL || !ds_tfm_shape_from_model (model, s, error))
        return FALSE;
    }
  else if (a->layers == 0 || a->hidden == 0 || a->heads == 0)
    return ds_cli_usage (error, "a transformer needs a MODEL or --layers, --hidden and "
                         "--heads (--seq 2048 and --vocab 51200 by default)");
  if (a->layers > 0)
    s->n_layers = a->layers;
  if (a->hidden > 0)
    s->hidden = a->hidden;
  if (a->heads > 0)
    s->heads = a->heads;
  if (a->seq > 0)
    s->seq = a->seq;
  if (a->vocab > 0)
    s->vocab = a->vocab;
  if (s->seq == 0)
    s->seq = 2048;
  if (s->vocab == 0)
    s->vocab = 51200;
  return ds_tfm_shape_check (s, error);
}

DsSimResult *
ds_cli_3d_simulate (const DsTfmShape *shape, const DsCluster *cluster, DsPlan3d *p,
                    GError **error)
{
  g_autoptr(DsModel) model = NULL;
  g_autoptr(DsPlan) plan = NULL;
  DsSimOptions o;

  if (!ds_search3d_sim_input (shape, p, &model, &plan, error))
    return NULL;
  ds_sim_options_init (&o);
  o.schedule = ds_plan_get_schedule (plan);
  o.tensor_parallel = p->st.tp;
  o.chunks = p->st.interleave;
  o.optimizer_state_factor = 2;     /* Adam: m and v per fp32 gradient byte */
  DsSimResult *sim = ds_sim_run (plan, model, cluster, &o, error);
  if (sim == NULL)
    return NULL;
  p->sim_iteration_s = sim->iteration_s;
  for (guint i = 0; i < sim->workers->len; i++)
    p->sim_peak_bytes = MAX (p->sim_peak_bytes,
                             g_array_index (sim->workers, DsSimWorker, i).peak_bytes);
  return sim;
}
