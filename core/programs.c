/* core/programs.c - the per-worker programs of each pipeline schedule.
 *
 * One builder per schedule; each appends ops to the workers' programs in
 * the order the real runtime issues them (reference pipedream.md 8.2 for
 * PipeDream, 10 for the later schedules; Megatron-LM's
 * forward_backward_pipelining_with_interleaving for interleaved). The
 * shared piece is one_f_one_b(): W forwards, then forward/backward pairs
 * with backwards in the order of their forwards, then the last W
 * backwards.
 */
#include "config.h"

#include "core/programs.h"
#include "core/error.h"

typedef struct {
  guint stage, microbatch;
} Item;

static void
emit (DsPrograms *p, guint w, DsOpKind kind, guint stage, guint mb)
{
  DsOp op = { .kind = kind, .n_parts = 1, .stage = stage, .microbatch = mb };

  g_array_append_val (p->programs[w], op);
}

/* What follows each backward: nothing, or (under 2bw and 1f1b) the
 * all-reduce and the step that end a minibatch. */
typedef void (*AfterBackwardFn) (DsPrograms *p, guint w, Item b, gpointer data);

static void
one_f_one_b (DsPrograms *p, guint w, const Item *fwd, guint n, guint warmup,
             AfterBackwardFn after, gpointer data)
{
  guint nb = 0;

  warmup = MIN (warmup, n);
  for (guint i = 0; i < warmup; i++)
    emit (p, w, DS_OP_FORWARD, fwd[i].stage, fwd[i].microbatch);
  for (guint i = warmup; i < n; i++)
    {
      emit (p, w, DS_OP_FORWARD, fwd[i].stage, fwd[i].microbatch);
      emit (p, w, DS_OP_BACKWARD, fwd[nb].stage, fwd[nb].microbatch);
      if (after != NULL)
        after (p, w, fwd[nb], data);
      nb++;
    }
  for (; nb < n; nb++)
    {
      emit (p, w, DS_OP_BACKWARD, fwd[nb].stage, fwd[nb].microbatch);
      if (after != NULL)
        after (p, w, fwd[nb], data);
    }
}

/* The end of a flushing iteration on worker @w: an all-reduce per stage
 * the worker runs whose replicas need one, then the step. */
static void
end_iteration (DsPrograms *p, const DsPlan *plan, guint w, guint last_mb)
{
  for (guint g = w; g < p->n_stages; g += p->n_workers)
    if (ds_plan_stage_const (plan, g)->n_replicas > 1)
      emit (p, w, DS_OP_ALLREDUCE, g, last_mb);
  emit (p, w, DS_OP_OPTIMIZER, w, last_mb);
}

/* ---- the synchronous schedules: one worker per pipeline position ---- */

static void
build_gpipe (DsPrograms *p, const DsPlan *plan)
{
  guint m = p->per_iteration;

  for (guint w = 0; w < p->n_workers; w++)
    for (guint k = 0; k < p->n_iterations; k++)
      {
        for (guint i = 0; i < m; i++)
          emit (p, w, DS_OP_FORWARD, w, k * m + i);
        for (guint i = m; i-- > 0;)
          emit (p, w, DS_OP_BACKWARD, w, k * m + i);
        end_iteration (p, plan, w, k * m + m - 1);
      }
}

/* PipeDream-Flush: warm-up min(p - s - 1, m) at stage s, then 1F1B. */
static void
build_1f1b_flush (DsPrograms *p, const DsPlan *plan)
{
  guint m = p->per_iteration;
  g_autofree Item *fwd = g_new (Item, m);

  for (guint w = 0; w < p->n_workers; w++)
    for (guint k = 0; k < p->n_iterations; k++)
      {
        for (guint i = 0; i < m; i++)
          fwd[i] = (Item) { w, k * m + i };
        p->warmup[w] = MIN (p->n_workers - w - 1, m);
        one_f_one_b (p, w, fwd, m, p->warmup[w], NULL, NULL);
        end_iteration (p, plan, w, k * m + m - 1);
      }
}

/* 2BW: one 1F1B stream over every micro-batch, no flush; the gradients of
 * a minibatch are all-reduced and applied after its last backward, while
 * the pipeline goes on with the other weight buffer. */
static void
after_2bw (DsPrograms *p, guint w, Item b, gpointer data)
{
  const DsPlan *plan = data;

  if ((b.microbatch + 1) % p->per_iteration == 0)
    end_iteration (p, plan, w, b.microbatch);
}

static void
build_2bw (DsPrograms *p, const DsPlan *plan)
{
  guint n = p->n_microbatches;
  g_autofree Item *fwd = g_new (Item, n);

  for (guint w = 0; w < p->n_workers; w++)
    {
      for (guint i = 0; i < n; i++)
        fwd[i] = (Item) { w, i };
      p->warmup[w] = p->n_workers - w - 1;
      one_f_one_b (p, w, fwd, n, p->warmup[w], after_2bw, (gpointer) plan);
    }
}

/* Megatron's interleaved 1F1B: worker d runs stages d, d + p, ...; the
 * k-th forward of an iteration is chunk (k / p) mod v on micro-batch
 * (k / pv) p + k mod p, backwards walk the chunks in reverse. */
static Item
interleaved_item (guint k, guint p, guint v, guint d, gboolean forward, guint base)
{
  guint chunk = (k / p) % v;

  if (!forward)
    chunk = v - 1 - chunk;
  return (Item) { chunk * p + d, base + (k / (p * v)) * p + k % p };
}

static void
build_interleaved (DsPrograms *p, const DsPlan *plan, guint v)
{
  guint np = p->n_workers, m = p->per_iteration, total = m * v;

  for (guint d = 0; d < np; d++)
    {
      guint warmup = m == np ? total : MIN ((np - d - 1) * 2 + (v - 1) * np, total);
      p->warmup[d] = warmup;
      for (guint k = 0; k < p->n_iterations; k++)
        {
          guint base = k * m;
          for (guint i = 0; i < warmup; i++)
            {
              Item f = interleaved_item (i, np, v, d, TRUE, base);
              emit (p, d, DS_OP_FORWARD, f.stage, f.microbatch);
            }
          for (guint i = 0; i < total - warmup; i++)
            {
              Item f = interleaved_item (warmup + i, np, v, d, TRUE, base);
              Item b = interleaved_item (i, np, v, d, FALSE, base);
              emit (p, d, DS_OP_FORWARD, f.stage, f.microbatch);
              emit (p, d, DS_OP_BACKWARD, b.stage, b.microbatch);
            }
          for (guint i = total - warmup; i < total; i++)
            {
              Item b = interleaved_item (i, np, v, d, FALSE, base);
              emit (p, d, DS_OP_BACKWARD, b.stage, b.microbatch);
            }
          end_iteration (p, plan, d, base + m - 1);
        }
    }
}

/* Data parallelism with gradient accumulation: the replicas all-reduce
 * only after the last micro-batch, whose backward is split into buckets
 * so each bucket's all-reduce overlaps the rest of the backward (DDP). */
static void
build_dp (DsPrograms *p, const DsPlan *plan, guint n_buckets)
{
  guint m = p->per_iteration;
  gboolean replicated = ds_plan_stage_const (plan, 0)->n_replicas > 1;

  n_buckets = replicated ? CLAMP (n_buckets, 1, G_MAXUINT8) : 1;
  for (guint k = 0; k < p->n_iterations; k++)
    {
      guint last = k * m + m - 1;
      for (guint i = k * m; i < last; i++)
        {
          emit (p, 0, DS_OP_FORWARD, 0, i);
          emit (p, 0, DS_OP_BACKWARD, 0, i);
        }
      emit (p, 0, DS_OP_FORWARD, 0, last);
      for (guint b = 0; b < n_buckets; b++)
        {
          DsOp op = { DS_OP_BACKWARD, b, n_buckets, 0, last, 0 };
          g_array_append_val (p->programs[0], op);
          if (replicated)
            {
              op.kind = DS_OP_ALLREDUCE;
              g_array_append_val (p->programs[0], op);
            }
        }
      emit (p, 0, DS_OP_OPTIMIZER, 0, last);
    }
}

/* ---- PipeDream: every replica its own worker ---- */

typedef struct {
  const DsPlan *plan;
  guint *n_allreduces;       /* per worker, so far */
} AfterPipedream;

/* Each backward ends a minibatch: the replicas of a stage all-reduce in
 * lockstep (DDP), then each steps. */
static void
after_pipedream (DsPrograms *p, guint w, Item b, gpointer data)
{
  AfterPipedream *a = data;

  if (ds_plan_stage_const (a->plan, b.stage)->n_replicas > 1)
    {
      DsOp op = { DS_OP_ALLREDUCE, 0, 1, b.stage, b.microbatch, a->n_allreduces[w]++ };
      g_array_append_val (p->programs[w], op);
    }
  emit (p, w, DS_OP_OPTIMIZER, b.stage, b.microbatch);
}

/* Round-robin routing (reference 8.4): minibatch i starts on replica
 * i mod r_0; replica q of stage s sends its f-th forward to replica
 * (f + q) mod r_{s+1}. Replicas take arrivals in minibatch order. */
static gboolean
build_pipedream (DsPrograms *p, const DsPlan *plan, GError **error)
{
  guint n = p->n_microbatches, first = 0;
  g_autofree guint *count = g_new0 (guint, p->n_workers);
  g_autofree guint *index = g_new (guint, n);   /* f of each minibatch at its replica */
  g_autofree Item *fwd = g_new (Item, n);
  AfterPipedream after = { plan, g_new0 (guint, p->n_workers) };

  for (guint s = 0; s < p->n_stages; s++)
    {
      guint r = ds_plan_stage_const (plan, s)->n_replicas;
      for (guint q = 0; q < r; q++)
        {
          p->worker_stage[first + q] = s;
          p->worker_replica[first + q] = q;
        }
      for (guint i = 0; i < n; i++)
        {
          guint q = s == 0 ? i % r
                    : (index[i] + p->worker_replica[ds_programs_route (p, s - 1, i)]) % r;
          p->route[(gsize) s * n + i] = first + q;
          index[i] = count[first + q]++;
        }
      for (guint q = 0; q < r; q++)
        {
          guint w = first + q, len = 0;
          if (count[w] == 0)
            {
              g_free (after.n_allreduces);
              return ds_fail (error, DS_ERROR_INVALID,
                              "1f1b: replica %u of stage %u gets no minibatch of %u; "
                              "simulate more iterations", q, s, n);
            }
          for (guint i = 0; i < n; i++)
            if (ds_programs_route (p, s, i) == w)
              fwd[len++] = (Item) { s, i };
          p->warmup[w] = ds_plan_warmup_depth (plan, s);
          one_f_one_b (p, w, fwd, len, p->warmup[w], after_pipedream, &after);
        }
      first += r;
    }
  g_free (after.n_allreduces);
  return TRUE;
}

/* ---- API ---- */

void
ds_programs_free (DsPrograms *p)
{
  if (p == NULL)
    return;
  for (guint w = 0; w < p->n_workers && p->programs != NULL; w++)
    g_array_unref (p->programs[w]);
  g_free (p->programs);
  g_free (p->worker_stage);
  g_free (p->worker_replica);
  g_free (p->route);
  g_free (p->warmup);
  g_free (p);
}

static gboolean
check_spec (const DsPlan *plan, const DsProgramsSpec *spec, guint *n_workers,
            GError **error)
{
  guint n_stages = ds_plan_n_stages (plan);
  const char *name = ds_schedule_name (spec->schedule);

  if (spec->n_iterations < 1 || spec->n_microbatches < 1)
    return ds_fail (error, DS_ERROR_INVALID, "%s: iterations and micro-batches must be >= 1",
                    name);
  *n_workers = n_stages;
  switch (spec->schedule)
    {
    case DS_SCHEDULE_DP:
      if (n_stages != 1)
        return ds_fail (error, DS_ERROR_INVALID, "schedule 'dp' runs one stage, the plan "
                        "has %u; choose a pipeline schedule (1f1b, gpipe, ...)", n_stages);
      break;
    case DS_SCHEDULE_INTERLEAVED:
      if (spec->chunks < 1 || n_stages % spec->chunks != 0)
        return ds_fail (error, DS_ERROR_INVALID, "interleaved: the plan's %u stages are not "
                        "a multiple of %u chunks per device", n_stages, spec->chunks);
      *n_workers = n_stages / spec->chunks;
      if (spec->n_microbatches % *n_workers != 0)
        return ds_fail (error, DS_ERROR_INVALID, "interleaved: %u micro-batches are not a "
                        "multiple of the %u pipeline devices (Megatron's rule)",
                        spec->n_microbatches, *n_workers);
      break;
    case DS_SCHEDULE_1F1B:
      *n_workers = ds_plan_n_replicas (plan);
      break;
    default:
      break;
    }
  return TRUE;
}

DsPrograms *
ds_programs_new (const DsPlan *plan, const DsProgramsSpec *spec, GError **error)
{
  g_autoptr(DsPrograms) p = g_new0 (DsPrograms, 1);
  guint n_workers = 0;

  if (!check_spec (plan, spec, &n_workers, error))
    return NULL;
  p->schedule = spec->schedule;
  p->n_stages = ds_plan_n_stages (plan);
  p->n_workers = n_workers;
  p->per_iteration = ds_schedule_is_synchronous (spec->schedule) ? spec->n_microbatches : 1;
  p->n_iterations = spec->n_iterations;
  p->n_microbatches = p->per_iteration * p->n_iterations;
  p->programs = g_new (GArray *, n_workers);
  for (guint w = 0; w < n_workers; w++)
    p->programs[w] = g_array_new (FALSE, FALSE, sizeof (DsOp));
  p->worker_stage = g_new0 (guint, n_workers);
  p->worker_replica = g_new0 (guint, n_workers);
  p->warmup = g_new0 (guint, n_workers);
  p->route = g_new (guint, (gsize) p->n_stages * p->n_microbatches);
  if (ds_schedule_is_synchronous (spec->schedule))
    {
      for (guint g = 0; g < p->n_stages; g++)
        for (guint i = 0; i < p->n_microbatches; i++)
          p->route[(gsize) g * p->n_microbatches + i] = g % n_workers;
      for (guint w = 0; w < n_workers; w++)
        p->worker_stage[w] = w;
    }
  switch (spec->schedule)
    {
    case DS_SCHEDULE_DP:
      build_dp (p, plan, MAX (spec->n_buckets, 1));
      break;
    case DS_SCHEDULE_GPIPE:
      build_gpipe (p, plan);
      break;
    case DS_SCHEDULE_1F1B_FLUSH:
      build_1f1b_flush (p, plan);
      break;
    case DS_SCHEDULE_2BW:
      build_2bw (p, plan);
      break;
    case DS_SCHEDULE_INTERLEAVED:
      build_interleaved (p, plan, spec->chunks);
      break;
    case DS_SCHEDULE_1F1B:
      if (!build_pipedream (p, plan, error))
        return NULL;
      break;
    default:
      g_assert_not_reached ();
    }
  return g_steal_pointer (&p);
}
