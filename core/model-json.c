/* core/model-json.c - read and write the dawnsim model JSON format.
 *
 * The format, in full (docs/formats.md has the prose):
 *
 *   { "format": "dawnsim-model", "version": 1,
 *     "name": "vgg16", "batch_size": 128,            optional
 *     "attrs": { "key": "value", ... },               optional
 *     "layers": [                                     one object per layer
 *       { "name": "conv1", "kind": "conv2d", "desc": "...",
 *         "fwd_ms": 1.2, "bwd_ms": 2.4,               both or neither
 *         "fwd_flops": 3.7e9, "bwd_flops": 7.4e9, "mem_bytes": 1.2e7,
 *         "out_bytes": 822083584, "param_bytes": 7168, "n_params": 1792,
 *         "attrs": { ... } }, ... ],
 *     "edges": [ ["conv1", "relu1"], ... ] }          src feeds dst
 *
 * One layer per line when written, so a line number names a layer.
 */
#include "config.h"

#include "core/model-json.h"
#include "core/json-reader.h"
#include "core/json-writer.h"

#define MODEL_FORMAT "dawnsim-model"
#define MODEL_VERSION 1

static const char *const top_members[] = {
  "format", "version", "name", "batch_size", "attrs", "layers", "edges", NULL
};
static const char *const layer_members[] = {
  "name", "kind", "desc", "fwd_ms", "bwd_ms", "fwd_flops", "bwd_flops",
  "mem_bytes", "out_bytes", "param_bytes", "n_params", "attrs", NULL
};

static gboolean
read_nonneg (const DsJsonDoc *doc, JsonObject *obj, const char *member,
             const char *layer_name, double *out, GError **error)
{
  if (!ds_json_get_double (doc, obj, member, FALSE, out, error))
    return FALSE;
  if (*out < 0)
    return ds_fail_at (error, DS_ERROR_INVALID, ds_json_pos (doc, obj, member),
                       "layer '%s': %s must be >= 0, got %g", layer_name,
                       member, *out);
  return TRUE;
}

static gboolean
read_times (const DsJsonDoc *doc, JsonObject *obj, DsLayer *layer,
            GError **error)
{
  gboolean has_fwd = json_object_has_member (obj, "fwd_ms");
  gboolean has_bwd = json_object_has_member (obj, "bwd_ms");
  double fwd_ms = 0, bwd_ms = 0;

  if (has_fwd != has_bwd)
    return ds_fail_at (error, DS_ERROR_SYNTAX,
                       ds_json_pos (doc, obj, has_fwd ? "fwd_ms" : "bwd_ms"),
                       "layer '%s': give both 'fwd_ms' and 'bwd_ms' or neither",
                       layer->name);
  if (!read_nonneg (doc, obj, "fwd_ms", layer->name, &fwd_ms, error)
      || !read_nonneg (doc, obj, "bwd_ms", layer->name, &bwd_ms, error))
    return FALSE;
  layer->has_times = has_fwd;
  layer->fwd_s = fwd_ms / 1000.0;
  layer->bwd_s = bwd_ms / 1000.0;
  return TRUE;
}

static gboolean
read_layer (const DsJsonDoc *doc, JsonArray *layers, guint idx,
            DsModel *model, GError **error)
{
  JsonObject *obj = ds_json_array_object (doc, layers, idx, "layer", error);
  const char *name = NULL, *kind = "", *desc = NULL;
  g_autoptr(GError) local = NULL;
  DsLayer *layer;

  if (obj == NULL
      || !ds_json_check_members (doc, obj, layer_members, error)
      || !ds_json_get_string (doc, obj, "name", TRUE, &name, error)
      || !ds_json_get_string (doc, obj, "kind", FALSE, &kind, error)
      || !ds_json_get_string (doc, obj, "desc", FALSE, &desc, error))
    return FALSE;
  layer = ds_model_add_layer (model, name, kind, &local);
  if (layer == NULL)
    return ds_fail_at (error, local->code, ds_json_pos (doc, obj, "name"),
                       "%s", local->message);
  layer->desc = g_strdup (desc);
  return read_times (doc, obj, layer, error)
         && read_nonneg (doc, obj, "fwd_flops", name, &layer->fwd_flops, error)
         && read_nonneg (doc, obj, "bwd_flops", name, &layer->bwd_flops, error)
         && read_nonneg (doc, obj, "mem_bytes", name, &layer->mem_bytes, error)
         && ds_json_get_uint64 (doc, obj, "out_bytes", FALSE, &layer->out_bytes, error)
         && ds_json_get_uint64 (doc, obj, "param_bytes", FALSE, &layer->param_bytes, error)
         && ds_json_get_uint64 (doc, obj, "n_params", FALSE, &layer->n_params, error)
         && ds_json_get_string_map (doc, obj, "attrs", layer->attrs, error);
}

/* edge -> [ src-name, dst-name ] */
static gboolean
read_edge (const DsJsonDoc *doc, JsonArray *edges, guint idx, DsModel *model,
           GError **error)
{
  JsonNode *node = json_array_get_element (edges, idx);
  DsPos pos = ds_json_pos_element (doc, edges, idx);
  const char *ends[2];
  gint layer_idx[2];
  JsonArray *pair;

  if (!JSON_NODE_HOLDS_ARRAY (node)
      || json_array_get_length (pair = json_node_get_array (node)) != 2)
    return ds_fail_at (error, DS_ERROR_SYNTAX, pos,
                       "edge %u must be a pair [\"src\", \"dst\"]", idx);
  for (guint k = 0; k < 2; k++)
    {
      JsonNode *end = json_array_get_element (pair, k);
      if (!JSON_NODE_HOLDS_VALUE (end)
          || json_node_get_value_type (end) != G_TYPE_STRING)
        return ds_fail_at (error, DS_ERROR_SYNTAX, pos,
                           "edge %u: layer names must be strings", idx);
      ends[k] = json_node_get_string (end);
      layer_idx[k] = ds_model_find_layer (model, ends[k]);
      if (layer_idx[k] < 0)
        return ds_fail_at (error, DS_ERROR_UNKNOWN_NAME, pos,
                           "edge %u: no layer named '%s'", idx, ends[k]);
    }
  if (!ds_model_add_edge (model, layer_idx[0], layer_idx[1], error))
    {
      g_prefix_error (error, "%s:%u: edge %u: ", pos.file, pos.line, idx);
      return FALSE;
    }
  return TRUE;
}

static gboolean
read_header (const DsJsonDoc *doc, JsonObject *root, DsModel *model,
             GError **error)
{
  const char *name = NULL;
  guint batch = 0;

  if (!ds_json_check_members (doc, root, top_members, error)
      || !ds_json_check_format (doc, root, MODEL_FORMAT, MODEL_VERSION, error)
      || !ds_json_get_string (doc, root, "name", FALSE, &name, error)
      || !ds_json_get_uint (doc, root, "batch_size", FALSE, &batch, error)
      || !ds_json_get_string_map (doc, root, "attrs",
                                  ds_model_get_attrs (model), error))
    return FALSE;
  if (name != NULL)
    ds_model_set_name (model, name);
  ds_model_set_batch_size (model, batch);
  return TRUE;
}

DsModel *
ds_model_read_json (const char *text, gssize len, const char *file,
                    GError **error)
{
  g_autoptr(DsJsonDoc) doc = ds_json_doc_parse (text, len, file, error);
  g_autoptr(DsModel) model = NULL;
  g_autofree char *stem = NULL;
  JsonArray *layers = NULL, *edges = NULL;
  JsonObject *root;

  if (doc == NULL || (root = ds_json_doc_root_object (doc, error)) == NULL)
    return NULL;
  stem = ds_file_stem (file, "model");
  model = ds_model_new (stem);
  if (!read_header (doc, root, model, error)
      || !ds_json_get_array (doc, root, "layers", TRUE, &layers, error)
      || !ds_json_get_array (doc, root, "edges", FALSE, &edges, error))
    return NULL;
  for (guint i = 0; i < json_array_get_length (layers); i++)
    if (!read_layer (doc, layers, i, model, error))
      return NULL;
  for (guint i = 0; edges != NULL && i < json_array_get_length (edges); i++)
    if (!read_edge (doc, edges, i, model, error))
      return NULL;
  if (!ds_model_check (model, error))
    {
      g_prefix_error (error, "%s: ", ds_json_doc_file (doc));
      return NULL;
    }
  return g_steal_pointer (&model);
}

static void
write_layer (DsJsonWriter *w, const DsLayer *l)
{
  ds_json_begin_object_inline (w);
  ds_json_member_string (w, "name", l->name);
  if (l->kind[0] != '\0')
    ds_json_member_string (w, "kind", l->kind);
  if (l->desc != NULL)
    ds_json_member_string (w, "desc", l->desc);
  if (l->has_times)
    {
      ds_json_member_scaled (w, "fwd_ms", l->fwd_s, 1000.0);
      ds_json_member_scaled (w, "bwd_ms", l->bwd_s, 1000.0);
    }
  if (l->fwd_flops > 0)
    ds_json_member_double (w, "fwd_flops", l->fwd_flops);
  if (l->bwd_flops > 0)
    ds_json_member_double (w, "bwd_flops", l->bwd_flops);
  if (l->mem_bytes > 0)
    ds_json_member_double (w, "mem_bytes", l->mem_bytes);
  ds_json_member_uint64 (w, "out_bytes", l->out_bytes);
  ds_json_member_uint64 (w, "param_bytes", l->param_bytes);
  if (l->n_params > 0)
    ds_json_member_uint64 (w, "n_params", l->n_params);
  ds_json_member_string_map (w, "attrs", l->attrs);
  ds_json_end_object (w);
}

char *
ds_model_write_json (const DsModel *model, gsize *len)
{
  DsJsonWriter *w = ds_json_writer_new ();
  guint n = ds_model_n_layers (model);

  ds_json_begin_object (w);
  ds_json_member_string (w, "format", MODEL_FORMAT);
  ds_json_member_int64 (w, "version", MODEL_VERSION);
  ds_json_member_string (w, "name", ds_model_get_name (model));
  if (ds_model_get_batch_size (model) > 0)
    ds_json_member_uint64 (w, "batch_size", ds_model_get_batch_size (model));
  ds_json_member_string_map (w, "attrs",
                             ds_model_get_attrs ((DsModel *) model));
  ds_json_member (w, "layers");
  ds_json_begin_array (w);
  for (guint i = 0; i < n; i++)
    write_layer (w, ds_model_layer_const (model, i));
  ds_json_end_array (w);
  ds_json_member (w, "edges");
  ds_json_begin_array (w);
  for (guint e = 0; e < ds_model_n_edges (model); e++)
    {
      guint src, dst;
      ds_model_edge (model, e, &src, &dst);
      ds_json_begin_array_inline (w);
      ds_json_string (w, ds_model_layer_const (model, src)->name);
      ds_json_string (w, ds_model_layer_const (model, dst)->name);
      ds_json_end_array (w);
    }
  ds_json_end_array (w);
  ds_json_end_object (w);
  return ds_json_writer_finish (w, len);
}
