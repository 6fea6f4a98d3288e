/* exec/wir/wir-private.h - WIR's tree, shared by the modules of exec/wir/.
 *
 * Nothing outside exec/wir/ includes this file (tests go through wir.h,
 * value.h, interp.h and passes.h).
 *
 * THE GRAMMAR (weld.md §3), loosest first:
 *
 *   program  -> decl* lambda
 *   decl     -> 'type' NAME '=' type ';'
 *             | 'macro' NAME '(' NAME,* ')' '=' expr ';'
 *             | 'combine' NAME '(' NAME ':' type ',' NAME ':' type ')'
 *                 'identity' expr '=' expr ';'
 *   lambda   -> '|' (NAME (':' type)?),* '|' expr       ('||' for none)
 *   expr     -> 'let' NAME (':' type)? '=' expr ';' expr | or
 *   or       -> and ('||' and)*     ... '&&', '|', '^', '&', '== !=',
 *               '< <= > >=', '+ -', '* / %' likewise, left-associative
 *   unary    -> ('-' | '!') unary | postfix
 *   postfix  -> primary ('.$' INT | ':' type)*
 *   primary  -> literal | NAME | '(' expr ')' | '[' expr,* ']'
 *             | '{' expr,* '}' | '@(' annot,* ')' expr | lambda
 *             | NAME '(' args ')'    (a built-in form, a cast or a macro)
 *             | builder-type ('(' expr ')')?
 *   type     -> bool i32 i64 f32 f64 f16 bf16 | vec[type] | '{' type,* '}'
 *             | appender[type]? | merger[type, op] | vecmerger[type, op]
 *             | '?' (unknown) | NAME (a `type` alias)
 *
 * Tokens carry byte offsets; line and column are computed only when an
 * error is reported (lexer.c's line map).
 *
 * MEMORY: every WirExpr and WirType, and every array they point to, lives
 * in the program's pool and dies with it. Subtrees may be shared; nothing
 * is freed one by one.
 */
#pragma once

#include "exec/wir/wir.h"
#include "exec/wir/interp.h"

G_BEGIN_DECLS

typedef enum {
#define NODE(name, text) WIR_##name,
#include "exec/wir/node.def"
#undef NODE
  WIR_N_KINDS
} WirKind;

typedef enum {
  WIR_T_BOOL, WIR_T_I32, WIR_T_I64, WIR_T_F32, WIR_T_F64, WIR_T_F16, WIR_T_BF16,
  WIR_T_VEC, WIR_T_STRUCT, WIR_T_APPENDER, WIR_T_MERGER, WIR_T_VECMERGER,
  WIR_T_VAR,                    /* unknown, bound by unification */
} WirTypeKind;

typedef enum {
  /* binary: arithmetic, comparison, logic, bitwise, functions */
  WIR_OP_ADD, WIR_OP_SUB, WIR_OP_MUL, WIR_OP_DIV, WIR_OP_MOD,
  WIR_OP_EQ, WIR_OP_NE, WIR_OP_LT, WIR_OP_LE, WIR_OP_GT, WIR_OP_GE,
  WIR_OP_AND, WIR_OP_OR, WIR_OP_BITAND, WIR_OP_BITOR, WIR_OP_XOR,
  WIR_OP_MIN, WIR_OP_MAX, WIR_OP_POW,
  /* unary */
  WIR_OP_NEG, WIR_OP_NOT,
  WIR_OP_EXP, WIR_OP_LOG, WIR_OP_SQRT, WIR_OP_SIN, WIR_OP_COS, WIR_OP_TAN,
  WIR_OP_ASIN, WIR_OP_ACOS, WIR_OP_ATAN, WIR_OP_SINH, WIR_OP_COSH,
  WIR_OP_TANH, WIR_OP_ERF,
  /* a merger with a user combine (WirType.combine) */
  WIR_OP_COMBINE,
  WIR_N_OPS
} WirOp;

typedef enum {
  WIR_ITER_SIMPLE,   /* kids {vec} */
  WIR_ITER_ITER,     /* kids {vec, start, end, stride} */
  WIR_ITER_RANGE,    /* kids {start, end, stride} */
  WIR_ITER_ND,       /* kids {vec, start, end, stride, shape, strides} */
} WirIterKind;

typedef struct _WirCombine WirCombine;

struct _WirType {
  WirTypeKind kind;
  WirType *elem;          /* vec, appender, merger, vecmerger */
  WirType **fields;       /* struct */
  guint n_fields;
  WirOp op;               /* merger, vecmerger: ADD MUL MIN MAX or COMBINE */
  WirCombine *combine;    /* op == WIR_OP_COMBINE */
  WirType *link;          /* var: what unification bound it to, or NULL */
};

typedef struct {
  char *name;
  WirType *type;          /* declared, or NULL (inferred) */
  WirType *itype;         /* after checking: the type inferred */
  int slot;               /* after checking */
  guint32 pos;
} WirParam;

struct _WirExpr {
  WirKind kind;
  guint32 start, end;     /* byte span in the source (0, 0: made by a pass) */
  WirType *type;          /* after checking */
  WirType *ty;            /* CAST target, NEWBUILDER type, MAKEVEC element */
  WirType *ascribed;      /* `e: T`, or NULL */
  WirOp op;
  union { gint64 i; double f; } lit;
  WirTypeKind ltype;      /* LIT: which scalar */
  char *name;             /* IDENT, LET, APPLY */
  int slot;               /* IDENT, LET */
  guint index;            /* GETFIELD */
  WirIterKind iter_kind;  /* ITER */
  gboolean is_zip;        /* FOR: the iterators were written as zip(...) */
  int predicate;          /* @(predicate: ...): -1 unset, 0 false, 1 true */
  WirExpr **kids;
  guint n_kids;
  WirParam *params;       /* LAMBDA */
  guint n_params;
};

struct _WirCombine {
  char *name;
  WirParam a, b;
  WirExpr *identity, *body;
  WirType *type;
};

typedef struct {
  char *name;
  char **params;
  guint n_params;
  WirExpr *body;
} WirMacro;

struct _WirProgram {
  GPtrArray *pool;        /* owns everything below, freed with g_free */
  char *name;             /* for error positions */
  char *text;             /* the source, for error lines */
  gsize text_len;
  GPtrArray *macros;      /* WirMacro *, the prelude's first */
  GPtrArray *combines;    /* WirCombine * */
  guint n_prelude_macros, n_prelude_combines;
  WirExpr *lambda;        /* the top-level lambda */
  guint n_slots;          /* after checking: slots for every binder */
  guint n_fresh;          /* names made by macro expansion and passes */
  gboolean checked;
};

/* ---- ast.c ---- */
gpointer  wir_alloc (WirProgram *prog, gsize size);
char     *wir_strdup (WirProgram *prog, const char *s);
/* "stem__N", N new for the program; @base's own "__N" suffix is dropped */
char     *wir_fresh_name (WirProgram *prog, const char *base);
WirExpr  *wir_expr_new (WirProgram *prog, WirKind kind, guint n_kids);
WirExpr  *wir_expr_ident (WirProgram *prog, const char *name);  /* @name borrowed */
WirExpr  *wir_expr_copy (WirProgram *prog, const WirExpr *e);  /* shallow */
WirExpr  *wir_expr_clone (WirProgram *prog, const WirExpr *e);  /* deep */
WirType  *wir_type_new (WirProgram *prog, WirTypeKind kind);
WirType  *wir_type_scalar (WirProgram *prog, WirTypeKind kind);
WirType  *wir_type_resolve (WirType *t);           /* follows var links */
gboolean  wir_type_equal (WirType *a, WirType *b);  /* resolved, structural */
gboolean  wir_type_is_scalar (WirTypeKind k);
gboolean  wir_type_is_int (WirTypeKind k);
gboolean  wir_type_is_float (WirTypeKind k);       /* f32, f64 */
gboolean  wir_type_is_builder (WirType *t);         /* a struct of them too */
gboolean  wir_type_has_var (WirType *t);
void      wir_type_append (GString *out, WirType *t);
const char *wir_kind_name (WirKind kind);
const char *wir_op_text (WirOp op);                 /* "+", "exp", ... */
gboolean  wir_op_is_cmp (WirOp op);
/* The position "NAME:LINE:COL" of byte @pos and the source line with a
 * caret under [pos, end). */
char     *wir_locate (const WirProgram *prog, guint32 pos, guint32 end,
                      gboolean with_source);
/* Sets a WIR_ERROR located at [pos, end); returns FALSE / NULL. */
gboolean  wir_fail_at (const WirProgram *prog, GError **error, WirErrorCode code,
                       guint32 pos, guint32 end, const char *fmt, ...) G_GNUC_PRINTF (6, 7);

/* ---- lexer.c ---- */
typedef enum {
  WIR_TOK_EOF, WIR_TOK_NAME, WIR_TOK_INT, WIR_TOK_FLOAT, WIR_TOK_STRING,
  WIR_TOK_FIELD,          /* .$k */
  WIR_TOK_PUNCT,          /* text in `punct` */
  WIR_TOK_ERROR,          /* a character no token starts with */
} WirTokKind;

typedef struct {
  WirTokKind kind;
  guint32 start, end;     /* byte span */
  char punct[3];
  guint64 ival;           /* INT (magnitude), FIELD */
  double fval;            /* FLOAT */
  WirTypeKind ltype;      /* INT, FLOAT: i32 i64 f32 f64; BOOL for a bad suffix */
  char suffix[4];         /* a suffix WIR rejects ("c", "si") */
} WirToken;

/* Scans the token at byte @pos of @text (comments and blanks skipped). */
void      wir_lex (const char *text, gsize len, gsize pos, WirToken *tok);

/* ---- print.c ---- */
void      wir_expr_append (GString *out, const WirExpr *e);
char     *wir_expr_print (const WirExpr *e);

/* ---- check.c ---- */
gboolean  wir_expand_macros (WirProgram *prog, GError **error);

/* ---- run-time values (value.c, interp.c) ----
 *
 * A WirVal is a scalar by value or a pointer into a WirHeap. Vectors are
 * flat, in the C layout of weld.md §4 (so back ends share them); structs
 * are arrays of WirVal; builders are run-time objects. A heap is
 * reference-counted and keeps the heaps its values point into alive.
 */
typedef struct _WirHeap WirHeap;
typedef struct _WirVec WirVec;
typedef struct _WirStructV WirStructV;
typedef struct _WirBuilder WirBuilder;

typedef struct {
  WirTypeKind kind;       /* scalar kinds; VEC, STRUCT; APPENDER... */
  union { gint64 i; double f; WirVec *v; WirStructV *s; WirBuilder *b; } u;
} WirVal;

struct _WirVec { WirType *elem; guint8 *data; gint64 len; };
struct _WirStructV { guint n; WirVal f[]; };

struct _WirHeap {
  gint ref;
  GPtrArray *objs;        /* g_free */
  GPtrArray *builders;    /* appenders whose buffers are freed with the heap */
  GPtrArray *deps;        /* WirHeap *, unref'd with the heap */
  guint64 bytes, limit_bytes;
};

struct _WirValue {
  WirHeap *heap;
  WirVal v;
  WirType *type;
  WirProgram *types;      /* owns type, for parsed values; else NULL */
};

WirHeap  *wir_heap_new (guint64 limit_bytes);
WirHeap  *wir_heap_ref (WirHeap *h);
void      wir_heap_unref (WirHeap *h);
void      wir_heap_depend (WirHeap *h, WirHeap *on);
gpointer  wir_heap_alloc (WirHeap *h, gsize size);       /* zeroed, no limit */
/* vector data, counted against the limit: NULL when it is reached */
gpointer  wir_heap_alloc_data (WirHeap *h, gsize size);
WirStructV *wir_heap_struct (WirHeap *h, guint n);

gsize     wir_type_size (WirType *t);
gsize     wir_type_align (WirType *t);
gsize     wir_type_field_offset (WirType *t, guint k);
WirVal    wir_load (WirHeap *h, WirType *t, const guint8 *p);
void      wir_store (WirType *t, guint8 *p, WirVal v);
WirValue *wir_value_wrap (WirHeap *h, WirVal v, WirType *type);   /* refs h */
G_DEFINE_AUTOPTR_CLEANUP_FUNC (WirHeap, wir_heap_unref)

/* ---- parser.c ---- */
/* A type at the start of @text, in @prog's pool; *used gets its length. */
WirType  *wir_parse_type (WirProgram *prog, const char *text, gsize len, gsize *used,
                          GError **error);

G_END_DECLS
