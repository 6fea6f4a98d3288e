/* tests/test-plan3d-cli.c - `dawnsim plan --global-batch` and `dawnsim
 * simulate --tp ...` as a user runs them: JSON fields, exit codes, the
 * no-fit and out-of-memory messages (issue #6).
 */
#include "config.h"

#include <json-glib/json-glib.h>
#include <string.h>

#include "tests/testutil.h"

static JsonObject *
parse_object (const char *text, JsonParser *parser)
{
  g_autoptr(GError) error = NULL;

  json_parser_load_from_data (parser, text, -1, &error);
  g_assert_no_error (error);
  return json_node_get_object (json_parser_get_root (parser));
}

static void
test_plan_json (void)
{
  g_auto(DsTestRun) r = { 0 };
  g_autoptr(JsonParser) parser = json_parser_new ();

  ds_test_run_dawnsim (&r, "plan", "gpt3-175b", "--cluster", "dgx-a100:64",
                       "--global-batch", "1536", "--top", "3", "--format", "json", NULL);
  g_assert_cmpint (r.status, ==, 0);
  JsonObject *o = parse_object (r.out, parser);
  JsonArray *plans = json_object_get_array_member (o, "plans");
  g_assert_cmpuint (json_array_get_length (plans), ==, 3);
  JsonObject *best = json_array_get_object_element (plans, 0);
  g_assert_cmpfloat (json_object_get_double_member (best, "peak_memory_bytes"), <=,
                     json_object_get_double_member (o, "capacity_bytes"));
  g_assert_true (json_object_has_member (best, "simulated_iteration_s"));
  g_assert_cmpint (json_object_get_int_member (best, "tp")
                   * json_object_get_int_member (best, "pp")
                   * json_object_get_int_member (best, "dp"), ==, 64);
}

static void
test_plan_explain_custom_shape (void)
{
  g_auto(DsTestRun) r = { 0 };

  ds_test_run_dawnsim (&r, "plan", "--layers", "40", "--hidden", "5120", "--heads", "40",
                       "--cluster", "dgx-a100:64", "--global-batch", "1024", "--explain",
                       "--no-simulate", NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_nonnull (strstr (r.out, "40 layers, hidden 5120, 40 heads, sequence 2048, "
                                   "vocabulary 51200"));
  g_assert_nonnull (strstr (r.out, "beats"));
}

static void
test_plan_no_fit (void)
{
  g_auto(DsTestRun) r = { 0 };

  ds_test_run_dawnsim (&r, "plan", "gpt3-175b", "--cluster", "dgx-a100:8",
                       "--global-batch", "64", NULL);
  g_assert_cmpint (r.status, ==, 1);
  g_assert_nonnull (strstr (r.err, "the model does not fit"));
  g_assert_nonnull (strstr (r.err, "more than the device's 80.00 GiB"));
}

static void
test_simulate_json (void)
{
  g_auto(DsTestRun) r = { 0 };
  g_autoptr(JsonParser) parser = json_parser_new ();

  ds_test_run_dawnsim (&r, "simulate", "gpt3-175b", "--cluster", "dgx-a100:64", "--tp", "8",
                       "--pp", "8", "--dp", "1", "--micro-batch", "1", "--global-batch", "64",
                       "--interleave", "3", "--recompute", "full", "--sequence-parallel",
                       "--format", "json", NULL);
  g_assert_cmpint (r.status, ==, 0);
  JsonObject *o = parse_object (r.out, parser);
  g_assert_cmpfloat (json_object_get_double_member (o, "iteration_s"), >, 0);
  JsonArray *devices = json_object_get_array_member (o, "devices");
  g_assert_cmpuint (json_array_get_length (devices), ==, 64);
  JsonObject *d0 = json_array_get_object_element (devices, 0);
  g_assert_cmpfloat (json_object_get_double_member (d0, "peak_memory_bytes"), >, 0);
  g_assert_true (json_object_get_boolean_member (o, "fits"));
}

/* Without recomputation, 64 micro-batches of GPT-3 175B in flight on 8
 * stages do not fit: the command prints the table and fails. */
static void
test_simulate_oom (void)
{
  g_auto(DsTestRun) r = { 0 };

  ds_test_run_dawnsim (&r, "simulate", "gpt3-175b", "--cluster", "dgx-a100:64", "--tp", "8",
                       "--pp", "8", "--micro-batch", "4", "--global-batch", "64",
                       "--recompute", "none", NULL);
  g_assert_cmpint (r.status, ==, 1);
  g_assert_nonnull (strstr (r.err, "out of memory: stage 0 needs"));
}

static void
test_simulate_bad_layout (void)
{
  g_auto(DsTestRun) r = { 0 };
  g_auto(DsTestRun) r2 = { 0 };

  ds_test_run_dawnsim (&r, "simulate", "gpt3-175b", "--cluster", "dgx-a100:64", "--tp", "8",
                       "--pp", "8", "--global-batch", "64", "--recompute-mode", "most", NULL);
  g_assert_cmpint (r.status, ==, 2);
  ds_test_run_dawnsim (&r2, "simulate", "gpt3-175b", "--cluster", "dgx-a100:64", "--tp", "8",
                       "--pp", "7", "--global-batch", "64", NULL);
  g_assert_cmpint (r2.status, ==, 2);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/plan3d/cli/plan-json", test_plan_json);
  g_test_add_func ("/plan3d/cli/plan-explain-custom-shape", test_plan_explain_custom_shape);
  g_test_add_func ("/plan3d/cli/plan-no-fit", test_plan_no_fit);
  g_test_add_func ("/plan3d/cli/simulate-json", test_simulate_json);
  g_test_add_func ("/plan3d/cli/simulate-oom", test_simulate_oom);
  g_test_add_func ("/plan3d/cli/simulate-bad-layout", test_simulate_bad_layout);
  return g_test_run ();
}
