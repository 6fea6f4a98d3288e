/* core/graphtxt.h - PipeDream's graph.txt profile format, read and written.
 *
 * The grammar and the original's parsing rules are drawn in
 * graphtxt-private.h (from ../shared/reference/pipedream.md, section 2).
 * A node becomes a layer named by its node id, with desc = the node
 * description, kind = the description's operator name lower-cased
 * ("Conv2d(3, 64, ...)" -> "conv2d", "Input0" -> "input"), times from ms to
 * seconds, an activation list "[a; b; c]" summed into out_bytes, and
 * "stage_id=K" kept as the layer attribute "stage_id".
 *
 * Exact round trip: the reader keeps the text of every number as it was
 * written (layer attributes "graphtxt.fwd", "graphtxt.bwd", "graphtxt.act",
 * "graphtxt.param") and whether the file ended in a newline (model
 * attribute "graphtxt.trailing_newline"). The writer uses a kept text only
 * when it still reads back to the layer's current value, and otherwise
 * prints the shortest exact decimal, so graph.txt -> model -> JSON ->
 * model -> graph.txt gives the same bytes, and an edited value is never
 * shadowed by stale text.
 *
 * Errors name the file and line: a missing " -- " field, an unknown or
 * misplaced key, a number that is not a number or is negative, a byte
 * count that is not whole, an edge to an undefined node, a node defined
 * twice, an empty line, a cycle (DS_ERROR_CYCLE, naming a node on it).
 */
#pragma once

#include "core/model.h"

G_BEGIN_DECLS

/* @file names the input in messages (borrowed); the model is named after
 * the file's folder when the file is called graph.txt ("vgg16"), else
 * after the file's stem. Returns a checked model or NULL. */
DsModel *ds_graphtxt_read  (const char *text, gssize len, const char *file,
                            GError **error);
/* The profile as graph.txt text. Layers without times are written with
 * zero times. Fails (DS_ERROR_UNSUPPORTED) only for a model graph.txt
 * cannot express: a layer name holding " -- " or a line break or with
 * blanks at either end, or a description holding " -- " or a line break. */
char    *ds_graphtxt_write (const DsModel *model, gsize *len, GError **error);

G_END_DECLS
