/* traces/explain-data.c - the column store of explain: dictionaries,
 * growth, and the flattening of a dawnsim trace into rows.
 *
 * Rows are appended; arrays double when full, so adding n rows costs
 * O(n) copies in all. A column's dictionary remembers the last value it
 * was asked for: traces and sorted CSVs repeat values in runs, and a
 * string compare is cheaper than a hash.
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "core/error.h"
#include "traces/explain-data.h"

static void
column_init (DsExplainColumn *col, const char *name)
{
  col->name = g_strdup (name);
  col->values = g_ptr_array_new_with_free_func (g_free);
  col->ids = g_hash_table_new (g_str_hash, g_str_equal);
  col->last = NULL;
}

static void
column_clear (DsExplainColumn *col)
{
  g_free (col->name);
  g_hash_table_unref (col->ids);
  g_ptr_array_unref (col->values);
}

guint32
ds_explain_column_intern (DsExplainColumn *col, const char *value)
{
  gpointer found;
  char *copy;

  if (value == NULL || *value == '\0')
    value = DS_EXPLAIN_NULL;
  if (col->last != NULL && strcmp (col->last, value) == 0)
    return col->last_id;
  found = g_hash_table_lookup (col->ids, value);
  if (found != NULL)
    {
      col->last_id = GPOINTER_TO_UINT (found) - 1;
      col->last = g_ptr_array_index (col->values, col->last_id);
      return col->last_id;
    }
  copy = g_strdup (value);
  g_ptr_array_add (col->values, copy);
  g_hash_table_insert (col->ids, copy, GUINT_TO_POINTER (col->values->len));
  col->last = copy;
  col->last_id = col->values->len - 1;
  return col->last_id;
}

DsExplainData *
ds_explain_data_new (const char *const *attrs, const char *const *metrics,
                     gboolean weighted)
{
  DsExplainData *d = g_new0 (DsExplainData, 1);

  d->n_attrs = attrs != NULL ? g_strv_length ((char **) attrs) : 0;
  d->n_metrics = metrics != NULL ? g_strv_length ((char **) metrics) : 0;
  d->attrs = g_new0 (DsExplainColumn, MAX (d->n_attrs, 1));
  for (guint c = 0; c < d->n_attrs; c++)
    column_init (&d->attrs[c], attrs[c]);
  d->metric_names = g_new0 (char *, d->n_metrics + 1);
  d->metrics = g_new0 (double *, MAX (d->n_metrics, 1));
  for (guint m = 0; m < d->n_metrics; m++)
    d->metric_names[m] = g_strdup (metrics[m]);
  if (weighted)
    d->weight = g_new (double, 1);
  ds_explain_data_reserve (d, 1024);
  return d;
}

void
ds_explain_data_free (DsExplainData *d)
{
  if (d == NULL)
    return;
  for (guint c = 0; c < d->n_attrs; c++)
    column_clear (&d->attrs[c]);
  g_free (d->attrs);
  for (guint m = 0; m < d->n_metrics; m++)
    g_free (d->metrics[m]);
  g_free (d->metrics);
  g_strfreev (d->metric_names);
  g_free (d->codes);
  g_free (d->weight);
  g_free (d->outlier);
  g_free (d->sums[0]);
  g_free (d->sums[1]);
  g_free (d->first_dropped_why);
  g_free (d);
}

void
ds_explain_data_reserve (DsExplainData *d, guint n_rows)
{
  if (n_rows <= d->capacity)
    return;
  d->capacity = n_rows;
  d->codes = g_renew (guint32, d->codes, (gsize) n_rows * MAX (d->n_attrs, 1));
  for (guint m = 0; m < d->n_metrics; m++)
    d->metrics[m] = g_renew (double, d->metrics[m], n_rows);
  if (d->weight != NULL)
    d->weight = g_renew (double, d->weight, n_rows);
  if (d->outlier != NULL)
    d->outlier = g_renew (double, d->outlier, n_rows);
  for (guint k = 0; k < G_N_ELEMENTS (d->sums); k++)
    if (d->sums[k] != NULL)
      d->sums[k] = g_renew (double, d->sums[k], n_rows);
}

void
ds_explain_data_add_row (DsExplainData *d, const char *const *values,
                         const double *metrics, double weight)
{
  guint r = d->n_rows;

  if (r == d->capacity)
    ds_explain_data_reserve (d, d->capacity * 2);
  for (guint c = 0; c < d->n_attrs; c++)
    d->codes[(gsize) r * d->n_attrs + c] = ds_explain_column_intern (&d->attrs[c], values[c]);
  for (guint m = 0; m < d->n_metrics; m++)
    d->metrics[m][r] = metrics[m];
  if (d->weight != NULL)
    d->weight[r] = weight;
  d->n_rows++;
}

int
ds_explain_data_attr (const DsExplainData *d, const char *name)
{
  for (guint c = 0; c < d->n_attrs; c++)
    if (strcmp (d->attrs[c].name, name) == 0)
      return (int) c;
  return -1;
}

int
ds_explain_data_metric (const DsExplainData *d, const char *name)
{
  for (guint m = 0; m < d->n_metrics; m++)
    if (strcmp (d->metric_names[m], name) == 0)
      return (int) m;
  return -1;
}

/* Re-lays the row-major codes for one more column. */
guint
ds_explain_data_add_attr (DsExplainData *d, const char *name,
                          const char *const *row_values)
{
  guint n_old = d->n_attrs, n_new = d->n_attrs + 1;
  guint32 *codes = g_new (guint32, (gsize) MAX (d->capacity, 1) * n_new);

  d->attrs = g_renew (DsExplainColumn, d->attrs, n_new);
  column_init (&d->attrs[n_old], name);
  for (guint r = 0; r < d->n_rows; r++)
    {
      memcpy (codes + (gsize) r * n_new, d->codes + (gsize) r * n_old,
              n_old * sizeof *codes);
      codes[(gsize) r * n_new + n_old] = ds_explain_column_intern (&d->attrs[n_old],
                                                                  row_values[r]);
    }
  g_free (d->codes);
  d->codes = codes;
  d->n_attrs = n_new;
  return n_old;
}

void
ds_explain_data_order_attrs (DsExplainData *d, const char *const *names)
{
  g_autofree guint *from = g_new (guint, d->n_attrs + 1);
  g_autofree gboolean *taken = g_new0 (gboolean, d->n_attrs + 1);
  g_autofree DsExplainColumn *cols = g_new (DsExplainColumn, d->n_attrs + 1);
  g_autofree guint32 *row = g_new (guint32, d->n_attrs + 1);
  guint k = 0;

  for (guint i = 0; names[i] != NULL; i++)
    {
      int c = ds_explain_data_attr (d, names[i]);
      g_return_if_fail (c >= 0 && !taken[c]);
      taken[c] = TRUE;
      from[k++] = (guint) c;
    }
  for (guint c = 0; c < d->n_attrs; c++)
    if (!taken[c])
      from[k++] = c;
  for (guint c = 0; c < d->n_attrs; c++)
    cols[c] = d->attrs[from[c]];
  memcpy (d->attrs, cols, d->n_attrs * sizeof *cols);
  for (guint r = 0; r < d->n_rows; r++)
    {
      guint32 *codes = d->codes + (gsize) r * d->n_attrs;
      for (guint c = 0; c < d->n_attrs; c++)
        row[c] = codes[from[c]];
      memcpy (codes, row, d->n_attrs * sizeof *row);
    }
}

void
ds_explain_data_clear_rows (DsExplainData *d)
{
  d->n_rows = 0;
  d->n_dropped = 0;
  d->first_dropped_line = 0;
  g_clear_pointer (&d->first_dropped_why, g_free);
}

void
ds_explain_data_keep_rows (DsExplainData *d, const gboolean *keep)
{
  guint n = 0;

  g_return_if_fail (d->outlier == NULL);
  for (guint i = 0; i < d->n_rows; i++)
    {
      if (!keep[i])
        continue;
      if (n != i)
        {
          memmove (d->codes + (gsize) n * d->n_attrs, d->codes + (gsize) i * d->n_attrs,
                   d->n_attrs * sizeof *d->codes);
          for (guint m = 0; m < d->n_metrics; m++)
            d->metrics[m][n] = d->metrics[m][i];
          if (d->weight != NULL)
            d->weight[n] = d->weight[i];
        }
      n++;
    }
  d->n_rows = n;
}

void
ds_explain_data_drop (DsExplainData *d, guint line, const char *why)
{
  if (d->n_dropped++ == 0)
    {
      d->first_dropped_line = line;
      d->first_dropped_why = g_strdup (why);
    }
}

/* ---- traces ---- */

typedef enum { F_DEVICE, F_KIND, F_STAGE, F_LAYER, F_MICROBATCH, F_ATTR } TraceField;
typedef enum { M_DURATION, M_START, M_BYTES, M_ATTR } TraceMetric;

static TraceField
trace_field (const char *name)
{
  static const char *const names[] = { "device", "kind", "stage", "layer", "microbatch" };
  if (strcmp (name, "resource") == 0)
    return F_DEVICE;
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    if (strcmp (name, names[i]) == 0)
      return (TraceField) i;
  return F_ATTR;
}

static TraceMetric
trace_metric (const char *name)
{
  if (strcmp (name, "duration_s") == 0 || strcmp (name, "dur_s") == 0)
    return M_DURATION;
  if (strcmp (name, "start_s") == 0)
    return M_START;
  if (strcmp (name, "bytes") == 0)
    return M_BYTES;
  return M_ATTR;
}

static gboolean
trace_has_attr (const DsTrace *trace, const char *key)
{
  for (guint i = 0; i < ds_trace_n_events (trace); i++)
    {
      const DsTraceEvent *e = ds_trace_event (trace, i);
      if (e->attrs != NULL && g_hash_table_contains (e->attrs, key))
        return TRUE;
    }
  return FALSE;
}

static const char *
event_field (const DsTraceEvent *e, const char *name, char buf[32])
{
  gint v;

  switch (trace_field (name))
    {
    case F_DEVICE: return e->resource;
    case F_KIND: return ds_trace_kind_name (e->kind);
    case F_STAGE: v = e->stage_idx; break;
    case F_LAYER: v = e->layer_idx; break;
    case F_MICROBATCH: v = e->microbatch; break;
    case F_ATTR: default:
      return e->attrs != NULL ? g_hash_table_lookup (e->attrs, name) : NULL;
    }
  if (v < 0)
    return NULL;
  g_snprintf (buf, 32, "%d", v);
  return buf;
}

static gboolean
event_metric (const DsTraceEvent *e, const char *name, double *out)
{
  const char *s;
  char *end = NULL;

  switch (trace_metric (name))
    {
    case M_DURATION: *out = e->dur_s; return TRUE;
    case M_START: *out = e->start_s; return TRUE;
    case M_BYTES: *out = (double) e->bytes; return TRUE;
    case M_ATTR: default: break;
    }
  s = e->attrs != NULL ? g_hash_table_lookup (e->attrs, name) : NULL;
  if (s == NULL)
    return FALSE;
  *out = g_ascii_strtod (s, &end);
  return end != s && *end == '\0' && isfinite (*out);
}

DsExplainData *
ds_explain_data_from_trace (const DsTrace *trace, const char *file,
                            const char *const *attrs, const char *const *metrics,
                            GError **error)
{
  guint n_attrs = g_strv_length ((char **) attrs), n_metrics = g_strv_length ((char **) metrics);
  g_autoptr(DsExplainData) d = NULL;
  g_autofree const char **values = g_new0 (const char *, n_attrs + 1);
  g_autofree double *m = g_new0 (double, n_metrics + 1);
  g_autofree char *bufs = g_malloc (32 * (gsize) (n_attrs + 1));

  for (guint c = 0; c < n_attrs; c++)
    if (trace_field (attrs[c]) == F_ATTR && !trace_has_attr (trace, attrs[c]))
      return ds_fail_null (error, DS_ERROR_UNKNOWN_NAME, "%s: no event has the attribute "
                           "'%s' (fields: device, kind, stage, layer, microbatch, or an "
                           "event attribute)", file, attrs[c]);
  for (guint k = 0; k < n_metrics; k++)
    if (trace_metric (metrics[k]) == M_ATTR && !trace_has_attr (trace, metrics[k]))
      return ds_fail_null (error, DS_ERROR_UNKNOWN_NAME, "%s: no metric '%s' (metrics: "
                           "duration_s, start_s, bytes, or a numeric event attribute)",
                           file, metrics[k]);
  d = ds_explain_data_new (attrs, metrics, FALSE);
  ds_explain_data_reserve (d, ds_trace_n_events (trace));
  for (guint i = 0; i < ds_trace_n_events (trace); i++)
    {
      const DsTraceEvent *e = ds_trace_event (trace, i);
      gboolean ok = TRUE;
      for (guint k = 0; k < n_metrics && ok; k++)
        if (!event_metric (e, metrics[k], &m[k]))
          {
            g_autofree char *why = g_strdup_printf ("event %u: metric '%s' is missing or "
                                                    "not a number", i, metrics[k]);
            ds_explain_data_drop (d, 0, why);
            ok = FALSE;
          }
      if (!ok)
        continue;
      for (guint c = 0; c < n_attrs; c++)
        values[c] = event_field (e, attrs[c], bufs + 32 * c);
      ds_explain_data_add_row (d, values, m, 1.0);
    }
  return g_steal_pointer (&d);
}
