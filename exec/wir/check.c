/* exec/wir/check.c - macro expansion, name resolution and type inference.
 *
 * Expansion (weld.md §8.5, the `inline-apply` pass) is hygienic: a macro's
 * own binders get fresh names, a non-lambda argument used more than once is
 * bound with `let` first (call by value), and a lambda argument is
 * beta-reduced where the macro applies it.
 *
 * Typing (weld.md §4) is unification over the whole program, in two
 * phases: infer() walks the tree binding type variables (an untyped
 * `appender`, `merger[?, +]`, untyped lambda parameters), then validate()
 * walks it again with every type known and applies the rules that need
 * resolved types (numeric operands, float-only math, no vector
 * comparison, storage-only f16/bf16). Every error names the expression
 * at fault and its position.
 */
#include "config.h"

#include "exec/wir/wir-private.h"

#include <string.h>

#define WIR_MAX_EXPANSION 64

/* ---- macro expansion ---- */

typedef struct Scope {
  const char *name;
  WirExpr *repl;            /* what the name stands for */
  const struct Scope *up;
} Scope;

typedef struct {
  WirProgram *prog;
  GError **error;
  guint depth;
  guint32 site_start, site_end;   /* the call being instantiated */
} Expander;

static WirExpr *expand (Expander *x, const WirExpr *e, const Scope *scope, gboolean rename);

static const Scope *
scope_find (const Scope *s, const char *name)
{
  for (; s != NULL; s = s->up)
    if (strcmp (s->name, name) == 0)
      return s;
  return NULL;
}

static guint
count_uses (const WirExpr *e, const char *name)
{
  guint n = e->kind == WIR_IDENT && strcmp (e->name, name) == 0;
  for (guint k = 0; k < e->n_kids; k++)
    n += count_uses (e->kids[k], name);
  if (e->kind == WIR_APPLY && strcmp (e->name, name) == 0)
    n++;
  return n;
}

static gboolean
is_trivial (const WirExpr *e)
{
  return e->kind == WIR_IDENT || e->kind == WIR_LIT || e->kind == WIR_LAMBDA;
}

/* Binds @params to @args in a new scope: trivial arguments (and those used
 * at most once) are substituted, the others bound by `let` around the
 * result; *lets collects those lets, outermost first. */
static Scope *
bind_args (Expander *x, char *const *params, guint n, WirExpr **args,
           const WirExpr *body, GPtrArray *lets)
{
  Scope *top = NULL;
  for (guint k = 0; k < n; k++)
    {
      Scope *s = g_new0 (Scope, 1);
      s->name = params[k];
      s->up = top;
      if (is_trivial (args[k]) || count_uses (body, params[k]) <= 1)
        s->repl = args[k];
      else
        {
          WirExpr *let = wir_expr_new (x->prog, WIR_LET, 2);
          let->name = wir_fresh_name (x->prog, params[k]);
          let->kids[0] = args[k];
          let->start = x->site_start;
          let->end = x->site_end;
          g_ptr_array_add (lets, let);
          s->repl = wir_expr_ident (x->prog, let->name);
        }
      top = s;
    }
  return top;
}

static void
scope_free (Scope *s, guint n)
{
  while (n-- > 0 && s != NULL)
    {
      Scope *up = (Scope *) s->up;
      g_free (s);
      s = up;
    }
}

static WirExpr *
wrap_lets (GPtrArray *lets, WirExpr *body)
{
  for (guint k = lets->len; k-- > 0;)
    {
      WirExpr *let = lets->pdata[k];
      let->kids[1] = body;
      body = let;
    }
  return body;
}

static WirExpr *
instantiate (Expander *x, char *const *params, guint n, WirExpr **args,
             const WirExpr *body, gboolean rename, const WirExpr *site)
{
  if (++x->depth > WIR_MAX_EXPANSION)
    {
      wir_fail_at (x->prog, x->error, WIR_ERROR_TYPE, site->start, site->end,
                   "macro expansion deeper than %d (recursive macro?)", WIR_MAX_EXPANSION);
      return NULL;
    }
  g_autoptr(GPtrArray) lets = g_ptr_array_new ();
  guint32 save_s = x->site_start, save_e = x->site_end;
  if (rename)
    {
      x->site_start = site->start;
      x->site_end = site->end;
    }
  Scope *scope = bind_args (x, params, n, args, body, lets);
  WirExpr *r = expand (x, body, scope, rename);
  scope_free (scope, n);
  x->site_start = save_s;
  x->site_end = save_e;
  x->depth--;
  return r != NULL ? wrap_lets (lets, r) : NULL;
}

static WirExpr *
expand_apply (Expander *x, const WirExpr *e, const Scope *scope, WirExpr **args)
{
  const Scope *s = scope_find (scope, e->name);
  if (s != NULL && s->repl->kind == WIR_LAMBDA)
    {
      const WirExpr *f = s->repl;
      if (f->n_params != e->n_kids)
        return wir_fail_at (x->prog, x->error, WIR_ERROR_TYPE, e->start, e->end,
                            "'%s' takes %u arguments, got %u", e->name, f->n_params,
                            e->n_kids), NULL;
      char **names = g_newa (char *, f->n_params + 1);
      for (guint k = 0; k < f->n_params; k++)
        names[k] = f->params[k].name;
      return instantiate (x, names, f->n_params, args, f->kids[0], FALSE, e);
    }
  for (guint k = x->prog->macros->len; k-- > 0;)
    {
      const WirMacro *m = g_ptr_array_index (x->prog->macros, k);
      if (strcmp (m->name, e->name) != 0)
        continue;
      if (m->n_params != e->n_kids)
        return wir_fail_at (x->prog, x->error, WIR_ERROR_TYPE, e->start, e->end,
                            "macro '%s' takes %u arguments, got %u", m->name,
                            m->n_params, e->n_kids), NULL;
      return instantiate (x, m->params, m->n_params, args, m->body, TRUE, e);
    }
  wir_fail_at (x->prog, x->error, WIR_ERROR_TYPE, e->start, e->end,
               "unknown function '%s'", e->name);
  return NULL;
}

/* a binder: rename it (macro bodies) or keep it, shadowing any entry */
static Scope *
push_binder (Expander *x, const char **name, const Scope *up, gboolean rename)
{
  Scope *s = g_new0 (Scope, 1);
  s->name = *name;
  if (rename)
    *name = wir_fresh_name (x->prog, *name);
  s->repl = wir_expr_ident (x->prog, *name);
  s->up = up;
  return s;
}

/* A macro argument may be an iterator: for(v, ...) with v := iter(...)
 * or zip(...) becomes the for over that iterator. */
static WirExpr *
normalize_iters (Expander *x, WirExpr *f)
{
  guint n = f->n_kids - 2;
  for (guint k = 0; k < n; k++)
    {
      WirExpr *it = f->kids[k];
      if (it->iter_kind == WIR_ITER_SIMPLE && it->kids[0]->kind == WIR_ITER)
        f->kids[k] = it->kids[0];
    }
  WirExpr *z = f->kids[0];
  if (n == 1 && z->iter_kind == WIR_ITER_SIMPLE && z->kids[0]->kind == WIR_APPLY
      && strcmp (z->kids[0]->name, "zip") == 0)
    {
      WirExpr *args = z->kids[0];
      if (args->n_kids == 0)
        return wir_fail_at (x->prog, x->error, WIR_ERROR_TYPE, args->start, args->end,
                            "zip needs at least one iterator"), NULL;
      WirExpr *g = wir_expr_new (x->prog, WIR_FOR, args->n_kids + 2);
      WirExpr **kids = g->kids;
      *g = *f;
      g->kids = kids;
      g->n_kids = args->n_kids + 2;
      g->is_zip = TRUE;
      for (guint k = 0; k < args->n_kids; k++)
        {
          WirExpr *a = args->kids[k];
          if (a->kind != WIR_ITER)
            {
              WirExpr *w = wir_expr_new (x->prog, WIR_ITER, 1);
              w->start = a->start, w->end = a->end;
              w->iter_kind = WIR_ITER_SIMPLE;
              w->kids[0] = a;
              a = w;
            }
          g->kids[k] = a;
        }
      g->kids[args->n_kids] = f->kids[1];
      g->kids[args->n_kids + 1] = f->kids[2];
      return g;
    }
  return f;
}

static WirExpr *
expand (Expander *x, const WirExpr *e, const Scope *scope, gboolean rename)
{
  if (e->kind == WIR_IDENT)
    {
      const Scope *s = scope_find (scope, e->name);
      WirExpr *c = s != NULL ? wir_expr_clone (x->prog, s->repl) : wir_expr_copy (x->prog, e);
      if (s != NULL && c->kind == WIR_IDENT)
        {
          c->start = e->start, c->end = e->end;
          c->ascribed = e->ascribed;
        }
      return c;
    }
  WirExpr *c = wir_expr_copy (x->prog, e);
  if (c->start == 0 && c->end == 0)
    c->start = x->site_start, c->end = x->site_end;
  if (e->kind == WIR_LET)
    {
      if ((c->kids[0] = expand (x, e->kids[0], scope, rename)) == NULL)
        return NULL;
      Scope *s = push_binder (x, (const char **) &c->name, scope, rename);
      c->kids[1] = expand (x, e->kids[1], s, rename);
      g_free (s);
      return c->kids[1] != NULL ? c : NULL;
    }
  if (e->kind == WIR_LAMBDA)
    {
      Scope *top = (Scope *) scope;
      for (guint k = 0; k < c->n_params; k++)
        top = push_binder (x, (const char **) &c->params[k].name, top, rename);
      c->kids[0] = expand (x, e->kids[0], top, rename);
      scope_free (top, c->n_params);
      return c->kids[0] != NULL ? c : NULL;
    }
  for (guint k = 0; k < c->n_kids; k++)
    if ((c->kids[k] = expand (x, e->kids[k], scope, rename)) == NULL)
      return NULL;
  if (e->kind == WIR_FOR)
    return normalize_iters (x, c);
  if (e->kind == WIR_APPLY && strcmp (e->name, "zip") == 0)
    return c;                   /* a for's iterators, unpacked there */
  if (e->kind == WIR_APPLY)
    {
      WirExpr *r = expand_apply (x, e, scope, c->kids);
      if (r != NULL && e->ascribed != NULL)
        r->ascribed = e->ascribed;
      return r;
    }
  return c;
}

gboolean
wir_expand_macros (WirProgram *prog, GError **error)
{
  Expander x = { prog, error, 0, 0, 0 };
  WirExpr *l = expand (&x, prog->lambda, NULL, FALSE);
  if (l == NULL)
    return FALSE;
  prog->lambda = l;
  return TRUE;
}

/* ---- type inference ---- */

typedef struct Binder {
  const char *name;
  WirType *type;
  int slot;
  const struct Binder *up;
} Binder;

typedef struct {
  WirProgram *prog;
  GError **error;
} Checker;

static WirType *infer (Checker *c, WirExpr *e, const Binder *env);

static gboolean
occurs (WirType *var, WirType *t)
{
  t = wir_type_resolve (t);
  if (t == var)
    return TRUE;
  if (t->elem != NULL && occurs (var, t->elem))
    return TRUE;
  for (guint k = 0; k < t->n_fields; k++)
    if (occurs (var, t->fields[k]))
      return TRUE;
  return FALSE;
}

static gboolean
unify (WirType *a, WirType *b)
{
  a = wir_type_resolve (a);
  b = wir_type_resolve (b);
  if (a == b)
    return TRUE;
  if (a->kind == WIR_T_VAR)
    {
      if (occurs (a, b))
        return FALSE;
      a->link = b;
      return TRUE;
    }
  if (b->kind == WIR_T_VAR)
    return unify (b, a);
  if (a->kind != b->kind || a->n_fields != b->n_fields)
    return FALSE;
  if ((a->kind == WIR_T_MERGER || a->kind == WIR_T_VECMERGER)
      && (a->op != b->op || a->combine != b->combine))
    return FALSE;
  if (a->elem != NULL && !unify (a->elem, b->elem))
    return FALSE;
  for (guint k = 0; k < a->n_fields; k++)
    if (!unify (a->fields[k], b->fields[k]))
      return FALSE;
  return TRUE;
}

/* a copy of @t whose unknowns are fresh variables, so that checking the
 * same tree twice (after a pass) starts from what the text said */
static WirType *
fresh_copy (WirProgram *prog, WirType *t)
{
  if (t == NULL)
    return wir_type_new (prog, WIR_T_VAR);
  if (t->kind == WIR_T_VAR)
    return t->link != NULL ? fresh_copy (prog, t->link) : wir_type_new (prog, WIR_T_VAR);
  if (!wir_type_has_var (t))
    return t;
  WirType *c = wir_type_new (prog, t->kind);
  *c = *t;
  if (t->elem != NULL)
    c->elem = fresh_copy (prog, t->elem);
  if (t->n_fields > 0)
    {
      c->fields = wir_alloc (prog, t->n_fields * sizeof *c->fields);
      for (guint k = 0; k < t->n_fields; k++)
        c->fields[k] = fresh_copy (prog, t->fields[k]);
    }
  return c;
}

static WirType *
mk (Checker *c, WirTypeKind kind, WirType *elem)
{
  WirType *t = wir_type_new (c->prog, kind);
  t->elem = elem;
  return t;
}

static WirType *
var (Checker *c)
{
  return wir_type_new (c->prog, WIR_T_VAR);
}

static gpointer
type_error (Checker *c, const WirExpr *e, const char *fmt, ...) G_GNUC_PRINTF (3, 4);

static gpointer
type_error (Checker *c, const WirExpr *e, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  g_autofree char *msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  g_autofree char *text = wir_expr_print (e);
  if (strlen (text) > 60)
    strcpy (text + 56, " ...");
  wir_fail_at (c->prog, c->error, WIR_ERROR_TYPE, e->start, e->end,
               "type error in '%s': %s", text, msg);
  return NULL;
}

static gpointer
mismatch (Checker *c, const WirExpr *e, const char *what, WirType *want, WirType *got)
{
  g_autofree char *w = wir_type_print (want);
  g_autofree char *g = wir_type_print (got);
  return type_error (c, e, "%s: expected %s, got %s", what, w, g);
}

static WirType *
expect_kid (Checker *c, WirExpr *e, guint k, WirType *want, const Binder *env, const char *what)
{
  WirType *t = infer (c, e->kids[k], env);
  if (t == NULL)
    return NULL;
  if (!unify (t, want))
    return mismatch (c, e->kids[k], what, want, t);
  return t;
}

static WirType *
i64_t (Checker *c)
{
  return wir_type_scalar (c->prog, WIR_T_I64);
}

static Binder *
bind (Checker *c, const char *name, WirType *t, const Binder *up, int *slot)
{
  Binder *b = g_new0 (Binder, 1);
  b->name = name;
  b->type = t;
  b->slot = (int) c->prog->n_slots++;
  b->up = up;
  *slot = b->slot;
  return b;
}

static WirType *
infer_iter (Checker *c, WirExpr *it, const Binder *env)
{
  WirType *elem = var (c);
  guint first_i64 = 1;
  if (it->iter_kind == WIR_ITER_RANGE)
    {
      elem = i64_t (c);
      first_i64 = 0;
    }
  else if (!expect_kid (c, it, 0, mk (c, WIR_T_VEC, elem), env, "an iterator needs a vector"))
    return NULL;
  guint n_i64 = it->iter_kind == WIR_ITER_SIMPLE ? 0 : 3;
  for (guint k = first_i64; k < first_i64 + n_i64; k++)
    if (!expect_kid (c, it, k, i64_t (c), env, "iterator bounds are i64"))
      return NULL;
  if (it->iter_kind == WIR_ITER_ND)
    for (guint k = 4; k < 6; k++)
      if (!expect_kid (c, it, k, mk (c, WIR_T_VEC, i64_t (c)), env, "nditer shape and strides are vec[i64]"))
        return NULL;
  it->type = elem;
  return elem;
}

static WirType *
infer_for (Checker *c, WirExpr *e, const Binder *env)
{
  guint n_iters = e->n_kids - 2;
  WirType *x = NULL;
  if (e->is_zip)
    {
      x = wir_type_new (c->prog, WIR_T_STRUCT);
      x->n_fields = n_iters;
      x->fields = wir_alloc (c->prog, n_iters * sizeof *x->fields);
    }
  for (guint k = 0; k < n_iters; k++)
    {
      WirType *t = infer_iter (c, e->kids[k], env);
      if (t == NULL)
        return NULL;
      if (e->is_zip)
        x->fields[k] = t;
      else
        x = t;
    }
  WirType *b = infer (c, e->kids[n_iters], env);
  if (b == NULL)
    return NULL;
  WirExpr *f = e->kids[n_iters + 1];
  if (f->n_params != 3)
    return type_error (c, f, "a for's update function takes 3 parameters |b, i, x|, got %u", f->n_params);
  WirType *want[3] = { b, i64_t (c), x };
  const char *what[3] = { "the builder parameter", "the index parameter", "the element parameter" };
  Binder *top = (Binder *) env;
  guint bound = 0;
  WirType *body = NULL;
  for (; bound < 3; bound++)
    {
      guint k = bound;
      if (f->params[k].type != NULL && !unify (fresh_copy (c->prog, f->params[k].type), want[k]))
        {
          mismatch (c, f, what[k], want[k], f->params[k].type);
          break;
        }
      f->params[k].itype = want[k];
      top = bind (c, f->params[k].name, want[k], top, &f->params[k].slot);
    }
  if (bound == 3)
    body = infer (c, f->kids[0], top);
  for (; bound > 0; bound--)         /* also when a parameter's type failed */
    {
      Binder *up = (Binder *) top->up;
      g_free (top);
      top = up;
    }
  if (body == NULL)
    return NULL;
  if (!unify (body, b))
    return mismatch (c, f->kids[0], "a for's body must return its builder", b, body);
  f->type = b;
  return b;
}

static WirType *
infer_merge (Checker *c, WirExpr *e, const Binder *env)
{
  WirType *b = infer (c, e->kids[0], env);
  WirType *v = b != NULL ? infer (c, e->kids[1], env) : NULL;
  if (v == NULL)
    return NULL;
  WirType *r = wir_type_resolve (b);
  WirType *want;
  switch (r->kind)
    {
    case WIR_T_APPENDER:
    case WIR_T_MERGER:
      want = r->elem;
      break;
    case WIR_T_VECMERGER:
      want = wir_type_new (c->prog, WIR_T_STRUCT);
      want->n_fields = 2;
      want->fields = wir_alloc (c->prog, 2 * sizeof *want->fields);
      want->fields[0] = i64_t (c);
      want->fields[1] = r->elem;
      break;
    case WIR_T_VAR:
      return type_error (c, e, "cannot infer which builder is merged into");
    default:
      {
        g_autofree char *s = wir_type_print (r);
        return type_error (c, e, "merge needs a builder, got %s", s);
      }
    }
  if (!unify (v, want))
    return mismatch (c, e->kids[1], "the merged value", want, v);
  return b;
}

static WirType *
infer_result (Checker *c, WirExpr *e, const Binder *env)
{
  WirType *b = infer (c, e->kids[0], env);
  if (b == NULL)
    return NULL;
  WirType *r = wir_type_resolve (b);
  switch (r->kind)
    {
    case WIR_T_APPENDER:
    case WIR_T_VECMERGER:
      return mk (c, WIR_T_VEC, r->elem);
    case WIR_T_MERGER:
      return r->elem;
    case WIR_T_VAR:
      return type_error (c, e, "cannot infer the builder of result");
    case WIR_T_STRUCT:
      if (wir_type_is_builder (r))
        return type_error (c, e, "result of a struct of builders: take result of each field");
      G_GNUC_FALLTHROUGH;
    default:
      {
        g_autofree char *s = wir_type_print (r);
        return type_error (c, e, "result needs a builder, got %s", s);
      }
    }
}

static WirType *
infer_newbuilder (Checker *c, WirExpr *e, const Binder *env)
{
  WirType *t = fresh_copy (c->prog, e->ty);
  if (e->n_kids == 1)
    {
      WirType *want = t->kind == WIR_T_APPENDER ? i64_t (c)
                      : t->kind == WIR_T_MERGER ? t->elem : mk (c, WIR_T_VEC, t->elem);
      if (!expect_kid (c, e, 0, want, env, "the builder's argument"))
        return NULL;
    }
  if (t->op == WIR_OP_COMBINE && !unify (t->elem, t->combine->type))
    return mismatch (c, e, "the combine's element type", t->combine->type, t->elem);
  return t;
}

static WirType *
infer_struct (Checker *c, WirExpr *e, const Binder *env)
{
  WirType *t = wir_type_new (c->prog, WIR_T_STRUCT);
  t->n_fields = e->n_kids;
  t->fields = wir_alloc (c->prog, e->n_kids * sizeof *t->fields);
  for (guint k = 0; k < e->n_kids; k++)
    if ((t->fields[k] = infer (c, e->kids[k], env)) == NULL)
      return NULL;
  return t;
}

static WirType *
infer_kind (Checker *c, WirExpr *e, const Binder *env)
{
  WirType *t, *a;
  switch (e->kind)
    {
    case WIR_LIT:
      return wir_type_scalar (c->prog, e->ltype);
    case WIR_IDENT:
      for (const Binder *b = env; b != NULL; b = b->up)
        if (strcmp (b->name, e->name) == 0)
          {
            e->slot = b->slot;
            return b->type;
          }
      return type_error (c, e, "unknown name '%s'", e->name);
    case WIR_LET:
      {
        if ((t = infer (c, e->kids[0], env)) == NULL)
          return NULL;
        Binder *b = bind (c, e->name, t, env, &e->slot);
        t = infer (c, e->kids[1], b);
        g_free (b);
        return t;
      }
    case WIR_BINOP:
      if ((t = infer (c, e->kids[0], env)) == NULL || (a = infer (c, e->kids[1], env)) == NULL)
        return NULL;
      if (!unify (t, a))
        return mismatch (c, e, "the operands must have the same type (no implicit conversion)", t, a);
      if (e->op == WIR_OP_AND || e->op == WIR_OP_OR)
        {
          if (!unify (t, wir_type_scalar (c->prog, WIR_T_BOOL)))
            return mismatch (c, e, "logical operands", wir_type_scalar (c->prog, WIR_T_BOOL), t);
          return t;
        }
      return wir_op_is_cmp (e->op) ? wir_type_scalar (c->prog, WIR_T_BOOL) : t;
    case WIR_UNOP:
      if ((t = infer (c, e->kids[0], env)) == NULL)
        return NULL;
      if (e->op == WIR_OP_NOT && !unify (t, wir_type_scalar (c->prog, WIR_T_BOOL)))
        return mismatch (c, e, "'!' needs a bool", wir_type_scalar (c->prog, WIR_T_BOOL), t);
      return t;
    case WIR_CAST:
      return infer (c, e->kids[0], env) != NULL ? e->ty : NULL;
    case WIR_IF:
    case WIR_SELECT:
      if (!expect_kid (c, e, 0, wir_type_scalar (c->prog, WIR_T_BOOL), env, "the condition"))
        return NULL;
      if ((t = infer (c, e->kids[1], env)) == NULL || (a = infer (c, e->kids[2], env)) == NULL)
        return NULL;
      if (!unify (t, a))
        return mismatch (c, e, "both arms must have the same type", t, a);
      return t;
    case WIR_MAKESTRUCT:
      return infer_struct (c, e, env);
    case WIR_GETFIELD:
      if ((t = infer (c, e->kids[0], env)) == NULL)
        return NULL;
      t = wir_type_resolve (t);
      if (t->kind != WIR_T_STRUCT)
        {
          g_autofree char *s = wir_type_print (t);
          return type_error (c, e, "'.$%u' needs a struct, got %s", e->index, s);
        }
      if (e->index >= t->n_fields)
        return type_error (c, e, "field %u of a struct with %u fields", e->index, t->n_fields);
      return t->fields[e->index];
    case WIR_MAKEVEC:
      a = var (c);
      for (guint k = 0; k < e->n_kids; k++)
        if (!expect_kid (c, e, k, a, env, "vector elements must have one type"))
          return NULL;
      return mk (c, WIR_T_VEC, a);
    case WIR_LEN:
      return expect_kid (c, e, 0, mk (c, WIR_T_VEC, var (c)), env, "len needs a vector")
             ? i64_t (c) : NULL;
    case WIR_LOOKUP:
    case WIR_SLICE:
      a = var (c);
      if (!expect_kid (c, e, 0, mk (c, WIR_T_VEC, a), env, "the first argument"))
        return NULL;
      for (guint k = 1; k < e->n_kids; k++)
        if (!expect_kid (c, e, k, i64_t (c), env, "indices and lengths are i64"))
          return NULL;
      return e->kind == WIR_LOOKUP ? a : mk (c, WIR_T_VEC, a);
    case WIR_FOR:
      return infer_for (c, e, env);
    case WIR_MERGE:
      return infer_merge (c, e, env);
    case WIR_RESULT:
      return infer_result (c, e, env);
    case WIR_NEWBUILDER:
      return infer_newbuilder (c, e, env);
    case WIR_PHILOX:
      for (guint k = 0; k < 2; k++)
        if (!expect_kid (c, e, k, i64_t (c), env, "philox takes (seed: i64, offset: i64)"))
          return NULL;
      return wir_type_scalar (c->prog, WIR_T_F32);
    case WIR_LAMBDA:
      return type_error (c, e, "a lambda is allowed only as a for's update function or a macro argument");
    case WIR_ITER:
      return type_error (c, e, "an iterator is allowed only in a for");
    case WIR_APPLY:
      if (strcmp (e->name, "zip") == 0)
        return type_error (c, e, "zip may appear only as a for's iterator");
      return type_error (c, e, "unexpanded call of '%s'", e->name);
    default:
      g_assert_not_reached ();
    }
}

static WirType *
infer (Checker *c, WirExpr *e, const Binder *env)
{
  WirType *t = infer_kind (c, e, env);
  if (t == NULL)
    return NULL;
  if (e->ascribed != NULL && !unify (t, fresh_copy (c->prog, e->ascribed)))
    return mismatch (c, e, "the ascribed type", e->ascribed, t);
  e->type = t;
  return t;
}

/* ---- validation, every type known ---- */

static gboolean
is_numeric (WirType *t)
{
  t = wir_type_resolve (t);
  return t->kind == WIR_T_I32 || t->kind == WIR_T_I64 || t->kind == WIR_T_F32
         || t->kind == WIR_T_F64;
}

static gboolean
is_numeric_struct (WirType *t)
{
  t = wir_type_resolve (t);
  if (is_numeric (t))
    return TRUE;
  if (t->kind != WIR_T_STRUCT)
    return FALSE;
  for (guint k = 0; k < t->n_fields; k++)
    if (!is_numeric (t->fields[k]))
      return FALSE;
  return TRUE;
}

/* a vector element: a scalar or a struct without vectors or builders */
static gboolean
is_plain (WirType *t)
{
  t = wir_type_resolve (t);
  if (wir_type_is_scalar (t->kind))
    return TRUE;
  if (t->kind != WIR_T_STRUCT)
    return FALSE;
  for (guint k = 0; k < t->n_fields; k++)
    if (!is_plain (t->fields[k]))
      return FALSE;
  return TRUE;
}

static gboolean validate (Checker *c, WirExpr *e);

static gboolean
validate_type (Checker *c, const WirExpr *e, WirType *t)
{
  t = wir_type_resolve (t);
  if (t->kind == WIR_T_VAR)
    return type_error (c, e, "cannot infer its type; add an annotation (e: T)") != NULL;
  if (t->elem != NULL && !validate_type (c, e, t->elem))
    return FALSE;
  for (guint k = 0; k < t->n_fields; k++)
    if (!validate_type (c, e, t->fields[k]))
      return FALSE;
  if (t->kind == WIR_T_VEC && !is_plain (t->elem))
    {
      g_autofree char *s = wir_type_print (t);
      wir_fail_at (c->prog, c->error, WIR_ERROR_UNSUPPORTED, e->start, e->end,
                   "unsupported in WIR: %s (vector elements are scalars or flat structs)", s);
      return FALSE;
    }
  if ((t->kind == WIR_T_MERGER || t->kind == WIR_T_VECMERGER) && !is_numeric_struct (t->elem))
    {
      g_autofree char *s = wir_type_print (t);
      return type_error (c, e, "%s: a merger's element is a numeric scalar or a struct of them", s) != NULL;
    }
  if (t->kind == WIR_T_VECMERGER && !is_numeric (t->elem))
    return type_error (c, e, "a vecmerger's element is a numeric scalar") != NULL;
  return TRUE;
}

static gboolean
validate_op (Checker *c, WirExpr *e)
{
  WirType *t = wir_type_resolve (e->kids[0]->type);
  g_autofree char *s = wir_type_print (t);
  WirOp op = e->op;
  if (wir_op_is_cmp (op))
    {
      if (t->kind == WIR_T_VEC || t->kind == WIR_T_STRUCT)
        return type_error (c, e, "comparison of %s is not defined in WIR",
                           t->kind == WIR_T_VEC ? "vectors" : "structs") != NULL;
      if (!is_numeric (t) && !((op == WIR_OP_EQ || op == WIR_OP_NE) && t->kind == WIR_T_BOOL))
        return type_error (c, e, "'%s' needs numeric operands, got %s", wir_op_text (op), s) != NULL;
      return TRUE;
    }
  if (op == WIR_OP_BITAND || op == WIR_OP_BITOR || op == WIR_OP_XOR)
    return wir_type_is_int (t->kind) || t->kind == WIR_T_BOOL
           || type_error (c, e, "'%s' needs integer or bool operands, got %s", wir_op_text (op), s) != NULL;
  if (op == WIR_OP_AND || op == WIR_OP_OR || op == WIR_OP_NOT)
    return TRUE;
  gboolean is_math = op == WIR_OP_POW || (op >= WIR_OP_EXP && op <= WIR_OP_ERF);
  if (is_math && !wir_type_is_float (t->kind))
    return type_error (c, e, "'%s' needs a float operand, got %s", wir_op_text (op), s) != NULL;
  if (!is_numeric (t))
    return type_error (c, e, "'%s' needs numeric operands, got %s%s", wir_op_text (op), s,
                       t->kind == WIR_T_F16 || t->kind == WIR_T_BF16 ? " (storage only: cast to f32)" : "") != NULL;
  return TRUE;
}

static gboolean
validate_kind (Checker *c, WirExpr *e)
{
  switch (e->kind)
    {
    case WIR_BINOP:
    case WIR_UNOP:
      return validate_op (c, e);
    case WIR_CAST:
      {
        WirType *s = wir_type_resolve (e->kids[0]->type);
        gboolean ok = (is_numeric (s) || s->kind == WIR_T_F16 || s->kind == WIR_T_BF16)
                      && e->ty->kind != WIR_T_BOOL;
        if (!ok)
          {
            g_autofree char *a = wir_type_print (s), *b = wir_type_print (e->ty);
            return type_error (c, e, "cannot cast %s to %s (casts are numeric)", a, b) != NULL;
          }
        return TRUE;
      }
    case WIR_SELECT:
      if (wir_type_is_builder (e->type))
        return type_error (c, e, "select cannot choose builders; use if") != NULL;
      return TRUE;
    default:
      return TRUE;
    }
}

static gboolean
validate (Checker *c, WirExpr *e)
{
  for (guint k = 0; k < e->n_kids; k++)
    if (!validate (c, e->kids[k]))
      return FALSE;
  if (e->kind == WIR_LAMBDA || e->kind == WIR_ITER)
    return TRUE;
  if (!validate_type (c, e, e->type))
    return FALSE;
  return validate_kind (c, e);
}

static gboolean
check_combines (Checker *c)
{
  for (guint k = 0; k < c->prog->combines->len; k++)
    {
      WirCombine *cb = g_ptr_array_index (c->prog->combines, k);
      if (!is_numeric_struct (cb->type))
        return type_error (c, cb->body, "combine '%s': T must be a numeric scalar or a struct of them",
                           cb->name) != NULL;
      WirType *it = infer (c, cb->identity, NULL);
      if (it == NULL || !validate (c, cb->identity))
        return FALSE;
      if (!unify (it, cb->type))
        return mismatch (c, cb->identity, "the combine's identity", cb->type, it) != NULL;
      Binder *a = bind (c, cb->a.name, cb->a.type, NULL, &cb->a.slot);
      Binder *b = bind (c, cb->b.name, cb->b.type, a, &cb->b.slot);
      WirType *t = infer (c, cb->body, b);
      g_free (b);
      g_free (a);
      if (t == NULL || !validate (c, cb->body))
        return FALSE;
      if (!wir_type_equal (cb->a.type, cb->b.type) || !unify (t, cb->type))
        return mismatch (c, cb->body, "a combine maps (T, T) to T", cb->type, t) != NULL;
    }
  return TRUE;
}

gboolean
wir_program_check (WirProgram *prog, gboolean allow_builder_result, GError **error)
{
  Checker c = { prog, error };
  WirExpr *l;

  if (!wir_expand_macros (prog, error))
    return FALSE;
  prog->n_slots = 0;
  if (!check_combines (&c))
    return FALSE;
  l = prog->lambda;
  Binder *top = NULL;
  for (guint k = 0; k < l->n_params; k++)
    {
      WirType *t = l->params[k].type;
      if (wir_type_has_var (t) || wir_type_is_builder (t))
        {
          for (Binder *b = top; b != NULL;)
            {
              Binder *up = (Binder *) b->up;
              g_free (b);
              b = up;
            }
          return wir_fail_at (prog, error, WIR_ERROR_TYPE, l->params[k].pos,
                              l->params[k].pos + (guint32) strlen (l->params[k].name),
                              "parameter '%s': %s", l->params[k].name,
                              wir_type_is_builder (t) ? "a builder may not be a program parameter"
                                                      : "a program parameter needs a full type");
        }
      top = bind (&c, l->params[k].name, t, top, &l->params[k].slot);
    }
  WirType *t = infer (&c, l->kids[0], top);
  for (Binder *b = top; b != NULL;)
    {
      Binder *up = (Binder *) b->up;
      g_free (b);
      b = up;
    }
  if (t == NULL || !validate (&c, l->kids[0]))
    return FALSE;
  if (!allow_builder_result && wir_type_is_builder (t))
    return type_error (&c, l->kids[0], "a program may not return a builder; use result()") != NULL;
  l->type = t;
  prog->checked = TRUE;
  return TRUE;
}

guint
wir_program_n_params (const WirProgram *prog)
{
  return prog->lambda->n_params;
}

const char *
wir_program_param_name (const WirProgram *prog, guint idx)
{
  return prog->lambda->params[idx].name;
}

WirType *
wir_program_param_type (const WirProgram *prog, guint idx)
{
  return prog->lambda->params[idx].type;
}

WirType *
wir_program_result_type (const WirProgram *prog)
{
  return prog->lambda->type;
}
