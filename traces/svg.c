/* traces/svg.c - write a DsTrace as an SVG Gantt chart (see svg.h).
 *
 * Layout, top to bottom, in pixels:
 *   PAD_PX
 *   the title (TITLE_PX, when there is one)
 *   the legend (LEGEND_PX): a swatch and a name per kind present
 *   the rows (ROW_PX each): boxes BOX_PX tall, centred in their row
 *   the axis (AXIS_PX): a line, tick marks and tick labels
 *   PAD_PX
 * and left to right: PAD_PX, the row labels (right-aligned, as wide as
 * the longest name), GAP_PX, the time axis (width_px), RIGHT_PX so the
 * last tick label is not cut.
 *
 * Positions along the time axis have two decimals; every other
 * coordinate is a whole number of pixels. Numbers are written by hand,
 * not by printf, whose decimal point follows the locale. The writer
 * cannot measure fonts, so text is
 * taken as CHAR_PX a character; that guess decides only whether a
 * micro-batch id fits in its box and how wide the label column is.
 *
 * Cost: one pass over the events to find the kinds present, one to draw.
 * A box is a few appends to one GString sized up front; the only lookup
 * per event is a pointer hash of the interned resource name.
 */
#include "config.h"

#include "traces/svg.h"
#include "core/units.h"
#include "traces/natural.h"

#include <math.h>
#include <string.h>

enum {
  PAD_PX = 10,
  TITLE_PX = 26,
  LEGEND_PX = 24,
  SWATCH_PX = 12,
  ROW_PX = 24,
  BOX_PX = 18,
  AXIS_PX = 34,
  TICK_PX = 5,
  GAP_PX = 8,
  RIGHT_PX = 40,
  CHAR_PX = 7,             /* one character of 11-12 px sans-serif, generously */
  TITLE_CHAR_PX = 10,      /* one of the 16 px bold title */
  LABEL_PAD_PX = 2,        /* either side of a micro-batch id */
  MAX_TICKS = 10,
};

#define DEFAULT_WIDTH_PX 1200.0
/* Wider would only print longer numbers; keeps every coordinate short. */
#define MAX_WIDTH_PX 1e6
/* A shorter span (all events at one instant) is drawn as this long, so
 * the scale stays finite. */
#define MIN_SPAN_S 1e-12

/* Colours from Tableau 10, the palette of PipeDream's figures: blue
 * forward, green backward. @ink is the colour of a micro-batch id on
 * @fill. A NULL fill is not drawn. */
typedef struct {
  const char *fill;
  const char *ink;
} KindStyle;

G_STATIC_ASSERT (DS_TRACE_KIND_N == 9);   /* a new kind needs a row below */
static const KindStyle kind_styles[DS_TRACE_KIND_N] = {
  [DS_TRACE_FORWARD]   = { "#4e79a7", "#ffffff" },
  [DS_TRACE_BACKWARD]  = { "#59a14f", "#ffffff" },
  [DS_TRACE_SEND]      = { "#c7c7c7", "#000000" },
  [DS_TRACE_RECV]      = { "#dedede", "#000000" },
  [DS_TRACE_ALLREDUCE] = { "#f28e2b", "#000000" },
  [DS_TRACE_OPTIMIZER] = { "#b07aa1", "#ffffff" },
  [DS_TRACE_IDLE]      = { NULL, NULL },
  [DS_TRACE_OTHER]     = { "#8c8c8c", "#ffffff" },
  [DS_TRACE_MEMORY]    = { NULL, NULL },   /* a counter, not a box */
};

/* One resource's row. */
typedef struct {
  const char *resource;    /* borrowed from the trace */
  char *label_xml;         /* owned, escaped */
  guint rank;              /* row_rank(): devices, streams, links */
} Row;

typedef struct {
  GString *out;
  const char *title_xml;   /* NULL = none */
  glong title_chars;
  GArray *rows;            /* Row, top to bottom */
  GHashTable *row_of;      /* interned resource -> row index + 1 */
  gboolean present[DS_TRACE_KIND_N];
  double t0_s, span_s, px_per_s;
  double axis_x_px, axis_w_px;
  guint top_px;            /* top of the first row */
  guint axis_y_px;         /* the axis line, under the last row */
  double width_px;
  guint height_px;
  double step_s, first_tick;  /* ticks at (first_tick + i) * step_s */
  guint n_ticks;
} Chart;

/* ---- text and numbers ---- */

/* @s as XML character data: bad UTF-8 becomes U+FFFD, the control
 * characters XML 1.0 forbids even as references become '?', and the
 * markup characters are escaped. *n_chars (may be NULL) gets the number
 * of characters shown. */
static char *
escape_text (const char *s, glong *n_chars)
{
  g_autofree char *valid = g_utf8_make_valid (s, -1);

  for (char *p = valid; *p != '\0'; p++)
    if ((guchar) *p < 0x20 && *p != '\t' && *p != '\n' && *p != '\r')
      *p = '?';
  if (n_chars != NULL)
    *n_chars = g_utf8_strlen (valid, -1);
  return g_markup_escape_text (valid, -1);
}

/* Numbers are written by hand into the end of a PX_BUF buffer: that is
 * locale-proof (printf's decimal point follows LC_NUMERIC) and several
 * times faster than printf, which matters at five numbers a box. */
#define PX_BUF 32

/* Writes @u in decimal ending just before @end; returns its first char. */
static char *
put_digits (char *end, guint64 u)
{
  do
    *--end = '0' + u % 10;
  while ((u /= 10) > 0);
  return end;
}

/* @v in decimal; returns the text, which lies inside @buf. */
static const char *
fmt_int (char buf[PX_BUF], gint64 v)
{
  char *p = buf + PX_BUF - 1;

  *p = '\0';
  p = put_digits (p, v < 0 ? -(guint64) v : (guint64) v);
  if (v < 0)
    *--p = '-';
  return p;
}

/* @v with two decimals, rounded half away from zero: hundredths as an
 * integer. -0.0 (a zero duration may be one) prints as "0.00". Every
 * coordinate is bounded by MAX_WIDTH_PX and the label column, far from
 * the 1e15 where hundredths stop fitting. */
static const char *
fmt_px (char buf[PX_BUF], double v)
{
  char *p = buf + PX_BUF - 1;
  gint64 h;
  guint64 u;

  g_assert (fabs (v) < 1e15);
  h = llround (v * 100);
  u = h < 0 ? -(guint64) h : (guint64) h;
  *p = '\0';
  *--p = '0' + u % 10;
  *--p = '0' + u / 10 % 10;
  *--p = '.';
  p = put_digits (p, u / 100);
  if (h < 0)
    *--p = '-';
  return p;
}

/* Appends ` name="value"`. */
static void
append_attr (GString *out, const char *name, const char *value)
{
  g_string_append_c (out, ' ');
  g_string_append (out, name);
  g_string_append (out, "=\"");
  g_string_append (out, value);
  g_string_append_c (out, '"');
}

/* Appends ` name="v"`, v as fmt_px writes it. */
static void
append_px (GString *out, const char *name, double v)
{
  char buf[PX_BUF];

  append_attr (out, name, fmt_px (buf, v));
}

/* A time for people; "0 s" rather than units.h's "0 ns". */
static const char *
fmt_time (char buf[DS_NUM_BUF], double s)
{
  if (s != 0)
    return ds_fmt_seconds_human (buf, s);
  g_strlcpy (buf, "0 s", DS_NUM_BUF);
  return buf;
}

/* ---- rows ---- */

static void
row_clear (gpointer p)
{
  g_free (((Row *) p)->label_xml);
}

/* Devices first, then their communication streams (own name, after any
 * "group/", starting with "comm"), then links ("link..."), which go under
 * the devices they connect. */
static guint
row_rank (const char *resource)
{
  const char *slash = strrchr (resource, '/');
  const char *own = slash != NULL ? slash + 1 : resource;

  return g_str_has_prefix (own, "link") ? 2 : g_str_has_prefix (own, "comm") ? 1 : 0;
}

static gint
compare_rows (gconstpointer pa, gconstpointer pb)
{
  const Row *a = pa, *b = pb;

  if (a->rank != b->rank)
    return a->rank < b->rank ? -1 : 1;
  return ds_compare_natural (a->resource, b->resource);
}

/* Fills c->rows and c->row_of; returns the longest label in characters. */
static glong
make_rows (Chart *c, const DsTrace *trace)
{
  g_autoptr(GPtrArray) resources = ds_trace_resources (trace);
  glong widest = 0;

  for (guint i = 0; i < resources->len; i++)
    {
      Row r = { g_ptr_array_index (resources, i), NULL, 0 };
      glong n = 0;

      r.rank = row_rank (r.resource);
      r.label_xml = escape_text (r.resource, &n);
      widest = MAX (widest, n);
      g_array_append_val (c->rows, r);
    }
  g_array_sort (c->rows, compare_rows);
  for (guint i = 0; i < c->rows->len; i++)
    g_hash_table_insert (c->row_of,
                         (gpointer) g_array_index (c->rows, Row, i).resource,
                         GUINT_TO_POINTER (i + 1));
  return widest;
}

static guint
row_top_px (const Chart *c, const char *resource)
{
  guint idx = GPOINTER_TO_UINT (g_hash_table_lookup (c->row_of, resource));

  g_assert (idx > 0);
  return c->top_px + (idx - 1) * ROW_PX;
}

/* ---- geometry ---- */

/* The tick step: the first of 1, 2, 5, 10, 20 x 10^k that puts at most
 * MAX_TICKS ticks on the axis, with 10^k the decade of span / 10. Then
 * span / step is in [10, 100) for the first candidate, so 10 x 10^k
 * gives at most 10 ticks and the next smaller candidate more than 10:
 * a trace from 0 gets 5 to 10 ticks, one starting between ticks 4 to 10.
 * Where t0 / step is too large for a double to count in steps (times
 * near 1e300 s with a picosecond span) there are no ticks. */
static void
choose_ticks (Chart *c)
{
  static const double mult[] = { 1, 2, 5, 10, 20 };
  double decade = pow (10, floor (log10 (c->span_s / 10)));

  c->n_ticks = 0;
  for (guint i = 0; i < G_N_ELEMENTS (mult); i++)
    {
      double step = mult[i] * decade;
      double first = ceil (c->t0_s / step);
      double n = floor ((c->t0_s + c->span_s) / step) - first + 1;

      if (n >= 0 && n <= MAX_TICKS)
        {
          c->step_s = step, c->first_tick = first, c->n_ticks = (guint) n;
          return;
        }
    }
}

/* How far a legend entry moves the next one right. */
static guint
legend_advance (DsTraceKind kind)
{
  return SWATCH_PX + 4 + strlen (ds_trace_kind_name (kind)) * CHAR_PX + 16;
}

/* The picture is at least as wide as the title and the legend. */
static double
min_width_px (const Chart *c)
{
  double legend_px = 0;

  for (guint k = 0; k < DS_TRACE_KIND_N; k++)
    legend_px += c->present[k] ? legend_advance (k) : 0;
  return MAX (2 * PAD_PX + c->title_chars * TITLE_CHAR_PX,
              c->axis_x_px + legend_px + PAD_PX);
}

static void
lay_out (Chart *c, const DsTrace *trace, double axis_w_px, glong label_chars)
{
  double t1_s = 0;

  ds_trace_span_s (trace, &c->t0_s, &t1_s);
  c->span_s = MAX (t1_s - c->t0_s, MIN_SPAN_S);
  c->axis_x_px = PAD_PX + label_chars * CHAR_PX + GAP_PX;
  c->axis_w_px = axis_w_px;
  c->px_per_s = axis_w_px / c->span_s;
  c->top_px = PAD_PX + (c->title_xml != NULL ? TITLE_PX : 0) + LEGEND_PX;
  c->axis_y_px = c->top_px + c->rows->len * ROW_PX;
  c->width_px = MAX (c->axis_x_px + axis_w_px + RIGHT_PX, min_width_px (c));
  c->height_px = c->axis_y_px + AXIS_PX + PAD_PX;
  choose_ticks (c);
}

static double
x_of (const Chart *c, double t_s)
{
  return c->axis_x_px + (t_s - c->t0_s) * c->px_per_s;
}

/* ---- drawing ---- */

/* The prolog, the <svg> element, shared styles, a white background and
 * the title. Ticks and ids ignore the mouse so the box's tooltip shows
 * through them. */
static void
write_header (GString *out, double width_px, guint height_px,
              const char *title_xml)
{
  char buf[PX_BUF];
  const char *w = fmt_px (buf, width_px);

  g_string_append_printf (out,
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%s\" height=\"%u\""
    " viewBox=\"0 0 %s %u\" font-family=\"sans-serif\" font-size=\"12\">\n"
    "<style>.mb{font-size:11px;text-anchor:middle;pointer-events:none}"
    ".row{text-anchor:end}.tick{text-anchor:middle;fill:#444444}"
    ".title{font-size:16px;font-weight:bold}</style>\n",
    w, height_px, w, height_px);
  if (title_xml != NULL)
    g_string_append_printf (out, "<title>%s</title>\n", title_xml);
  g_string_append (out, "<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n");
  if (title_xml != NULL)
    g_string_append_printf (out, "<text class=\"title\" x=\"%d\" y=\"%d\">%s</text>\n",
                            PAD_PX, PAD_PX + 17, title_xml);
}

/* A swatch and a name per kind present, in DsTraceKind order. */
static void
write_legend (const Chart *c)
{
  guint x = c->axis_x_px, y = c->top_px - LEGEND_PX + 4;

  g_string_append (c->out, "<g class=\"legend\">\n");
  for (guint k = 0; k < DS_TRACE_KIND_N; k++)
    {
      const char *name = ds_trace_kind_name (k);

      if (!c->present[k])
        continue;
      g_string_append_printf (c->out,
        "<rect class=\"swatch %s\" x=\"%u\" y=\"%u\" width=\"%d\" height=\"%d\" fill=\"%s\"/>"
        "<text x=\"%u\" y=\"%u\">%s</text>\n",
        name, x, y, SWATCH_PX, SWATCH_PX, kind_styles[k].fill,
        x + SWATCH_PX + 4, y + SWATCH_PX - 1, name);
      x += legend_advance (k);
    }
  g_string_append (c->out, "</g>\n");
}

/* Row labels, a light band behind every other row, and the grid lines
 * at the ticks (drawn before the boxes, so under them). */
static void
write_background (const Chart *c)
{
  g_string_append (c->out, "<g class=\"rows\">\n");
  for (guint i = 0; i < c->rows->len; i++)
    {
      const Row *r = &g_array_index (c->rows, Row, i);
      guint y = c->top_px + i * ROW_PX;

      if (i % 2 == 1)
        {
          g_string_append (c->out, "<rect class=\"band\"");
          append_px (c->out, "x", c->axis_x_px);
          g_string_append_printf (c->out, " y=\"%u\"", y);
          append_px (c->out, "width", c->axis_w_px);
          g_string_append_printf (c->out, " height=\"%d\" fill=\"#f4f4f4\"/>\n", ROW_PX);
        }
      g_string_append (c->out, "<text class=\"row\"");
      append_px (c->out, "x", c->axis_x_px - GAP_PX);
      g_string_append_printf (c->out, " y=\"%u\">%s</text>\n", y + 16, r->label_xml);
    }
  for (guint i = 0; i < c->n_ticks; i++)
    {
      char buf[PX_BUF];
      const char *x = fmt_px (buf, x_of (c, (c->first_tick + i) * c->step_s));

      g_string_append_printf (c->out,
        "<line class=\"grid\" x1=\"%s\" y1=\"%u\" x2=\"%s\" y2=\"%u\" stroke=\"#e0e0e0\"/>\n",
        x, c->top_px, x, c->axis_y_px);
    }
  g_string_append (c->out, "</g>\n");
}

/* "forward mb3 stage 1, 1.25 ms at 3.5 ms": what ran, for how long, when,
 * and what a transfer moved. Kind names, digits and units only, so there
 * is nothing to escape. */
static void
append_tooltip (GString *out, const DsTraceEvent *e)
{
  static const char *const index_names[] = { " mb", " stage ", " layer " };
  const gint indices[] = { e->microbatch, e->stage_idx, e->layer_idx };
  char num[PX_BUF], human[DS_NUM_BUF];

  g_string_append (out, ds_trace_kind_name (e->kind));
  for (guint i = 0; i < G_N_ELEMENTS (indices); i++)
    if (indices[i] >= 0)
      {
        g_string_append (out, index_names[i]);
        g_string_append (out, fmt_int (num, indices[i]));
      }
  g_string_append (out, ", ");
  g_string_append (out, fmt_time (human, e->dur_s));
  g_string_append (out, " at ");
  g_string_append (out, fmt_time (human, e->start_s));
  if (e->bytes == 0)
    return;
  g_string_append (out, ", ");
  g_string_append (out, ds_fmt_bytes_human (human, e->bytes));
}

/* One box with its tooltip, and the micro-batch id centred in it when the
 * box is wide enough for the digits and some padding. The hot path of a
 * long trace: appends only, no printf. */
static void
write_box (const Chart *c, const DsTraceEvent *e)
{
  const KindStyle *style = &kind_styles[e->kind];
  guint y = row_top_px (c, e->resource);
  double x = x_of (c, e->start_s), w = e->dur_s * c->px_per_s;
  char num[PX_BUF], id_buf[PX_BUF];
  const char *id = NULL;

  g_string_append (c->out, "<rect class=\"box ");
  g_string_append (c->out, ds_trace_kind_name (e->kind));
  g_string_append_c (c->out, '"');
  append_px (c->out, "x", x);
  append_attr (c->out, "y", fmt_int (num, y + (ROW_PX - BOX_PX) / 2));
  append_px (c->out, "width", w);
  append_attr (c->out, "height", fmt_int (num, BOX_PX));
  append_attr (c->out, "fill", style->fill);
  g_string_append (c->out, "><title>");
  append_tooltip (c->out, e);
  g_string_append (c->out, "</title></rect>\n");
  if (e->microbatch >= 0)
    id = fmt_int (id_buf, e->microbatch);
  if (id == NULL || w < strlen (id) * CHAR_PX + 2 * LABEL_PAD_PX)
    return;
  g_string_append (c->out, "<text class=\"mb\"");
  append_px (c->out, "x", x + w / 2);
  append_attr (c->out, "y", fmt_int (num, y + 16));
  append_attr (c->out, "fill", style->ink);
  g_string_append_c (c->out, '>');
  g_string_append (c->out, id);
  g_string_append (c->out, "</text>\n");
}

static void
write_boxes (const Chart *c, const DsTrace *trace)
{
  g_string_append (c->out, "<g class=\"boxes\">\n");
  for (guint i = 0; i < ds_trace_n_events (trace); i++)
    {
      const DsTraceEvent *e = ds_trace_event (trace, i);
      if (kind_styles[e->kind].fill != NULL)
        write_box (c, e);
    }
  g_string_append (c->out, "</g>\n");
}

/* The axis line under the rows, a mark and a label per tick. */
static void
write_axis (const Chart *c)
{
  char buf0[PX_BUF], buf1[PX_BUF];
  const char *x0 = fmt_px (buf0, c->axis_x_px);
  const char *x1 = fmt_px (buf1, c->axis_x_px + c->axis_w_px);

  g_string_append_printf (c->out,
    "<g class=\"axis\">\n"
    "<line x1=\"%s\" y1=\"%u\" x2=\"%s\" y2=\"%u\" stroke=\"#444444\"/>\n",
    x0, c->axis_y_px, x1, c->axis_y_px);
  for (guint i = 0; i < c->n_ticks; i++)
    {
      double t_s = (c->first_tick + i) * c->step_s;
      char buf[PX_BUF], label[DS_NUM_BUF];
      const char *x = fmt_px (buf, x_of (c, t_s));

      g_string_append_printf (c->out,
        "<line x1=\"%s\" y1=\"%u\" x2=\"%s\" y2=\"%u\" stroke=\"#444444\"/>"
        "<text class=\"tick\" x=\"%s\" y=\"%u\">%s</text>\n",
        x, c->axis_y_px, x, c->axis_y_px + TICK_PX,
        x, c->axis_y_px + TICK_PX + 14, fmt_time (label, t_s));
    }
  g_string_append (c->out, "</g>\n");
}

/* ---- API ---- */

static GString *
write_empty (const char *title_xml, glong title_chars)
{
  guint top = PAD_PX + (title_xml != NULL ? TITLE_PX : 0);
  double width = 2 * PAD_PX + MAX (200, title_chars * TITLE_CHAR_PX);
  GString *out = g_string_sized_new (1024);

  write_header (out, width, top + 20 + PAD_PX, title_xml);
  g_string_append_printf (out, "<text x=\"%d\" y=\"%u\">no events</text>\n</svg>\n",
                          PAD_PX, top + 14);
  return out;
}

static GString *
write_chart (const DsTrace *trace, double axis_w_px, const char *title_xml,
             glong title_chars)
{
  Chart c = { .title_xml = title_xml, .title_chars = title_chars };
  g_autoptr(GArray) rows = g_array_new (FALSE, TRUE, sizeof (Row));
  g_autoptr(GHashTable) row_of = g_hash_table_new (NULL, NULL);
  guint n = ds_trace_n_events (trace);

  g_array_set_clear_func (rows, row_clear);
  c.rows = rows, c.row_of = row_of;
  for (guint i = 0; i < n; i++)
    c.present[ds_trace_event (trace, i)->kind] = TRUE;
  c.present[DS_TRACE_IDLE] = c.present[DS_TRACE_MEMORY] = FALSE;
  lay_out (&c, trace, axis_w_px, make_rows (&c, trace));
  /* about 200 bytes a box with its tooltip and id */
  c.out = g_string_sized_new (4096 + (gsize) n * 200);
  write_header (c.out, c.width_px, c.height_px, title_xml);
  write_legend (&c);
  write_background (&c);
  write_boxes (&c, trace);
  write_axis (&c);
  g_string_append (c.out, "</svg>\n");
  return c.out;
}

char *
ds_trace_write_svg (const DsTrace *trace, const DsSvgOptions *options,
                    gsize *len)
{
  double axis_w_px = options != NULL ? options->width_px : 0;
  const char *title = options != NULL ? options->title : NULL;
  glong title_chars = 0;
  g_autofree char *title_xml = title != NULL ? escape_text (title, &title_chars) : NULL;
  GString *out;

  if (!(axis_w_px > 0 && isfinite (axis_w_px)))
    axis_w_px = DEFAULT_WIDTH_PX;
  axis_w_px = MIN (axis_w_px, MAX_WIDTH_PX);
  if (ds_trace_n_events (trace) == 0)
    out = write_empty (title_xml, title_chars);
  else
    out = write_chart (trace, axis_w_px, title_xml, title_chars);
  if (len != NULL)
    *len = out->len;
  return g_string_free (out, FALSE);
}
