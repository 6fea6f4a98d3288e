/* hwmodels/link.c - read the link presets.
 *
 * The format, in full (unknown members are errors):
 *
 *   { "format": "dawnsim-links", "version": 1,
 *     "links": [
 *       { "name": "pcie3", "title": "PCIe Gen3 x16",
 *         "bw_bytes_per_s": 1.575e10, "latency_us": 1, "efficiency": 0.8 },
 *       ... ] }
 *
 * Every member of a link but "title" is required.
 */
#include "config.h"

#include "hwmodels/link.h"
#include "core/json-reader.h"

#include <math.h>
#include <string.h>

static const char *const top_members[] = { "format", "version", "links", NULL };
static const char *const link_members[] = {
  "name", "title", "bw_bytes_per_s", "latency_us", "efficiency", NULL
};

void
ds_hw_link_free (DsHwLink *link)
{
  if (link == NULL)
    return;
  g_free (link->name);
  g_free (link->title);
  g_free (link);
}

const DsHwLink *
ds_hw_links_find (GPtrArray *links, const char *name)
{
  for (guint i = 0; i < links->len; i++)
    {
      const DsHwLink *l = g_ptr_array_index (links, i);
      if (strcmp (l->name, name) == 0)
        return l;
    }
  return NULL;
}

/* Fails unless lo < v <= hi (or lo <= v when @closed_lo). */
static gboolean
check_range (const DsJsonDoc *doc, JsonObject *obj, const char *member,
             const char *what, double v, double lo, gboolean closed_lo,
             double hi, GError **error)
{
  if (isfinite (v) && (closed_lo ? v >= lo : v > lo) && v <= hi)
    return TRUE;
  return ds_fail_at (error, DS_ERROR_INVALID, ds_json_pos (doc, obj, member),
                     "link '%s': '%s' out of range, got %g", what, member, v);
}

static DsHwLink *
read_link (const DsJsonDoc *doc, JsonArray *arr, guint idx, GError **error)
{
  JsonObject *obj = ds_json_array_object (doc, arr, idx, "link", error);
  const char *name = NULL, *title = "";
  double bw = 0, lat_us = 0, eff = 0;
  g_autoptr(DsHwLink) link = NULL;

  if (obj == NULL
      || !ds_json_check_members (doc, obj, link_members, error)
      || !ds_json_get_string (doc, obj, "name", TRUE, &name, error)
      || !ds_json_get_string (doc, obj, "title", FALSE, &title, error)
      || !ds_json_get_double (doc, obj, "bw_bytes_per_s", TRUE, &bw, error)
      || !ds_json_get_double (doc, obj, "latency_us", TRUE, &lat_us, error)
      || !ds_json_get_double (doc, obj, "efficiency", TRUE, &eff, error)
      || !check_range (doc, obj, "bw_bytes_per_s", name, bw, 0, FALSE,
                       G_MAXDOUBLE, error)
      || !check_range (doc, obj, "latency_us", name, lat_us, 0, TRUE,
                       G_MAXDOUBLE, error)
      || !check_range (doc, obj, "efficiency", name, eff, 0, FALSE, 1, error))
    return NULL;
  if (name[0] == '\0' || strpbrk (name, ",: ") != NULL)
    return ds_fail_at_null (error, DS_ERROR_INVALID,
                            ds_json_pos (doc, obj, "name"),
                            "link name '%s' must be non-empty without ',', "
                            "':' or blanks", name);
  link = g_new0 (DsHwLink, 1);
  link->name = g_strdup (name);
  link->title = g_strdup (title);
  link->bw_bytes_per_s = bw;
  link->latency_s = lat_us / 1e6;
  link->efficiency = eff;
  return g_steal_pointer (&link);
}

GPtrArray *
ds_hw_links_read_json (const char *text, gssize len, const char *file,
                       GError **error)
{
  g_autoptr(DsJsonDoc) doc = NULL;
  g_autoptr(GPtrArray) links = g_ptr_array_new_with_free_func ((GDestroyNotify) ds_hw_link_free);
  const char *format = NULL;
  JsonArray *arr = NULL;
  JsonObject *root;

  if ((doc = ds_json_doc_parse (text, len, file, error)) == NULL
      || (root = ds_json_doc_root_object (doc, error)) == NULL
      || !ds_json_check_members (doc, root, top_members, error)
      || !ds_json_get_string (doc, root, "format", TRUE, &format, error)
      || !ds_json_get_array (doc, root, "links", TRUE, &arr, error))
    return NULL;
  if (strcmp (format, "dawnsim-links") != 0)
    return ds_fail_at_null (error, DS_ERROR_UNSUPPORTED,
                            ds_json_pos (doc, root, "format"),
                            "'format' must be \"dawnsim-links\", got \"%s\"",
                            format);
  for (guint i = 0; i < json_array_get_length (arr); i++)
    {
      DsHwLink *link = read_link (doc, arr, i, error);
      if (link == NULL)
        return NULL;
      if (ds_hw_links_find (links, link->name) != NULL)
        {
          ds_fail_at (error, DS_ERROR_DUPLICATE, ds_json_pos_element (doc, arr, i),
                      "link '%s' is defined twice", link->name);
          ds_hw_link_free (link);
          return NULL;
        }
      g_ptr_array_add (links, link);
    }
  return g_steal_pointer (&links);
}
