/* tests/test-exec-mpi.c - `mpirun -np N dawnsim exec`: the MPI transport
 * on this machine (Open MPI, loopback and shared memory).
 *
 * Each job is checked against the same run on threads: both transports
 * run the same programs on the same data with the same seeds, so the
 * epoch's loss and accuracy must agree to the last digit. Then the bad
 * cases: the wrong rank count, and a rank killed mid-run, which must end
 * the job with an error that names the rank rather than hang. Skips when
 * dawnsim was built without MPI or mpirun is missing.
 */
#include "config.h"

#include <gio/gio.h>
#include <signal.h>
#include <string.h>

#include "core/trace-json.h"
#include "tests/testutil.h"

#ifdef DS_MPIRUN
/* mpirun with the environment a test needs: root allowed (CI runs as
 * root), the module from this build tree. */
static GSubprocessLauncher *
launcher (void)
{
  GSubprocessLauncher *l = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE
                                                      | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  const char *builddir = g_getenv ("DS_BUILDDIR");
  g_autofree char *module = g_build_filename (builddir ? builddir : ".", "exec", ".libs",
                                              "dawnsim-mpi.so", NULL);

  g_subprocess_launcher_setenv (l, "OMPI_ALLOW_RUN_AS_ROOT", "1", TRUE);
  g_subprocess_launcher_setenv (l, "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1", TRUE);
  g_subprocess_launcher_setenv (l, "DAWNSIM_MPI_MODULE", module, TRUE);
  /* Open MPI keeps its own allocations to the end; ours are checked by
   * the thread tests, which run the same code */
  g_subprocess_launcher_setenv (l, "ASAN_OPTIONS", "detect_leaks=0", TRUE);
  return l;
}

/* argv for mpirun -np @np dawnsim exec @args... */
static GPtrArray *
mpirun_argv (guint np, const char *const *args)
{
  GPtrArray *argv = g_ptr_array_new_with_free_func (g_free);
  const char *builddir = g_getenv ("DS_BUILDDIR");

  g_ptr_array_add (argv, g_strdup (DS_MPIRUN));
  g_ptr_array_add (argv, g_strdup ("--oversubscribe"));
  g_ptr_array_add (argv, g_strdup ("--bind-to"));
  g_ptr_array_add (argv, g_strdup ("none"));
  g_ptr_array_add (argv, g_strdup ("-np"));
  g_ptr_array_add (argv, g_strdup_printf ("%u", np));
  g_ptr_array_add (argv, g_build_filename (builddir ? builddir : ".", "cli", "dawnsim", NULL));
  g_ptr_array_add (argv, g_strdup ("exec"));
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, g_strdup (args[i]));
  g_ptr_array_add (argv, NULL);
  return argv;
}

static void
run_mpi (DsTestRun *run, guint np, const char *const *args)
{
  g_autoptr(GSubprocessLauncher) l = launcher ();
  g_autoptr(GPtrArray) argv = mpirun_argv (np, args);
  g_autoptr(GSubprocess) p = NULL;
  g_autoptr(GError) error = NULL;

  p = g_subprocess_launcher_spawnv (l, (const char *const *) argv->pdata, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (p, NULL, NULL, &run->out, &run->err, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (p));
  run->status = g_subprocess_get_exit_status (p);
}

/* The losses and accuracies of a --format json run (epochs and
 * evaluations), one string. */
static char *
epochs_of (const char *json)
{
  g_autoptr(GRegex) re = g_regex_new ("\"(train_loss|test_accuracy)\": [^,}]*", 0, 0, NULL);
  g_autoptr(GMatchInfo) m = NULL;
  GString *s = g_string_new (NULL);

  g_regex_match (re, json, 0, &m);
  while (g_match_info_matches (m))
    {
      g_autofree char *w = g_match_info_fetch (m, 0);
      g_string_append_printf (s, "%s\n", w);
      g_match_info_next (m, NULL);
    }
  return g_string_free (s, FALSE);
}

/* @args run on @np ranks and on threads train alike. */
static void
check_same_as_threads (guint np, const char *const *args)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_auto(DsTestRun) mpi = { 0 }, threads = { 0 };

  g_ptr_array_add (argv, (gpointer) "exec");
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);
  g_autofree char *a = NULL, *b = NULL;

  run_mpi (&mpi, np, args);
  if (mpi.status != 0)
    g_printerr ("%s%s", mpi.out, mpi.err);
  g_assert_cmpint (mpi.status, ==, 0);
  ds_test_run_dawnsim_argv (&threads, (const char *const *) argv->pdata);
  g_assert_cmpint (threads.status, ==, 0);
  a = epochs_of (mpi.out);
  b = epochs_of (threads.out);
  g_assert_cmpstr (a, !=, "");
  g_assert_cmpstr (a, ==, b);
}

#define EXEC_ARGS(...) \
  { "mlp", "--data", "synthetic", "--max-steps", "30", "--epochs", "2", "--format", "json", \
    __VA_ARGS__, NULL }

/* The module this build made, or skip. */
static gboolean
have_mpi (void)
{
  const char *builddir = g_getenv ("DS_BUILDDIR");
  g_autofree char *module = g_build_filename (builddir ? builddir : ".", "exec", ".libs",
                                              "dawnsim-mpi.so", NULL);

  if (g_file_test (module, G_FILE_TEST_EXISTS))
    return TRUE;
  g_test_skip ("dawnsim was built without MPI (apt-get install libopenmpi-dev openmpi-bin)");
  return FALSE;
}

static void
test_pipeline (void)
{
  /* with snapshots, which the ranks send rank 0 at the epochs' ends */
  const char *const args[] = EXEC_ARGS ("--stages", "2", "--schedule", "1f1b", "--eval-every",
                                        "10");
  if (have_mpi ())
    check_same_as_threads (2, args);
}

static void
test_replicas (void)
{
  /* 2 stages x 2 replicas: round-robin minibatches and all-reduces among
   * the replicas of each stage (1f1b), or shards of every micro-batch
   * summed (1f1b-flush) */
  const char *const rr[] = EXEC_ARGS ("--stages", "2", "--replicas", "2", "--schedule", "1f1b");
  const char *const flush[] = EXEC_ARGS ("--stages", "2", "--replicas", "2", "--schedule",
                                         "1f1b-flush");
  if (!have_mpi ())
    return;
  check_same_as_threads (4, rr);
  check_same_as_threads (4, flush);
}

static void
test_measured_trace (void)
{
  g_autofree char *dir = ds_test_tmpdir ();
  g_autofree char *measured = g_build_filename (dir, "m.json", NULL);
  const char *const args[] = { "mlp", "--data", "synthetic", "--max-steps", "4", "--stages",
                               "2", "--schedule", "1f1b", "--measured", measured, NULL };
  g_auto(DsTestRun) run = { 0 }, v = { 0 };
  g_autoptr(DsTrace) trace = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  gsize len = 0;

  if (!have_mpi ())
    return;
  run_mpi (&run, 2, args);
  g_assert_cmpint (run.status, ==, 0);
  text = ds_test_read (measured, &len);
  trace = ds_trace_read_json (text, len, measured, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (g_hash_table_lookup (ds_trace_get_attrs (trace), "transport"), ==, "mpi");
  /* both ranks' events reached rank 0: forward, backward and step of 4
   * minibatches on each stage, a send and a receive each */
  g_assert_cmpuint (ds_trace_n_events (trace), ==, 4 * 3 * 2 + 4 * 4);
  ds_test_run_dawnsim (&v, "validate", "mlp", "--stages", "2", "--measured", measured,
                       "--repeats", "1", "--format", "json", NULL);
  g_assert_cmpint (v.status, ==, 0);
  g_assert_nonnull (strstr (v.out, "\"iteration_error\""));
  ds_test_rmtree (dir);
}

static void
test_wrong_rank_count (void)
{
  const char *const args[] = { "mlp", "--data", "synthetic", "--max-steps", "2", "--stages",
                               "2", "--schedule", "1f1b", NULL };
  g_auto(DsTestRun) run = { 0 };

  if (!have_mpi ())
    return;
  run_mpi (&run, 3, args);
  g_assert_cmpint (run.status, !=, 0);
  g_assert_nonnull (strstr (run.err, "runs on 2 ranks (mpirun -np 2), not 3"));
}

/* The pid of rank @rank among @parent's children, or 0. */
static GPid
find_rank (GPid parent, guint rank)
{
  g_autoptr(GDir) proc = g_dir_open ("/proc", 0, NULL);
  g_autofree char *want = g_strdup_printf ("OMPI_COMM_WORLD_RANK=%u", rank);
  const char *name;

  while (proc != NULL && (name = g_dir_read_name (proc)) != NULL)
    {
      g_autofree char *stat_path = g_build_filename ("/proc", name, "stat", NULL);
      g_autofree char *env_path = g_build_filename ("/proc", name, "environ", NULL);
      g_autofree char *stat = NULL, *env = NULL;
      gsize len = 0;
      const char *close_paren;
      int ppid = 0;

      if (!g_ascii_isdigit (name[0]) || !g_file_get_contents (stat_path, &stat, NULL, NULL)
          || (close_paren = strrchr (stat, ')')) == NULL
          || sscanf (close_paren + 2, "%*c %d", &ppid) != 1 || ppid != parent
          || !g_file_get_contents (env_path, &env, &len, NULL))
        continue;
      for (gsize at = 0; at < len; at += strlen (env + at) + 1)
        if (strcmp (env + at, want) == 0)
          return (GPid) atoi (name);
    }
  return 0;
}

static gboolean
on_timeout (gpointer loop)
{
  g_main_loop_quit (loop);
  return G_SOURCE_REMOVE;
}

static void
on_job_end (GObject *p, GAsyncResult *res, gpointer loop)
{
  g_subprocess_wait_finish (G_SUBPROCESS (p), res, NULL);
  g_main_loop_quit (loop);
}

static void
test_killed_rank (void)
{
  /* long enough that the kill lands mid-run */
  const char *const args[] = { "mlp", "--data", "synthetic", "--epochs", "50", "--stages",
                               "2", "--schedule", "1f1b", NULL };
  g_autoptr(GSubprocessLauncher) l = launcher ();
  g_autoptr(GPtrArray) argv = mpirun_argv (2, args);
  g_autoptr(GSubprocess) p = NULL;
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL, *err = NULL;
  GPid rank1 = 0;
  guint timeout;

  if (!have_mpi ())
    return;
  p = g_subprocess_launcher_spawnv (l, (const char *const *) argv->pdata, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < 600 && rank1 == 0; i++)
    {
      g_usleep (50000);
      rank1 = find_rank (atoi (g_subprocess_get_identifier (p)), 1);
    }
  g_assert_cmpint (rank1, >, 0);
  g_usleep (500000);             /* into the training */
  g_assert_cmpint (kill (rank1, SIGKILL), ==, 0);

  /* the job must end by itself, well before its 50 epochs */
  timeout = g_timeout_add_seconds (60, on_timeout, loop);
  g_subprocess_wait_async (p, NULL, on_job_end, loop);
  g_main_loop_run (loop);
  g_assert_true (g_subprocess_get_if_exited (p) || g_subprocess_get_if_signaled (p));
  g_source_remove (timeout);
  g_subprocess_communicate_utf8 (p, NULL, NULL, &out, &err, &error);
  g_assert_no_error (error);
  g_assert_false (g_subprocess_get_successful (p));
  /* Open MPI names the rank that died and how */
  g_assert_nonnull (strstr (err, "rank 1"));
  g_assert_nonnull (strstr (err, "signal 9"));
}

#else
static void
test_no_mpirun (void)
{
  g_test_skip ("no mpirun at configure time (apt-get install openmpi-bin)");
}
#endif

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
#ifdef DS_MPIRUN
  g_test_add_func ("/exec/mpi/pipeline", test_pipeline);
  g_test_add_func ("/exec/mpi/replicas", test_replicas);
  g_test_add_func ("/exec/mpi/measured-trace", test_measured_trace);
  g_test_add_func ("/exec/mpi/wrong-rank-count", test_wrong_rank_count);
  g_test_add_func ("/exec/mpi/killed-rank", test_killed_rank);
#else
  g_test_add_func ("/exec/mpi/skipped", test_no_mpirun);
#endif
  return g_test_run ();
}
