/* hwmodels/presets.c - locate preset files, parse inline cluster specs,
 * open a cluster from whatever the user typed (see presets.h). */
#include "config.h"

#include "hwmodels/presets.h"
#include "core/cluster-json.h"

#include <string.h>

char *
ds_hw_presets_dir (void)
{
  const char *env = g_getenv ("DS_PRESETS_DIR");

  if (env != NULL && env[0] != '\0')
    return g_strdup (env);
  if (g_file_test (DS_PRESETS_SRCDIR, G_FILE_TEST_IS_DIR))
    return g_strdup (DS_PRESETS_SRCDIR);
  return g_strdup (DS_PRESETS_PKGDIR);
}

static gint
compare_names (gconstpointer a, gconstpointer b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

GPtrArray *
ds_hw_preset_names (const char *kind, GError **error)
{
  g_autofree char *root = ds_hw_presets_dir ();
  g_autofree char *dir_path = g_build_filename (root, kind, NULL);
  g_autoptr(GDir) dir = g_dir_open (dir_path, 0, NULL);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *entry;

  if (dir == NULL)
    return ds_fail_null (error, DS_ERROR_IO, "%s: cannot open the presets "
                         "folder (set DS_PRESETS_DIR)", dir_path);
  while ((entry = g_dir_read_name (dir)) != NULL)
    if (g_str_has_suffix (entry, ".json"))
      g_ptr_array_add (names, g_strndup (entry, strlen (entry) - 5));
  g_ptr_array_sort (names, compare_names);
  return g_steal_pointer (&names);
}

/* A file name rather than a preset name: missing files then get the
 * reader's I/O error ("x.json: No such file"), not "no preset". */
static gboolean
looks_like_file (const char *arg)
{
  return g_str_has_suffix (arg, ".json") || strchr (arg, G_DIR_SEPARATOR) != NULL;
}

/* A path for @name_or_file: itself when it is a file, else the preset. */
static char *
preset_path (const char *kind, const char *name_or_file)
{
  g_autofree char *root = NULL;
  g_autofree char *file = NULL;

  if (g_file_test (name_or_file, G_FILE_TEST_IS_REGULAR)
      || looks_like_file (name_or_file))
    return g_strdup (name_or_file);
  root = ds_hw_presets_dir ();
  file = g_strconcat (name_or_file, ".json", NULL);
  return g_build_filename (root, kind, file, NULL);
}

static gboolean
is_preset_name (const char *name)
{
  if (name[0] == '\0' || name[0] == '.')
    return FALSE;
  for (const char *c = name; *c; c++)
    if (!g_ascii_isalnum (*c) && *c != '-' && *c != '_' && *c != '.')
      return FALSE;
  return TRUE;
}

DsHwDevice *
ds_hw_device_open (const char *name_or_file, GError **error)
{
  g_autofree char *path = preset_path ("devices", name_or_file);
  g_autofree char *text = NULL;
  gsize len = 0;

  if (!g_file_test (path, G_FILE_TEST_EXISTS) && !looks_like_file (name_or_file))
    return ds_fail_null (error, DS_ERROR_UNKNOWN_NAME,
                         "no device '%s' (see 'dawnsim hw list')", name_or_file);
  if (!ds_read_file (path, &text, &len, error))
    return NULL;
  return ds_hw_device_read_json (text, len, path, error);
}

GPtrArray *
ds_hw_links_open (GError **error)
{
  g_autofree char *root = ds_hw_presets_dir ();
  g_autofree char *path = g_build_filename (root, "links.json", NULL);
  g_autofree char *text = NULL;
  gsize len = 0;

  if (!ds_read_file (path, &text, &len, error))
    return NULL;
  return ds_hw_links_read_json (text, len, path, error);
}

void
ds_hw_cluster_set_device (DsCluster *cluster, const DsHwDevice *device)
{
  DsDevice *d = ds_cluster_device (cluster);
  GHashTableIter it;
  gpointer key, value;

  g_free (d->name);
  d->name = g_strdup (device->name);
  d->memory_bytes = device->memory_bytes;
  d->mem_bw_bytes_per_s = device->mem_bw_bytes_per_s;
  g_hash_table_iter_init (&it, device->peak_flops_per_s);
  while (g_hash_table_iter_next (&it, &key, &value))
    ds_device_set_peak_flops_per_s (d, key, *(double *) value);
}

/* ---- inline spec ---- */

/* "8x4" -> counts 8, 4 */
static GArray *
parse_counts (const char *spec, const char *text, GError **error)
{
  g_auto(GStrv) parts = g_strsplit (text, "x", -1);
  g_autoptr(GArray) counts = g_array_new (FALSE, FALSE, sizeof (guint));

  for (guint i = 0; parts[i] != NULL; i++)
    {
      guint64 v = 0;
      if (!g_ascii_string_to_unsigned (parts[i], 10, 1, DS_CLUSTER_MAX_DEVICES,
                                       &v, NULL))
        return ds_fail_null (error, DS_ERROR_SYNTAX,
                             "cluster spec '%s': count '%s' must be a whole "
                             "number from 1 to %u", spec, parts[i],
                             DS_CLUSTER_MAX_DEVICES);
      guint c = (guint) v;
      g_array_append_val (counts, c);
    }
  return g_steal_pointer (&counts);
}

DsCluster *
ds_hw_cluster_from_spec (const char *spec, GPtrArray *links, GError **error)
{
  const char *colon = strchr (spec, ':');
  g_autofree char *dev_name = NULL;
  g_auto(GStrv) fields = NULL;
  g_autoptr(GArray) counts = NULL;
  g_autoptr(DsHwDevice) device = NULL;
  g_autoptr(DsCluster) cluster = NULL;
  guint n_links;

  if (colon == NULL || colon == spec || colon[1] == '\0')
    return ds_fail_null (error, DS_ERROR_SYNTAX, "cluster spec '%s': expected "
                         "DEVICE:COUNTS,LINK... as in h100:8x4,nvlink4,ib-ndr",
                         spec);
  dev_name = g_strndup (spec, colon - spec);
  fields = g_strsplit (colon + 1, ",", -1);
  if ((counts = parse_counts (spec, fields[0], error)) == NULL)
    return NULL;
  n_links = g_strv_length (fields) - 1;
  if (n_links != counts->len)
    return ds_fail_null (error, DS_ERROR_SYNTAX, "cluster spec '%s': %u "
                         "counts but %u links (give one link per level, "
                         "innermost first)", spec, counts->len, n_links);
  if (!is_preset_name (dev_name))
    return ds_fail_null (error, DS_ERROR_UNKNOWN_NAME,
                         "cluster spec '%s': no device '%s'", spec, dev_name);
  if ((device = ds_hw_device_open (dev_name, error)) == NULL)
    return NULL;
  cluster = ds_cluster_new (spec);
  ds_hw_cluster_set_device (cluster, device);
  for (guint i = 0; i < n_links; i++)
    {
      const DsHwLink *l = ds_hw_links_find (links, fields[i + 1]);
      if (l == NULL)
        return ds_fail_null (error, DS_ERROR_UNKNOWN_NAME, "cluster spec '%s': "
                             "no link '%s' (see 'dawnsim hw list')", spec,
                             fields[i + 1]);
      ds_cluster_add_level (cluster, l->name, g_array_index (counts, guint, i),
                            l->bw_bytes_per_s * l->efficiency, l->latency_s);
    }
  if (!ds_cluster_check (cluster, error))
    {
      g_prefix_error (error, "cluster spec '%s': ", spec);
      return NULL;
    }
  return g_steal_pointer (&cluster);
}

/* ---- open ---- */

static DsCluster *
open_file (const char *path, GError **error)
{
  g_autofree char *text = NULL;
  g_autoptr(DsCluster) cluster = NULL;
  gsize len = 0;
  DsDevice *d;

  if (!ds_read_file (path, &text, &len, error)
      || (cluster = ds_cluster_read_json (text, len, path, error)) == NULL)
    return NULL;
  d = ds_cluster_device (cluster);
  if (g_hash_table_size (d->peak_flops_per_s) == 0 && is_preset_name (d->name))
    {
      g_autoptr(DsHwDevice) device = ds_hw_device_open (d->name, NULL);
      if (device != NULL)
        ds_hw_cluster_set_device (cluster, device);
    }
  return g_steal_pointer (&cluster);
}

/* A copy of @c whose outermost level has count @n_gpus / (inner product). */
static DsCluster *
resize (const DsCluster *c, guint n_gpus, GError **error)
{
  guint n_levels = ds_cluster_n_levels (c), inner = 1;
  g_autoptr(DsCluster) out = ds_cluster_new (ds_cluster_get_name (c));
  const DsDevice *src = ds_cluster_device_const (c);
  DsDevice *dst = ds_cluster_device (out);
  GHashTableIter it;
  gpointer key, value;

  if (n_levels == 0)
    return ds_fail_null (error, DS_ERROR_INVALID, "cluster '%s' has no levels "
                         "to resize", ds_cluster_get_name (c));
  for (guint i = 0; i + 1 < n_levels; i++)
    inner *= ds_cluster_level (c, i)->count;
  if (n_gpus % inner != 0)
    return ds_fail_null (error, DS_ERROR_INVALID, "cluster '%s': %u GPUs is "
                         "not a multiple of %u (the GPUs per outermost group)",
                         ds_cluster_get_name (c), n_gpus, inner);
  g_free (dst->name);
  dst->name = g_strdup (src->name);
  dst->memory_bytes = src->memory_bytes;
  dst->mem_bw_bytes_per_s = src->mem_bw_bytes_per_s;
  g_hash_table_iter_init (&it, src->peak_flops_per_s);
  while (g_hash_table_iter_next (&it, &key, &value))
    ds_device_set_peak_flops_per_s (dst, key, *(double *) value);
  for (guint i = 0; i < n_levels; i++)
    {
      const DsClusterLevel *l = ds_cluster_level (c, i);
      ds_cluster_add_level (out, l->name,
                            i + 1 == n_levels ? n_gpus / inner : l->count,
                            l->bw_bytes_per_s, l->latency_s);
    }
  return g_steal_pointer (&out);
}

static DsCluster *
open_any (const char *arg, GError **error)
{
  g_autofree char *alias = NULL;
  g_autofree char *path = NULL;

  if (strchr (arg, ':') != NULL)
    {
      g_autoptr(GPtrArray) links = ds_hw_links_open (error);
      return links != NULL ? ds_hw_cluster_from_spec (arg, links, error) : NULL;
    }
  if (strlen (arg) == 1 && strchr ("ABCabc", arg[0]) != NULL)
    arg = alias = g_strdup_printf ("pipedream-%c", g_ascii_tolower (arg[0]));
  path = preset_path ("clusters", arg);
  if (!g_file_test (path, G_FILE_TEST_EXISTS) && !looks_like_file (arg))
    return ds_fail_null (error, DS_ERROR_UNKNOWN_NAME, "no cluster '%s' (a "
                         "preset name, a file, or a spec like "
                         "h100:8x4,nvlink4,ib-ndr)", arg);
  return open_file (path, error);
}

DsCluster *
ds_hw_cluster_open (const char *arg, guint n_gpus, GError **error)
{
  g_autoptr(DsCluster) cluster = NULL;
  g_autoptr(DsCluster) sized = NULL;
  g_autofree char *preset = NULL;
  const char *colon = strrchr (arg, ':');
  guint64 count = 0;

  /* "dgx-a100:64": a cluster preset resized to 64 devices (issue #6's
   * spelling), when the part after the colon is a count and no --gpus
   * says otherwise; anything else with a colon is an inline spec. */
  if (colon != NULL && colon[1] != '\0' && strchr (arg, ',') == NULL
      && g_ascii_string_to_unsigned (colon + 1, 10, 1, G_MAXUINT, &count, NULL))
    {
      preset = g_strndup (arg, colon - arg);
      g_autofree char *dir = ds_hw_presets_dir ();
      g_autofree char *file = g_strdup_printf ("%s/clusters/%s.json", dir, preset);
      if (g_file_test (file, G_FILE_TEST_EXISTS))
        {
          if (n_gpus != 0 && n_gpus != count)
            return ds_fail_null (error, DS_ERROR_INVALID, "cluster '%s' asks for %"
                                 G_GUINT64_FORMAT " devices but --gpus says %u",
                                 arg, count, n_gpus);
          arg = preset;
          n_gpus = (guint) count;
        }
    }
  cluster = open_any (arg, error);
  if (cluster == NULL)
    return NULL;
  if (n_gpus == 0 || n_gpus == ds_cluster_n_devices (cluster))
    return g_steal_pointer (&cluster);
  if ((sized = resize (cluster, n_gpus, error)) == NULL
      || !ds_cluster_check (sized, error))
    return NULL;
  return g_steal_pointer (&sized);
}
