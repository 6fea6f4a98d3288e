/* exec/wir/cost.h - the cost model on the optimized IR (weld.md §11).
 *
 * Reads the same checked program the back ends compile. Every loop at the
 * top of the program (not inside another loop's body) is one kernel: a
 * launch. For kernel k with trip count n_k:
 *
 *   bytes  B_k = sum of distinct vectors read + sum of outputs written
 *          (a whole-vector iterator reads len * size; a lookup into a
 *          vector under cache_bytes counts that vector once, a larger one
 *          gather_bytes per lookup; an appender writes merges * size; a
 *          vecmerger reads and writes its vector);
 *   flops  F_k = n_k * sum of op weights in the body (1 for + - * min max,
 *          compare and select; the weights below for the rest; an inner
 *          loop multiplies its body by its trip count);
 *   time   t_k = launch_s + max (B_k / bw_bytes_per_s, F_k / flops_per_s).
 *
 * Vector lengths come from the arguments (or a default length for every
 * vector parameter); intermediate lengths are the trip counts of the loops
 * that build them (an upper bound when a loop filters).
 */
#pragma once

#include "exec/wir/interp.h"

G_BEGIN_DECLS

typedef struct {
  double launch_s;            /* per kernel */
  double bw_bytes_per_s;      /* read + write */
  double flops_per_s;
  double cache_bytes;         /* a lookup target this small is read once */
  double gather_bytes;        /* bytes per lookup into a larger one */
  double w_div, w_exp, w_log, w_tanh, w_erf, w_sqrt, w_philox;
} WirCostParams;

/* Defaults for this project's 2-core CPU machine: 10.5 GB/s is the copy
 * rate weld.md §15 measured there; the op weights are uncalibrated
 * estimates (cycles relative to an add), to be refitted from bench/. */
void wir_cost_params_default (WirCostParams *params);

typedef struct {
  guint n_kernels;            /* launches */
  double bytes_read, bytes_written, flops;
  double time_s;
} WirCost;

/* The cost of the checked @prog for @args (one per parameter), or, with
 * @args NULL, for every vector parameter of length @default_len. */
void wir_cost_estimate (WirProgram *prog, WirValue *const *args, guint n_args,
                        gint64 default_len, const WirCostParams *params, WirCost *cost);

G_END_DECLS
