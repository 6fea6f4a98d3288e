/* exec/wir/emit-c.c - WIR to C (backend-c.h).
 *
 * Every WIR expression becomes one C expression, using GNU statement
 * expressions `({ ... })` for let, loops and checks, so the tree maps onto
 * C without a statement/expression split. A failed check jumps out to the
 * entry function's `wir_fail` label (GCC permits jumping out of a statement
 * expression). Bound symbols get canonical names (v0, v1, ... in binding
 * order) and temporaries unique ones (t0, t1, ...), so nested expressions
 * never shadow each other and the source, hence the cache key, does not
 * depend on how the program spelled its names.
 *
 * Builders are pointers to state allocated through the context: an
 * appender {data, len, cap} (growth allocates anew: no realloc across the
 * host's heap), a merger {acc}, a vecmerger {data, len} (a copy).
 */
#include "config.h"

#include "exec/wir/backend-c.h"
#include "exec/wir/wir-private.h"

/* rt.h as the string wir_rt_text (see rt.h), rt-avx512.h likewise */
#define WIR_RT_BODY(...) static const char wir_rt_text[] = #__VA_ARGS__;
#include "exec/wir/rt.h"
#define WIR_RT_AVX512_BODY(...) static const char wir_rt_avx512_text[] = #__VA_ARGS__;
#include "exec/wir/rt-avx512.h"

#include <math.h>
#include <string.h>

typedef struct Name { const char *wir; char *c; const struct Name *up; } Name;

typedef struct _Tight Tight;

typedef struct {
  WirProgram *prog;
  GString *types;           /* struct definitions, in dependency order */
  GHashTable *tnames;       /* printed WIR type -> C type */
  guint n_types, n_tmp, n_vars;
  const Name *names;
  const Tight *tight;       /* while emitting a tight loop's body (below) */
  gboolean philox_blocks;   /* a tight loop calls WIR_RT_PHILOX_BLOCKS */
} Emit;

static void ex (Emit *m, GString *o, const WirExpr *e);

/* ---- types ---- */

static const char *
ctype (Emit *m, WirType *t)
{
  t = wir_type_resolve (t);
  switch (t->kind)
    {
    case WIR_T_BOOL: return "uint8_t";
    case WIR_T_I32: return "int32_t";
    case WIR_T_I64: return "int64_t";
    case WIR_T_F32: return "float";
    case WIR_T_F64: return "double";
    case WIR_T_F16: case WIR_T_BF16: return "uint16_t";
    default: break;
    }
  g_autofree char *key = wir_type_print (t);
  const char *have = g_hash_table_lookup (m->tnames, key);
  if (have != NULL)
    return have;
  guint n = m->n_types++;
  GString *def = g_string_new (NULL);
  char *name;
  switch (t->kind)
    {
    case WIR_T_VEC:
      g_string_append_printf (def, "struct wir_v%u { %s *data; int64_t len; };\n", n, ctype (m, t->elem));
      name = g_strdup_printf ("struct wir_v%u", n);
      break;
    case WIR_T_STRUCT:
      g_string_append_printf (def, "struct wir_s%u {", n);
      for (guint k = 0; k < t->n_fields; k++)
        g_string_append_printf (def, " %s f%u;", ctype (m, t->fields[k]), k);
      g_string_append (def, " };\n");
      name = g_strdup_printf ("struct wir_s%u", n);
      break;
    case WIR_T_APPENDER:
      g_string_append_printf (def, "struct wir_a%u { %s *data; int64_t len, cap; };\n", n, ctype (m, t->elem));
      name = g_strdup_printf ("struct wir_a%u *", n);
      break;
    case WIR_T_MERGER:
      g_string_append_printf (def, "struct wir_m%u { %s acc; };\n", n, ctype (m, t->elem));
      name = g_strdup_printf ("struct wir_m%u *", n);
      break;
    default:
      g_string_append_printf (def, "struct wir_w%u { %s *data; int64_t len; };\n", n, ctype (m, t->elem));
      name = g_strdup_printf ("struct wir_w%u *", n);
      break;
    }
  g_string_append (m->types, def->str);
  g_string_free (def, TRUE);
  g_hash_table_insert (m->tnames, g_steal_pointer (&key), name);
  return name;
}

/* the struct a builder pointer points to: "struct wir_a3 *" -> "struct wir_a3" */
static char *
pointee (Emit *m, WirType *t)
{
  const char *c = ctype (m, t);
  return g_strndup (c, strlen (c) - 2);
}

/* ---- names ---- */

static char *
tmp (Emit *m)
{
  return g_strdup_printf ("t%u", m->n_tmp++);
}

static const char *
bind_name (Emit *m, const char *wir, Name *slot)
{
  slot->wir = wir;
  slot->c = g_strdup_printf ("v%u", m->n_vars++);
  slot->up = m->names;
  m->names = slot;
  return slot->c;
}

static void
unbind (Emit *m, Name *slot)
{
  m->names = slot->up;
  g_free (slot->c);
}

static const char *
lookup_name (Emit *m, const char *wir)
{
  for (const Name *n = m->names; n != NULL; n = n->up)
    if (strcmp (n->wir, wir) == 0)
      return n->c;
  g_assert_not_reached ();
}

/* ---- pieces ---- */

#define FAIL(o, code, e) \
  g_string_append_printf (o, "{ ctx->error = %d; ctx->error_pos = %u; goto wir_fail; }", code, (e)->start)

enum { E_OOB = 1, E_OOM = 2, E_DIV0 = 3, E_ZIP = 4 };

static void
lit_float (GString *o, double v, gboolean f32)
{
  if (isnan (v))
    g_string_append (o, f32 ? "__builtin_nanf (\"\")" : "__builtin_nan (\"\")");
  else if (isinf (v))
    g_string_append_printf (o, "(%s%s)", v < 0 ? "-" : "", f32 ? "__builtin_inff ()" : "__builtin_inf ()");
  else
    g_string_append_printf (o, f32 ? "%af" : "%a", f32 ? (double) (float) v : v);
}

static void
lit (GString *o, const WirExpr *e)
{
  switch (e->ltype)
    {
    case WIR_T_BOOL: g_string_append_printf (o, "((uint8_t) %d)", (int) e->lit.i); break;
    case WIR_T_I32:
      if (e->lit.i == G_MININT32)
        g_string_append (o, "INT32_MIN");
      else
        g_string_append_printf (o, "((int32_t) %" G_GINT64_FORMAT ")", e->lit.i);
      break;
    case WIR_T_I64:
      if (e->lit.i == G_MININT64)
        g_string_append (o, "INT64_MIN");
      else
        g_string_append_printf (o, "INT64_C (%" G_GINT64_FORMAT ")", e->lit.i);
      break;
    default:
      lit_float (o, e->lit.f, e->ltype == WIR_T_F32);
      break;
    }
}

static const char *
math_name (WirOp op, gboolean f32)
{
  static char buf[16];
  g_snprintf (buf, sizeof buf, "%s%s", wir_op_text (op), f32 ? "f" : "");
  return buf;
}

/* a op b on C names @a, @b of type @t (scalar or struct, field by field);
 * op is arithmetic, min or max */
static void
combine_names (Emit *m, GString *o, WirType *t, WirOp op, const char *a, const char *b)
{
  t = wir_type_resolve (t);
  if (t->kind == WIR_T_STRUCT)
    {
      g_string_append_printf (o, "((%s) {", ctype (m, t));
      for (guint k = 0; k < t->n_fields; k++)
        {
          g_autofree char *fa = g_strdup_printf ("%s.f%u", a, k), *fb = g_strdup_printf ("%s.f%u", b, k);
          g_string_append (o, k > 0 ? ", " : " ");
          combine_names (m, o, t->fields[k], op, fa, fb);
        }
      g_string_append (o, " })");
      return;
    }
  gboolean fl = wir_type_is_float (t->kind);
  const char *ct = ctype (m, t);
  switch (op)
    {
    case WIR_OP_ADD: g_string_append_printf (o, "((%s) (%s + %s))", ct, a, b); break;
    case WIR_OP_MUL: g_string_append_printf (o, "((%s) (%s * %s))", ct, a, b); break;
    case WIR_OP_MIN:
    case WIR_OP_MAX:
      if (fl)   /* a NaN operand wins (weld.md §5); one select, no branch */
        g_string_append_printf (o, "((%s %s %s || %s != %s) ? %s : %s)",
                                a, op == WIR_OP_MIN ? "<" : ">", b, a, a, a, b);
      else
        g_string_append_printf (o, "(%s %s %s ? %s : %s)", a, op == WIR_OP_MIN ? "<" : ">", b, a, b);
      break;
    default:
      g_assert_not_reached ();
    }
}

/* acc := acc op v for a merger or vecmerger type @bt; @acc is an lvalue */
static void
merge_into (Emit *m, GString *o, WirType *bt, const char *acc, const char *v)
{
  if (bt->op != WIR_OP_COMBINE)
    {
      g_string_append_printf (o, "%s = ", acc);
      combine_names (m, o, bt->elem, bt->op, acc, v);
      g_string_append (o, ";");
      return;
    }
  WirCombine *c = bt->combine;
  Name na, nb;
  const char *ct = ctype (m, bt->elem);
  g_string_append_printf (o, "%s = ({ %s ", acc, ct);
  g_string_append_printf (o, "%s = %s; %s ", bind_name (m, c->a.name, &na), acc, ct);
  g_string_append_printf (o, "%s = %s; ", bind_name (m, c->b.name, &nb), v);
  ex (m, o, c->body);
  g_string_append (o, "; });");
  unbind (m, &nb);
  unbind (m, &na);
}

/* ---- expressions ---- */

static void
binop (Emit *m, GString *o, const WirExpr *e)
{
  WirType *t = wir_type_resolve (e->kids[0]->type);
  const char *ct = ctype (m, t);
  gboolean fl = wir_type_is_float (t->kind), f32 = t->kind == WIR_T_F32;
  g_autofree char *a = tmp (m), *b = tmp (m);
  if (e->op == WIR_OP_AND || e->op == WIR_OP_OR)
    {
      g_string_append (o, "((uint8_t) (");
      ex (m, o, e->kids[0]);
      g_string_append (o, e->op == WIR_OP_AND ? " && " : " || ");
      ex (m, o, e->kids[1]);
      g_string_append (o, "))");
      return;
    }
  g_string_append_printf (o, "({ %s %s = ", ct, a);
  ex (m, o, e->kids[0]);
  g_string_append_printf (o, "; %s %s = ", ct, b);
  ex (m, o, e->kids[1]);
  g_string_append (o, "; ");
  if (wir_op_is_cmp (e->op))
    g_string_append_printf (o, "(uint8_t) (%s %s %s)", a, wir_op_text (e->op), b);
  else if (e->op == WIR_OP_MIN || e->op == WIR_OP_MAX)
    combine_names (m, o, t, e->op, a, b);
  else if (e->op == WIR_OP_POW)
    g_string_append_printf (o, "%s (%s, %s)", f32 ? "powf" : "pow", a, b);
  else if (fl && e->op == WIR_OP_MOD)
    g_string_append_printf (o, "%s (%s, %s)", f32 ? "fmodf" : "fmod", a, b);
  else if (!fl && (e->op == WIR_OP_DIV || e->op == WIR_OP_MOD))
    {
      g_string_append_printf (o, "if (%s == 0) ", b);
      FAIL (o, E_DIV0, e);
      if (e->op == WIR_OP_DIV)
        g_string_append_printf (o, " (%s) (%s == -1 ? -%s : %s / %s)", ct, b, a, a, b);
      else
        g_string_append_printf (o, " (%s) (%s == -1 ? 0 : %s %% %s)", ct, b, a, b);
    }
  else
    g_string_append_printf (o, "(%s) (%s %s %s)", ct, a, wir_op_text (e->op), b);
  g_string_append (o, "; })");
}

static void
cast (Emit *m, GString *o, const WirExpr *e)
{
  WirTypeKind from = wir_type_resolve (e->kids[0]->type)->kind, to = e->ty->kind;
  GString *a = g_string_new (NULL);
  ex (m, a, e->kids[0]);
  /* a half first becomes the float it stores */
  if (from == WIR_T_F16 || from == WIR_T_BF16)
    {
      char *w = g_strdup_printf ("wir_rt_%s_to_f32 (%s)", from == WIR_T_F16 ? "f16" : "bf16", a->str);
      g_string_assign (a, w);
      g_free (w);
      if (to == from)
        to = WIR_T_VAR;           /* same-type: the bits, below */
      from = WIR_T_F32;
    }
  gboolean ffrom = wir_type_is_float (from);
  switch (to)
    {
    case WIR_T_I32: case WIR_T_I64:
      if (ffrom)
        g_string_append_printf (o, "wir_rt_sat_%s ((double) (%s))", to == WIR_T_I32 ? "i32" : "i64", a->str);
      else
        g_string_append_printf (o, "((%s) (%s))", to == WIR_T_I32 ? "int32_t" : "int64_t", a->str);
      break;
    case WIR_T_F32: g_string_append_printf (o, "((float) (%s))", a->str); break;
    case WIR_T_F64: g_string_append_printf (o, "((double) (%s))", a->str); break;
    case WIR_T_F16: case WIR_T_BF16:
      g_string_append_printf (o, "wir_rt_%s_to_%s (%s%s)", from == WIR_T_F64 || !ffrom ? "f64" : "f32",
                              to == WIR_T_F16 ? "f16" : "bf16", !ffrom ? "(double) " : "", a->str);
      break;
    default:      /* f16(f16) or bf16(bf16): convert back, bit-exact */
      g_string_append_printf (o, "wir_rt_f32_to_%s (%s)",
                              wir_type_resolve (e->kids[0]->type)->kind == WIR_T_F16 ? "f16" : "bf16", a->str);
      break;
    }
  g_string_free (a, TRUE);
}

static void merger_builder (Emit *m, GString *o, const WirExpr *e);

static void
new_builder (Emit *m, GString *o, const WirExpr *e)
{
  WirType *t = wir_type_resolve (e->type);
  if (t->kind == WIR_T_MERGER)
    {
      merger_builder (m, o, e);
      return;
    }
  g_autofree char *st = pointee (m, t), *b = tmp (m), *a = tmp (m);
  const char *et = ctype (m, t->elem);
  g_string_append_printf (o, "({ %s *%s = ctx->alloc (ctx->self, sizeof *%s); if (%s == NULL) ", st, b, b, b);
  FAIL (o, E_OOM, e);
  if (t->kind == WIR_T_APPENDER)
    {
      g_string_append_printf (o, " %s->len = 0; %s->cap = 0; %s->data = NULL;", b, b, b);
      if (e->n_kids == 1)
        {
          g_string_append_printf (o, " int64_t %s = ", a);
          ex (m, o, e->kids[0]);
          /* a hint, not a bound: if it cannot be had, grow instead */
          g_string_append_printf (o, "; if (%s > 0 && %s <= INT64_MAX / (int64_t) sizeof (%s)) {"
                                  " %s->data = ctx->alloc (ctx->self, %s * (int64_t) sizeof (%s));"
                                  " if (%s->data != NULL) %s->cap = %s; }", a, a, et, b, a, et, b, b, a);
        }
    }
  else
    {
      const char *vt = ctype (m, e->kids[0]->type);
      g_string_append_printf (o, " %s %s = ", vt, a);
      ex (m, o, e->kids[0]);
      g_string_append_printf (o, "; %s->len = %s.len; %s->data = ctx->alloc (ctx->self, %s.len * (int64_t) sizeof (%s));"
                              " if (%s->data == NULL && %s.len > 0) ", b, a, b, a, et, b, a);
      FAIL (o, E_OOM, e);
      g_string_append_printf (o, " if (%s.len > 0) memcpy (%s->data, %s.data, %s.len * sizeof (%s));", a, b, a, a, et);
    }
  g_string_append_printf (o, " %s; })", b);
}

static void
identity_init (Emit *m, GString *o, WirType *bt, WirType *t, const char *lv)
{
  t = wir_type_resolve (t);
  if (t->kind == WIR_T_STRUCT)
    {
      for (guint k = 0; k < t->n_fields; k++)
        {
          g_autofree char *f = g_strdup_printf ("%s.f%u", lv, k);
          identity_init (m, o, bt, t->fields[k], f);
        }
      return;
    }
  gboolean fl = wir_type_is_float (t->kind);
  const char *big = t->kind == WIR_T_I32 ? "INT32_MAX" : "INT64_MAX";
  const char *small = t->kind == WIR_T_I32 ? "INT32_MIN" : "INT64_MIN";
  switch (bt->op)
    {
    case WIR_OP_ADD: g_string_append_printf (o, " %s = 0;", lv); break;
    case WIR_OP_MUL: g_string_append_printf (o, " %s = 1;", lv); break;
    case WIR_OP_MIN: g_string_append_printf (o, " %s = %s;", lv, fl ? "INFINITY" : big); break;
    default: g_string_append_printf (o, " %s = %s;", lv, fl ? "-INFINITY" : small); break;
    }
}

static void
merger_builder (Emit *m, GString *o, const WirExpr *e)
{
  WirType *t = wir_type_resolve (e->type);
  g_autofree char *st = pointee (m, t), *b = tmp (m), *a = tmp (m);
  g_string_append_printf (o, "({ %s *%s = ctx->alloc (ctx->self, sizeof *%s); if (%s == NULL) ", st, b, b, b);
  FAIL (o, E_OOM, e);
  if (t->op == WIR_OP_COMBINE)
    {
      g_string_append_printf (o, " %s->acc = ", b);
      ex (m, o, t->combine->identity);
      g_string_append (o, ";");
    }
  else
    {
      g_autofree char *lv = g_strdup_printf ("%s->acc", b);
      identity_init (m, o, t, t->elem, lv);
    }
  if (e->n_kids == 1)        /* the initial value, merged exactly once */
    {
      g_autofree char *acc = g_strdup_printf ("%s->acc", b);
      g_string_append_printf (o, " %s %s = ", ctype (m, t->elem), a);
      ex (m, o, e->kids[0]);
      g_string_append (o, "; ");
      merge_into (m, o, t, acc, a);
    }
  g_string_append_printf (o, " %s; })", b);
}

static void
merge (Emit *m, GString *o, const WirExpr *e)
{
  WirType *t = wir_type_resolve (e->kids[0]->type);
  g_autofree char *b = tmp (m), *v = tmp (m);
  const char *et = ctype (m, t->elem);
  g_string_append_printf (o, "({ %s %s = ", ctype (m, t), b);
  ex (m, o, e->kids[0]);
  g_string_append_printf (o, "; %s %s = ", ctype (m, e->kids[1]->type), v);
  ex (m, o, e->kids[1]);
  g_string_append (o, "; ");
  if (t->kind == WIR_T_APPENDER)
    {
      g_autofree char *nd = tmp (m), *nc = tmp (m);
      g_string_append_printf (o, "if (%s->len == %s->cap) { int64_t %s = %s->cap < 16 ? 16 : 2 * %s->cap;"
                              " %s *%s = ctx->alloc (ctx->self, %s * (int64_t) sizeof (%s)); if (%s == NULL) ",
                              b, b, nc, b, b, et, nd, nc, et, nd);
      FAIL (o, E_OOM, e);
      g_string_append_printf (o, " if (%s->len > 0) memcpy (%s, %s->data, %s->len * sizeof (%s));"
                              " %s->data = %s; %s->cap = %s; } %s->data[%s->len++] = %s;",
                              b, nd, b, b, et, b, nd, b, nc, b, b, v);
    }
  else if (t->kind == WIR_T_MERGER)
    {
      g_autofree char *acc = g_strdup_printf ("%s->acc", b);
      merge_into (m, o, t, acc, v);
    }
  else
    {
      g_string_append_printf (o, "if ((uint64_t) %s.f0 >= (uint64_t) %s->len) ", v, b);
      FAIL (o, E_OOB, e);
      g_autofree char *acc = g_strdup_printf ("%s->data[%s.f0]", b, v);
      g_autofree char *x = g_strdup_printf ("%s.f1", v);
      merge_into (m, o, t, acc, x);
    }
  g_string_append_printf (o, " %s; })", b);
}

static void
result (Emit *m, GString *o, const WirExpr *e)
{
  WirType *t = wir_type_resolve (e->kids[0]->type);
  g_autofree char *b = tmp (m);
  g_string_append_printf (o, "({ %s %s = ", ctype (m, t), b);
  ex (m, o, e->kids[0]);
  if (t->kind == WIR_T_MERGER)
    g_string_append_printf (o, "; %s->acc; })", b);
  else
    g_string_append_printf (o, "; (%s) { %s->data, %s->len }; })", ctype (m, e->type), b, b);
}

/* ---- loops ---- */

typedef struct { char *it, *s, *k, *n, *sh, *st; WirIterKind kind; } Iter;

static void
open_iter (Emit *m, GString *o, const WirExpr *it, Iter *c)
{
  c->kind = it->iter_kind;
  c->it = tmp (m), c->s = tmp (m), c->k = tmp (m), c->n = tmp (m), c->sh = tmp (m), c->st = tmp (m);
  guint o1 = 0;
  if (c->kind != WIR_ITER_RANGE)
    {
      g_string_append_printf (o, "%s %s = ", ctype (m, it->kids[0]->type), c->it);
      ex (m, o, it->kids[0]);
      g_string_append (o, "; ");
      o1 = 1;
    }
  if (c->kind == WIR_ITER_SIMPLE)
    {
      g_string_append_printf (o, "int64_t %s = 0, %s = 1, %s = %s.len; ", c->s, c->k, c->n, c->it);
      return;
    }
  g_autofree char *e = tmp (m);
  g_string_append_printf (o, "int64_t %s = ", c->s);
  ex (m, o, it->kids[o1]);
  g_string_append_printf (o, ", %s = ", e);
  ex (m, o, it->kids[o1 + 1]);
  g_string_append_printf (o, ", %s = ", c->k);
  ex (m, o, it->kids[o1 + 2]);
  g_string_append_printf (o, "; if (%s < 1) ", c->k);
  FAIL (o, E_OOB, it);
  g_string_append_printf (o, " int64_t %s = %s <= %s ? 0 : (int64_t) (((uint64_t) %s - (uint64_t) %s + (uint64_t) %s - 1) / (uint64_t) %s); ",
                          c->n, e, c->s, e, c->s, c->k, c->k);
  if (c->kind == WIR_ITER_ITER)
    {
      g_string_append_printf (o, "if (%s > 0 && (%s < 0 || %s > %s.len)) ", c->n, c->s, e, c->it);
      FAIL (o, E_OOB, it);
    }
  if (c->kind == WIR_ITER_ND)
    {
      g_autofree char *tot = tmp (m), *d = tmp (m);
      g_string_append_printf (o, "%s %s = ", ctype (m, it->kids[4]->type), c->sh);
      ex (m, o, it->kids[4]);
      g_string_append_printf (o, "; %s %s = ", ctype (m, it->kids[5]->type), c->st);
      ex (m, o, it->kids[5]);
      g_string_append_printf (o, "; if (%s.len < 1 || %s.len != %s.len) ", c->sh, c->sh, c->st);
      FAIL (o, E_OOB, it);
      g_string_append_printf (o, " int64_t %s = 1; for (int64_t %s = 0; %s < %s.len; %s++) %s = (int64_t) ((uint64_t) %s * (uint64_t) (%s.data[%s] > 0 ? %s.data[%s] : 0));"
                              " if (%s > 0 && (%s < 0 || %s > %s)) ",
                              tot, d, d, c->sh, d, tot, tot, c->sh, d, c->sh, d, c->n, c->s, e, tot);
      FAIL (o, E_OOB, it);
      g_string_append (o, " ");
    }
}

static void
iter_elem (Emit *m, GString *o, const WirExpr *it, const Iter *c, const char *j)
{
  if (c->kind == WIR_ITER_RANGE)
    g_string_append_printf (o, "(%s + %s * %s)", c->s, j, c->k);
  else if (c->kind == WIR_ITER_SIMPLE)      /* start 0, stride 1: said plainly, so that
                                             * the compiler sees a unit stride */
    g_string_append_printf (o, "%s.data[%s]", c->it, j);
  else if (c->kind != WIR_ITER_ND)
    g_string_append_printf (o, "%s.data[%s + %s * %s]", c->it, c->s, j, c->k);
  else
    {
      g_autofree char *idx = tmp (m), *r = tmp (m), *d = tmp (m), *nd = tmp (m);
      g_string_append_printf (o, "({ int64_t %s = 0, %s = %s + %s * %s; for (int64_t %s = %s.len; %s-- > 0;) {"
                              " int64_t %s = %s.data[%s]; %s += (%s %% %s) * %s.data[%s]; %s /= %s; }"
                              " if ((uint64_t) %s >= (uint64_t) %s.len) ",
                              idx, r, c->s, j, c->k, d, c->sh, d, nd, c->sh, d, idx, r, nd, c->st, d, r, nd,
                              idx, c->it);
      FAIL (o, E_OOB, it);
      g_string_append_printf (o, " %s.data[%s]; })", c->it, idx);
    }
}

/* the element of @e's iterators at index @j: one iterator's element, or
 * a zip's struct of them */
static void
loop_element (Emit *m, GString *o, const WirExpr *e, const Iter *cs, const char *j)
{
  guint n = e->n_kids - 2;

  if (!e->is_zip)
    {
      iter_elem (m, o, e->kids[0], &cs[0], j);
      return;
    }
  g_string_append_printf (o, "(%s) {", ctype (m, e->kids[n + 1]->params[2].itype));
  for (guint k = 0; k < n; k++)
    {
      g_string_append (o, k > 0 ? ", " : " ");
      iter_elem (m, o, e->kids[k], &cs[k], j);
    }
  g_string_append (o, " }");
}

/* the loop over opened iterators @cs, from the initial builder @e->kids[n]
 * to the last: builder state carried through every iteration */
static void
loop_general (Emit *m, GString *o, const WirExpr *e, Iter *cs, const char *cur)
{
  guint n = e->n_kids - 2;
  const WirExpr *f = e->kids[n + 1];
  g_autofree char *j = tmp (m);
  const char *bt = ctype (m, e->type);
  g_string_append_printf (o, "%s = ", cur);
  ex (m, o, e->kids[n]);
  g_string_append_printf (o, "; for (int64_t %s = 0; %s < %s; %s++) { ", j, j, cs[0].n, j);
  Name nb, ni, nx;
  const char *vb = bind_name (m, f->params[0].name, &nb);
  const char *vi = bind_name (m, f->params[1].name, &ni);
  const char *vx = bind_name (m, f->params[2].name, &nx);
  g_string_append_printf (o, "%s %s = %s; int64_t %s = %s; %s %s = ", bt, vb, cur, vi, j,
                          ctype (m, f->params[2].itype), vx);
  loop_element (m, o, e, cs, j);
  g_string_append_printf (o, "; (void) %s; (void) %s; (void) %s; %s = ", vb, vi, vx, cur);
  ex (m, o, f->kids[0]);
  g_string_append (o, "; } ");
  unbind (m, &nx);
  unbind (m, &ni);
  unbind (m, &nb);
}

static gboolean tight_loop (Emit *m, GString *o, const WirExpr *e, Iter *cs, const char *cur);

static void
for_loop (Emit *m, GString *o, const WirExpr *e)
{
  guint n = e->n_kids - 2;
  Iter *cs = g_new0 (Iter, n);
  g_autofree char *cur = tmp (m);
  g_string_append (o, "({ ");
  for (guint k = 0; k < n; k++)
    {
      open_iter (m, o, e->kids[k], &cs[k]);
      if (k > 0)
        {
          g_string_append_printf (o, "if (%s != %s) ", cs[k].n, cs[0].n);
          FAIL (o, E_ZIP, e);
          g_string_append (o, " ");
        }
    }
  g_string_append_printf (o, "%s %s; ", ctype (m, e->type), cur);
  if (!tight_loop (m, o, e, cs, cur))
    loop_general (m, o, e, cs, cur);
  g_string_append_printf (o, "%s; })", cur);
  for (guint k = 0; k < n; k++)
    g_free (cs[k].it), g_free (cs[k].s), g_free (cs[k].k), g_free (cs[k].n), g_free (cs[k].sh), g_free (cs[k].st);
  g_free (cs);
}

/* ---- tight loops ----
 *
 * A `for` whose initial builder is one fresh sized appender, or a struct
 * of them, each merged exactly once per iteration at the tail of the body
 * ({merge(bs.$0, e0), ..., merge(bs.$k, ek)} after a chain of lets), and
 * whose body can neither fail nor allocate, is emitted twice:
 *
 *   fast:    when every hint equals the trip count N and the checks below
 *            hold up front: data arrays of N elements in restrict locals,
 *            written by index (d0[j] = e0), no builder state in the loop,
 *            so the compiler vectorizes it;
 *   general: otherwise, the loop above, which meets any failure exactly
 *            where the interpreter does.
 *
 * In the fast loop, which runs in chunks of at most TIGHT_CHUNK
 * iterations (over the cores with -fopenmp, weld.md §10.3):
 *   i % H (H loop-invariant) is r + (j - c0), the chunks split at the
 *     multiples of H and r = c0 % H once per chunk (needs H > 0);
 *   lookup(v, i % H) and lookup(v, i) (v invariant) are unchecked loads,
 *     their bounds proven up front (min(N, H) <= len(v), N <= len(v));
 *   philox(seed, base + i) (seed, base invariant) reads a word computed,
 *     a piece of at most PHILOX_PIECE iterations at a time, by
 *     wir_rt_philox_blocks, one block per four offsets: the same bits as
 *     wir_rt_philox (weld.md §8.1); meanwhile the next piece's inputs are
 *     prefetched (philox_prefetch).
 * Both paths allocate the same bytes; appender order is index order.
 */

#define TIGHT_CHUNK 4096
/* iterations per batch of Philox words (one block per four): computing a
 * chunk's words in one go leaves the memory idle meanwhile; in pieces of
 * 1024 the hardware prefetcher keeps the input streaming (bias + GELU +
 * dropout on one core, outputs already mapped: 28.4 -> 25.7 ms) */
#define PHILOX_PIECE 1024
/* Philox blocks between prefetches: while a piece's words are computed,
 * the memory would be idle; each group of blocks prefetches the inputs of
 * the next piece as far on as itself (4 x PHILOX_GROUP elements of each),
 * so the next piece finds them in cache, also after a page fault of a
 * fresh output has cost the hardware prefetcher its stream. Bias + GELU +
 * dropout on one core, groups of 32 with rt.h's loop: fused 74 -> 70 ms
 * with fresh outputs, 24.5 -> 25.5 ms with kept ones; the unfused
 * program, whose dropout loop is little but Philox and traffic, 178 ->
 * 172 ms and 43.6 -> 33 ms. 64, the blocks rt-avx512.h's loop takes at a
 * time (docs/wir.md, "Speed") */
#define PHILOX_GROUP 64
/* chunks before a fast loop runs in parallel (64 Ki elements) */
#define TIGHT_PARALLEL_MIN 16

typedef enum { SUB_MOD, SUB_LOOKUP_MOD, SUB_LOOKUP_I, SUB_PHILOX, SUB_STORE } SubKind;

typedef struct { SubKind kind; guint slot, mod; } Sub;

struct _Tight {
  const char *bname, *iname, *xname;
  GHashTable *inner;            /* names bound inside the body */
  GHashTable *subs;             /* const WirExpr * -> Sub * */
  GPtrArray *mods;              /* the divisor H of each i % H */
  GPtrArray *vecs;              /* the vector of each lookup */
  GPtrArray *philox;            /* PHILOX nodes */
  GPtrArray *outs;              /* the NEWBUILDER of each output */
  GPtrArray *merges;            /* the MERGE into each output */
  char *pre, *j;                /* emission: name prefix, the index */
};

static Sub *
add_sub (Tight *t, const WirExpr *e, SubKind kind, guint slot, guint mod)
{
  Sub *s = g_new (Sub, 1);
  s->kind = kind, s->slot = slot, s->mod = mod;
  g_hash_table_insert (t->subs, (gpointer) e, s);
  return s;
}

/* evaluated once before the loop: refers to no name bound inside it,
 * cannot fail, allocates nothing */
static gboolean
invariant (const Tight *t, const WirExpr *e)
{
  switch (e->kind)
    {
    case WIR_LIT: return TRUE;
    case WIR_IDENT: return !g_hash_table_contains (t->inner, e->name);
    case WIR_LEN: case WIR_GETFIELD: return invariant (t, e->kids[0]);
    case WIR_UNOP: return e->op == WIR_OP_NEG && invariant (t, e->kids[0]);
    case WIR_BINOP:
      return (e->op == WIR_OP_ADD || e->op == WIR_OP_SUB || e->op == WIR_OP_MUL)
             && invariant (t, e->kids[0]) && invariant (t, e->kids[1]);
    default: return FALSE;
    }
}

static gboolean
is_index (const Tight *t, const WirExpr *e)
{
  return e->kind == WIR_IDENT && strcmp (e->name, t->iname) == 0;
}

/* i % H with H invariant: its slot in t->mods, or -1 */
static int
mod_of (Tight *t, const WirExpr *e)
{
  if (e->kind != WIR_BINOP || e->op != WIR_OP_MOD || !is_index (t, e->kids[0])
      || !invariant (t, e->kids[1]) || wir_type_resolve (e->type)->kind != WIR_T_I64)
    return -1;
  g_ptr_array_add (t->mods, e->kids[1]);
  return (int) t->mods->len - 1;
}

/* can neither fail nor allocate nor touch the builder; records the
 * rewrites of the fast loop */
static gboolean
safe (Tight *t, const WirExpr *e)
{
  switch (e->kind)
    {
    case WIR_LIT: return TRUE;
    case WIR_IDENT: return strcmp (e->name, t->bname) != 0;
    case WIR_BINOP:
      if (!wir_type_is_float (wir_type_resolve (e->type)->kind)
          && (e->op == WIR_OP_DIV || e->op == WIR_OP_MOD))
        {
          int k = mod_of (t, e);
          if (k >= 0)
            return add_sub (t, e, SUB_MOD, (guint) k, 0), TRUE;
          const WirExpr *d = e->kids[1];
          if (d->kind != WIR_LIT || d->lit.i == 0 || d->lit.i == -1)
            return FALSE;
        }
      break;
    case WIR_LOOKUP:
      {
        if (!invariant (t, e->kids[0]))
          return FALSE;
        g_ptr_array_add (t->vecs, e->kids[0]);
        guint v = t->vecs->len - 1;
        if (is_index (t, e->kids[1]))
          return add_sub (t, e, SUB_LOOKUP_I, v, 0), TRUE;
        int k = mod_of (t, e->kids[1]);
        if (k >= 0)
          return add_sub (t, e, SUB_LOOKUP_MOD, v, (guint) k), TRUE;
        return FALSE;
      }
    case WIR_PHILOX:
      {
        const WirExpr *off = e->kids[1];
        if (invariant (t, e->kids[0])
            && (is_index (t, off)
                || (off->kind == WIR_BINOP && off->op == WIR_OP_ADD
                    && ((is_index (t, off->kids[0]) && invariant (t, off->kids[1]))
                        || (is_index (t, off->kids[1]) && invariant (t, off->kids[0]))))))
          {
            g_ptr_array_add (t->philox, (gpointer) e);
            return add_sub (t, e, SUB_PHILOX, t->philox->len - 1, 0), TRUE;
          }
      }
      break;
    case WIR_LET: case WIR_UNOP: case WIR_CAST: case WIR_IF: case WIR_SELECT:
    case WIR_MAKESTRUCT: case WIR_GETFIELD: case WIR_LEN:
      break;
    default:
      return FALSE;
    }
  for (guint k = 0; k < e->n_kids; k++)
    if (!safe (t, e->kids[k]))
      return FALSE;
  return TRUE;
}

static void
collect_lets (Tight *t, const WirExpr *e)
{
  if (e->kind == WIR_LET)
    g_hash_table_add (t->inner, e->name);
  for (guint k = 0; k < e->n_kids; k++)
    collect_lets (t, e->kids[k]);
}

static gboolean
is_sized_appender (const Tight *t, const WirExpr *b)
{
  return b->kind == WIR_NEWBUILDER && b->n_kids == 1
         && wir_type_resolve (b->type)->kind == WIR_T_APPENDER && invariant (t, b->kids[0]);
}

/* fills @t, or FALSE when @e is no tight loop */
static gboolean
tight_plan (Tight *t, const WirExpr *e)
{
  guint n = e->n_kids - 2;
  const WirExpr *b0 = e->kids[n], *f = e->kids[n + 1];
  for (guint k = 0; k < n; k++)
    if (e->kids[k]->iter_kind == WIR_ITER_ND)
      return FALSE;
  t->bname = f->params[0].name, t->iname = f->params[1].name, t->xname = f->params[2].name;
  g_hash_table_add (t->inner, (gpointer) t->bname);
  g_hash_table_add (t->inner, (gpointer) t->iname);
  g_hash_table_add (t->inner, (gpointer) t->xname);
  collect_lets (t, f->kids[0]);
  if (is_sized_appender (t, b0))
    g_ptr_array_add (t->outs, (gpointer) b0);
  else if (b0->kind == WIR_MAKESTRUCT && b0->n_kids > 0)
    for (guint k = 0; k < b0->n_kids; k++)
      {
        if (!is_sized_appender (t, b0->kids[k]))
          return FALSE;
        g_ptr_array_add (t->outs, b0->kids[k]);
      }
  else
    return FALSE;
  const WirExpr *body = f->kids[0];
  for (; body->kind == WIR_LET; body = body->kids[1])
    if (strcmp (body->name, t->bname) == 0 || strcmp (body->name, t->iname) == 0
        || strcmp (body->name, t->xname) == 0 || !safe (t, body->kids[0]))
      return FALSE;
  guint n_out = t->outs->len;
  for (guint k = 0; k < n_out; k++)
    {
      const WirExpr *mg = b0->kind == WIR_MAKESTRUCT
                          ? (body->kind == WIR_MAKESTRUCT && body->n_kids == n_out ? body->kids[k] : NULL)
                          : body;
      if (mg == NULL || mg->kind != WIR_MERGE)
        return FALSE;
      const WirExpr *to = mg->kids[0];
      if (b0->kind == WIR_MAKESTRUCT)
        {
          if (to->kind != WIR_GETFIELD || to->index != k)
            return FALSE;
          to = to->kids[0];
        }
      if (to->kind != WIR_IDENT || strcmp (to->name, t->bname) != 0 || !safe (t, mg->kids[1]))
        return FALSE;
      g_ptr_array_add (t->merges, (gpointer) mg);
      add_sub (t, mg, SUB_STORE, k, 0);
    }
  return TRUE;
}

static gboolean
tight_sub (Emit *m, GString *o, const WirExpr *e)
{
  const Tight *t = m->tight;
  const Sub *s = g_hash_table_lookup (t->subs, e);
  if (s == NULL)
    return FALSE;
  const char *p = t->pre, *j = t->j;
  switch (s->kind)
    {
    case SUB_MOD:
      g_string_append_printf (o, "(%sr%u + (%s - %sc0))", p, s->slot, j, p);
      break;
    case SUB_LOOKUP_MOD:
      g_string_append_printf (o, "%sv%u.data[%sr%u + (%s - %sc0)]", p, s->slot, p, s->mod, j, p);
      break;
    case SUB_LOOKUP_I:
      g_string_append_printf (o, "%sv%u.data[%s]", p, s->slot, j);
      break;
    case SUB_PHILOX:
      g_string_append_printf (o, "wir_rt_philox_word (%sq%u[%s - %sc0])", p, s->slot, j, p);
      break;
    case SUB_STORE:
      {
        /* the store; the builder value is a placeholder nobody reads */
        const Tight *save = m->tight;
        g_string_append_printf (o, "({ %sd%u[%s] = ", p, s->slot, j);
        ex (m, o, e->kids[1]);
        m->tight = save;
        g_string_append_printf (o, "; (%s) 0; })", ctype (m, e->type));
      }
      break;
    }
  return TRUE;
}

/* In the Philox group loop (group index <pre>g): prefetches, from every
 * vector the loop iterates from its start with stride 1, the elements of
 * the next piece that this group's words correspond to. A prefetch never
 * faults; the address is formed as an integer, so it may run past the
 * vector's end. */
static void
philox_prefetch (Emit *m, GString *o, const Tight *t, const WirExpr *e, const Iter *cs, const char *N)
{
  const char *p = t->pre;
  guint n = e->n_kids - 2;
  g_string_append_printf (o, "if (%sc1 + 4 * %sg < %s) { ", p, p, N);
  for (guint k = 0; k < n; k++)
    {
      if (cs[k].kind != WIR_ITER_SIMPLE)
        continue;
      WirType *vt = wir_type_resolve (e->kids[k]->kids[0]->type);
      g_string_append_printf (o, "for (int64_t %spf = 0; %spf < 4 * %d * (int64_t) sizeof (%s); %spf += 64)"
                              " __builtin_prefetch ((const void *) ((uintptr_t) (%s.data + %sc1 + 4 * %sg) + (uintptr_t) %spf), 0, 3); ",
                              p, p, PHILOX_GROUP, ctype (m, vt->elem), p, cs[k].it, p, p, p);
    }
  g_string_append (o, "} ");
}

static gboolean
tight_loop (Emit *m, GString *o, const WirExpr *e, Iter *cs, const char *cur)
{
  Tight t = { NULL, NULL, NULL, g_hash_table_new (g_str_hash, g_str_equal),
              g_hash_table_new_full (NULL, NULL, NULL, g_free), g_ptr_array_new (), g_ptr_array_new (),
              g_ptr_array_new (), g_ptr_array_new (), g_ptr_array_new (), NULL, NULL };
  gboolean ok = m->tight == NULL && tight_plan (&t, e);
  if (!ok)
    goto out;
  guint n = e->n_kids - 2;
  const WirExpr *f = e->kids[n + 1];
  t.pre = tmp (m);
  t.j = tmp (m);
  const char *p = t.pre, *j = t.j, *N = cs[0].n;
  /* the invariants, once */
  for (guint k = 0; k < t.mods->len; k++)
    {
      g_string_append_printf (o, "int64_t %sh%u = ", p, k);
      ex (m, o, t.mods->pdata[k]);
      g_string_append (o, "; ");
    }
  for (guint k = 0; k < t.vecs->len; k++)
    {
      const WirExpr *v = t.vecs->pdata[k];
      g_string_append_printf (o, "%s %sv%u = ", ctype (m, v->type), p, k);
      ex (m, o, v);
      g_string_append (o, "; ");
    }
  for (guint k = 0; k < t.philox->len; k++)
    {
      const WirExpr *ph = t.philox->pdata[k], *off = ph->kids[1];
      g_string_append_printf (o, "int64_t %ss%u = ", p, k);
      ex (m, o, ph->kids[0]);
      g_string_append_printf (o, "; int64_t %sb%u = ", p, k);
      if (is_index (&t, off))
        g_string_append (o, "0");
      else
        ex (m, o, off->kids[is_index (&t, off->kids[0]) ? 1 : 0]);
      g_string_append (o, "; ");
    }
  for (guint k = 0; k < t.outs->len; k++)
    {
      const WirExpr *b = t.outs->pdata[k];
      g_string_append_printf (o, "int64_t %sn%u = ", p, k);
      ex (m, o, b->kids[0]);
      g_string_append (o, "; ");
    }
  /* the fast loop's conditions */
  g_string_append (o, "if (1");
  for (guint k = 0; k < t.outs->len; k++)
    {
      const WirExpr *b = t.outs->pdata[k];
      g_string_append_printf (o, " && %sn%u == %s && %s <= INT64_MAX / (int64_t) sizeof (%s)",
                              p, k, N, N, ctype (m, wir_type_resolve (b->type)->elem));
    }
  for (guint k = 0; k < t.mods->len; k++)
    g_string_append_printf (o, " && %sh%u > 0", p, k);
  GHashTableIter hi;
  gpointer key, val;
  g_hash_table_iter_init (&hi, t.subs);
  while (g_hash_table_iter_next (&hi, &key, &val))
    {
      const Sub *s = val;
      if (s->kind == SUB_LOOKUP_I)
        g_string_append_printf (o, " && %s <= %sv%u.len", N, p, s->slot);
      else if (s->kind == SUB_LOOKUP_MOD)
        g_string_append_printf (o, " && (%s < %sh%u ? %s : %sh%u) <= %sv%u.len", N, p, s->mod, N, p, s->mod, p, s->slot);
    }
  g_string_append (o, ") { ");
  for (guint k = 0; k < t.outs->len; k++)
    {
      const WirExpr *b = t.outs->pdata[k];
      WirType *bt = wir_type_resolve (b->type);
      g_autofree char *st = pointee (m, bt);
      const char *et = ctype (m, bt->elem);
      g_string_append_printf (o, "%s *%sa%u = ctx->alloc (ctx->self, sizeof *%sa%u); if (%sa%u == NULL) ",
                              st, p, k, p, k, p, k);
      FAIL (o, E_OOM, b);
      g_string_append_printf (o, " %s *restrict %sd%u = NULL; if (%s > 0) { %sd%u = ctx->alloc (ctx->self, %s * (int64_t) sizeof (%s));"
                              " if (%sd%u == NULL) ", et, p, k, N, p, k, N, et, p, k);
      FAIL (o, E_OOM, (const WirExpr *) t.merges->pdata[k]);
      g_string_append (o, " } ");
    }
  /* chunks of TIGHT_CHUNK, split further at the multiples of each H;
   * under -fopenmp (WirCOptions.parallel) the chunks are shared out over
   * the cores, statically, once there are TIGHT_PARALLEL_MIN of them:
   * every element is computed alone, so the bits do not depend on it */
  g_string_append_printf (o, "int64_t %snq = %s / %d + (%s %% %d != 0); "
                          "_Pragma (\"omp parallel for schedule(static) if (%snq >= %d)\") "
                          "for (int64_t %sq = 0; %sq < %snq; %sq++) { "
                          "int64_t %se1 = %s - %sq * %d > %d ? %sq * %d + %d : %s; "
                          "for (int64_t %sc0 = %sq * %d, %sc1; %sc0 < %se1; %sc0 = %sc1) { %sc1 = %se1; ",
                          p, N, TIGHT_CHUNK, N, TIGHT_CHUNK, p, TIGHT_PARALLEL_MIN,
                          p, p, p, p,
                          p, N, p, TIGHT_CHUNK, TIGHT_CHUNK, p, TIGHT_CHUNK, TIGHT_CHUNK, N,
                          p, p, TIGHT_CHUNK, p, p, p, p, p, p, p);
  /* with Philox words, pieces of at most PHILOX_PIECE: the words of a
   * piece are computed, then used, while the input streams on */
  if (t.philox->len > 0)
    g_string_append_printf (o, "if (%sc1 - %sc0 > %d) %sc1 = %sc0 + %d; ", p, p, PHILOX_PIECE, p, p, PHILOX_PIECE);
  for (guint k = 0; k < t.mods->len; k++)
    g_string_append_printf (o, "int64_t %sr%u = %sc0 %% %sh%u; if (%sh%u - %sr%u < %sc1 - %sc0) %sc1 = %sc0 + (%sh%u - %sr%u); ",
                            p, k, p, p, k, p, k, p, k, p, p, p, p, p, k, p, k);
  for (guint k = 0; k < t.philox->len; k++)
    {
      g_string_append_printf (o, "uint32_t %sw%u[%d + 8]; uint64_t %so%u = (uint64_t) %sb%u + (uint64_t) %sc0;"
                              " int64_t %snb%u = (int64_t) (((%so%u & 3) + (uint64_t) (%sc1 - %sc0) + 3) >> 2);"
                              " for (int64_t %sg = 0; %sg < %snb%u; %sg += %d) { ",
                              p, k, PHILOX_PIECE, p, k, p, k, p, p, k, p, k, p, p,
                              p, p, p, k, p, PHILOX_GROUP);
      if (k == 0)
        philox_prefetch (m, o, &t, e, cs, N);
      m->philox_blocks = TRUE;
      g_string_append_printf (o, "WIR_RT_PHILOX_BLOCKS (%ss%u, (%so%u >> 2) + (uint64_t) %sg, %snb%u - %sg < %d ? %snb%u - %sg : %d, %sw%u + 4 * %sg); }"
                              " const uint32_t *%sq%u = %sw%u + (%so%u & 3); ",
                              p, k, p, k, p, p, k, p, PHILOX_GROUP, p, k, p, PHILOX_GROUP, p, k, p,
                              p, k, p, k, p, k);
    }
  /* the loop writes only the arrays it has just allocated, which no input
   * can alias: ivdep spares gcc the run-time alias checks, of which it
   * makes at most 10 (4 inputs and 3 outputs, Adam's loop, need 12, and
   * without the hint that loop stays scalar) */
  g_string_append_printf (o, "_Pragma (\"GCC ivdep\") "
                          "for (int64_t %s = %sc0; %s < %sc1; %s++) { ", j, p, j, p, j);
  Name ni, nx;
  const char *vi = bind_name (m, f->params[1].name, &ni);
  const char *vx = bind_name (m, f->params[2].name, &nx);
  g_string_append_printf (o, "int64_t %s = %s; %s %s = ", vi, j, ctype (m, f->params[2].itype), vx);
  loop_element (m, o, e, cs, j);
  g_string_append_printf (o, "; (void) %s; (void) %s; (void) ", vi, vx);
  m->tight = &t;
  ex (m, o, f->kids[0]);
  m->tight = NULL;
  g_string_append (o, "; } } } ");
  unbind (m, &nx);
  unbind (m, &ni);
  for (guint k = 0; k < t.outs->len; k++)
    g_string_append_printf (o, "%sa%u->data = %sd%u; %sa%u->len = %s; %sa%u->cap = %s; ",
                            p, k, p, k, p, k, N, p, k, N);
  if (t.outs->len == 1 && ((const WirExpr *) t.outs->pdata[0] == e->kids[n]))
    g_string_append_printf (o, "%s = %sa0; ", cur, p);
  else
    {
      g_string_append_printf (o, "%s = (%s) {", cur, ctype (m, e->type));
      for (guint k = 0; k < t.outs->len; k++)
        g_string_append_printf (o, "%s %sa%u", k > 0 ? "," : "", p, k);
      g_string_append (o, " }; ");
    }
  g_string_append (o, "} else { ");
  loop_general (m, o, e, cs, cur);
  g_string_append (o, "} ");
out:
  g_free (t.pre);
  g_free (t.j);
  g_hash_table_unref (t.inner);
  g_hash_table_unref (t.subs);
  g_ptr_array_unref (t.mods);
  g_ptr_array_unref (t.vecs);
  g_ptr_array_unref (t.philox);
  g_ptr_array_unref (t.outs);
  g_ptr_array_unref (t.merges);
  return ok;
}

static void
let (Emit *m, GString *o, const WirExpr *e)
{
  Name n;
  g_string_append_printf (o, "({ %s ", ctype (m, e->kids[0]->type));
  GString *v = g_string_new (NULL);
  ex (m, v, e->kids[0]);          /* before the name is bound: no capture */
  const char *c = bind_name (m, e->name, &n);
  g_string_append_printf (o, "%s = %s; (void) %s; ", c, v->str, c);
  g_string_free (v, TRUE);
  ex (m, o, e->kids[1]);
  g_string_append (o, "; })");
  unbind (m, &n);
}

static void
lookup (Emit *m, GString *o, const WirExpr *e)
{
  g_autofree char *v = tmp (m), *i = tmp (m);
  g_string_append_printf (o, "({ %s %s = ", ctype (m, e->kids[0]->type), v);
  ex (m, o, e->kids[0]);
  g_string_append_printf (o, "; int64_t %s = ", i);
  ex (m, o, e->kids[1]);
  g_string_append_printf (o, "; if (ctx->bounds_check && (uint64_t) %s >= (uint64_t) %s.len) ", i, v);
  FAIL (o, E_OOB, e);
  g_string_append_printf (o, " %s.data[%s]; })", v, i);
}

static void
slice (Emit *m, GString *o, const WirExpr *e)
{
  g_autofree char *v = tmp (m), *s = tmp (m), *n = tmp (m);
  const char *vt = ctype (m, e->kids[0]->type);
  g_string_append_printf (o, "({ %s %s = ", vt, v);
  ex (m, o, e->kids[0]);
  g_string_append_printf (o, "; int64_t %s = ", s);
  ex (m, o, e->kids[1]);
  g_string_append_printf (o, ", %s = ", n);
  ex (m, o, e->kids[2]);
  g_string_append_printf (o, "; if (%s < 0 || %s > %s.len) ", s, s, v);
  FAIL (o, E_OOB, e);
  g_string_append_printf (o, " if (%s > %s.len - %s) %s = %s.len - %s; if (%s < 0) %s = 0;"
                          " (%s) { %s.data + %s, %s }; })", n, v, s, n, v, s, n, n, vt, v, s, n);
}

static void
make_vec (Emit *m, GString *o, const WirExpr *e)
{
  WirType *t = wir_type_resolve (e->type);
  const char *et = ctype (m, t->elem);
  g_autofree char *d = tmp (m);
  g_string_append_printf (o, "({ %s *%s = ctx->alloc (ctx->self, %u * (int64_t) sizeof (%s)); if (%s == NULL && %u > 0) ",
                          et, d, e->n_kids, et, d, e->n_kids);
  FAIL (o, E_OOM, e);
  for (guint k = 0; k < e->n_kids; k++)
    {
      g_string_append_printf (o, " %s[%u] = ", d, k);
      ex (m, o, e->kids[k]);
      g_string_append (o, ";");
    }
  g_string_append_printf (o, " (%s) { %s, %u }; })", ctype (m, t), d, e->n_kids);
}

static void
call1 (Emit *m, GString *o, const char *fn, const WirExpr *e)
{
  g_string_append_printf (o, "%s (", fn);
  for (guint k = 0; k < e->n_kids; k++)
    {
      if (k > 0)
        g_string_append (o, ", ");
      ex (m, o, e->kids[k]);
    }
  g_string_append (o, ")");
}

static gboolean tight_sub (Emit *m, GString *o, const WirExpr *e);

static void
ex (Emit *m, GString *o, const WirExpr *e)
{
  if (m->tight != NULL && tight_sub (m, o, e))
    return;
  switch (e->kind)
    {
    case WIR_LIT: lit (o, e); break;
    case WIR_IDENT: g_string_append (o, lookup_name (m, e->name)); break;
    case WIR_LET: let (m, o, e); break;
    case WIR_BINOP: binop (m, o, e); break;
    case WIR_UNOP:
      {
        WirTypeKind k = wir_type_resolve (e->type)->kind;
        if (e->op == WIR_OP_NOT)
          g_string_append (o, "((uint8_t) !");
        else if (e->op == WIR_OP_NEG)
          g_string_append_printf (o, "((%s) -", ctype (m, e->type));
        else if (e->op == WIR_OP_TANH && k == WIR_T_F32)
          g_string_append (o, "(wir_rt_tanhf ");    /* rt.h's, as the interpreter */
        else
          g_string_append_printf (o, "(%s ", math_name (e->op, k == WIR_T_F32));
        g_string_append (o, "(");
        ex (m, o, e->kids[0]);
        g_string_append (o, "))");
      }
      break;
    case WIR_CAST: cast (m, o, e); break;
    case WIR_IF:
      g_string_append (o, "((");
      ex (m, o, e->kids[0]);
      g_string_append (o, ") ? (");
      ex (m, o, e->kids[1]);
      g_string_append (o, ") : (");
      ex (m, o, e->kids[2]);
      g_string_append (o, "))");
      break;
    case WIR_SELECT:
      {
        g_autofree char *c = tmp (m), *a = tmp (m), *b = tmp (m);
        const char *t = ctype (m, e->type);
        g_string_append_printf (o, "({ uint8_t %s = ", c);
        ex (m, o, e->kids[0]);
        g_string_append_printf (o, "; %s %s = ", t, a);
        ex (m, o, e->kids[1]);
        g_string_append_printf (o, "; %s %s = ", t, b);
        ex (m, o, e->kids[2]);
        g_string_append_printf (o, "; %s ? %s : %s; })", c, a, b);
      }
      break;
    case WIR_MAKESTRUCT:
      g_string_append_printf (o, "((%s) {", ctype (m, e->type));
      for (guint k = 0; k < e->n_kids; k++)
        {
          g_string_append (o, k > 0 ? ", " : " ");
          ex (m, o, e->kids[k]);
        }
      g_string_append (o, " })");
      break;
    case WIR_GETFIELD:
      g_string_append (o, "(");
      ex (m, o, e->kids[0]);
      g_string_append_printf (o, ").f%u", e->index);
      break;
    case WIR_MAKEVEC: make_vec (m, o, e); break;
    case WIR_LEN:
      g_string_append (o, "(");
      ex (m, o, e->kids[0]);
      g_string_append (o, ").len");
      break;
    case WIR_LOOKUP: lookup (m, o, e); break;
    case WIR_SLICE: slice (m, o, e); break;
    case WIR_FOR: for_loop (m, o, e); break;
    case WIR_MERGE: merge (m, o, e); break;
    case WIR_RESULT: result (m, o, e); break;
    case WIR_NEWBUILDER: new_builder (m, o, e); break;
    case WIR_PHILOX: call1 (m, o, "wir_rt_philox", e); break;
    default:
      g_assert_not_reached ();
    }
}

#define WIR_C_PRELUDE \
  "typedef struct {\n" \
  "  void *(*alloc) (void *self, int64_t bytes);\n" \
  "  void *self;\n" \
  "  int bounds_check;\n" \
  "  int error;\n" \
  "  uint32_t error_pos;\n" \
  "} wir_ctx;\n"

const char *
wir_c_rt_text (void)
{
  static const char text[] =
    "/* generated by dawnsim's WIR C back end (exec/wir/emit-c.c) */\n"
    "#include <math.h>\n#include <stdint.h>\n#include <string.h>\n";
  static char *all;
  if (g_once_init_enter (&all))
    g_once_init_leave (&all, g_strconcat (text, wir_rt_text, "\n", NULL));
  return all;
}

const char *
wir_c_philox_text (void)
{
  static const char on[] =
    "#if defined (__AVX512F__) && defined (__x86_64__)\n#include <immintrin.h>\n";
  static const char off[] =
    "\n#define WIR_RT_PHILOX_BLOCKS wir_rt_philox_blocks_avx512\n"
    "#else\n#define WIR_RT_PHILOX_BLOCKS wir_rt_philox_blocks\n#endif\n";
  static char *all;
  if (g_once_init_enter (&all))
    g_once_init_leave (&all, g_strconcat (on, wir_rt_avx512_text, off, NULL));
  return all;
}

char *
wir_c_emit (WirProgram *prog)
{
  g_return_val_if_fail (prog->checked, NULL);
  Emit m = { prog, g_string_new (NULL),
             g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free), 0, 0, 0, NULL };
  const WirExpr *l = prog->lambda;
  GString *body = g_string_new (NULL);
  Name *names = g_new0 (Name, l->n_params + 1);
  GString *args = g_string_new ("struct wir_args {");
  for (guint k = 0; k < l->n_params; k++)
    {
      const char *c = bind_name (&m, l->params[k].name, &names[k]);
      const char *t = ctype (&m, l->params[k].type);
      g_string_append_printf (args, " %s a%u;", t, k);
      g_string_append_printf (body, "  %s %s = args->a%u; (void) %s;\n", t, c, k, c);
    }
  g_string_append (args, " char unused; };\n");
  const char *rt = ctype (&m, l->type);
  g_string_append_printf (body, "  %s r = ", rt);
  ex (&m, body, l->kids[0]);
  g_string_append (body, ";\n");
  for (guint k = l->n_params; k-- > 0;)
    unbind (&m, &names[k]);
  g_free (names);

  GString *out = g_string_new (wir_c_rt_text ());
  if (m.philox_blocks)          /* only then: <immintrin.h> costs 0.1 s a compile */
    g_string_append (out, wir_c_philox_text ());
  g_string_append (out, WIR_C_PRELUDE);
  g_string_append (out, m.types->str);
  g_string_append (out, args->str);
  g_string_append (out, "int wir_main (const void *args_, void *out, wir_ctx *ctx)\n{\n"
                        "  const struct wir_args *args = args_;\n  (void) args;\n");
  g_string_append (out, body->str);
  g_string_append_printf (out, "  memcpy (out, &r, sizeof r);\n  return 0;\nwir_fail:\n  return ctx->error;\n}\n");
  g_string_free (body, TRUE);
  g_string_free (args, TRUE);
  g_string_free (m.types, TRUE);
  g_hash_table_unref (m.tnames);
  return g_string_free (out, FALSE);
}
