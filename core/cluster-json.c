/* core/cluster-json.c - read and write the dawnsim cluster JSON format.
 *
 * The format, in full:
 *
 *   { "format": "dawnsim-cluster", "version": 1,
 *     "name": "pipedream-a-4x4",                            optional
 *     "device": { "name": "V100-16GB",                      optional
 *                 "memory_bytes": 17179869184,
 *                 "mem_bw_bytes_per_s": 9e11,
 *                 "peak_flops_per_s": { "fp32": 1.57e13, "fp16": 1.25e14 } },
 *     "levels": [                                           innermost first
 *       { "name": "pcie", "count": 4, "bw_bytes_per_s": 1e10, "latency_us": 5 },
 *       { "name": "ethernet", "count": 4, "bw_bytes_per_s": 1.25e9 } ] }
 *
 * The device and each level are written on one line, so a line number
 * names a level. Peak rates are written with sorted dtype names.
 */
#include "config.h"

#include "core/cluster-json.h"
#include "core/json-reader.h"
#include "core/json-writer.h"

#include <string.h>

#define CLUSTER_FORMAT "dawnsim-cluster"
#define CLUSTER_VERSION 1

static const char *const top_members[] = {
  "format", "version", "name", "device", "levels", NULL
};
static const char *const device_members[] = {
  "name", "memory_bytes", "mem_bw_bytes_per_s", "peak_flops_per_s", NULL
};
static const char *const level_members[] = {
  "name", "count", "bw_bytes_per_s", "latency_us", NULL
};

/* A number that must be >= 0 (or > 0 when @strict). */
static gboolean
read_bounded (const DsJsonDoc *doc, JsonObject *obj, const char *member,
              gboolean required, gboolean strict, const char *what,
              double *out, GError **error)
{
  if (!ds_json_get_double (doc, obj, member, required, out, error))
    return FALSE;
  if (strict ? *out > 0 : *out >= 0)
    return TRUE;
  return ds_fail_at (error, DS_ERROR_INVALID, ds_json_pos (doc, obj, member),
                     "%s: '%s' must be %s 0, got %g", what, member,
                     strict ? ">" : ">=", *out);
}

static gboolean
read_peaks (const DsJsonDoc *doc, JsonObject *obj, DsDevice *device,
            GError **error)
{
  JsonObject *peaks = NULL;
  JsonObjectIter iter;
  const char *dtype;

  if (!ds_json_get_object (doc, obj, "peak_flops_per_s", FALSE, &peaks, error))
    return FALSE;
  if (peaks == NULL)
    return TRUE;
  json_object_iter_init_ordered (&iter, peaks);
  while (json_object_iter_next_ordered (&iter, &dtype, NULL))
    {
      double v = 0;
      if (!read_bounded (doc, peaks, dtype, TRUE, FALSE, "device", &v, error))
        return FALSE;
      ds_device_set_peak_flops_per_s (device, dtype, v);
    }
  return TRUE;
}

/* device -> { name?, memory_bytes?, mem_bw_bytes_per_s?, peak_flops_per_s? } */
static gboolean
read_device (const DsJsonDoc *doc, JsonObject *root, DsDevice *device,
             GError **error)
{
  JsonObject *obj = NULL;
  const char *name = "";

  if (!ds_json_get_object (doc, root, "device", FALSE, &obj, error))
    return FALSE;
  if (obj == NULL)
    return TRUE;
  if (!ds_json_check_members (doc, obj, device_members, error)
      || !ds_json_get_string (doc, obj, "name", FALSE, &name, error))
    return FALSE;
  g_free (device->name);
  device->name = g_strdup (name);
  return ds_json_get_uint64 (doc, obj, "memory_bytes", FALSE,
                             &device->memory_bytes, error)
         && read_bounded (doc, obj, "mem_bw_bytes_per_s", FALSE, FALSE,
                          "device", &device->mem_bw_bytes_per_s, error)
         && read_peaks (doc, obj, device, error);
}

/* level -> { name?, count, bw_bytes_per_s, latency_us? } */
static gboolean
read_level (const DsJsonDoc *doc, JsonArray *levels, guint idx,
            DsCluster *cluster, GError **error)
{
  JsonObject *obj = ds_json_array_object (doc, levels, idx, "level", error);
  g_autofree char *what = g_strdup_printf ("level %u", idx);
  const char *name = NULL;
  guint count = 0;
  double bw = 0, latency_us = 0;

  if (obj == NULL
      || !ds_json_check_members (doc, obj, level_members, error)
      || !ds_json_get_string (doc, obj, "name", FALSE, &name, error)
      || !ds_json_get_uint (doc, obj, "count", TRUE, &count, error)
      || !read_bounded (doc, obj, "bw_bytes_per_s", TRUE, TRUE, what, &bw, error)
      || !read_bounded (doc, obj, "latency_us", FALSE, FALSE, what,
                        &latency_us, error))
    return FALSE;
  if (count < 1)
    return ds_fail_at (error, DS_ERROR_INVALID, ds_json_pos (doc, obj, "count"),
                       "%s: 'count' must be >= 1, got 0", what);
  ds_cluster_add_level (cluster, name, count, bw, latency_us / 1e6);
  return TRUE;
}

static gboolean
read_header (const DsJsonDoc *doc, JsonObject *root, DsCluster *cluster,
             GError **error)
{
  const char *name = NULL;

  if (!ds_json_check_members (doc, root, top_members, error)
      || !ds_json_check_format (doc, root, CLUSTER_FORMAT, CLUSTER_VERSION, error)
      || !ds_json_get_string (doc, root, "name", FALSE, &name, error))
    return FALSE;
  if (name != NULL)
    ds_cluster_set_name (cluster, name);
  return TRUE;
}

DsCluster *
ds_cluster_read_json (const char *text, gssize len, const char *file,
                      GError **error)
{
  g_autoptr(DsJsonDoc) doc = NULL;
  g_autoptr(DsCluster) cluster = NULL;
  g_autofree char *stem = ds_file_stem (file, "cluster");
  JsonArray *levels = NULL;
  JsonObject *root;

  if ((doc = ds_json_doc_parse (text, len, file, error)) == NULL
      || (root = ds_json_doc_root_object (doc, error)) == NULL)
    return NULL;
  cluster = ds_cluster_new (stem);
  if (!read_header (doc, root, cluster, error)
      || !read_device (doc, root, ds_cluster_device (cluster), error)
      || !ds_json_get_array (doc, root, "levels", FALSE, &levels, error))
    return NULL;
  for (guint i = 0; levels != NULL && i < json_array_get_length (levels); i++)
    if (!read_level (doc, levels, i, cluster, error))
      return NULL;
  if (!ds_cluster_check (cluster, error))
    {
      g_prefix_error (error, "%s: ", ds_json_doc_file (doc));
      return NULL;
    }
  return g_steal_pointer (&cluster);
}

static gint
compare_strings (gconstpointer a, gconstpointer b, gpointer unused)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

static void
write_peaks (DsJsonWriter *w, const DsDevice *device)
{
  g_autofree const char **keys = NULL;
  guint n = 0;

  if (g_hash_table_size (device->peak_flops_per_s) == 0)
    return;
  keys = (const char **) g_hash_table_get_keys_as_array (device->peak_flops_per_s, &n);
  g_qsort_with_data (keys, n, sizeof (char *), compare_strings, NULL);
  ds_json_member (w, "peak_flops_per_s");
  ds_json_begin_object_inline (w);
  for (guint i = 0; i < n; i++)
    ds_json_member_double (w, keys[i],
                           ds_device_peak_flops_per_s (device, keys[i]));
  ds_json_end_object (w);
}

static void
write_device (DsJsonWriter *w, const DsDevice *device)
{
  ds_json_member (w, "device");
  ds_json_begin_object_inline (w);
  ds_json_member_string (w, "name", device->name);
  if (device->memory_bytes > 0)
    ds_json_member_uint64 (w, "memory_bytes", device->memory_bytes);
  if (device->mem_bw_bytes_per_s > 0)
    ds_json_member_double (w, "mem_bw_bytes_per_s", device->mem_bw_bytes_per_s);
  write_peaks (w, device);
  ds_json_end_object (w);
}

static void
write_level (DsJsonWriter *w, const DsClusterLevel *level)
{
  ds_json_begin_object_inline (w);
  if (level->name != NULL)
    ds_json_member_string (w, "name", level->name);
  ds_json_member_uint64 (w, "count", level->count);
  ds_json_member_double (w, "bw_bytes_per_s", level->bw_bytes_per_s);
  if (level->latency_s > 0)
    ds_json_member_scaled (w, "latency_us", level->latency_s, 1e6);
  ds_json_end_object (w);
}

char *
ds_cluster_write_json (const DsCluster *cluster, gsize *len)
{
  DsJsonWriter *w = ds_json_writer_new ();

  ds_json_begin_object (w);
  ds_json_member_string (w, "format", CLUSTER_FORMAT);
  ds_json_member_int64 (w, "version", CLUSTER_VERSION);
  ds_json_member_string (w, "name", ds_cluster_get_name (cluster));
  write_device (w, ds_cluster_device_const (cluster));
  ds_json_member (w, "levels");
  ds_json_begin_array (w);
  for (guint i = 0; i < ds_cluster_n_levels (cluster); i++)
    write_level (w, ds_cluster_level (cluster, i));
  ds_json_end_array (w);
  ds_json_end_object (w);
  return ds_json_writer_finish (w, len);
}
