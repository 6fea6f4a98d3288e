/* core/plan-json.c - read and write the dawnsim plan JSON format, and
 * export PipeDream's runtime configuration.
 *
 * The format, in full:
 *
 *   { "format": "dawnsim-plan", "version": 1,
 *     "schedule": "1f1b",                  optional, core/schedule.def names
 *     "n_microbatches": 4,                 optional, >= 1 (default 1)
 *     "microbatch_size": 32,               optional, 0 = unknown
 *     "objective_ms": 12.5,                optional, time per minibatch
 *     "stages": [                          pipeline order, one per line
 *       { "layers": ["in", "conv1"], "replicas": 3, "ranks": [0, 1, 2] },
 *       { "range": ["conv2", "fc"], "warmup_depth": 0 } ] }
 *
 * A stage gives "layers" (names, in any order) or "range" (first and last
 * layer, inclusive, in the model's topological order), not both;
 * "replicas" defaults to 1, "ranks" to none (placement left to the
 * runtime). The writer uses "range" whenever a stage is a run of two or
 * more layers of the topological order, in that order.
 */
#include "config.h"

#include "core/plan-json.h"
#include "core/json-reader.h"
#include "core/json-writer.h"

#include <string.h>

#define PLAN_FORMAT "dawnsim-plan"
#define PLAN_VERSION 1

static const char *const top_members[] = {
  "format", "version", "schedule", "n_microbatches", "microbatch_size",
  "objective_ms", "stages", NULL
};
static const char *const stage_members[] = {
  "layers", "range", "replicas", "ranks", "warmup_depth", NULL
};

/* What reading one plan needs besides the document. */
typedef struct {
  const DsJsonDoc *doc;
  const DsModel *model;
  GArray *topo;              /* guint layer indices, topological order */
  guint *topo_pos;           /* layer -> its position in topo */
  gint *stage_of;            /* layer -> stage already holding it, or -1 */
} ReadCtx;

static void
read_ctx_init (ReadCtx *ctx, const DsJsonDoc *doc, const DsModel *model)
{
  guint n = ds_model_n_layers (model);

  ctx->doc = doc;
  ctx->model = model;
  ctx->topo = ds_model_topo_order (model);
  ctx->topo_pos = g_new0 (guint, MAX (n, 1));
  ctx->stage_of = g_new (gint, MAX (n, 1));
  for (guint i = 0; i < n; i++)
    {
      ctx->topo_pos[g_array_index (ctx->topo, guint, i)] = i;
      ctx->stage_of[i] = -1;
    }
}

static void
read_ctx_clear (ReadCtx *ctx)
{
  g_array_unref (ctx->topo);
  g_free (ctx->topo_pos);
  g_free (ctx->stage_of);
}

/* Element @k of @names must be a string naming a layer of the model. */
static gboolean
read_layer_name (const ReadCtx *ctx, JsonArray *names, guint k, guint s,
                 const char *member, guint *layer, GError **error)
{
  JsonNode *node = json_array_get_element (names, k);
  DsPos pos = ds_json_pos_element (ctx->doc, names, k);
  gint idx;

  if (!JSON_NODE_HOLDS_VALUE (node)
      || json_node_get_value_type (node) != G_TYPE_STRING)
    return ds_fail_at (error, DS_ERROR_SYNTAX, pos,
                       "stage %u: '%s' must hold layer names (strings)", s,
                       member);
  idx = ds_model_find_layer (ctx->model, json_node_get_string (node));
  if (idx < 0)
    return ds_fail_at (error, DS_ERROR_UNKNOWN_NAME, pos,
                       "stage %u: no layer named '%s'", s,
                       json_node_get_string (node));
  *layer = (guint) idx;
  return TRUE;
}

static gboolean
add_layer (ReadCtx *ctx, DsPlanStage *stage, guint s, guint layer, DsPos pos,
           GError **error)
{
  if (ctx->stage_of[layer] >= 0)
    return ds_fail_at (error, DS_ERROR_DUPLICATE, pos,
                       "stage %u: layer '%s' is already in stage %d", s,
                       ds_model_layer_const (ctx->model, layer)->name,
                       ctx->stage_of[layer]);
  ctx->stage_of[layer] = (gint) s;
  g_array_append_val (stage->layers, layer);
  return TRUE;
}

/* "layers": ["a", "b", ...] */
static gboolean
read_layer_list (ReadCtx *ctx, JsonArray *names, DsPlanStage *stage, guint s,
                 GError **error)
{
  for (guint k = 0; k < json_array_get_length (names); k++)
    {
      guint layer;
      if (!read_layer_name (ctx, names, k, s, "layers", &layer, error)
          || !add_layer (ctx, stage, s, layer,
                         ds_json_pos_element (ctx->doc, names, k), error))
        return FALSE;
    }
  return TRUE;
}

/* "range": ["first", "last"], inclusive, in topological order */
static gboolean
read_layer_range (ReadCtx *ctx, JsonObject *obj, JsonArray *ends,
                  DsPlanStage *stage, guint s, GError **error)
{
  DsPos pos = ds_json_pos (ctx->doc, obj, "range");
  guint first, last;

  if (json_array_get_length (ends) != 2)
    return ds_fail_at (error, DS_ERROR_SYNTAX, pos,
                       "stage %u: 'range' must be a pair [\"first\", \"last\"]",
                       s);
  if (!read_layer_name (ctx, ends, 0, s, "range", &first, error)
      || !read_layer_name (ctx, ends, 1, s, "range", &last, error))
    return FALSE;
  if (ctx->topo_pos[first] > ctx->topo_pos[last])
    return ds_fail_at (error, DS_ERROR_INVALID, pos,
                       "stage %u: range '%s' .. '%s' runs against the "
                       "topological order", s,
                       ds_model_layer_const (ctx->model, first)->name,
                       ds_model_layer_const (ctx->model, last)->name);
  for (guint p = ctx->topo_pos[first]; p <= ctx->topo_pos[last]; p++)
    if (!add_layer (ctx, stage, s, g_array_index (ctx->topo, guint, p), pos,
                    error))
      return FALSE;
  return TRUE;
}

static gboolean
read_layers (ReadCtx *ctx, JsonObject *obj, DsPlanStage *stage, guint s,
             GError **error)
{
  JsonArray *names = NULL, *ends = NULL;

  if (!ds_json_get_array (ctx->doc, obj, "layers", FALSE, &names, error)
      || !ds_json_get_array (ctx->doc, obj, "range", FALSE, &ends, error))
    return FALSE;
  if ((names == NULL) == (ends == NULL))
    return ds_fail_at (error, DS_ERROR_SYNTAX, ds_json_pos (ctx->doc, obj, NULL),
                       "stage %u: give either 'layers' or 'range'", s);
  if (names != NULL)
    return read_layer_list (ctx, names, stage, s, error);
  return read_layer_range (ctx, obj, ends, stage, s, error);
}

/* "ranks": [0, 1, ...], whole numbers */
static gboolean
read_ranks (const ReadCtx *ctx, JsonObject *obj, DsPlanStage *stage, guint s,
            GError **error)
{
  JsonArray *ranks = NULL;

  if (!ds_json_get_array (ctx->doc, obj, "ranks", FALSE, &ranks, error))
    return FALSE;
  for (guint k = 0; ranks != NULL && k < json_array_get_length (ranks); k++)
    {
      JsonNode *node = json_array_get_element (ranks, k);
      gint64 rank;
      guint r;

      if (!JSON_NODE_HOLDS_VALUE (node)
          || json_node_get_value_type (node) != G_TYPE_INT64
          || (rank = json_node_get_int (node)) < 0 || rank > G_MAXINT)
        return ds_fail_at (error, DS_ERROR_SYNTAX,
                           ds_json_pos_element (ctx->doc, ranks, k),
                           "stage %u: ranks must be whole numbers >= 0", s);
      r = (guint) rank;
      g_array_append_val (stage->ranks, r);
    }
  return TRUE;
}

/* stage -> { layers | range, replicas?, ranks?, warmup_depth? } */
static gboolean
read_stage (ReadCtx *ctx, JsonArray *stages, guint s, DsPlan *plan,
            GError **error)
{
  JsonObject *obj = ds_json_array_object (ctx->doc, stages, s, "stage", error);
  DsPlanStage *stage;

  if (obj == NULL || !ds_json_check_members (ctx->doc, obj, stage_members, error))
    return FALSE;
  stage = ds_plan_add_stage (plan);
  stage->has_warmup_depth = json_object_has_member (obj, "warmup_depth");
  if (!read_layers (ctx, obj, stage, s, error)
      || !ds_json_get_uint (ctx->doc, obj, "replicas", FALSE,
                            &stage->n_replicas, error)
      || !ds_json_get_uint (ctx->doc, obj, "warmup_depth", FALSE,
                            &stage->warmup_depth, error)
      || !read_ranks (ctx, obj, stage, s, error))
    return FALSE;
  if (stage->n_replicas < 1)
    return ds_fail_at (error, DS_ERROR_INVALID,
                       ds_json_pos (ctx->doc, obj, "replicas"),
                       "stage %u: 'replicas' must be >= 1, got 0", s);
  return TRUE;
}

static gboolean
read_schedule (const DsJsonDoc *doc, JsonObject *root, DsPlan *plan,
               GError **error)
{
  const char *name = NULL;
  DsSchedule schedule;

  if (!ds_json_get_string (doc, root, "schedule", FALSE, &name, error))
    return FALSE;
  if (name == NULL)
    return TRUE;
  if (!ds_schedule_from_name (name, &schedule))
    return ds_fail_at (error, DS_ERROR_UNKNOWN_NAME,
                       ds_json_pos (doc, root, "schedule"),
                       "unknown schedule '%s'", name);
  ds_plan_set_schedule (plan, schedule);
  return TRUE;
}

static gboolean
read_numbers (const DsJsonDoc *doc, JsonObject *root, DsPlan *plan,
              GError **error)
{
  guint n_micro = 1, size = 0;
  double objective_ms = 0;

  if (!ds_json_get_uint (doc, root, "n_microbatches", FALSE, &n_micro, error)
      || !ds_json_get_uint (doc, root, "microbatch_size", FALSE, &size, error)
      || !ds_json_get_double (doc, root, "objective_ms", FALSE, &objective_ms,
                              error))
    return FALSE;
  if (n_micro < 1)
    return ds_fail_at (error, DS_ERROR_INVALID,
                       ds_json_pos (doc, root, "n_microbatches"),
                       "'n_microbatches' must be >= 1, got 0");
  if (objective_ms < 0)
    return ds_fail_at (error, DS_ERROR_INVALID,
                       ds_json_pos (doc, root, "objective_ms"),
                       "'objective_ms' must be >= 0, got %g", objective_ms);
  ds_plan_set_n_microbatches (plan, n_micro);
  ds_plan_set_microbatch_size (plan, size);
  if (json_object_has_member (root, "objective_ms"))
    ds_plan_set_objective_s (plan, objective_ms / 1000.0);
  return TRUE;
}

static gboolean
read_header (const DsJsonDoc *doc, JsonObject *root, DsPlan *plan,
             GError **error)
{
  if (!ds_json_check_members (doc, root, top_members, error)
      || !ds_json_check_format (doc, root, PLAN_FORMAT, PLAN_VERSION, error))
    return FALSE;
  return read_schedule (doc, root, plan, error)
         && read_numbers (doc, root, plan, error);
}

static gboolean
read_stages (const DsJsonDoc *doc, JsonObject *root, const DsModel *model,
             DsPlan *plan, GError **error)
{
  JsonArray *stages = NULL;
  ReadCtx ctx;
  gboolean ok = TRUE;

  if (!ds_json_get_array (doc, root, "stages", TRUE, &stages, error))
    return FALSE;
  read_ctx_init (&ctx, doc, model);
  for (guint s = 0; ok && s < json_array_get_length (stages); s++)
    ok = read_stage (&ctx, stages, s, plan, error);
  read_ctx_clear (&ctx);
  return ok;
}

DsPlan *
ds_plan_read_json (const char *text, gssize len, const char *file,
                   const DsModel *model, GError **error)
{
  g_autoptr(DsJsonDoc) doc = NULL;
  g_autoptr(DsPlan) plan = ds_plan_new ();
  JsonObject *root;

  if ((doc = ds_json_doc_parse (text, len, file, error)) == NULL
      || (root = ds_json_doc_root_object (doc, error)) == NULL)
    return NULL;
  if (!read_header (doc, root, plan, error)
      || !read_stages (doc, root, model, plan, error))
    return NULL;
  if (!ds_plan_check (plan, model, NULL, error))
    {
      g_prefix_error (error, "%s: ", ds_json_doc_file (doc));
      return NULL;
    }
  return g_steal_pointer (&plan);
}

/* ---- writing ---- */

/* TRUE when @stage's layers are topo[p], topo[p+1], ... for some p, and
 * there are at least two of them. */
static gboolean
is_topo_run (const DsPlanStage *stage, GArray *topo, const guint *topo_pos)
{
  guint p;

  if (stage->layers->len < 2)
    return FALSE;
  p = topo_pos[g_array_index (stage->layers, guint, 0)];
  if (p + stage->layers->len > topo->len)
    return FALSE;
  for (guint k = 0; k < stage->layers->len; k++)
    if (g_array_index (topo, guint, p + k)
        != g_array_index (stage->layers, guint, k))
      return FALSE;
  return TRUE;
}

static void
write_layers (DsJsonWriter *w, const DsPlanStage *stage, const DsModel *model,
              gboolean as_range)
{
  guint n = stage->layers->len;

  ds_json_member (w, as_range ? "range" : "layers");
  ds_json_begin_array_inline (w);
  for (guint k = 0; k < n; k++)
    if (!as_range || k == 0 || k == n - 1)
      ds_json_string (w, ds_model_layer_const (
                           model, g_array_index (stage->layers, guint, k))->name);
  ds_json_end_array (w);
}

static void
write_stage (DsJsonWriter *w, const DsPlanStage *stage, const DsModel *model,
             gboolean as_range)
{
  ds_json_begin_object_inline (w);
  write_layers (w, stage, model, as_range);
  ds_json_member_uint64 (w, "replicas", stage->n_replicas);
  if (stage->ranks->len > 0)
    {
      ds_json_member (w, "ranks");
      ds_json_begin_array_inline (w);
      for (guint k = 0; k < stage->ranks->len; k++)
        ds_json_uint64 (w, g_array_index (stage->ranks, guint, k));
      ds_json_end_array (w);
    }
  if (stage->has_warmup_depth)
    ds_json_member_uint64 (w, "warmup_depth", stage->warmup_depth);
  ds_json_end_object (w);
}

static void
write_stages (DsJsonWriter *w, const DsPlan *plan, const DsModel *model)
{
  g_autoptr(GArray) topo = ds_model_topo_order (model);
  g_autofree guint *topo_pos = g_new0 (guint, MAX (topo->len, 1));

  for (guint i = 0; i < topo->len; i++)
    topo_pos[g_array_index (topo, guint, i)] = i;
  ds_json_member (w, "stages");
  ds_json_begin_array (w);
  for (guint s = 0; s < ds_plan_n_stages (plan); s++)
    {
      const DsPlanStage *stage = ds_plan_stage_const (plan, s);
      write_stage (w, stage, model, is_topo_run (stage, topo, topo_pos));
    }
  ds_json_end_array (w);
}

char *
ds_plan_write_json (const DsPlan *plan, const DsModel *model, gsize *len)
{
  DsJsonWriter *w = ds_json_writer_new ();
  double objective_s;

  ds_json_begin_object (w);
  ds_json_member_string (w, "format", PLAN_FORMAT);
  ds_json_member_int64 (w, "version", PLAN_VERSION);
  ds_json_member_string (w, "schedule",
                         ds_schedule_name (ds_plan_get_schedule (plan)));
  ds_json_member_uint64 (w, "n_microbatches", ds_plan_get_n_microbatches (plan));
  if (ds_plan_get_microbatch_size (plan) > 0)
    ds_json_member_uint64 (w, "microbatch_size",
                           ds_plan_get_microbatch_size (plan));
  if (ds_plan_get_objective_s (plan, &objective_s))
    ds_json_member_scaled (w, "objective_ms", objective_s, 1000.0);
  write_stages (w, plan, model);
  ds_json_end_object (w);
  return ds_json_writer_finish (w, len);
}

/* ---- PipeDream's runtime configuration ---- */

static void
write_stage_key (DsJsonWriter *w, guint s)
{
  char key[16];

  g_snprintf (key, sizeof key, "%u", s);
  ds_json_member (w, key);
}

/* "stage_to_rank_map": a stage's own ranks, else the next consecutive ones */
static void
write_rank_map (DsJsonWriter *w, const DsPlan *plan)
{
  guint next = 0;

  ds_json_member (w, "stage_to_rank_map");
  ds_json_begin_object (w);
  for (guint s = 0; s < ds_plan_n_stages (plan); s++)
    {
      const DsPlanStage *stage = ds_plan_stage_const (plan, s);
      write_stage_key (w, s);
      ds_json_begin_array_inline (w);
      for (guint k = 0; k < stage->n_replicas; k++)
        ds_json_uint64 (w, stage->ranks->len > 0
                           ? g_array_index (stage->ranks, guint, k) : next++);
      ds_json_end_array (w);
    }
  ds_json_end_object (w);
}

static void
write_count_map (DsJsonWriter *w, const DsPlan *plan, const char *name,
                 gboolean depth)
{
  ds_json_member (w, name);
  ds_json_begin_object (w);
  for (guint s = 0; s < ds_plan_n_stages (plan); s++)
    {
      write_stage_key (w, s);
      ds_json_uint64 (w, depth ? ds_plan_warmup_depth (plan, s)
                               : ds_plan_stage_const (plan, s)->n_replicas);
    }
  ds_json_end_object (w);
}

char *
ds_plan_write_pipedream_conf (const DsPlan *plan, gsize *len)
{
  DsJsonWriter *w = ds_json_writer_new ();
  guint n = ds_plan_n_stages (plan);
  double objective_s;

  ds_json_begin_object (w);
  /* the stage modules, then the criterion, which runs on the last stage */
  ds_json_member (w, "module_to_stage_map");
  ds_json_begin_array_inline (w);
  for (guint s = 0; s < n; s++)
    ds_json_uint64 (w, s);
  if (n > 0)
    ds_json_uint64 (w, n - 1);
  ds_json_end_array (w);
  write_rank_map (w, plan);
  write_count_map (w, plan, "stage_to_depth_map", TRUE);
  write_count_map (w, plan, "stage_to_replicas_map", FALSE);
  if (ds_plan_get_objective_s (plan, &objective_s))
    ds_json_member_scaled (w, "objective_ms", objective_s, 1000.0);
  ds_json_end_object (w);
  return ds_json_writer_finish (w, len);
}
