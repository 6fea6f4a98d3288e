/* tests/fuzz/fuzz-efficiency.c - the readers of traces/efficiency.h and
 * traces/tta-rcp.h on arbitrary bytes: the runs TSV, the model JSON and
 * the MLPerf RCP JSON never crash; runs that read and fit give a model
 * whose predictions are finite and positive; an RCP set that reads has
 * m* <= the olympic mean at every point and a pruned set that ascends. */
#include "config.h"

#include <math.h>
#include <stdint.h>

#include "traces/efficiency.h"
#include "traces/tta-rcp.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static void
check_points (GArray *p)
{
  DsEffModel m;

  if (p->len > 64 || !ds_eff_fit ((DsEffPoint *) p->data, p->len, &m, NULL))
    return;
  for (guint i = 0; i < p->len; i++)
    {
      const DsEffPoint *q = &g_array_index (p, DsEffPoint, i);
      double e = ds_eff_predict (&m, q->batch, 0);
      g_assert_true (isfinite (e) && e > 0);
    }
}

static void
check_rcp (const DsRcpSet *set)
{
  g_autoptr(GArray) idx = ds_rcp_prune (set);

  for (guint i = 0; i < set->points->len; i++)
    {
      const DsRcpPoint *p = &g_array_index (set->points, DsRcpPoint, i);
      g_assert_true (p->min_mean <= p->olympic_mean);
    }
  for (guint i = 1; i < idx->len; i++)
    g_assert_cmpuint (g_array_index (idx, guint, i - 1), <, g_array_index (idx, guint, i));
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  const char *text = (const char *) data;
  g_autoptr(GArray) points = ds_eff_points_parse (text, size, "fuzz.tsv", NULL, NULL);
  g_autoptr(DsRcpSet) rcp = ds_rcp_parse (text, size, "fuzz.json", 5, NULL);
  DsEffModel m;

  if (points != NULL)
    check_points (points);
  if (rcp != NULL)
    check_rcp (rcp);
  if (ds_eff_model_parse (text, size, "fuzz.json", &m, NULL))
    g_assert_true (m.e_min > 0 && m.b_crit > 0);
  return 0;
}
