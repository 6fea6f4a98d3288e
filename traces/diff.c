/* traces/diff.c - align two traces by operation and compare durations
 * (see diff.h). One hash lookup per event; rows sorted once at the end.
 */
#include "config.h"

#include "traces/diff.h"
#include "core/units.h"

#include <string.h>

static void
row_clear (gpointer p)
{
  g_free (((DsDiffRow *) p)->name);
}

static const char *
event_name (const DsTraceEvent *e)
{
  const char *n = e->attrs != NULL ? g_hash_table_lookup (e->attrs, "name") : NULL;
  return n != NULL ? n : "";
}

static void
add_side (GArray *rows, GHashTable *index, const DsTrace *t, gboolean is_b, double *busy)
{
  for (guint i = 0; i < ds_trace_n_events (t); i++)
    {
      const DsTraceEvent *e = ds_trace_event (t, i);
      g_autofree char *key = NULL;
      gpointer v;
      DsDiffRow *row;

      if (e->kind == DS_TRACE_IDLE || e->kind == DS_TRACE_MEMORY)
        continue;
      key = g_strdup_printf ("%d\x1f%d\x1f%d\x1f%s", e->kind, e->stage_idx, e->microbatch,
                             event_name (e));
      if (!g_hash_table_lookup_extended (index, key, NULL, &v))
        {
          DsDiffRow r = { e->kind, g_strdup (event_name (e)), e->stage_idx, e->microbatch,
                          0, 0, 0, 0 };
          g_array_append_val (rows, r);
          v = GUINT_TO_POINTER (rows->len - 1);
          g_hash_table_insert (index, g_steal_pointer (&key), v);
        }
      row = &g_array_index (rows, DsDiffRow, GPOINTER_TO_UINT (v));
      if (is_b)
        {
          row->n_b++;
          row->b_s += e->dur_s;         /* a sum until the end */
        }
      else
        {
          row->n_a++;
          row->a_s += e->dur_s;
        }
      *busy += e->dur_s;
    }
}

static gint
compare_rows (gconstpointer pa, gconstpointer pb)
{
  const DsDiffRow *a = pa, *b = pb;
  if (a->stage != b->stage)
    return a->stage < b->stage ? -1 : 1;
  if (a->microbatch != b->microbatch)
    return a->microbatch < b->microbatch ? -1 : 1;
  if (a->kind != b->kind)
    return a->kind < b->kind ? -1 : 1;
  return strcmp (a->name, b->name);
}

DsDiff *
ds_diff_new (const DsTrace *a, const DsTrace *b)
{
  DsDiff *d = g_new0 (DsDiff, 1);
  g_autoptr(GHashTable) index = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  d->rows = g_array_new (FALSE, FALSE, sizeof (DsDiffRow));
  g_array_set_clear_func (d->rows, row_clear);
  add_side (d->rows, index, a, FALSE, &d->busy_a_s);
  add_side (d->rows, index, b, TRUE, &d->busy_b_s);
  for (guint i = 0; i < d->rows->len; i++)
    {
      DsDiffRow *r = &g_array_index (d->rows, DsDiffRow, i);
      r->a_s = r->n_a > 0 ? r->a_s / r->n_a : 0;
      r->b_s = r->n_b > 0 ? r->b_s / r->n_b : 0;
      d->n_matched += r->n_a > 0 && r->n_b > 0;
    }
  g_array_sort (d->rows, compare_rows);
  return d;
}

void
ds_diff_free (DsDiff *d)
{
  if (d == NULL)
    return;
  g_array_unref (d->rows);
  g_free (d);
}

/* RFC 4180: quote a field holding a comma, quote or line break. */
static void
append_field (GString *s, const char *text)
{
  if (strpbrk (text, ",\"\r\n") == NULL)
    {
      g_string_append (s, text);
      return;
    }
  g_string_append_c (s, '"');
  for (const char *p = text; *p != '\0'; p++)
    {
      if (*p == '"')
        g_string_append_c (s, '"');
      g_string_append_c (s, *p);
    }
  g_string_append_c (s, '"');
}

static void
append_index (GString *s, gint v)
{
  if (v >= 0)
    g_string_append_printf (s, "%d", v);
  g_string_append_c (s, ',');
}

char *
ds_diff_to_csv (const DsDiff *d)
{
  GString *s = g_string_new ("kind,name,stage,microbatch,count_a,count_b,a_s,b_s,diff_s,error\n");
  char x[DS_NUM_BUF];

  for (guint i = 0; i < d->rows->len; i++)
    {
      const DsDiffRow *r = &g_array_index (d->rows, DsDiffRow, i);
      g_string_append (s, ds_trace_kind_name (r->kind));
      g_string_append_c (s, ',');
      append_field (s, r->name);
      g_string_append_c (s, ',');
      append_index (s, r->stage);
      append_index (s, r->microbatch);
      g_string_append_printf (s, "%u,%u,", r->n_a, r->n_b);
      if (r->n_a > 0)
        g_string_append (s, ds_fmt_double (x, r->a_s));
      g_string_append_c (s, ',');
      if (r->n_b > 0)
        g_string_append (s, ds_fmt_double (x, r->b_s));
      g_string_append_c (s, ',');
      if (r->n_a > 0 && r->n_b > 0)
        g_string_append (s, ds_fmt_double (x, r->b_s - r->a_s));
      g_string_append_c (s, ',');
      if (r->n_a > 0 && r->n_b > 0 && r->a_s > 0)
        g_string_append (s, ds_fmt_double (x, r->b_s / r->a_s - 1));
      g_string_append_c (s, '\n');
    }
  return g_string_free (s, FALSE);
}
