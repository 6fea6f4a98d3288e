/* planner/antichain.c - PipeDream's antichain state DAG (reference 4.1-4.3).
 *
 * Steps: pre-process the model into the "kept" graph (4.1); per kept node,
 * bitsets of ancestors, descendants and the augment extras (the ancestors
 * whose output is still needed outside the node's down-set); enumerate
 * de-augmented antichains breadth first, keyed by their sorted members in
 * a hash table (4.2); number the states by reverse post-order; then the
 * transitive Pred sets and the down-set sums (4.3).
 *
 * Invariants: kept nodes are numbered in model (file) order; state 0 is
 * the antichain of the first kept source; every state is expanded exactly
 * once and in discovery order, which is the order of the original's BFS
 * queue; state numbers are a topological order of the DAG, so Pred(s)
 * holds only states < s. Where the original iterates a hash-ordered set
 * (the augment extras, the de-augmented list) this file uses ascending
 * node order or list order, which is deterministic.
 */
#include "config.h"

#include <string.h>

#include "core/error.h"
#include "planner/antichain.h"

enum { KEPT = 0, REMOVED_INPUT = 1, REMOVED_GETITEM = 2 };

struct _DsAntichainDag {
  guint n_layers;
  guint8 *layer_kind;        /* KEPT or REMOVED_*, per model layer */
  guint n_states;
  guint nw;                  /* 64-bit words in a kept-node bitset */
  gint32 *kept_of_layer;     /* model layer -> kept index, or -1 */
  double *c_s, *act_bytes, *par_bytes, *out_bytes;
  guint32 *pred_off, *pred;  /* CSR, n_states + 1 offsets */
  guint32 *aug_off, *aug;    /* CSR, model layer indices */
  guint64 *down;             /* n_states x nw, over kept nodes */
};

/* ---- bitsets ---- */

static inline void
bit_set (guint64 *b, guint i)
{
  b[i >> 6] |= G_GUINT64_CONSTANT (1) << (i & 63);
}

static inline void
bit_clear (guint64 *b, guint i)
{
  b[i >> 6] &= ~(G_GUINT64_CONSTANT (1) << (i & 63));
}

static inline gboolean
bit_get (const guint64 *b, guint i)
{
  return (b[i >> 6] >> (i & 63)) & 1;
}

static inline gboolean
bits_intersect (const guint64 *a, const guint64 *b, guint nw)
{
  for (guint w = 0; w < nw; w++)
    if (a[w] & b[w])
      return TRUE;
  return FALSE;
}

static inline void
bits_or (guint64 *dst, const guint64 *src, guint nw)
{
  for (guint w = 0; w < nw; w++)
    dst[w] |= src[w];
}

/* ---- the kept graph (4.1) ---- */

typedef struct {
  guint nk, nw;
  guint32 *layer_of;         /* kept index -> model layer */
  guint32 *succ_off, *succ;  /* out-edges in model edge order */
  guint64 *anc, *des, *extra;  /* nk x nw each */
} Kept;

static void
kept_clear (Kept *k)
{
  g_free (k->layer_of);
  g_free (k->succ_off);
  g_free (k->succ);
  g_free (k->anc);
  g_free (k->des);
  g_free (k->extra);
}

static gboolean
desc_starts (const DsLayer *l, const char *prefix)
{
  return l->desc != NULL && g_str_has_prefix (l->desc, prefix);
}

/* PipeDream 4.1: drop Input sources, then (one pass) __getitem__ sinks. */
static void
mark_removed (DsAntichainDag *dag, const DsModel *model)
{
  guint n = dag->n_layers, ne = ds_model_n_edges (model);
  g_autofree guint *indeg = g_new0 (guint, n);
  g_autofree guint *outdeg = g_new0 (guint, n);

  for (guint e = 0; e < ne; e++)
    {
      guint s, d;
      ds_model_edge (model, e, &s, &d);
      outdeg[s]++;
      indeg[d]++;
    }
  for (guint v = 0; v < n; v++)
    if (indeg[v] == 0 && desc_starts (ds_model_layer_const (model, v), "Input"))
      dag->layer_kind[v] = REMOVED_INPUT;
  /* An Input source has no in-edges, so removing it leaves every other
   * node's out-degree as it was: "now a sink" is out-degree 0. */
  for (guint v = 0; v < n; v++)
    if (dag->layer_kind[v] == KEPT && outdeg[v] == 0
        && desc_starts (ds_model_layer_const (model, v), "__getitem__"))
      dag->layer_kind[v] = REMOVED_GETITEM;
}

static void
build_succ (Kept *k, const DsAntichainDag *dag, const DsModel *model)
{
  guint ne = ds_model_n_edges (model);

  k->succ_off = g_new0 (guint32, k->nk + 1);
  k->succ = g_new (guint32, ne + 1);
  for (guint e = 0; e < ne; e++)
    {
      guint s, d;
      ds_model_edge (model, e, &s, &d);
      if (dag->kept_of_layer[s] >= 0 && dag->kept_of_layer[d] >= 0)
        k->succ_off[dag->kept_of_layer[s] + 1]++;
    }
  for (guint v = 0; v < k->nk; v++)
    k->succ_off[v + 1] += k->succ_off[v];
  g_autofree guint32 *fill = g_memdup2 (k->succ_off, sizeof (guint32) * k->nk);
  for (guint e = 0; e < ne; e++)
    {
      guint s, d;
      ds_model_edge (model, e, &s, &d);
      if (dag->kept_of_layer[s] >= 0 && dag->kept_of_layer[d] >= 0)
        k->succ[fill[dag->kept_of_layer[s]]++] = dag->kept_of_layer[d];
    }
}

/* Kahn's algorithm; FALSE (naming a layer left on a cycle) if cyclic. */
static gboolean
topo_order (const Kept *k, guint32 *order, GError **error)
{
  g_autofree guint *indeg = g_new0 (guint, k->nk);
  guint head = 0, tail = 0;

  for (guint e = 0; e < k->succ_off[k->nk]; e++)
    indeg[k->succ[e]]++;
  for (guint v = 0; v < k->nk; v++)
    if (indeg[v] == 0)
      order[tail++] = v;
  while (head < tail)
    {
      guint v = order[head++];
      for (guint e = k->succ_off[v]; e < k->succ_off[v + 1]; e++)
        if (--indeg[k->succ[e]] == 0)
          order[tail++] = k->succ[e];
    }
  if (tail == k->nk)
    return TRUE;
  for (guint v = 0; v < k->nk; v++)
    if (indeg[v] > 0)
      return ds_fail (error, DS_ERROR_CYCLE,
                      "the model is not a DAG: layer %u is on a cycle",
                      k->layer_of[v]);
  g_assert_not_reached ();
}

/* anc, des, and extra(a) = { p in anc(a) : p -> o, o not in anc(a), o != a }
 * (PipeDream 4.2, augment), which depends on a alone. */
static gboolean
build_closures (Kept *k, GError **error)
{
  guint nk = k->nk, nw = k->nw;
  g_autofree guint32 *order = g_new (guint32, nk);

  if (!topo_order (k, order, error))
    return FALSE;
  k->anc = g_new0 (guint64, (gsize) nk * nw);
  k->des = g_new0 (guint64, (gsize) nk * nw);
  k->extra = g_new0 (guint64, (gsize) nk * nw);
  for (guint t = 0; t < nk; t++)
    {
      guint v = order[t];
      for (guint e = k->succ_off[v]; e < k->succ_off[v + 1]; e++)
        {
          guint64 *a = k->anc + (gsize) k->succ[e] * nw;
          bits_or (a, k->anc + (gsize) v * nw, nw);
          bit_set (a, v);
        }
    }
  for (guint t = nk; t-- > 0;)
    {
      guint v = order[t];
      guint64 *d = k->des + (gsize) v * nw;
      for (guint e = k->succ_off[v]; e < k->succ_off[v + 1]; e++)
        {
          bits_or (d, k->des + (gsize) k->succ[e] * nw, nw);
          bit_set (d, k->succ[e]);
        }
    }
  for (guint a = 0; a < nk; a++)
    {
      const guint64 *anc = k->anc + (gsize) a * nw;
      for (guint p = 0; p < nk; p++)
        {
          if (!bit_get (anc, p))
            continue;
          for (guint e = k->succ_off[p]; e < k->succ_off[p + 1]; e++)
            if (!bit_get (anc, k->succ[e]) && k->succ[e] != a)
              {
                bit_set (k->extra + (gsize) a * nw, p);
                break;
              }
        }
    }
  return TRUE;
}

static gboolean
build_kept (DsAntichainDag *dag, const DsModel *model, Kept *k, GError **error)
{
  mark_removed (dag, model);
  dag->kept_of_layer = g_new (gint32, dag->n_layers);
  k->layer_of = g_new (guint32, dag->n_layers + 1);
  for (guint v = 0; v < dag->n_layers; v++)
    {
      dag->kept_of_layer[v] = dag->layer_kind[v] == KEPT ? (gint32) k->nk : -1;
      if (dag->layer_kind[v] == KEPT)
        k->layer_of[k->nk++] = v;
    }
  if (k->nk == 0)
    return ds_fail (error, DS_ERROR_INVALID,
                    "model '%s': nothing to plan once Input and __getitem__ "
                    "layers are removed", ds_model_get_name (model));
  k->nw = (k->nk + 63) / 64;
  dag->nw = k->nw;
  build_succ (k, dag, model);
  return build_closures (k, error);
}

/* ---- enumeration (4.2) ---- */

typedef struct {
  const Kept *k;
  guint max_states;
  GArray *deaug;       /* guint32 kept nodes, all states' lists */
  GArray *deaug_off;   /* guint32, n + 1 */
  GArray *aug;         /* guint32 kept nodes */
  GArray *aug_off;     /* guint32, n + 1 */
  GArray *child;       /* guint32 states, each state's children contiguous */
  GArray *child_off;   /* guint32, n + 1 once all are expanded */
  GHashTable *index;   /* GBytes (sorted members) -> state + 1 */
  guint64 *tmp;        /* nw words of scratch */
} Enum;

static guint
enum_n (const Enum *en)
{
  return en->deaug_off->len - 1;
}

/* PipeDream 4.2: augment(A) = extras (ascending) followed by A. */
static void
append_augmented (Enum *en, const guint32 *a, guint n_a)
{
  guint nw = en->k->nw;

  memset (en->tmp, 0, nw * sizeof (guint64));
  for (guint i = 0; i < n_a; i++)
    bits_or (en->tmp, en->k->extra + (gsize) a[i] * nw, nw);
  for (guint w = 0; w < nw; w++)
    for (guint64 b = en->tmp[w]; b != 0; b &= b - 1)
      {
        guint32 v = w * 64 + __builtin_ctzll (b);
        g_array_append_val (en->aug, v);
      }
  g_array_append_vals (en->aug, a, n_a);
  g_array_append_val (en->aug_off, en->aug->len);
}

static gint
cmp_u32 (gconstpointer a, gconstpointer b)
{
  guint32 x = *(const guint32 *) a, y = *(const guint32 *) b;
  return (x > y) - (x < y);
}

/* Looks up (or creates) the state of de-augmented antichain @a. */
static gboolean
intern (Enum *en, const guint32 *a, guint n_a, guint32 *state, GError **error)
{
  g_autofree guint32 *sorted = g_memdup2 (a, n_a * sizeof (guint32));
  qsort (sorted, n_a, sizeof (guint32), cmp_u32);
  g_autoptr(GBytes) key = g_bytes_new_take (g_steal_pointer (&sorted),
                                            n_a * sizeof (guint32));
  gpointer hit = g_hash_table_lookup (en->index, key);

  if (hit != NULL)
    {
      *state = GPOINTER_TO_UINT (hit) - 1;
      return TRUE;
    }
  if (enum_n (en) >= en->max_states)
    return ds_fail (error, DS_ERROR_UNSUPPORTED,
                    "the model has more than %u antichain states; compress "
                    "its parallel branches first or raise the state cap",
                    en->max_states);
  *state = enum_n (en);
  g_hash_table_insert (en->index, g_steal_pointer (&key),
                       GUINT_TO_POINTER (*state + 1));
  g_array_append_vals (en->deaug, a, n_a);
  g_array_append_val (en->deaug_off, en->deaug->len);
  append_augmented (en, a, n_a);
  return TRUE;
}

/* PipeDream 4.2: deaugment(L) drops members with a transitive successor
 * in L, keeping order and the first of duplicates. */
static guint
deaugment (const Kept *k, const guint32 *l, guint n_l, const guint64 *lbits,
           guint64 *seen, guint32 *out)
{
  guint n = 0;

  for (guint i = 0; i < n_l; i++)
    {
      if (bit_get (seen, l[i])
          || bits_intersect (k->des + (gsize) l[i] * k->nw, lbits, k->nw))
        continue;
      bit_set (seen, l[i]);
      out[n++] = l[i];
    }
  for (guint i = 0; i < n; i++)
    bit_clear (seen, out[i]);
  return n;
}

/* PipeDream 4.2: next(A) for state @s; adds an edge per emission. */
static gboolean
expand (Enum *en, guint s, GError **error)
{
  const Kept *k = en->k;
  guint nw = k->nw;
  guint a0 = g_array_index (en->deaug_off, guint32, s);
  guint n_a = g_array_index (en->deaug_off, guint32, s + 1) - a0;
  guint l0 = g_array_index (en->aug_off, guint32, s);
  guint n_l = g_array_index (en->aug_off, guint32, s + 1) - l0;
  g_autofree guint32 *l = g_memdup2 (&g_array_index (en->aug, guint32, l0),
                                     n_l * sizeof (guint32));
  g_autofree guint32 *lnew = g_new (guint32, n_l);
  g_autofree guint32 *out = g_new (guint32, n_l);
  g_autofree guint64 *abits = g_new0 (guint64, nw);
  g_autofree guint64 *lbits = g_new0 (guint64, nw);
  g_autofree guint64 *seen = g_new0 (guint64, nw);

  for (guint i = 0; i < n_a; i++)
    bit_set (abits, g_array_index (en->deaug, guint32, a0 + i));
  for (guint i = 0; i < n_l; i++)
    bit_set (lbits, l[i]);
  for (guint i = 0; i < n_l; i++)
    for (guint e = k->succ_off[l[i]]; e < k->succ_off[l[i] + 1]; e++)
      {
        guint32 y = k->succ[e], t;
        if (bit_get (abits, y)
            || bits_intersect (k->des + (gsize) y * nw, lbits, nw))
          continue;
        memcpy (lnew, l, n_l * sizeof (guint32));
        lnew[i] = y;
        gboolean y_was_in = bit_get (lbits, y);
        bit_clear (lbits, l[i]);
        bit_set (lbits, y);
        guint n_out = deaugment (k, lnew, n_l, lbits, seen, out);
        if (!y_was_in)
          bit_clear (lbits, y);
        bit_set (lbits, l[i]);
        if (!intern (en, out, n_out, &t, error))
          return FALSE;
        g_array_append_val (en->child, t);
      }
  return TRUE;
}

static void
enum_clear (Enum *en)
{
  g_array_unref (en->deaug);
  g_array_unref (en->deaug_off);
  g_array_unref (en->aug);
  g_array_unref (en->aug_off);
  g_array_unref (en->child);
  g_array_unref (en->child_off);
  g_hash_table_unref (en->index);
  g_free (en->tmp);
}

static gboolean
enumerate (Enum *en, GError **error)
{
  guint32 zero = 0, seed = 0, s0;

  g_autofree guint *indeg = g_new0 (guint, en->k->nk);
  for (guint e = 0; e < en->k->succ_off[en->k->nk]; e++)
    indeg[en->k->succ[e]]++;
  /* PipeDream 4.1: the first remaining source in file order. */
  while (indeg[seed] != 0)
    seed++;
  g_array_append_val (en->deaug_off, zero);
  g_array_append_val (en->aug_off, zero);
  if (!intern (en, &seed, 1, &s0, error))
    return FALSE;
  /* The BFS queue pops states in discovery order, and a state is expanded
   * only the first time it is popped: so expanding 0, 1, 2, ... is it. */
  for (guint s = 0; s < enum_n (en); s++)
    {
      guint32 off = en->child->len;
      g_array_append_val (en->child_off, off);
      if (!expand (en, s, error))
        return FALSE;
    }
  g_array_append_val (en->child_off, en->child->len);
  return TRUE;
}

/* ---- numbering and per-state quantities (4.2, 4.3) ---- */

/* Reverse post-order of a DFS started from each unvisited state in
 * discovery order, children in edge order. Returns num[old] = new. */
static guint32 *
number_states (const Enum *en)
{
  guint n = enum_n (en), pos = n, top = 0;
  const guint32 *off = (const guint32 *) en->child_off->data;
  const guint32 *child = (const guint32 *) en->child->data;
  g_autofree guint8 *visited = g_new0 (guint8, n);
  g_autofree guint32 *stack = g_new (guint32, n);
  g_autofree guint32 *next = g_new (guint32, n);
  guint32 *num = g_new (guint32, n);

  for (guint root = 0; root < n; root++)
    {
      if (visited[root])
        continue;
      visited[root] = 1;
      stack[top++] = root;
      next[root] = off[root];
      while (top > 0)
        {
          guint v = stack[top - 1];
          if (next[v] < off[v + 1])
            {
              guint c = child[next[v]++];
              if (!visited[c])
                {
                  visited[c] = 1;
                  next[c] = off[c];
                  stack[top++] = c;
                }
              continue;
            }
          num[v] = --pos;
          top--;
        }
    }
  return num;
}

/* Pred(s) = transitive predecessors; bitsets, then CSR. */
static gboolean
build_pred (DsAntichainDag *dag, const Enum *en, const guint32 *num,
            const guint32 *old_of, GError **error)
{
  guint n = dag->n_states, nws = (n + 63) / 64;
  const guint32 *off = (const guint32 *) en->child_off->data;
  const guint32 *child = (const guint32 *) en->child->data;
  g_autofree guint64 *bits = g_new0 (guint64, (gsize) n * nws);
  guint64 total = 0;

  for (guint s = 0; s < n; s++)
    {
      guint v = old_of[s];
      const guint64 *ps = bits + (gsize) s * nws;
      for (guint e = off[v]; e < off[v + 1]; e++)
        {
          guint64 *pt = bits + (gsize) num[child[e]] * nws;
          bits_or (pt, ps, nws);
          bit_set (pt, s);
        }
      for (guint w = 0; w < nws; w++)
        total += __builtin_popcountll (ps[w]);
    }
  if (total > (G_GUINT64_CONSTANT (1) << 28))
    return ds_fail (error, DS_ERROR_UNSUPPORTED,
                    "the model's %u antichain states have %" G_GUINT64_FORMAT
                    " predecessor pairs; too many to plan", n, total);
  dag->pred_off = g_new (guint32, n + 1);
  dag->pred = g_new (guint32, total + 1);
  dag->pred_off[0] = 0;
  for (guint s = 0, m = 0; s < n; s++)
    {
      const guint64 *ps = bits + (gsize) s * nws;
      for (guint w = 0; w < nws; w++)
        for (guint64 b = ps[w]; b != 0; b &= b - 1)
          dag->pred[m++] = w * 64 + __builtin_ctzll (b);
      dag->pred_off[s + 1] = m;
    }
  return TRUE;
}

/* PipeDream 4.3: C[s], Act[s], Par[s] sum over D(s) = Aug(s) and all its
 * ancestors (ascending node order); Out[s] sums over Aug(s). */
static void
build_sums (DsAntichainDag *dag, const Kept *k, const DsModel *model,
            const Enum *en, const guint32 *old_of)
{
  guint n = dag->n_states, nw = k->nw;

  dag->c_s = g_new0 (double, n);
  dag->act_bytes = g_new0 (double, n);
  dag->par_bytes = g_new0 (double, n);
  dag->out_bytes = g_new0 (double, n);
  dag->down = g_new0 (guint64, (gsize) n * nw);
  dag->aug_off = g_new (guint32, n + 1);
  dag->aug = g_new (guint32, en->aug->len + 1);
  dag->aug_off[0] = 0;
  for (guint s = 0; s < n; s++)
    {
      guint v = old_of[s];
      guint l0 = g_array_index (en->aug_off, guint32, v);
      guint l1 = g_array_index (en->aug_off, guint32, v + 1);
      guint64 *d = dag->down + (gsize) s * nw;
      guint m = dag->aug_off[s];
      for (guint i = l0; i < l1; i++)
        {
          guint32 x = g_array_index (en->aug, guint32, i);
          const DsLayer *l = ds_model_layer_const (model, k->layer_of[x]);
          bits_or (d, k->anc + (gsize) x * nw, nw);
          bit_set (d, x);
          dag->out_bytes[s] += (double) l->out_bytes;
          dag->aug[m++] = k->layer_of[x];
        }
      dag->aug_off[s + 1] = m;
      for (guint w = 0; w < nw; w++)
        for (guint64 b = d[w]; b != 0; b &= b - 1)
          {
            guint x = w * 64 + __builtin_ctzll (b);
            const DsLayer *l = ds_model_layer_const (model, k->layer_of[x]);
            dag->c_s[s] += l->fwd_s + l->bwd_s;
            dag->act_bytes[s] += (double) l->out_bytes;
            dag->par_bytes[s] += (double) l->param_bytes;
          }
    }
}

/* ---- API ---- */

static DsAntichainDag *debug_checked (DsAntichainDag *dag);

DsAntichainDag *
ds_antichain_dag_new (const DsModel *model, guint max_states, GError **error)
{
  g_autoptr(DsAntichainDag) dag = g_new0 (DsAntichainDag, 1);
  Kept k = { 0 };
  Enum en = { 0 };
  gboolean ok;

  g_return_val_if_fail (model != NULL, NULL);
  dag->n_layers = ds_model_n_layers (model);
  dag->layer_kind = g_new0 (guint8, dag->n_layers);
  if (!build_kept (dag, model, &k, error))
    {
      kept_clear (&k);
      return NULL;
    }
  en.k = &k;
  en.max_states = max_states ? max_states : DS_ANTICHAIN_DEFAULT_MAX_STATES;
  en.deaug = g_array_new (FALSE, FALSE, sizeof (guint32));
  en.deaug_off = g_array_new (FALSE, FALSE, sizeof (guint32));
  en.aug = g_array_new (FALSE, FALSE, sizeof (guint32));
  en.aug_off = g_array_new (FALSE, FALSE, sizeof (guint32));
  en.child = g_array_new (FALSE, FALSE, sizeof (guint32));
  en.child_off = g_array_new (FALSE, FALSE, sizeof (guint32));
  en.index = g_hash_table_new_full (g_bytes_hash, g_bytes_equal,
                                    (GDestroyNotify) g_bytes_unref, NULL);
  en.tmp = g_new0 (guint64, k.nw);
  ok = enumerate (&en, error);
  if (ok)
    {
      g_autofree guint32 *num = number_states (&en);
      g_autofree guint32 *old_of = g_new (guint32, enum_n (&en));
      dag->n_states = enum_n (&en);
      for (guint v = 0; v < dag->n_states; v++)
        old_of[num[v]] = v;
      ok = build_pred (dag, &en, num, old_of, error);
      if (ok)
        build_sums (dag, &k, model, &en, old_of);
    }
  enum_clear (&en);
  kept_clear (&k);
  return ok ? debug_checked (g_steal_pointer (&dag)) : NULL;
}

/* ---- branch compression ---- */

/* Kahn's algorithm taking the smallest ready kept index first, so a file
 * order that is topological is kept as it is. O(n^2), n <= a few 1000. */
static guint32 *
min_index_order (const Kept *k)
{
  g_autofree guint *indeg = g_new0 (guint, k->nk);
  g_autofree guint8 *ready = g_new0 (guint8, k->nk);
  guint32 *order = g_new (guint32, k->nk);

  for (guint e = 0; e < k->succ_off[k->nk]; e++)
    indeg[k->succ[e]]++;
  for (guint v = 0; v < k->nk; v++)
    ready[v] = indeg[v] == 0;
  for (guint t = 0; t < k->nk; t++)
    {
      guint v = 0;
      while (!ready[v])     /* acyclic (checked), so one is ready */
        v++;
      ready[v] = 0;
      order[t] = v;
      for (guint e = k->succ_off[v]; e < k->succ_off[v + 1]; e++)
        if (--indeg[k->succ[e]] == 0)
          ready[k->succ[e]] = 1;
    }
  return order;
}

/* One state per narrow cut: D = the prefix order[0..p], Aug = the layers
 * whose outputs cross the cut (the sinks for the last state). */
static void
build_compressed (DsAntichainDag *dag, const Kept *k, const DsModel *model,
                  guint max_width)
{
  guint nk = k->nk, nw = k->nw, n = 0;
  g_autofree guint32 *order = min_index_order (k);
  g_autofree guint32 *pos = g_new (guint32, nk);
  g_autofree gint32 *last = g_new (gint32, nk);
  g_autofree guint32 *cut = g_new (guint32, nk);
  g_autoptr(GArray) aug = g_array_new (FALSE, FALSE, sizeof (guint32));
  g_autofree guint64 *prefix = g_new0 (guint64, nw);

  for (guint t = 0; t < nk; t++)
    pos[order[t]] = t;
  for (guint v = 0; v < nk; v++)
    {
      last[v] = -1;
      for (guint e = k->succ_off[v]; e < k->succ_off[v + 1]; e++)
        last[v] = MAX (last[v], (gint32) pos[k->succ[e]]);
    }
  for (guint p = 0; p < nk; p++)
    {
      guint width = 0;
      for (guint t = 0; t <= p; t++)
        width += last[order[t]] > (gint32) p;
      if (width <= max_width || p == nk - 1)
        cut[n++] = p;
    }
  dag->n_states = n;
  dag->c_s = g_new0 (double, n);
  dag->act_bytes = g_new0 (double, n);
  dag->par_bytes = g_new0 (double, n);
  dag->out_bytes = g_new0 (double, n);
  dag->down = g_new0 (guint64, (gsize) n * nw);
  dag->aug_off = g_new (guint32, n + 1);
  dag->pred_off = g_new (guint32, n + 1);
  dag->pred = g_new (guint32, (gsize) n * (n - 1) / 2 + 1);
  dag->aug_off[0] = dag->pred_off[0] = 0;
  for (guint s = 0, t = 0; s < n; s++)
    {
      for (; t <= cut[s]; t++)
        bit_set (prefix, order[t]);
      memcpy (dag->down + (gsize) s * nw, prefix, nw * sizeof (guint64));
      for (guint x = 0; x < nk; x++)
        if (bit_get (prefix, x))
          {
            const DsLayer *l = ds_model_layer_const (model, k->layer_of[x]);
            dag->c_s[s] += l->fwd_s + l->bwd_s;
            dag->act_bytes[s] += (double) l->out_bytes;
            dag->par_bytes[s] += (double) l->param_bytes;
            if (last[x] > (gint32) cut[s] || (s == n - 1 && last[x] < 0))
              {
                dag->out_bytes[s] += (double) l->out_bytes;
                g_array_append_val (aug, k->layer_of[x]);
              }
          }
      dag->aug_off[s + 1] = aug->len;
      dag->pred_off[s + 1] = dag->pred_off[s] + s;
      for (guint q = 0; q < s; q++)
        dag->pred[dag->pred_off[s] + q] = q;
    }
  dag->aug = g_new (guint32, aug->len + 1);
  memcpy (dag->aug, aug->data, aug->len * sizeof (guint32));
}

DsAntichainDag *
ds_antichain_dag_new_compressed (const DsModel *model, guint max_width,
                                 GError **error)
{
  g_autoptr(DsAntichainDag) dag = g_new0 (DsAntichainDag, 1);
  Kept k = { 0 };

  g_return_val_if_fail (model != NULL, NULL);
  dag->n_layers = ds_model_n_layers (model);
  dag->layer_kind = g_new0 (guint8, dag->n_layers);
  if (!build_kept (dag, model, &k, error))
    {
      kept_clear (&k);
      return NULL;
    }
  build_compressed (dag, &k, model, MAX (max_width, 1));
  kept_clear (&k);
  return debug_checked (g_steal_pointer (&dag));
}

void
ds_antichain_dag_check (const DsAntichainDag *dag)
{
  guint nw = dag->nw, n = dag->n_states;

  g_assert (n >= 1);
  for (guint s = 0; s < n; s++)
    {
      const guint64 *ds = dag->down + (gsize) s * nw;
      for (guint x = dag->pred_off[s]; x < dag->pred_off[s + 1]; x++)
        {
          guint p = dag->pred[x];
          const guint64 *dp = dag->down + (gsize) p * nw;
          g_assert (p < s);
          g_assert (x == dag->pred_off[s] || dag->pred[x - 1] < p);
          for (guint w = 0; w < nw; w++)
            g_assert ((dp[w] & ~ds[w]) == 0);
          g_assert (dag->c_s[p] <= dag->c_s[s]);
        }
      for (guint x = dag->aug_off[s]; x < dag->aug_off[s + 1]; x++)
        g_assert (ds_antichain_dag_in_downset (dag, s, dag->aug[x]));
    }
  for (guint v = 0; v < dag->n_layers; v++)
    g_assert (dag->kept_of_layer[v] < 0 || ds_antichain_dag_in_downset (dag, n - 1, v));
}

static DsAntichainDag *
debug_checked (DsAntichainDag *dag)
{
  if (dag != NULL && g_getenv ("DS_DEBUG_CHECK") != NULL)
    ds_antichain_dag_check (dag);
  return dag;
}

void
ds_antichain_dag_free (DsAntichainDag *dag)
{
  if (dag == NULL)
    return;
  g_free (dag->layer_kind);
  g_free (dag->kept_of_layer);
  g_free (dag->c_s);
  g_free (dag->act_bytes);
  g_free (dag->par_bytes);
  g_free (dag->out_bytes);
  g_free (dag->pred_off);
  g_free (dag->pred);
  g_free (dag->aug_off);
  g_free (dag->aug);
  g_free (dag->down);
  g_free (dag);
}

guint
ds_antichain_dag_n_states (const DsAntichainDag *dag)
{
  return dag->n_states;
}

guint
ds_antichain_dag_n_layers (const DsAntichainDag *dag)
{
  return dag->n_layers;
}

gboolean
ds_antichain_dag_is_kept (const DsAntichainDag *dag, guint layer_idx,
                          gboolean *is_input)
{
  g_return_val_if_fail (layer_idx < dag->n_layers, FALSE);
  if (is_input != NULL)
    *is_input = dag->layer_kind[layer_idx] == REMOVED_INPUT;
  return dag->layer_kind[layer_idx] == KEPT;
}

double
ds_antichain_dag_compute_s (const DsAntichainDag *dag, guint s)
{
  g_return_val_if_fail (s < dag->n_states, 0);
  return dag->c_s[s];
}

double
ds_antichain_dag_act_bytes (const DsAntichainDag *dag, guint s)
{
  g_return_val_if_fail (s < dag->n_states, 0);
  return dag->act_bytes[s];
}

double
ds_antichain_dag_param_bytes (const DsAntichainDag *dag, guint s)
{
  g_return_val_if_fail (s < dag->n_states, 0);
  return dag->par_bytes[s];
}

double
ds_antichain_dag_out_bytes (const DsAntichainDag *dag, guint s)
{
  g_return_val_if_fail (s < dag->n_states, 0);
  return dag->out_bytes[s];
}

const guint32 *
ds_antichain_dag_pred (const DsAntichainDag *dag, guint s, guint *n_pred)
{
  g_return_val_if_fail (s < dag->n_states, NULL);
  *n_pred = dag->pred_off[s + 1] - dag->pred_off[s];
  return dag->pred + dag->pred_off[s];
}

const guint32 *
ds_antichain_dag_antichain (const DsAntichainDag *dag, guint s, guint *n_layers)
{
  g_return_val_if_fail (s < dag->n_states, NULL);
  *n_layers = dag->aug_off[s + 1] - dag->aug_off[s];
  return dag->aug + dag->aug_off[s];
}

gboolean
ds_antichain_dag_in_downset (const DsAntichainDag *dag, guint s, guint layer_idx)
{
  g_return_val_if_fail (s < dag->n_states && layer_idx < dag->n_layers, FALSE);
  if (dag->kept_of_layer[layer_idx] < 0)
    return FALSE;
  return bit_get (dag->down + (gsize) s * dag->nw, dag->kept_of_layer[layer_idx]);
}
