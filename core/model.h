/* core/model.h - DsModel: a neural network as a DAG of layers.
 *
 * A layer carries what the planner and the simulator cost: forward and
 * backward time per minibatch when measured (has_times), or forward and
 * backward FLOPs and bytes moved for a hardware model to cost; the bytes
 * of its output activation for the whole minibatch; the bytes of its
 * parameters. Edges say "src's output feeds dst"; branching graphs
 * (ResNet, Inception, GNMT) are first class.
 *
 * Layers keep their insertion order (for a graph.txt profile that is the
 * file's node order, which PipeDream's planner depends on) and so do edges.
 * The igraph view (vertex i = layer i, edge e = edge e) is built on demand
 * and cached until the next change.
 *
 * Ownership: a model is reference counted and shared read-only once built
 * (planner, sim and exec all hold it). Layers are owned by the model;
 * DsLayer pointers are valid until the next ds_model_add_layer().
 * ds_model_check() is the invariant checker; readers call it before
 * returning a model, and it runs again under DS_DEBUG_CHECK=1.
 */
#pragma once

#include <glib.h>
#include <igraph.h>

G_BEGIN_DECLS

typedef struct {
  char *name;              /* unique within the model, non-empty */
  char *kind;              /* lower-case operator kind: "conv2d", "linear",
                            * "relu", "input", "attention", ... */
  char *desc;              /* free text (e.g. a PyTorch module repr); may be NULL */
  gboolean has_times;      /* fwd_s and bwd_s were measured */
  double fwd_s, bwd_s;     /* per minibatch, >= 0; 0 when !has_times */
  double fwd_flops;        /* per minibatch, >= 0; 0 when unknown */
  double bwd_flops;
  double mem_bytes;        /* bytes the forward pass reads and writes
                            * (for memory-bound costing); 0 when unknown */
  guint64 out_bytes;       /* output activation, whole minibatch */
  guint64 param_bytes;     /* weights */
  guint64 n_params;        /* parameter count (param_bytes / dtype size when
                            * the dtype is known); 0 when unknown */
  GHashTable *attrs;       /* char* -> char*, owned, never NULL */
} DsLayer;

typedef struct _DsModel DsModel;

/* Totals over all layers. */
typedef struct {
  guint n_layers;
  guint n_edges;
  double fwd_s, bwd_s;
  double fwd_flops, bwd_flops;
  guint64 out_bytes;
  guint64 param_bytes;
  guint64 n_params;
} DsModelTotals;

DsModel     *ds_model_new          (const char *name);
DsModel     *ds_model_ref          (DsModel *model);
void         ds_model_unref        (DsModel *model);

const char  *ds_model_get_name     (const DsModel *model);
void         ds_model_set_name     (DsModel *model, const char *name);
/* Samples per minibatch the layer figures refer to; 0 = not known. */
guint        ds_model_get_batch_size (const DsModel *model);
void         ds_model_set_batch_size (DsModel *model, guint batch_size);
/* Model-level attributes, char* -> char*, owned by the model. Readers of
 * a format put what they must remember to write the same bytes back here
 * (keys prefixed by the format: "graphtxt.trailing_newline"). */
GHashTable  *ds_model_get_attrs    (DsModel *model);

guint        ds_model_n_layers     (const DsModel *model);
DsLayer     *ds_model_layer        (DsModel *model, guint idx);
const DsLayer *ds_model_layer_const (const DsModel *model, guint idx);
/* Returns the index of the layer called @name, or -1. O(1). */
gint         ds_model_find_layer   (const DsModel *model, const char *name);

/* Appends a zeroed layer called @name with @kind (both copied) and returns
 * it for the caller to fill in. Fails with DS_ERROR_DUPLICATE if the name
 * is taken and DS_ERROR_INVALID if it is empty. */
DsLayer     *ds_model_add_layer    (DsModel *model, const char *name,
                                    const char *kind, GError **error);

guint        ds_model_n_edges      (const DsModel *model);
void         ds_model_edge         (const DsModel *model, guint edge_idx,
                                    guint *src_idx, guint *dst_idx);
/* Adds src -> dst. Self-loops are refused (DS_ERROR_CYCLE); cycles through
 * several edges are found by ds_model_check(). Duplicate edges are kept:
 * graph.txt files contain them and a round trip must keep them. */
gboolean     ds_model_add_edge     (DsModel *model, guint src_idx,
                                    guint dst_idx, GError **error);

/* Whole-model invariants: at least one layer, acyclic (names a layer on a
 * cycle), every value finite and >= 0. */
gboolean     ds_model_check        (const DsModel *model, GError **error);

/* The model as an igraph directed graph; borrowed, valid until the next
 * change to the model. */
const igraph_t *ds_model_graph     (const DsModel *model);
/* Layer indices in a topological order, ties broken by insertion order
 * (so a chain stays in file order). The model must be acyclic. Returns a
 * new array of guint. */
GArray      *ds_model_topo_order   (const DsModel *model);
/* In- and out-degree of a layer. */
guint        ds_model_n_inputs     (const DsModel *model, guint idx);
guint        ds_model_n_outputs    (const DsModel *model, guint idx);

void         ds_model_totals       (const DsModel *model, DsModelTotals *out);

/* A deep copy, attributes included. */
DsModel     *ds_model_copy         (const DsModel *model);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DsModel, ds_model_unref)

G_END_DECLS
