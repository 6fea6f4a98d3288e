/* exec/wir/print.c - the canonical printer (weld.md §3).
 *
 * parse(print(x)) == x: every binary sub-expression is parenthesized, so
 * the text never depends on precedence; literals keep their type suffix
 * and print with enough digits to read back bit for bit (%.17g for f64,
 * %.9g for f32). Used by golden tests, the pass log and the kernel cache
 * key.
 */
#include "config.h"

#include "exec/wir/wir-private.h"

#include <math.h>
#include <string.h>

static void
append_float (GString *out, double v, gboolean is_f32)
{
  char buf[64];
  if (isnan (v))
    {
      g_string_append (out, is_f32 ? "(0.0f / 0.0f)" : "(0.0 / 0.0)");
      return;
    }
  if (isinf (v))
    {
      g_string_append_printf (out, "(%s1.0%s / 0.0%s)", v < 0 ? "-" : "",
                              is_f32 ? "f" : "", is_f32 ? "f" : "");
      return;
    }
  g_ascii_formatd (buf, sizeof buf, is_f32 ? "%.9g" : "%.17g", v);
  g_string_append (out, buf);
  if (strpbrk (buf, ".e") == NULL)
    g_string_append (out, ".0");
  if (is_f32)
    g_string_append_c (out, 'f');
}

static void
append_lit (GString *out, const WirExpr *e)
{
  switch (e->ltype)
    {
    case WIR_T_BOOL:
      g_string_append (out, e->lit.i ? "true" : "false");
      break;
    case WIR_T_I32:
      g_string_append_printf (out, "%" G_GINT64_FORMAT, e->lit.i);
      break;
    case WIR_T_I64:
      g_string_append_printf (out, "%" G_GINT64_FORMAT "L", e->lit.i);
      break;
    default:
      append_float (out, e->lit.f, e->ltype == WIR_T_F32);
      break;
    }
}

static void append_body (GString *out, const WirExpr *e);

/* where a let may stand bare: a lambda's or a let's body, whose end is
 * the end of the enclosing form */
static void
append_tail (GString *out, const WirExpr *e)
{
  if (e->kind == WIR_LET && e->predicate < 0 && e->ascribed == NULL)
    append_body (out, e);
  else
    wir_expr_append (out, e);
}

static void
append_list (GString *out, WirExpr *const *kids, guint n)
{
  for (guint k = 0; k < n; k++)
    {
      if (k > 0)
        g_string_append (out, ", ");
      wir_expr_append (out, kids[k]);
    }
}

static void
append_call (GString *out, const char *name, const WirExpr *e)
{
  g_string_append (out, name);
  g_string_append_c (out, '(');
  append_list (out, e->kids, e->n_kids);
  g_string_append_c (out, ')');
}

static void
append_iter (GString *out, const WirExpr *e)
{
  static const char *const names[] = { NULL, "iter", "rangeiter", "nditer" };
  if (e->iter_kind == WIR_ITER_SIMPLE)
    wir_expr_append (out, e->kids[0]);
  else
    append_call (out, names[e->iter_kind], e);
}

static void
append_for (GString *out, const WirExpr *e)
{
  guint n_iters = e->n_kids - 2;
  g_string_append (out, "for(");
  if (e->is_zip)
    g_string_append (out, "zip(");
  for (guint k = 0; k < n_iters; k++)
    {
      if (k > 0)
        g_string_append (out, ", ");
      append_iter (out, e->kids[k]);
    }
  if (e->is_zip)
    g_string_append_c (out, ')');
  g_string_append (out, ", ");
  append_list (out, e->kids + n_iters, 2);
  g_string_append_c (out, ')');
}

static void
append_lambda (GString *out, const WirExpr *e)
{
  if (e->n_params == 0)
    g_string_append (out, "||");
  else
    {
      g_string_append_c (out, '|');
      for (guint k = 0; k < e->n_params; k++)
        {
          if (k > 0)
            g_string_append (out, ", ");
          g_string_append (out, e->params[k].name);
          if (e->params[k].type != NULL)
            {
              g_string_append (out, ": ");
              wir_type_append (out, e->params[k].type);
            }
        }
      g_string_append_c (out, '|');
    }
  g_string_append_c (out, ' ');
  append_tail (out, e->kids[0]);
}

static void
append_body (GString *out, const WirExpr *e)
{
  switch (e->kind)
    {
    case WIR_LIT:
      append_lit (out, e);
      break;
    case WIR_IDENT:
      g_string_append (out, e->name);
      break;
    case WIR_LET:
      g_string_append_printf (out, "let %s = ", e->name);
      wir_expr_append (out, e->kids[0]);
      g_string_append (out, "; ");
      append_tail (out, e->kids[1]);
      break;
    case WIR_BINOP:
      if (e->op == WIR_OP_MIN || e->op == WIR_OP_MAX || e->op == WIR_OP_POW)
        append_call (out, wir_op_text (e->op), e);
      else
        {
          g_string_append_c (out, '(');
          wir_expr_append (out, e->kids[0]);
          g_string_append_printf (out, " %s ", wir_op_text (e->op));
          wir_expr_append (out, e->kids[1]);
          g_string_append_c (out, ')');
        }
      break;
    case WIR_UNOP:
      if (e->op == WIR_OP_NEG || e->op == WIR_OP_NOT)
        {
          /* binary operands print in their own parentheses, so only a
           * literal (which '-' would fold into) and a let need them */
          const WirExpr *k = e->kids[0];
          gboolean paren = k->kind == WIR_LIT || k->kind == WIR_LET || k->ascribed != NULL;
          g_string_append (out, e->op == WIR_OP_NEG ? "-" : "!");
          if (paren)
            g_string_append_c (out, '(');
          wir_expr_append (out, k);
          if (paren)
            g_string_append_c (out, ')');
        }
      else
        append_call (out, wir_op_text (e->op), e);
      break;
    case WIR_CAST:
      {
        GString *t = g_string_new (NULL);
        wir_type_append (t, e->ty);
        append_call (out, t->str, e);
        g_string_free (t, TRUE);
      }
      break;
    case WIR_IF: append_call (out, "if", e); break;
    case WIR_SELECT: append_call (out, "select", e); break;
    case WIR_LEN: append_call (out, "len", e); break;
    case WIR_LOOKUP: append_call (out, "lookup", e); break;
    case WIR_SLICE: append_call (out, "slice", e); break;
    case WIR_MERGE: append_call (out, "merge", e); break;
    case WIR_RESULT: append_call (out, "result", e); break;
    case WIR_PHILOX: append_call (out, "philox", e); break;
    case WIR_APPLY: append_call (out, e->name, e); break;
    case WIR_MAKESTRUCT:
      g_string_append_c (out, '{');
      append_list (out, e->kids, e->n_kids);
      g_string_append_c (out, '}');
      break;
    case WIR_MAKEVEC:
      g_string_append_c (out, '[');
      append_list (out, e->kids, e->n_kids);
      g_string_append_c (out, ']');
      break;
    case WIR_GETFIELD:
      {
        const WirExpr *s = e->kids[0];
        gboolean bare = (s->kind == WIR_IDENT || s->kind == WIR_GETFIELD)
                        && s->ascribed == NULL && s->predicate < 0;
        if (!bare)
          g_string_append_c (out, '(');
        wir_expr_append (out, s);
        g_string_append_printf (out, "%s.$%u", bare ? "" : ")", e->index);
      }
      break;
    case WIR_FOR:
      append_for (out, e);
      break;
    case WIR_ITER:
      append_iter (out, e);
      break;
    case WIR_NEWBUILDER:
      wir_type_append (out, e->type != NULL ? e->type : e->ty);
      if (e->n_kids == 1)
        {
          g_string_append_c (out, '(');
          wir_expr_append (out, e->kids[0]);
          g_string_append_c (out, ')');
        }
      break;
    case WIR_LAMBDA:
      append_lambda (out, e);
      break;
    default:
      g_assert_not_reached ();
    }
}

void
wir_expr_append (GString *out, const WirExpr *e)
{
  if (e->predicate >= 0)
    g_string_append_printf (out, "@(predicate: %s) ", e->predicate ? "true" : "false");
  if (e->ascribed != NULL)
    {
      g_string_append (out, "((");
      append_body (out, e);
      g_string_append (out, "): ");
      wir_type_append (out, e->ascribed);
      g_string_append_c (out, ')');
      return;
    }
  /* a let or a lambda ends where its body ends: parenthesized, except in
   * tail position (append_tail), so no operand after it is swallowed */
  gboolean paren = e->kind == WIR_LET || (e->kind == WIR_LAMBDA && e->predicate >= 0);
  if (paren)
    g_string_append_c (out, '(');
  append_body (out, e);
  if (paren)
    g_string_append_c (out, ')');
}

char *
wir_expr_print (const WirExpr *e)
{
  GString *out = g_string_new (NULL);
  wir_expr_append (out, e);
  return g_string_free (out, FALSE);
}

static void
append_param (GString *out, const WirParam *p)
{
  g_string_append_printf (out, "%s: ", p->name);
  wir_type_append (out, p->type);
}

char *
wir_program_print (const WirProgram *prog)
{
  GString *out = g_string_new (NULL);
  for (guint k = prog->n_prelude_combines; k < prog->combines->len; k++)
    {
      const WirCombine *c = g_ptr_array_index (prog->combines, k);
      g_string_append_printf (out, "combine %s(", c->name);
      append_param (out, &c->a);
      g_string_append (out, ", ");
      append_param (out, &c->b);
      g_string_append (out, ") identity ");
      wir_expr_append (out, c->identity);
      g_string_append (out, " = ");
      wir_expr_append (out, c->body);
      g_string_append (out, ";\n");
    }
  if (!prog->checked)
    for (guint k = prog->n_prelude_macros; k < prog->macros->len; k++)
      {
        const WirMacro *m = g_ptr_array_index (prog->macros, k);
        g_string_append_printf (out, "macro %s(", m->name);
        for (guint j = 0; j < m->n_params; j++)
          g_string_append_printf (out, "%s%s", j > 0 ? ", " : "", m->params[j]);
        g_string_append (out, ") = ");
        wir_expr_append (out, m->body);
        g_string_append (out, ";\n");
      }
  wir_expr_append (out, prog->lambda);
  return g_string_free (out, FALSE);
}
