/* tests/test-trace.c - DsTrace and the dawnsim trace JSON format. */
#include "config.h"

#include <math.h>

#include "core/error.h"
#include "core/trace.h"
#include "core/trace-json.h"
#include "tests/testutil.h"

/* Two GPUs of a 2-stage pipeline and the link between them. */
static DsTrace *
small_trace (void)
{
  DsTrace *t = ds_trace_new ();
  DsTraceEvent *e;

  e = ds_trace_append (t, "gpu1", DS_TRACE_FORWARD, 0.002, 0.001);
  e->stage_idx = 1, e->microbatch = 0;
  e = ds_trace_append (t, "gpu0", DS_TRACE_FORWARD, 0, 0.001);
  e->stage_idx = 0, e->microbatch = 0;
  e = ds_trace_append (t, "link0-1", DS_TRACE_SEND, 0.001, 0.001);
  e->bytes = 4096, e->microbatch = 0;
  ds_trace_event_set_attr (e, "src", "gpu0");
  e = ds_trace_append (t, "gpu0", DS_TRACE_FORWARD, 0.001, 0.001);
  e->stage_idx = 0, e->microbatch = 1, e->layer_idx = 3;
  e = ds_trace_append (t, "gpu0", DS_TRACE_IDLE, 0.002, 0.003);
  e = ds_trace_append (t, "gpu1", DS_TRACE_BACKWARD, 0.0025, 0.002);
  e->stage_idx = 1, e->microbatch = 0;
  return t;
}

static void
test_kind_names (void)
{
  DsTraceKind k;

  g_assert_cmpuint (DS_TRACE_KIND_N, ==, 9);
  for (guint i = 0; i < DS_TRACE_KIND_N; i++)
    {
      g_assert_true (ds_trace_kind_from_name (ds_trace_kind_name (i), &k));
      g_assert_cmpuint (k, ==, i);
    }
  g_assert_cmpstr (ds_trace_kind_name (DS_TRACE_ALLREDUCE), ==, "allreduce");
  g_assert_false (ds_trace_kind_from_name ("fwd", &k));
}

static void
test_sort_is_total (void)
{
  g_autoptr(DsTrace) t = small_trace ();
  DsTraceEvent *e;

  /* a tie on (start, resource) with the second gpu0 event: seq decides */
  e = ds_trace_append (t, "gpu0", DS_TRACE_OTHER, 0.001, 0);
  (void) e;
  ds_trace_sort (t);
  g_assert_cmpstr (ds_trace_event (t, 0)->resource, ==, "gpu0");
  g_assert_cmpfloat (ds_trace_event (t, 0)->start_s, ==, 0);
  /* at 0.001: gpu0 (seq 3), gpu0 (seq 6), link0-1 */
  g_assert_cmpuint (ds_trace_event (t, 1)->seq, ==, 3);
  g_assert_cmpuint (ds_trace_event (t, 2)->seq, ==, 6);
  g_assert_cmpstr (ds_trace_event (t, 3)->resource, ==, "link0-1");
  /* at 0.002: gpu0 idle before gpu1 forward */
  g_assert_cmpuint (ds_trace_event (t, 4)->kind, ==, DS_TRACE_IDLE);
  g_assert_cmpstr (ds_trace_event (t, 5)->resource, ==, "gpu1");
  for (guint i = 1; i < ds_trace_n_events (t); i++)
    g_assert_cmpfloat (ds_trace_event (t, i - 1)->start_s, <=,
                       ds_trace_event (t, i)->start_s);
}

static void
test_span_and_busy (void)
{
  g_autoptr(DsTrace) t = small_trace ();
  g_autoptr(DsTrace) empty = ds_trace_new ();
  g_autoptr(GPtrArray) resources = ds_trace_resources (t);
  double start_s = -1, end_s = -1;

  g_assert_cmpfloat_with_epsilon (ds_trace_span_s (t, &start_s, &end_s), 0.005, 1e-12);
  g_assert_cmpfloat (start_s, ==, 0);
  g_assert_cmpfloat (ds_trace_span_s (empty, NULL, NULL), ==, 0);
  g_assert_cmpuint (resources->len, ==, 3);
  g_assert_cmpstr (g_ptr_array_index (resources, 0), ==, "gpu0");
  g_assert_cmpstr (g_ptr_array_index (resources, 2), ==, "link0-1");
  /* gpu0: [0, 1] and [1, 2] ms, idle not counted */
  g_assert_cmpfloat_with_epsilon (ds_trace_busy_s (t, "gpu0"), 0.002, 1e-12);
  /* gpu1: [2, 3] and [2.5, 4.5] ms overlap: union is 2.5 ms */
  g_assert_cmpfloat_with_epsilon (ds_trace_busy_s (t, "gpu1"), 0.0025, 1e-12);
  g_assert_cmpfloat (ds_trace_busy_s (t, "nothing"), ==, 0);
}

static void
test_check_catches (void)
{
  struct { double start_s, dur_s; gint mb; const char *msg; } cases[] = {
    { 0, -1, 0, "event 0: duration must be >= 0 s, got -1" },
    { NAN, 1, 0, "event 0: start must be finite, got nan" },
    { 0, INFINITY, 0, "event 0: duration must be >= 0 s, got inf" },
    { 1e301, 1, 0, "event 0: times must be within 1e300 s" },
    { 0, 1, -2, "event 0: stage, layer and micro-batch must be >= -1" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(DsTrace) t = ds_trace_new ();
      g_autoptr(GError) error = NULL;
      DsTraceEvent *e = ds_trace_append (t, "gpu0", DS_TRACE_FORWARD,
                                         cases[i].start_s, cases[i].dur_s);
      e->microbatch = cases[i].mb;
      g_assert_false (ds_trace_check (t, &error));
      g_assert_error (error, DS_ERROR, DS_ERROR_INVALID);
      g_assert_cmpstr (error->message, ==, cases[i].msg);
    }
}

static void
test_round_trip (void)
{
  g_autoptr(DsTrace) t = small_trace ();
  g_autoptr(DsTrace) back = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL, *again = NULL;

  g_hash_table_insert (ds_trace_get_attrs (t), g_strdup ("source"), g_strdup ("sim"));
  ds_trace_event_mut (t, 0)->start_s = 1.0 / 3;
  text = ds_trace_write_json (t, NULL);
  back = ds_trace_read_json (text, -1, "rt.json", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ds_trace_n_events (back), ==, 6);
  for (guint i = 0; i < 6; i++)
    {
      const DsTraceEvent *a = ds_trace_event (t, i), *b = ds_trace_event (back, i);
      g_assert_cmpstr (a->resource, ==, b->resource);
      g_assert_cmpuint (a->kind, ==, b->kind);
      g_assert_cmpfloat (a->start_s, ==, b->start_s);
      g_assert_cmpfloat (a->dur_s, ==, b->dur_s);
      g_assert_cmpint (a->stage_idx, ==, b->stage_idx);
      g_assert_cmpint (a->layer_idx, ==, b->layer_idx);
      g_assert_cmpint (a->microbatch, ==, b->microbatch);
      g_assert_cmpuint (a->bytes, ==, b->bytes);
    }
  g_assert_cmpstr (g_hash_table_lookup (ds_trace_event (back, 2)->attrs, "src"), ==, "gpu0");
  again = ds_trace_write_json (back, NULL);
  g_assert_cmpstr (text, ==, again);
}

static void
test_fixture (void)
{
  g_autofree char *path = ds_test_fixture ("trace-2stage.json");
  g_autofree char *text = ds_test_read (path, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(DsTrace) t = ds_trace_read_json (text, -1, path, &error);
  g_autofree char *again = NULL;

  g_assert_no_error (error);
  g_assert_cmpuint (ds_trace_n_events (t), ==, 4);
  g_assert_cmpfloat (ds_trace_event (t, 1)->dur_s, ==, 0.00125);
  again = ds_trace_write_json (t, NULL);
  g_assert_cmpstr (again, ==, text);
}

static const struct {
  const char *text;
  DsErrorCode code;
  const char *message;
} bad_traces[] = {
  { "{\"events\": [\n{\"resource\": \"gpu0\", \"kind\": \"forward\", \"start_us\": 0, \"dur_us\": -1}]}",
    DS_ERROR_INVALID, "t.json:2: event 0: 'dur_us' must be >= 0, got -1" },
  { "{\"events\": [\n{\"resource\": \"gpu0\", \"kind\": \"fwd\", \"start_us\": 0, \"dur_us\": 1}]}",
    DS_ERROR_UNKNOWN_NAME, "t.json:2: event 0: unknown kind 'fwd'" },
  { "{\"events\": [\n{\"resource\": \"\", \"kind\": \"idle\", \"start_us\": 0, \"dur_us\": 1}]}",
    DS_ERROR_INVALID, "t.json:2: event 0: 'resource' must not be empty" },
  { "{\"events\": [\n{\"resource\": \"gpu0\", \"kind\": \"idle\", \"dur_us\": 1}]}",
    DS_ERROR_SYNTAX, "t.json:2: missing required field 'start_us'" },
  { "{\"events\": [\n{\"resource\": \"gpu0\", \"kind\": \"idle\", \"start_us\": 0, \"dur_us\": 1, \"stage\": -1}]}",
    DS_ERROR_INVALID, "t.json:2: 'stage' must be a whole number >= 0, got -1" },
  { "{\"events\": [\n{\"resource\": \"gpu0\", \"kind\": \"idle\", \"start_us\": 0, \"dur_us\": 1, \"microbatch\": 3000000000}]}",
    DS_ERROR_INVALID, "t.json:2: event 0: 'microbatch' must be at most 2147483647, got 3000000000" },
  { "{\"events\": [\n{\"resource\": \"gpu0\", \"kind\": \"idle\", \"start_ms\": 0, \"dur_us\": 1}]}",
    DS_ERROR_SYNTAX, "t.json:2: unknown field 'start_ms'" },
  { "{\"events\": [\n{\"resource\": \"gpu0\", \"kind\": \"idle\", \"start_us\": 0, \"dur_us\": 1,\n\"attrs\": {\"k\": 1}}]}",
    DS_ERROR_SYNTAX, "t.json:3: 'k' must be a string, got a number" },
  { "{\"events\": [\n{\"resource\": \"gpu0\", \"kind\": \"idle\", \"start_us\": 1e307, \"dur_us\": 1}]}",
    DS_ERROR_INVALID, "t.json: event 0: times must be within 1e300 s" },
  { "{\"format\": \"chrome\", \"events\": []}",
    DS_ERROR_UNSUPPORTED, "t.json:1: 'format' must be \"dawnsim-trace\", got \"chrome\"" },
  { "{\"traceEvents\": []}", DS_ERROR_SYNTAX, "t.json:1: unknown field 'traceEvents'" },
  { "{\"events\": [\n{\"resource\": \"gpu\\\\\\7777777777777776\", \"kind\": \"idle\", \"start_us\": 0, \"dur_us\": 1}]}",
    DS_ERROR_SYNTAX, "t.json:2: a string is not valid UTF-8 (an invalid escape?)" },
  { "{\"events\": [null]}", DS_ERROR_SYNTAX, "t.json:1: event 0 must be an object, got NULL" },
};

static void
test_malformed (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (bad_traces); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(DsTrace) t = ds_trace_read_json (bad_traces[i].text, -1, "t.json",
                                                 &error);
      g_test_message ("case %u: %s", i, bad_traces[i].text);
      g_assert_null (t);
      g_assert_error (error, DS_ERROR, (gint) bad_traces[i].code);
      g_assert_cmpstr (error->message, ==, bad_traces[i].message);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/core/trace/kind-names", test_kind_names);
  g_test_add_func ("/core/trace/sort-is-total", test_sort_is_total);
  g_test_add_func ("/core/trace/span-and-busy", test_span_and_busy);
  g_test_add_func ("/core/trace/check-catches", test_check_catches);
  g_test_add_func ("/core/trace/json-round-trip", test_round_trip);
  g_test_add_func ("/core/trace/fixture-2stage", test_fixture);
  g_test_add_func ("/core/trace/json-malformed", test_malformed);
  return g_test_run ();
}
