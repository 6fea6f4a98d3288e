/* exec/fusion.c - the unfused step's extra bytes and launches (fusion.h).
 *
 * A Pair is one kernel of the step in its two forms, checked and
 * optimized once; its differences are memoized by vector length, so a
 * model with many equal layers runs the cost model a handful of times.
 */
#include "config.h"

#include "exec/fusion.h"
#include "exec/wir/cost.h"
#include "exec/wir/library.h"
#include "exec/wir/passes.h"
#include "exec/wir/wir.h"

#include <math.h>
#include <string.h>

/* The fragments are f32 programs: a tensor of B bytes is B / 4 elements. */
#define F32_BYTES 4

typedef struct {
  double bytes, launches;
} Extra;

typedef struct {
  WirProgram *unfused, *fused;
  GHashTable *by_len;          /* gint64* -> Extra*, both owned */
  guint *n_costed;             /* the result's counter */
} Pair;

static WirProgram *
load (const char *text, const char *name, gboolean fusion, GError **error)
{
  g_autoptr(WirProgram) prog = wir_program_parse (text, -1, name, error);

  if (prog == NULL || !wir_program_check (prog, FALSE, error)
      || !wir_optimize (prog, fusion, NULL, error))
    return NULL;
  return g_steal_pointer (&prog);
}

/* the library's @fragments, optimized without the fusion passes and with */
static gboolean
pair_init (Pair *p, const char *fragments, const char *name, guint *n_costed, GError **error)
{
  p->n_costed = n_costed;
  p->by_len = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_free);
  p->unfused = load (fragments, name, FALSE, error);
  if (p->unfused == NULL)
    return FALSE;
  p->fused = load (fragments, name, TRUE, error);
  return p->fused != NULL;
}

static void
pair_clear (Pair *p)
{
  g_clear_pointer (&p->unfused, wir_program_free);
  g_clear_pointer (&p->fused, wir_program_free);
  g_clear_pointer (&p->by_len, g_hash_table_unref);
}

/* weld.md §11 on both forms, every vector parameter @n long. Only bytes
 * and launches are kept: the simulator prices bytes at the device's
 * memory bandwidth, as it prices the fused update. A fused form that
 * moved more would be a bug in the library; the difference is then 0,
 * so the what-if never makes a step faster. */
static const Extra *
pair_extra (Pair *p, gint64 n)
{
  Extra *e = g_hash_table_lookup (p->by_len, &n);
  WirCostParams params;
  WirCost cu, cf;

  if (e != NULL)
    return e;
  wir_cost_params_default (&params);
  wir_cost_estimate (p->unfused, NULL, 0, n, &params, &cu);
  wir_cost_estimate (p->fused, NULL, 0, n, &params, &cf);
  e = g_new (Extra, 1);
  e->bytes = MAX (0.0, (cu.bytes_read + cu.bytes_written) - (cf.bytes_read + cf.bytes_written));
  e->launches = cu.n_kernels > cf.n_kernels ? cu.n_kernels - cf.n_kernels : 0;
  g_hash_table_insert (p->by_len, g_memdup2 (&n, sizeof n), e);
  (*p->n_costed)++;
  return e;
}

static gint64
f32_elements (double bytes)
{
  return (gint64) ceil (bytes / F32_BYTES);
}

/* ---- epilogue chains ---- */

static gboolean
has_bias (const DsLayer *l)
{
  gboolean producer = strcmp (l->kind, "linear") == 0 || g_str_has_prefix (l->kind, "conv");

  return producer && l->param_bytes > 0
         && (l->desc == NULL || strstr (l->desc, "bias=False") == NULL);
}

/* The sole consumer of each layer, or -1 (none, or several). */
static gint *
sole_consumers (const DsModel *model)
{
  guint n = ds_model_n_layers (model);
  gint *next = g_new (gint, n);

  for (guint l = 0; l < n; l++)
    next[l] = -1;
  for (guint e = 0; e < ds_model_n_edges (model); e++)
    {
      guint a, b;
      ds_model_edge (model, e, &a, &b);
      next[a] = ds_model_n_outputs (model, a) == 1 ? (gint) b : -1;
    }
  return next;
}

/* producer -> gelu -> dropout, each the sole consumer of the one before:
 * the layer index of the dropout, or -1. */
static gint
gelu_chain_end (const DsModel *model, const gint *next, guint l)
{
  gint g = next[l], d;

  if (!has_bias (ds_model_layer_const (model, l)) || g < 0
      || strcmp (ds_model_layer_const (model, (guint) g)->kind, "gelu") != 0)
    return -1;
  d = next[g];
  if (d < 0 || strcmp (ds_model_layer_const (model, (guint) d)->kind, "dropout") != 0)
    return -1;
  return d;
}

/* producer -> relu, the relu the producer's sole consumer: the relu's
 * layer index, or -1. */
static gint
relu_chain_end (const DsModel *model, const gint *next, guint l)
{
  gint r = next[l];

  if (!has_bias (ds_model_layer_const (model, l)) || r < 0
      || strcmp (ds_model_layer_const (model, (guint) r)->kind, "relu") != 0)
    return -1;
  return r;
}

/* ---- API ---- */

static void
add (double *bytes, double *launches, guint l, const Extra *e)
{
  bytes[l] += e->bytes;
  launches[l] += e->launches;
}

DsFusionWhatIf *
ds_fusion_what_if (const DsModel *model, DsOptimizerKind optimizer, GError **error)
{
  g_autoptr(DsFusionWhatIf) w = g_new0 (DsFusionWhatIf, 1);
  guint n = ds_model_n_layers (model);
  gboolean adam = optimizer == DS_OPTIMIZER_ADAM;
  Pair opt = { 0 }, epi = { 0 }, relu = { 0 };
  g_autofree gint *next = NULL;
  gboolean ok;

  w->n_layers = n;
  w->fwd_bytes = g_new0 (double, n);
  w->fwd_launches = g_new0 (double, n);
  w->opt_bytes = g_new0 (double, n);
  w->opt_launches = g_new0 (double, n);
  ok = pair_init (&opt, adam ? wir_lib_adam_fragments : wir_lib_sgd_fragments,
                  adam ? "adam" : "sgd", &w->n_sizes_costed, error)
       && pair_init (&epi, wir_lib_bias_gelu_dropout, "bias-gelu-dropout", &w->n_sizes_costed, error)
       && pair_init (&relu, wir_lib_bias_relu, "bias-relu", &w->n_sizes_costed, error);
  if (ok)
    {
      next = sole_consumers (model);
      for (guint l = 0; l < n; l++)
        {
          const DsLayer *layer = ds_model_layer_const (model, l);
          gint end = gelu_chain_end (model, next, l), relu_end = relu_chain_end (model, next, l);
          if (layer->param_bytes > 0)
            add (w->opt_bytes, w->opt_launches, l,
                 pair_extra (&opt, f32_elements ((double) layer->param_bytes)));
          if (end >= 0)
            {
              add (w->fwd_bytes, w->fwd_launches, (guint) end,
                   pair_extra (&epi, f32_elements ((double) layer->out_bytes)));
              w->n_epilogues++;
            }
          else if (relu_end >= 0)
            {
              add (w->fwd_bytes, w->fwd_launches, (guint) relu_end,
                   pair_extra (&relu, f32_elements ((double) layer->out_bytes)));
              w->n_epilogues++;
            }
        }
    }
  pair_clear (&opt);
  pair_clear (&epi);
  pair_clear (&relu);
  return ok ? g_steal_pointer (&w) : NULL;
}

void
ds_fusion_what_if_free (DsFusionWhatIf *w)
{
  if (w == NULL)
    return;
  g_free (w->fwd_bytes);
  g_free (w->fwd_launches);
  g_free (w->opt_bytes);
  g_free (w->opt_launches);
  g_free (w);
}
