/* traces/validate.c - join two traces by stage and kind (see validate.h). */
#include "config.h"

#include <math.h>

#include "core/units.h"
#include "traces/validate.h"

typedef struct {
  double sum_s[2];
  guint n[2];
} Cell;

static gboolean
compared (DsTraceKind k)
{
  return k == DS_TRACE_FORWARD || k == DS_TRACE_BACKWARD || k == DS_TRACE_OPTIMIZER
         || k == DS_TRACE_ALLREDUCE;
}

/* Adds @t's events into cells[stage x kind], side @side. */
static void
tally (GArray *cells, const DsTrace *t, guint side)
{
  for (guint i = 0; i < ds_trace_n_events (t); i++)
    {
      const DsTraceEvent *e = ds_trace_event (t, i);
      gsize idx;
      if (!compared (e->kind) || e->stage_idx < 0 || e->stage_idx > 65535)
        continue;
      idx = (gsize) e->stage_idx * DS_TRACE_KIND_N + e->kind;
      if (idx >= cells->len)
        g_array_set_size (cells, idx + 1);
      g_array_index (cells, Cell, idx).sum_s[side] += e->dur_s;
      g_array_index (cells, Cell, idx).n[side]++;
    }
}

DsValidation *
ds_validation_new (const DsTrace *measured, const DsTrace *predicted)
{
  g_autoptr(GArray) cells = g_array_new (FALSE, TRUE, sizeof (Cell));
  DsValidation *v = g_new0 (DsValidation, 1);
  double sum = 0;

  v->rows = g_array_new (FALSE, FALSE, sizeof (DsValidationRow));
  tally (cells, measured, 0);
  tally (cells, predicted, 1);
  for (guint i = 0; i < cells->len; i++)
    {
      const Cell *c = &g_array_index (cells, Cell, i);
      DsValidationRow row;
      if (c->n[0] == 0 || c->n[1] == 0)
        continue;
      row.stage = i / DS_TRACE_KIND_N;
      row.kind = i % DS_TRACE_KIND_N;
      row.n_measured = c->n[0];
      row.n_predicted = c->n[1];
      row.measured_s = c->sum_s[0] / c->n[0];
      row.predicted_s = c->sum_s[1] / c->n[1];
      row.error = row.measured_s > 0 ? row.predicted_s / row.measured_s - 1 : 0;
      sum += fabs (row.error);
      v->max_ape = MAX (v->max_ape, fabs (row.error));
      g_array_append_val (v->rows, row);
    }
  v->mape = v->rows->len > 0 ? sum / v->rows->len : 0;
  return v;
}

void
ds_validation_free (DsValidation *v)
{
  if (v == NULL)
    return;
  g_array_unref (v->rows);
  g_free (v);
}

char *
ds_validation_to_csv (const DsValidation *v)
{
  GString *s = g_string_new ("stage,kind,n_measured,n_predicted,measured_s,predicted_s,error\n");

  for (guint i = 0; i < v->rows->len; i++)
    {
      const DsValidationRow *r = &g_array_index (v->rows, DsValidationRow, i);
      char a[DS_NUM_BUF], b[DS_NUM_BUF], c[DS_NUM_BUF];
      g_string_append_printf (s, "%u,%s,%u,%u,%s,%s,%s\n", r->stage, ds_trace_kind_name (r->kind),
                              r->n_measured, r->n_predicted, ds_fmt_double (a, r->measured_s),
                              ds_fmt_double (b, r->predicted_s), ds_fmt_double (c, r->error));
    }
  return g_string_free (s, FALSE);
}
