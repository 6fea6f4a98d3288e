/* core/model.c - DsModel: layers, edges, and the igraph view of them.
 *
 * Storage is plain arrays in insertion order (layers, edges) plus a name
 * index; the igraph_t is derived from them lazily and rebuilt after any
 * change, because readers add thousands of edges one at a time and
 * igraph_add_edge() would copy the edge vectors on each call.
 */
#include "config.h"

#include "core/model.h"
#include "core/error.h"

#include <math.h>
#include <string.h>

struct _DsModel {
  gint ref_count;
  char *name;
  guint batch_size;
  GHashTable *attrs;
  GPtrArray *layers;        /* DsLayer*, owned */
  GHashTable *by_name;      /* char* (layer's own) -> index + 1 */
  GArray *edges;            /* guint pairs: src, dst */
  /* derived, rebuilt on demand */
  gboolean graph_valid;
  igraph_t graph;
};

static GHashTable *
attrs_new (void)
{
  return g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
}

static void
layer_free (gpointer p)
{
  DsLayer *layer = p;

  g_free (layer->name);
  g_free (layer->kind);
  g_free (layer->desc);
  g_hash_table_unref (layer->attrs);
  g_free (layer);
}

static void
invalidate_graph (DsModel *model)
{
  if (model->graph_valid)
    igraph_destroy (&model->graph);
  model->graph_valid = FALSE;
}

/* igraph's default error handler aborts the process; dawnsim checks every
 * return code instead, so errors must come back as codes. */
static void
igraph_quiet_once (void)
{
  static gsize done = 0;

  if (g_once_init_enter (&done))
    {
      igraph_set_error_handler (igraph_error_handler_ignore);
      igraph_set_warning_handler (igraph_warning_handler_ignore);
      g_once_init_leave (&done, 1);
    }
}

DsModel *
ds_model_new (const char *name)
{
  DsModel *model = g_new0 (DsModel, 1);

  model->ref_count = 1;
  model->name = g_strdup (name != NULL ? name : "");
  model->attrs = attrs_new ();
  model->layers = g_ptr_array_new_with_free_func (layer_free);
  model->by_name = g_hash_table_new (g_str_hash, g_str_equal);
  model->edges = g_array_new (FALSE, FALSE, sizeof (guint));
  return model;
}

DsModel *
ds_model_ref (DsModel *model)
{
  g_return_val_if_fail (model != NULL, NULL);
  g_atomic_int_inc (&model->ref_count);
  return model;
}

void
ds_model_unref (DsModel *model)
{
  if (model == NULL || !g_atomic_int_dec_and_test (&model->ref_count))
    return;
  invalidate_graph (model);
  g_hash_table_unref (model->by_name);
  g_ptr_array_unref (model->layers);
  g_array_unref (model->edges);
  g_hash_table_unref (model->attrs);
  g_free (model->name);
  g_free (model);
}

const char *
ds_model_get_name (const DsModel *model)
{
  return model->name;
}

void
ds_model_set_name (DsModel *model, const char *name)
{
  g_free (model->name);
  model->name = g_strdup (name != NULL ? name : "");
}

guint
ds_model_get_batch_size (const DsModel *model)
{
  return model->batch_size;
}

void
ds_model_set_batch_size (DsModel *model, guint batch_size)
{
  model->batch_size = batch_size;
}

GHashTable *
ds_model_get_attrs (DsModel *model)
{
  return model->attrs;
}

guint
ds_model_n_layers (const DsModel *model)
{
  return model->layers->len;
}

DsLayer *
ds_model_layer (DsModel *model, guint idx)
{
  g_return_val_if_fail (idx < model->layers->len, NULL);
  return g_ptr_array_index (model->layers, idx);
}

const DsLayer *
ds_model_layer_const (const DsModel *model, guint idx)
{
  g_return_val_if_fail (idx < model->layers->len, NULL);
  return g_ptr_array_index (model->layers, idx);
}

gint
ds_model_find_layer (const DsModel *model, const char *name)
{
  gpointer v = g_hash_table_lookup (model->by_name, name);

  return v == NULL ? -1 : (gint) GPOINTER_TO_UINT (v) - 1;
}

DsLayer *
ds_model_add_layer (DsModel *model, const char *name, const char *kind,
                    GError **error)
{
  DsLayer *layer;

  if (name == NULL || *name == '\0')
    return ds_fail_null (error, DS_ERROR_INVALID, "layer name must not be empty");
  if (g_hash_table_contains (model->by_name, name))
    return ds_fail_null (error, DS_ERROR_DUPLICATE,
                         "layer '%s' is defined twice", name);

  layer = g_new0 (DsLayer, 1);
  layer->name = g_strdup (name);
  layer->kind = g_strdup (kind != NULL ? kind : "");
  layer->attrs = attrs_new ();
  g_ptr_array_add (model->layers, layer);
  g_hash_table_insert (model->by_name, layer->name,
                       GUINT_TO_POINTER (model->layers->len));
  invalidate_graph (model);
  return layer;
}

guint
ds_model_n_edges (const DsModel *model)
{
  return model->edges->len / 2;
}

void
ds_model_edge (const DsModel *model, guint edge_idx, guint *src_idx,
               guint *dst_idx)
{
  g_return_if_fail (edge_idx < model->edges->len / 2);
  *src_idx = g_array_index (model->edges, guint, 2 * edge_idx);
  *dst_idx = g_array_index (model->edges, guint, 2 * edge_idx + 1);
}

gboolean
ds_model_add_edge (DsModel *model, guint src_idx, guint dst_idx,
                   GError **error)
{
  guint pair[2] = { src_idx, dst_idx };

  g_return_val_if_fail (src_idx < model->layers->len, FALSE);
  g_return_val_if_fail (dst_idx < model->layers->len, FALSE);
  if (src_idx == dst_idx)
    return ds_fail (error, DS_ERROR_CYCLE, "layer '%s' feeds itself",
                    ds_model_layer (model, src_idx)->name);
  g_array_append_vals (model->edges, pair, 2);
  invalidate_graph (model);
  return TRUE;
}

const igraph_t *
ds_model_graph (const DsModel *model)
{
  DsModel *m = (DsModel *) model;   /* the cache is not part of the value */
  igraph_vector_int_t ev;
  guint n = m->edges->len;

  if (m->graph_valid)
    return &m->graph;
  igraph_quiet_once ();
  if (igraph_vector_int_init (&ev, n) != IGRAPH_SUCCESS)
    g_error ("igraph: out of memory building the model graph");
  for (guint i = 0; i < n; i++)
    VECTOR (ev)[i] = g_array_index (m->edges, guint, i);
  if (igraph_create (&m->graph, &ev, m->layers->len, IGRAPH_DIRECTED)
      != IGRAPH_SUCCESS)
    g_error ("igraph: out of memory building the model graph");
  igraph_vector_int_destroy (&ev);
  m->graph_valid = TRUE;
  return &m->graph;
}

guint
ds_model_n_inputs (const DsModel *model, guint idx)
{
  igraph_integer_t deg = 0;

  igraph_degree_1 (ds_model_graph (model), &deg, idx, IGRAPH_IN, IGRAPH_LOOPS);
  return (guint) deg;
}

guint
ds_model_n_outputs (const DsModel *model, guint idx)
{
  igraph_integer_t deg = 0;

  igraph_degree_1 (ds_model_graph (model), &deg, idx, IGRAPH_OUT, IGRAPH_LOOPS);
  return (guint) deg;
}

/* A layer that lies on a cycle: peel sources off (Kahn) until none is
 * left; what remains holds every cycle. Walking back through remaining
 * predecessors from any remaining layer must revisit a layer, and that
 * layer is on a cycle. */
static guint
layer_on_cycle (const DsModel *model)
{
  guint n = model->layers->len, m = model->edges->len / 2;
  g_autofree guint *indeg = g_new0 (guint, n);
  g_autofree guint *pred = g_new (guint, n);
  g_autofree gboolean *seen = g_new0 (gboolean, n);
  g_autoptr(GQueue) ready = g_queue_new ();
  guint v;

  for (guint e = 0; e < m; e++)
    indeg[g_array_index (model->edges, guint, 2 * e + 1)]++;
  for (v = 0; v < n; v++)
    if (indeg[v] == 0)
      g_queue_push_tail (ready, GUINT_TO_POINTER (v));
  while (!g_queue_is_empty (ready))
    {
      guint u = GPOINTER_TO_UINT (g_queue_pop_head (ready));
      for (guint e = 0; e < m; e++)
        if (g_array_index (model->edges, guint, 2 * e) == u)
          {
            guint w = g_array_index (model->edges, guint, 2 * e + 1);
            if (--indeg[w] == 0)
              g_queue_push_tail (ready, GUINT_TO_POINTER (w));
          }
    }
  for (v = 0; v < n; v++)
    pred[v] = G_MAXUINT;
  for (guint e = 0; e < m; e++)
    {
      guint s = g_array_index (model->edges, guint, 2 * e);
      guint d = g_array_index (model->edges, guint, 2 * e + 1);
      if (indeg[s] > 0 && indeg[d] > 0 && pred[d] == G_MAXUINT)
        pred[d] = s;
    }
  for (v = 0; v < n && indeg[v] == 0; v++)
    ;
  g_assert (v < n);
  while (!seen[v])
    {
      seen[v] = TRUE;
      v = pred[v];
    }
  return v;
}

static gboolean
check_value (const DsLayer *layer, const char *field, double v, GError **error)
{
  if (isfinite (v) && v >= 0)
    return TRUE;
  return ds_fail (error, DS_ERROR_INVALID,
                  "layer '%s': %s must be a finite number >= 0, got %g",
                  layer->name, field, v);
}

gboolean
ds_model_check (const DsModel *model, GError **error)
{
  igraph_bool_t is_dag = FALSE;

  if (model->layers->len == 0)
    return ds_fail (error, DS_ERROR_INVALID, "model '%s' has no layers",
                    model->name);
  for (guint i = 0; i < model->layers->len; i++)
    {
      const DsLayer *l = g_ptr_array_index (model->layers, i);
      if (!check_value (l, "fwd_s", l->fwd_s, error)
          || !check_value (l, "bwd_s", l->bwd_s, error)
          || !check_value (l, "fwd_flops", l->fwd_flops, error)
          || !check_value (l, "bwd_flops", l->bwd_flops, error)
          || !check_value (l, "mem_bytes", l->mem_bytes, error))
        return FALSE;
    }
  if (igraph_is_dag (ds_model_graph (model), &is_dag) != IGRAPH_SUCCESS)
    g_error ("igraph_is_dag failed");
  if (!is_dag)
    return ds_fail (error, DS_ERROR_CYCLE,
                    "the layer graph has a cycle through layer '%s'",
                    ((DsLayer *) g_ptr_array_index (model->layers,
                                                    layer_on_cycle (model)))->name);
  return TRUE;
}

GArray *
ds_model_topo_order (const DsModel *model)
{
  igraph_vector_int_t order;
  GArray *out;

  if (igraph_vector_int_init (&order, 0) != IGRAPH_SUCCESS)
    g_error ("igraph: out of memory");
  if (igraph_topological_sorting (ds_model_graph (model), &order, IGRAPH_OUT)
      != IGRAPH_SUCCESS
      || igraph_vector_int_size (&order) != (igraph_integer_t) model->layers->len)
    g_error ("ds_model_topo_order: the model has a cycle (call ds_model_check first)");
  out = g_array_sized_new (FALSE, FALSE, sizeof (guint), model->layers->len);
  for (igraph_integer_t i = 0; i < igraph_vector_int_size (&order); i++)
    {
      guint v = (guint) VECTOR (order)[i];
      g_array_append_val (out, v);
    }
  igraph_vector_int_destroy (&order);
  return out;
}

void
ds_model_totals (const DsModel *model, DsModelTotals *out)
{
  memset (out, 0, sizeof *out);
  out->n_layers = model->layers->len;
  out->n_edges = model->edges->len / 2;
  for (guint i = 0; i < model->layers->len; i++)
    {
      const DsLayer *l = g_ptr_array_index (model->layers, i);
      out->fwd_s += l->fwd_s;
      out->bwd_s += l->bwd_s;
      out->fwd_flops += l->fwd_flops;
      out->bwd_flops += l->bwd_flops;
      out->out_bytes += l->out_bytes;
      out->param_bytes += l->param_bytes;
      out->n_params += l->n_params;
    }
}

static void
copy_attr (gpointer key, gpointer value, gpointer dest)
{
  g_hash_table_insert (dest, g_strdup (key), g_strdup (value));
}

DsModel *
ds_model_copy (const DsModel *model)
{
  DsModel *copy = ds_model_new (model->name);

  copy->batch_size = model->batch_size;
  g_hash_table_foreach (model->attrs, copy_attr, copy->attrs);
  for (guint i = 0; i < model->layers->len; i++)
    {
      const DsLayer *src = g_ptr_array_index (model->layers, i);
      DsLayer *dst = ds_model_add_layer (copy, src->name, src->kind, NULL);
      GHashTable *attrs = dst->attrs;
      char *name = dst->name, *kind = dst->kind;

      *dst = *src;
      dst->name = name;
      dst->kind = kind;
      dst->desc = g_strdup (src->desc);
      dst->attrs = attrs;
      g_hash_table_foreach (src->attrs, copy_attr, dst->attrs);
    }
  g_array_append_vals (copy->edges, model->edges->data, model->edges->len);
  return copy;
}
