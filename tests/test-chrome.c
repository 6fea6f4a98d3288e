/* tests/test-chrome.c - DsTrace written as Chrome trace event JSON, parsed
 * back with json-glib as a viewer would. */
#include "config.h"

#include <json-glib/json-glib.h>
#include <string.h>

#include "core/trace.h"
#include "traces/chrome.h"

static DsTrace *
sample (void)
{
  DsTrace *t = ds_trace_new ();
  DsTraceEvent *e;

  e = ds_trace_append (t, "gpu10", DS_TRACE_FORWARD, 0.5, 0.25);
  e->microbatch = 2, e->stage_idx = 1;
  e = ds_trace_append (t, "gpu2", DS_TRACE_BACKWARD, 0.000001, 0.0000005);
  e = ds_trace_append (t, "link0-1", DS_TRACE_SEND, 1, 0.125);
  e->bytes = 1024;
  ds_trace_event_set_attr (e, "op", "p2p");
  ds_trace_event_set_attr (e, "bytes", "shadowed");
  e = ds_trace_append (t, "node1/nic0", DS_TRACE_ALLREDUCE, 2, 1);
  return t;
}

static JsonArray *
parse_events (const char *text, JsonParser *parser)
{
  g_autoptr(GError) error = NULL;
  JsonObject *root;

  g_assert_true (json_parser_load_from_data (parser, text, -1, &error));
  g_assert_no_error (error);
  root = json_node_get_object (json_parser_get_root (parser));
  g_assert_cmpstr (json_object_get_string_member (root, "displayTimeUnit"), ==, "ms");
  return json_object_get_array_member (root, "traceEvents");
}

/* The event of @array with "ph" @ph and args.name (M) or cat (X) @key. */
static JsonObject *
find (JsonArray *array, const char *ph, const char *name, const char *key)
{
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonObject *o = json_array_get_object_element (array, i);
      if (strcmp (json_object_get_string_member (o, "ph"), ph) != 0
          || strcmp (json_object_get_string_member (o, "name"), name) != 0)
        continue;
      if (strcmp (ph, "M") == 0
          && strcmp (json_object_get_string_member (
                       json_object_get_object_member (o, "args"), "name"), key) == 0)
        return o;
      if (strcmp (ph, "X") == 0)
        return o;
    }
  g_assert_not_reached ();
}

static void
test_events (void)
{
  g_autoptr(DsTrace) t = sample ();
  g_autofree char *text = ds_trace_write_chrome (t, NULL);
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonArray *events = parse_events (text, parser);
  JsonObject *fwd, *bwd, *send, *args;
  guint n_x = 0, n_m = 0;

  for (guint i = 0; i < json_array_get_length (events); i++)
    {
      const char *ph = json_object_get_string_member (
        json_array_get_object_element (events, i), "ph");
      n_x += strcmp (ph, "X") == 0;
      n_m += strcmp (ph, "M") == 0;
    }
  /* 3 groups (gpu, link, node1) and 4 resources */
  g_assert_cmpuint (n_x, ==, 4);
  g_assert_cmpuint (n_m, ==, 7);
  fwd = find (events, "X", "forward mb2", NULL);
  g_assert_cmpfloat (json_object_get_double_member (fwd, "ts"), ==, 500000);
  g_assert_cmpfloat (json_object_get_double_member (fwd, "dur"), ==, 250000);
  bwd = find (events, "X", "backward", NULL);
  g_assert_cmpfloat (json_object_get_double_member (bwd, "ts"), ==, 1);
  g_assert_cmpfloat (json_object_get_double_member (bwd, "dur"), ==, 0.5);
  g_assert_cmpstr (json_object_get_string_member (bwd, "cat"), ==, "backward");
  args = json_object_get_object_member (fwd, "args");
  g_assert_cmpint (json_object_get_int_member (args, "stage"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (args, "microbatch"), ==, 2);
  send = find (events, "X", "send", NULL);
  args = json_object_get_object_member (send, "args");
  g_assert_cmpint (json_object_get_int_member (args, "bytes"), ==, 1024);
  g_assert_cmpstr (json_object_get_string_member (args, "op"), ==, "p2p");
}

/* A memory sample is a counter event of its resource's process. */
static void
test_memory_counter (void)
{
  g_autoptr(DsTrace) t = ds_trace_new ();
  DsTraceEvent *e = ds_trace_append (t, "gpu3", DS_TRACE_MEMORY, 0.25, 0);
  g_autofree char *text = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonArray *events;
  JsonObject *c = NULL;

  e->bytes = 3000000000u;
  ds_trace_append (t, "gpu3", DS_TRACE_FORWARD, 0.25, 1);
  text = ds_trace_write_chrome (t, NULL);
  events = parse_events (text, parser);
  for (guint i = 0; i < json_array_get_length (events); i++)
    {
      JsonObject *o = json_array_get_object_element (events, i);
      if (strcmp (json_object_get_string_member (o, "ph"), "C") == 0)
        {
          g_assert_null (c);
          c = o;
        }
    }
  g_assert_nonnull (c);
  g_assert_cmpstr (json_object_get_string_member (c, "name"), ==, "gpu3 memory");
  g_assert_cmpfloat (json_object_get_double_member (c, "ts"), ==, 250000);
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (c, "args"),
                                               "bytes"), ==, 3000000000);
  g_assert_false (json_object_has_member (c, "dur"));
}

static void
test_metadata (void)
{
  g_autoptr(DsTrace) t = sample ();
  g_autofree char *text = ds_trace_write_chrome (t, NULL);
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonArray *events = parse_events (text, parser);
  JsonObject *gpu, *link, *node, *gpu2, *gpu10, *nic, *fwd;

  gpu = find (events, "M", "process_name", "gpu");
  link = find (events, "M", "process_name", "link");
  node = find (events, "M", "process_name", "node1");
  g_assert_cmpint (json_object_get_int_member (gpu, "pid"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (link, "pid"), ==, 2);
  g_assert_cmpint (json_object_get_int_member (node, "pid"), ==, 3);
  /* natural order: gpu2 before gpu10 */
  gpu2 = find (events, "M", "thread_name", "gpu2");
  gpu10 = find (events, "M", "thread_name", "gpu10");
  nic = find (events, "M", "thread_name", "node1/nic0");
  g_assert_cmpint (json_object_get_int_member (gpu2, "tid"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (gpu10, "tid"), ==, 2);
  g_assert_cmpint (json_object_get_int_member (gpu10, "pid"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (nic, "pid"), ==, 3);
  fwd = find (events, "X", "forward mb2", NULL);
  g_assert_cmpint (json_object_get_int_member (fwd, "pid"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (fwd, "tid"), ==, 2);
}

static void
test_deterministic_and_empty (void)
{
  g_autoptr(DsTrace) t = sample ();
  g_autoptr(DsTrace) empty = ds_trace_new ();
  g_autofree char *a = ds_trace_write_chrome (t, NULL);
  g_autofree char *b = ds_trace_write_chrome (t, NULL);
  g_autofree char *e = ds_trace_write_chrome (empty, NULL);

  g_assert_cmpstr (a, ==, b);
  g_assert_cmpstr (e, ==, "{\n  \"traceEvents\": [],\n  \"displayTimeUnit\": \"ms\"\n}\n");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/traces/chrome/events", test_events);
  g_test_add_func ("/traces/chrome/memory-counter", test_memory_counter);
  g_test_add_func ("/traces/chrome/metadata", test_metadata);
  g_test_add_func ("/traces/chrome/deterministic-and-empty", test_deterministic_and_empty);
  return g_test_run ();
}
