/* exec/wir/ast.c - WIR's nodes and types: allocation in the program's
 * pool, copying, structural equality, and located errors (wir-private.h).
 */
#include "config.h"

#include "exec/wir/wir-private.h"

#include <string.h>

G_DEFINE_QUARK (wir-error-quark, wir_error)

static const char *const kind_names[] = {
#define NODE(name, text) text,
#include "exec/wir/node.def"
#undef NODE
};

static const char *const op_texts[WIR_N_OPS] = {
  "+", "-", "*", "/", "%", "==", "!=", "<", "<=", ">", ">=", "&&", "||",
  "&", "|", "^", "min", "max", "pow", "-", "!",
  "exp", "log", "sqrt", "sin", "cos", "tan", "asin", "acos", "atan",
  "sinh", "cosh", "tanh", "erf", "combine",
};

const char *
wir_kind_name (WirKind kind)
{
  return kind_names[kind];
}

const char *
wir_op_text (WirOp op)
{
  return op_texts[op];
}

gboolean
wir_op_is_cmp (WirOp op)
{
  return op >= WIR_OP_EQ && op <= WIR_OP_GE;
}

gpointer
wir_alloc (WirProgram *prog, gsize size)
{
  gpointer p = g_malloc0 (size);
  g_ptr_array_add (prog->pool, p);
  return p;
}

char *
wir_strdup (WirProgram *prog, const char *s)
{
  char *p = g_strdup (s);
  if (p != NULL)
    g_ptr_array_add (prog->pool, p);
  return p;
}

char *
wir_fresh_name (WirProgram *prog, const char *base)
{
  const char *cut = strstr (base, "__");
  g_autofree char *stem = cut != NULL ? g_strndup (base, (gsize) (cut - base)) : g_strdup (base);
  g_autofree char *name = g_strdup_printf ("%s__%u", stem, ++prog->n_fresh);
  return wir_strdup (prog, name);
}

WirExpr *
wir_expr_new (WirProgram *prog, WirKind kind, guint n_kids)
{
  WirExpr *e = wir_alloc (prog, sizeof *e);
  e->kind = kind;
  e->predicate = -1;
  e->slot = -1;
  e->n_kids = n_kids;
  if (n_kids > 0)
    e->kids = wir_alloc (prog, n_kids * sizeof *e->kids);
  return e;
}

WirExpr *
wir_expr_ident (WirProgram *prog, const char *name)
{
  WirExpr *e = wir_expr_new (prog, WIR_IDENT, 0);
  e->name = (char *) name;
  return e;
}

WirExpr *
wir_expr_copy (WirProgram *prog, const WirExpr *e)
{
  WirExpr *c = wir_alloc (prog, sizeof *c);
  *c = *e;
  if (e->n_kids > 0)
    {
      c->kids = wir_alloc (prog, e->n_kids * sizeof *c->kids);
      memcpy (c->kids, e->kids, e->n_kids * sizeof *c->kids);
    }
  if (e->n_params > 0)
    {
      c->params = wir_alloc (prog, e->n_params * sizeof *c->params);
      memcpy (c->params, e->params, e->n_params * sizeof *c->params);
    }
  return c;
}

WirExpr *
wir_expr_clone (WirProgram *prog, const WirExpr *e)
{
  WirExpr *c = wir_expr_copy (prog, e);
  for (guint k = 0; k < c->n_kids; k++)
    c->kids[k] = wir_expr_clone (prog, e->kids[k]);
  return c;
}

WirType *
wir_type_new (WirProgram *prog, WirTypeKind kind)
{
  WirType *t = wir_alloc (prog, sizeof *t);
  t->kind = kind;
  return t;
}

WirType *
wir_type_scalar (WirProgram *prog, WirTypeKind kind)
{
  return wir_type_new (prog, kind);
}

WirType *
wir_type_resolve (WirType *t)
{
  while (t != NULL && t->kind == WIR_T_VAR && t->link != NULL)
    t = t->link;
  return t;
}

gboolean
wir_type_is_scalar (WirTypeKind k)
{
  return k <= WIR_T_BF16;
}

gboolean
wir_type_is_int (WirTypeKind k)
{
  return k == WIR_T_I32 || k == WIR_T_I64;
}

gboolean
wir_type_is_float (WirTypeKind k)
{
  return k == WIR_T_F32 || k == WIR_T_F64;
}

gboolean
wir_type_is_builder (WirType *t)
{
  t = wir_type_resolve (t);
  if (t == NULL)
    return FALSE;
  if (t->kind == WIR_T_APPENDER || t->kind == WIR_T_MERGER || t->kind == WIR_T_VECMERGER)
    return TRUE;
  if (t->kind == WIR_T_STRUCT && t->n_fields > 0)
    {
      for (guint k = 0; k < t->n_fields; k++)
        if (!wir_type_is_builder (t->fields[k]))
          return FALSE;
      return TRUE;
    }
  return FALSE;
}

gboolean
wir_type_has_var (WirType *t)
{
  t = wir_type_resolve (t);
  if (t == NULL || t->kind == WIR_T_VAR)
    return TRUE;
  if (t->elem != NULL && wir_type_has_var (t->elem))
    return TRUE;
  for (guint k = 0; k < t->n_fields; k++)
    if (wir_type_has_var (t->fields[k]))
      return TRUE;
  return FALSE;
}

gboolean
wir_type_equal (WirType *a, WirType *b)
{
  a = wir_type_resolve (a);
  b = wir_type_resolve (b);
  if (a == b)
    return TRUE;
  if (a == NULL || b == NULL || a->kind != b->kind || a->kind == WIR_T_VAR)
    return FALSE;
  if ((a->kind == WIR_T_MERGER || a->kind == WIR_T_VECMERGER)
      && (a->op != b->op
          || (a->combine != b->combine
              && (a->combine == NULL || b->combine == NULL
                  || strcmp (a->combine->name, b->combine->name) != 0))))
    return FALSE;
  if (a->elem != NULL && !wir_type_equal (a->elem, b->elem))
    return FALSE;
  if (a->n_fields != b->n_fields)
    return FALSE;
  for (guint k = 0; k < a->n_fields; k++)
    if (!wir_type_equal (a->fields[k], b->fields[k]))
      return FALSE;
  return TRUE;
}

static const char *const scalar_names[] = {
  "bool", "i32", "i64", "f32", "f64", "f16", "bf16",
};

void
wir_type_append (GString *out, WirType *t)
{
  t = wir_type_resolve (t);
  if (t == NULL || t->kind == WIR_T_VAR)
    {
      g_string_append_c (out, '?');
      return;
    }
  if (wir_type_is_scalar (t->kind))
    {
      g_string_append (out, scalar_names[t->kind]);
      return;
    }
  switch (t->kind)
    {
    case WIR_T_VEC:
      g_string_append (out, "vec[");
      wir_type_append (out, t->elem);
      g_string_append_c (out, ']');
      break;
    case WIR_T_STRUCT:
      g_string_append_c (out, '{');
      for (guint k = 0; k < t->n_fields; k++)
        {
          if (k > 0)
            g_string_append (out, ", ");
          wir_type_append (out, t->fields[k]);
        }
      g_string_append_c (out, '}');
      break;
    case WIR_T_APPENDER:
      g_string_append (out, "appender[");
      wir_type_append (out, t->elem);
      g_string_append_c (out, ']');
      break;
    case WIR_T_MERGER:
    case WIR_T_VECMERGER:
      g_string_append (out, t->kind == WIR_T_MERGER ? "merger[" : "vecmerger[");
      wir_type_append (out, t->elem);
      g_string_append (out, ", ");
      g_string_append (out, t->op == WIR_OP_COMBINE ? t->combine->name : wir_op_text (t->op));
      g_string_append_c (out, ']');
      break;
    default:
      g_assert_not_reached ();
    }
}

char *
wir_type_print (const WirType *type)
{
  GString *out = g_string_new (NULL);
  wir_type_append (out, (WirType *) type);
  return g_string_free (out, FALSE);
}

/* ---- positions ---- */

char *
wir_locate (const WirProgram *prog, guint32 pos, guint32 end, gboolean with_source)
{
  guint line = 1;
  gsize line_start = 0;
  gsize n = prog->text_len;

  if (pos > n)
    pos = (guint32) n;
  for (gsize k = 0; k < pos; k++)
    if (prog->text[k] == '\n')
      {
        line++;
        line_start = k + 1;
      }
  guint col = (guint) (pos - line_start) + 1;
  if (!with_source)
    return g_strdup_printf ("%s:%u:%u", prog->name, line, col);

  gsize line_end = line_start;
  while (line_end < n && prog->text[line_end] != '\n')
    line_end++;
  GString *out = g_string_new (NULL);
  g_string_append_printf (out, "%s:%u:%u", prog->name, line, col);
  g_string_append (out, "\n    ");
  g_string_append_len (out, prog->text + line_start, (gssize) (line_end - line_start));
  g_string_append (out, "\n    ");
  for (gsize k = line_start; k < pos; k++)
    g_string_append_c (out, prog->text[k] == '\t' ? '\t' : ' ');
  gsize width = end > pos ? MIN ((gsize) end, line_end) - pos : 1;
  for (gsize k = 0; k < MAX (width, (gsize) 1); k++)
    g_string_append_c (out, '^');
  return g_string_free (out, FALSE);
}

gboolean
wir_fail_at (const WirProgram *prog, GError **error, WirErrorCode code,
             guint32 pos, guint32 end, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  g_autofree char *msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  if (prog->text == NULL || (pos == 0 && end == 0 && code != WIR_ERROR_SYNTAX))
    {
      g_set_error (error, WIR_ERROR, code, "%s: %s", prog->name, msg);
      return FALSE;
    }
  g_autofree char *where = wir_locate (prog, pos, end, FALSE);
  g_autofree char *full = wir_locate (prog, pos, end, TRUE);
  /* "name:L:C: message" then the source line and the caret */
  const char *src = strchr (full + strlen (where), '\n');
  g_set_error (error, WIR_ERROR, code, "%s: %s%s", where, msg, src != NULL ? src : "");
  return FALSE;
}

/* ---- equality up to renaming ---- */

typedef struct Ren { const char *a, *b; const struct Ren *up; } Ren;

static gboolean
ren_match (const Ren *r, const char *a, const char *b)
{
  for (; r != NULL; r = r->up)
    {
      gboolean ha = strcmp (r->a, a) == 0, hb = strcmp (r->b, b) == 0;
      if (ha || hb)
        return ha && hb;
    }
  return strcmp (a, b) == 0;    /* both free */
}

static gboolean expr_equal (const WirExpr *a, const WirExpr *b, const Ren *ren);

static gboolean
kids_equal (const WirExpr *a, const WirExpr *b, guint from, guint to, const Ren *ren)
{
  for (guint k = from; k < to; k++)
    if (!expr_equal (a->kids[k], b->kids[k], ren))
      return FALSE;
  return TRUE;
}

static gboolean
lit_equal (const WirExpr *a, const WirExpr *b)
{
  if (a->ltype != b->ltype)
    return FALSE;
  if (wir_type_is_float (a->ltype))
    return memcmp (&a->lit.f, &b->lit.f, sizeof a->lit.f) == 0;
  return a->lit.i == b->lit.i;
}

static gboolean
expr_equal (const WirExpr *a, const WirExpr *b, const Ren *ren)
{
  if (a->kind != b->kind || a->n_kids != b->n_kids)
    return FALSE;
  switch (a->kind)
    {
    case WIR_LIT:
      return lit_equal (a, b);
    case WIR_IDENT:
      return ren_match (ren, a->name, b->name);
    case WIR_LET:
      {
        Ren inner = { a->name, b->name, ren };
        return expr_equal (a->kids[0], b->kids[0], ren)
               && expr_equal (a->kids[1], b->kids[1], &inner);
      }
    case WIR_LAMBDA:
      {
        if (a->n_params != b->n_params)
          return FALSE;
        Ren *frames = g_newa (Ren, a->n_params + 1);
        const Ren *top = ren;
        for (guint k = 0; k < a->n_params; k++)
          {
            frames[k] = (Ren) { a->params[k].name, b->params[k].name, top };
            top = &frames[k];
          }
        return expr_equal (a->kids[0], b->kids[0], top);
      }
    case WIR_BINOP:
    case WIR_UNOP:
      if (a->op != b->op)
        return FALSE;
      break;
    case WIR_CAST:
    case WIR_NEWBUILDER:
      if (!wir_type_equal (a->type != NULL ? a->type : a->ty, b->type != NULL ? b->type : b->ty))
        return FALSE;
      break;
    case WIR_GETFIELD:
      if (a->index != b->index)
        return FALSE;
      break;
    case WIR_ITER:
      if (a->iter_kind != b->iter_kind)
        return FALSE;
      break;
    case WIR_FOR:
      if (a->is_zip != b->is_zip)
        return FALSE;
      break;
    case WIR_APPLY:
      if (strcmp (a->name, b->name) != 0)
        return FALSE;
      break;
    default:
      break;
    }
  return kids_equal (a, b, 0, a->n_kids, ren);
}

gboolean
wir_program_equal (const WirProgram *a, const WirProgram *b)
{
  return expr_equal (a->lambda, b->lambda, NULL);
}
