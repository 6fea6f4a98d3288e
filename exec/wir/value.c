/* exec/wir/value.c - WIR run-time values: heaps, the C memory layout of
 * weld.md §4, and the value notation of the conformance data (interp.h).
 */
#include "config.h"

#include "exec/wir/interp.h"
#include "exec/wir/numeric.h"
#include "exec/wir/wir-private.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- heaps ---- */

WirHeap *
wir_heap_new (guint64 limit_bytes)
{
  WirHeap *h = g_new0 (WirHeap, 1);
  h->ref = 1;
  h->objs = g_ptr_array_new_with_free_func (g_free);
  h->builders = g_ptr_array_new ();
  h->deps = g_ptr_array_new_with_free_func ((GDestroyNotify) wir_heap_unref);
  h->limit_bytes = limit_bytes;
  return h;
}

WirHeap *
wir_heap_ref (WirHeap *h)
{
  g_atomic_int_inc (&h->ref);
  return h;
}

/* appender buffers: see interp.c (WirBuilder's first field is its data) */
void
wir_heap_unref (WirHeap *h)
{
  if (h == NULL || !g_atomic_int_dec_and_test (&h->ref))
    return;
  for (guint k = 0; k < h->builders->len; k++)
    g_free (*(gpointer *) h->builders->pdata[k]);
  g_ptr_array_unref (h->builders);
  g_ptr_array_unref (h->objs);
  g_ptr_array_unref (h->deps);
  g_free (h);
}

void
wir_heap_depend (WirHeap *h, WirHeap *on)
{
  if (h != on)
    g_ptr_array_add (h->deps, wir_heap_ref (on));
}

gpointer
wir_heap_alloc (WirHeap *h, gsize size)
{
  gpointer p = g_malloc0 (MAX (size, 1));
  g_ptr_array_add (h->objs, p);
  return p;
}

gpointer
wir_heap_alloc_data (WirHeap *h, gsize size)
{
  if (h->limit_bytes > 0 && h->bytes + size >= h->limit_bytes)
    return NULL;
  h->bytes += size;
  gpointer p = g_try_malloc (MAX (size, 1));
  if (p != NULL)
    g_ptr_array_add (h->objs, p);
  return p;
}

WirStructV *
wir_heap_struct (WirHeap *h, guint n)
{
  WirStructV *s = wir_heap_alloc (h, sizeof *s + n * sizeof (WirVal));
  s->n = n;
  return s;
}

/* ---- layout (weld.md §4) ---- */

gsize
wir_type_size (WirType *t)
{
  t = wir_type_resolve (t);
  switch (t->kind)
    {
    case WIR_T_BOOL: return 1;
    case WIR_T_I32: case WIR_T_F32: return 4;
    case WIR_T_I64: case WIR_T_F64: return 8;
    case WIR_T_F16: case WIR_T_BF16: return 2;
    case WIR_T_VEC: return 16;     /* {T *data; int64_t len} */
    case WIR_T_STRUCT:
      {
        gsize a = wir_type_align (t);
        gsize end = t->n_fields == 0 ? 0
                    : wir_type_field_offset (t, t->n_fields - 1)
                      + wir_type_size (t->fields[t->n_fields - 1]);
        return (end + a - 1) / a * a;
      }
    default:
      return sizeof (gpointer);
    }
}

gsize
wir_type_align (WirType *t)
{
  t = wir_type_resolve (t);
  if (t->kind == WIR_T_STRUCT)
    {
      gsize a = 1;
      for (guint k = 0; k < t->n_fields; k++)
        a = MAX (a, wir_type_align (t->fields[k]));
      return a;
    }
  return t->kind == WIR_T_VEC ? 8 : wir_type_size (t);
}

gsize
wir_type_field_offset (WirType *t, guint k)
{
  t = wir_type_resolve (t);
  gsize off = 0;
  for (guint j = 0; j <= k; j++)
    {
      gsize a = wir_type_align (t->fields[j]);
      off = (off + a - 1) / a * a;
      if (j < k)
        off += wir_type_size (t->fields[j]);
    }
  return off;
}

WirVal
wir_load (WirHeap *h, WirType *t, const guint8 *p)
{
  WirVal v = { 0 };
  t = wir_type_resolve (t);
  v.kind = t->kind;
  switch (t->kind)
    {
    case WIR_T_BOOL: v.u.i = p[0] != 0; break;
    case WIR_T_I32: { gint32 x; memcpy (&x, p, 4); v.u.i = x; } break;
    case WIR_T_I64: memcpy (&v.u.i, p, 8); break;
    case WIR_T_F32: { float x; memcpy (&x, p, 4); v.u.f = x; } break;
    case WIR_T_F64: memcpy (&v.u.f, p, 8); break;
    case WIR_T_F16: case WIR_T_BF16: { guint16 x; memcpy (&x, p, 2); v.u.i = x; } break;
    case WIR_T_STRUCT:
      v.u.s = wir_heap_struct (h, t->n_fields);
      for (guint k = 0; k < t->n_fields; k++)
        v.u.s->f[k] = wir_load (h, t->fields[k], p + wir_type_field_offset (t, k));
      break;
    default:
      g_assert_not_reached ();
    }
  return v;
}

void
wir_store (WirType *t, guint8 *p, WirVal v)
{
  t = wir_type_resolve (t);
  switch (t->kind)
    {
    case WIR_T_BOOL: p[0] = v.u.i != 0; break;
    case WIR_T_I32: { gint32 x = (gint32) v.u.i; memcpy (p, &x, 4); } break;
    case WIR_T_I64: memcpy (p, &v.u.i, 8); break;
    case WIR_T_F32: { float x = (float) v.u.f; memcpy (p, &x, 4); } break;
    case WIR_T_F64: memcpy (p, &v.u.f, 8); break;
    case WIR_T_F16: case WIR_T_BF16: { guint16 x = (guint16) v.u.i; memcpy (p, &x, 2); } break;
    case WIR_T_STRUCT:
      for (guint k = 0; k < t->n_fields; k++)
        wir_store (t->fields[k], p + wir_type_field_offset (t, k), v.u.s->f[k]);
      break;
    default:
      g_assert_not_reached ();
    }
}

WirValue *
wir_value_wrap (WirHeap *h, WirVal v, WirType *type)
{
  WirValue *r = g_new0 (WirValue, 1);
  r->heap = wir_heap_ref (h);
  r->v = v;
  r->type = type;
  return r;
}

void
wir_value_free (WirValue *v)
{
  if (v == NULL)
    return;
  wir_heap_unref (v->heap);
  wir_program_free (v->types);
  g_free (v);
}

WirType *
wir_value_type (const WirValue *v)
{
  return v->type;
}

gboolean
wir_value_vec (const WirValue *v, gconstpointer *data, gint64 *len)
{
  if (v->v.kind != WIR_T_VEC)
    return FALSE;
  *data = v->v.u.v->data;
  *len = v->v.u.v->len;
  return TRUE;
}

WirValue *
wir_value_new_vec (WirType *type, gconstpointer data, gint64 len)
{
  WirHeap *h = wir_heap_new (0);
  WirVec *vec = wir_heap_alloc (h, sizeof *vec);
  gsize n = (gsize) len * wir_type_size (wir_type_resolve (type)->elem);
  vec->elem = wir_type_resolve (type)->elem;
  vec->len = len;
  vec->data = wir_heap_alloc (h, n);
  if (n > 0)
    memcpy (vec->data, data, n);
  WirValue *r = wir_value_wrap (h, (WirVal) { .kind = WIR_T_VEC, .u.v = vec }, type);
  wir_heap_unref (h);
  return r;
}

WirValue *
wir_value_field (const WirValue *v, guint k)
{
  WirType *t = wir_type_resolve (v->type);
  if (t->kind != WIR_T_STRUCT || k >= t->n_fields)
    return NULL;
  WirValue *r = wir_value_wrap (v->heap, v->v.u.s->f[k], t->fields[k]);
  if (v->types != NULL)
    {
      /* the field's type lives in v's pool: keep a parse of it instead */
      g_autofree char *text = wir_type_print (t->fields[k]);
      gsize used = 0;
      r->types = wir_program_parse ("|| 0", -1, "value", NULL);
      r->type = wir_parse_type (r->types, text, strlen (text), &used, NULL);
    }
  return r;
}

double
wir_value_scalar (const WirValue *v)
{
  if (wir_type_is_float (v->v.kind))
    return v->v.u.f;
  if (v->v.kind == WIR_T_F16)
    return wir_f16_to_f32 ((guint16) v->v.u.i);
  if (v->v.kind == WIR_T_BF16)
    return wir_bf16_to_f32 ((guint16) v->v.u.i);
  return (double) v->v.u.i;
}

/* ---- printing ---- */

static void
append_scalar (GString *out, WirTypeKind k, WirVal v)
{
  char buf[64];
  switch (k)
    {
    case WIR_T_BOOL:
      g_string_append (out, v.u.i ? "true" : "false");
      break;
    case WIR_T_I32:
    case WIR_T_I64:
      g_string_append_printf (out, "%" G_GINT64_FORMAT, v.u.i);
      break;
    case WIR_T_F16:
    case WIR_T_BF16:
      g_string_append_printf (out, "0x%04x", (guint) v.u.i);
      break;
    default:
      if (isnan (v.u.f))
        g_string_append (out, "nan");
      else if (isinf (v.u.f))
        g_string_append (out, v.u.f < 0 ? "-inf" : "inf");
      else
        g_string_append (out, g_ascii_formatd (buf, sizeof buf, k == WIR_T_F32 ? "%.9g" : "%.17g", v.u.f));
      break;
    }
}

static void
append_val (GString *out, WirType *t, WirVal v, guint max_elems)
{
  t = wir_type_resolve (t);
  if (wir_type_is_scalar (t->kind))
    append_scalar (out, t->kind, v);
  else if (t->kind == WIR_T_STRUCT)
    {
      g_string_append_c (out, '{');
      for (guint k = 0; k < t->n_fields; k++)
        {
          if (k > 0)
            g_string_append (out, ", ");
          append_val (out, t->fields[k], v.u.s->f[k], max_elems);
        }
      g_string_append_c (out, '}');
    }
  else if (t->kind == WIR_T_VEC)
    {
      WirVec *vec = v.u.v;
      gsize es = wir_type_size (t->elem);
      g_autoptr(WirHeap) tmp = wir_heap_new (0);
      g_string_append_c (out, '[');
      for (gint64 k = 0; k < vec->len; k++)
        {
          if (k > 0)
            g_string_append (out, ", ");
          if (max_elems > 0 && k >= (gint64) max_elems)
            {
              g_string_append_printf (out, "... (%" G_GINT64_FORMAT " in all)", vec->len);
              break;
            }
          append_val (out, t->elem, wir_load (tmp, t->elem, vec->data + (gsize) k * es), max_elems);
        }
      g_string_append_c (out, ']');
    }
  else
    g_string_append (out, "<builder>");
}

char *
wir_value_print (const WirValue *v, guint max_elems)
{
  GString *out = g_string_new (NULL);
  wir_type_append (out, v->type);
  g_string_append_c (out, ' ');
  append_val (out, v->type, v->v, max_elems);
  return g_string_free (out, FALSE);
}

/* ---- comparison ---- */

static gboolean
scalar_equal (WirTypeKind k, WirVal a, WirVal b, double tol, gboolean bits)
{
  if (!wir_type_is_float (k))
    return a.u.i == b.u.i;
  if (bits && k == WIR_T_F32)
    {
      float x = (float) a.u.f, y = (float) b.u.f;
      return memcmp (&x, &y, sizeof x) == 0;
    }
  if (bits)
    return memcmp (&a.u.f, &b.u.f, 8) == 0;
  if (isnan (a.u.f) || isnan (b.u.f))
    return isnan (a.u.f) && isnan (b.u.f);
  if (a.u.f == b.u.f)
    return TRUE;
  return fabs (a.u.f - b.u.f) <= tol;
}

static gboolean
val_equal (WirType *t, WirVal a, WirVal b, double tol, gboolean bits)
{
  t = wir_type_resolve (t);
  if (wir_type_is_scalar (t->kind))
    return scalar_equal (t->kind, a, b, tol, bits);
  if (t->kind == WIR_T_STRUCT)
    {
      for (guint k = 0; k < t->n_fields; k++)
        if (!val_equal (t->fields[k], a.u.s->f[k], b.u.s->f[k], tol, bits))
          return FALSE;
      return TRUE;
    }
  if (t->kind != WIR_T_VEC || a.u.v->len != b.u.v->len)
    return FALSE;
  gsize es = wir_type_size (t->elem);
  g_autoptr(WirHeap) tmp = wir_heap_new (0);
  if (wir_type_is_int (wir_type_resolve (t->elem)->kind) && !bits)
    return memcmp (a.u.v->data, b.u.v->data, (gsize) a.u.v->len * es) == 0;
  for (gint64 k = 0; k < a.u.v->len; k++)
    if (!val_equal (t->elem, wir_load (tmp, t->elem, a.u.v->data + (gsize) k * es),
                    wir_load (tmp, t->elem, b.u.v->data + (gsize) k * es), tol, bits))
      return FALSE;
  return TRUE;
}

gboolean
wir_value_equal (const WirValue *a, const WirValue *b, double tol)
{
  return wir_type_equal (a->type, b->type) && val_equal (a->type, a->v, b->v, tol, FALSE);
}

gboolean
wir_value_identical (const WirValue *a, const WirValue *b)
{
  return wir_type_equal (a->type, b->type) && val_equal (a->type, a->v, b->v, 0, TRUE);
}

/* ---- the value notation ---- */

typedef struct {
  const char *s;
  gsize pos, len;
  WirProgram *prog;       /* types are allocated here */
  WirHeap *heap;
  GError **error;
} Reader;

static gboolean read_as (Reader *r, WirType *t, WirVal *out);

static void
skip_ws (Reader *r)
{
  while (r->pos < r->len && g_ascii_isspace (r->s[r->pos]))
    r->pos++;
}

static gboolean
bad (Reader *r, const char *what)
{
  g_set_error (r->error, WIR_ERROR, WIR_ERROR_INPUT, "value at column %u: expected %s, got '%.20s'",
               (guint) r->pos + 1, what, r->s + r->pos);
  return FALSE;
}

static gboolean
eat (Reader *r, const char *tok)
{
  skip_ws (r);
  gsize n = strlen (tok);
  if (r->pos + n <= r->len && memcmp (r->s + r->pos, tok, n) == 0)
    {
      r->pos += n;
      return TRUE;
    }
  return FALSE;
}

static char *
read_word (Reader *r)
{
  skip_ws (r);
  gsize start = r->pos;
  while (r->pos < r->len && (g_ascii_isalnum (r->s[r->pos]) || strchr ("+-._", r->s[r->pos]) != NULL))
    {
      /* "1..5": a range's dots end the number */
      if (r->s[r->pos] == '.' && r->pos + 1 < r->len && r->s[r->pos + 1] == '.')
        break;
      r->pos++;
    }
  return g_strndup (r->s + start, r->pos - start);
}

static gboolean
scalar_from_text (WirTypeKind k, const char *w, WirVal *out)
{
  char *end = NULL;
  out->kind = k;
  if (*w == '\0')
    return FALSE;
  switch (k)
    {
    case WIR_T_BOOL:
      if (strcmp (w, "true") != 0 && strcmp (w, "false") != 0)
        return FALSE;
      out->u.i = strcmp (w, "true") == 0;
      return TRUE;
    case WIR_T_I32:
    case WIR_T_I64:
      out->u.i = g_ascii_strtoll (w, &end, 10);
      if (k == WIR_T_I32 && (out->u.i > G_MAXINT32 || out->u.i < G_MININT32))
        return FALSE;
      return *end == '\0';
    case WIR_T_F32:
      out->u.f = strtof (w, &end);
      return *end == '\0';
    case WIR_T_F64:
      out->u.f = g_ascii_strtod (w, &end);
      return *end == '\0';
    case WIR_T_F16:
    case WIR_T_BF16:
      {
        double d = g_ascii_strtod (w, &end);
        out->u.i = k == WIR_T_F16 ? wir_f64_to_f16 (d) : wir_f64_to_bf16 (d);
        return *end == '\0';
      }
    default:
      return FALSE;
    }
}

static gboolean
read_scalar (Reader *r, WirTypeKind k, WirVal *out)
{
  g_autofree char *w = read_word (r);
  if (!scalar_from_text (k, w, out))
    return bad (r, "a scalar of the element type");
  return TRUE;
}

static WirVal
cast_int (WirTypeKind k, gint64 i)
{
  WirVal v = { .kind = k };
  if (wir_type_is_float (k))
    v.u.f = k == WIR_T_F32 ? (double) (float) i : (double) i;
  else
    v.u.i = k == WIR_T_I32 ? (gint32) i : i;
  return v;
}

/* '[' a '..' b ']' with the '[' eaten; FALSE (position restored) if not */
static gboolean
try_range (Reader *r, WirType *elem, GArray *vals)
{
  gsize save = r->pos;
  g_autofree char *a = read_word (r);
  if (!eat (r, ".."))
    {
      r->pos = save;
      return FALSE;
    }
  g_autofree char *b = read_word (r);
  char *e1, *e2;
  gint64 lo = g_ascii_strtoll (a, &e1, 10), hi = g_ascii_strtoll (b, &e2, 10);
  if (*a == '\0' || *e1 != '\0' || *b == '\0' || *e2 != '\0' || !eat (r, "]") || hi - lo > 100000000)
    {
      r->pos = save;
      return FALSE;
    }
  for (gint64 i = lo; i <= hi; i++)
    {
      WirVal v = cast_int (wir_type_resolve (elem)->kind, i);
      g_array_append_val (vals, v);
    }
  return TRUE;
}

/* In the case notation numbers take the generator's type: "i+5" over
 * i64 means i + 5L. */
static void
retype_literals (WirExpr *e, WirTypeKind k)
{
  if (e->kind == WIR_LIT && e->ltype != WIR_T_BOOL && e->ltype != k)
    {
      gboolean was_float = wir_type_is_float (e->ltype);
      if (wir_type_is_float (k) && !was_float)
        e->lit.f = (double) e->lit.i;
      else if (!wir_type_is_float (k) && was_float)
        e->lit.i = (gint64) e->lit.f;
      e->ltype = k;
    }
  for (guint j = 0; j < e->n_kids; j++)
    retype_literals (e->kids[j], k);
}

/* the program |VAR: T| EXPR, its numbers of type T */
static WirProgram *
generator_program (const char *var, WirType *t, const char *expr, GError **error)
{
  g_autofree char *ty = wir_type_print (t);
  g_autofree char *src = g_strdup_printf ("|%s: %s| %s", var, ty, expr);
  g_autoptr(WirProgram) p = wir_program_parse (src, -1, "generator", error);
  if (p == NULL)
    return NULL;
  if (wir_type_is_scalar (wir_type_resolve (t)->kind))
    retype_literals (p->lambda->kids[0], wir_type_resolve (t)->kind);
  if (!wir_program_check (p, FALSE, error))
    return NULL;
  return g_steal_pointer (&p);
}

/* '[' EXPR for k in LIST ']': EXPR is WIR with k of the element type */
static gboolean
try_generator (Reader *r, WirType *elem, GArray *vals)
{
  gsize close = r->pos;
  int depth = 1;
  while (close < r->len && depth > 0)
    {
      depth += r->s[close] == '[' ? 1 : r->s[close] == ']' ? -1 : 0;
      close++;
    }
  g_autofree char *inner = g_strndup (r->s + r->pos, close - r->pos - 1);
  char *f = strstr (inner, " for ");
  if (depth != 0 || f == NULL)
    return FALSE;
  *f = '\0';
  char var[32] = { 0 };
  int used = 0;
  if (sscanf (f + 5, " %31[a-zA-Z_] in %n", var, &used) != 1 || used == 0)
    return FALSE;
  g_auto(GStrv) items = g_strsplit (f + 5 + used, ",", -1);
  g_autoptr(WirProgram) p = generator_program (var, elem, inner, r->error);
  if (p == NULL)
    return FALSE;
  for (guint k = 0; items[k] != NULL; k++)
    {
      g_strstrip (items[k]);
      WirVal a;
      if (!scalar_from_text (wir_type_resolve (elem)->kind, items[k], &a))
        return bad (r, "a generator's list of numbers");
      WirValue arg = { r->heap, a, elem, NULL };
      WirValue *args[1] = { &arg };
      g_autoptr(WirValue) res = wir_program_run (p, args, 1, NULL, r->error);
      if (res == NULL)
        return FALSE;
      if (!wir_type_equal (res->type, elem))
        return bad (r, "a generator expression of the element type");
      g_array_append_val (vals, res->v);
    }
  r->pos = close;
  return TRUE;
}

static gboolean
read_items (Reader *r, WirType *elem, GArray *vals)
{
  if (eat (r, "]"))
    return TRUE;
  if (try_range (r, elem, vals) || try_generator (r, elem, vals))
    return TRUE;
  if (r->error != NULL && *r->error != NULL)
    return FALSE;
  do
    {
      WirVal v;
      if (!read_as (r, elem, &v))
        return FALSE;
      g_array_append_val (vals, v);
    }
  while (eat (r, ","));
  return eat (r, "]") || bad (r, "',' or ']'");
}

/* list -> term ('++' term)*;  term -> '[' items ']' ('*' N)? */
static gboolean
read_vec (Reader *r, WirType *t, WirVal *out)
{
  WirType *elem = wir_type_resolve (t)->elem;
  g_autoptr(GArray) vals = g_array_new (FALSE, FALSE, sizeof (WirVal));
  do
    {
      if (!eat (r, "["))
        return bad (r, "'['");
      guint from = vals->len;
      if (!read_items (r, elem, vals))
        return FALSE;
      if (eat (r, "*"))
        {
          g_autofree char *w = read_word (r);
          char *end;
          gint64 n = g_ascii_strtoll (w, &end, 10);
          if (*w == '\0' || *end != '\0' || n < 0 || n > 100000000)
            return bad (r, "a repeat count");
          guint part = vals->len - from;
          for (gint64 k = 1; k < n; k++)
            for (guint j = 0; j < part; j++)
              {
                WirVal v = g_array_index (vals, WirVal, from + j);
                g_array_append_val (vals, v);
              }
          if (n == 0)
            g_array_set_size (vals, from);
        }
    }
  while (eat (r, "++"));
  gsize es = wir_type_size (elem);
  WirVec *vec = wir_heap_alloc (r->heap, sizeof *vec);
  vec->elem = elem;
  vec->len = vals->len;
  vec->data = wir_heap_alloc (r->heap, vals->len * es);
  for (guint k = 0; k < vals->len; k++)
    wir_store (elem, vec->data + k * es, g_array_index (vals, WirVal, k));
  out->kind = WIR_T_VEC;
  out->u.v = vec;
  return TRUE;
}

static gboolean
read_as (Reader *r, WirType *t, WirVal *out)
{
  t = wir_type_resolve (t);
  if (wir_type_is_scalar (t->kind))
    return read_scalar (r, t->kind, out);
  if (t->kind == WIR_T_VEC)
    return read_vec (r, t, out);
  if (t->kind != WIR_T_STRUCT)
    return bad (r, "a value type");
  if (!eat (r, "{"))
    return bad (r, "'{'");
  out->kind = WIR_T_STRUCT;
  out->u.s = wir_heap_struct (r->heap, t->n_fields);
  for (guint k = 0; k < t->n_fields; k++)
    if ((k > 0 && !eat (r, ",") && !bad (r, "','")) || !read_as (r, t->fields[k], &out->u.s->f[k]))
      return FALSE;
  return eat (r, "}") || bad (r, "'}'");
}

/* "T v", or "{T1 v1, ...}" */
static gboolean
read_typed (Reader *r, WirType **type, WirVal *out)
{
  skip_ws (r);
  if (eat (r, "{"))
    {
      g_autoptr(GPtrArray) types = g_ptr_array_new ();
      g_autoptr(GArray) vals = g_array_new (FALSE, FALSE, sizeof (WirVal));
      do
        {
          WirType *t;
          WirVal v;
          if (!read_typed (r, &t, &v))
            return FALSE;
          g_ptr_array_add (types, t);
          g_array_append_val (vals, v);
        }
      while (eat (r, ","));
      if (!eat (r, "}"))
        return bad (r, "'}'");
      WirType *t = wir_type_new (r->prog, WIR_T_STRUCT);
      t->n_fields = types->len;
      t->fields = wir_alloc (r->prog, types->len * sizeof *t->fields);
      memcpy (t->fields, types->pdata, types->len * sizeof *t->fields);
      out->kind = WIR_T_STRUCT;
      out->u.s = wir_heap_struct (r->heap, types->len);
      memcpy (out->u.s->f, vals->data, vals->len * sizeof (WirVal));
      *type = t;
      return TRUE;
    }
  gsize used = 0;
  *type = wir_parse_type (r->prog, r->s + r->pos, r->len - r->pos, &used, r->error);
  if (*type == NULL)
    return FALSE;
  r->pos += used;
  return read_as (r, *type, out);
}

/* what may follow a value: nothing, or a note "(...)" or ", ..." */
static gboolean
at_end (Reader *r)
{
  skip_ws (r);
  return r->pos == r->len || r->s[r->pos] == '(' || r->s[r->pos] == ',';
}

WirValue *
wir_value_parse (const char *text, GError **error)
{
  g_autoptr(WirProgram) types = wir_program_parse ("|| 0", -1, "value", NULL);
  g_autoptr(WirHeap) heap = wir_heap_new (0);
  Reader r = { text, 0, strlen (text), types, heap, error };
  WirType *t;
  WirVal v;
  if (!read_typed (&r, &t, &v))
    return NULL;
  if (!at_end (&r))
    return bad (&r, "end of the value"), NULL;
  WirValue *res = wir_value_wrap (heap, v, t);
  res->types = g_steal_pointer (&types);
  return res;
}

WirValue *
wir_value_parse_as (WirProgram *prog, WirType *type, const char *text, GError **error)
{
  g_autoptr(WirHeap) heap = wir_heap_new (0);
  Reader r = { text, 0, strlen (text), prog, heap, error };
  WirVal v;
  if (!read_as (&r, type, &v))
    return NULL;
  if (!at_end (&r))
    return bad (&r, "end of the value"), NULL;
  return wir_value_wrap (heap, v, type);
}

static int
param_index (WirProgram *prog, const char *name)
{
  for (guint k = 0; k < wir_program_n_params (prog); k++)
    if (strcmp (wir_program_param_name (prog, k), name) == 0)
      return (int) k;
  return -1;
}

/* "x[i]=e1, y[i]=e2 for i in a..b": vectors generated by WIR expressions */
static gboolean
read_generated (WirProgram *prog, char *part, GPtrArray *vals, GError **error)
{
  char *f = strstr (part, " for ");
  char var[32] = { 0 };
  gint64 lo, hi;
  if (sscanf (f + 5, " %31[a-zA-Z_] in %" G_GINT64_FORMAT "..%" G_GINT64_FORMAT, var, &lo, &hi) != 3
      || hi - lo > 100000000)
    return g_set_error (error, WIR_ERROR, WIR_ERROR_INPUT, "bad generator '%s'", f + 5), FALSE;
  *f = '\0';
  g_auto(GStrv) defs = g_regex_split_simple (",\\s*(?=\\w+\\[)", part, 0, 0);
  for (guint d = 0; defs[d] != NULL; d++)
    {
      char name[64] = { 0 }, idx[32] = { 0 };
      int used = 0;
      if (sscanf (defs[d], " %63[a-zA-Z0-9_][%31[a-zA-Z_]] =%n", name, idx, &used) != 2 || used == 0)
        return g_set_error (error, WIR_ERROR, WIR_ERROR_INPUT, "bad input '%s'", defs[d]), FALSE;
      int k = param_index (prog, name);
      WirType *t = k >= 0 ? wir_type_resolve (wir_program_param_type (prog, (guint) k)) : NULL;
      if (t == NULL || t->kind != WIR_T_VEC)
        return g_set_error (error, WIR_ERROR, WIR_ERROR_INPUT, "'%s' is not a vector parameter", name), FALSE;
      g_autoptr(WirProgram) p = generator_program (idx, t->elem, defs[d] + used, error);
      if (p == NULL)
        return FALSE;
      g_autoptr(WirHeap) heap = wir_heap_new (0);
      gsize es = wir_type_size (t->elem);
      WirVec *vec = wir_heap_alloc (heap, sizeof *vec);
      vec->elem = t->elem;
      vec->len = hi - lo + 1;
      vec->data = wir_heap_alloc (heap, (gsize) vec->len * es);
      for (gint64 i = lo; i <= hi; i++)
        {
          WirValue arg = { heap, cast_int (wir_type_resolve (t->elem)->kind, i), t->elem, NULL };
          WirValue *args[1] = { &arg };
          g_autoptr(WirValue) r = wir_program_run (p, args, 1, NULL, error);
          if (r == NULL)
            return FALSE;
          wir_store (t->elem, vec->data + (gsize) (i - lo) * es, r->v);
        }
      WirValue *v = wir_value_wrap (heap, (WirVal) { .kind = WIR_T_VEC, .u.v = vec },
                                    wir_program_param_type (prog, (guint) k));
      g_clear_pointer (&vals->pdata[k], wir_value_free);
      vals->pdata[k] = v;
    }
  return TRUE;
}

GPtrArray *
wir_input_parse (WirProgram *prog, const char *line, GError **error)
{
  guint n = wir_program_n_params (prog);
  g_autoptr(GPtrArray) vals = g_ptr_array_new_full (n, (GDestroyNotify) wir_value_free);
  g_ptr_array_set_size (vals, (gint) n);
  g_autofree char *copy = g_strstrip (g_strdup (line));
  if (strcmp (copy, "none") != 0)
    {
      g_auto(GStrv) parts = g_strsplit (copy, ";", -1);
      for (guint p = 0; parts[p] != NULL; p++)
        {
          char *part = g_strstrip (parts[p]);
          if (*part == '\0')
            continue;
          if (strstr (part, " for ") != NULL && strchr (part, '[') < strchr (part, '='))
            {
              if (!read_generated (prog, part, vals, error))
                return NULL;
              continue;
            }
          char *eq = strchr (part, '=');
          if (eq == NULL)
            return g_set_error (error, WIR_ERROR, WIR_ERROR_INPUT, "input '%s': expected name=value", part), NULL;
          *eq = '\0';
          int k = param_index (prog, g_strstrip (part));
          if (k < 0)
            return g_set_error (error, WIR_ERROR, WIR_ERROR_INPUT, "no parameter named '%s'", part), NULL;
          WirValue *v = wir_value_parse_as (prog, wir_program_param_type (prog, (guint) k), eq + 1, error);
          if (v == NULL)
            return g_prefix_error (error, "input '%s': ", part), NULL;
          g_clear_pointer (&vals->pdata[k], wir_value_free);
          vals->pdata[k] = v;
        }
    }
  for (guint k = 0; k < n; k++)
    if (vals->pdata[k] == NULL)
      return g_set_error (error, WIR_ERROR, WIR_ERROR_INPUT, "no input for parameter '%s'",
                          wir_program_param_name (prog, k)), NULL;
  return g_steal_pointer (&vals);
}
