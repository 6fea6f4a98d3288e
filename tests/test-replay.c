/* tests/test-replay.c - Chrome/Kineto reading, replay and what-ifs.
 *
 * The executor's measured traces (tests/data/traces/, written by dawnsim
 * exec on several schedules) must replay to their own iterations and to
 * the run's own clock (iteration_s) within 3% mean, 5% max; the PyTorch
 * profiler traces in $DS_SHARED_DATA/kineto to their profiled step times
 * (step_times.csv) within 5%. Malformed inputs fail with located errors.
 */
#include "config.h"

#include <gio/gio.h>
#include <math.h>
#include <string.h>

#include "core/error.h"
#include "core/trace-json.h"
#include "tests/testutil.h"
#include "traces/chrome-read.h"
#include "traces/chrome.h"
#include "traces/diff.h"
#include "traces/replay.h"

static DsTrace *
load (const char *path)
{
  g_autoptr(GError) error = NULL;
  DsTrace *t = ds_trace_load (path, &error);
  g_assert_no_error (error);
  return t;
}

static void
test_own_schedules (void)
{
  const char *names[] = { "1f1b", "gpipe", "1f1b-flush", "1stage", "dp" };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *rel = g_strdup_printf ("traces/measured-%s.json", names[i]);
      g_autofree char *path = ds_test_fixture (rel);
      g_autoptr(DsTrace) t = load (path);
      g_autoptr(GError) error = NULL;
      g_autoptr(DsReplay) r = ds_replay_new (t, &error);
      g_autoptr(DsReplayResult) res = NULL;
      double it_s = g_ascii_strtod (g_hash_table_lookup (ds_trace_get_attrs (t), "iteration_s"), NULL);
      guint steps = (guint) g_ascii_strtoull (g_hash_table_lookup (ds_trace_get_attrs (t),
                                                                   "steps_per_epoch"), NULL, 10);

      g_assert_no_error (error);
      g_assert_cmpstr (ds_replay_flavour (r), ==, "dawnsim");
      res = ds_replay_run (r, &error);
      g_assert_no_error (error);
      g_test_message ("%s: mean %.4f max %.4f, replay %.6f s vs iteration_s %.6f s", names[i],
                      res->mean_abs_error, res->max_abs_error,
                      res->replayed_total_s / res->replayed_s->len, it_s);
      g_assert_cmpuint (res->original_s->len, ==, steps);
      g_assert_cmpfloat (res->mean_abs_error, <=, 0.03);
      g_assert_cmpfloat (res->max_abs_error, <=, 0.05);
      g_assert_cmpfloat (fabs (res->replayed_total_s / steps / it_s - 1), <=, 0.03);
      /* pipelines pair every recv with its send; replicas allreduce */
      if (strcmp (names[i], "1stage") != 0 && strcmp (names[i], "dp") != 0)
        g_assert_cmpuint (ds_replay_n_edges (r, "message"), >, 0);
      if (strcmp (names[i], "dp") == 0)
        g_assert_cmpuint (ds_replay_n_edges (r, "collective"), >, 0);
    }
}

/* Halving the backward passes must shorten a pipeline, by less than the
 * backward time itself; scaling by 1 changes nothing. */
static void
test_own_whatif (void)
{
  g_autofree char *path = ds_test_fixture ("traces/measured-gpipe.json");
  g_autoptr(DsTrace) t = load (path);
  g_autoptr(DsReplay) r = ds_replay_new (t, NULL);
  g_autoptr(DsReplayResult) base = ds_replay_run (r, NULL), same = NULL, fast = NULL;
  g_autoptr(GError) error = NULL;
  double bwd_s = 0;
  guint n = 0, n_fwd = 0, n_bwd = 0;

  for (guint i = 0; i < ds_trace_n_events (t); i++)
    {
      n_fwd += ds_trace_event (t, i)->kind == DS_TRACE_FORWARD;
      if (ds_trace_event (t, i)->kind == DS_TRACE_BACKWARD)
        {
          bwd_s += ds_trace_event (t, i)->dur_s;
          n_bwd++;
        }
    }
  g_assert_true (ds_replay_scale (r, "forward=1", &n, &error));
  g_assert_cmpuint (n, ==, n_fwd);
  same = ds_replay_run (r, NULL);
  g_assert_cmpfloat (same->replayed_total_s, ==, base->replayed_total_s);
  g_assert_true (ds_replay_scale (r, "backward:*=0.5", &n, &error));
  g_assert_cmpuint (n, ==, n_bwd);
  fast = ds_replay_run (r, NULL);
  g_assert_cmpfloat (fast->replayed_total_s, <, base->replayed_total_s);
  g_assert_cmpfloat (base->replayed_total_s - fast->replayed_total_s, <=, 0.5 * bwd_s + 1e-9);
  g_assert_false (ds_replay_scale (r, "backward=-1", NULL, &error));
  g_assert_error (error, DS_ERROR, DS_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_false (ds_replay_scale (r, "backward", NULL, &error));
  g_assert_error (error, DS_ERROR, DS_ERROR_INVALID);
}

/* Profiled step times from step_times.csv, in seconds. */
static GArray *
profiled_steps (const char *csv_path, const char *trace)
{
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;
  GArray *out = g_array_new (FALSE, FALSE, sizeof (double));

  g_assert_true (g_file_get_contents (csv_path, &text, NULL, NULL));
  lines = g_strsplit (text, "\n", 0);
  for (guint i = 1; lines[i] != NULL; i++)
    {
      g_auto(GStrv) f = g_strsplit (lines[i], ",", 0);
      if (g_strv_length (f) == 4 && strcmp (f[0], trace) == 0 && strcmp (f[1], "profiled") == 0)
        {
          double s = g_ascii_strtod (f[3], NULL) * 1e-3;
          g_array_append_val (out, s);
        }
    }
  return out;
}

/* A Kineto trace replays within 5% of its profiled steps, and answers
 * what-ifs in the right direction. */
static void
check_kineto (const char *path, const char *csv, const char *name)
{
  g_autoptr(DsTrace) t = load (path);
  g_autoptr(GError) error = NULL;
  g_autoptr(DsReplay) r = ds_replay_new (t, &error);
  g_autoptr(DsReplayResult) base = NULL, gemm = NULL, slow = NULL;
  g_autoptr(GArray) want = profiled_steps (csv, name);
  guint n = 0;

  g_assert_no_error (error);
  g_assert_cmpstr (ds_replay_flavour (r), ==, "gpu");
  g_assert_cmpuint (ds_replay_n_edges (r, "launch"), >, 50);
  g_assert_cmpuint (ds_replay_n_edges (r, "sync"), >, 0);
  base = ds_replay_run (r, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (base->replayed_s->len, ==, want->len);
  for (guint k = 0; k < want->len; k++)
    {
      double got = g_array_index (base->replayed_s, double, k);
      double ref = g_array_index (want, double, k);
      g_test_message ("%s step %u: replay %.4f ms, profiled %.4f ms", name, k,
                      got * 1e3, ref * 1e3);
      g_assert_cmpfloat (fabs (got / ref - 1), <=, 0.05);
    }
  /* GEMMs 2x faster: never slower, and these profiled steps are
   * launch-bound, so the saving is at most the GEMM time saved */
  g_assert_true (ds_replay_scale (r, "kernel:gemm*=0.5", &n, &error));
  g_assert_cmpuint (n, >, 0);
  gemm = ds_replay_run (r, NULL);
  g_assert_cmpfloat (gemm->replayed_total_s, <=, base->replayed_total_s);
  /* 20x slower kernels must show through the synchronisations */
  g_assert_true (ds_replay_scale (r, "kernel:*=40", &n, &error));
  slow = ds_replay_run (r, NULL);
  g_assert_cmpfloat (slow->replayed_total_s, >, 1.1 * base->replayed_total_s);
}

/* Both H200 traces of ../shared/data/kineto. */
static void
test_kineto (void)
{
  const char *names[] = { "mlp_train_fp32", "pipeline2_gpipe_fp32" };
  g_autofree char *dir = ds_test_shared ("kineto");
  g_autofree char *csv = NULL;

  if (dir == NULL)
    return;
  csv = g_build_filename (dir, "step_times.csv", NULL);
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *file = g_strdup_printf ("%s.json.gz", names[i]);
      g_autofree char *path = g_build_filename (dir, file, NULL);
      check_kineto (path, csv, names[i]);
    }
}

/* The small one kept in the tree (18 KB: the MLP's, with its profiled
 * step times), so that a checkout without shared/ still checks a real
 * PyTorch-profiler trace (tools/kineto-trace.py records them). */
static void
test_kineto_fixture (void)
{
  g_autofree char *path = ds_test_fixture ("traces/mlp_train_fp32.json.gz");
  g_autofree char *csv = ds_test_fixture ("traces/kineto-step-times.csv");

  check_kineto (path, csv, "mlp_train_fp32");
}

static void
test_chrome_phases (void)
{
  static const char doc[] =
    "{\"traceEvents\": [\n"
    "{\"ph\": \"M\", \"name\": \"process_name\", \"pid\": 1, \"tid\": 0, \"args\": {\"name\": \"host\"}},\n"
    "{\"ph\": \"B\", \"name\": \"outer\", \"cat\": \"cpu_op\", \"pid\": 1, \"tid\": 2, \"ts\": 10},\n"
    "{\"ph\": \"X\", \"name\": \"cudaLaunchKernel\", \"cat\": \"cuda_runtime\", \"pid\": 1, \"tid\": 2,"
    " \"ts\": 12, \"dur\": 3},\n"
    "{\"ph\": \"s\", \"id\": 7, \"cat\": \"ac2g\", \"pid\": 1, \"tid\": 2, \"ts\": 12},\n"
    "{\"ph\": \"E\", \"pid\": 1, \"tid\": 2, \"ts\": 20},\n"
    "{\"ph\": \"f\", \"id\": 7, \"cat\": \"ac2g\", \"bp\": \"e\", \"pid\": 0, \"tid\": 7, \"ts\": 16},\n"
    "{\"ph\": \"X\", \"name\": \"gemm\", \"cat\": \"kernel\", \"pid\": 0, \"tid\": 7, \"ts\": 16,"
    " \"dur\": 30, \"args\": {\"stream\": 7}},\n"
    "{\"ph\": \"i\", \"name\": \"mark\", \"pid\": 1, \"tid\": 2, \"ts\": 11}\n"
    "], \"deviceProperties\": [{\"id\": 0, \"name\": \"x]\"}]}";
  g_autoptr(GError) error = NULL;
  g_autoptr(DsTrace) t = ds_trace_read_chrome_data (doc, sizeof doc - 1, "t.json", &error);
  g_autoptr(DsReplay) r = NULL;

  g_assert_no_error (error);
  g_assert_cmpuint (ds_trace_n_events (t), ==, 3);
  g_assert_cmpstr (g_hash_table_lookup (ds_trace_get_attrs (t), "process_name:1"), ==, "host");
  for (guint i = 0; i < 3; i++)
    {
      const DsTraceEvent *e = ds_trace_event (t, i);
      const char *name = g_hash_table_lookup (e->attrs, "name");
      if (strcmp (name, "cudaLaunchKernel") == 0)
        {
          g_assert_cmpstr (g_hash_table_lookup (e->attrs, "flow_out"), ==, "ac2g:7");
          g_assert_cmpfloat_with_epsilon (e->start_s, 2e-6, 1e-12);
        }
      else if (strcmp (name, "gemm") == 0)
        {
          g_assert_cmpstr (g_hash_table_lookup (e->attrs, "flow_in"), ==, "ac2g:7");
          g_assert_cmpstr (e->resource, ==, "0/7");
        }
      else
        g_assert_cmpfloat_with_epsilon (e->dur_s, 10e-6, 1e-12);    /* B..E */
    }
  r = ds_replay_new (t, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ds_replay_n_edges (r, "launch"), ==, 1);        /* through the flow */
}

/* Each malformed document fails with a located error of the given code. */
static void
test_malformed (void)
{
  static const struct { const char *doc; gint code; const char *msg; } cases[] = {
    { "", DS_ERROR_SYNTAX, "expected '{' or '['" },
    { "{\"a\": 1}", DS_ERROR_SYNTAX, "no 'traceEvents'" },
    { "{\"traceEvents\": [1]}", DS_ERROR_SYNTAX, ":1: a trace event must be an object" },
    { "{\"traceEvents\": [{\"ph\": \"X\", \"ts\": 1}]}", DS_ERROR_SYNTAX, "no numeric 'dur'" },
    { "{\"traceEvents\": [{\"ph\": \"X\", \"ts\": \"1\", \"dur\": 1}]}", DS_ERROR_SYNTAX, "numeric 'ts'" },
    { "{\"traceEvents\": [\n{\"ph\": \"X\", \"ts\": 1, \"dur\": -2}]}", DS_ERROR_INVALID,
      "t.json:2: event '': dur must be >= 0, got -2" },
    { "{\"traceEvents\": [{\"ts\": 1}]}", DS_ERROR_SYNTAX, "no 'ph'" },
    { "{\"traceEvents\": [{\"ph\": \"E\", \"ts\": 1}]}", DS_ERROR_INVALID, "no open 'B'" },
    { "{\"traceEvents\": [{\"ph\": \"B\", \"name\": \"a\", \"ts\": 1}]}", DS_ERROR_INVALID, "never ends" },
    { "{\"traceEvents\": [{\"ph\": \"s\", \"ts\": 1}]}", DS_ERROR_INVALID, "no 'id'" },
    { "{\"traceEvents\": [{\"ph\": \"X\", \"ts\": 1, \"dur\": 1}", DS_ERROR_SYNTAX, "expected ','" },
    { "{\"traceEvents\": [{\"ph\": \"X\",}]}", DS_ERROR_SYNTAX, "traceEvents[0]" },
    { "{\"traceEvents\": [{]]}", DS_ERROR_SYNTAX, "mismatched bracket" },
    { "{\"traceEvents\": [\"abc", DS_ERROR_SYNTAX, "unterminated string" },
    { "{\"traceEvents\": [], \"x\": [} ", DS_ERROR_SYNTAX, "mismatched bracket" },
    { "[] x", DS_ERROR_SYNTAX, "unexpected text after" },
    { "{\"traceEvents\": [,]}", DS_ERROR_SYNTAX, "expected a value" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(DsTrace) t = ds_trace_read_chrome_data (cases[i].doc, strlen (cases[i].doc),
                                                        "t.json", &error);
      g_test_message ("case %u: %s", i, error != NULL ? error->message : "(no error)");
      g_assert_null (t);
      g_assert_error (error, DS_ERROR, cases[i].code);
      g_assert_nonnull (strstr (error->message, cases[i].msg));
      g_assert_true (g_str_has_prefix (error->message, "t.json:"));
    }
}

/* gzip through GIO, and truncated gzip as a clear error. */
static void
test_gzip (void)
{
  static const char doc[] = "[{\"ph\": \"X\", \"name\": \"k\", \"ts\": 5, \"dur\": 2}]";
  g_autofree char *dir = ds_test_tmpdir ();
  g_autofree char *path = g_build_filename (dir, "t.json.gz", NULL);
  g_autofree char *cut = g_build_filename (dir, "cut.json.gz", NULL);
  g_autoptr(GZlibCompressor) gz = g_zlib_compressor_new (G_ZLIB_COMPRESSOR_FORMAT_GZIP, 6);
  guint8 buf[512];
  gsize nr = 0, nw = 0;
  g_autoptr(GError) error = NULL;
  g_autoptr(DsTrace) t = NULL, bad = NULL;

  g_assert_cmpint (g_converter_convert (G_CONVERTER (gz), doc, sizeof doc - 1, buf, sizeof buf,
                                        G_CONVERTER_INPUT_AT_END, &nr, &nw, &error),
                   ==, G_CONVERTER_FINISHED);
  g_assert_true (g_file_set_contents (path, (char *) buf, (gssize) nw, NULL));
  g_assert_true (g_file_set_contents (cut, (char *) buf, (gssize) nw - 12, NULL));
  t = ds_trace_load (path, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ds_trace_n_events (t), ==, 1);
  g_assert_cmpfloat_with_epsilon (ds_trace_event (t, 0)->dur_s, 2e-6, 1e-15);
  bad = ds_trace_load (cut, &error);
  g_assert_null (bad);
  g_assert_error (error, DS_ERROR, DS_ERROR_SYNTAX);
  ds_test_rmtree (dir);
}

/* A replay written as Chrome JSON reads back and diffs to zero error. */
static void
test_roundtrip_diff (void)
{
  g_autofree char *path = ds_test_fixture ("traces/measured-1f1b.json");
  g_autoptr(DsTrace) t = load (path);
  g_autoptr(DsReplay) r = ds_replay_new (t, NULL);
  g_autoptr(DsReplayResult) res = ds_replay_run (r, NULL);
  g_autoptr(DsTrace) retimed = ds_replay_retimed (r);
  gsize len = 0;
  g_autofree char *chrome = ds_trace_write_chrome (retimed, &len);
  g_autoptr(GError) error = NULL;
  g_autoptr(DsTrace) back = ds_trace_read_chrome_data (chrome, len, "back.json", &error);
  g_autoptr(DsDiff) d = NULL;
  g_autofree char *csv = NULL;

  g_assert_no_error (error);
  g_assert_cmpuint (ds_trace_n_events (back), ==, ds_trace_n_events (t));
  d = ds_diff_new (t, back);
  /* the export's generated names ("forward mb3") are not kept, so the
   * measured trace and the replay align key for key */
  g_assert_cmpuint (d->n_matched, ==, d->rows->len);
  {
    g_autoptr(DsDiff) same = ds_diff_new (retimed, back);
    g_assert_cmpuint (same->n_matched, ==, same->rows->len);
    for (guint i = 0; i < same->rows->len; i++)
      {
        const DsDiffRow *row = &g_array_index (same->rows, DsDiffRow, i);
        g_assert_cmpuint (row->n_a, ==, row->n_b);
        g_assert_cmpfloat (fabs (row->b_s - row->a_s), <=, 1e-9);
      }
  }
  csv = ds_diff_to_csv (d);
  g_assert_true (g_str_has_prefix (csv, "kind,name,stage,microbatch,count_a,count_b,a_s,b_s,diff_s,error\n"));
  (void) res;
}

static void
test_diff_csv (void)
{
  g_autoptr(DsTrace) a = ds_trace_new (), b = ds_trace_new ();
  g_autoptr(DsDiff) d = NULL;
  g_autofree char *csv = NULL;
  DsTraceEvent *e;

  e = ds_trace_append (a, "gpu0", DS_TRACE_FORWARD, 0, 2);
  e->stage_idx = 0, e->microbatch = 1;
  e = ds_trace_append (a, "gpu0", DS_TRACE_OTHER, 2, 1);
  ds_trace_event_set_attr (e, "name", "void k<float, 4>");
  e = ds_trace_append (b, "gpu0", DS_TRACE_FORWARD, 0, 3);
  e->stage_idx = 0, e->microbatch = 1;
  e = ds_trace_append (b, "gpu1", DS_TRACE_SEND, 0, 1);
  d = ds_diff_new (a, b);
  csv = ds_diff_to_csv (d);
  g_assert_cmpstr (csv, ==,
                   "kind,name,stage,microbatch,count_a,count_b,a_s,b_s,diff_s,error\n"
                   "send,,,,0,1,,1,,\n"
                   "other,\"void k<float, 4>\",,,1,0,1,,,\n"
                   "forward,,0,1,1,1,2,3,1,0.5\n");
  g_assert_cmpuint (d->n_matched, ==, 1);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/traces/replay/own-schedules", test_own_schedules);
  g_test_add_func ("/traces/replay/own-whatif", test_own_whatif);
  g_test_add_func ("/traces/replay/kineto", test_kineto);
  g_test_add_func ("/traces/replay/kineto-fixture", test_kineto_fixture);
  g_test_add_func ("/traces/chrome-read/phases-and-flows", test_chrome_phases);
  g_test_add_func ("/traces/chrome-read/malformed", test_malformed);
  g_test_add_func ("/traces/chrome-read/gzip", test_gzip);
  g_test_add_func ("/traces/diff/roundtrip", test_roundtrip_diff);
  g_test_add_func ("/traces/diff/csv", test_diff_csv);
  return g_test_run ();
}
