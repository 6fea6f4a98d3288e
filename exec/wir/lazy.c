/* exec/wir/lazy.c - lazily evaluated WIR values (lazy.h).
 *
 * Forcing writes one program: every fragment becomes `macro fN(params) =
 * body;`, every materialized vector and scalar parameter a parameter,
 * every literal scalar its text, and the fragments are applied in
 * dependency order in a let chain whose result is the struct of the
 * forced handles. The optimizer then sees the whole chain, so vertical
 * fusion joins fragments of different libraries through the lets
 * (passes.c).
 *
 * The graph's signature (each fragment's text and how its arguments are
 * wired, the parameters' types and lengths, the forced handles) keys the
 * session's table of graphs: a known graph runs its kernel straight away.
 * Forcing into destinations runs the kernel with an allocator over the
 * session's arena; the first run of a graph records which allocation
 * became which forced vector, and later runs hand the destination itself
 * to that allocation (same program, same lengths: the same allocations in
 * the same order), so the kernel writes the caller's buffer and nothing
 * is copied. A result found elsewhere is copied, so the replay is only
 * ever an optimisation.
 */
#include "config.h"

#include "exec/wir/lazy.h"
#include "exec/wir/passes.h"
#include "exec/wir/wir-private.h"

#include <string.h>

struct _WirHandle {
  guint id;
  guint slot;                 /* while forcing: its place in the order or params */
  char *lambda;               /* a fragment not yet forced, or NULL */
  WirHandle **args;
  guint n_args;
  char *literal;              /* a literal scalar */
  char *type;                 /* a parameter's WIR type: vectors, scalar parameters */
  gboolean is_param;
  gconstpointer data;         /* a vector's elements */
  gint64 len;
  WirVal scalar;              /* a scalar parameter */
  WirValue *value;            /* owns data (copied, or forced into the session) */
  WirProgram *types;          /* owns value's type */
  WirValue *arg;              /* the kernel argument, made when first needed */
};

/* a graph seen before: its program and kernel, and which allocation of a
 * run is which forced vector */
typedef struct {
  WirProgram *prog;
  WirKernel *kernel;
  gboolean mapped;            /* a run has been recorded */
  GArray *alloc_bytes;        /* gint64, per allocation of the recorded run */
  GArray *alloc_out;          /* gint, the forced vector it became, or -1 */
} Graph;

typedef struct {
  guint8 *base;
  gsize size, used;
} Chunk;

struct _WirLazy {
  WirCOptions options;
  char *cache_dir;
  gboolean fusion;
  GPtrArray *handles;         /* WirHandle *, owned */
  GHashTable *graphs;         /* signature -> Graph * */
  GHashTable *vec_types;      /* vector type text -> itself, checked */
  GArray *chunks;             /* Chunk: the arena */
  guint cur_chunk;
  guint n_forced, n_reused;
};

static void
handle_free (WirHandle *h)
{
  g_free (h->lambda);
  g_free (h->args);
  g_free (h->literal);
  g_free (h->type);
  wir_value_free (h->arg);
  wir_value_free (h->value);
  wir_program_free (h->types);
  g_free (h);
}

static void
graph_free (Graph *g)
{
  wir_kernel_free (g->kernel);
  wir_program_free (g->prog);
  g_array_unref (g->alloc_bytes);
  g_array_unref (g->alloc_out);
  g_free (g);
}

WirLazy *
wir_lazy_new (const WirCOptions *options)
{
  WirLazy *l = g_new0 (WirLazy, 1);
  if (options != NULL)
    l->options = *options;
  l->cache_dir = g_strdup (l->options.cache_dir);
  l->options.cache_dir = l->cache_dir;
  l->fusion = TRUE;
  l->handles = g_ptr_array_new_with_free_func ((GDestroyNotify) handle_free);
  l->graphs = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) graph_free);
  l->vec_types = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  l->chunks = g_array_new (FALSE, TRUE, sizeof (Chunk));
  return l;
}

void
wir_lazy_free (WirLazy *lazy)
{
  if (lazy == NULL)
    return;
  g_ptr_array_unref (lazy->handles);      /* values before their programs */
  g_hash_table_unref (lazy->graphs);
  g_hash_table_unref (lazy->vec_types);
  for (guint k = 0; k < lazy->chunks->len; k++)
    g_free (g_array_index (lazy->chunks, Chunk, k).base);
  g_array_unref (lazy->chunks);
  g_free (lazy->cache_dir);
  g_free (lazy);
}

void
wir_lazy_set_fusion (WirLazy *lazy, gboolean fusion)
{
  lazy->fusion = fusion;
}

void
wir_lazy_reset (WirLazy *lazy)
{
  g_ptr_array_set_size (lazy->handles, 0);
}

static WirHandle *
new_handle (WirLazy *lazy)
{
  WirHandle *h = g_new0 (WirHandle, 1);
  h->id = lazy->handles->len;
  g_ptr_array_add (lazy->handles, h);
  return h;
}

/* @type parsed into @types (a fresh program when *types is NULL), checked
 * to be a vector type */
static WirType *
parse_vec_type (const char *type, WirProgram **types, GError **error)
{
  if (*types == NULL)
    *types = wir_program_parse ("|| 0", -1, "lazy", NULL);
  gsize used = 0;
  WirType *t = wir_parse_type (*types, type, strlen (type), &used, error);
  if (t == NULL)
    return NULL;
  if (wir_type_resolve (t)->kind != WIR_T_VEC || used != strlen (type))
    return g_set_error (error, WIR_ERROR, WIR_ERROR_INPUT, "'%s' is not a vector type", type), NULL;
  return t;
}

WirHandle *
wir_lazy_vector (WirLazy *lazy, const char *type, gconstpointer data, gint64 len, GError **error)
{
  g_autoptr(WirProgram) types = NULL;
  WirType *t = parse_vec_type (type, &types, error);
  if (t == NULL)
    return NULL;
  WirHandle *h = new_handle (lazy);
  h->value = wir_value_new_vec (t, data, len);
  wir_value_vec (h->value, &h->data, &h->len);
  h->types = g_steal_pointer (&types);
  h->type = g_strdup (type);
  h->is_param = TRUE;
  return h;
}

WirHandle *
wir_lazy_borrow (WirLazy *lazy, const char *type, gconstpointer data, gint64 len, GError **error)
{
  if (!g_hash_table_contains (lazy->vec_types, type))
    {
      g_autoptr(WirProgram) types = NULL;
      if (parse_vec_type (type, &types, error) == NULL)
        return NULL;
      g_hash_table_add (lazy->vec_types, g_strdup (type));
    }
  WirHandle *h = new_handle (lazy);
  h->data = data;
  h->len = len;
  h->type = g_strdup (type);
  h->is_param = TRUE;
  return h;
}

WirHandle *
wir_lazy_scalar (WirLazy *lazy, const char *literal, GError **error)
{
  g_autofree char *src = g_strdup_printf ("|| %s", literal);
  g_autoptr(WirProgram) p = wir_program_parse (src, -1, "literal", error);
  if (p == NULL)
    return NULL;
  if (p->lambda->kids[0]->kind != WIR_LIT)
    return g_set_error (error, WIR_ERROR, WIR_ERROR_INPUT, "'%s' is not a literal", literal), NULL;
  WirHandle *h = new_handle (lazy);
  h->literal = g_strdup (literal);
  return h;
}

WirHandle *
wir_lazy_f32 (WirLazy *lazy, float value)
{
  WirHandle *h = new_handle (lazy);
  h->scalar = (WirVal) { .kind = WIR_T_F32, .u.f = value };
  h->type = g_strdup ("f32");
  h->is_param = TRUE;
  return h;
}

WirHandle *
wir_lazy_i64 (WirLazy *lazy, gint64 value)
{
  WirHandle *h = new_handle (lazy);
  h->scalar = (WirVal) { .kind = WIR_T_I64, .u.i = value };
  h->type = g_strdup ("i64");
  h->is_param = TRUE;
  return h;
}

WirHandle *
wir_lazy_apply (WirLazy *lazy, const char *lambda, WirHandle *const *args, guint n_args)
{
  WirHandle *h = new_handle (lazy);
  h->lambda = g_strdup (lambda);
  h->n_args = n_args;
  h->args = g_new (WirHandle *, MAX (n_args, 1u));
  memcpy (h->args, args, n_args * sizeof *args);
  return h;
}

/* fragments reachable from @h, dependencies first; parameters in @params */
static void
collect (WirHandle *h, GHashTable *seen, GPtrArray *order, GPtrArray *params)
{
  if (g_hash_table_contains (seen, h))
    return;
  g_hash_table_add (seen, h);
  if (h->is_param)
    {
      h->slot = params->len;
      g_ptr_array_add (params, h);
      return;
    }
  for (guint k = 0; k < h->n_args; k++)
    collect (h->args[k], seen, order, params);
  if (h->lambda != NULL)
    {
      h->slot = order->len;
      g_ptr_array_add (order, h);
    }
}

/* ---- the program text, and the signature of its graph ---- */

/* "macro fN(a, b) = body;" from the fragment's lambda */
static gboolean
append_macro (GString *out, const WirHandle *h, GError **error)
{
  g_autofree char *name = g_strdup_printf ("fragment %u", h->id);
  g_autoptr(WirProgram) p = wir_program_parse (h->lambda, -1, name, error);
  if (p == NULL)
    return FALSE;
  const WirExpr *l = p->lambda;
  if (l->n_params != h->n_args)
    return g_set_error (error, WIR_ERROR, WIR_ERROR_INPUT, "%s takes %u arguments, got %u",
                        name, l->n_params, h->n_args), FALSE;
  g_string_append_printf (out, "macro f%u(", h->id);
  for (guint k = 0; k < l->n_params; k++)
    g_string_append_printf (out, "%s%s", k > 0 ? ", " : "", l->params[k].name);
  g_string_append (out, ") = ");
  wir_expr_append (out, l->kids[0]);
  g_string_append (out, ";\n");
  return TRUE;
}

static void
append_arg (GString *out, const WirHandle *a)
{
  if (a->literal != NULL)
    g_string_append_printf (out, "(%s)", a->literal);
  else if (a->is_param)
    g_string_append_printf (out, "in%u", a->slot);
  else
    g_string_append_printf (out, "h%u", a->id);
}

static char *
program_text (GPtrArray *order, GPtrArray *params, WirHandle *const *handles, guint n, GError **error)
{
  GString *out = g_string_new (NULL);
  for (guint k = 0; k < order->len; k++)
    if (!append_macro (out, order->pdata[k], error))
      return g_string_free (out, TRUE), NULL;
  g_string_append_c (out, '|');
  for (guint k = 0; k < params->len; k++)
    g_string_append_printf (out, "%sin%u: %s", k > 0 ? ", " : "", k,
                            ((WirHandle *) params->pdata[k])->type);
  g_string_append (out, "|\n");
  for (guint k = 0; k < order->len; k++)
    {
      const WirHandle *h = order->pdata[k];
      g_string_append_printf (out, "  let h%u = f%u(", h->id, h->id);
      for (guint j = 0; j < h->n_args; j++)
        {
          if (j > 0)
            g_string_append (out, ", ");
          append_arg (out, h->args[j]);
        }
      g_string_append (out, ");\n");
    }
  g_string_append (out, "  {");
  for (guint k = 0; k < n; k++)
    {
      if (k > 0)
        g_string_append (out, ", ");
      append_arg (out, handles[k]);
    }
  g_string_append (out, "}\n");
  return g_string_free (out, FALSE);
}

static void
sig_ref (GString *s, const WirHandle *a)
{
  if (a->literal != NULL)
    g_string_append_printf (s, "L%s;", a->literal);
  else if (a->is_param)
    g_string_append_printf (s, "P%u;", a->slot);
  else
    g_string_append_printf (s, "H%u;", a->slot);
}

/* Everything the program and its allocations depend on: two graphs with
 * one signature have one program text up to the handles' ids. */
static char *
signature (const WirLazy *lazy, GPtrArray *order, GPtrArray *params, WirHandle *const *handles,
           gpointer const *dests, guint n)
{
  GString *s = g_string_sized_new (1024);
  g_string_append (s, lazy->fusion ? "fused\n" : "unfused\n");
  for (guint k = 0; k < params->len; k++)
    {
      const WirHandle *p = params->pdata[k];
      g_string_append_printf (s, "%s:%" G_GINT64_FORMAT "\n", p->type,
                              p->scalar.kind != 0 || p->data == NULL ? (gint64) -1 : p->len);
    }
  for (guint k = 0; k < order->len; k++)
    {
      const WirHandle *h = order->pdata[k];
      g_string_append (s, h->lambda);
      g_string_append_c (s, '\n');
      for (guint j = 0; j < h->n_args; j++)
        sig_ref (s, h->args[j]);
      g_string_append_c (s, '\n');
    }
  for (guint k = 0; k < n; k++)
    {
      sig_ref (s, handles[k]);
      g_string_append (s, dests != NULL && dests[k] != NULL ? "d" : "-");
    }
  return g_string_free (s, FALSE);
}

/* ---- running ---- */

/* A value of no type: the kernel takes its layout from its parameters. */
static WirValue *
raw_value (WirVal v)
{
  WirValue *r = g_new0 (WirValue, 1);
  r->heap = wir_heap_new (0);
  r->v = v;
  return r;
}

static WirValue *
arg_of (WirHandle *h)
{
  if (h->value != NULL)
    return h->value;
  if (h->arg == NULL)
    {
      WirVal v = h->scalar;
      if (v.kind == 0 && h->data != NULL)
        {
          v.kind = WIR_T_VEC;
          v.u.v = g_new0 (WirVec, 1);
          v.u.v->data = (guint8 *) h->data;
          v.u.v->len = h->len;
        }
      h->arg = raw_value (v);
      if (v.kind == WIR_T_VEC)
        g_ptr_array_add (h->arg->heap->objs, v.u.v);
    }
  return h->arg;
}

static void
arena_reset (WirLazy *lazy)
{
  for (guint k = 0; k < lazy->chunks->len; k++)
    g_array_index (lazy->chunks, Chunk, k).used = 0;
  lazy->cur_chunk = 0;
}

#define ARENA_CHUNK (4u << 20)

static void *
arena_alloc (WirLazy *lazy, gsize bytes)
{
  bytes = MAX ((bytes + 63) & ~(gsize) 63, 64);
  for (; lazy->cur_chunk < lazy->chunks->len; lazy->cur_chunk++)
    {
      Chunk *c = &g_array_index (lazy->chunks, Chunk, lazy->cur_chunk);
      if (c->size - c->used >= bytes)
        {
          void *p = c->base + c->used;
          c->used += bytes;
          return p;
        }
    }
  Chunk c = { NULL, MAX (bytes, ARENA_CHUNK), bytes };
  c.base = g_try_malloc (c.size);
  if (c.base == NULL)
    return NULL;
  g_array_append_val (lazy->chunks, c);
  return c.base;
}

/* the allocator of one run: destinations where the recorded run put the
 * forced vectors, the arena elsewhere */
typedef struct {
  WirLazy *lazy;
  Graph *g;
  gpointer const *dests;
  guint next;
  GArray *seen;               /* recording: gpointer per allocation */
} RunAlloc;

static void *
run_alloc (void *self, gint64 bytes)
{
  RunAlloc *ra = self;
  Graph *g = ra->g;
  guint k = ra->next++;
  if (bytes < 0)
    return NULL;
  if (g->mapped && k < g->alloc_out->len && g_array_index (g->alloc_out, gint, k) >= 0
      && g_array_index (g->alloc_bytes, gint64, k) == bytes)
    return ra->dests[g_array_index (g->alloc_out, gint, k)];
  void *p = arena_alloc (ra->lazy, (gsize) bytes);
  if (!g->mapped)
    {
      g_array_append_val (ra->seen, p);
      g_array_append_val (g->alloc_bytes, bytes);
    }
  return p;
}

static Graph *
build_graph (WirLazy *lazy, GPtrArray *order, GPtrArray *params, WirHandle *const *handles,
             guint n, GString *log, GError **error)
{
  g_autofree char *text = program_text (order, params, handles, n, error);
  if (text == NULL)
    return NULL;
  g_autoptr(WirProgram) prog = wir_program_parse (text, -1, "lazy", error);
  if (prog == NULL || !wir_program_check (prog, FALSE, error)
      || !wir_optimize (prog, lazy->fusion, log, error))
    return g_prefix_error (error, "forcing %u fragments: ", order->len), NULL;
  WirKernel *k = wir_c_compile (prog, &lazy->options, NULL, error);
  if (k == NULL)
    return NULL;
  Graph *g = g_new0 (Graph, 1);
  g->prog = g_steal_pointer (&prog);
  g->kernel = k;
  g->alloc_bytes = g_array_new (FALSE, FALSE, sizeof (gint64));
  g->alloc_out = g_array_new (FALSE, FALSE, sizeof (gint));
  return g;
}

/* which recorded allocation, of exactly @bytes, became forced vector j
 * (at @data) */
static void
map_allocs (Graph *g, GArray *seen, guint j, gconstpointer data, gsize bytes)
{
  if (g->alloc_out->len < seen->len)
    {
      gint none = -1;
      while (g->alloc_out->len < seen->len)
        g_array_append_val (g->alloc_out, none);
    }
  for (guint k = 0; k < seen->len; k++)
    if (g_array_index (seen, gpointer, k) == data && g_array_index (g->alloc_out, gint, k) < 0
        && g_array_index (g->alloc_bytes, gint64, k) == (gint64) bytes)
      {
        g_array_index (g->alloc_out, gint, k) = (gint) j;
        return;
      }
}

static gboolean
force (WirLazy *lazy, WirHandle *const *handles, gpointer const *dests, const gint64 *lens,
       guint n, GString *log, GError **error)
{
  g_autoptr(GHashTable) seen = g_hash_table_new (NULL, NULL);
  g_autoptr(GPtrArray) order = g_ptr_array_new (), params = g_ptr_array_new ();
  gboolean into = dests != NULL;
  for (guint k = 0; k < n; k++)
    {
      collect (handles[k], seen, order, params);
      into = into && dests[k] != NULL;
    }
  /* (a materialized handle forced into a destination is copied as
   * floats: the executor's case) */
  if (order->len == 0)
    {
      /* everything is materialized already */
      for (guint k = 0; dests != NULL && k < n; k++)
        if (dests[k] != NULL && handles[k]->data != NULL && dests[k] != handles[k]->data)
          memcpy (dests[k], handles[k]->data, (gsize) MIN (handles[k]->len, lens[k]) * sizeof (float));
      return TRUE;
    }
  g_autofree char *sig = signature (lazy, order, params, handles, dests, n);
  Graph *g = g_hash_table_lookup (lazy->graphs, sig);
  if (g != NULL)
    lazy->n_reused++;
  else
    {
      g = build_graph (lazy, order, params, handles, n, log, error);
      if (g == NULL)
        return FALSE;
      g_hash_table_insert (lazy->graphs, g_steal_pointer (&sig), g);
    }

  WirValue **args = g_newa (WirValue *, params->len + 1);
  for (guint j = 0; j < params->len; j++)
    args[j] = arg_of (params->pdata[j]);
  g_autoptr(GArray) allocs = g_array_new (FALSE, FALSE, sizeof (gpointer));
  RunAlloc ra = { lazy, g, dests, 0, allocs };
  WirRunOptions ro = { 0, run_alloc, &ra };
  if (into)
    {
      arena_reset (lazy);
      if (!g->mapped)
        g_array_set_size (g->alloc_bytes, 0);
    }
  g_autoptr(WirValue) r = wir_kernel_run (g->kernel, args, params->len, into ? &ro : NULL, error);
  if (r == NULL)
    return FALSE;
  lazy->n_forced++;
  for (guint j = 0; j < n; j++)
    {
      WirHandle *h = handles[j];
      if (h->is_param || h->literal != NULL)
        {
          if (dests != NULL && dests[j] != NULL && h->data != NULL && dests[j] != h->data)
            memcpy (dests[j], h->data, (gsize) MIN (h->len, lens[j]) * sizeof (float));
          continue;
        }
      g_autoptr(WirValue) v = wir_value_field (r, j);
      gconstpointer data = NULL;
      gint64 len = 0;
      if (!wir_value_vec (v, &data, &len))
        {
          if (dests != NULL && dests[j] != NULL)
            return g_set_error (error, WIR_ERROR, WIR_ERROR_INPUT,
                                "forced value %u is not a vector", j), FALSE;
          continue;                       /* a scalar or struct: not a buffer */
        }
      g_free (h->type);
      h->type = wir_type_print (wir_value_type (v));
      if (dests != NULL && dests[j] != NULL)
        {
          if (len != lens[j])
            return g_set_error (error, WIR_ERROR, WIR_ERROR_INPUT, "forced vector %u has %"
                                G_GINT64_FORMAT " elements, its destination %" G_GINT64_FORMAT,
                                j, len, lens[j]), FALSE;
          gsize esz = wir_type_size (wir_type_resolve (wir_value_type (v))->elem);
          if (into && !g->mapped)
            map_allocs (g, allocs, j, data, (gsize) len * esz);
          if (data != dests[j])
            memcpy (dests[j], data, (gsize) len * esz);
          h->data = dests[j];
          h->len = len;
        }
      else
        {
          h->value = g_steal_pointer (&v);
          h->data = data;
          h->len = len;
        }
      h->is_param = TRUE;
      g_clear_pointer (&h->lambda, g_free);
    }
  if (into)
    g->mapped = TRUE;
  return TRUE;
}

gboolean
wir_lazy_force (WirLazy *lazy, WirHandle *const *handles, guint n, GString *log, GError **error)
{
  return force (lazy, handles, NULL, NULL, n, log, error);
}

gboolean
wir_lazy_force_into (WirLazy *lazy, WirHandle *const *handles, gpointer const *dests,
                     const gint64 *lens, guint n, GError **error)
{
  return force (lazy, handles, dests, lens, n, NULL, error);
}

gconstpointer
wir_handle_data (WirHandle *handle, gint64 *len)
{
  if (!handle->is_param || handle->data == NULL)
    return NULL;
  *len = handle->len;
  return handle->data;
}

guint
wir_lazy_n_forced (const WirLazy *lazy)
{
  return lazy->n_forced;
}

guint
wir_lazy_n_reused (const WirLazy *lazy)
{
  return lazy->n_reused;
}
