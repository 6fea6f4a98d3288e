/* core/profile-csv.h - per-layer profile tables (CSV), as in
 * ../shared/data/h200/layers.csv:
 *
 *   model,dtype,batch,idx,layer,fwd_ms,bwd_ms,out_bytes,param_bytes
 *
 * One file may hold several profiles, one per (model, dtype, batch); rows
 * of one profile are a chain of layers in idx order (idx from 0, no gaps,
 * no repeats). @select picks a profile: "model", "model/dtype" or
 * "model/dtype/batch"; NULL accepts a file holding exactly one profile.
 * When the choice is missing or ambiguous the error lists the profiles in
 * the file. Layers are named "<idx>:<layer>" (e.g. "3:ReLU"), kind is the
 * layer column lower-cased, the model is named after @select's model and
 * gets batch_size and the attribute "dtype". Columns are found by header
 * name, so their order may vary; extra columns are errors (a misspelt
 * column must not be ignored). Errors name file, line and column.
 */
#pragma once

#include "core/model.h"

G_BEGIN_DECLS

DsModel *ds_profile_csv_read (const char *text, gssize len, const char *file,
                              const char *select, GError **error);
/* Lists the profiles in a CSV as "model/dtype/batch" strings (NULL-terminated,
 * free with g_strfreev), in order of first appearance. */
char   **ds_profile_csv_list (const char *text, gssize len, const char *file,
                              GError **error);

G_END_DECLS
