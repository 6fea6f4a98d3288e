/* cli/plan3d.h - what `dawnsim plan` and `dawnsim simulate` share for
 * tensor x pipeline x data layouts (issue #6): the transformer's shape
 * from MODEL or --layers ... --vocab, and a layout played by the
 * simulator. Errors about arguments are usage errors.
 */
#pragma once

#include <glib.h>

#include "cli/cli.h"
#include "planner/search3d.h"
#include "sim/pipeline.h"

G_BEGIN_DECLS

typedef struct {
  int layers, hidden, heads, seq, vocab;   /* 0: from MODEL or the default */
} DsCli3dShapeArgs;

/* The option entries for @args (--layers, --hidden, --heads, --seq,
 * --vocab), to append to a command's own. */
#define DS_CLI_3D_SHAPE_OPTIONS(args) \
  { "layers", 0, 0, G_OPTION_ARG_INT, &(args)->layers, "Transformer blocks", "L" }, \
  { "hidden", 0, 0, G_OPTION_ARG_INT, &(args)->hidden, "Transformer hidden size", "H" }, \
  { "heads", 0, 0, G_OPTION_ARG_INT, &(args)->heads, "Attention heads", "A" }, \
  { "seq", 0, 0, G_OPTION_ARG_INT, &(args)->seq, "Sequence length (default 2048)", "S" }, \
  { "vocab", 0, 0, G_OPTION_ARG_INT, &(args)->vocab, "Vocabulary (default 51200)", "V" }

/* Whether any shape option was given. */
gboolean ds_cli_3d_has_shape (const DsCli3dShapeArgs *args);
/* The shape of @spec (a zoo transformer or model file; NULL for none)
 * with @args overriding; without @spec, --layers, --hidden and --heads
 * are required and --seq, --vocab default to Megatron-LM's GPT runs'
 * 2048 and 51,200 (SC'21, section 5). */
gboolean ds_cli_3d_shape (const DsCli3dShapeArgs *args, const char *spec,
                          const DsCliModelArgs *margs, DsTfmShape *out, GError **error);
/* Plays @plan (a priced layout) on @cluster; fills plan->sim_iteration_s
 * and plan->sim_peak_bytes and returns the result (caller owns it). */
DsSimResult *ds_cli_3d_simulate (const DsTfmShape *shape, const DsCluster *cluster,
                                 DsPlan3d *plan, GError **error);

G_END_DECLS
