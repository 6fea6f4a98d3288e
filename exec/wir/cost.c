/* exec/wir/cost.c - bytes, flops and launches of the optimized IR (cost.h). */
#include "config.h"

#include "exec/wir/cost.h"
#include "exec/wir/wir-private.h"

#include <string.h>

void
wir_cost_params_default (WirCostParams *p)
{
  *p = (WirCostParams) {
    .launch_s = 2e-6, .bw_bytes_per_s = 10.5e9, .flops_per_s = 4e9,
    .cache_bytes = 1 << 20, .gather_bytes = 64,
    .w_div = 4, .w_exp = 10, .w_log = 10, .w_tanh = 12, .w_erf = 12, .w_sqrt = 4, .w_philox = 30,
  };
}

typedef struct Len { const char *name; double len; const struct Len *up; } Len;

typedef struct {
  const WirCostParams *p;
  WirCost *cost;
  GHashTable *gathered;       /* vectors counted once in this kernel */
} Est;

static double vec_len (Est *s, const WirExpr *e, const Len *env);

static double
lit_or (const WirExpr *e, double fallback)
{
  return e->kind == WIR_LIT && wir_type_is_int (e->ltype) ? (double) e->lit.i : fallback;
}

static double
trip (Est *s, const WirExpr *it, const Len *env)
{
  switch (it->iter_kind)
    {
    case WIR_ITER_SIMPLE:
      return vec_len (s, it->kids[0], env);
    case WIR_ITER_RANGE:
      {
        double a = lit_or (it->kids[0], 0), b = lit_or (it->kids[1], -1), k = lit_or (it->kids[2], 1);
        return b < 0 ? 1 : MAX (0, (b - a) / MAX (k, 1));
      }
    default:
      {
        double a = lit_or (it->kids[1], 0), k = lit_or (it->kids[3], 1);
        double b = lit_or (it->kids[2], vec_len (s, it->kids[0], env));
        return MAX (0, (b - a) / MAX (k, 1));
      }
    }
}

static double
vec_len (Est *s, const WirExpr *e, const Len *env)
{
  switch (e->kind)
    {
    case WIR_IDENT:
      for (const Len *l = env; l != NULL; l = l->up)
        if (strcmp (l->name, e->name) == 0)
          return l->len;
      return 0;
    case WIR_MAKEVEC:
      return e->n_kids;
    case WIR_SLICE:
      return MIN (lit_or (e->kids[2], vec_len (s, e->kids[0], env)), vec_len (s, e->kids[0], env));
    case WIR_RESULT:
      return vec_len (s, e->kids[0], env);
    case WIR_FOR:
      {
        WirType *b = wir_type_resolve (e->type);
        if (b->kind == WIR_T_VECMERGER)
          return vec_len (s, e->kids[e->n_kids - 2], env);
        return trip (s, e->kids[0], env);   /* an upper bound when it filters */
      }
    case WIR_NEWBUILDER:
      return e->n_kids == 1 ? vec_len (s, e->kids[0], env) : 0;
    case WIR_LET:
      {
        Len l = { e->name, vec_len (s, e->kids[0], env), env };
        return vec_len (s, e->kids[1], &l);
      }
    case WIR_IF:
      return MAX (vec_len (s, e->kids[1], env), vec_len (s, e->kids[2], env));
    case WIR_GETFIELD:
      return e->kids[0]->kind == WIR_MAKESTRUCT ? vec_len (s, e->kids[0]->kids[e->index], env) : 0;
    default:
      return 0;
    }
}

static double
op_weight (const WirCostParams *p, const WirExpr *e)
{
  switch (e->kind)
    {
    case WIR_BINOP:
      if (e->op == WIR_OP_DIV || e->op == WIR_OP_MOD)
        return p->w_div;
      return e->op == WIR_OP_POW ? p->w_exp + p->w_log : 1;
    case WIR_UNOP:
      switch (e->op)
        {
        case WIR_OP_EXP: return p->w_exp;
        case WIR_OP_LOG: return p->w_log;
        case WIR_OP_SQRT: return p->w_sqrt;
        case WIR_OP_ERF: return p->w_erf;
        case WIR_OP_NEG: case WIR_OP_NOT: return 1;
        default: return p->w_tanh;
        }
    case WIR_SELECT:
      return 1;
    case WIR_PHILOX:
      return p->w_philox;
    default:
      return 0;
    }
}

static double elem_size (WirType *t)
{
  return (double) wir_type_size (wir_type_resolve (t)->elem);
}

/* flops of one evaluation of @e; bytes of its lookups and merges, each
 * scaled by @times (the evaluations per kernel) */
static double
body_cost (Est *s, const WirExpr *e, const Len *env, double times)
{
  double f = op_weight (s->p, e);
  if (e->kind == WIR_LOOKUP)
    {
      double len = vec_len (s, e->kids[0], env), sz = elem_size (e->kids[0]->type);
      g_autofree char *key = wir_expr_print (e->kids[0]);
      if (len * sz <= s->p->cache_bytes)
        {
          if (!g_hash_table_contains (s->gathered, key))
            s->cost->bytes_read += len * sz;
          g_hash_table_add (s->gathered, g_steal_pointer (&key));
        }
      else
        s->cost->bytes_read += times * s->p->gather_bytes;
    }
  if (e->kind == WIR_MERGE)
    {
      WirType *b = wir_type_resolve (e->kids[0]->type);
      if (b->kind == WIR_T_APPENDER)
        s->cost->bytes_written += times * (double) wir_type_size (b->elem);
    }
  if (e->kind == WIR_FOR)
    {
      guint n = e->n_kids - 2;
      double inner = trip (s, e->kids[0], env);
      for (guint k = 0; k < n; k++)
        if (e->kids[k]->iter_kind != WIR_ITER_RANGE)
          s->cost->bytes_read += times * inner * elem_size (e->kids[k]->kids[0]->type);
      f += body_cost (s, e->kids[n], env, times);
      return f + inner * body_cost (s, e->kids[n + 1]->kids[0], env, times * inner);
    }
  if (e->kind == WIR_LET)
    {
      f += body_cost (s, e->kids[0], env, times);
      Len l = { e->name, vec_len (s, e->kids[0], env), env };
      return f + body_cost (s, e->kids[1], &l, times);
    }
  for (guint k = 0; k < e->n_kids; k++)
    f += body_cost (s, e->kids[k], env, times);
  return f;
}

/* a top-level loop: one kernel */
static void
kernel (Est *s, const WirExpr *e, const Len *env)
{
  guint n = e->n_kids - 2;
  double trips = trip (s, e->kids[0], env);
  WirCost *c = s->cost;
  g_hash_table_remove_all (s->gathered);
  c->n_kernels++;
  double r0 = c->bytes_read, w0 = c->bytes_written, f0 = c->flops;
  for (guint k = 0; k < n; k++)
    if (e->kids[k]->iter_kind != WIR_ITER_RANGE)
      c->bytes_read += trips * elem_size (e->kids[k]->kids[0]->type);
  WirType *b = wir_type_resolve (e->type);
  if (b->kind == WIR_T_VECMERGER)
    {
      double bytes = vec_len (s, e->kids[n], env) * (double) wir_type_size (b->elem);
      c->bytes_read += bytes;
      c->bytes_written += bytes;
    }
  c->flops += trips * body_cost (s, e->kids[n + 1]->kids[0], env, trips);
  double t = MAX ((c->bytes_read - r0 + c->bytes_written - w0) / s->p->bw_bytes_per_s,
                  (c->flops - f0) / s->p->flops_per_s);
  c->time_s += s->p->launch_s + t;
}

static void
walk (Est *s, const WirExpr *e, const Len *env)
{
  if (e->kind == WIR_FOR)
    {
      for (guint k = 0; k + 2 < e->n_kids; k++)
        walk (s, e->kids[k], env);     /* producers inside iterators first */
      walk (s, e->kids[e->n_kids - 2], env);
      kernel (s, e, env);
      return;
    }
  if (e->kind == WIR_LET)
    {
      walk (s, e->kids[0], env);
      Len l = { e->name, vec_len (s, e->kids[0], env), env };
      walk (s, e->kids[1], &l);
      return;
    }
  for (guint k = 0; k < e->n_kids; k++)
    walk (s, e->kids[k], env);
}

void
wir_cost_estimate (WirProgram *prog, WirValue *const *args, guint n_args,
                   gint64 default_len, const WirCostParams *params, WirCost *cost)
{
  const WirExpr *l = prog->lambda;
  Len *lens = g_new0 (Len, l->n_params + 1);
  const Len *env = NULL;
  memset (cost, 0, sizeof *cost);
  for (guint k = 0; k < l->n_params; k++)
    {
      gconstpointer data;
      gint64 len = 0;
      if (args != NULL && k < n_args && wir_value_vec (args[k], &data, &len))
        lens[k].len = (double) len;
      else
        lens[k].len = wir_type_resolve (l->params[k].type)->kind == WIR_T_VEC ? (double) default_len : 0;
      lens[k].name = l->params[k].name;
      lens[k].up = env;
      env = &lens[k];
    }
  Est s = { params, cost, g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL) };
  walk (&s, l->kids[0], env);
  g_hash_table_unref (s.gathered);
  g_free (lens);
}
