/* tests/testutil.h - helpers shared by the GTest programs.
 *
 * Test data lives in two places: tests/data/ in this tree (small fixtures
 * written for a test) and ../shared/data (public reference data; found
 * through DS_SHARED_DATA, which `make check` sets). Tests that need the
 * shared data skip themselves, with the reason, when it is missing.
 */
#pragma once

#include <glib.h>

#include "core/cluster.h"
#include "core/model.h"
#include "exec/dataset.h"
#include "exec/net.h"
#include "exec/runtime.h"
#include "planner/antichain.h"
#include "planner/pipedream-dp.h"

G_BEGIN_DECLS

/* tests/data/<rel>; the file must exist. Free with g_free. */
char    *ds_test_fixture (const char *rel);
/* $DS_SHARED_DATA/<rel>, or NULL after g_test_skip() when absent. */
char    *ds_test_shared  (const char *rel);
/* Reads a file that must exist. */
char    *ds_test_read    (const char *path, gsize *len);
/* A fresh temporary folder, removed with its files by ds_test_rmtree. */
char    *ds_test_tmpdir  (void);
void     ds_test_rmtree  (const char *dir);
/* Every file under @dir (recursively) whose name matches the glob
 * @pattern, sorted by path. */
GPtrArray *ds_test_find_files (const char *dir, const char *pattern);

/* A tab-separated file with a header line: one GStrv per later non-empty
 * line (the fields), the header left out. The file must exist. */
GPtrArray *ds_test_read_tsv (const char *path);

/* The args column of pipedream/expected/cases.tsv (-n, -b, -s and the
 * optimizer's flags, as the original's command line) as planner options;
 * aborts on an argument it does not know. Bandwidths default to 1e9. */
void     ds_test_pipedream_args (const char *args, DsPipedreamOptions *options);

/* $DS_SHARED_DATA/pipedream/<rel>, a graph.txt profile, read and its
 * antichain state DAG built once per process (the data must be there);
 * owned by a cache that ds_test_pipedream_profiles_clear() frees. */
typedef struct {
  DsModel *model;
  DsAntichainDag *dag;
} DsTestProfile;

const DsTestProfile *ds_test_pipedream_profile (const char *rel);
void     ds_test_pipedream_profiles_clear (void);

/* A chain of @n_layers "linear" layers with seeded random measured costs
 * (fwd 0.1-1 ms, bwd twice that, outputs 1-50 MB, weights 0-20 MB): the
 * shape the planner's pruned scan serves. Tests and bench/ share it. */
DsModel *ds_test_random_chain (guint n_layers, guint32 seed);

/* The zoo's model @name (an mlp for the executor's tests) with times from
 * its FLOPs (1 TFLOP/s plus 1 us a layer, backward twice the forward), so
 * that a planner can balance it. */
DsModel *ds_test_zoo_timed (const char *name);

/* What the executor's tests train: ds_test_zoo_timed (@name), its net, a
 * synthetic training set of @n_train samples (seed 11) and a test set of
 * 100 (seed 12), the kernels initialized. */
typedef struct {
  DsModel *model;
  DsNet *net;
  DsDataset *train, *test;
} DsTestExec;

void     ds_test_exec_set_up    (DsTestExec *t, const char *name, guint n_train);
void     ds_test_exec_tear_down (DsTestExec *t);
/* The same as a g_test_add fixture: the mlp, GPOINTER_TO_UINT (@n_train)
 * training samples. */
void     ds_test_exec_fixture_mlp  (DsTestExec *t, gconstpointer n_train);
void     ds_test_exec_fixture_free (DsTestExec *t, gconstpointer unused);

/* The plain loop, as runtime.h says the executor trains and with nothing
 * in between: whole net on one tape; per epoch a shuffle (seed o->seed +
 * epoch), then o->max_steps minibatches of forward, softmax cross-entropy,
 * backward and SGD (o->lr, o->momentum, o->weight_decay), weights from
 * o->seed. With @wir (NULL: the hand kernels) the tape, the loss and the
 * update go through it. Returns the weights (g_free). */
float   *ds_test_exec_plain (const DsTestExec *t, const DsExecOptions *o, DsNetWir *wir);

/* |a - b| <= tol x max(|a|, |b|). */
gboolean ds_test_rel_close (double a, double b, double tol);
/* @n devices on one level ("link") of @bw bytes/s, no latency, device
 * memory unknown. */
DsCluster *ds_test_flat_cluster (guint n, double bw);

/* What a run of the built dawnsim printed and how it exited. */
typedef struct {
  int status;              /* exit status */
  char *out, *err;         /* standard output and error, owned */
} DsTestRun;

void     ds_test_run_clear   (DsTestRun *run);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (DsTestRun, ds_test_run_clear)
/* Runs $DS_BUILDDIR/cli/dawnsim with the NULL-terminated arguments; the
 * program must exit (not die of a signal). */
void     ds_test_run_dawnsim (DsTestRun *run, const char *first, ...)
                              G_GNUC_NULL_TERMINATED;
/* The same with a NULL-terminated array of arguments. */
void     ds_test_run_dawnsim_argv (DsTestRun *run, const char *const *args);

G_END_DECLS
