/* planner/pipedream-dp.c - PipeDream's hierarchical DP, bug-compatible.
 *
 * One level is a table T[i][j][r] (reference 4.4): the best time per
 * minibatch of states i..j on r machines, with the split that achieves
 * it. A row i depends on nothing but itself (T[i][j][r] reads T[i][k][.]
 * for k < j), so rows are solved one at a time into a flat buffer of
 * N x M entries: the top level needs row 0 only; a lower level needs
 * every row, but keeps only T[i][j][M].time_s (the next level's C matrix,
 * N x N doubles) and re-solves the few rows that reconstruction visits.
 *
 * Invariants: undefined entries have time +infinity and no split, which
 * is what the original's "None" means wherever it is compared (4.8);
 * candidates are scanned k ascending in Pred(j), then r2 ascending, and
 * only a strictly better one replaces the best, so the first best wins.
 * The per-(k, r2) part of a candidate (the appended stage's time and its
 * transfer terms) does not depend on r and is computed once per j.
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "core/error.h"
#include "planner/pipedream-dp.h"

typedef struct {
  double time_s;           /* +infinity: undefined */
  gint32 k;                /* split after state k; -1: a single stage */
  guint16 r_left;          /* machines left of the split */
  guint16 repl;            /* replicas of the last stage */
} Entry;

typedef struct {
  const DsPipedreamOptions *opt;
  const DsAntichainDag *dag;
  guint n;
  const double *c, *act, *par, *out;   /* per state (4.3) */
  const guint8 *mono;      /* per j: C and Par non-decreasing along Pred(j) */
} Solver;

typedef struct {
  guint m;
  double bw, iota;
  const double *cmat;      /* NULL at level 1, else N x N from below */
  double below;            /* machines in one unit: product of lower levels */
  double *xfer;            /* N x M, owned: 2 Out[k] / (B r2) / rho, or
                            * -infinity (no term) without a ratio */
} Level;

/* PipeDream 4.3: X(0, j) = X[j], X(i, j) = X[j] - X[i-1]. */
static inline double
range (const double *x, guint i, guint j)
{
  return i == 0 ? x[j] : x[j] - x[i - 1];
}

static inline double
level_c (const Solver *sv, const Level *lv, guint i, guint j)
{
  return lv->cmat != NULL ? lv->cmat[(gsize) i * sv->n + j] : range (sv->c, i, j);
}

static inline gboolean
over_memory (const Solver *sv, guint m, guint r, guint r2, double bytes)
{
  return sv->opt->use_memory_constraint
         && ceil ((double) (m - r) / r2) * bytes > sv->opt->memory_bytes;
}

/* PipeDream 4.5: T[i][j][r] = ((C(i,j) + 4(r-1) Par(i,j) / (B r) / iota) / r,
 * none, r), undefined when the memory check fails; r = 1 if straight. */
static void
solve_base (const Solver *sv, const Level *lv, guint i, Entry *row)
{
  guint m = lv->m, rmax = sv->opt->straight ? 1 : m;

  for (gsize x = 0; x < (gsize) sv->n * m; x++)
    row[x] = (Entry) { INFINITY, -1, 0, 0 };
  for (guint j = i; j < sv->n; j++)
    {
      double c = level_c (sv, lv, i, j);
      double p = range (sv->par, i, j), bytes = range (sv->act, i, j) + p;
      if (isinf (c))
        continue;
      for (guint r = 1; r <= rmax; r++)
        if (!over_memory (sv, m, r, r, bytes))
          row[(gsize) j * m + r - 1] = (Entry) {
            (c + 4.0 * (r - 1) * p / (lv->bw * r) / lv->iota) / r, -1, 0, r };
    }
}

/* The appended stage k+1..j on r2 replicas (4.6), without the left part:
 * (C(k+1,j) + 4(r2-1) Par(k+1,j) / (B r2)) / r2, no iota, then the
 * activation terms 2 Out[k] / (B r2) / rho and, unless j is the last
 * state, 2 Out[j] / (B r2) / rho. */
/* The transfer terms of 4.6, computed once per level (the same double
 * every time, so precomputing changes no result). */
static inline double
xfer_in (const Level *lv, guint k, guint r2)
{
  return lv->xfer[(gsize) k * lv->m + r2 - 1];
}

static inline double
xfer_out (const Solver *sv, const Level *lv, guint j, guint r2)
{
  return j < sv->n - 1 ? lv->xfer[(gsize) j * lv->m + r2 - 1] : -INFINITY;
}

static double
last_stage (const Solver *sv, const Level *lv, guint k, guint j, guint r2)
{
  double c = level_c (sv, lv, k + 1, j), b = lv->bw;
  double t = (c + 4.0 * (r2 - 1) * range (sv->par, k + 1, j) / (b * r2)) / r2;

  return MAX (t, MAX (xfer_in (lv, k, r2), xfer_out (sv, lv, j, r2)));
}

/* Lower bounds that prune the transition without changing its result.
 * Any plan of states a..b on r units of `below` machines takes at least
 * C1(a,b) / (below r), C1 being level 1's C: a stage's time is at least
 * its compute over its machines, and max(x/p, y/q) >= (x+y)/(p+q). So
 *   T[i][k][r - r2]   >= C1(i,k) / (below (r - r2))              (left)
 *   last(k, j, r2)    >= max((C1(k+1,j) / below
 *                         + 4 (r2-1) Par(k+1,j) / (B r2)) / r2,
 *                         [rho, j < N-1: 2 Out[j] / (B r2) / rho])  (right)
 * Where C and Par grow along Pred(j) (always for chains), left grows and
 * right shrinks with k, so the candidates that can beat the best so far
 * form a window of Pred(j) around the point where the bounds cross. */
static inline double
lb_left (const Solver *sv, guint i, guint k, double inv_units)
{
  return range (sv->c, i, k) * inv_units;
}

static inline double
lb_right (const Solver *sv, const Level *lv, guint k, guint j, guint r2)
{
  double t = (range (sv->c, k + 1, j) / lv->below
              + 4.0 * (r2 - 1) * range (sv->par, k + 1, j) / (lv->bw * r2)) / r2;

  /* The output transfer does not depend on k: max keeps the order. */
  return MAX (t, xfer_out (sv, lv, j, r2));
}

/* 1e-9: a bound is pruned only when it is clearly above the best, so
 * the rounding of C1 sums can never drop the true minimum. */
static inline double
prune_above (double best_s)
{
  return best_s * (1 + 1e-9);
}

/* Whether candidate (t, k, r2) fails to replace @best in the ascending
 * scan's order (the initial entry wins ties; among candidates the first
 * (k, r2) does). */
static inline gboolean
loses (double t, guint k, guint r2, const Entry *best, gboolean best_is_cand)
{
  return t > best->time_s
         || (t == best->time_s
             && (!best_is_cand || best->k < (gint32) k
                 || (best->k == (gint32) k && best->repl < r2)));
}

/* The candidates (k in @pred, r2) of T[i][j][r] in any order, keeping
 * what the ascending scan keeps: the least time and, among equal times,
 * the first (k, r2) in (k, then r2) order; the initial entry wins ties. */
/* One candidate of scan_window; FALSE once its bound says that no
 * candidate further in this direction can win. */
static inline void
try_candidate (const Solver *sv, const Level *lv, guint j, guint r, guint r2,
               guint k, double out_j, const Entry *row, Entry *best,
               gboolean *best_is_cand)
{
  double left = row[(gsize) k * lv->m + r - r2 - 1].time_s;
  /* The cheap terms first: the division-heavy compute term only for a
   * candidate that can still win. */
  double t = MAX (left, MAX (xfer_in (lv, k, r2), out_j));

  if (isinf (t) || loses (t, k, r2, best, *best_is_cand))
    return;
  t = MAX (t, last_stage (sv, lv, k, j, r2));
  if (loses (t, k, r2, best, *best_is_cand)
      || over_memory (sv, lv->m, r, r2,
                      range (sv->act, k + 1, j) + range (sv->par, k + 1, j)))
    return;
  *best = (Entry) { t, k, r - r2, r2 };
  *best_is_cand = TRUE;
}

/* The candidates (k in @pred, r2) of T[i][j][r], scanned outwards from
 * where the left and right bounds cross (where balanced splits are, so
 * the best falls fast and the window closes early) and stopping in each
 * direction once that side's bound exceeds the best. */
static void
scan_window (const Solver *sv, const Level *lv, guint i, guint j, guint r,
             guint r2, const guint32 *pred, guint np, const Entry *row,
             Entry *best, gboolean *best_is_cand)
{
  guint lo = 0, hi = np;
  double inv_units = 1.0 / (lv->below * (r - r2)), out_j = xfer_out (sv, lv, j, r2);

  while (lo < hi)       /* first x whose left bound reaches its right one */
    {
      guint mid = lo + (hi - lo) / 2;
      if (lb_left (sv, i, pred[mid], inv_units) < lb_right (sv, lv, pred[mid], j, r2))
        lo = mid + 1;
      else
        hi = mid;
    }
  for (guint x = lo; x < np; x++)
    {
      if (lb_left (sv, i, pred[x], inv_units) > prune_above (best->time_s))
        break;
      try_candidate (sv, lv, j, r, r2, pred[x], out_j, row, best, best_is_cand);
    }
  for (guint x = lo; x-- > 0;)
    {
      if (lb_right (sv, lv, pred[x], j, r2) > prune_above (best->time_s))
        break;
      try_candidate (sv, lv, j, r, r2, pred[x], out_j, row, best, best_is_cand);
    }
}

static void
solve_cell_pruned (const Solver *sv, const Level *lv, guint i, guint j,
                   const guint32 *pred, guint np, Entry *row)
{
  guint m = lv->m, r2n = sv->opt->straight ? 1 : m - 1;

  for (guint r = 2; r <= m; r++)
    {
      Entry best = row[(gsize) j * m + r - 1];
      gboolean is_cand = FALSE;
      if (sv->opt->fewer_machines && row[(gsize) j * m + r - 2].time_s < best.time_s)
        best = row[(gsize) j * m + r - 2];
      for (guint r2 = 1; r2 <= MIN (r - 1, r2n); r2++)
        scan_window (sv, lv, i, j, r, r2, pred, np, row, &best, &is_cand);
      row[(gsize) j * m + r - 1] = best;
    }
}

/* Every candidate, k-major then r2, as the original scans them. The
 * appended stage's term is computed once per (k, r2) for all r. */
static void
solve_cell_exhaustive (const Solver *sv, const Level *lv, guint j,
                       const guint32 *pred, guint np, Entry *row,
                       double *cand, double *bytes)
{
  guint m = lv->m, r2n = sv->opt->straight ? 1 : m - 1;

  for (guint x = 0; x < np; x++)
    {
      bytes[x] = range (sv->act, pred[x] + 1, j) + range (sv->par, pred[x] + 1, j);
      for (guint r2 = 1; r2 <= r2n; r2++)
        cand[(gsize) x * r2n + r2 - 1] = last_stage (sv, lv, pred[x], j, r2);
    }
  for (guint r = 2; r <= m; r++)
    {
      Entry best = row[(gsize) j * m + r - 1];
      guint r2max = MIN (r - 1, r2n);
      if (sv->opt->fewer_machines && row[(gsize) j * m + r - 2].time_s < best.time_s)
        best = row[(gsize) j * m + r - 2];
      for (guint x = 0; x < np; x++)
        {
          const Entry *left = row + (gsize) pred[x] * m;
          const double *cx = cand + (gsize) x * r2n;
          for (guint r2 = 1; r2 <= r2max; r2++)
            {
              double t = MAX (left[r - r2 - 1].time_s, cx[r2 - 1]);
              if (t < best.time_s
                  && !over_memory (sv, m, r, r2, bytes[x]))
                best = (Entry) { t, pred[x], r - r2, r2 };
            }
        }
      row[(gsize) j * m + r - 1] = best;
    }
}

/* PipeDream 4.6: T[i][j][r] = min(T[i][j][r], [fewer: T[i][j][r-1]],
 * min over k in Pred(j), r2 < r of max(T[i][k][r-r2], last(k, j, r2))). */
static void
solve_row (const Solver *sv, const Level *lv, guint i, Entry *row,
           double *cand, double *bytes)
{
  solve_base (sv, lv, i, row);
  for (guint j = i + 1; j < sv->n; j++)
    {
      guint np, lo = 0;
      const guint32 *pred = ds_antichain_dag_pred (sv->dag, j, &np);
      /* T[i][k] is undefined for k < i: only k >= i can contribute. */
      while (lo < np && pred[lo] < i)
        lo++;
      pred += lo;
      np -= lo;
      if (sv->mono[j] && !sv->opt->exhaustive)
        {
          solve_cell_pruned (sv, lv, i, j, pred, np, row);
          continue;
        }
      solve_cell_exhaustive (sv, lv, j, pred, np, row, cand, bytes);
    }
}

typedef struct {
  Entry *row;
  double *cand, *bytes;
} Scratch;

static void
scratch_init (Scratch *s, guint n, guint m)
{
  s->row = g_new (Entry, (gsize) n * m);
  s->cand = g_new (double, (gsize) n * m);
  s->bytes = g_new (double, n);
}

static void
scratch_clear (Scratch *s)
{
  g_free (s->row);
  g_free (s->cand);
  g_free (s->bytes);
}

/* A lower level: every row, keeping T[i][j][M].time as the next level's
 * C(i, j) (4.10); undefined stays +infinity. Rows are independent, so
 * workers take the next unsolved row from a shared counter; each row is
 * computed the same way whichever thread solves it, so the result does
 * not depend on the thread count. */
typedef struct {
  const Solver *sv;
  const Level *lv;
  double *cnext;
  gint next_row;
} MatrixJob;

static gpointer
matrix_worker (gpointer data)
{
  MatrixJob *job = data;
  guint n = job->sv->n, m = job->lv->m;
  Scratch s;

  scratch_init (&s, n, m);
  for (;;)
    {
      guint i = (guint) g_atomic_int_add (&job->next_row, 1);
      double *out = job->cnext + (gsize) i * n;
      if (i >= n)
        break;
      solve_row (job->sv, job->lv, i, s.row, s.cand, s.bytes);
      for (guint j = 0; j < n; j++)
        out[j] = j < i ? INFINITY : s.row[(gsize) j * m + m - 1].time_s;
    }
  scratch_clear (&s);
  return NULL;
}

static double *
solve_matrix (const Solver *sv, const Level *lv)
{
  MatrixJob job = { sv, lv, g_new (double, (gsize) sv->n * sv->n), 0 };
  guint n_threads = sv->opt->n_threads ? sv->opt->n_threads : g_get_num_processors ();
  g_autoptr(GPtrArray) threads = g_ptr_array_new ();

  n_threads = CLAMP (n_threads, 1, MIN (sv->n, 64));
  for (guint t = 1; t < n_threads; t++)
    {
      /* A thread that cannot start only means fewer workers. */
      GThread *th = g_thread_try_new ("ds-pipedream", matrix_worker, &job, NULL);
      if (th != NULL)
        g_ptr_array_add (threads, th);
    }
  matrix_worker (&job);
  for (guint t = 0; t < threads->len; t++)
    g_thread_join (g_ptr_array_index (threads, t));
  return job.cnext;
}

/* ---- reconstruction (4.10) ---- */

/* Splits [s, e) with row s of a level: follow the split chain from
 * T[s][e-1][M], then reverse into pipeline order. Appends to @out. */
static void
split_range (const Solver *sv, guint m, const Entry *row, guint s, guint e,
             gint parent, guint parent_total, GArray *out)
{
  Entry x = row[(gsize) (e - 1) * m + m - 1];
  guint hi = e, first = out->len;

  for (;;)
    {
      DsPipedreamStage st = { 0 };
      st.end = hi;
      st.start = x.k >= 0 ? (guint) x.k + 1 : s;
      st.replicas = x.repl;
      st.total_replicas = x.repl * parent_total;
      st.parent = parent;
      st.compute_s = range (sv->c, st.start, st.end - 1);
      g_array_append_val (out, st);
      if (x.k < 0)
        break;
      hi = x.k + 1;
      x = row[(gsize) x.k * m + x.r_left - 1];
    }
  for (guint a = first, b = out->len - 1; a < b; a++, b--)
    {
      DsPipedreamStage t = g_array_index (out, DsPipedreamStage, a);
      g_array_index (out, DsPipedreamStage, a) = g_array_index (out, DsPipedreamStage, b);
      g_array_index (out, DsPipedreamStage, b) = t;
    }
  for (guint a = first; a < out->len; a++)
    g_array_index (out, DsPipedreamStage, a).index = a - first;
}

static gboolean
check_options (const DsPipedreamOptions *o, GError **error)
{
  if (o->n_levels == 0 || o->n_levels > DS_PIPEDREAM_MAX_LEVELS)
    return ds_fail (error, DS_ERROR_INVALID,
                    "the number of levels must be 1 to %d, got %u",
                    DS_PIPEDREAM_MAX_LEVELS, o->n_levels);
  for (guint l = 0; l < o->n_levels; l++)
    {
      const DsPipedreamLevel *lv = &o->levels[l];
      if (lv->n_machines == 0 || lv->n_machines > G_MAXUINT16)
        return ds_fail (error, DS_ERROR_INVALID,
                        "level %u: machines must be 1 to %u, got %u",
                        l + 1, G_MAXUINT16, lv->n_machines);
      if (!(lv->bandwidth_bytes_per_s > 0) || isinf (lv->bandwidth_bytes_per_s))
        return ds_fail (error, DS_ERROR_INVALID,
                        "level %u: bandwidth must be finite and > 0 B/s, got %g",
                        l + 1, lv->bandwidth_bytes_per_s);
    }
  if (o->has_compression
      && (!(o->compression_ratio > 0) || isinf (o->compression_ratio)))
    return ds_fail (error, DS_ERROR_INVALID,
                    "the activation compression ratio must be finite and > 0, got %g",
                    o->compression_ratio);
  if (o->use_memory_constraint && !(o->memory_bytes > 0))
    return ds_fail (error, DS_ERROR_INVALID,
                    "the memory per device must be > 0 bytes, got %g",
                    o->memory_bytes);
  return TRUE;
}

static guint8 *
mono_flags (const DsAntichainDag *dag, const double *c, const double *par)
{
  guint n = ds_antichain_dag_n_states (dag);
  guint8 *mono = g_new (guint8, n);

  for (guint j = 0; j < n; j++)
    {
      guint np;
      const guint32 *p = ds_antichain_dag_pred (dag, j, &np);
      mono[j] = 1;
      for (guint x = 1; x < np && mono[j]; x++)
        mono[j] = c[p[x - 1]] <= c[p[x]] && par[p[x - 1]] <= par[p[x]];
    }
  return mono;
}

static void
solver_init (Solver *sv, const DsAntichainDag *dag, const DsPipedreamOptions *o)
{
  guint n = ds_antichain_dag_n_states (dag);
  double *c = g_new (double, n), *act = g_new (double, n);
  double *par = g_new (double, n), *out = g_new (double, n);

  for (guint s = 0; s < n; s++)
    {
      c[s] = ds_antichain_dag_compute_s (dag, s);
      act[s] = ds_antichain_dag_act_bytes (dag, s);
      par[s] = ds_antichain_dag_param_bytes (dag, s);
      out[s] = ds_antichain_dag_out_bytes (dag, s);
    }
  *sv = (Solver) { o, dag, n, c, act, par, out, mono_flags (dag, c, par) };
}

static void
solver_clear (Solver *sv)
{
  g_free ((double *) sv->c);
  g_free ((double *) sv->act);
  g_free ((double *) sv->par);
  g_free ((double *) sv->out);
  g_free ((guint8 *) sv->mono);
}

/* PipeDream 4.10: T = C[N-1]; per level T = (T + 4 (M-1) Par[N-1] /
 * (B M) / iota) / M, iota = M. */
static double
data_parallel_s (const Solver *sv)
{
  double t = sv->c[sv->n - 1], iota = 1;

  for (guint l = 0; l < sv->opt->n_levels; l++)
    {
      double m = sv->opt->levels[l].n_machines, b = sv->opt->levels[l].bandwidth_bytes_per_s;
      t = (t + 4.0 * (m - 1) * sv->par[sv->n - 1] / (b * m) / iota) / m;
      iota = m;
    }
  return t;
}

/* PipeDream 4.6: 2 Out[k] / (B r2) / rho for every state and r2. */
static double *
make_xfer (const Solver *sv, guint m, double b)
{
  double *x = g_new (double, (gsize) sv->n * m);

  for (guint k = 0; k < sv->n; k++)
    for (guint r2 = 1; r2 <= m; r2++)
      x[(gsize) k * m + r2 - 1] = sv->opt->has_compression
        ? 2.0 * sv->out[k] / (b * r2) / sv->opt->compression_ratio : -INFINITY;
  return x;
}

static void
level_clear (Level *lv)
{
  g_free (lv->xfer);
}

static Level
make_level (const Solver *sv, guint l, double *const *cmats)
{
  const DsPipedreamLevel *pl = &sv->opt->levels[l];
  double below = 1;

  for (guint b = 0; b < l; b++)
    below *= sv->opt->levels[b].n_machines;
  return (Level) { pl->n_machines, pl->bandwidth_bytes_per_s,
                   l == 0 ? 1.0 : sv->opt->levels[l - 1].n_machines,
                   l == 0 ? NULL : cmats[l - 1], below,
                   make_xfer (sv, pl->n_machines, pl->bandwidth_bytes_per_s) };
}

/* Top-down: split [0, N) at the top, each resulting range one level down. */
static void
reconstruct (const Solver *sv, double *const *cmats, const Entry *top_row,
             DsPipedreamResult *res)
{
  guint nl = sv->opt->n_levels, n = sv->n;
  Scratch s;

  for (guint l = 0; l < nl; l++)
    res->levels[l] = g_array_new (FALSE, FALSE, sizeof (DsPipedreamStage));
  split_range (sv, sv->opt->levels[nl - 1].n_machines, top_row, 0, n, -1, 1,
               res->levels[nl - 1]);
  for (guint l = nl - 1; l-- > 0;)
    {
      Level lv = make_level (sv, l, cmats);
      GArray *up = res->levels[l + 1];
      scratch_init (&s, n, lv.m);
      for (guint p = 0; p < up->len; p++)
        {
          const DsPipedreamStage *ps = &g_array_index (up, DsPipedreamStage, p);
          solve_row (sv, &lv, ps->start, s.row, s.cand, s.bytes);
          split_range (sv, lv.m, s.row, ps->start, ps->end, p,
                       ps->total_replicas, res->levels[l]);
        }
      scratch_clear (&s);
      level_clear (&lv);
    }
  for (guint t = 0; t < res->levels[0]->len; t++)
    res->n_machines_used += g_array_index (res->levels[0], DsPipedreamStage, t).total_replicas;
}

/* Invariants of a reconstructed result (aborts on a bug): each level's
 * stages tile their parent's range in order (the top tiles [0, N)); a
 * total is the replicas times the parent's total; without
 * fewer_machines each pipeline uses exactly its level's machines. */
static void
result_check (const DsPipedreamResult *res, const DsPipedreamOptions *o)
{
  for (guint l = 0; l < res->n_levels; l++)
    {
      GArray *st = res->levels[l], *up = l + 1 < res->n_levels ? res->levels[l + 1] : NULL;
      guint x = 0, n_parents = up != NULL ? up->len : 1;
      for (guint p = 0; p < n_parents; p++)
        {
          const DsPipedreamStage *ps = up != NULL ? &g_array_index (up, DsPipedreamStage, p) : NULL;
          guint at = ps != NULL ? ps->start : 0, used = 0, total = ps != NULL ? ps->total_replicas : 1;
          for (guint idx = 0; x < st->len
               && g_array_index (st, DsPipedreamStage, x).parent == (ps != NULL ? (gint) p : -1);
               x++, idx++)
            {
              const DsPipedreamStage *s = &g_array_index (st, DsPipedreamStage, x);
              g_assert (s->start == at && s->end > s->start && s->index == idx);
              g_assert (s->total_replicas == s->replicas * total);
              at = s->end;
              used += s->replicas;
            }
          g_assert (at == (ps != NULL ? ps->end : res->n_states));
          g_assert (used <= o->levels[l].n_machines);
          g_assert (o->fewer_machines || used == o->levels[l].n_machines);
        }
      g_assert (x == st->len);
    }
}

/* ---- API ---- */

void
ds_pipedream_options_init (DsPipedreamOptions *options, guint n_machines)
{
  memset (options, 0, sizeof *options);
  options->n_levels = 1;
  options->levels[0].n_machines = n_machines;
  options->levels[0].bandwidth_bytes_per_s = 1e9;
  options->memory_bytes = 16e9;
}

gboolean
ds_pipedream_options_from_cluster (DsPipedreamOptions *o, const DsCluster *cluster,
                                   GError **error)
{
  guint n = ds_cluster_n_levels (cluster);

  if (n == 0 || n > DS_PIPEDREAM_MAX_LEVELS)
    return ds_fail (error, DS_ERROR_UNSUPPORTED,
                    "cluster '%s': the planner takes 1 to %d levels, got %u",
                    ds_cluster_get_name (cluster), DS_PIPEDREAM_MAX_LEVELS, n);
  ds_pipedream_options_init (o, 1);
  o->n_levels = n;
  for (guint l = 0; l < n; l++)
    {
      o->levels[l].n_machines = ds_cluster_level (cluster, l)->count;
      o->levels[l].bandwidth_bytes_per_s = ds_cluster_level (cluster, l)->bw_bytes_per_s;
    }
  return TRUE;
}

DsPipedreamResult *
ds_pipedream_solve (const DsAntichainDag *dag, const DsPipedreamOptions *options,
                    GError **error)
{
  g_autoptr(DsPipedreamResult) res = NULL;
  double *cmats[DS_PIPEDREAM_MAX_LEVELS] = { NULL };
  guint nl = options->n_levels, n;
  Solver sv;
  Scratch top;

  g_return_val_if_fail (dag != NULL && options != NULL, NULL);
  if (!check_options (options, error))
    return NULL;
  solver_init (&sv, dag, options);
  n = sv.n;
  for (guint l = 0; l + 1 < nl; l++)
    {
      Level lv = make_level (&sv, l, cmats);
      cmats[l] = solve_matrix (&sv, &lv);
      level_clear (&lv);
    }
  Level lv = make_level (&sv, nl - 1, cmats);
  scratch_init (&top, n, lv.m);
  solve_row (&sv, &lv, 0, top.row, top.cand, top.bytes);

  res = g_new0 (DsPipedreamResult, 1);
  res->n_states = n;
  res->n_levels = nl;
  res->n_machines = 1;
  for (guint l = 0; l < nl; l++)
    res->n_machines *= options->levels[l].n_machines;
  res->objective_s = top.row[(gsize) (n - 1) * lv.m + lv.m - 1].time_s;
  res->single_stage_s = sv.c[n - 1];
  res->data_parallel_s = data_parallel_s (&sv);
  if (isinf (res->objective_s))
    {
      g_clear_pointer (&res, ds_pipedream_result_free);
      ds_fail (error, DS_ERROR_INVALID, "no plan fits in %g bytes per device",
               options->memory_bytes);
    }
  else
    {
      reconstruct (&sv, cmats, top.row, res);
      if (g_getenv ("DS_DEBUG_CHECK") != NULL)
        result_check (res, options);
    }
  scratch_clear (&top);
  level_clear (&lv);
  for (guint l = 0; l < nl; l++)
    g_free (cmats[l]);
  solver_clear (&sv);
  return g_steal_pointer (&res);
}

void
ds_pipedream_result_free (DsPipedreamResult *result)
{
  if (result == NULL)
    return;
  for (guint l = 0; l < DS_PIPEDREAM_MAX_LEVELS; l++)
    if (result->levels[l] != NULL)
      g_array_unref (result->levels[l]);
  g_free (result);
}

/* PipeDream 4.6, plan cost: the max over stages of the base-case term
 * (stage 0, iota 1) or the appended-stage term (later stages), with the
 * memory check of the sub-problem that ends at each stage. */
double
ds_pipedream_plan_cost (const DsAntichainDag *dag, const DsPipedreamOptions *options,
                        const guint *starts, const guint *replicas, guint n_stages)
{
  Solver sv;
  Level lv;
  double cost = 0;
  guint used = 0;

  g_return_val_if_fail (n_stages >= 1 && starts[0] == 0, INFINITY);
  solver_init (&sv, dag, options);
  lv = make_level (&sv, 0, NULL);
  for (guint t = 0; t < n_stages; t++)
    {
      guint s = starts[t], e = t + 1 < n_stages ? starts[t + 1] : sv.n, r2 = replicas[t];
      double bytes = range (sv.act, s, e - 1) + range (sv.par, s, e - 1), term;
      used += r2;
      if (r2 > lv.m)
        term = INFINITY;        /* more replicas than machines */
      else if (over_memory (&sv, lv.m, used, r2, bytes))
        term = INFINITY;
      else if (t == 0)
        term = (range (sv.c, 0, e - 1)
                + 4.0 * (r2 - 1) * range (sv.par, 0, e - 1) / (lv.bw * r2)) / r2;
      else
        term = last_stage (&sv, &lv, s - 1, e - 1, r2);
      cost = MAX (cost, term);
    }
  level_clear (&lv);
  solver_clear (&sv);
  return cost;
}

/* PipeDream 4.11: a layer belongs to the earliest final stage whose
 * down-set D(end - 1) holds it; removed Input layers to stage 0. */
static gint *
assign_stages (const DsPipedreamResult *result, const DsAntichainDag *dag,
               const DsModel *model)
{
  GArray *fin = result->levels[0];
  guint nl = ds_model_n_layers (model);
  gint *stage = g_new (gint, nl);

  for (guint v = 0; v < nl; v++)
    {
      gboolean is_input = FALSE;
      stage[v] = -1;
      if (!ds_antichain_dag_is_kept (dag, v, &is_input))
        {
          stage[v] = is_input ? 0 : -1;
          continue;
        }
      for (guint t = 0; t < fin->len && stage[v] < 0; t++)
        if (ds_antichain_dag_in_downset (dag, g_array_index (fin, DsPipedreamStage, t).end - 1, v))
          stage[v] = t;
      if (stage[v] < 0)   /* not in D(N-1): cannot happen, kept safe */
        stage[v] = fin->len - 1;
    }
  /* Removed __getitem__ sinks (absent from the original's output) join
   * the latest stage among their inputs; edges are in file order, so a
   * chain of them would need several passes, which profiles never have. */
  for (guint e = 0; e < ds_model_n_edges (model); e++)
    {
      guint s, d;
      gboolean is_input = FALSE;
      ds_model_edge (model, e, &s, &d);
      if (!ds_antichain_dag_is_kept (dag, d, &is_input) && !is_input)
        stage[d] = MAX (stage[d], stage[s]);
    }
  for (guint v = 0; v < nl; v++)
    stage[v] = MAX (stage[v], 0);
  return stage;
}

DsPlan *
ds_pipedream_result_to_plan (const DsPipedreamResult *result,
                             const DsAntichainDag *dag, const DsModel *model,
                             GError **error)
{
  g_autoptr(DsPlan) plan = ds_plan_new ();
  GArray *fin = result->levels[0];
  guint nl = ds_model_n_layers (model);
  g_autofree gint *stage = NULL;

  g_return_val_if_fail (ds_antichain_dag_n_layers (dag) == nl, NULL);
  stage = assign_stages (result, dag, model);
  for (guint t = 0; t < fin->len; t++)
    ds_plan_add_stage (plan)->n_replicas =
      g_array_index (fin, DsPipedreamStage, t).total_replicas;
  for (guint v = 0; v < nl; v++)
    g_array_append_val (ds_plan_stage (plan, stage[v])->layers, v);
  for (guint t = 0; t < fin->len; t++)
    if (ds_plan_stage (plan, t)->layers->len == 0)
      return ds_fail_null (error, DS_ERROR_UNSUPPORTED,
                           "stage %u (states [%u,%u)) holds no layer of its own",
                           t, g_array_index (fin, DsPipedreamStage, t).start,
                           g_array_index (fin, DsPipedreamStage, t).end);
  ds_plan_set_schedule (plan, DS_SCHEDULE_1F1B);
  ds_plan_set_objective_s (plan, result->objective_s);
  return g_steal_pointer (&plan);
}
