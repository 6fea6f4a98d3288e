/* exec/wir/interp.c - the reference interpreter (weld.md §10.1).
 *
 * A tree walk over the checked program. Every binder has a slot (given by
 * check.c), so the environment is one array; values live in the run's
 * heap. Integers wrap (computed unsigned), f32 is computed in float with
 * the f-suffixed libm functions (tanh: rt.h's wir_rt_tanhf, as the C back
 * end), floating min/max propagate NaN, casts to
 * integers saturate. Every run-time check of the spec is always on: lookup
 * and iterator bounds, slice starts, zip trip counts, vecmerger indices,
 * integer division by zero, and the memory limit.
 *
 * eval() is the dispatch loop, the one long function; each case calls
 * small helpers.
 */
#include "config.h"

#include "exec/wir/interp.h"
#include "exec/wir/numeric.h"
#include "exec/wir/wir-private.h"

#include <math.h>
#include <string.h>

struct _WirBuilder {
  guint8 *data;           /* appender buffer; first, so the heap can free it */
  WirType *type;          /* resolved builder type */
  gint64 len, cap;
  gsize esize;
  gboolean done;          /* result() taken: no more merges */
  WirVal acc;             /* merger */
  WirVec *vec;            /* vecmerger: its copy */
};

typedef struct {
  WirProgram *prog;
  WirHeap *heap;
  WirVal *env;
  GError **error;
} Interp;

static gboolean eval (Interp *in, const WirExpr *e, WirVal *out);

static gboolean
rt_error (Interp *in, const WirExpr *e, WirErrorCode code, const char *fmt, ...) G_GNUC_PRINTF (4, 5);

static gboolean
rt_error (Interp *in, const WirExpr *e, WirErrorCode code, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  g_autofree char *msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  if (in->error != NULL && *in->error != NULL)
    return FALSE;
  return wir_fail_at (in->prog, in->error, code, e->start, e->end, "%s", msg);
}

static WirVal
scalar (WirTypeKind k, gint64 i, double f)
{
  WirVal v = { .kind = k };
  if (wir_type_is_float (k))
    v.u.f = f;
  else
    v.u.i = i;
  return v;
}

/* ---- arithmetic ---- */

static gint64
wrap (WirTypeKind k, guint64 u)
{
  return k == WIR_T_I32 ? (gint64) (gint32) (guint32) u : (gint64) u;
}

static gboolean
int_arith (Interp *in, const WirExpr *e, WirTypeKind k, gint64 a, gint64 b, gint64 *r)
{
  guint64 ua = (guint64) a, ub = (guint64) b;
  gint64 min = k == WIR_T_I32 ? G_MININT32 : G_MININT64;
  switch (e->op)
    {
    case WIR_OP_ADD: *r = wrap (k, ua + ub); return TRUE;
    case WIR_OP_SUB: *r = wrap (k, ua - ub); return TRUE;
    case WIR_OP_MUL: *r = wrap (k, ua * ub); return TRUE;
    case WIR_OP_DIV:
    case WIR_OP_MOD:
      if (b == 0)
        return rt_error (in, e, WIR_ERROR_DIV_BY_ZERO, "integer division by zero");
      if (a == min && b == -1)    /* wraps: the quotient is min, no remainder */
        *r = e->op == WIR_OP_DIV ? min : 0;
      else
        *r = e->op == WIR_OP_DIV ? a / b : a % b;
      return TRUE;
    case WIR_OP_BITAND: *r = a & b; return TRUE;
    case WIR_OP_BITOR: *r = a | b; return TRUE;
    case WIR_OP_XOR: *r = a ^ b; return TRUE;
    case WIR_OP_MIN: *r = MIN (a, b); return TRUE;
    case WIR_OP_MAX: *r = MAX (a, b); return TRUE;
    default: g_assert_not_reached ();
    }
}

static double
float_arith (WirOp op, gboolean f32, double a, double b)
{
  /* min/max: a NaN operand wins, the left one first (as the C back end) */
  if (op == WIR_OP_MIN || op == WIR_OP_MAX)
    {
      if (f32)
        {
          float x = (float) a, y = (float) b;
          return (op == WIR_OP_MIN ? x < y : x > y) || x != x ? x : y;
        }
      return (op == WIR_OP_MIN ? a < b : a > b) || a != a ? a : b;
    }
  if (f32)
    {
      float x = (float) a, y = (float) b;
      switch (op)
        {
        case WIR_OP_ADD: return x + y;
        case WIR_OP_SUB: return x - y;
        case WIR_OP_MUL: return x * y;
        case WIR_OP_DIV: return x / y;
        case WIR_OP_MOD: return fmodf (x, y);
        case WIR_OP_POW: return powf (x, y);
        default: g_assert_not_reached ();
        }
    }
  switch (op)
    {
    case WIR_OP_ADD: return a + b;
    case WIR_OP_SUB: return a - b;
    case WIR_OP_MUL: return a * b;
    case WIR_OP_DIV: return a / b;
    case WIR_OP_MOD: return fmod (a, b);
    case WIR_OP_POW: return pow (a, b);
    default: g_assert_not_reached ();
    }
}

static gboolean
compare (WirOp op, WirVal a, WirVal b)
{
  if (wir_type_is_float (a.kind))
    switch (op)
      {
      case WIR_OP_EQ: return a.u.f == b.u.f;
      case WIR_OP_NE: return a.u.f != b.u.f;
      case WIR_OP_LT: return a.u.f < b.u.f;
      case WIR_OP_LE: return a.u.f <= b.u.f;
      case WIR_OP_GT: return a.u.f > b.u.f;
      default: return a.u.f >= b.u.f;
      }
  switch (op)
    {
    case WIR_OP_EQ: return a.u.i == b.u.i;
    case WIR_OP_NE: return a.u.i != b.u.i;
    case WIR_OP_LT: return a.u.i < b.u.i;
    case WIR_OP_LE: return a.u.i <= b.u.i;
    case WIR_OP_GT: return a.u.i > b.u.i;
    default: return a.u.i >= b.u.i;
    }
}

/* op on two values of one type (scalars, or structs field by field) */
static gboolean
binop_values (Interp *in, const WirExpr *e, WirOp op, WirVal a, WirVal b, WirVal *out)
{
  if (a.kind == WIR_T_STRUCT)
    {
      out->kind = WIR_T_STRUCT;
      out->u.s = wir_heap_struct (in->heap, a.u.s->n);
      for (guint k = 0; k < a.u.s->n; k++)
        if (!binop_values (in, e, op, a.u.s->f[k], b.u.s->f[k], &out->u.s->f[k]))
          return FALSE;
      return TRUE;
    }
  if (wir_op_is_cmp (op))
    {
      *out = scalar (WIR_T_BOOL, compare (op, a, b), 0);
      return TRUE;
    }
  out->kind = a.kind;
  if (wir_type_is_float (a.kind))
    {
      out->u.f = float_arith (op, a.kind == WIR_T_F32, a.u.f, b.u.f);
      return TRUE;
    }
  WirExpr tmp = *e;
  tmp.op = op;
  return int_arith (in, &tmp, a.kind == WIR_T_BOOL ? WIR_T_I64 : a.kind, a.u.i, b.u.i, &out->u.i);
}

static double
math_f64 (WirOp op, double x)
{
  switch (op)
    {
    case WIR_OP_EXP: return exp (x);
    case WIR_OP_LOG: return log (x);
    case WIR_OP_SQRT: return sqrt (x);
    case WIR_OP_SIN: return sin (x);
    case WIR_OP_COS: return cos (x);
    case WIR_OP_TAN: return tan (x);
    case WIR_OP_ASIN: return asin (x);
    case WIR_OP_ACOS: return acos (x);
    case WIR_OP_ATAN: return atan (x);
    case WIR_OP_SINH: return sinh (x);
    case WIR_OP_COSH: return cosh (x);
    case WIR_OP_TANH: return tanh (x);
    case WIR_OP_ERF: return erf (x);
    default: g_assert_not_reached ();
    }
}

static float
math_f32 (WirOp op, float x)
{
  switch (op)
    {
    case WIR_OP_EXP: return expf (x);
    case WIR_OP_LOG: return logf (x);
    case WIR_OP_SQRT: return sqrtf (x);
    case WIR_OP_SIN: return sinf (x);
    case WIR_OP_COS: return cosf (x);
    case WIR_OP_TAN: return tanf (x);
    case WIR_OP_ASIN: return asinf (x);
    case WIR_OP_ACOS: return acosf (x);
    case WIR_OP_ATAN: return atanf (x);
    case WIR_OP_SINH: return sinhf (x);
    case WIR_OP_COSH: return coshf (x);
    case WIR_OP_TANH: return wir_tanhf (x);   /* rt.h's, as compiled code */
    case WIR_OP_ERF: return erff (x);
    default: g_assert_not_reached ();
    }
}

static WirVal
unop_value (WirOp op, WirVal a)
{
  WirVal r = a;
  if (op == WIR_OP_NOT)
    r.u.i = !a.u.i;
  else if (op == WIR_OP_NEG && wir_type_is_float (a.kind))
    r.u.f = a.kind == WIR_T_F32 ? (double) -(float) a.u.f : -a.u.f;
  else if (op == WIR_OP_NEG)
    r.u.i = wrap (a.kind, 0 - (guint64) a.u.i);
  else
    r.u.f = a.kind == WIR_T_F32 ? (double) math_f32 (op, (float) a.u.f) : math_f64 (op, a.u.f);
  return r;
}

/* float -> integer: truncate, saturate, NaN -> 0 (weld.md §5) */
static gint64
saturate (WirTypeKind k, double d)
{
  double lo = k == WIR_T_I32 ? -2147483648.0 : -9223372036854775808.0;
  double hi = k == WIR_T_I32 ? 2147483648.0 : 9223372036854775808.0;
  if (isnan (d))
    return 0;
  if (d <= lo)
    return k == WIR_T_I32 ? G_MININT32 : G_MININT64;
  if (d >= hi)
    return k == WIR_T_I32 ? G_MAXINT32 : G_MAXINT64;
  return (gint64) d;
}

static WirVal
cast_value (WirTypeKind to, WirVal a)
{
  gboolean from_float = wir_type_is_float (a.kind) || a.kind == WIR_T_F16 || a.kind == WIR_T_BF16;
  double d = a.kind == WIR_T_F16 ? wir_f16_to_f32 ((guint16) a.u.i)
             : a.kind == WIR_T_BF16 ? wir_bf16_to_f32 ((guint16) a.u.i)
             : wir_type_is_float (a.kind) ? a.u.f : (double) a.u.i;
  WirVal r = { .kind = to };
  switch (to)
    {
    case WIR_T_I32:
    case WIR_T_I64:
      r.u.i = from_float ? saturate (to, d) : wrap (to, (guint64) a.u.i);
      break;
    case WIR_T_F32:
      r.u.f = a.kind == WIR_T_F64 || from_float ? (double) (float) d : (double) (float) a.u.i;
      break;
    case WIR_T_F64:
      r.u.f = from_float ? d : (double) a.u.i;
      break;
    case WIR_T_F16:
      r.u.i = a.kind == WIR_T_F64 ? wir_f64_to_f16 (d) : wir_f32_to_f16 ((float) d);
      if (!from_float)
        r.u.i = wir_f64_to_f16 ((double) a.u.i);
      break;
    case WIR_T_BF16:
      r.u.i = a.kind == WIR_T_F64 ? wir_f64_to_bf16 (d) : wir_f32_to_bf16 ((float) d);
      if (!from_float)
        r.u.i = wir_f64_to_bf16 ((double) a.u.i);
      break;
    default:
      g_assert_not_reached ();
    }
  return r;
}

/* ---- builders ---- */

static gboolean
combine (Interp *in, const WirExpr *e, WirType *bt, WirVal a, WirVal b, WirVal *out)
{
  if (bt->op != WIR_OP_COMBINE)
    return binop_values (in, e, bt->op, a, b, out);
  WirCombine *c = bt->combine;
  in->env[c->a.slot] = a;
  in->env[c->b.slot] = b;
  return eval (in, c->body, out);
}

static gboolean
identity (Interp *in, WirType *bt, WirType *t, WirVal *out)
{
  t = wir_type_resolve (t);
  if (bt->op == WIR_OP_COMBINE)
    return eval (in, bt->combine->identity, out);
  if (t->kind == WIR_T_STRUCT)
    {
      out->kind = WIR_T_STRUCT;
      out->u.s = wir_heap_struct (in->heap, t->n_fields);
      for (guint k = 0; k < t->n_fields; k++)
        if (!identity (in, bt, t->fields[k], &out->u.s->f[k]))
          return FALSE;
      return TRUE;
    }
  gboolean fl = wir_type_is_float (t->kind);
  gint64 imax = t->kind == WIR_T_I32 ? G_MAXINT32 : G_MAXINT64;
  gint64 imin = t->kind == WIR_T_I32 ? G_MININT32 : G_MININT64;
  switch (bt->op)
    {
    case WIR_OP_ADD: *out = scalar (t->kind, 0, 0.0); break;
    case WIR_OP_MUL: *out = scalar (t->kind, 1, 1.0); break;
    case WIR_OP_MIN: *out = scalar (t->kind, imax, fl ? INFINITY : 0); break;
    default: *out = scalar (t->kind, imin, fl ? -INFINITY : 0); break;
    }
  return TRUE;
}

static gboolean
grow (Interp *in, const WirExpr *e, WirBuilder *b, gint64 need)
{
  if (need <= b->cap)
    return TRUE;
  gint64 cap = MAX (need, MAX (b->cap * 2, 16));
  guint64 delta = (guint64) (cap - b->cap) * b->esize;
  if (in->heap->limit_bytes > 0 && in->heap->bytes + delta >= in->heap->limit_bytes)
    return rt_error (in, e, WIR_ERROR_OUT_OF_MEMORY, "out of memory: the run's limit is %" G_GUINT64_FORMAT " bytes",
                     in->heap->limit_bytes);
  guint8 *d = g_try_realloc (b->data, (gsize) cap * b->esize);
  if (d == NULL)
    return rt_error (in, e, WIR_ERROR_OUT_OF_MEMORY, "out of memory");
  in->heap->bytes += delta;
  b->data = d;
  b->cap = cap;
  return TRUE;
}

static gboolean
new_builder (Interp *in, const WirExpr *e, WirVal *out)
{
  WirType *t = wir_type_resolve (e->type);
  WirBuilder *b = wir_heap_alloc (in->heap, sizeof *b);
  WirVal arg = { 0 };
  b->type = t;
  if (e->n_kids == 1 && !eval (in, e->kids[0], &arg))
    return FALSE;
  out->kind = t->kind;
  out->u.b = b;
  switch (t->kind)
    {
    case WIR_T_APPENDER:
      b->esize = wir_type_size (t->elem);
      g_ptr_array_add (in->heap->builders, b);
      return e->n_kids == 0 || grow (in, e, b, CLAMP (arg.u.i, 0, 1 << 20));
    case WIR_T_MERGER:
      if (!identity (in, t, t->elem, &b->acc))
        return FALSE;
      return e->n_kids == 0 || combine (in, e, t, b->acc, arg, &b->acc);   /* v0 once */
    default:
      {
        gsize n = (gsize) arg.u.v->len * wir_type_size (t->elem);
        b->vec = wir_heap_alloc (in->heap, sizeof *b->vec);
        *b->vec = *arg.u.v;
        b->vec->data = wir_heap_alloc_data (in->heap, n);
        if (b->vec->data == NULL)
          return rt_error (in, e, WIR_ERROR_OUT_OF_MEMORY,
                           "out of memory: copying %zu bytes for the vecmerger reaches the limit of %"
                           G_GUINT64_FORMAT " bytes", n, in->heap->limit_bytes);
        if (n > 0)
          memcpy (b->vec->data, arg.u.v->data, n);
        return TRUE;
      }
    }
}

static gboolean
merge (Interp *in, const WirExpr *e, WirVal bv, WirVal v)
{
  WirBuilder *b = bv.u.b;
  WirType *t = b->type;
  switch (t->kind)
    {
    case WIR_T_APPENDER:
      if (b->done)
        return rt_error (in, e, WIR_ERROR_TYPE, "merge into an appender after its result");
      if (!grow (in, e, b, b->len + 1))
        return FALSE;
      wir_store (t->elem, b->data + (gsize) b->len * b->esize, v);
      b->len++;
      return TRUE;
    case WIR_T_MERGER:
      return combine (in, e, t, b->acc, v, &b->acc);
    default:
      {
        gint64 idx = v.u.s->f[0].u.i;
        if (idx < 0 || idx >= b->vec->len)
          return rt_error (in, e, WIR_ERROR_OUT_OF_BOUNDS, "vecmerger index %" G_GINT64_FORMAT
                           " outside [0, %" G_GINT64_FORMAT ")", idx, b->vec->len);
        gsize es = wir_type_size (t->elem);
        guint8 *p = b->vec->data + (gsize) idx * es;
        WirVal old = wir_load (in->heap, t->elem, p), r;
        if (!combine (in, e, t, old, v.u.s->f[1], &r))
          return FALSE;
        wir_store (t->elem, p, r);
        return TRUE;
      }
    }
}

static WirVal
result (Interp *in, WirVal bv)
{
  WirBuilder *b = bv.u.b;
  WirVal r = { .kind = WIR_T_VEC };
  if (b->type->kind == WIR_T_MERGER)
    return b->acc;
  if (b->type->kind == WIR_T_VECMERGER)
    {
      r.u.v = b->vec;
      return r;
    }
  b->done = TRUE;           /* the buffer is the vector's now: no realloc */
  r.u.v = wir_heap_alloc (in->heap, sizeof *r.u.v);
  r.u.v->elem = b->type->elem;
  r.u.v->data = b->data;
  r.u.v->len = b->len;
  return r;
}

/* ---- iterators ---- */

typedef struct {
  WirIterKind kind;
  WirVec *vec;
  gint64 start, stride, n;
  WirVec *shape, *strides;
  gsize esize;
} Cursor;

static gint64
trip (gint64 s, gint64 e, gint64 k)
{
  return e <= s ? 0 : (gint64) (((guint64) e - (guint64) s + (guint64) k - 1) / (guint64) k);
}

static gint64
vec_i64 (const WirVec *v, gint64 k)
{
  gint64 x;
  memcpy (&x, v->data + k * 8, 8);
  return x;
}

static gboolean
open_cursor (Interp *in, const WirExpr *it, Cursor *c)
{
  WirVal v[6];
  memset (c, 0, sizeof *c);
  for (guint k = 0; k < it->n_kids; k++)
    if (!eval (in, it->kids[k], &v[k]))
      return FALSE;
  c->kind = it->iter_kind;
  if (c->kind == WIR_ITER_SIMPLE)
    {
      c->vec = v[0].u.v;
      c->stride = 1;
      c->n = c->vec->len;
    }
  else
    {
      guint o = c->kind == WIR_ITER_RANGE ? 0 : 1;
      c->vec = o ? v[0].u.v : NULL;
      c->start = v[o].u.i;
      c->stride = v[o + 2].u.i;
      if (c->stride < 1)
        return rt_error (in, it, WIR_ERROR_OUT_OF_BOUNDS, "iterator stride %" G_GINT64_FORMAT " < 1", c->stride);
      c->n = trip (c->start, v[o + 1].u.i, c->stride);
      if (c->kind == WIR_ITER_ITER && c->n > 0
          && (c->start < 0 || v[o + 1].u.i > c->vec->len))
        return rt_error (in, it, WIR_ERROR_OUT_OF_BOUNDS, "iter(%" G_GINT64_FORMAT ", %" G_GINT64_FORMAT
                         ") outside a vector of %" G_GINT64_FORMAT, c->start, v[o + 1].u.i, c->vec->len);
    }
  if (c->kind == WIR_ITER_ND)
    {
      c->shape = v[4].u.v;
      c->strides = v[5].u.v;
      if (c->shape->len < 1 || c->shape->len != c->strides->len)
        return rt_error (in, it, WIR_ERROR_OUT_OF_BOUNDS, "nditer shape and strides must have one equal length >= 1");
      gint64 total = 1;
      for (gint64 d = 0; d < c->shape->len; d++)
        total = (gint64) ((guint64) total * (guint64) MAX (vec_i64 (c->shape, d), 0));
      if (c->n > 0 && (c->start < 0 || v[2].u.i > total))
        return rt_error (in, it, WIR_ERROR_OUT_OF_BOUNDS, "nditer end %" G_GINT64_FORMAT
                         " beyond the shape's %" G_GINT64_FORMAT " positions", v[2].u.i, total);
    }
  if (c->vec != NULL)
    c->esize = wir_type_size (c->vec->elem);
  return TRUE;
}

static gboolean
cursor_get (Interp *in, const WirExpr *it, const Cursor *c, gint64 j, WirVal *out)
{
  gint64 p = c->start + j * c->stride;
  if (c->kind == WIR_ITER_RANGE)
    {
      *out = scalar (WIR_T_I64, p, 0);
      return TRUE;
    }
  if (c->kind == WIR_ITER_ND)
    {
      gint64 idx = 0, rest = p;
      for (gint64 d = c->shape->len; d-- > 0;)
        {
          gint64 n = vec_i64 (c->shape, d);
          idx += (rest % n) * vec_i64 (c->strides, d);
          rest /= n;
        }
      if (idx < 0 || idx >= c->vec->len)
        return rt_error (in, it, WIR_ERROR_OUT_OF_BOUNDS, "nditer index %" G_GINT64_FORMAT
                         " outside a vector of %" G_GINT64_FORMAT, idx, c->vec->len);
      p = idx;
    }
  *out = wir_load (in->heap, c->vec->elem, c->vec->data + (gsize) p * c->esize);
  return TRUE;
}

static gboolean
eval_for (Interp *in, const WirExpr *e, WirVal *out)
{
  guint n_iters = e->n_kids - 2;
  Cursor *cs = g_newa (Cursor, n_iters);
  const WirExpr *f = e->kids[n_iters + 1];
  WirVal cur;
  for (guint k = 0; k < n_iters; k++)
    {
      if (!open_cursor (in, e->kids[k], &cs[k]))
        return FALSE;
      if (cs[k].n != cs[0].n)
        return rt_error (in, e, WIR_ERROR_ZIP_LENGTH, "zipped iterators of %" G_GINT64_FORMAT
                         " and %" G_GINT64_FORMAT " elements", cs[0].n, cs[k].n);
    }
  if (!eval (in, e->kids[n_iters], &cur))
    return FALSE;
  for (gint64 j = 0; j < cs[0].n; j++)
    {
      WirVal x;
      if (e->is_zip)
        {
          x.kind = WIR_T_STRUCT;
          x.u.s = wir_heap_struct (in->heap, n_iters);
          for (guint k = 0; k < n_iters; k++)
            if (!cursor_get (in, e->kids[k], &cs[k], j, &x.u.s->f[k]))
              return FALSE;
        }
      else if (!cursor_get (in, e->kids[0], &cs[0], j, &x))
        return FALSE;
      in->env[f->params[0].slot] = cur;
      in->env[f->params[1].slot] = scalar (WIR_T_I64, j, 0);
      in->env[f->params[2].slot] = x;
      if (!eval (in, f->kids[0], &cur))
        return FALSE;
    }
  *out = cur;
  return TRUE;
}

/* ---- vectors ---- */

static gboolean
make_vec (Interp *in, const WirExpr *e, WirVal *out)
{
  WirType *elem = wir_type_resolve (e->type)->elem;
  gsize es = wir_type_size (elem);
  WirVec *v = wir_heap_alloc (in->heap, sizeof *v);
  v->elem = elem;
  v->len = e->n_kids;
  v->data = wir_heap_alloc_data (in->heap, e->n_kids * es);
  if (v->data == NULL)
    return rt_error (in, e, WIR_ERROR_OUT_OF_MEMORY, "out of memory");
  for (guint k = 0; k < e->n_kids; k++)
    {
      WirVal x;
      if (!eval (in, e->kids[k], &x))
        return FALSE;
      wir_store (elem, v->data + k * es, x);
    }
  out->kind = WIR_T_VEC;
  out->u.v = v;
  return TRUE;
}

static gboolean
lookup (Interp *in, const WirExpr *e, WirVal v, WirVal i, WirVal *out)
{
  WirVec *vec = v.u.v;
  if (i.u.i < 0 || i.u.i >= vec->len)
    return rt_error (in, e, WIR_ERROR_OUT_OF_BOUNDS, "lookup index %" G_GINT64_FORMAT
                     " outside a vector of %" G_GINT64_FORMAT, i.u.i, vec->len);
  *out = wir_load (in->heap, vec->elem, vec->data + (gsize) i.u.i * wir_type_size (vec->elem));
  return TRUE;
}

static gboolean
slice (Interp *in, const WirExpr *e, WirVal v, WirVal s, WirVal n, WirVal *out)
{
  WirVec *vec = v.u.v;
  if (s.u.i < 0 || s.u.i > vec->len)
    return rt_error (in, e, WIR_ERROR_OUT_OF_BOUNDS, "slice start %" G_GINT64_FORMAT
                     " outside a vector of %" G_GINT64_FORMAT, s.u.i, vec->len);
  WirVec *r = wir_heap_alloc (in->heap, sizeof *r);
  r->elem = vec->elem;
  r->data = vec->data + (gsize) s.u.i * wir_type_size (vec->elem);
  r->len = CLAMP (n.u.i, 0, vec->len - s.u.i);
  out->kind = WIR_T_VEC;
  out->u.v = r;
  return TRUE;
}

/* ---- the dispatch loop ---- */

static gboolean
eval (Interp *in, const WirExpr *e, WirVal *out)
{
  WirVal a, b, c;
  switch (e->kind)
    {
    case WIR_LIT:
      *out = scalar (e->ltype, e->lit.i, e->lit.f);
      return TRUE;
    case WIR_IDENT:
      *out = in->env[e->slot];
      return TRUE;
    case WIR_LET:
      if (!eval (in, e->kids[0], &a))
        return FALSE;
      in->env[e->slot] = a;
      return eval (in, e->kids[1], out);
    case WIR_BINOP:
      if (!eval (in, e->kids[0], &a))
        return FALSE;
      if ((e->op == WIR_OP_AND && !a.u.i) || (e->op == WIR_OP_OR && a.u.i))
        return (*out = a), TRUE;                      /* short-circuit */
      if (!eval (in, e->kids[1], &b))
        return FALSE;
      if (e->op == WIR_OP_AND || e->op == WIR_OP_OR)
        return (*out = b), TRUE;
      return binop_values (in, e, e->op, a, b, out);
    case WIR_UNOP:
      if (!eval (in, e->kids[0], &a))
        return FALSE;
      *out = unop_value (e->op, a);
      return TRUE;
    case WIR_CAST:
      if (!eval (in, e->kids[0], &a))
        return FALSE;
      *out = cast_value (e->ty->kind, a);
      return TRUE;
    case WIR_IF:
      if (!eval (in, e->kids[0], &a))
        return FALSE;
      return eval (in, e->kids[a.u.i ? 1 : 2], out);
    case WIR_SELECT:
      if (!eval (in, e->kids[0], &a) || !eval (in, e->kids[1], &b) || !eval (in, e->kids[2], &c))
        return FALSE;
      *out = a.u.i ? b : c;
      return TRUE;
    case WIR_MAKESTRUCT:
      out->kind = WIR_T_STRUCT;
      out->u.s = wir_heap_struct (in->heap, e->n_kids);
      for (guint k = 0; k < e->n_kids; k++)
        if (!eval (in, e->kids[k], &out->u.s->f[k]))
          return FALSE;
      return TRUE;
    case WIR_GETFIELD:
      if (!eval (in, e->kids[0], &a))
        return FALSE;
      *out = a.u.s->f[e->index];
      return TRUE;
    case WIR_MAKEVEC:
      return make_vec (in, e, out);
    case WIR_LEN:
      if (!eval (in, e->kids[0], &a))
        return FALSE;
      *out = scalar (WIR_T_I64, a.u.v->len, 0);
      return TRUE;
    case WIR_LOOKUP:
      return eval (in, e->kids[0], &a) && eval (in, e->kids[1], &b) && lookup (in, e, a, b, out);
    case WIR_SLICE:
      return eval (in, e->kids[0], &a) && eval (in, e->kids[1], &b) && eval (in, e->kids[2], &c)
             && slice (in, e, a, b, c, out);
    case WIR_FOR:
      return eval_for (in, e, out);
    case WIR_MERGE:
      if (!eval (in, e->kids[0], &a) || !eval (in, e->kids[1], &b) || !merge (in, e, a, b))
        return FALSE;
      *out = a;
      return TRUE;
    case WIR_RESULT:
      if (!eval (in, e->kids[0], &a))
        return FALSE;
      *out = result (in, a);
      return TRUE;
    case WIR_NEWBUILDER:
      return new_builder (in, e, out);
    case WIR_PHILOX:
      if (!eval (in, e->kids[0], &a) || !eval (in, e->kids[1], &b))
        return FALSE;
      *out = scalar (WIR_T_F32, 0, wir_philox (a.u.i, b.u.i));
      return TRUE;
    default:
      return rt_error (in, e, WIR_ERROR_TYPE, "cannot evaluate a %s here", wir_kind_name (e->kind));
    }
}

WirValue *
wir_program_run (WirProgram *prog, WirValue *const *args, guint n_args,
                 const WirRunOptions *options, GError **error)
{
  g_return_val_if_fail (prog->checked, NULL);
  const WirExpr *l = prog->lambda;
  if (n_args != l->n_params)
    return g_set_error (error, WIR_ERROR, WIR_ERROR_INPUT, "the program takes %u arguments, got %u",
                        l->n_params, n_args), NULL;
  g_autoptr(WirHeap) heap = wir_heap_new (options != NULL ? options->memory_limit_bytes : 0);
  Interp in = { prog, heap, NULL, error };
  in.env = wir_heap_alloc (heap, MAX (prog->n_slots, 1u) * sizeof (WirVal));
  for (guint k = 0; k < n_args; k++)
    {
      if (args[k]->type != NULL && !wir_type_equal (args[k]->type, l->params[k].type))
        {
          g_autofree char *want = wir_type_print (l->params[k].type);
          g_autofree char *got = wir_type_print (args[k]->type);
          return g_set_error (error, WIR_ERROR, WIR_ERROR_INPUT, "argument '%s': expected %s, got %s",
                              l->params[k].name, want, got), NULL;
        }
      in.env[l->params[k].slot] = args[k]->v;
      wir_heap_depend (heap, args[k]->heap);
    }
  WirVal r;
  if (!eval (&in, l->kids[0], &r))
    return NULL;
  return wir_value_wrap (heap, r, l->type);
}
