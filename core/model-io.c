/* core/model-io.c - format dispatch for models (see model-io.h). */
#include "config.h"

#include "core/model-io.h"
#include "core/error.h"
#include "core/graphtxt.h"
#include "core/model-json.h"
#include "core/profile-csv.h"

#include <stdio.h>
#include <string.h>

static const struct {
  const char *name;
  DsModelFormat format;
} format_names[] = {
  { "json", DS_MODEL_FORMAT_JSON },
  { "graphtxt", DS_MODEL_FORMAT_GRAPHTXT },
  { "graph.txt", DS_MODEL_FORMAT_GRAPHTXT },
  { "pipedream", DS_MODEL_FORMAT_GRAPHTXT },
  { "csv", DS_MODEL_FORMAT_CSV },
};

gboolean
ds_model_format_parse (const char *name, DsModelFormat *out, GError **error)
{
  for (guint i = 0; i < G_N_ELEMENTS (format_names); i++)
    if (g_ascii_strcasecmp (name, format_names[i].name) == 0)
      {
        *out = format_names[i].format;
        return TRUE;
      }
  return ds_fail (error, DS_ERROR_INVALID,
                  "unknown model format '%s' (expected json, graphtxt or csv)",
                  name);
}

const char *
ds_model_format_name (DsModelFormat format)
{
  switch (format)
    {
    case DS_MODEL_FORMAT_JSON: return "json";
    case DS_MODEL_FORMAT_GRAPHTXT: return "graphtxt";
    case DS_MODEL_FORMAT_CSV: return "csv";
    case DS_MODEL_FORMAT_AUTO: break;
    }
  return "auto";
}

DsModelFormat
ds_model_format_guess (const char *path)
{
  if (g_str_has_suffix (path, ".json"))
    return DS_MODEL_FORMAT_JSON;
  if (g_str_has_suffix (path, ".csv"))
    return DS_MODEL_FORMAT_CSV;
  if (g_str_has_suffix (path, ".txt"))
    return DS_MODEL_FORMAT_GRAPHTXT;
  return DS_MODEL_FORMAT_AUTO;
}

/* For a name without a telling extension: JSON starts with '{', a graph.txt
 * node line has " -- ", a profile CSV's header names fwd_ms. */
static DsModelFormat
sniff (const char *text)
{
  const char *p = text;
  const char *eol;

  while (g_ascii_isspace (*p))
    p++;
  if (*p == '{')
    return DS_MODEL_FORMAT_JSON;
  eol = strchr (p, '\n');
  g_autofree char *line = eol ? g_strndup (p, eol - p) : g_strdup (p);
  if (strstr (line, " -- ") != NULL)
    return DS_MODEL_FORMAT_GRAPHTXT;
  if (strstr (line, "fwd_ms") != NULL && strchr (line, ',') != NULL)
    return DS_MODEL_FORMAT_CSV;
  return DS_MODEL_FORMAT_AUTO;
}

DsModel *
ds_model_load (const char *spec, DsModelFormat format, GError **error)
{
  g_autofree char *path = g_strdup (spec);
  g_autofree char *text = NULL;
  char *select = strrchr (path, '#');
  gsize len = 0;

  if (select != NULL)
    *select++ = '\0';
  if (!ds_read_file (path, &text, &len, error))
    return NULL;
  if (format == DS_MODEL_FORMAT_AUTO)
    format = ds_model_format_guess (path);
  if (format == DS_MODEL_FORMAT_AUTO)
    format = sniff (text);
  if (select != NULL && format != DS_MODEL_FORMAT_CSV)
    return ds_fail_at_null (error, DS_ERROR_INVALID, DS_POS (path, 0),
                            "a '#%s' selector applies only to CSV profiles",
                            select);
  switch (format)
    {
    case DS_MODEL_FORMAT_JSON:
      return ds_model_read_json (text, len, path, error);
    case DS_MODEL_FORMAT_GRAPHTXT:
      return ds_graphtxt_read (text, len, path, error);
    case DS_MODEL_FORMAT_CSV:
      return ds_profile_csv_read (text, len, path, select, error);
    case DS_MODEL_FORMAT_AUTO:
      break;
    }
  return ds_fail_at_null (error, DS_ERROR_SYNTAX, DS_POS (path, 1),
                          "not a model file dawnsim knows (JSON, PipeDream "
                          "graph.txt or a per-layer CSV); name the format "
                          "with --from");
}

char *
ds_model_serialize (const DsModel *model, DsModelFormat format, gsize *len,
                    GError **error)
{
  switch (format)
    {
    case DS_MODEL_FORMAT_JSON:
      return ds_model_write_json (model, len);
    case DS_MODEL_FORMAT_GRAPHTXT:
      return ds_graphtxt_write (model, len, error);
    case DS_MODEL_FORMAT_CSV:
    case DS_MODEL_FORMAT_AUTO:
      break;
    }
  return ds_fail_null (error, DS_ERROR_UNSUPPORTED,
                       "dawnsim reads %s models but does not write them "
                       "(write json or graphtxt)",
                       format == DS_MODEL_FORMAT_CSV ? "csv" : "unnamed-format");
}

gboolean
ds_model_save (const DsModel *model, const char *path, DsModelFormat format,
               GError **error)
{
  g_autofree char *text = NULL;
  gsize len = 0;

  if (format == DS_MODEL_FORMAT_AUTO)
    format = ds_model_format_guess (path);
  if (format == DS_MODEL_FORMAT_AUTO)
    return ds_fail (error, DS_ERROR_INVALID,
                    "cannot tell the output format from '%s': name it with "
                    "--to json or --to graphtxt", path);
  text = ds_model_serialize (model, format, &len, error);
  if (text == NULL)
    return FALSE;
  if (strcmp (path, "-") == 0)
    return fwrite (text, 1, len, stdout) == len
           || ds_fail (error, DS_ERROR_IO, "write failure on standard output");
  return ds_write_file (path, text, len, error);
}

DsModel *
ds_model_open (const char *name_or_spec, const DsZooOptions *zoo_options,
               GError **error)
{
  g_autofree char *path = g_strdup (name_or_spec);
  char *hash = strrchr (path, '#');

  if (hash != NULL)
    *hash = '\0';
  if (g_file_test (path, G_FILE_TEST_EXISTS))
    return ds_model_load (name_or_spec, DS_MODEL_FORMAT_AUTO, error);
  if (ds_zoo_find (name_or_spec) != NULL)
    return ds_zoo_build (name_or_spec, zoo_options, error);
  if (strchr (name_or_spec, '/') != NULL || strchr (name_or_spec, '.') != NULL)
    return ds_fail_at_null (error, DS_ERROR_IO, DS_POS (path, 0),
                            "no such file");
  return ds_fail_null (error, DS_ERROR_UNKNOWN_NAME,
                       "'%s' is neither a file nor a model of the zoo "
                       "(`dawnsim models` lists them)", name_or_spec);
}
