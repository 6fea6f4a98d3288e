/* planner/antichain.h - PipeDream's antichain state DAG of a model.
 *
 * The planner does not cut a branching model between layers but between
 * antichains (reference pipedream.md, 4.1-4.3): state s stands for the
 * cut after the down-set D(s) of its augmented antichain Aug(s). States
 * are numbered 0..N-1 in a topological order of the antichain DAG; for a
 * chain, state s is "every layer up to layer s".
 *
 * Contract:
 *   - Built from a DsModel after PipeDream's pre-processing: source layers
 *     whose description starts with "Input" are removed, then every layer
 *     that is then a sink and whose description starts with "__getitem__".
 *   - The state set equals the original optimizer's; the numbering is a
 *     deterministic reverse post-order (the original's depends on Python's
 *     string-hash seed for branching graphs, so it cannot match there).
 *   - Layer indices are the model's; times in seconds, sizes in bytes.
 *   - The DAG holds no reference to the model once built.
 * Errors: DS_ERROR_CYCLE for a model that is not a DAG, DS_ERROR_INVALID
 * when nothing is left to plan after pre-processing, DS_ERROR_UNSUPPORTED
 * when the model has more than @max_states antichain states (Inception-v3
 * and NASNet do; the reference suggests compressing branches first).
 */
#pragma once

#include <glib.h>

#include "core/model.h"

G_BEGIN_DECLS

/* Enough for every shipped profile that the original optimizer finishes
 * (GNMT-16: 1,495). Pred sets and the DP tables grow with N^2, so a
 * larger cap mostly buys a slower failure. */
#define DS_ANTICHAIN_DEFAULT_MAX_STATES 20000u

typedef struct _DsAntichainDag DsAntichainDag;

/* Builds the state DAG of @model. @max_states = 0 means
 * DS_ANTICHAIN_DEFAULT_MAX_STATES. Returns a new DAG or NULL. */
DsAntichainDag *ds_antichain_dag_new   (const DsModel *model, guint max_states,
                                        GError **error);
/* Branch compression (reference 12.2, "compress branches first"), for
 * graphs whose antichains explode (Inception-v3, NASNet): fix one
 * topological order of the pre-processed graph (file order where it is
 * one), and keep as states only the prefixes of that order whose cut is
 * crossed by the outputs of at most @max_width layers (0 means 1), plus
 * the whole graph. Every parallel-branch region between two such narrow
 * cuts becomes one indivisible unit and the states form a chain. For a
 * chain this is the uncompressed DAG; for Inception-v3 with width 1 the
 * units are its modules. Same accessors and errors as above, no cap. */
DsAntichainDag *ds_antichain_dag_new_compressed (const DsModel *model,
                                                 guint max_width,
                                                 GError **error);
void            ds_antichain_dag_free  (DsAntichainDag *dag);
/* Invariant checker (aborts on a bug): Pred(s) ascending and < s; D(p)
 * inside D(s) and C[p] <= C[s] for p in Pred(s); Aug(s) inside D(s);
 * D(N-1) holds every kept layer. The constructors run it when
 * DS_DEBUG_CHECK is set (as `make check` does). */
void            ds_antichain_dag_check (const DsAntichainDag *dag);

guint   ds_antichain_dag_n_states      (const DsAntichainDag *dag);
/* Layers of the model the DAG was built from (kept or removed). */
guint   ds_antichain_dag_n_layers      (const DsAntichainDag *dag);
/* FALSE for a layer that pre-processing removed; *is_input then tells an
 * Input source from a __getitem__ sink. */
gboolean ds_antichain_dag_is_kept      (const DsAntichainDag *dag, guint layer_idx,
                                        gboolean *is_input);

/* Per-state sums over the down-set D(s) (4.3): C[s] forward + backward
 * seconds, Act[s] activation bytes, Par[s] parameter bytes; and Out[s],
 * the activation bytes of Aug(s), which cross a cut right after s. */
double  ds_antichain_dag_compute_s     (const DsAntichainDag *dag, guint s);
double  ds_antichain_dag_act_bytes     (const DsAntichainDag *dag, guint s);
double  ds_antichain_dag_param_bytes   (const DsAntichainDag *dag, guint s);
double  ds_antichain_dag_out_bytes     (const DsAntichainDag *dag, guint s);

/* Pred(s), all transitive predecessor states, ascending; borrowed. */
const guint32 *ds_antichain_dag_pred   (const DsAntichainDag *dag, guint s,
                                        guint *n_pred);
/* Aug(s) as model layer indices, in the enumeration's order; borrowed. */
const guint32 *ds_antichain_dag_antichain (const DsAntichainDag *dag, guint s,
                                           guint *n_layers);
/* Whether model layer @layer_idx is in D(s); FALSE for removed layers. */
gboolean ds_antichain_dag_in_downset   (const DsAntichainDag *dag, guint s,
                                        guint layer_idx);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DsAntichainDag, ds_antichain_dag_free)

G_END_DECLS
