/* exec/fusion.h - what the training step's non-GEMM work costs unfused,
 * over the fused executor, by WIR's cost model (weld.md §11).
 *
 * The executor's step runs its elementwise work as WIR fragments
 * (exec/wir/library.h) fused into one pass each; a framework without
 * fusion runs every fragment as a kernel of its own and writes and reads
 * back every intermediate. For a model this module prices the difference,
 * per layer, as bytes moved and kernel launches (unfused minus fused),
 * from wir_cost_estimate on the library's programs after wir_optimize:
 *
 *   optimizer update, every layer with parameters: the *_fragments
 *     program (fusion off) against the *_fused one (fusion on), over
 *     param_bytes / 4 f32 elements (the fragments are f32); a layer's
 *     parameters are one flat vector, one update (kernel set) per layer;
 *   forward epilogue, a chain producer -> gelu -> dropout or producer ->
 *     relu (the producer a linear or convolution with a bias, each the
 *     sole consumer of the one before): wir_lib_bias_gelu_dropout or
 *     wir_lib_bias_relu with fusion off against on, over the producer's
 *     out_bytes / 4 elements (per minibatch), charged to the chain's last
 *     layer.
 *
 * Only chains the library has a program for in both forms are priced:
 * backward epilogues add nothing yet. Layers are taken
 * whole; a chain cut by a stage boundary is still priced as one.
 *
 * Cost: the six programs are parsed, checked and optimized once per
 * call, and the cost model runs once per distinct tensor size (a
 * transformer's repeated blocks cost one evaluation), never per layer
 * or per simulated event.
 *
 * Who uses it: `dawnsim simulate --no-fusion` (cli/), which hands the
 * arrays to the simulator (sim/pipeline.h, unfused_* options); sim/
 * and exec/ never call each other.
 */
#pragma once

#include <glib.h>

#include "core/model.h"

G_BEGIN_DECLS

typedef enum {
  DS_OPTIMIZER_SGD_MOMENTUM,   /* wir_lib_sgd_*: p, g, buf -> p, buf */
  DS_OPTIMIZER_ADAM,           /* wir_lib_adam_*: p, g, m, v -> p, m, v */
} DsOptimizerKind;

typedef struct {
  guint n_layers;              /* of the model; every array has this many */
  double *fwd_bytes;           /* extra bytes a layer's forward moves unfused,
                                * per minibatch */
  double *fwd_launches;        /* extra kernels per forward pass (each
                                * micro-batch launches them again) */
  double *opt_bytes;           /* extra bytes its optimizer update moves */
  double *opt_launches;        /* extra kernels per optimizer step */
  guint n_epilogues;           /* epilogue chains found */
  guint n_sizes_costed;        /* cost-model evaluations: distinct tensor
                                * sizes, per program pair */
} DsFusionWhatIf;

/* The unfused-minus-fused bytes and launches of every layer of @model
 * under @optimizer. Fails only if a library program does not check or
 * optimize (a bug in exec/wir, reported rather than hidden). Every value
 * is >= 0: fusion never adds work. Free with ds_fusion_what_if_free. */
DsFusionWhatIf *ds_fusion_what_if      (const DsModel *model, DsOptimizerKind optimizer,
                                        GError **error);
void            ds_fusion_what_if_free (DsFusionWhatIf *w);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DsFusionWhatIf, ds_fusion_what_if_free)

G_END_DECLS
