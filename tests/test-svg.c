/* tests/test-svg.c - DsTrace drawn as an SVG Gantt chart, parsed back with
 * GMarkupParseContext (a strict XML reader) and checked element by
 * element: boxes, ids, rows, colours, escaping, ticks. */
#include "config.h"

#include <string.h>

#include "core/trace.h"
#include "traces/svg.h"

/* ---- a small DOM: every element in document order ---- */

typedef struct _Elem Elem;
struct _Elem {
  char *name;
  GHashTable *attrs;       /* char* -> char*, owned */
  GString *text;           /* character data directly inside */
  Elem *parent;            /* NULL for the root */
};

typedef struct {
  GPtrArray *elems;        /* Elem*, owned, document order */
  Elem *open;              /* innermost open element */
} Doc;

static void
elem_free (gpointer p)
{
  Elem *e = p;

  g_free (e->name);
  g_hash_table_unref (e->attrs);
  g_string_free (e->text, TRUE);
  g_free (e);
}

static void
doc_free (Doc *doc)
{
  g_ptr_array_unref (doc->elems);
  g_free (doc);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Doc, doc_free)

static void
on_start (GMarkupParseContext *ctx, const char *name, const char **names,
          const char **values, gpointer data, GError **error)
{
  Doc *doc = data;
  Elem *e = g_new0 (Elem, 1);

  e->name = g_strdup (name);
  e->attrs = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  e->text = g_string_new (NULL);
  e->parent = doc->open;
  for (guint i = 0; names[i] != NULL; i++)
    g_hash_table_insert (e->attrs, g_strdup (names[i]), g_strdup (values[i]));
  g_ptr_array_add (doc->elems, e);
  doc->open = e;
}

static void
on_end (GMarkupParseContext *ctx, const char *name, gpointer data,
        GError **error)
{
  Doc *doc = data;

  doc->open = doc->open->parent;
}

static void
on_text (GMarkupParseContext *ctx, const char *text, gsize len,
         gpointer data, GError **error)
{
  Doc *doc = data;

  if (doc->open != NULL)
    g_string_append_len (doc->open->text, text, len);
}

/* Parses @svg as XML (failing the test if it is not) and checks the root
 * is an SVG <svg> element. */
static Doc *
parse (const char *svg)
{
  static const GMarkupParser parser = { on_start, on_end, on_text, NULL, NULL };
  g_autoptr(GError) error = NULL;
  Doc *doc = g_new0 (Doc, 1);
  g_autoptr(GMarkupParseContext) ctx = NULL;
  Elem *root;

  doc->elems = g_ptr_array_new_with_free_func (elem_free);
  ctx = g_markup_parse_context_new (&parser, 0, doc, NULL);
  g_assert_true (g_markup_parse_context_parse (ctx, svg, -1, &error));
  g_assert_true (g_markup_parse_context_end_parse (ctx, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (doc->elems->len, >, 0);
  root = g_ptr_array_index (doc->elems, 0);
  g_assert_cmpstr (root->name, ==, "svg");
  g_assert_null (root->parent);
  g_assert_cmpstr (g_hash_table_lookup (root->attrs, "xmlns"), ==,
                   "http://www.w3.org/2000/svg");
  return doc;
}

static const char *
attr (const Elem *e, const char *name)
{
  const char *v = g_hash_table_lookup (e->attrs, name);

  g_assert_nonnull (v);
  return v;
}

static double
attr_double (const Elem *e, const char *name)
{
  char *end = NULL;
  double v = g_ascii_strtod (attr (e, name), &end);

  g_assert_cmpint (*end, ==, '\0');
  return v;
}

static gboolean
has_class (const Elem *e, const char *cls)
{
  const char *v = g_hash_table_lookup (e->attrs, "class");
  g_auto(GStrv) words = v != NULL ? g_strsplit (v, " ", -1) : NULL;

  return words != NULL && g_strv_contains ((const char *const *) words, cls);
}

/* The @i-th (from 0) element named @name with class @cls, or NULL. */
static Elem *
nth (const Doc *doc, const char *name, const char *cls, guint i)
{
  for (guint k = 0; k < doc->elems->len; k++)
    {
      Elem *e = g_ptr_array_index (doc->elems, k);
      if (strcmp (e->name, name) == 0 && has_class (e, cls) && i-- == 0)
        return e;
    }
  return NULL;
}

/* The @i-th box of @kind, or NULL. */
static Elem *
box_of (const Doc *doc, const char *kind, guint i)
{
  Elem *e;

  for (guint k = 0; (e = nth (doc, "rect", "box", k)) != NULL; k++)
    if (has_class (e, kind) && i-- == 0)
      return e;
  return NULL;
}

static guint
count (const Doc *doc, const char *name, const char *cls)
{
  guint n = 0;

  while (nth (doc, name, cls, n) != NULL)
    n++;
  return n;
}

/* The <text> of class @cls whose content is @content, or NULL. */
static Elem *
find_text (const Doc *doc, const char *cls, const char *content)
{
  Elem *e;

  for (guint i = 0; (e = nth (doc, "text", cls, i)) != NULL; i++)
    if (strcmp (e->text->str, content) == 0)
      return e;
  return NULL;
}

/* The <title> child of @box. */
static const char *
tooltip (const Doc *doc, const Elem *box)
{
  for (guint k = 0; k < doc->elems->len; k++)
    {
      Elem *e = g_ptr_array_index (doc->elems, k);
      if (e->parent == box && strcmp (e->name, "title") == 0)
        return e->text->str;
    }
  g_assert_not_reached ();
}

/* ---- traces ---- */

/* Two stages of a 1F1B pipeline, a transfer, an idle gap and a gradient
 * sync; spans 0 to 10 ms. */
static DsTrace *
sample (void)
{
  DsTrace *t = ds_trace_new ();
  DsTraceEvent *e;

  e = ds_trace_append (t, "gpu10", DS_TRACE_FORWARD, 0.0035, 0.00125);
  e->microbatch = 3, e->stage_idx = 1;
  e = ds_trace_append (t, "gpu2", DS_TRACE_BACKWARD, 0.005, 0.002);
  e->microbatch = 7, e->stage_idx = 0;
  /* 1 ns at 1200 px over 10 ms: far too narrow for "42" */
  e = ds_trace_append (t, "gpu2", DS_TRACE_FORWARD, 0.001, 1e-9);
  e->microbatch = 42;
  e = ds_trace_append (t, "link0-1", DS_TRACE_SEND, 0.00475, 0.00025);
  e->microbatch = 3, e->bytes = 4096;
  ds_trace_append (t, "gpu2", DS_TRACE_IDLE, 0, 0.001);
  ds_trace_append (t, "gpu10", DS_TRACE_ALLREDUCE, 0.008, 0.002);
  return t;
}

/* ---- tests ---- */

static void
test_well_formed (void)
{
  g_autoptr(DsTrace) t = sample ();
  gsize len = 0;
  g_autofree char *svg = ds_trace_write_svg (t, NULL, &len);
  g_autoptr(Doc) doc = parse (svg);
  guint n_drawn = 0;
  Elem *box;

  g_assert_cmpuint (len, ==, strlen (svg));
  g_assert_true (g_str_has_suffix (svg, "\n"));
  for (guint i = 0; i < ds_trace_n_events (t); i++)
    n_drawn += ds_trace_event (t, i)->kind != DS_TRACE_IDLE;
  g_assert_cmpuint (n_drawn, ==, 5);
  g_assert_cmpuint (count (doc, "rect", "box"), ==, n_drawn);
  g_assert_null (box_of (doc, "idle", 0));
  box = box_of (doc, "forward", 0);
  g_assert_nonnull (box);
  g_assert_cmpstr (tooltip (doc, box), ==, "forward mb3 stage 1, 1.25 ms at 3.5 ms");
  box = box_of (doc, "send", 0);
  g_assert_cmpstr (tooltip (doc, box), ==, "send mb3, 250 us at 4.75 ms, 4 KiB");
  /* the legend names each kind drawn, and only those */
  g_assert_cmpuint (count (doc, "rect", "swatch"), ==, 4);
  g_assert_nonnull (nth (doc, "rect", "swatch", 0));
  g_assert_true (has_class (nth (doc, "rect", "swatch", 0), "forward"));
  g_assert_null (box_of (doc, "recv", 0));
}

static void
test_labels (void)
{
  g_autoptr(DsTrace) t = sample ();
  g_autofree char *svg = ds_trace_write_svg (t, NULL, NULL);
  g_autoptr(Doc) doc = parse (svg);
  Elem *box = box_of (doc, "forward", 0), *id = find_text (doc, "mb", "3");
  double x = attr_double (box, "x"), w = attr_double (box, "width");

  /* 1.25 ms of 10 ms at 1200 px: 150 px */
  g_assert_cmpfloat_with_epsilon (w, 150, 0.01);
  g_assert_nonnull (id);
  g_assert_cmpfloat_with_epsilon (attr_double (id, "x"), x + w / 2, 0.01);
  g_assert_nonnull (find_text (doc, "mb", "7"));
  g_assert_null (find_text (doc, "mb", "42"));
  g_assert_cmpuint (count (doc, "text", "mb"), ==, 3);
}

static void
test_row_order (void)
{
  g_autoptr(DsTrace) t = sample ();
  g_autofree char *svg = NULL;
  g_autoptr(Doc) doc = NULL;
  Elem *gpu2, *gpu10, *link, *node;

  ds_trace_append (t, "node1/link0", DS_TRACE_RECV, 0, 0.001);
  svg = ds_trace_write_svg (t, NULL, NULL);
  doc = parse (svg);
  gpu2 = find_text (doc, "row", "gpu2");
  gpu10 = find_text (doc, "row", "gpu10");
  link = find_text (doc, "row", "link0-1");
  node = find_text (doc, "row", "node1/link0");
  g_assert_nonnull (gpu2);
  g_assert_nonnull (gpu10);
  g_assert_nonnull (link);
  g_assert_nonnull (node);
  g_assert_cmpuint (count (doc, "text", "row"), ==, 4);
  /* devices in natural order, then links */
  g_assert_cmpfloat (attr_double (gpu2, "y"), <, attr_double (gpu10, "y"));
  g_assert_cmpfloat (attr_double (gpu10, "y"), <, attr_double (link, "y"));
  g_assert_cmpfloat (attr_double (link, "y"), <, attr_double (node, "y"));
}

static void
test_colours (void)
{
  g_autoptr(DsTrace) t = sample ();
  g_autofree char *svg = ds_trace_write_svg (t, NULL, NULL);
  g_autoptr(Doc) doc = parse (svg);
  Elem *fwd = box_of (doc, "forward", 0), *fwd2 = box_of (doc, "forward", 1);
  Elem *bwd = box_of (doc, "backward", 0);

  g_assert_nonnull (fwd);
  g_assert_nonnull (fwd2);
  g_assert_nonnull (bwd);
  g_assert_cmpstr (attr (fwd, "fill"), !=, attr (bwd, "fill"));
  g_assert_cmpstr (attr (fwd, "fill"), ==, attr (fwd2, "fill"));
  g_assert_cmpstr (attr (fwd, "fill"), ==,
                   attr (nth (doc, "rect", "swatch", 0), "fill"));
}

static void
test_escaping (void)
{
  g_autoptr(DsTrace) t = ds_trace_new ();
  DsSvgOptions options = { 0, "a<&>\"b\x01" };
  g_autofree char *svg = NULL;
  g_autoptr(Doc) doc = NULL;

  ds_trace_append (t, "gpu<&>0", DS_TRACE_FORWARD, 0, 1);
  ds_trace_append (t, "bad\xff", DS_TRACE_FORWARD, 0, 1);
  svg = ds_trace_write_svg (t, &options, NULL);
  g_assert_null (strstr (svg, "<&>"));
  g_assert_nonnull (strstr (svg, "gpu&lt;&amp;&gt;0"));
  g_assert_true (g_utf8_validate (svg, -1, NULL));
  doc = parse (svg);
  g_assert_nonnull (find_text (doc, "row", "gpu<&>0"));
  g_assert_nonnull (find_text (doc, "row", "bad\xef\xbf\xbd"));
  g_assert_nonnull (find_text (doc, "title", "a<&>\"b?"));
}

static void
test_empty (void)
{
  g_autoptr(DsTrace) t = ds_trace_new ();
  DsSvgOptions options = { 300, "Empty & idle" };
  g_autofree char *svg = ds_trace_write_svg (t, &options, NULL);
  g_autofree char *bare = ds_trace_write_svg (t, NULL, NULL);
  g_autoptr(Doc) doc = parse (svg);
  g_autoptr(Doc) bare_doc = parse (bare);
  gboolean said = FALSE;

  for (guint i = 0; i < doc->elems->len; i++)
    {
      Elem *e = g_ptr_array_index (doc->elems, i);
      said |= strcmp (e->name, "text") == 0 && strcmp (e->text->str, "no events") == 0;
    }
  g_assert_true (said);
  g_assert_nonnull (find_text (doc, "title", "Empty & idle"));
  g_assert_cmpuint (count (doc, "rect", "box"), ==, 0);
  g_assert_nonnull (strstr (bare, "no events"));
  g_assert_cmpuint (strlen (svg), <, 1024);
}

/* Same trace, same bytes: written twice, and from a second trace built
 * alike (other addresses, so no output may follow pointer order). */
static void
test_deterministic (void)
{
  g_autoptr(DsTrace) t = sample ();
  g_autoptr(DsTrace) u = sample ();
  DsSvgOptions options = { 800, "run" };
  g_autofree char *a = ds_trace_write_svg (t, &options, NULL);
  g_autofree char *b = ds_trace_write_svg (t, &options, NULL);
  g_autofree char *c = ds_trace_write_svg (u, &options, NULL);
  g_autofree char *d = ds_trace_write_svg (t, NULL, NULL);

  g_assert_cmpstr (a, ==, b);
  g_assert_cmpstr (a, ==, c);
  g_assert_cmpstr (a, !=, d);     /* the options do matter */
}

/* Spans from 0 get 5 to 10 ticks at 1, 2 or 5 x 10^k, labelled from "0 s"
 * and left to right. */
static void
test_ticks (void)
{
  static const double spans_s[] = { 1, 2.4, 0.0173, 7e-6, 86400, 1e-12, 0 };

  for (guint i = 0; i < G_N_ELEMENTS (spans_s); i++)
    {
      g_autoptr(DsTrace) t = ds_trace_new ();
      g_autofree char *svg = NULL;
      g_autoptr(Doc) doc = NULL;
      guint n;

      ds_trace_append (t, "gpu0", DS_TRACE_FORWARD, 0, spans_s[i]);
      svg = ds_trace_write_svg (t, NULL, NULL);
      doc = parse (svg);
      n = count (doc, "text", "tick");
      g_test_message ("span %g s: %u ticks", spans_s[i], n);
      g_assert_cmpuint (n, >=, 5);
      g_assert_cmpuint (n, <=, 10);
      g_assert_cmpstr (nth (doc, "text", "tick", 0)->text->str, ==, "0 s");
      for (guint k = 1; k < n; k++)
        g_assert_cmpfloat (attr_double (nth (doc, "text", "tick", k - 1), "x"), <,
                           attr_double (nth (doc, "text", "tick", k), "x"));
    }
}

/* A large trace: every one of 300,000 events gets its box. (Its speed is
 * not asserted here: timings belong to bench/, and this runs under the
 * sanitizers too.) The count walks the text once; strstr in a loop would
 * be quadratic under ASan, whose strstr measures the whole rest each
 * call. */
static void
test_large (void)
{
  static const char box[] = "<rect class=\"box ";
  g_autoptr(DsTrace) t = ds_trace_new ();
  g_autofree char *svg = NULL;
  guint n_boxes = 0;

  for (guint i = 0; i < 300000; i++)
    {
      char resource[16];
      DsTraceEvent *e;

      g_snprintf (resource, sizeof resource, "gpu%u", i % 16);
      e = ds_trace_append (t, resource, i % 2 ? DS_TRACE_BACKWARD : DS_TRACE_FORWARD,
                           (i / 16) * 1e-3, 1e-3);
      e->microbatch = i / 32;
    }
  svg = ds_trace_write_svg (t, NULL, NULL);
  for (const char *p = svg; *p != '\0'; p++)
    n_boxes += *p == '<' && strncmp (p, box, sizeof box - 1) == 0;
  g_assert_cmpuint (n_boxes, ==, 300000);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/traces/svg/well-formed", test_well_formed);
  g_test_add_func ("/traces/svg/labels", test_labels);
  g_test_add_func ("/traces/svg/row-order", test_row_order);
  g_test_add_func ("/traces/svg/colours", test_colours);
  g_test_add_func ("/traces/svg/escaping", test_escaping);
  g_test_add_func ("/traces/svg/empty", test_empty);
  g_test_add_func ("/traces/svg/deterministic", test_deterministic);
  g_test_add_func ("/traces/svg/ticks", test_ticks);
  g_test_add_func ("/traces/svg/large", test_large);
  return g_test_run ();
}
