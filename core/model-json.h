/* core/model-json.h - dawnsim's own model format (docs/formats.md).
 *
 * The reader accepts what the writer writes and what a person would type:
 * every field but a layer's name is optional, unknown fields are errors
 * (a misspelt "fwd_sm" must not vanish), and every message names the file,
 * the line and the field. Times are milliseconds in the file and seconds
 * in DsModel; the writer prints the shortest text that reads back to the
 * same seconds, so JSON -> model -> JSON is byte-identical and model ->
 * JSON -> model is exact.
 */
#pragma once

#include "core/model.h"

G_BEGIN_DECLS

/* @file names the input in messages (borrowed). Returns a checked model
 * (ds_model_check) or NULL. */
DsModel *ds_model_read_json  (const char *text, gssize len, const char *file,
                              GError **error);
/* Returns the document, ending in a newline; never fails. */
char    *ds_model_write_json (const DsModel *model, gsize *len);

G_END_DECLS
