/* tests/testutil.c - see testutil.h. */
#include "config.h"

#include <math.h>

#include "tests/testutil.h"

#include "core/graphtxt.h"
#include "core/zoo.h"
#include "exec/kernels.h"

#include <glib/gstdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

char *
ds_test_fixture (const char *rel)
{
  char *path = g_test_build_filename (G_TEST_DIST, "data", rel, NULL);

  g_assert_true (g_file_test (path, G_FILE_TEST_EXISTS));
  return path;
}

char *
ds_test_shared (const char *rel)
{
  const char *root = g_getenv ("DS_SHARED_DATA");
  char *path;

  if (root == NULL || !g_file_test (root, G_FILE_TEST_IS_DIR))
    {
      g_test_skip ("shared reference data not found (set DS_SHARED_DATA)");
      return NULL;
    }
  path = g_build_filename (root, rel, NULL);
  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    {
      g_test_skip_printf ("shared reference data lacks %s", rel);
      g_free (path);
      return NULL;
    }
  return path;
}

char *
ds_test_read (const char *path, gsize *len)
{
  g_autoptr(GError) error = NULL;
  char *text = NULL;

  g_file_get_contents (path, &text, len, &error);
  g_assert_no_error (error);
  return text;
}

char *
ds_test_tmpdir (void)
{
  g_autoptr(GError) error = NULL;
  char *dir = g_dir_make_tmp ("dawnsim-test-XXXXXX", &error);

  g_assert_no_error (error);
  return dir;
}

void
ds_test_rmtree (const char *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  if (d == NULL)
    return;
  while ((name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);
      if (g_file_test (path, G_FILE_TEST_IS_DIR))
        ds_test_rmtree (path);
      else
        g_unlink (path);
    }
  g_rmdir (dir);
}

static void
find_into (const char *dir, GPatternSpec *spec, GPtrArray *out)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  if (d == NULL)
    return;
  while ((name = g_dir_read_name (d)) != NULL)
    {
      char *path = g_build_filename (dir, name, NULL);
      if (g_file_test (path, G_FILE_TEST_IS_DIR))
        {
          find_into (path, spec, out);
          g_free (path);
        }
      else if (g_pattern_spec_match_string (spec, name))
        g_ptr_array_add (out, path);
      else
        g_free (path);
    }
}

static gint
compare_paths (gconstpointer a, gconstpointer b)
{
  return g_strcmp0 (*(char *const *) a, *(char *const *) b);
}

GPtrArray *
ds_test_find_files (const char *dir, const char *pattern)
{
  GPtrArray *out = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPatternSpec) spec = g_pattern_spec_new (pattern);

  find_into (dir, spec, out);
  g_ptr_array_sort (out, compare_paths);
  return out;
}

GPtrArray *
ds_test_read_tsv (const char *path)
{
  g_autofree char *text = ds_test_read (path, NULL);
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);
  GPtrArray *rows = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);

  for (guint i = 1; lines[i] != NULL; i++)      /* skip the header */
    if (lines[i][0] != '\0')
      g_ptr_array_add (rows, g_strsplit (lines[i], "\t", -1));
  return rows;
}

void
ds_test_pipedream_args (const char *args, DsPipedreamOptions *o)
{
  g_auto(GStrv) tok = g_strsplit (args, " ", -1);
  guint nb = 0;

  ds_pipedream_options_init (o, 1);
  o->n_levels = 0;
  for (guint i = 0; tok[i] != NULL; i++)
    {
      if (strcmp (tok[i], "-n") == 0)
        while (tok[i + 1] != NULL && g_ascii_isdigit (tok[i + 1][0]))
          {
            o->levels[o->n_levels].n_machines = atoi (tok[++i]);
            o->levels[o->n_levels++].bandwidth_bytes_per_s = 1e9;
          }
      else if (strcmp (tok[i], "-b") == 0)
        while (tok[i + 1] != NULL && g_ascii_isdigit (tok[i + 1][0]))
          o->levels[nb++].bandwidth_bytes_per_s = g_ascii_strtod (tok[++i], NULL);
      else if (strcmp (tok[i], "-s") == 0)
        o->memory_bytes = g_ascii_strtod (tok[++i], NULL);
      else if (strcmp (tok[i], "--activation_compression_ratio") == 0)
        {
          o->has_compression = TRUE;
          o->compression_ratio = g_ascii_strtod (tok[++i], NULL);
        }
      else if (strcmp (tok[i], "--straight_pipeline") == 0)
        o->straight = TRUE;
      else if (strcmp (tok[i], "--use_fewer_machines") == 0)
        o->fewer_machines = TRUE;
      else if (strcmp (tok[i], "--use_memory_constraint") == 0)
        o->use_memory_constraint = TRUE;
      else
        g_error ("cases.tsv: unknown argument '%s'", tok[i]);
    }
  g_assert_cmpuint (o->n_levels, >=, 1);
}

static GHashTable *pipedream_profiles;   /* rel -> DsTestProfile */

static void
profile_free (gpointer p)
{
  DsTestProfile *pr = p;

  ds_antichain_dag_free (pr->dag);
  ds_model_unref (pr->model);
  g_free (pr);
}

const DsTestProfile *
ds_test_pipedream_profile (const char *rel)
{
  DsTestProfile *pr;
  g_autofree char *path = NULL, *text = NULL;
  g_autoptr(GError) error = NULL;
  gsize len = 0;

  if (pipedream_profiles == NULL)
    pipedream_profiles = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, profile_free);
  pr = g_hash_table_lookup (pipedream_profiles, rel);
  if (pr != NULL)
    return pr;
  path = g_build_filename (g_getenv ("DS_SHARED_DATA"), "pipedream", rel, NULL);
  text = ds_test_read (path, &len);
  pr = g_new0 (DsTestProfile, 1);
  pr->model = ds_graphtxt_read (text, len, path, &error);
  g_assert_no_error (error);
  pr->dag = ds_antichain_dag_new (pr->model, 0, &error);
  g_assert_no_error (error);
  g_hash_table_insert (pipedream_profiles, g_strdup (rel), pr);
  return pr;
}

void
ds_test_pipedream_profiles_clear (void)
{
  g_clear_pointer (&pipedream_profiles, g_hash_table_unref);
}

void
ds_test_run_clear (DsTestRun *run)
{
  g_clear_pointer (&run->out, g_free);
  g_clear_pointer (&run->err, g_free);
}

void
ds_test_run_dawnsim_argv (DsTestRun *run, const char *const *args)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;
  const char *builddir = g_getenv ("DS_BUILDDIR");
  int wait_status = 0;

  g_ptr_array_add (argv, g_build_filename (builddir ? builddir : ".", "cli", "dawnsim", NULL));
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, g_strdup (args[i]));
  g_ptr_array_add (argv, NULL);
  g_spawn_sync (NULL, (char **) argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL,
                &run->out, &run->err, &wait_status, &error);
  g_assert_no_error (error);
  g_assert_true (WIFEXITED (wait_status));
  run->status = WEXITSTATUS (wait_status);
}

void
ds_test_run_dawnsim (DsTestRun *run, const char *first, ...)
{
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  va_list ap;

  va_start (ap, first);
  for (const char *a = first; a != NULL; a = va_arg (ap, const char *))
    g_ptr_array_add (args, (gpointer) a);
  va_end (ap);
  g_ptr_array_add (args, NULL);
  ds_test_run_dawnsim_argv (run, (const char *const *) args->pdata);
}

DsModel *
ds_test_zoo_timed (const char *name)
{
  DsModel *model = ds_zoo_build (name, NULL, NULL);

  g_assert_nonnull (model);
  for (guint i = 0; i < ds_model_n_layers (model); i++)
    {
      DsLayer *l = ds_model_layer (model, i);
      l->has_times = TRUE;
      l->fwd_s = l->fwd_flops * 1e-12 + 1e-6;
      l->bwd_s = 2 * l->fwd_s;
    }
  return model;
}

void
ds_test_exec_set_up (DsTestExec *t, const char *name, guint n_train)
{
  t->model = ds_test_zoo_timed (name);
  t->net = ds_net_new (t->model, NULL);
  g_assert_nonnull (t->net);
  t->train = ds_dataset_synthetic (n_train, 784, 10, 11);
  t->test = ds_dataset_synthetic (100, 784, 10, 12);
  g_assert_true (ds_kernels_init (NULL));
}

void
ds_test_exec_tear_down (DsTestExec *t)
{
  ds_dataset_free (t->train);
  ds_dataset_free (t->test);
  ds_net_free (t->net);
  ds_model_unref (t->model);
}

void
ds_test_exec_fixture_mlp (DsTestExec *t, gconstpointer n_train)
{
  ds_test_exec_set_up (t, "mlp", GPOINTER_TO_UINT (n_train));
}

void
ds_test_exec_fixture_free (DsTestExec *t, gconstpointer unused)
{
  (void) unused;
  ds_test_exec_tear_down (t);
}

float *
ds_test_exec_plain (const DsTestExec *t, const DsExecOptions *o, DsNetWir *wir)
{
  const DsNet *net = t->net;
  guint k = net->n_classes, b = o->minibatch;
  float *params = g_new (float, net->n_params);
  g_autofree float *grads = g_new0 (float, net->n_params);
  g_autofree float *mom = g_new0 (float, net->n_params);
  g_autofree float *x = g_new (float, (gsize) b * net->in_features);
  g_autofree float *dlogits = g_new (float, (gsize) b * k);
  g_autofree guint8 *y = g_new (guint8, b);
  g_autoptr(DsNetTape) tape = ds_net_tape_new (net, 0, net->ops->len, b);

  ds_net_tape_set_wir (tape, wir);
  ds_net_init_params (net, params, o->seed);
  for (guint epoch = 1; epoch <= o->epochs; epoch++)
    {
      g_autofree guint *order = ds_dataset_shuffle (t->train->n, o->seed + epoch);
      for (guint s = 0; s < o->max_steps; s++)
        {
          ds_dataset_gather (t->train, order, s * b, b, x, y);
          ds_net_forward (net, tape, params, x, b, o->seed, (guint64) s * b);
          ds_net_loss (wir, ds_net_tape_output (tape), y, dlogits, b, k, 1.0f / b);
          ds_net_backward (net, tape, params, x, dlogits, grads, NULL);
          ds_net_sgd (wir, params, grads, mom, net->n_params, (float) o->lr,
                      (float) o->momentum, (float) o->weight_decay);
          memset (grads, 0, net->n_params * sizeof (float));
        }
    }
  return params;
}

DsModel *
ds_test_random_chain (guint n_layers, guint32 seed)
{
  g_autoptr(DsModel) m = ds_model_new ("random-chain");
  g_autoptr(GRand) rand = g_rand_new_with_seed (seed);

  for (guint i = 0; i < n_layers; i++)
    {
      g_autofree char *name = g_strdup_printf ("l%u", i);
      DsLayer *l = ds_model_add_layer (m, name, "linear", NULL);
      l->has_times = TRUE;
      l->fwd_s = g_rand_double_range (rand, 1e-4, 1e-3);
      l->bwd_s = 2 * l->fwd_s;
      l->out_bytes = g_rand_int_range (rand, 1000000, 50000000);
      l->param_bytes = g_rand_int_range (rand, 0, 20000000);
      if (i > 0)
        g_assert_true (ds_model_add_edge (m, i - 1, i, NULL));
    }
  return g_steal_pointer (&m);
}

gboolean
ds_test_rel_close (double a, double b, double tol)
{
  return fabs (a - b) <= tol * MAX (fabs (a), fabs (b));
}

DsCluster *
ds_test_flat_cluster (guint n, double bw)
{
  DsCluster *c = ds_cluster_new ("flat");

  ds_cluster_add_level (c, "link", n, bw, 0);
  return c;
}
