/* exec/wir/passes.c - the optimizer passes of weld.md §9 (passes.h).
 *
 * Passes rewrite the tree in place, building new nodes in the program's
 * pool, then re-check the program, so types and slots are always those of
 * the current tree. Substitution is capture-free because the passes that
 * move code run `uniquify` first: after it no two binders share a name,
 * so equal text means equal meaning.
 */
#include "config.h"

#include "exec/wir/passes.h"
#include "exec/wir/wir-private.h"

#include <math.h>
#include <string.h>

#define WIR_MAX_FIXPOINT 256

typedef struct {
  WirProgram *prog;
  GString *log;
  guint changes;
  gboolean quiet;         /* refusals are logged in the first round only */
} Pass;

static void
note (Pass *p, const WirExpr *at, const char *fmt, ...) G_GNUC_PRINTF (3, 4);

static void
note (Pass *p, const WirExpr *at, const char *fmt, ...)
{
  va_list ap;
  p->changes++;
  if (p->log == NULL)
    return;
  va_start (ap, fmt);
  g_string_append_vprintf (p->log, fmt, ap);
  va_end (ap);
  if (at != NULL && (at->start != 0 || at->end != 0))
    {
      g_autofree char *where = wir_locate (p->prog, at->start, at->end, FALSE);
      const char *lc = strchr (where, ':');
      g_string_append_printf (p->log, " at %s", lc != NULL ? lc + 1 : where);
    }
  g_string_append_c (p->log, '\n');
}

/* "L:C" of @e, or "?" for a node a pass made; free with g_free */
static char *
loc (const WirProgram *prog, const WirExpr *e)
{
  if (e->start == 0 && e->end == 0)
    return g_strdup ("?");
  g_autofree char *where = wir_locate (prog, e->start, e->end, FALSE);
  const char *lc = strchr (where, ':');
  return g_strdup (lc != NULL ? lc + 1 : where);
}

static gboolean
is_ident (const WirExpr *e, const char *name)
{
  return e->kind == WIR_IDENT && strcmp (e->name, name) == 0;
}

/* uses of @name in @e (names are unique, so no shadowing to respect) */
static guint
uses (const WirExpr *e, const char *name)
{
  guint n = is_ident (e, name);
  for (guint k = 0; k < e->n_kids; k++)
    n += uses (e->kids[k], name);
  return n;
}

/* a copy of @e with every IDENT @name replaced by (a clone of) @by */
static WirExpr *
subst (WirProgram *prog, const WirExpr *e, const char *name, const WirExpr *by)
{
  if (is_ident (e, name))
    return wir_expr_clone (prog, by);
  WirExpr *c = wir_expr_copy (prog, e);
  for (guint k = 0; k < c->n_kids; k++)
    c->kids[k] = subst (prog, e->kids[k], name, by);
  return c;
}

static gboolean
is_trivial (const WirExpr *e)
{
  if (e->kind == WIR_GETFIELD)
    return is_trivial (e->kids[0]);
  return (e->kind == WIR_IDENT || e->kind == WIR_LIT) && e->ascribed == NULL;
}

/* ---- uniquify ---- */

typedef struct Ren { const char *from, *to; const struct Ren *up; } Ren;

static void
uniquify_expr (WirProgram *prog, WirExpr *e, const Ren *ren)
{
  if (e->kind == WIR_IDENT)
    {
      for (const Ren *r = ren; r != NULL; r = r->up)
        if (strcmp (r->from, e->name) == 0)
          {
            e->name = (char *) r->to;
            break;
          }
      return;
    }
  if (e->kind == WIR_LET)
    {
      uniquify_expr (prog, e->kids[0], ren);
      Ren r = { e->name, wir_fresh_name (prog, e->name), ren };
      e->name = (char *) r.to;
      uniquify_expr (prog, e->kids[1], &r);
      return;
    }
  if (e->kind == WIR_LAMBDA)
    {
      Ren *rs = g_newa (Ren, e->n_params + 1);
      const Ren *top = ren;
      for (guint k = 0; k < e->n_params; k++)
        {
          rs[k] = (Ren) { e->params[k].name, wir_fresh_name (prog, e->params[k].name), top };
          e->params[k].name = (char *) rs[k].to;
          top = &rs[k];
        }
      uniquify_expr (prog, e->kids[0], top);
      return;
    }
  for (guint k = 0; k < e->n_kids; k++)
    uniquify_expr (prog, e->kids[k], ren);
}

static void
uniquify (WirProgram *prog)
{
  /* the program's own parameters keep their names: inputs are bound by them */
  uniquify_expr (prog, prog->lambda->kids[0], NULL);
}

/* ---- short-circuit ---- */

static WirExpr *
lit_bool (WirProgram *prog, gboolean v)
{
  WirExpr *e = wir_expr_new (prog, WIR_LIT, 0);
  e->ltype = WIR_T_BOOL;
  e->lit.i = v;
  return e;
}

static WirExpr *
short_circuit (Pass *p, WirExpr *e)
{
  for (guint k = 0; k < e->n_kids; k++)
    e->kids[k] = short_circuit (p, e->kids[k]);
  if (e->kind != WIR_BINOP || (e->op != WIR_OP_AND && e->op != WIR_OP_OR))
    return e;
  WirExpr *r = wir_expr_new (p->prog, WIR_IF, 3);
  r->start = e->start, r->end = e->end;
  r->kids[0] = e->kids[0];
  r->kids[1] = e->op == WIR_OP_AND ? e->kids[1] : lit_bool (p->prog, TRUE);
  r->kids[2] = e->op == WIR_OP_AND ? lit_bool (p->prog, FALSE) : e->kids[1];
  note (p, e, "turned '%s' into if", wir_op_text (e->op));
  return r;
}

/* ---- evaluation that may fail ---- */

/* TRUE when evaluating @e cannot fail at run time (no lookup, slice or
 * loop, no integer division by a possibly-zero divisor): such an
 * expression may be moved into a lazy position or dropped. */
static gboolean
cannot_trap (const WirExpr *e)
{
  if (e->kind == WIR_LOOKUP || e->kind == WIR_FOR || e->kind == WIR_SLICE)
    return FALSE;
  if (e->kind == WIR_BINOP && (e->op == WIR_OP_DIV || e->op == WIR_OP_MOD)
      && wir_type_is_int (wir_type_resolve (e->type)->kind)
      && !(e->kids[1]->kind == WIR_LIT && e->kids[1]->lit.i != 0))
    return FALSE;
  for (guint k = 0; k < e->n_kids; k++)
    if (!cannot_trap (e->kids[k]))
      return FALSE;
  return TRUE;
}

/* ---- inline-let ---- */

/* uses of @name under a lambda inside @e */
static guint
uses_in_lambda (const WirExpr *e, const char *name, gboolean under)
{
  if (e->kind == WIR_IDENT)
    return under && strcmp (e->name, name) == 0;
  guint n = 0;
  for (guint k = 0; k < e->n_kids; k++)
    n += uses_in_lambda (e->kids[k], name, under || e->kind == WIR_LAMBDA);
  return n;
}

static WirExpr *
inline_let (Pass *p, WirExpr *e)
{
  for (guint k = 0; k < e->n_kids; k++)
    e->kids[k] = inline_let (p, e->kids[k]);
  if (e->kind != WIR_LET || e->predicate >= 0)
    return e;
  WirExpr *v = e->kids[0];
  guint n = uses (e->kids[1], e->name);
  gboolean ok = is_trivial (v)
                || (n == 1 && uses_in_lambda (e->kids[1], e->name, FALSE) == 0
                    && !wir_type_is_builder (v->type) && cannot_trap (v));
  if (!ok)
    return e;
  note (p, e, "inlined let '%s'", e->name);
  return subst (p->prog, e->kids[1], e->name, v);
}

/* ---- merge counting (§9.2 rule 4, §9.5) ---- */

typedef struct { guint min, max; } Count;   /* max 2 means "more than one" */

static Count
count_add (Count a, Count b)
{
  return (Count) { MIN (a.min + b.min, 2u), MIN (a.max + b.max, 2u) };
}

/* merges into @b along the paths through @e */
static Count
merge_count (const WirExpr *e, const char *b)
{
  Count c = { 0, 0 };
  switch (e->kind)
    {
    case WIR_MERGE:
      c = count_add (merge_count (e->kids[0], b), merge_count (e->kids[1], b));
      if (e->kids[0]->kind == WIR_IDENT ? is_ident (e->kids[0], b) : merge_count (e->kids[0], b).max > 0)
        c = count_add (c, (Count) { 1, 1 });
      return c;
    case WIR_IF:
      {
        Count t = merge_count (e->kids[1], b), f = merge_count (e->kids[2], b);
        return count_add (merge_count (e->kids[0], b),
                          (Count) { MIN (t.min, f.min), MAX (t.max, f.max) });
      }
    case WIR_FOR:
      if (uses (e, b) > 0)
        return (Count) { 0, 2 };      /* a loop continuing @b: unknown count */
      return c;
    default:
      for (guint k = 0; k < e->n_kids; k++)
        c = count_add (c, merge_count (e->kids[k], b));
      return c;
    }
}

/* identifiers of builder type that @e uses but does not bind */
static gboolean
only_builder_is (const WirExpr *e, const char *b)
{
  if (e->kind == WIR_IDENT)
    return !wir_type_is_builder (e->type) || strcmp (e->name, b) == 0;
  for (guint k = 0; k < e->n_kids; k++)
    if (!only_builder_is (e->kids[k], b))
      return FALSE;
  return TRUE;
}

/* ---- vertical fusion (§9.2) ---- */

static gboolean
is_fresh_appender (const WirExpr *b0)
{
  return b0->kind == WIR_NEWBUILDER && wir_type_resolve (b0->type)->kind == WIR_T_APPENDER
         && b0->n_kids == 0;
}

static gboolean
whole_vector_iters (const WirExpr *f)
{
  for (guint k = 0; k + 2 < f->n_kids; k++)
    if (f->kids[k]->iter_kind != WIR_ITER_SIMPLE)
      return FALSE;
  return TRUE;
}

/* the producer P = for(...) whose result @c iterates, whole, as its only
 * iterator or as zip component *k (rule 3); NULL if there is none */
static WirExpr *
producer_of (const WirExpr *c, guint *k)
{
  if (c->kind != WIR_FOR)
    return NULL;
  for (guint t = 0; t + 2 < c->n_kids; t++)
    {
      const WirExpr *it = c->kids[t];
      if (it->iter_kind != WIR_ITER_SIMPLE || it->kids[0]->kind != WIR_RESULT
          || it->kids[0]->kids[0]->kind != WIR_FOR)
        continue;
      *k = t;
      return it->kids[0]->kids[0];
    }
  return NULL;
}

/* the iterators of loop @c from @from on, all but @k, evaluate without
 * failing */
static gboolean
siblings_cannot_trap (const WirExpr *c, guint k, guint from)
{
  for (guint t = from; t + 2 < c->n_kids; t++)
    if (t != k && !cannot_trap (c->kids[t]))
      return FALSE;
  return TRUE;
}

/* §9.2 rules 1-7 for producer @pr feeding consumer @c as its iterator @k;
 * *why gets the reason when FALSE */
static gboolean
fusable (const WirExpr *pr, const WirExpr *c, guint k, const char **why)
{
  guint np = pr->n_kids - 2;
  const WirExpr *pf = pr->kids[np + 1], *cf = c->kids[c->n_kids - 1];
  if (!is_fresh_appender (pr->kids[np]))
    return (*why = "the producer's builder is not a fresh appender"), FALSE;
  if (!whole_vector_iters (pr))
    return (*why = "the producer iterates part of a vector"), FALSE;
  const char *b = pf->params[0].name;
  if (!only_builder_is (pf->kids[0], b))
    return (*why = "the producer merges into another builder"), FALSE;
  Count n = merge_count (pf->kids[0], b);
  if ((n.min != 1 || n.max != 1) && uses (cf->kids[0], cf->params[1].name) > 0)
    return (*why = "the producer does not merge exactly once per element and the consumer reads its index (Weld issue #436)"), FALSE;
  if (c->is_zip && (n.min != 1 || n.max != 1))
    return (*why = "the producer is a zip component but does not merge exactly once per element"), FALSE;
  /* fused, the zip's length check comes before the producer's body and
   * the consumer's body runs between its elements: the same failure only
   * if the producer's body cannot fail */
  if (c->is_zip && !cannot_trap (pf->kids[0]))
    return (*why = "the producer is a zip component and its body may fail"), FALSE;
  /* a zipped producer's own length check ran before the components after
   * it were evaluated; fused, it runs after them */
  if (c->is_zip && pr->is_zip && !siblings_cannot_trap (c, k, k + 1))
    return (*why = "the producer is a zip and a component after it may fail"), FALSE;
  return TRUE;
}

typedef struct {
  Pass *p;
  const char *pb, *pi;            /* the producer's builder and index */
  const WirExpr *cf;              /* the consumer's lambda */
} Fuse;

/* rewrite the producer body: its builder becomes the consumer's, each
 * merge(X, v) becomes C_body[c := X', y := v, j := i] */
static WirExpr *
fuse_body (Fuse *f, const WirExpr *e, const char *c_name)
{
  WirProgram *prog = f->p->prog;
  if (is_ident (e, f->pb))
    return wir_expr_ident (prog, c_name);
  if (e->kind == WIR_MERGE && merge_count (e->kids[0], f->pb).max + is_ident (e->kids[0], f->pb) > 0)
    {
      WirExpr *x = fuse_body (f, e->kids[0], c_name);
      WirExpr *v = fuse_body (f, e->kids[1], c_name);
      const char *c = f->cf->params[0].name, *j = f->cf->params[1].name, *y = f->cf->params[2].name;
      WirExpr *body = subst (prog, f->cf->kids[0], j, wir_expr_ident (prog, f->pi));
      GPtrArray *lets = g_ptr_array_new ();
      /* substitute only what is used once and cannot fail: anything else
       * is bound first, so it is still evaluated exactly once */
      if (!is_trivial (v) && (uses (body, y) > 1 || !cannot_trap (v)))
        {
          WirExpr *let = wir_expr_new (prog, WIR_LET, 2);
          let->name = wir_fresh_name (prog, y);
          let->kids[0] = v;
          g_ptr_array_add (lets, let);
          v = wir_expr_ident (prog, let->name);
        }
      body = subst (prog, body, y, v);
      if (x->kind != WIR_IDENT && uses (body, c) > 1)
        {
          WirExpr *let = wir_expr_new (prog, WIR_LET, 2);
          let->name = wir_fresh_name (prog, c);
          let->kids[0] = x;
          g_ptr_array_add (lets, let);
          x = wir_expr_ident (prog, let->name);
        }
      body = subst (prog, body, c, x);
      for (guint k = lets->len; k-- > 0;)
        {
          WirExpr *let = lets->pdata[k];
          let->kids[1] = body;
          body = let;
        }
      g_ptr_array_unref (lets);
      return body;
    }
  WirExpr *r = wir_expr_copy (prog, e);
  for (guint k = 0; k < r->n_kids; k++)
    r->kids[k] = fuse_body (f, e->kids[k], c_name);
  return r;
}

static WirExpr *
fuse (Pass *p, const WirExpr *pr, const WirExpr *c)
{
  guint np = pr->n_kids - 2, nc = c->n_kids - 2;
  const WirExpr *pf = pr->kids[np + 1], *cf = c->kids[nc + 1];
  Fuse f = { p, pf->params[0].name, pf->params[1].name, cf };
  WirExpr *r = wir_expr_new (p->prog, WIR_FOR, np + 2);
  r->start = c->start, r->end = c->end;
  r->is_zip = pr->is_zip;
  for (guint k = 0; k < np; k++)
    r->kids[k] = pr->kids[k];
  r->kids[np] = c->kids[nc];                     /* the consumer's builder wins */
  WirExpr *l = wir_expr_copy (p->prog, pf);
  l->params[0] = cf->params[0];
  l->params[0].type = NULL;
  l->params[1].type = NULL;
  l->params[2].type = NULL;
  l->kids[0] = fuse_body (&f, pf->kids[0], cf->params[0].name);
  r->kids[np + 1] = l;
  return r;
}

/* @e with each use of @x, the element of a loop whose iterators now sit
 * in a zip whose element is @z, rewritten: field t of @x (all of @x when
 * !@x_struct, t = 0) is field at[t] of @z, or a clone of sub[t] where
 * at[t] < 0; @x itself, when a struct, is rebuilt from its fields */
typedef struct {
  const char *x, *z;
  gboolean x_struct;
  guint n;                      /* fields of x (1 when not a struct) */
  const int *at;
  WirExpr *const *sub;
  gboolean z_scalar;            /* one iterator, no zip: z is the element itself */
} Rezip;

static WirExpr *
rezip_field (WirProgram *prog, const Rezip *r, guint t)
{
  if (r->at[t] < 0)
    return wir_expr_clone (prog, r->sub[t]);
  if (r->z_scalar)
    return wir_expr_ident (prog, r->z);
  WirExpr *g = wir_expr_new (prog, WIR_GETFIELD, 1);
  g->index = (guint) r->at[t];
  g->kids[0] = wir_expr_ident (prog, r->z);
  return g;
}

static WirExpr *
rezip (WirProgram *prog, const WirExpr *e, const Rezip *r)
{
  if (r->x_struct && e->kind == WIR_GETFIELD && is_ident (e->kids[0], r->x))
    return rezip_field (prog, r, e->index);
  if (is_ident (e, r->x))
    {
      if (!r->x_struct)
        return rezip_field (prog, r, 0);
      WirExpr *s = wir_expr_new (prog, WIR_MAKESTRUCT, r->n);
      for (guint t = 0; t < r->n; t++)
        s->kids[t] = rezip_field (prog, r, t);
      return s;
    }
  WirExpr *c = wir_expr_copy (prog, e);
  for (guint t = 0; t < c->n_kids; t++)
    c->kids[t] = rezip (prog, e->kids[t], r);
  return c;
}

/* the same whole vector, by name: iterated twice in one zip, it gives the
 * same elements, so one component serves both */
static gboolean
same_vector (const WirExpr *a, const WirExpr *b)
{
  return a->iter_kind == WIR_ITER_SIMPLE && b->iter_kind == WIR_ITER_SIMPLE
         && a->kids[0]->kind == WIR_IDENT && is_ident (b->kids[0], a->kids[0]->name);
}

/* where iterator @it sits among the first *nz of @kids: a vector already
 * there (same_vector), or appended */
static int
zip_place (WirExpr **kids, guint *nz, WirExpr *it)
{
  for (guint u = 0; u < *nz; u++)
    if (same_vector (kids[u], it))
      return (int) u;
  kids[*nz] = it;
  return (int) (*nz)++;
}

/* The iterators of consumer @c with its component @k replaced, in place,
 * by those of producer @pr (so every iterator is evaluated in the order
 * it was), a vector named twice iterated once, into @kids (room for both
 * lists); returns how many. at_p[q] is where @pr's iterator q went, at_c[t]
 * where @c's iterator t went (-1 for @k). */
static guint
join_zip (const WirExpr *pr, const WirExpr *c, guint k, WirExpr **kids, int *at_p, int *at_c)
{
  guint np = pr->n_kids - 2, nc = c->n_kids - 2, nz = 0;
  for (guint t = 0; t < nc; t++)
    {
      at_c[t] = t == k ? -1 : zip_place (kids, &nz, c->kids[t]);
      for (guint q = 0; t == k && q < np; q++)
        at_p[q] = zip_place (kids, &nz, pr->kids[q]);
    }
  return nz;
}

/* Rule 3's zip case: the consumer @c = for(zip(A.., result(P), B..), c0,
 * |c, j, y| C) iterates P's result as component @k. P's iterators join
 * the zip in that component's stead (a vector already there is not
 * iterated twice), so the consumer reads the same elements in the same
 * order, and the pair becomes a producer over the whole zip whose body
 * reads its own fields and a consumer that takes P's merged value for
 * y.$k; fuse() joins them as it joins one-iterator pairs. */
static WirExpr *
fuse_zip (Pass *p, const WirExpr *pr, const WirExpr *c, guint k)
{
  WirProgram *prog = p->prog;
  guint np = pr->n_kids - 2, nc = c->n_kids - 2;
  const WirExpr *pf = pr->kids[np + 1], *cf = c->kids[nc + 1];
  const char *z = wir_fresh_name (prog, pf->params[2].name);
  const char *yv = wir_fresh_name (prog, cf->params[2].name);
  g_autofree int *at_p = g_new (int, np);
  g_autofree int *at_c = g_new (int, nc);
  g_autofree WirExpr **sub_c = g_new0 (WirExpr *, nc);

  WirExpr *pz = wir_expr_new (prog, WIR_FOR, nc + np + 1);  /* the producer, over the zip */
  guint nz = join_zip (pr, c, k, pz->kids, at_p, at_c);
  pz->n_kids = nz + 2;
  pz->is_zip = TRUE;
  pz->kids[nz] = pr->kids[np];
  Rezip rp = { pf->params[2].name, z, pr->is_zip, np, at_p, NULL, FALSE };
  WirExpr *lp = wir_expr_copy (prog, pf);
  lp->params[2].name = (char *) z;
  lp->kids[0] = rezip (prog, pf->kids[0], &rp);
  pz->kids[nz + 1] = lp;

  WirExpr *cz = wir_expr_copy (prog, c);                  /* the consumer, y.$k as yv */
  sub_c[k] = wir_expr_ident (prog, yv);
  Rezip rc = { cf->params[2].name, z, TRUE, nc, at_c, sub_c, FALSE };
  WirExpr *lc = wir_expr_copy (prog, cf);
  lc->params[2].name = (char *) yv;
  lc->kids[0] = rezip (prog, cf->kids[0], &rc);
  cz->kids[nc + 1] = lc;

  return fuse (p, pz, cz);
}

/* the for in @e, outside any lambda, that iterates IDENT @name whole, as
 * its only iterator or as zip component *k */
static WirExpr *
consumer_of (WirExpr *e, const char *name, guint *k)
{
  if (e->kind == WIR_LAMBDA || e->kind == WIR_IF)
    return NULL;                /* fusing there would make the producer lazy */
  if (e->kind == WIR_FOR)
    for (guint t = 0; t + 2 < e->n_kids; t++)
      if (e->kids[t]->iter_kind == WIR_ITER_SIMPLE && is_ident (e->kids[t]->kids[0], name))
        {
          *k = t;
          return e;
        }
  for (guint t = 0; t < e->n_kids; t++)
    {
      WirExpr *c = consumer_of (e->kids[t], name, k);
      if (c != NULL)
        return c;
    }
  return NULL;
}

static WirExpr *
replace_node (WirProgram *prog, WirExpr *e, const WirExpr *old, WirExpr *by)
{
  if (e == old)
    return by;
  for (guint k = 0; k < e->n_kids; k++)
    e->kids[k] = replace_node (prog, e->kids[k], old, by);
  return e;
}

static void
log_refusal (Pass *p, const WirExpr *pr, const char *why)
{
  if (p->log == NULL)
    return;
  g_autofree char *where = wir_locate (p->prog, pr->start, pr->end, FALSE);
  const char *lc = strchr (where, ':');
  g_string_append_printf (p->log, "kept the loop%s%s unfused: %s\n",
                          pr->start || pr->end ? " at " : "",
                          pr->start || pr->end ? (lc != NULL ? lc + 1 : where) : "", why);
}

/* the expression after @e's lets */
static const WirExpr *
let_tail (const WirExpr *e)
{
  while (e->kind == WIR_LET)
    e = e->kids[1];
  return e;
}

/* the merge that ends @e's lets, into builder @b, or NULL */
static const WirExpr *
map_tail (const WirExpr *e, const char *b)
{
  e = let_tail (e);
  return e->kind == WIR_MERGE && is_ident (e->kids[0], b) ? e : NULL;
}

static WirExpr *
with_tail (WirProgram *prog, const WirExpr *e, WirExpr *tail)
{
  if (e->kind != WIR_LET)
    return tail;
  WirExpr *l = wir_expr_copy (prog, e);
  l->kids[1] = with_tail (prog, e->kids[1], tail);
  return l;
}

/* every use of @name in @e is a field of it (name.$t) */
static gboolean
only_fields (const WirExpr *e, const char *name)
{
  if (e->kind == WIR_GETFIELD && is_ident (e->kids[0], name))
    return TRUE;
  if (is_ident (e, name))
    return FALSE;
  for (guint k = 0; k < e->n_kids; k++)
    if (!only_fields (e->kids[k], name))
      return FALSE;
  return TRUE;
}

/* @e with each name.$t (only_fields) as to.$(t + @shift) */
static WirExpr *
refield (WirProgram *prog, const WirExpr *e, const char *name, const char *to, guint shift)
{
  if (e->kind == WIR_GETFIELD && is_ident (e->kids[0], name))
    {
      WirExpr *g = wir_expr_copy (prog, e);
      g->index = e->index + shift;
      g->kids[0] = wir_expr_ident (prog, to);
      return g;
    }
  WirExpr *c = wir_expr_copy (prog, e);
  for (guint k = 0; k < c->n_kids; k++)
    c->kids[k] = refield (prog, e->kids[k], name, to, shift);
  return c;
}


/* The producer is also an output. For
 *   let x = result(P); let y = [result](C); rest
 * where C iterates x (whole, as its iterator or a zip component) and rest
 * uses x again, rule 5 forbids pipelining P into C; but C comes right
 * after P, so one loop can build both (a struct of builders, weld.md
 * §12's SGD kernel):
 *   let r = for(zip(..), {P_b0, C_b0}, |bs, i, z| P_lets; let v = P_value;
 *                 {merge(bs.$0, v), C_body[c := bs.$1, j := i, y.$k := v]});
 *   let x = result(r.$0); let y = [result](r.$1); rest
 * Legal when P is a map (lets, then one merge into its fresh appender)
 * whose body cannot fail, C uses x only as that iterator, and C's builder
 * and other iterators cannot fail: then the elements, their order and
 * every failure are those of the two loops. NULL when it does not apply. */
static WirExpr *
fuse_output (Pass *p, WirExpr *e)
{
  WirProgram *prog = p->prog;
  WirExpr *body = e->kids[1];
  if (body->kind != WIR_LET || uses (body->kids[1], e->name) == 0)
    return NULL;
  WirExpr *v = body->kids[0];
  WirExpr *c = v->kind == WIR_RESULT ? v->kids[0] : v;
  guint k = 0;
  const WirExpr *pr = e->kids[0]->kids[0];
  if (c->kind != WIR_FOR || consumer_of (c, e->name, &k) != c || uses (c, e->name) != 1)
    return NULL;
  guint np = pr->n_kids - 2, nc = c->n_kids - 2;
  const WirExpr *pf = pr->kids[np + 1], *cf = c->kids[nc + 1];
  const char *why = NULL;
  const WirExpr *tail = map_tail (pf->kids[0], pf->params[0].name);
  if (!is_fresh_appender (pr->kids[np]))
    why = "the producer's builder is not a fresh appender";
  else if (!whole_vector_iters (pr))
    why = "the producer iterates part of a vector";
  else if (tail == NULL || !only_builder_is (pf->kids[0], pf->params[0].name)
           || uses (pf->kids[0], pf->params[0].name) != 1)
    why = "the producer is not a map";
  else if (!cannot_trap (pf->kids[0]))
    why = "its body may fail";
  /* fused, the consumer's builder and its iterators before x are
   * evaluated before the producer's iterators and length check, which
   * came first unfused */
  else if (!cannot_trap (c->kids[nc]) || !siblings_cannot_trap (c, k, 0))
    why = "the consumer's builder or another of its iterators may fail";
  if (why != NULL)
    {
      if (!p->quiet)
        {
          g_autofree char *reason = g_strdup_printf ("its result is also used elsewhere, and %s", why);
          log_refusal (p, pr, reason);
        }
      return NULL;
    }

  const char *z = wir_fresh_name (prog, pf->params[2].name);
  const char *bs = wir_fresh_name (prog, "bs");
  const char *val = wir_fresh_name (prog, e->name);
  const char *r = wir_fresh_name (prog, "r");
  g_autofree int *at_p = g_new (int, np);
  g_autofree int *at_c = g_new (int, nc);
  g_autofree WirExpr **sub_c = g_new0 (WirExpr *, nc);
  WirExpr *loop = wir_expr_new (prog, WIR_FOR, nc + np + 1);
  guint nz = join_zip (pr, c, k, loop->kids, at_p, at_c);
  loop->n_kids = nz + 2;
  loop->is_zip = nz > 1 || pr->is_zip || c->is_zip;
  loop->start = c->start, loop->end = c->end;
  /* a consumer that already builds a struct of builders, used by fields
   * only, joins it field by field: {P_b0, C_b0.$0, ..}, not nested */
  const WirExpr *cb0 = c->kids[nc], *ctail = let_tail (cf->kids[0]);
  gboolean flat = cb0->kind == WIR_MAKESTRUCT && v == c && ctail->kind == WIR_MAKESTRUCT
                  && ctail->n_kids == cb0->n_kids && only_fields (cf->kids[0], cf->params[0].name)
                  && only_fields (body->kids[1], body->name);
  guint nb = flat ? cb0->n_kids : 1;
  WirExpr *b0 = wir_expr_new (prog, WIR_MAKESTRUCT, 1 + nb);
  b0->kids[0] = pr->kids[np];
  for (guint t = 0; t < nb; t++)
    b0->kids[1 + t] = flat ? cb0->kids[t] : c->kids[nc];
  loop->kids[nz] = b0;

  /* the consumer's body: its builder is bs.$1, its index the loop's,
   * its element the new zip's fields with v for component k */
  WirExpr *b1 = wir_expr_new (prog, WIR_GETFIELD, 1);
  b1->index = 1;
  b1->kids[0] = wir_expr_ident (prog, bs);
  sub_c[k] = wir_expr_ident (prog, val);
  Rezip rc = { cf->params[2].name, z, c->is_zip, nc, at_c, sub_c, !loop->is_zip };
  WirExpr *cb = rezip (prog, cf->kids[0], &rc);
  cb = subst (prog, cb, cf->params[1].name, wir_expr_ident (prog, pf->params[1].name));
  /* the producer's: its lets, then v and the merges */
  Rezip rp = { pf->params[2].name, z, pr->is_zip, np, at_p, NULL, !loop->is_zip };
  WirExpr *m0 = wir_expr_new (prog, WIR_MERGE, 2);
  m0->kids[0] = wir_expr_new (prog, WIR_GETFIELD, 1);
  m0->kids[0]->kids[0] = wir_expr_ident (prog, bs);
  m0->kids[1] = wir_expr_ident (prog, val);
  WirExpr *pair = wir_expr_new (prog, WIR_MAKESTRUCT, 1 + nb);
  pair->kids[0] = m0;
  if (flat)
    {
      /* C's lets, then {merge(bs.$0, v), C's merges into bs.$1..} */
      cb = refield (prog, cb, cf->params[0].name, bs, 1);
      const WirExpr *ct = let_tail (cb);
      for (guint t = 0; t < nb; t++)
        pair->kids[1 + t] = ct->kids[t];
      pair = with_tail (prog, cb, pair);
    }
  else
    pair->kids[1] = subst (prog, cb, cf->params[0].name, b1);
  WirExpr *letv = wir_expr_new (prog, WIR_LET, 2);
  letv->name = (char *) val;
  letv->kids[0] = tail->kids[1];
  letv->kids[1] = pair;
  WirExpr *lam = wir_expr_copy (prog, pf);
  lam->params[0].name = (char *) bs;
  lam->params[2].name = (char *) z;
  for (guint q = 0; q < 3; q++)
    lam->params[q].type = NULL;
  lam->kids[0] = rezip (prog, with_tail (prog, pf->kids[0], letv), &rp);
  loop->kids[nz + 1] = lam;

  /* let r = loop; let x = result(r.$0); let y = [result](r.$1); rest */
  WirExpr *rx = wir_expr_new (prog, WIR_RESULT, 1);
  rx->kids[0] = wir_expr_new (prog, WIR_GETFIELD, 1);
  rx->kids[0]->kids[0] = wir_expr_ident (prog, r);
  WirExpr *ry = wir_expr_new (prog, WIR_GETFIELD, 1);
  ry->index = 1;
  ry->kids[0] = wir_expr_ident (prog, r);
  if (v->kind == WIR_RESULT)
    {
      WirExpr *res = wir_expr_new (prog, WIR_RESULT, 1);
      res->kids[0] = ry;
      ry = res;
    }
  WirExpr *ly = wir_expr_copy (prog, body);
  ly->kids[0] = ry;
  WirExpr *lx = wir_expr_copy (prog, e);
  lx->kids[0] = rx;
  lx->kids[1] = flat ? refield (prog, body->kids[1], body->name, r, 1) : ly;
  WirExpr *lr = wir_expr_new (prog, WIR_LET, 2);
  lr->name = (char *) r;
  lr->kids[0] = loop;
  lr->kids[1] = lx;
  g_autofree char *a = loc (prog, pr), *b = loc (prog, c);
  note (p, NULL, "fused the loop of '%s' at %s into the loop at %s, '%s' kept as a second output",
        e->name, a, b, e->name);
  return lr;
}

/* producer @pr (bound to @name, or NULL) fused into consumer @c, which
 * iterates it as iterator @k, and the note that says so */
static WirExpr *
fuse_noted (Pass *p, const WirExpr *pr, const WirExpr *c, guint k, const char *name)
{
  g_autofree char *a = loc (p->prog, pr), *b = loc (p->prog, c);
  g_autofree char *of = name != NULL ? g_strdup_printf (" of '%s'", name) : g_strdup ("");
  g_autofree char *into = c->is_zip ? g_strdup_printf ("zip component %u of ", k) : g_strdup ("");
  note (p, NULL, "fused the loop%s at %s into %sthe loop at %s", of, a, into, b);
  return c->is_zip ? fuse_zip (p, pr, c, k) : fuse (p, pr, c);
}

/* One fusion per round: the legality rules read types, and nodes a
 * rewrite makes have none until the program is checked again. */
static WirExpr *
vertical (Pass *p, WirExpr *e)
{
  for (guint k = 0; k < e->n_kids && p->changes == 0; k++)
    e->kids[k] = vertical (p, e->kids[k]);
  if (p->changes > 0)
    return e;
  const char *why = NULL;
  guint k = 0;
  WirExpr *pr = producer_of (e, &k);
  if (pr != NULL)
    {
      if (fusable (pr, e, k, &why))
        return fuse_noted (p, pr, e, k, NULL);
      if (!p->quiet)
        log_refusal (p, pr, why);
      return e;
    }
  /* let x = result(P); let y = [result](for(.. x ..)); rest: x used again */
  if (e->kind == WIR_LET && e->kids[0]->kind == WIR_RESULT && e->kids[0]->kids[0]->kind == WIR_FOR
      && uses (e->kids[1], e->name) > 1)
    {
      WirExpr *r = fuse_output (p, e);
      return r != NULL ? r : e;
    }
  /* let x = result(P); ... for(x, ...) ...: x used once, by that loop */
  if (e->kind == WIR_LET && e->kids[0]->kind == WIR_RESULT && e->kids[0]->kids[0]->kind == WIR_FOR
      && uses (e->kids[1], e->name) == 1)
    {
      WirExpr *c = consumer_of (e->kids[1], e->name, &k);
      pr = e->kids[0]->kids[0];
      if (c == NULL)
        return e;
      if (!fusable (pr, c, k, &why))
        {
          if (!p->quiet)
            log_refusal (p, pr, why);
          return e;
        }
      return replace_node (p->prog, e->kids[1], c, fuse_noted (p, pr, c, k, e->name));
    }
  return e;
}

/* ---- horizontal fusion (§9.3) ---- */

static gboolean
same_text (const WirExpr *a, const WirExpr *b)
{
  g_autofree char *x = wir_expr_print (a), *y = wir_expr_print (b);
  return strcmp (x, y) == 0;
}

/* the v of a map body `merge(b, v)`, or NULL */
static const WirExpr *
map_value (const WirExpr *f)
{
  const WirExpr *l = f->kids[f->n_kids - 1], *body = l->kids[0];
  if (!is_fresh_appender (f->kids[f->n_kids - 2]) || !whole_vector_iters (f)
      || body->kind != WIR_MERGE || !is_ident (body->kids[0], l->params[0].name)
      || uses (body->kids[1], l->params[0].name) > 0)
    return NULL;
  return body->kids[1];
}

/* H2: for(zip(result(M1), ..., result(Mn)), ...) with maps Mk over the
 * same iterators -> for(result(M), ...) with M producing {v1, ..., vn} */
static WirExpr *
zip_of_maps (Pass *p, WirExpr *e)
{
  guint n = e->n_kids - 2;
  if (e->kind != WIR_FOR || !e->is_zip || n < 2)
    return e;
  const WirExpr *m0 = NULL;
  for (guint k = 0; k < n; k++)
    {
      const WirExpr *it = e->kids[k];
      if (it->iter_kind != WIR_ITER_SIMPLE || it->kids[0]->kind != WIR_RESULT
          || it->kids[0]->kids[0]->kind != WIR_FOR)
        return e;
      const WirExpr *m = it->kids[0]->kids[0];
      if (map_value (m) == NULL || (m0 != NULL && (m->n_kids != m0->n_kids || m->is_zip != m0->is_zip)))
        return e;
      if (m0 == NULL)
        m0 = m;
      for (guint j = 0; j + 2 < m->n_kids; j++)
        if (!same_text (m->kids[j], m0->kids[j]))
          return e;
    }
  const WirExpr *l0 = m0->kids[m0->n_kids - 1];
  WirExpr *st = wir_expr_new (p->prog, WIR_MAKESTRUCT, n);
  for (guint k = 0; k < n; k++)
    {
      const WirExpr *m = e->kids[k]->kids[0]->kids[0], *l = m->kids[m->n_kids - 1];
      WirExpr *v = (WirExpr *) map_value (m);
      v = subst (p->prog, v, l->params[1].name, wir_expr_ident (p->prog, l0->params[1].name));
      st->kids[k] = subst (p->prog, v, l->params[2].name, wir_expr_ident (p->prog, l0->params[2].name));
    }
  WirExpr *map = wir_expr_copy (p->prog, m0);
  WirExpr *lam = wir_expr_copy (p->prog, l0);
  lam->kids[0] = wir_expr_copy (p->prog, l0->kids[0]);
  lam->kids[0]->kids[1] = st;
  for (guint k = 0; k < 3; k++)
    lam->params[k].type = NULL;
  map->kids[map->n_kids - 1] = lam;
  map->kids[map->n_kids - 2] = wir_expr_copy (p->prog, m0->kids[m0->n_kids - 2]);
  map->kids[map->n_kids - 2]->ty = wir_type_new (p->prog, WIR_T_APPENDER);
  map->kids[map->n_kids - 2]->ty->elem = wir_type_new (p->prog, WIR_T_VAR);
  map->kids[map->n_kids - 2]->type = NULL;
  WirExpr *res = wir_expr_new (p->prog, WIR_RESULT, 1);
  res->kids[0] = map;
  WirExpr *it = wir_expr_new (p->prog, WIR_ITER, 1);
  it->iter_kind = WIR_ITER_SIMPLE;
  it->kids[0] = res;
  WirExpr *r = wir_expr_new (p->prog, WIR_FOR, 3);
  *r = *e;
  r->kids = wir_alloc (p->prog, 3 * sizeof *r->kids);
  r->n_kids = 3;
  r->is_zip = FALSE;
  r->kids[0] = it;
  r->kids[1] = e->kids[n];
  r->kids[2] = e->kids[n + 1];
  note (p, e, "fused %u zipped maps into one map of structs", n);
  return r;
}

/* H1 on a let chain: let a = result(for(I, B1, F1)); ... let b =
 * result(for(I, B2, F2)); with b's loop not using a -> one loop with the
 * builder {B1, B2}; a and b become result(r.$0) and result(r.$1). */
static gboolean
h1_candidate (const WirExpr *let)
{
  if (let->kind != WIR_LET || let->kids[0]->kind != WIR_RESULT)
    return FALSE;
  const WirExpr *f = let->kids[0]->kids[0];
  return f->kind == WIR_FOR && f->kids[f->n_kids - 2]->kind == WIR_NEWBUILDER
         && !wir_type_is_builder (let->kids[0]->type);
}

static WirExpr *
getfield (WirProgram *prog, const char *name, guint k)
{
  WirExpr *g = wir_expr_new (prog, WIR_GETFIELD, 1);
  g->index = k;
  g->kids[0] = wir_expr_ident (prog, name);
  return g;
}

static WirExpr *
merge_structs (Pass *p, WirExpr *first, WirExpr *second)
{
  WirExpr *f1 = first->kids[0]->kids[0], *f2 = second->kids[0]->kids[0];
  guint n = f1->n_kids - 2;
  const WirExpr *l1 = f1->kids[n + 1], *l2 = f2->kids[n + 1];
  const char *bs = wir_fresh_name (p->prog, "bs");
  WirExpr *b0 = wir_expr_new (p->prog, WIR_MAKESTRUCT, 2);
  b0->kids[0] = f1->kids[n];
  b0->kids[1] = f2->kids[n];
  WirExpr *body = wir_expr_new (p->prog, WIR_MAKESTRUCT, 2);
  const WirExpr *ls[2] = { l1, l2 };
  for (guint k = 0; k < 2; k++)
    {
      WirExpr *b = subst (p->prog, ls[k]->kids[0], ls[k]->params[0].name, getfield (p->prog, bs, k));
      b = subst (p->prog, b, ls[k]->params[1].name, wir_expr_ident (p->prog, l1->params[1].name));
      body->kids[k] = subst (p->prog, b, ls[k]->params[2].name, wir_expr_ident (p->prog, l1->params[2].name));
    }
  WirExpr *lam = wir_expr_copy (p->prog, l1);
  lam->params[0].name = (char *) bs;
  for (guint k = 0; k < 3; k++)
    lam->params[k].type = NULL;
  lam->kids[0] = body;
  WirExpr *f = wir_expr_copy (p->prog, f1);
  f->kids[n] = b0;
  f->kids[n + 1] = lam;
  const char *r = wir_fresh_name (p->prog, "r");
  WirExpr *outer = wir_expr_new (p->prog, WIR_LET, 2);
  outer->name = (char *) r;
  outer->kids[0] = f;
  first->kids[0] = wir_expr_copy (p->prog, first->kids[0]);
  first->kids[0]->kids[0] = getfield (p->prog, r, 0);
  second->kids[0] = wir_expr_copy (p->prog, second->kids[0]);
  second->kids[0]->kids[0] = getfield (p->prog, r, 1);
  outer->kids[1] = first;
  return outer;
}

static WirExpr *
struct_of_builders (Pass *p, WirExpr *e)
{
  if (!h1_candidate (e))
    return e;
  const WirExpr *f1 = e->kids[0]->kids[0];
  /* walk the let chain of e's body for a partner over the same iterators */
  for (WirExpr *q = e->kids[1]; q->kind == WIR_LET; q = q->kids[1])
    {
      if (!h1_candidate (q))
        continue;
      const WirExpr *f2 = q->kids[0]->kids[0];
      if (f2->n_kids != f1->n_kids || f2->is_zip != f1->is_zip || uses (q->kids[0], e->name) > 0)
        continue;
      gboolean same = TRUE;
      for (guint k = 0; k + 2 < f1->n_kids && same; k++)
        same = same_text (f1->kids[k], f2->kids[k]);
      /* the lets between e and q must not be used by q's loop */
      for (WirExpr *m = e->kids[1]; same && m != q; m = m->kids[1])
        same = uses (q->kids[0], m->name) == 0;
      if (!same)
        continue;
      note (p, f2, "fused the loop of '%s' with the loop of '%s' into a struct of builders",
            q->name, e->name);
      /* move q up: e's let and q's let become lets on r */
      WirExpr *qq = wir_expr_copy (p->prog, q);
      WirExpr *rest = replace_node (p->prog, e->kids[1], q, q->kids[1]);
      WirExpr *first = wir_expr_copy (p->prog, e);
      first->kids[1] = qq;
      qq->kids[1] = rest;
      return merge_structs (p, first, qq);
    }
  return e;
}

static WirExpr *
horizontal (Pass *p, WirExpr *e)
{
  for (guint k = 0; k < e->n_kids && p->changes == 0; k++)
    e->kids[k] = horizontal (p, e->kids[k]);
  if (p->changes > 0)
    return e;
  e = zip_of_maps (p, e);
  if (p->changes > 0)
    return e;
  return struct_of_builders (p, e);
}

/* ---- cse (§9.4) ---- */

/* What a round of cse needs of every node, computed once, bottom-up:
 * printing each subtree, and asking has_builder of each, cost time in its
 * size, so a chain of n nodes took n^2 per round (a fuzzed program of 543
 * bytes, 100 rounds: 2.8 s). Equal prints have equal shapes, so only
 * nodes whose shape another node shares are printed. */
typedef struct {
  guint shape;                  /* a hash of the subtree, names and literals included */
  gboolean builder;             /* has_builder */
} Node;

static const Node *
node_of (GHashTable *memo, const WirExpr *e)
{
  Node *n = g_hash_table_lookup (memo, e);
  if (n != NULL)
    return n;
  n = g_new (Node, 1);
  guint h = (guint) e->kind * 131u + (guint) e->op;
  if (e->kind == WIR_LIT)
    h = h * 31u + (guint) e->ltype * 7u + g_int64_hash (&e->lit.i);
  if (e->name != NULL)
    h = h * 31u + g_str_hash (e->name);
  for (guint k = 0; k < e->n_params; k++)
    h = h * 31u + g_str_hash (e->params[k].name);
  h = ((h * 31u + e->index) * 31u + (guint) e->iter_kind) * 31u + (guint) e->is_zip * 2u
      + (guint) (e->predicate + 1);
  n->builder = wir_type_is_builder (e->type) || e->kind == WIR_FOR || e->kind == WIR_LAMBDA;
  for (guint k = 0; k < e->n_kids; k++)
    {
      const Node *kid = node_of (memo, e->kids[k]);
      h = h * 1000003u ^ kid->shape;
      n->builder = n->builder || kid->builder;
    }
  n->shape = h;
  g_hash_table_insert (memo, (gpointer) e, n);
  return n;
}

typedef struct {
  GHashTable *memo;              /* const WirExpr * -> Node * */
  GHashTable *by_shape;          /* shape -> GPtrArray of candidates, in census order */
  GHashTable *nested_at;         /* candidate -> 1 if it sits in a nested site */
} Census;

static gboolean
cse_candidate (GHashTable *memo, const WirExpr *e)
{
  return !is_trivial (e) && e->kind != WIR_LAMBDA && e->kind != WIR_ITER
         && e->type != NULL && !wir_type_is_builder (e->type) && e->predicate < 0
         && !node_of (memo, e)->builder;
}

static void
census (Census *c, const WirExpr *e, gboolean nested)
{
  if (cse_candidate (c->memo, e))
    {
      gpointer shape = GUINT_TO_POINTER (node_of (c->memo, e)->shape);
      GPtrArray *same = g_hash_table_lookup (c->by_shape, shape);
      if (same == NULL)
        g_hash_table_insert (c->by_shape, shape, same = g_ptr_array_new ());
      g_ptr_array_add (same, (gpointer) e);
      if (nested)
        g_hash_table_add (c->nested_at, (gpointer) e);
    }
  for (guint k = 0; k < e->n_kids; k++)
    {
      /* lambda bodies, if arms and let bodies are sites of their own */
      gboolean site = e->kind == WIR_LAMBDA || (e->kind == WIR_IF && k > 0)
                      || (e->kind == WIR_LET && k == 1);
      census (c, e->kids[k], nested || site);
    }
}

/* replace every candidate subtree of shape @shape printing as @key by
 * IDENT @name */
static WirExpr *
replace_text (WirProgram *prog, GHashTable *memo, WirExpr *e, guint shape, const char *key,
              const char *name)
{
  if (node_of (memo, e)->shape == shape && cse_candidate (memo, e))
    {
      g_autofree char *t = wir_expr_print (e);
      if (strcmp (t, key) == 0)
        return wir_expr_ident (prog, name);
    }
  for (guint k = 0; k < e->n_kids; k++)
    e->kids[k] = replace_text (prog, memo, e->kids[k], shape, key, name);
  return e;
}

static WirExpr *cse_site (Pass *p, WirExpr *e);

static WirExpr *
cse_nested (Pass *p, WirExpr *e)
{
  for (guint k = 0; k < e->n_kids; k++)
    {
      gboolean site = e->kind == WIR_LAMBDA || (e->kind == WIR_IF && k > 0)
                      || (e->kind == WIR_LET && k == 1);
      e->kids[k] = site ? cse_site (p, e->kids[k]) : cse_nested (p, e->kids[k]);
    }
  return e;
}

static WirExpr *
cse_site (Pass *p, WirExpr *e)
{
  Census c = { g_hash_table_new_full (NULL, NULL, NULL, g_free),
               g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) g_ptr_array_unref),
               g_hash_table_new (NULL, NULL) };
  census (&c, e, FALSE);
  /* among the nodes of one shape, count each print: direct sites, and
   * nested ones once; innermost first: the shortest text, ties broken by
   * the text */
  char *best = NULL;
  const WirExpr *best_expr = NULL;
  GHashTableIter it;
  gpointer key, val;
  g_hash_table_iter_init (&it, c.by_shape);
  while (g_hash_table_iter_next (&it, &key, &val))
    {
      GPtrArray *same = val;
      if (same->len < 2)
        continue;
      g_autoptr(GPtrArray) texts = g_ptr_array_new_with_free_func (g_free);
      g_autoptr(GHashTable) direct = g_hash_table_new (g_str_hash, g_str_equal);
      g_autoptr(GHashTable) nested = g_hash_table_new (g_str_hash, g_str_equal);
      g_autoptr(GHashTable) last = g_hash_table_new (g_str_hash, g_str_equal);   /* the one logged */
      for (guint k = 0; k < same->len; k++)
        {
          const WirExpr *x = same->pdata[k];
          char *text = wir_expr_print (x);
          gboolean is_nested = g_hash_table_contains (c.nested_at, x);
          gpointer seen = NULL, d = NULL;
          if (g_hash_table_lookup_extended (direct, text, &seen, &d))
            g_free (text), text = seen;
          else
            g_ptr_array_add (texts, text);
          g_hash_table_insert (last, text, (gpointer) x);
          g_hash_table_insert (direct, text, GUINT_TO_POINTER (GPOINTER_TO_UINT (d) + !is_nested));
          if (is_nested)
            g_hash_table_add (nested, text);
        }
      GHashTableIter jt;
      gpointer text, count;
      g_hash_table_iter_init (&jt, direct);
      while (g_hash_table_iter_next (&jt, &text, &count))
        {
          guint d = GPOINTER_TO_UINT (count) + (g_hash_table_contains (nested, text) ? 1u : 0u);
          if (d < 2)
            continue;
          if (best == NULL || strlen (text) < strlen (best)
              || (strlen (text) == strlen (best) && strcmp (text, best) < 0))
            {
              g_free (best);
              best = g_strdup (text);
              best_expr = g_hash_table_lookup (last, text);
            }
        }
    }
  WirExpr *r = e;
  if (best != NULL)
    {
      guint shape = node_of (c.memo, best_expr)->shape;
      WirExpr *let = wir_expr_new (p->prog, WIR_LET, 2);
      let->name = wir_fresh_name (p->prog, "cse");
      let->kids[0] = wir_expr_clone (p->prog, best_expr);
      let->kids[1] = replace_text (p->prog, c.memo, e, shape, best, let->name);
      note (p, best_expr, "bound the repeated '%.40s' to '%s'", best, let->name);
      r = let;
    }
  g_free (best);
  g_hash_table_unref (c.memo);
  g_hash_table_unref (c.by_shape);
  g_hash_table_unref (c.nested_at);
  return r == e ? cse_nested (p, e) : r;   /* a new let: the next round sees its body */
}

/* ---- infer-size (§9.5) ---- */

/* a copy of the fresh appender @b0 sized to len(@v) */
static WirExpr *
sized_appender (Pass *p, const WirExpr *b0, const char *v)
{
  WirExpr *sized = wir_expr_new (p->prog, WIR_NEWBUILDER, 1);
  *sized = *b0;
  sized->n_kids = 1;
  sized->kids = wir_alloc (p->prog, sizeof *sized->kids);
  sized->kids[0] = wir_expr_new (p->prog, WIR_LEN, 1);
  sized->kids[0]->kids[0] = wir_expr_ident (p->prog, v);
  note (p, b0, "sized the appender to len(%s)", v);
  return sized;
}

/* a struct of @n builders @bs whose body is lets that do not touch them,
 * then {merge(bs.$0, v0), ..., merge(bs.$(n-1), vn-1)}: one merge into
 * each field per iteration */
static gboolean
merges_once_each (const WirExpr *body, const char *bs, guint n)
{
  for (; body->kind == WIR_LET; body = body->kids[1])
    if (uses (body->kids[0], bs) > 0)
      return FALSE;
  if (body->kind != WIR_MAKESTRUCT || body->n_kids != n)
    return FALSE;
  for (guint k = 0; k < n; k++)
    {
      const WirExpr *m = body->kids[k];
      if (m->kind != WIR_MERGE || m->kids[0]->kind != WIR_GETFIELD || m->kids[0]->index != k
          || !is_ident (m->kids[0]->kids[0], bs) || uses (m->kids[1], bs) > 0)
        return FALSE;
    }
  return TRUE;
}

static WirExpr *
infer_size (Pass *p, WirExpr *e)
{
  for (guint k = 0; k < e->n_kids; k++)
    e->kids[k] = infer_size (p, e->kids[k]);
  if (e->kind != WIR_FOR)
    return e;
  guint n = e->n_kids - 2;
  WirExpr *b0 = e->kids[n], *l = e->kids[n + 1];
  if (!whole_vector_iters (e) || e->kids[0]->kids[0]->kind != WIR_IDENT)
    return e;
  const char *v = e->kids[0]->kids[0]->name;
  if (b0->kind == WIR_MAKESTRUCT && merges_once_each (l->kids[0], l->params[0].name, b0->n_kids))
    {
      for (guint k = 0; k < b0->n_kids; k++)
        if (is_fresh_appender (b0->kids[k]))
          b0->kids[k] = sized_appender (p, b0->kids[k], v);
      return e;
    }
  if (!is_fresh_appender (b0))
    return e;
  Count c = merge_count (l->kids[0], l->params[0].name);
  if (c.min != 1 || c.max != 1)
    return e;
  e->kids[n] = sized_appender (p, b0, v);
  return e;
}

/* ---- predicate (§9.6) ---- */

static WirExpr *
identity_of (WirProgram *prog, WirType *bt, WirType *t)
{
  t = wir_type_resolve (t);
  if (bt->op == WIR_OP_COMBINE)
    return wir_expr_clone (prog, bt->combine->identity);
  if (t->kind == WIR_T_STRUCT)
    {
      WirExpr *s = wir_expr_new (prog, WIR_MAKESTRUCT, t->n_fields);
      for (guint k = 0; k < t->n_fields; k++)
        s->kids[k] = identity_of (prog, bt, t->fields[k]);
      return s;
    }
  WirExpr *l = wir_expr_new (prog, WIR_LIT, 0);
  gboolean fl = wir_type_is_float (t->kind);
  l->ltype = t->kind;
  switch (bt->op)
    {
    case WIR_OP_ADD: l->lit.i = 0; l->lit.f = 0; break;
    case WIR_OP_MUL: if (fl) l->lit.f = 1; else l->lit.i = 1; break;
    case WIR_OP_MIN:
      if (fl) l->lit.f = INFINITY; else l->lit.i = t->kind == WIR_T_I32 ? G_MAXINT32 : G_MAXINT64;
      break;
    default:
      if (fl) l->lit.f = -INFINITY; else l->lit.i = t->kind == WIR_T_I32 ? G_MININT32 : G_MININT64;
      break;
    }
  return l;
}

static WirExpr *
predicate (Pass *p, WirExpr *e)
{
  for (guint k = 0; k < e->n_kids; k++)
    e->kids[k] = predicate (p, e->kids[k]);
  if (e->kind != WIR_IF || e->predicate == 0)
    return e;
  WirExpr *t = e->kids[1], *f = e->kids[2];
  if (t->kind == WIR_MERGE && f->kind == WIR_IDENT && is_ident (t->kids[0], f->name)
      && e->predicate == 1)
    {
      WirType *bt = wir_type_resolve (f->type);
      if (bt->kind != WIR_T_MERGER || !cannot_trap (t->kids[1]))
        return e;
      WirExpr *sel = wir_expr_new (p->prog, WIR_SELECT, 3);
      sel->kids[0] = e->kids[0];
      sel->kids[1] = t->kids[1];
      sel->kids[2] = identity_of (p->prog, bt, bt->elem);
      WirExpr *m = wir_expr_copy (p->prog, t);
      m->kids[1] = sel;
      note (p, e, "predicated the merge under if");
      return m;
    }
  if (is_trivial (t) && is_trivial (f) && !wir_type_is_builder (t->type))
    {
      WirExpr *sel = wir_expr_copy (p->prog, e);
      sel->kind = WIR_SELECT;
      sel->predicate = -1;
      note (p, e, "turned if into select");
      return sel;
    }
  return e;
}

/* ---- running passes ---- */

typedef WirExpr *(*Rewrite) (Pass *p, WirExpr *e);

static const struct { const char *name; Rewrite fn; gboolean unique; } passes[] = {
  { "inline-apply", NULL, FALSE },
  { "uniquify", NULL, TRUE },
  { "short-circuit", short_circuit, FALSE },
  { "inline-let", inline_let, TRUE },
  { "vertical-fusion", vertical, TRUE },
  { "horizontal-fusion", horizontal, TRUE },
  { "cse", cse_site, TRUE },
  { "infer-size", infer_size, FALSE },
  { "predicate", predicate, FALSE },
};

const char *const *
wir_pass_names (void)
{
  static const char *names[G_N_ELEMENTS (passes) + 1];
  for (guint k = 0; k < G_N_ELEMENTS (passes); k++)
    names[k] = passes[k].name;
  return names;
}

gboolean
wir_pass_run (WirProgram *prog, const char *name, GString *log, GError **error)
{
  guint idx = G_N_ELEMENTS (passes);
  for (guint k = 0; k < G_N_ELEMENTS (passes); k++)
    if (strcmp (passes[k].name, name) == 0)
      idx = k;
  if (idx == G_N_ELEMENTS (passes))
    return g_set_error (error, WIR_ERROR, WIR_ERROR_UNSUPPORTED, "unknown pass '%s'", name), FALSE;
  gboolean allow_builder = wir_type_is_builder (prog->lambda->type);
  if (!prog->checked && !wir_program_check (prog, allow_builder, error))
    return FALSE;
  if (passes[idx].unique)
    uniquify (prog);
  if (passes[idx].fn == NULL)
    return wir_program_check (prog, allow_builder, error);
  g_autofree char *before = wir_program_print (prog);
  for (guint round = 0; round < WIR_MAX_FIXPOINT; round++)
    {
      Pass p = { prog, log, 0, round > 0 };
      prog->lambda->kids[0] = passes[idx].fn (&p, prog->lambda->kids[0]);
      if (!wir_program_check (prog, allow_builder, error))
        return g_prefix_error (error, "after %s: ", name), FALSE;
      g_autofree char *after = wir_program_print (prog);
      if (p.changes == 0 || strcmp (after, before) == 0)
        break;
      g_free (before);
      before = g_steal_pointer (&after);
    }
  return TRUE;
}

gboolean
wir_optimize (WirProgram *prog, gboolean fusion, GString *log, GError **error)
{
  static const char *const order[] = {
    "inline-apply", "uniquify", "short-circuit", "inline-let", "vertical-fusion",
    "horizontal-fusion", "inline-let", "cse", "infer-size", "predicate",
  };
  for (guint k = 0; k < G_N_ELEMENTS (order); k++)
    {
      if (!fusion && g_str_has_suffix (order[k], "-fusion"))
        continue;
      if (!wir_pass_run (prog, order[k], log, error))
        return FALSE;
    }
  return TRUE;
}
