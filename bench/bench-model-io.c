/* bench/bench-model-io.c - how fast models load, against json-glib's parse.
 *
 * For each profile: the median over runs of (a) json-glib parsing the
 * model's JSON text into nodes, the library floor any JSON reader pays;
 * (b) ds_model_read_json on the same text; (c) ds_graphtxt_read on the
 * original graph.txt; (d) ds_graphtxt_write. Printed as ratios to (a),
 * which were measured in the same process, so machine noise cancels.
 */
#include "config.h"

#include "core/graphtxt.h"
#include "core/model-json.h"

#include <json-glib/json-glib.h>
#include <gsl/gsl_statistics_double.h>
#include <stdio.h>

#define RUNS 31

typedef void (*BenchFn) (gpointer data);

/* Median seconds of one call to @fn, over RUNS runs of @reps calls. */
static double
median_s (BenchFn fn, gpointer data, guint reps)
{
  double t[RUNS];

  for (guint r = 0; r < RUNS; r++)
    {
      gint64 t0 = g_get_monotonic_time ();
      for (guint i = 0; i < reps; i++)
        fn (data);
      t[r] = (g_get_monotonic_time () - t0) / 1e6 / reps;
    }
  return gsl_stats_median (t, 1, RUNS);
}

typedef struct {
  const char *graphtxt;
  char *json;
  DsModel *model;
} Input;

static void
run_json_glib (gpointer data)
{
  g_autoptr(JsonParser) p = json_parser_new_immutable ();
  g_assert (json_parser_load_from_data (p, ((Input *) data)->json, -1, NULL));
}

static void
run_model_json (gpointer data)
{
  g_autoptr(DsModel) m = ds_model_read_json (((Input *) data)->json, -1, "b.json", NULL);
  g_assert (m != NULL);
}

static void
run_graphtxt_read (gpointer data)
{
  g_autoptr(DsModel) m = ds_graphtxt_read (((Input *) data)->graphtxt, -1, "graph.txt", NULL);
  g_assert (m != NULL);
}

static void
run_graphtxt_write (gpointer data)
{
  g_free (ds_graphtxt_write (((Input *) data)->model, NULL, NULL));
}

static void
bench_profile (const char *root, const char *name, const char *rel)
{
  g_autofree char *path = g_build_filename (root, rel, NULL);
  g_autofree char *text = NULL;
  Input in = { 0 };
  double base;

  if (!g_file_get_contents (path, &text, NULL, NULL))
    {
      printf ("%-14s skipped (no %s)\n", name, path);
      return;
    }
  in.graphtxt = text;
  in.model = ds_graphtxt_read (text, -1, path, NULL);
  g_assert (in.model != NULL);
  in.json = ds_model_write_json (in.model, NULL);
  base = median_s (run_json_glib, &in, 5);
  printf ("%-14s %5u layers  json-glib parse %8.3f ms  | model JSON read x%.2f"
          "  graph.txt read x%.2f  graph.txt write x%.2f\n",
          name, ds_model_n_layers (in.model), base * 1e3,
          median_s (run_model_json, &in, 5) / base,
          median_s (run_graphtxt_read, &in, 5) / base,
          median_s (run_graphtxt_write, &in, 5) / base);
  g_free (in.json);
  ds_model_unref (in.model);
}

int
main (void)
{
  const char *root = g_getenv ("DS_SHARED_DATA");
  const char *prefix = "pipedream/profiles/profiler/image_classification/profiles";

  if (root == NULL)
    {
      fprintf (stderr, "bench-model-io: set DS_SHARED_DATA (make bench does)\n");
      return 1;
    }
  printf ("bench-model-io: median of %d runs; ratios to json-glib parsing the "
          "same model's JSON (lower is faster)\n", RUNS);
  for (guint i = 0; i < 3; i++)
    {
      static const char *const names[] = { "vgg16", "resnet50", "nasnetalarge" };
      g_autofree char *rel = g_build_filename (prefix, names[i], "graph.txt", NULL);
      bench_profile (root, names[i], rel);
    }
  bench_profile (root, "gnmt_large",
                 "pipedream/profiles/profiler/translation/profiles/gnmt_large/graph.txt");
  return 0;
}
