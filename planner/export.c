/* planner/export.c - gpus=N.txt and hybrid_conf.json from a plan. */
#include "config.h"

#include "planner/export.h"
#include "core/error.h"
#include "core/graphtxt.h"
#include "core/plan-json.h"

#include <errno.h>
#include <glib/gstdio.h>

DsModel *
ds_plan_partitioned_model (const DsPlan *plan, const DsModel *model)
{
  DsModel *copy = ds_model_copy (model);

  for (guint s = 0; s < ds_plan_n_stages (plan); s++)
    {
      const DsPlanStage *stage = ds_plan_stage_const (plan, s);
      for (guint k = 0; k < stage->layers->len; k++)
        {
          DsLayer *layer = ds_model_layer (copy, g_array_index (stage->layers, guint, k));
          g_hash_table_insert (layer->attrs, g_strdup ("stage_id"),
                               g_strdup_printf ("%u", s));
        }
    }
  return copy;
}

gboolean
ds_plan_export_pipedream (const DsPlan *plan, const DsModel *model,
                          const char *dir, GError **error)
{
  g_autoptr(DsModel) parted = ds_plan_partitioned_model (plan, model);
  g_autofree char *name = g_strdup_printf ("gpus=%u.txt", ds_plan_n_replicas (plan));
  g_autofree char *graph_path = g_build_filename (dir, name, NULL);
  g_autofree char *conf_path = g_build_filename (dir, "hybrid_conf.json", NULL);
  g_autofree char *graph = NULL, *conf = NULL;
  gsize graph_len = 0, conf_len = 0;

  if (g_mkdir_with_parents (dir, 0777) != 0)
    return ds_fail_at (error, DS_ERROR_IO, DS_POS (dir, 0),
                       "cannot create the folder: %s", g_strerror (errno));
  graph = ds_graphtxt_write (parted, &graph_len, error);
  if (graph == NULL)
    return FALSE;
  conf = ds_plan_write_pipedream_conf (plan, &conf_len);
  return ds_write_file (graph_path, graph, graph_len, error)
         && ds_write_file (conf_path, conf, conf_len, error);
}
