/* core/model-io.h - models from anywhere: files of every format, or the zoo.
 *
 * The one place that knows all model formats, so commands and tests load
 * and save through it. Formats are guessed from the file name (.json,
 * .csv, .txt) and, when the name says nothing, from the first bytes.
 * A CSV holding several profiles takes a selector after '#':
 * "layers.csv#vgg16/float32" (profile-csv.h). Saving is atomic.
 */
#pragma once

#include "core/model.h"
#include "core/zoo.h"

G_BEGIN_DECLS

typedef enum {
  DS_MODEL_FORMAT_AUTO,       /* guess from the name, then the content */
  DS_MODEL_FORMAT_JSON,       /* dawnsim's own (model-json.h) */
  DS_MODEL_FORMAT_GRAPHTXT,   /* PipeDream's graph.txt (graphtxt.h) */
  DS_MODEL_FORMAT_CSV,        /* per-layer profile table, read only */
} DsModelFormat;

/* "json", "graphtxt" (also "graph.txt", "pipedream"), "csv". Fails with
 * DS_ERROR_INVALID naming the accepted names. */
gboolean      ds_model_format_parse (const char *name, DsModelFormat *out,
                                     GError **error);
const char   *ds_model_format_name  (DsModelFormat format);
/* From the file name alone; AUTO when the extension says nothing. */
DsModelFormat ds_model_format_guess (const char *path);

/* Loads "PATH" or "PATH#SELECT" in @format (AUTO guesses). */
DsModel *ds_model_load      (const char *spec, DsModelFormat format,
                             GError **error);
/* The model as text in @format; fails (DS_ERROR_UNSUPPORTED) for
 * formats dawnsim only reads, and for AUTO. */
char    *ds_model_serialize (const DsModel *model, DsModelFormat format,
                             gsize *len, GError **error);
/* Writes atomically to @path; "-" writes to standard output. AUTO picks
 * the format from the name. */
gboolean ds_model_save      (const DsModel *model, const char *path,
                             DsModelFormat format, GError **error);

/* What a user means by a model argument: an existing file (with an
 * optional "#SELECT"), else a zoo name built with @zoo_options (may be
 * NULL). Neither: DS_ERROR_UNKNOWN_NAME, saying where to look. */
DsModel *ds_model_open      (const char *name_or_spec,
                             const DsZooOptions *zoo_options, GError **error);

G_END_DECLS
