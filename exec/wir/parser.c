/* exec/wir/parser.c - WIR text to tree (the grammar is in wir-private.h).
 *
 * Recursive descent with one token of lookahead, precedence climbing for
 * the binary operators. Every error names the position of the token at
 * fault, what was expected and what was found, and points at the opener
 * when a bracket is left unclosed. Anything of Weld's that WIR leaves out
 * is rejected by name ("unsupported in WIR: dictmerger"), never ignored.
 * Nesting is capped (WIR_MAX_DEPTH) so hostile input cannot overflow the
 * stack.
 */
#include "config.h"

#include "exec/wir/wir-private.h"

#include <math.h>
#include <string.h>

#define WIR_MAX_DEPTH 256

typedef struct {
  WirProgram *prog;
  const char *text;
  gsize len;
  WirToken tok;
  GHashTable *aliases;      /* type name -> WirType * */
  gboolean no_spans;        /* the prelude: nodes get no position */
  guint depth;
  GError **error;
} Parser;

/* Weld constructs outside the subset (weld.md §2), rejected by name. */
static const char *const unsupported_names[] = {
  "dictmerger", "groupmerger", "iterate", "sort", "serialize", "deserialize",
  "tovec", "keyexists", "optlookup", "cudf", "assert", "broadcast", "simditer",
  "fringeiter", "flatten", "compare", "dict", "simd",
  "i8", "i16", "u8", "u16", "u32", "u64",
};

static const char *const iter_annotations[] = {
  "predicate", "grain_size", "vectorize", "size", "loopsize", "tile_size", "impl",
  "branch_selectivity", "num_keys",
};

static WirExpr *parse_expr (Parser *p);
static WirType *parse_type (Parser *p);

/* ---- tokens ---- */

static void
advance (Parser *p)
{
  wir_lex (p->text, p->len, p->tok.end, &p->tok);
}

static char *
tok_text (const Parser *p)
{
  if (p->tok.kind == WIR_TOK_EOF)
    return g_strdup ("end of input");
  return g_strdup_printf ("'%.*s'", (int) MIN (p->tok.end - p->tok.start, 40u),
                          p->text + p->tok.start);
}

static gboolean
is_punct (const Parser *p, const char *s)
{
  return p->tok.kind == WIR_TOK_PUNCT && strcmp (p->tok.punct, s) == 0;
}

static gboolean
is_name (const Parser *p, const char *s)
{
  gsize n = strlen (s);
  return p->tok.kind == WIR_TOK_NAME && p->tok.end - p->tok.start == n
         && memcmp (p->text + p->tok.start, s, n) == 0;
}

static char *
name_dup (Parser *p)
{
  g_autofree char *s = g_strndup (p->text + p->tok.start, p->tok.end - p->tok.start);
  return wir_strdup (p->prog, s);
}

static gpointer
fail (Parser *p, const char *fmt, ...) G_GNUC_PRINTF (2, 3);

static gpointer
fail (Parser *p, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  g_autofree char *msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  wir_fail_at (p->prog, p->error, WIR_ERROR_SYNTAX, p->tok.start, p->tok.end, "%s", msg);
  return NULL;
}

static gpointer
fail_unsupported (Parser *p, const char *what)
{
  wir_fail_at (p->prog, p->error, WIR_ERROR_UNSUPPORTED, p->tok.start, p->tok.end,
               "unsupported in WIR: %s", what);
  return NULL;
}

static gboolean
expect (Parser *p, const char *s)
{
  if (is_punct (p, s))
    {
      advance (p);
      return TRUE;
    }
  g_autofree char *got = tok_text (p);
  fail (p, "expected '%s', got %s", s, got);
  return FALSE;
}

/* expect the closer of an opener at @open_pos */
static gboolean
expect_close (Parser *p, const char *s, guint32 open_pos)
{
  if (is_punct (p, s))
    {
      advance (p);
      return TRUE;
    }
  g_autofree char *got = tok_text (p);
  g_autofree char *at = wir_locate (p->prog, open_pos, open_pos + 1, FALSE);
  const char *where = strchr (at, ':');
  where = where != NULL ? where + 1 : at;
  fail (p, "expected '%s' to close '%c' at %s, got %s", s,
        p->text[open_pos], where, got);
  return FALSE;
}

static gboolean
check_unsupported_name (Parser *p)
{
  for (guint k = 0; k < G_N_ELEMENTS (unsupported_names); k++)
    if (is_name (p, unsupported_names[k]))
      {
        fail_unsupported (p, unsupported_names[k]);
        return FALSE;
      }
  return TRUE;
}

static WirExpr *
node (Parser *p, WirKind kind, guint n_kids, guint32 start)
{
  WirExpr *e = wir_expr_new (p->prog, kind, n_kids);
  if (!p->no_spans)
    {
      e->start = start;
      e->end = p->tok.start > start ? p->tok.start : p->tok.end;
    }
  return e;
}

/* ---- types ---- */

static WirTypeKind
scalar_kind (const Parser *p)
{
  static const char *const names[] = { "bool", "i32", "i64", "f32", "f64", "f16", "bf16" };
  for (guint k = 0; k < G_N_ELEMENTS (names); k++)
    if (is_name (p, names[k]))
      return (WirTypeKind) k;
  return WIR_T_VAR;
}

/* op -> '+' | '*' | 'min' | 'max' | combine name */
static gboolean
parse_merge_op (Parser *p, WirType *t)
{
  if (is_punct (p, "+") || is_punct (p, "*"))
    t->op = is_punct (p, "+") ? WIR_OP_ADD : WIR_OP_MUL;
  else if (is_name (p, "min") || is_name (p, "max"))
    t->op = is_name (p, "min") ? WIR_OP_MIN : WIR_OP_MAX;
  else if (p->tok.kind == WIR_TOK_NAME)
    {
      g_autofree char *name = g_strndup (p->text + p->tok.start, p->tok.end - p->tok.start);
      for (guint k = 0; k < p->prog->combines->len; k++)
        {
          WirCombine *c = g_ptr_array_index (p->prog->combines, k);
          if (strcmp (c->name, name) == 0)
            {
              t->op = WIR_OP_COMBINE;
              t->combine = c;
              advance (p);
              return TRUE;
            }
        }
      fail (p, "unknown merger operator '%s' (expected + * min max or a combine)", name);
      return FALSE;
    }
  else
    {
      g_autofree char *got = tok_text (p);
      fail (p, "expected a merger operator (+ * min max or a combine), got %s", got);
      return FALSE;
    }
  advance (p);
  return TRUE;
}

/* appender[T]? | merger[T, op] | vecmerger[T, op]; the name is current */
static WirType *
parse_builder_type (Parser *p, gboolean bare_ok)
{
  WirTypeKind kind = is_name (p, "appender") ? WIR_T_APPENDER
                     : is_name (p, "merger") ? WIR_T_MERGER : WIR_T_VECMERGER;
  WirType *t = wir_type_new (p->prog, kind);
  advance (p);
  if (!is_punct (p, "["))
    {
      if (kind == WIR_T_APPENDER && bare_ok)
        {
          t->elem = wir_type_new (p->prog, WIR_T_VAR);
          return t;
        }
      return fail (p, "expected '[' after the builder name");
    }
  guint32 open = p->tok.start;
  advance (p);
  if ((t->elem = parse_type (p)) == NULL)
    return NULL;
  if (kind != WIR_T_APPENDER)
    {
      if (!expect (p, ",") || !parse_merge_op (p, t))
        return NULL;
    }
  if (!expect_close (p, "]", open))
    return NULL;
  return t;
}

static WirType *
parse_type_inner (Parser *p)
{
  WirTypeKind sk = scalar_kind (p);
  if (sk != WIR_T_VAR)
    {
      advance (p);
      return wir_type_scalar (p->prog, sk);
    }
  if (is_punct (p, "?"))
    {
      advance (p);
      return wir_type_new (p->prog, WIR_T_VAR);
    }
  if (is_name (p, "vec"))
    {
      advance (p);
      guint32 open = p->tok.start;
      if (!expect (p, "["))
        return NULL;
      WirType *t = wir_type_new (p->prog, WIR_T_VEC);
      if ((t->elem = parse_type (p)) == NULL || !expect_close (p, "]", open))
        return NULL;
      return t;
    }
  if (is_name (p, "appender") || is_name (p, "merger") || is_name (p, "vecmerger"))
    return parse_builder_type (p, TRUE);
  if (is_punct (p, "{"))
    {
      guint32 open = p->tok.start;
      g_autoptr(GPtrArray) fields = g_ptr_array_new ();
      advance (p);
      do
        {
          WirType *f = parse_type (p);
          if (f == NULL)
            return NULL;
          g_ptr_array_add (fields, f);
        }
      while (is_punct (p, ",") && (advance (p), TRUE));
      if (!expect_close (p, "}", open))
        return NULL;
      WirType *t = wir_type_new (p->prog, WIR_T_STRUCT);
      t->n_fields = fields->len;
      t->fields = wir_alloc (p->prog, fields->len * sizeof *t->fields);
      memcpy (t->fields, fields->pdata, fields->len * sizeof *t->fields);
      return t;
    }
  if (p->tok.kind == WIR_TOK_NAME)
    {
      if (!check_unsupported_name (p))
        return NULL;
      g_autofree char *name = g_strndup (p->text + p->tok.start, p->tok.end - p->tok.start);
      WirType *alias = g_hash_table_lookup (p->aliases, name);
      if (alias != NULL)
        {
          advance (p);
          return alias;
        }
      return fail (p, "unknown type '%s'", name);
    }
  g_autofree char *got = tok_text (p);
  return fail (p, "expected a type, got %s", got);
}

static WirType *
parse_type (Parser *p)
{
  if (++p->depth > WIR_MAX_DEPTH)
    return fail (p, "nesting deeper than %d", WIR_MAX_DEPTH);
  WirType *t = parse_type_inner (p);
  p->depth--;
  return t;
}

/* ---- expressions ---- */

/* args -> '(' expr,* ')' into a GPtrArray; the name is current */
static GPtrArray *
parse_args (Parser *p)
{
  GPtrArray *args = g_ptr_array_new ();
  guint32 open = p->tok.start;
  if (!expect (p, "("))
    return (g_ptr_array_unref (args), NULL);
  if (!is_punct (p, ")"))
    do
      {
        WirExpr *a = parse_expr (p);
        if (a == NULL)
          return (g_ptr_array_unref (args), NULL);
        g_ptr_array_add (args, a);
      }
    while (is_punct (p, ",") && (advance (p), TRUE));
  if (!expect_close (p, ")", open))
    return (g_ptr_array_unref (args), NULL);
  return args;
}

static WirExpr *
from_args (Parser *p, WirKind kind, GPtrArray *args, guint32 start)
{
  WirExpr *e = node (p, kind, args->len, start);
  if (args->len > 0)
    memcpy (e->kids, args->pdata, args->len * sizeof *e->kids);
  return e;
}

typedef struct { const char *name; WirKind kind; int op; int arity; } Form;

static const Form forms[] = {
  { "if", WIR_IF, 0, 3 }, { "select", WIR_SELECT, 0, 3 },
  { "len", WIR_LEN, 0, 1 }, { "lookup", WIR_LOOKUP, 0, 2 },
  { "slice", WIR_SLICE, 0, 3 }, { "merge", WIR_MERGE, 0, 2 },
  { "result", WIR_RESULT, 0, 1 }, { "philox", WIR_PHILOX, 0, 2 },
  { "min", WIR_BINOP, WIR_OP_MIN, 2 }, { "max", WIR_BINOP, WIR_OP_MAX, 2 },
  { "pow", WIR_BINOP, WIR_OP_POW, 2 },
  { "exp", WIR_UNOP, WIR_OP_EXP, 1 }, { "log", WIR_UNOP, WIR_OP_LOG, 1 },
  { "sqrt", WIR_UNOP, WIR_OP_SQRT, 1 }, { "sin", WIR_UNOP, WIR_OP_SIN, 1 },
  { "cos", WIR_UNOP, WIR_OP_COS, 1 }, { "tan", WIR_UNOP, WIR_OP_TAN, 1 },
  { "asin", WIR_UNOP, WIR_OP_ASIN, 1 }, { "acos", WIR_UNOP, WIR_OP_ACOS, 1 },
  { "atan", WIR_UNOP, WIR_OP_ATAN, 1 }, { "sinh", WIR_UNOP, WIR_OP_SINH, 1 },
  { "cosh", WIR_UNOP, WIR_OP_COSH, 1 }, { "tanh", WIR_UNOP, WIR_OP_TANH, 1 },
  { "erf", WIR_UNOP, WIR_OP_ERF, 1 },
  { "iter", WIR_ITER, WIR_ITER_ITER, 4 }, { "rangeiter", WIR_ITER, WIR_ITER_RANGE, 3 },
  { "nditer", WIR_ITER, WIR_ITER_ND, 6 },
};

static WirExpr *
parse_form (Parser *p, const Form *f, guint32 start)
{
  g_autofree char *name = g_strdup (f->name);
  advance (p);
  g_autoptr(GPtrArray) args = parse_args (p);
  if (args == NULL)
    return NULL;
  if ((int) args->len != f->arity)
    {
      wir_fail_at (p->prog, p->error, WIR_ERROR_SYNTAX, start, p->tok.start,
                   "'%s' takes %d arguments, got %u", name, f->arity, args->len);
      return NULL;
    }
  WirExpr *e = from_args (p, f->kind, args, start);
  if (f->kind == WIR_ITER)
    e->iter_kind = (WirIterKind) f->op;
  else
    e->op = (WirOp) f->op;
  return e;
}

/* a for's first argument: zip(it, ...) or one iterator */
static WirExpr *
parse_for (Parser *p, guint32 start)
{
  advance (p);
  guint32 open = p->tok.start;
  if (!expect (p, "("))
    return NULL;
  g_autoptr(GPtrArray) kids = g_ptr_array_new ();
  gboolean is_zip = is_name (p, "zip");
  if (is_zip)
    {
      advance (p);
      g_autoptr(GPtrArray) its = parse_args (p);
      if (its == NULL)
        return NULL;
      if (its->len == 0)
        return fail (p, "zip needs at least one iterator");
      for (guint k = 0; k < its->len; k++)
        g_ptr_array_add (kids, its->pdata[k]);
    }
  else
    {
      WirExpr *it = parse_expr (p);
      if (it == NULL)
        return NULL;
      g_ptr_array_add (kids, it);
    }
  for (guint k = 0; k < kids->len; k++)
    {
      WirExpr *it = kids->pdata[k];
      if (it->kind != WIR_ITER)
        {
          WirExpr *w = node (p, WIR_ITER, 1, it->start);
          w->end = it->end;
          w->iter_kind = WIR_ITER_SIMPLE;
          w->kids[0] = it;
          kids->pdata[k] = w;
        }
    }
  for (int k = 0; k < 2; k++)
    {
      if (!expect (p, ","))
        return NULL;
      WirExpr *a = parse_expr (p);
      if (a == NULL)
        return NULL;
      g_ptr_array_add (kids, a);
    }
  if (!expect_close (p, ")", open))
    return NULL;
  WirExpr *e = from_args (p, WIR_FOR, kids, start);
  e->is_zip = is_zip;
  if (e->kids[e->n_kids - 1]->kind != WIR_LAMBDA)
    {
      WirExpr *f = e->kids[e->n_kids - 1];
      wir_fail_at (p->prog, p->error, WIR_ERROR_SYNTAX, f->start, f->end,
                   "a for's third argument must be a lambda |b, i, x| ...");
      return NULL;
    }
  return e;
}

static WirExpr *
parse_builder (Parser *p, guint32 start)
{
  gboolean is_vm = is_name (p, "vecmerger");
  WirType *t = parse_builder_type (p, TRUE);
  if (t == NULL)
    return NULL;
  WirExpr *arg = NULL;
  if (is_punct (p, "("))
    {
      guint32 open = p->tok.start;
      advance (p);
      if ((arg = parse_expr (p)) == NULL || !expect_close (p, ")", open))
        return NULL;
    }
  else if (is_vm)
    return fail (p, "vecmerger needs its initial vector: vecmerger[T, op](v)");
  WirExpr *e = node (p, WIR_NEWBUILDER, arg != NULL ? 1 : 0, start);
  e->ty = t;
  if (arg != NULL)
    e->kids[0] = arg;
  return e;
}

/* lambda -> '|' (NAME (':' type)?),* '|' expr */
static WirExpr *
parse_lambda (Parser *p, gboolean types_required)
{
  guint32 start = p->tok.start;
  g_autoptr(GArray) params = g_array_new (FALSE, TRUE, sizeof (WirParam));
  if (is_punct (p, "||"))
    advance (p);
  else
    {
      if (!expect (p, "|"))
        return NULL;
      while (!is_punct (p, "|"))
        {
          WirParam prm = { 0 };
          if (p->tok.kind != WIR_TOK_NAME)
            {
              g_autofree char *got = tok_text (p);
              return fail (p, "expected a parameter name, got %s", got);
            }
          prm.name = name_dup (p);
          prm.pos = p->tok.start;
          advance (p);
          if (is_punct (p, ":"))
            {
              advance (p);
              if ((prm.type = parse_type (p)) == NULL)
                return NULL;
            }
          else if (types_required)
            return fail (p, "parameter '%s' of the program needs a type", prm.name);
          g_array_append_val (params, prm);
          if (!is_punct (p, "|") && !expect (p, ","))
            return NULL;
        }
      advance (p);
    }
  WirExpr *body = parse_expr (p);
  if (body == NULL)
    return NULL;
  WirExpr *e = node (p, WIR_LAMBDA, 1, start);
  e->kids[0] = body;
  e->n_params = params->len;
  e->params = wir_alloc (p->prog, MAX (params->len, 1u) * sizeof (WirParam));
  if (params->len > 0)
    memcpy (e->params, params->data, params->len * sizeof (WirParam));
  return e;
}

/* '@(' key ':' value, ... ')' expr */
static WirExpr *
parse_annotated (Parser *p)
{
  guint32 open;
  int predicate = -1;
  advance (p);
  open = p->tok.start;
  if (!expect (p, "("))
    return NULL;
  while (!is_punct (p, ")"))
    {
      gboolean known = FALSE;
      for (guint k = 0; k < G_N_ELEMENTS (iter_annotations); k++)
        known = known || is_name (p, iter_annotations[k]);
      if (!known)
        {
          g_autofree char *got = tok_text (p);
          return fail (p, "unknown annotation %s", got);
        }
      gboolean is_pred = is_name (p, "predicate");
      advance (p);
      if (!expect (p, ":"))
        return NULL;
      if (is_pred && (is_name (p, "true") || is_name (p, "false")))
        predicate = is_name (p, "true");
      else if (is_pred)
        return fail (p, "predicate takes true or false");
      if (p->tok.kind != WIR_TOK_NAME && p->tok.kind != WIR_TOK_INT
          && p->tok.kind != WIR_TOK_FLOAT)
        {
          g_autofree char *got = tok_text (p);
          return fail (p, "expected an annotation value, got %s", got);
        }
      advance (p);
      if (!is_punct (p, ")") && !expect (p, ","))
        return NULL;
    }
  if (!expect_close (p, ")", open))
    return NULL;
  WirExpr *e = parse_expr (p);
  if (e != NULL && predicate >= 0)
    e->predicate = predicate;
  return e;
}

static WirExpr *
parse_literal (Parser *p, gboolean negate)
{
  guint32 start = p->tok.start;
  WirExpr *e = node (p, WIR_LIT, 0, start);
  if (p->tok.suffix[0] != '\0')
    {
      if (strcmp (p->tok.suffix, "c") == 0 || strcmp (p->tok.suffix, "si") == 0)
        return fail_unsupported (p, strcmp (p->tok.suffix, "c") == 0 ? "i8 literal (suffix c)"
                                                                     : "i16 literal (suffix si)");
      return fail (p, "bad number suffix '%s'", p->tok.suffix);
    }
  if (p->tok.ltype == WIR_T_BOOL)
    return fail (p, "integer literal out of range");
  e->ltype = p->tok.ltype;
  if (p->tok.kind == WIR_TOK_FLOAT && isinf (p->tok.fval))
    return fail (p, "float literal out of range for %s", e->ltype == WIR_T_F32 ? "f32" : "f64");
  if (p->tok.kind == WIR_TOK_FLOAT)
    e->lit.f = negate ? -p->tok.fval : p->tok.fval;
  else
    {
      guint64 limit = e->ltype == WIR_T_I32 ? G_MAXINT32 : G_MAXINT64;
      guint64 m = p->tok.ival;
      if (m > limit + (negate ? 1u : 0u))
        return fail (p, "integer literal out of range for %s", e->ltype == WIR_T_I32 ? "i32" : "i64");
      e->lit.i = negate ? (gint64) (0 - m) : (gint64) m;
    }
  advance (p);
  e->end = p->no_spans ? 0 : p->tok.start;
  return e;
}

static WirExpr *
parse_let (Parser *p, guint32 start)
{
  advance (p);
  if (p->tok.kind != WIR_TOK_NAME)
    {
      g_autofree char *got = tok_text (p);
      return fail (p, "expected a name after 'let', got %s", got);
    }
  char *name = name_dup (p);
  advance (p);
  WirType *ty = NULL;
  if (is_punct (p, ":"))
    {
      advance (p);
      if ((ty = parse_type (p)) == NULL)
        return NULL;
    }
  if (!expect (p, "="))
    return NULL;
  WirExpr *value = parse_expr (p);
  if (value == NULL || !expect (p, ";"))
    return NULL;
  WirExpr *body = parse_expr (p);
  if (body == NULL)
    return NULL;
  if (ty != NULL)
    value->ascribed = ty;
  WirExpr *e = node (p, WIR_LET, 2, start);
  e->name = name;
  e->kids[0] = value;
  e->kids[1] = body;
  return e;
}

static WirExpr *
parse_bracketed (Parser *p, WirKind kind, const char *close, guint32 start)
{
  g_autoptr(GPtrArray) kids = g_ptr_array_new ();
  advance (p);
  if (!is_punct (p, close))
    do
      {
        WirExpr *k = parse_expr (p);
        if (k == NULL)
          return NULL;
        g_ptr_array_add (kids, k);
      }
    while (is_punct (p, ",") && (advance (p), TRUE));
  if (!expect_close (p, close, start))
    return NULL;
  if (kind == WIR_MAKESTRUCT && kids->len == 0)
    {
      wir_fail_at (p->prog, p->error, WIR_ERROR_SYNTAX, start, start + 2,
                   "a struct needs at least one field");
      return NULL;
    }
  return from_args (p, kind, kids, start);
}

static WirExpr *
parse_name (Parser *p, guint32 start)
{
  if (!check_unsupported_name (p))
    return NULL;
  if (is_name (p, "true") || is_name (p, "false"))
    {
      WirExpr *e = node (p, WIR_LIT, 0, start);
      e->ltype = WIR_T_BOOL;
      e->lit.i = is_name (p, "true");
      advance (p);
      return e;
    }
  if (is_name (p, "let"))
    return parse_let (p, start);
  if (is_name (p, "for"))
    return parse_for (p, start);
  if (is_name (p, "appender") || is_name (p, "merger") || is_name (p, "vecmerger"))
    return parse_builder (p, start);
  if (is_name (p, "vec"))
    return fail (p, "a type is not an expression here");
  for (guint k = 0; k < G_N_ELEMENTS (forms); k++)
    if (is_name (p, forms[k].name))
      return parse_form (p, &forms[k], start);
  WirTypeKind cast = scalar_kind (p);
  char *name = name_dup (p);
  advance (p);
  if (cast != WIR_T_VAR)
    {
      g_autoptr(GPtrArray) args = parse_args (p);
      if (args == NULL)
        return NULL;
      if (args->len != 1)
        return fail (p, "the cast %s() takes one argument", name);
      WirExpr *e = from_args (p, WIR_CAST, args, start);
      e->ty = wir_type_scalar (p->prog, cast);
      return e;
    }
  if (is_punct (p, "("))
    {
      g_autoptr(GPtrArray) args = parse_args (p);
      if (args == NULL)
        return NULL;
      WirExpr *e = from_args (p, WIR_APPLY, args, start);
      e->name = name;
      return e;
    }
  WirExpr *e = node (p, WIR_IDENT, 0, start);
  e->name = name;
  return e;
}

static WirExpr *
parse_primary (Parser *p)
{
  guint32 start = p->tok.start;
  switch (p->tok.kind)
    {
    case WIR_TOK_INT:
    case WIR_TOK_FLOAT:
      return parse_literal (p, FALSE);
    case WIR_TOK_NAME:
      return parse_name (p, start);
    case WIR_TOK_STRING:
      return fail_unsupported (p, "string literals");
    case WIR_TOK_PUNCT:
      if (is_punct (p, "("))
        {
          advance (p);
          WirExpr *e = parse_expr (p);
          if (e == NULL || !expect_close (p, ")", start))
            return NULL;
          return e;
        }
      if (is_punct (p, "["))
        return parse_bracketed (p, WIR_MAKEVEC, "]", start);
      if (is_punct (p, "{"))
        return parse_bracketed (p, WIR_MAKESTRUCT, "}", start);
      if (is_punct (p, "|") || is_punct (p, "||"))
        return parse_lambda (p, FALSE);
      if (is_punct (p, "@"))
        return parse_annotated (p);
      break;
    default:
      break;
    }
  g_autofree char *got = tok_text (p);
  return fail (p, "expected an expression, got %s", got);
}

/* postfix -> primary ('.$' INT | ':' type)* */
static WirExpr *
parse_postfix (Parser *p)
{
  guint32 start = p->tok.start;
  WirExpr *e = parse_primary (p);
  while (e != NULL)
    {
      if (p->tok.kind == WIR_TOK_FIELD)
        {
          WirExpr *g = node (p, WIR_GETFIELD, 1, start);
          g->index = (guint) p->tok.ival;
          g->kids[0] = e;
          advance (p);
          g->end = p->no_spans ? 0 : p->tok.start;
          e = g;
        }
      else if (is_punct (p, ":"))
        {
          advance (p);
          if ((e->ascribed = parse_type (p)) == NULL)
            return NULL;
        }
      else
        break;
    }
  return e;
}

/* unary -> ('-' | '!')* postfix; the prefix run is read in a loop (one
 * depth unit per operator, as for a binary chain), and a '-' right before
 * a number folds into the literal, unless a postfix follows it */
static WirExpr *
parse_unary (Parser *p)
{
  g_autoptr(GArray) ops = g_array_new (FALSE, FALSE, sizeof (guint32));
  guint depth0 = p->depth;
  WirExpr *e = NULL;
  while (e == NULL && (is_punct (p, "-") || is_punct (p, "!")))
    {
      guint32 start = p->tok.start;
      gboolean neg = is_punct (p, "-");
      advance (p);
      if (neg && (p->tok.kind == WIR_TOK_INT || p->tok.kind == WIR_TOK_FLOAT))
        {
          WirToken next;
          wir_lex (p->text, p->len, p->tok.end, &next);
          if (next.kind != WIR_TOK_FIELD && !(next.kind == WIR_TOK_PUNCT && strcmp (next.punct, ":") == 0))
            {
              if ((e = parse_literal (p, TRUE)) == NULL)
                return NULL;
              if (!p->no_spans)
                e->start = start;
              break;
            }
        }
      guint32 op = start << 1 | (neg ? 1u : 0u);
      g_array_append_val (ops, op);
      if (++p->depth > WIR_MAX_DEPTH)
        return fail (p, "nesting deeper than %d", WIR_MAX_DEPTH);
    }
  if (e == NULL && (e = parse_postfix (p)) == NULL)
    return NULL;
  for (guint k = ops->len; k-- > 0;)
    {
      guint32 op = g_array_index (ops, guint32, k);
      WirExpr *u = node (p, WIR_UNOP, 1, op >> 1);
      u->op = (op & 1) ? WIR_OP_NEG : WIR_OP_NOT;
      u->kids[0] = e;
      e = u;
    }
  p->depth = depth0;
  return e;
}

/* binary operators by precedence level, loosest first (weld.md §3) */
static const struct { const char *text; WirOp op; int level; } binops[] = {
  { "||", WIR_OP_OR, 0 }, { "&&", WIR_OP_AND, 1 }, { "|", WIR_OP_BITOR, 2 },
  { "^", WIR_OP_XOR, 3 }, { "&", WIR_OP_BITAND, 4 },
  { "==", WIR_OP_EQ, 5 }, { "!=", WIR_OP_NE, 5 },
  { "<", WIR_OP_LT, 6 }, { "<=", WIR_OP_LE, 6 }, { ">", WIR_OP_GT, 6 }, { ">=", WIR_OP_GE, 6 },
  { "+", WIR_OP_ADD, 7 }, { "-", WIR_OP_SUB, 7 },
  { "*", WIR_OP_MUL, 8 }, { "/", WIR_OP_DIV, 8 }, { "%", WIR_OP_MOD, 8 },
};

static int
binop_at (const Parser *p, int level)
{
  if (p->tok.kind != WIR_TOK_PUNCT)
    return -1;
  for (guint k = 0; k < G_N_ELEMENTS (binops); k++)
    if (binops[k].level == level && strcmp (p->tok.punct, binops[k].text) == 0)
      return (int) k;
  return -1;
}

static WirExpr *
parse_level (Parser *p, int level)
{
  if (level > 8)
    return parse_unary (p);
  guint32 start = p->tok.start;
  WirExpr *a = parse_level (p, level + 1);
  guint depth0 = p->depth;
  int k;
  while (a != NULL && (k = binop_at (p, level)) >= 0)
    {
      /* a left-associative chain nests one level per operator */
      if (++p->depth > WIR_MAX_DEPTH)
        return fail (p, "nesting deeper than %d", WIR_MAX_DEPTH);
      advance (p);
      WirExpr *b = parse_level (p, level + 1);
      if (b == NULL)
        return NULL;
      WirExpr *e = node (p, WIR_BINOP, 2, start);
      e->op = binops[k].op;
      e->kids[0] = a;
      e->kids[1] = b;
      a = e;
    }
  p->depth = depth0;
  return a;
}

static WirExpr *
parse_expr (Parser *p)
{
  if (++p->depth > WIR_MAX_DEPTH)
    return fail (p, "nesting deeper than %d", WIR_MAX_DEPTH);
  WirExpr *e = parse_level (p, 0);
  p->depth--;
  return e;
}

/* ---- declarations and the program ---- */

/* the NAME after a declaration's keyword, or NULL */
static char *
decl_name (Parser *p, const char *what)
{
  advance (p);
  if (p->tok.kind != WIR_TOK_NAME)
    return fail (p, "expected a %s name", what);
  char *name = name_dup (p);
  advance (p);
  return name;
}

static gboolean
parse_macro (Parser *p)
{
  char *name = decl_name (p, "macro");
  if (name == NULL)
    return FALSE;
  WirMacro *m = wir_alloc (p->prog, sizeof *m);
  m->name = name;
  guint32 open = p->tok.start;
  if (!expect (p, "("))
    return FALSE;
  g_autoptr(GPtrArray) params = g_ptr_array_new ();
  while (!is_punct (p, ")"))
    {
      if (p->tok.kind != WIR_TOK_NAME)
        return fail (p, "expected a macro parameter name") != NULL;
      g_ptr_array_add (params, name_dup (p));
      advance (p);
      if (!is_punct (p, ")") && !expect (p, ","))
        return FALSE;
    }
  if (!expect_close (p, ")", open) || !expect (p, "="))
    return FALSE;
  m->n_params = params->len;
  m->params = wir_alloc (p->prog, MAX (params->len, 1u) * sizeof (char *));
  if (params->len > 0)
    memcpy (m->params, params->pdata, params->len * sizeof (char *));
  if ((m->body = parse_expr (p)) == NULL || !expect (p, ";"))
    return FALSE;
  g_ptr_array_add (p->prog->macros, m);
  return TRUE;
}

static gboolean
parse_combine_param (Parser *p, WirParam *prm)
{
  if (p->tok.kind != WIR_TOK_NAME)
    return fail (p, "expected a combine parameter name") != NULL;
  prm->name = name_dup (p);
  prm->pos = p->tok.start;
  advance (p);
  return expect (p, ":") && (prm->type = parse_type (p)) != NULL;
}

/* combine NAME(a: T, b: T) identity EXPR = EXPR; */
static gboolean
parse_combine (Parser *p)
{
  char *name = decl_name (p, "combine");
  if (name == NULL)
    return FALSE;
  WirCombine *c = wir_alloc (p->prog, sizeof *c);
  c->name = name;
  guint32 open = p->tok.start;
  if (!expect (p, "(") || !parse_combine_param (p, &c->a) || !expect (p, ",")
      || !parse_combine_param (p, &c->b) || !expect_close (p, ")", open))
    return FALSE;
  if (!is_name (p, "identity"))
    return fail (p, "expected 'identity' after the combine's parameters") != NULL;
  advance (p);
  if ((c->identity = parse_expr (p)) == NULL || !expect (p, "=")
      || (c->body = parse_expr (p)) == NULL || !expect (p, ";"))
    return FALSE;
  c->type = c->a.type;
  g_ptr_array_add (p->prog->combines, c);
  return TRUE;
}

static gboolean
parse_decls (Parser *p)
{
  for (;;)
    {
      if (is_name (p, "type"))
        {
          advance (p);
          if (p->tok.kind != WIR_TOK_NAME)
            return fail (p, "expected a type name") != NULL;
          g_autofree char *name = g_strndup (p->text + p->tok.start, p->tok.end - p->tok.start);
          advance (p);
          WirType *t;
          if (!expect (p, "=") || (t = parse_type (p)) == NULL || !expect (p, ";"))
            return FALSE;
          g_hash_table_replace (p->aliases, g_steal_pointer (&name), t);
        }
      else if (is_name (p, "macro"))
        {
          if (!parse_macro (p))
            return FALSE;
        }
      else if (is_name (p, "combine"))
        {
          if (!parse_combine (p))
            return FALSE;
        }
      else
        return TRUE;
    }
}

/* The prelude (weld.md §8.3, §8.5): parsed into every program, with no
 * source positions. */
static const char prelude[] =
  "macro map(v, f) = result(for(v, appender, |b, i, x| merge(b, f(x))));\n"
  "macro filter(v, f) = result(for(v, appender, |b, i, x| if(f(x), merge(b, x), b)));\n"
  "macro sum(v) = result(for(v, merger[?, +], |b, i, x| merge(b, x)));\n"
  "macro relu(x) = max(x, 0.0f);\n"
  "macro sigmoid(x) = 1.0f / (1.0f + exp(-x));\n"
  "macro gelu_tanh(x) = 0.5f * x * (1.0f + tanh(0.7978846f * (x + 0.044715f * x * x * x)));\n"
  "macro gelu_erf(x) = 0.5f * x * (1.0f + erf(x * 0.70710677f));\n"
  "combine welford(a: {i64, f32, f32}, b: {i64, f32, f32}) identity {0L, 0.0f, 0.0f} =\n"
  "  let n = a.$0 + b.$0;\n"
  "  if(n == 0L, a, let d = b.$1 - a.$1; let fb = f32(b.$0) / f32(n);\n"
  "     {n, a.$1 + d * fb, a.$2 + b.$2 + d * d * f32(a.$0) * fb});\n"
  "combine softmaxacc(a: {f32, f32}, b: {f32, f32}) identity {-3.4028235e38f, 0.0f} =\n"
  "  let m = max(a.$0, b.$0); {m, a.$1 * exp(a.$0 - m) + b.$1 * exp(b.$0 - m)};\n";

static void
parser_init (Parser *p, WirProgram *prog, const char *text, gsize len, GError **error)
{
  memset (p, 0, sizeof *p);
  p->prog = prog;
  p->text = text;
  p->len = len;
  p->error = error;
  p->aliases = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  wir_lex (text, len, 0, &p->tok);
}

WirProgram *
wir_program_parse (const char *text, gssize len, const char *name, GError **error)
{
  g_autoptr(WirProgram) prog = g_new0 (WirProgram, 1);
  Parser p;

  prog->pool = g_ptr_array_new_with_free_func (g_free);
  prog->macros = g_ptr_array_new ();
  prog->combines = g_ptr_array_new ();
  prog->name = g_strdup (name != NULL ? name : "<wir>");
  prog->text = g_strdup ("");

  parser_init (&p, prog, prelude, sizeof prelude - 1, error);
  p.no_spans = TRUE;
  gboolean ok = parse_decls (&p);
  g_hash_table_unref (p.aliases);
  g_assert (ok && p.tok.kind == WIR_TOK_EOF);
  prog->n_prelude_macros = prog->macros->len;
  prog->n_prelude_combines = prog->combines->len;

  prog->text_len = len < 0 ? strlen (text) : (gsize) len;
  g_free (prog->text);
  prog->text = g_strndup (text, prog->text_len);
  if (strlen (prog->text) != prog->text_len)
    return wir_fail_at (prog, error, WIR_ERROR_SYNTAX, (guint32) strlen (prog->text),
                        (guint32) strlen (prog->text) + 1, "NUL byte in the program"), NULL;
  parser_init (&p, prog, prog->text, prog->text_len, error);
  ok = parse_decls (&p);
  if (ok && !is_punct (&p, "|") && !is_punct (&p, "||"))
    {
      g_autofree char *got = tok_text (&p);
      ok = fail (&p, "expected the program's lambda '|params| body', got %s", got) != NULL;
    }
  if (ok)
    ok = (prog->lambda = parse_lambda (&p, TRUE)) != NULL;
  if (ok && p.tok.kind != WIR_TOK_EOF)
    {
      g_autofree char *got = tok_text (&p);
      ok = fail (&p, "expected end of input, got %s", got) != NULL;
    }
  g_hash_table_unref (p.aliases);
  if (!ok)
    return NULL;
  return g_steal_pointer (&prog);
}

WirType *
wir_parse_type (WirProgram *prog, const char *text, gsize len, gsize *used, GError **error)
{
  Parser p;
  parser_init (&p, prog, text, len, error);
  p.no_spans = TRUE;
  WirType *t = parse_type (&p);
  g_hash_table_unref (p.aliases);
  *used = p.tok.start;
  return t;
}

void
wir_program_free (WirProgram *prog)
{
  if (prog == NULL)
    return;
  g_ptr_array_unref (prog->pool);
  g_ptr_array_unref (prog->macros);
  g_ptr_array_unref (prog->combines);
  g_free (prog->name);
  g_free (prog->text);
  g_free (prog);
}
