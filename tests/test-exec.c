/* tests/test-exec.c - the executor trains what a plain loop trains.
 *
 * The reference is a sequential loop written here over the same net and
 * kernels: one stage must match it bit for bit; GPipe's micro-batches,
 * more stages and data-parallel shards must match it to float rounding
 * (the sums are the same, in another order); 1F1B must run every
 * backward on the weights its forward used while newer ones exist; and
 * the bad inputs a user meets are errors. On a synthetic task, so no
 * package is needed; the Fashion-MNIST run is docs/exec.md's. */
#include "config.h"

#include <math.h>
#include <string.h>

#include "core/error.h"
#include "core/zoo.h"
#include "exec/kernels.h"
#include "exec/net.h"
#include "exec/runtime.h"
#include "planner/split.h"
#include "tests/testutil.h"

#define MINIBATCH 32
#define STEPS 6
#define EPOCHS 2

typedef DsTestExec Fixture;

static DsExecResult *
run (const Fixture *f, const DsPlan *plan, const DsExecOptions *o)
{
  g_autoptr(GError) error = NULL;
  DsExecResult *r = ds_exec_run (plan, f->model, f->train, f->test, o, &error);

  g_assert_no_error (error);
  g_assert_nonnull (r);
  g_assert_cmpuint (r->epochs->len, ==, o->epochs);
  return r;
}

static void
options (DsExecOptions *o, const DsPlan *plan, DsSchedule schedule, guint m)
{
  ds_exec_options_init (o, plan);
  o->schedule = schedule;
  o->n_microbatches = m;
  o->minibatch = MINIBATCH;
  o->epochs = EPOCHS;
  o->max_steps = STEPS;
  o->pin_threads = FALSE;
}

static double
max_rel_diff (const float *a, const float *b, gsize n)
{
  double worst = 0;

  for (gsize i = 0; i < n; i++)
    worst = MAX (worst, fabs ((double) a[i] - b[i]) / MAX (1e-3, fabs ((double) b[i])));
  return worst;
}

static void
test_one_stage_bit_exact (Fixture *f, gconstpointer unused)
{
  g_autoptr(DsPlan) plan = ds_plan_split_balanced (f->model, 1, 1, NULL);
  g_autoptr(DsExecResult) r = NULL;
  g_autofree float *want = NULL;
  DsExecOptions o;

  (void) unused;
  options (&o, plan, DS_SCHEDULE_GPIPE, 1);
  o.record_trace = TRUE;
  r = run (f, plan, &o);
  want = ds_test_exec_plain (f, &o, NULL);
  g_assert_cmpuint (r->n_params, ==, f->net->n_params);
  g_assert_cmpmem (r->params, r->n_params * sizeof (float), want, r->n_params * sizeof (float));
  /* the trace has a forward, backward and step per minibatch */
  g_assert_cmpuint (ds_trace_n_events (r->trace), ==, 3 * STEPS * EPOCHS);
  g_assert_true (ds_trace_check (r->trace, NULL));
  g_assert_cmpfloat (g_array_index (r->epochs, DsExecEpoch, 1).train_loss, <,
                     g_array_index (r->epochs, DsExecEpoch, 0).train_loss);
}

/* GPipe over 3 stages and 4 micro-batches, and 2-way data parallelism:
 * the same gradient summed in another order. */
static void
test_split_matches_sequential (Fixture *f, gconstpointer unused)
{
  g_autoptr(DsPlan) three = ds_plan_split_balanced (f->model, 3, 1, NULL);
  g_autoptr(DsPlan) dp = ds_plan_split_balanced (f->model, 1, 2, NULL);
  g_autoptr(DsPlan) flush = ds_plan_split_balanced (f->model, 2, 2, NULL);
  g_autofree float *want = NULL;
  DsExecOptions o;

  (void) unused;
  options (&o, three, DS_SCHEDULE_GPIPE, 4);
  want = ds_test_exec_plain (f, &o, NULL);
  {
    g_autoptr(DsExecResult) r = run (f, three, &o);
    g_assert_cmpfloat (max_rel_diff (r->params, want, r->n_params), <, 1e-4);
  }
  o.schedule = DS_SCHEDULE_DP;
  o.n_microbatches = 2;
  {
    g_autoptr(DsExecResult) r = run (f, dp, &o);
    g_assert_cmpfloat (max_rel_diff (r->params, want, r->n_params), <, 1e-4);
  }
  o.schedule = DS_SCHEDULE_1F1B_FLUSH;
  o.n_microbatches = 4;
  {
    g_autoptr(DsExecResult) r = run (f, flush, &o);
    g_assert_cmpfloat (max_rel_diff (r->params, want, r->n_params), <, 1e-4);
  }
}

/* PipeDream 1F1B over 3 stages: stage 0 keeps 2 minibatches in flight, so
 * steps fall between a forward and its backward; each backward must use
 * the forward's weights all the same. */
static void
test_1f1b_weight_stashing (Fixture *f, gconstpointer unused)
{
  g_autoptr(DsPlan) plan = ds_plan_split_balanced (f->model, 3, 1, NULL);
  g_autoptr(DsExecResult) r = NULL;
  g_autofree float *want = NULL;
  guint stale = 0;
  DsExecOptions o;

  (void) unused;
  options (&o, plan, DS_SCHEDULE_1F1B, 1);
  o.record_versions = TRUE;
  r = run (f, plan, &o);
  g_assert_cmpuint (r->versions->len, ==, 3 * STEPS * EPOCHS);
  for (guint i = 0; i < r->versions->len; i++)
    {
      const DsExecVersionUse *u = &g_array_index (r->versions, DsExecVersionUse, i);
      g_assert_cmpuint (u->forward_version, ==, u->backward_version);
      stale += u->current_version > u->backward_version;
    }
  g_assert_cmpuint (stale, >, 0);
  /* not the sequential result: the gradients are of older weights */
  want = ds_test_exec_plain (f, &o, NULL);
  g_assert_cmpfloat (max_rel_diff (r->params, want, r->n_params), >, 1e-6);
  g_assert_cmpfloat (g_array_index (r->epochs, DsExecEpoch, 1).train_loss, <,
                     g_array_index (r->epochs, DsExecEpoch, 0).train_loss);
}

/* PipeDream's 1F1B over 2 stages written out as a plain loop: the last
 * stage steps after each minibatch's backward; stage 0 runs minibatch s's
 * forward before the step of minibatch s - 1 (one forward in flight), on
 * the weights after s - 1 of the epoch's steps, and its backward on those
 * same stashed weights. Ops [0, @cut) are stage 0. */
static float *
reference_1f1b (const Fixture *f, const DsExecOptions *o, guint cut)
{
  const DsNet *net = f->net;
  guint n_ops = net->ops->len, k = net->n_classes, b = o->minibatch;
  gsize n0 = ds_net_range_params (net, 0, cut), off1 = ds_net_range_offset (net, cut);
  gsize n1 = net->n_params - off1, h_len = (gsize) b * ds_net_op_out_size (net, cut - 1);
  float *params = g_new (float, net->n_params);
  g_autofree float *grads = g_new0 (float, net->n_params);
  g_autofree float *mom = g_new0 (float, net->n_params);
  g_autofree float *dlogits = g_new (float, (gsize) b * k);
  g_autofree guint8 *y = g_new (guint8, b);
  g_autoptr(DsNetTape) tape1 = ds_net_tape_new (net, cut, n_ops, b);
  DsNetTape *tape0[2] = { ds_net_tape_new (net, 0, cut, b), ds_net_tape_new (net, 0, cut, b) };
  float *x[2], *h[2], *dh[2], *stash[2];

  for (guint i = 0; i < 2; i++)
    {
      x[i] = g_new (float, (gsize) b * net->in_features);
      h[i] = g_new (float, h_len);
      dh[i] = g_new (float, h_len);
      stash[i] = g_new (float, n0);
    }
  ds_net_init_params (net, params, o->seed);
  for (guint epoch = 1; epoch <= o->epochs; epoch++)
    {
      g_autofree guint *order = ds_dataset_shuffle (f->train->n, o->seed + epoch);
      for (guint s = 0; s <= o->max_steps; s++)
        {
          guint cur = s % 2, prev = (s + 1) % 2;
          if (s < o->max_steps)
            {
              /* stage 0's forward of s, stashing its weights */
              memcpy (stash[cur], params, n0 * sizeof (float));
              ds_dataset_gather (f->train, order, s * b, b, x[cur], y);
              ds_net_forward (net, tape0[cur], stash[cur], x[cur], b, o->seed, (guint64) s * b);
              memcpy (h[cur], ds_net_tape_output (tape0[cur]), h_len * sizeof (float));
            }
          if (s > 0)
            {
              /* stage 0's backward of s - 1, then its step */
              ds_net_backward (net, tape0[prev], stash[prev], x[prev], dh[prev], grads, NULL);
              ds_k_sgd (params, grads, mom, n0, (float) o->lr, (float) o->momentum,
                        (float) o->weight_decay);
              memset (grads, 0, n0 * sizeof (float));
            }
          if (s == o->max_steps)
            break;
          /* the last stage: forward, loss, backward, step */
          ds_net_forward (net, tape1, params + off1, h[cur], b, o->seed, (guint64) s * b);
          ds_k_softmax_xent_fwd (ds_net_tape_output (tape1), y, dlogits, b, k);
          ds_k_softmax_xent_bwd (dlogits, y, dlogits, b, k, 1.0f / b);
          ds_net_backward (net, tape1, params + off1, h[cur], dlogits, grads + off1, dh[cur]);
          ds_k_sgd (params + off1, grads + off1, mom + off1, n1, (float) o->lr,
                    (float) o->momentum, (float) o->weight_decay);
          memset (grads + off1, 0, n1 * sizeof (float));
        }
    }
  for (guint i = 0; i < 2; i++)
    {
      ds_net_tape_free (tape0[i]);
      g_free (x[i]);
      g_free (h[i]);
      g_free (dh[i]);
      g_free (stash[i]);
    }
  return params;
}

/* The executor's 1F1B is exactly that loop, bit for bit. Stage 0 ends
 * after fc2 and its ReLU, so its backward needs its weights (through fc2)
 * and stashing shows: the loop with the newest weights there differs. */
static void
test_1f1b_matches_pipedream (Fixture *f, gconstpointer unused)
{
  g_autoptr(DsPlan) plan = ds_plan_new ();
  guint n_layers = ds_model_n_layers (f->model), cut_layer = n_layers - 1;
  g_autoptr(DsExecResult) r = NULL;
  g_autofree float *want = NULL;
  DsExecOptions o;
  gint cut;

  (void) unused;
  for (guint g = 0; g < 2; g++)
    {
      DsPlanStage *st = ds_plan_add_stage (plan);
      for (guint l = g == 0 ? 0 : cut_layer; l < (g == 0 ? cut_layer : n_layers); l++)
        g_array_append_val (st->layers, l);
    }
  cut = ds_net_op_of_layer (f->net, cut_layer);
  g_assert_cmpint (cut, >, 2);
  options (&o, plan, DS_SCHEDULE_1F1B, 1);
  r = run (f, plan, &o);
  want = reference_1f1b (f, &o, (guint) cut);
  g_assert_cmpmem (r->params, r->n_params * sizeof (float), want, r->n_params * sizeof (float));
}

/* Replicas under 1F1B take minibatches round-robin and average. */
static void
test_1f1b_replicas (Fixture *f, gconstpointer unused)
{
  g_autoptr(DsPlan) plan = ds_plan_split_balanced (f->model, 2, 1, NULL);
  g_autoptr(DsExecResult) r = NULL;
  DsExecOptions o;

  (void) unused;
  ds_plan_stage (plan, 0)->n_replicas = 2;
  options (&o, plan, DS_SCHEDULE_1F1B, 1);
  o.record_versions = TRUE;
  r = run (f, plan, &o);
  g_assert_cmpuint (r->versions->len, ==, 2 * STEPS * EPOCHS);
  for (guint i = 0; i < r->n_params; i++)
    g_assert_true (isfinite (r->params[i]));
}

/* --eval-every's snapshots are the weights after that many steps: the
 * accuracy measured after 3 of 6 steps equals that of a run of 3 steps,
 * under one stage and under 1F1B (whose stages step at different times,
 * with a forward of the next minibatch in flight). */
static void
test_eval_snapshots (Fixture *f, gconstpointer unused)
{
  g_autoptr(DsDataset) test = ds_dataset_synthetic (2000, 784, 10, 12);

  (void) unused;
  for (guint stages = 1; stages <= 3; stages += 2)
    {
      g_autoptr(DsPlan) plan = ds_plan_split_balanced (f->model, stages, 1, NULL);
      g_autoptr(DsExecResult) r = NULL, half = NULL;
      const DsExecEval *e;
      DsExecOptions o;

      options (&o, plan, stages == 1 ? DS_SCHEDULE_1F1B_FLUSH : DS_SCHEDULE_1F1B, 1);
      o.epochs = 1;
      o.eval_every = STEPS / 2;
      r = ds_exec_run (plan, f->model, f->train, test, &o, NULL);
      g_assert_nonnull (r);
      g_assert_cmpuint (r->evals->len, ==, 2);
      e = &g_array_index (r->evals, DsExecEval, 0);
      g_assert_cmpfloat (e->epochs, ==, 0.5);
      g_assert_cmpfloat (e->seconds, <=, g_array_index (r->evals, DsExecEval, 1).seconds);
      g_assert_cmpfloat (g_array_index (r->evals, DsExecEval, 1).test_accuracy, ==,
                         g_array_index (r->epochs, DsExecEpoch, 0).test_accuracy);
      o.eval_every = 0;
      o.max_steps = STEPS / 2;
      half = ds_exec_run (plan, f->model, f->train, test, &o, NULL);
      g_assert_nonnull (half);
      g_assert_cmpfloat (e->test_accuracy, ==,
                         g_array_index (half->epochs, DsExecEpoch, 0).test_accuracy);
      g_assert_cmpfloat (e->test_accuracy, !=,
                         g_array_index (r->epochs, DsExecEpoch, 0).test_accuracy);
    }
}

static void
expect (const Fixture *f, const DsPlan *plan, const DsModel *model, const DsExecOptions *o,
        gint code, const char *fragment)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DsExecResult) r = ds_exec_run (plan, model, f->train, f->test, o, &error);

  g_assert_null (r);
  g_assert_error (error, DS_ERROR, code);
  if (strstr (error->message, fragment) == NULL)
    g_error ("'%s' lacks '%s'", error->message, fragment);
}

static void
test_errors (Fixture *f, gconstpointer unused)
{
  g_autoptr(DsPlan) plan = ds_plan_split_balanced (f->model, 2, 1, NULL);
  g_autoptr(DsPlan) uneven = ds_plan_split_balanced (f->model, 2, 1, NULL);
  g_autoptr(DsModel) wide = ds_zoo_build ("mlp-wide", NULL, NULL);
  g_autoptr(DsModel) vgg = ds_zoo_build ("vgg16", NULL, NULL);
  g_autoptr(DsDataset) small = ds_dataset_synthetic (50, 100, 10, 1);
  g_autoptr(GError) error = NULL;
  DsExecOptions o;

  (void) unused;
  options (&o, plan, DS_SCHEDULE_GPIPE, 4);
  /* a plan made for another model */
  expect (f, plan, wide, &o, DS_ERROR_INVALID, "is in no stage");
  o.schedule = DS_SCHEDULE_2BW;
  expect (f, plan, f->model, &o, DS_ERROR_UNSUPPORTED, "'2bw' is simulated only");
  o.schedule = DS_SCHEDULE_GPIPE;
  o.minibatch = 30;
  expect (f, plan, f->model, &o, DS_ERROR_INVALID, "does not split into 4 micro-batches");
  o.minibatch = MINIBATCH;
  ds_plan_stage (uneven, 0)->n_replicas = 2;
  expect (f, uneven, f->model, &o, DS_ERROR_INVALID, "every stage needs the same replica");
  g_assert_null (ds_exec_run (plan, f->model, small, f->test, &o, &error));
  g_assert_nonnull (strstr (error->message, "the data has 100 features"));
  g_clear_error (&error);
  /* a model the executor does not run */
  g_assert_null (ds_net_new (vgg, &error));
  g_assert_error (error, DS_ERROR, DS_ERROR_UNSUPPORTED);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
#define ADD(path, fn) g_test_add ("/exec/runtime/" path, Fixture,                    \
                                  GUINT_TO_POINTER (MINIBATCH * STEPS + 7),            \
                                  ds_test_exec_fixture_mlp, fn, ds_test_exec_fixture_free)
  ADD ("one-stage-bit-exact", test_one_stage_bit_exact);
  ADD ("split-matches-sequential", test_split_matches_sequential);
  ADD ("1f1b-weight-stashing", test_1f1b_weight_stashing);
  ADD ("1f1b-matches-pipedream", test_1f1b_matches_pipedream);
  ADD ("1f1b-replicas", test_1f1b_replicas);
  ADD ("eval-snapshots", test_eval_snapshots);
  ADD ("errors", test_errors);
#undef ADD
  return g_test_run ();
}
