/* exec/wir/lazy.c - lazily evaluated WIR values (lazy.h).
 *
 * Forcing writes one program: every fragment becomes `macro fN(params) =
 * body;`, every materialized vector a parameter, every scalar its literal,
 * and the fragments are applied in dependency order in a let chain whose
 * result is the struct of the forced handles. The optimizer then sees the
 * whole chain, so vertical fusion joins fragments of different libraries
 * through the lets (passes.c).
 */
#include "config.h"

#include "exec/wir/lazy.h"
#include "exec/wir/passes.h"
#include "exec/wir/wir-private.h"

#include <string.h>

struct _WirHandle {
  guint id;
  char *lambda;               /* a fragment not yet forced, or NULL */
  WirHandle **args;
  guint n_args;
  char *literal;              /* a scalar */
  WirValue *value;            /* a materialized vector */
  WirProgram *types;          /* owns value's type */
};

struct _WirLazy {
  WirCOptions options;
  char *cache_dir;
  GPtrArray *handles;         /* WirHandle *, owned */
  GPtrArray *programs;        /* forced programs: their kernels' and values' types */
  guint n_forced;
};

static void
handle_free (WirHandle *h)
{
  g_free (h->lambda);
  g_free (h->args);
  g_free (h->literal);
  wir_value_free (h->value);
  wir_program_free (h->types);
  g_free (h);
}

WirLazy *
wir_lazy_new (const WirCOptions *options)
{
  WirLazy *l = g_new0 (WirLazy, 1);
  if (options != NULL)
    l->options = *options;
  l->cache_dir = g_strdup (l->options.cache_dir);
  l->options.cache_dir = l->cache_dir;
  l->handles = g_ptr_array_new_with_free_func ((GDestroyNotify) handle_free);
  l->programs = g_ptr_array_new_with_free_func ((GDestroyNotify) wir_program_free);
  return l;
}

void
wir_lazy_free (WirLazy *lazy)
{
  if (lazy == NULL)
    return;
  g_ptr_array_unref (lazy->handles);      /* values before their programs */
  g_ptr_array_unref (lazy->programs);
  g_free (lazy->cache_dir);
  g_free (lazy);
}

static WirHandle *
new_handle (WirLazy *lazy)
{
  WirHandle *h = g_new0 (WirHandle, 1);
  h->id = lazy->handles->len;
  g_ptr_array_add (lazy->handles, h);
  return h;
}

WirHandle *
wir_lazy_vector (WirLazy *lazy, const char *type, gconstpointer data, gint64 len, GError **error)
{
  g_autoptr(WirProgram) types = wir_program_parse ("|| 0", -1, "lazy", NULL);
  gsize used = 0;
  WirType *t = wir_parse_type (types, type, strlen (type), &used, error);
  if (t == NULL)
    return NULL;
  if (wir_type_resolve (t)->kind != WIR_T_VEC || used != strlen (type))
    return g_set_error (error, WIR_ERROR, WIR_ERROR_INPUT, "'%s' is not a vector type", type), NULL;
  WirHandle *h = new_handle (lazy);
  h->value = wir_value_new_vec (t, data, len);
  h->types = g_steal_pointer (&types);
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
wir_lazy_apply (WirLazy *lazy, const char *lambda, WirHandle *const *args, guint n_args)
{
  WirHandle *h = new_handle (lazy);
  h->lambda = g_strdup (lambda);
  h->n_args = n_args;
  h->args = g_new (WirHandle *, MAX (n_args, 1u));
  memcpy (h->args, args, n_args * sizeof *args);
  return h;
}

/* fragments reachable from @h, dependencies first; vectors in @params */
static void
collect (WirHandle *h, GHashTable *seen, GPtrArray *order, GPtrArray *params)
{
  if (g_hash_table_contains (seen, h))
    return;
  g_hash_table_add (seen, h);
  if (h->value != NULL)
    {
      g_ptr_array_add (params, h);
      return;
    }
  for (guint k = 0; k < h->n_args; k++)
    collect (h->args[k], seen, order, params);
  if (h->lambda != NULL)
    g_ptr_array_add (order, h);
}

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
append_arg (GString *out, const WirHandle *a, GPtrArray *params)
{
  if (a->literal != NULL)
    g_string_append_printf (out, "(%s)", a->literal);
  else if (a->value != NULL)
    {
      guint k;
      g_ptr_array_find (params, a, &k);
      g_string_append_printf (out, "in%u", k);
    }
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
    {
      g_autofree char *t = wir_type_print (wir_value_type (((WirHandle *) params->pdata[k])->value));
      g_string_append_printf (out, "%sin%u: %s", k > 0 ? ", " : "", k, t);
    }
  g_string_append (out, "|\n");
  for (guint k = 0; k < order->len; k++)
    {
      const WirHandle *h = order->pdata[k];
      g_string_append_printf (out, "  let h%u = f%u(", h->id, h->id);
      for (guint j = 0; j < h->n_args; j++)
        {
          if (j > 0)
            g_string_append (out, ", ");
          append_arg (out, h->args[j], params);
        }
      g_string_append (out, ");\n");
    }
  g_string_append (out, "  {");
  for (guint k = 0; k < n; k++)
    {
      if (k > 0)
        g_string_append (out, ", ");
      append_arg (out, handles[k], params);
    }
  g_string_append (out, "}\n");
  return g_string_free (out, FALSE);
}

gboolean
wir_lazy_force (WirLazy *lazy, WirHandle *const *handles, guint n, GString *log, GError **error)
{
  g_autoptr(GHashTable) seen = g_hash_table_new (NULL, NULL);
  g_autoptr(GPtrArray) order = g_ptr_array_new (), params = g_ptr_array_new ();
  for (guint k = 0; k < n; k++)
    collect (handles[k], seen, order, params);
  if (order->len == 0)
    return TRUE;                /* everything is materialized already */
  g_autofree char *text = program_text (order, params, handles, n, error);
  if (text == NULL)
    return FALSE;
  g_autoptr(WirProgram) prog = wir_program_parse (text, -1, "lazy", error);
  if (prog == NULL || !wir_program_check (prog, FALSE, error)
      || !wir_optimize (prog, TRUE, log, error))
    return g_prefix_error (error, "forcing %u fragments: ", order->len), FALSE;
  g_autoptr(WirKernel) k = wir_c_compile (prog, &lazy->options, NULL, error);
  if (k == NULL)
    return FALSE;
  WirValue **args = g_newa (WirValue *, params->len + 1);
  for (guint j = 0; j < params->len; j++)
    args[j] = ((WirHandle *) params->pdata[j])->value;
  g_autoptr(WirValue) r = wir_kernel_run (k, args, params->len, NULL, error);
  if (r == NULL)
    return FALSE;
  lazy->n_forced++;
  for (guint j = 0; j < n; j++)
    {
      WirHandle *h = handles[j];
      if (h->value != NULL || h->literal != NULL)
        continue;
      h->value = wir_value_field (r, j);
      g_clear_pointer (&h->lambda, g_free);
    }
  g_ptr_array_add (lazy->programs, g_steal_pointer (&prog));
  return TRUE;
}

gconstpointer
wir_handle_data (WirHandle *handle, gint64 *len)
{
  gconstpointer data = NULL;
  if (handle->value == NULL || !wir_value_vec (handle->value, &data, len))
    return NULL;
  return data;
}

guint
wir_lazy_n_forced (const WirLazy *lazy)
{
  return lazy->n_forced;
}
