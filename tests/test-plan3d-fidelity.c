/* tests/test-plan3d-fidelity.c - the 3D cost model against Megatron-LM's
 * published throughput (Narayanan et al., SC'21, Table 1).
 *
 * Data-driven: tests/data/plan3d/megatron-table1.tsv holds each row's
 * model, layout and measured teraFLOP/s per GPU, with their sources. One
 * case per row prices the row's layout on the dgx-a100 preset (A100 80 GB
 * datasheet peaks, preset NVLink and HDR links) and checks the predicted
 * throughput (the table's FLOP count, eq. 3, over the predicted iteration
 * time) within 10% of the measurement; /plan3d/fidelity/mean checks the
 * mean absolute error under 5%. Nothing in the model was fitted to this
 * table: a failure here means the model moved, not a constant to retune.
 */
#include "config.h"

#include "core/error.h"
#include "hwmodels/presets.h"
#include "planner/megatron.h"
#include "tests/testutil.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

typedef struct {
  char name[32];
  DsTfmShape shape;
  DsStrategy3d st;
  guint gpus;
  double measured_tflops;
} Row;

static GArray *rows;

static void
load_rows (void)
{
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "data", "plan3d",
                                                 "megatron-table1.tsv", NULL);
  g_autofree char *text = NULL;
  g_autoptr(GError) error = NULL;

  g_file_get_contents (path, &text, NULL, &error);
  g_assert_no_error (error);
  rows = g_array_new (FALSE, TRUE, sizeof (Row));
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      Row r = { 0 };
      double params_b;
      if (lines[i][0] == '#' || lines[i][0] == '\0')
        continue;
      int n = sscanf (lines[i], "%31s %lf %u %u %u %u %u %u %u %u %u %lf", r.name,
                      &params_b, &r.shape.heads, &r.shape.hidden, &r.shape.n_layers,
                      &r.st.tp, &r.st.pp, &r.gpus, &r.st.global_batch,
                      &r.st.micro_batch, &r.st.interleave, &r.measured_tflops);
      g_assert_cmpint (n, ==, 12);
      r.shape.seq = 2048;
      r.shape.vocab = 51200;
      r.st.dp = r.gpus / (r.st.tp * r.st.pp);
      r.st.recompute = DS_RECOMPUTE_FULL;
      g_array_append_val (rows, r);
    }
  g_assert_cmpuint (rows->len, ==, 10);
}

static double
predict_tflops (const Row *r)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DsCluster) cluster = ds_hw_cluster_open ("dgx-a100", r->gpus, &error);
  g_assert_no_error (error);
  g_autoptr(DsHwDevice) device = ds_hw_device_open ("a100-sxm4-80gb", &error);
  g_assert_no_error (error);
  DsCost3d c;

  g_assert_true (ds_strategy3d_check (&r->st, &r->shape, r->gpus, &error));
  g_assert_true (ds_cost3d_estimate (&r->shape, &r->st, cluster, device, &c, &error));
  g_assert_no_error (error);
  return ds_tfm_iteration_flops (&r->shape, r->st.global_batch, TRUE)
         / (c.iteration_s * r->gpus) / 1e12;
}

static void
test_row (gconstpointer data)
{
  const Row *r = data;
  double pred = predict_tflops (r);
  double err = fabs (pred - r->measured_tflops) / r->measured_tflops;

  g_test_message ("%s: predicted %.1f TFLOP/s per GPU, measured %.0f, error %.1f%%",
                  r->name, pred, r->measured_tflops, 100 * err);
  g_assert_cmpfloat (err, <, 0.10);
}

static void
test_mean (void)
{
  double sum = 0;

  for (guint i = 0; i < rows->len; i++)
    {
      const Row *r = &g_array_index (rows, Row, i);
      sum += fabs (predict_tflops (r) - r->measured_tflops) / r->measured_tflops;
    }
  g_test_message ("mean absolute error %.2f%% over %u rows", 100 * sum / rows->len,
                  rows->len);
  g_assert_cmpfloat (sum / rows->len, <, 0.05);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  load_rows ();
  for (guint i = 0; i < rows->len; i++)
    {
      const Row *r = &g_array_index (rows, Row, i);
      g_autofree char *name = g_strdup_printf ("/plan3d/fidelity/%s", r->name);
      g_test_add_data_func (name, r, test_row);
    }
  g_test_add_func ("/plan3d/fidelity/mean", test_mean);
  int rc = g_test_run ();
  g_array_unref (rows);
  return rc;
}
