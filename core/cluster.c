/* core/cluster.c - DsCluster (see cluster.h).
 *
 * Levels live in a GArray in innermost-first order; nothing is derived or
 * cached, so every query walks the levels (there are two or three).
 */
#include "config.h"

#include "core/cluster.h"
#include "core/error.h"

#include <math.h>

struct _DsCluster {
  gint ref_count;
  char *name;
  DsDevice device;
  GArray *levels;            /* DsClusterLevel, names owned */
};

static void
level_clear (gpointer p)
{
  DsClusterLevel *level = p;

  g_free (level->name);
}

DsCluster *
ds_cluster_new (const char *name)
{
  DsCluster *cluster = g_new0 (DsCluster, 1);

  cluster->ref_count = 1;
  cluster->name = g_strdup (name != NULL ? name : "");
  cluster->device.name = g_strdup ("");
  cluster->device.peak_flops_per_s =
    g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  cluster->levels = g_array_new (FALSE, TRUE, sizeof (DsClusterLevel));
  g_array_set_clear_func (cluster->levels, level_clear);
  return cluster;
}

DsCluster *
ds_cluster_ref (DsCluster *cluster)
{
  g_atomic_int_inc (&cluster->ref_count);
  return cluster;
}

void
ds_cluster_unref (DsCluster *cluster)
{
  if (cluster == NULL || !g_atomic_int_dec_and_test (&cluster->ref_count))
    return;
  g_array_unref (cluster->levels);
  g_hash_table_unref (cluster->device.peak_flops_per_s);
  g_free (cluster->device.name);
  g_free (cluster->name);
  g_free (cluster);
}

const char *
ds_cluster_get_name (const DsCluster *cluster)
{
  return cluster->name;
}

void
ds_cluster_set_name (DsCluster *cluster, const char *name)
{
  g_free (cluster->name);
  cluster->name = g_strdup (name != NULL ? name : "");
}

DsDevice *
ds_cluster_device (DsCluster *cluster)
{
  return &cluster->device;
}

const DsDevice *
ds_cluster_device_const (const DsCluster *cluster)
{
  return &cluster->device;
}

double
ds_device_peak_flops_per_s (const DsDevice *device, const char *dtype)
{
  const double *v = g_hash_table_lookup (device->peak_flops_per_s, dtype);

  return v != NULL ? *v : 0;
}

void
ds_device_set_peak_flops_per_s (DsDevice *device, const char *dtype,
                                double flops_per_s)
{
  double *v = g_new (double, 1);

  *v = flops_per_s;
  g_hash_table_replace (device->peak_flops_per_s, g_strdup (dtype), v);
}

guint
ds_cluster_add_level (DsCluster *cluster, const char *name, guint count,
                      double bw_bytes_per_s, double latency_s)
{
  DsClusterLevel level = { g_strdup (name), count, bw_bytes_per_s, latency_s };

  g_array_append_val (cluster->levels, level);
  return cluster->levels->len - 1;
}

guint
ds_cluster_n_levels (const DsCluster *cluster)
{
  return cluster->levels->len;
}

const DsClusterLevel *
ds_cluster_level (const DsCluster *cluster, guint idx)
{
  g_return_val_if_fail (idx < cluster->levels->len, NULL);
  return &g_array_index (cluster->levels, DsClusterLevel, idx);
}

guint
ds_cluster_n_devices (const DsCluster *cluster)
{
  guint64 n = 1;

  for (guint i = 0; i < cluster->levels->len; i++)
    {
      n *= ds_cluster_level (cluster, i)->count;
      if (n > DS_CLUSTER_MAX_DEVICES)
        return DS_CLUSTER_MAX_DEVICES + 1;
    }
  return (guint) n;
}

/* Ranks a and b share a group of level l when a / g == b / g, with g the
 * devices per level-l group: the product of counts of levels 0..l. */
gint
ds_cluster_link_level (const DsCluster *cluster, guint a, guint b)
{
  guint64 group = 1;

  g_return_val_if_fail (a < ds_cluster_n_devices (cluster), -1);
  g_return_val_if_fail (b < ds_cluster_n_devices (cluster), -1);
  if (a == b)
    return -1;
  for (guint l = 0; l < cluster->levels->len; l++)
    {
      group *= ds_cluster_level (cluster, l)->count;
      if (a / group == b / group)
        return (gint) l;
    }
  g_assert_not_reached ();  /* the top level holds every rank */
}

static gboolean
check_level (const DsClusterLevel *level, guint idx, GError **error)
{
  g_autofree char *what = level->name != NULL
    ? g_strdup_printf ("level %u ('%s')", idx, level->name)
    : g_strdup_printf ("level %u", idx);

  if (level->count < 1)
    return ds_fail (error, DS_ERROR_INVALID, "%s: count must be >= 1, got %u",
                    what, level->count);
  if (!isfinite (level->bw_bytes_per_s) || level->bw_bytes_per_s <= 0)
    return ds_fail (error, DS_ERROR_INVALID,
                    "%s: bandwidth must be > 0 bytes/s, got %g", what,
                    level->bw_bytes_per_s);
  if (!isfinite (level->latency_s) || level->latency_s < 0
      || level->latency_s > 1e300)
    return ds_fail (error, DS_ERROR_INVALID,
                    "%s: latency must be in [0, 1e300] s, got %g", what,
                    level->latency_s);
  return TRUE;
}

static gboolean
check_device (const DsDevice *device, GError **error)
{
  GHashTableIter iter;
  gpointer key, value;

  if (!isfinite (device->mem_bw_bytes_per_s) || device->mem_bw_bytes_per_s < 0)
    return ds_fail (error, DS_ERROR_INVALID,
                    "device '%s': memory bandwidth must be >= 0, got %g",
                    device->name, device->mem_bw_bytes_per_s);
  g_hash_table_iter_init (&iter, device->peak_flops_per_s);
  while (g_hash_table_iter_next (&iter, &key, &value))
    if (!isfinite (*(double *) value) || *(double *) value < 0)
      return ds_fail (error, DS_ERROR_INVALID,
                      "device '%s': peak flop/s for '%s' must be >= 0, got %g",
                      device->name, (const char *) key, *(double *) value);
  return TRUE;
}

gboolean
ds_cluster_check (const DsCluster *cluster, GError **error)
{
  for (guint i = 0; i < cluster->levels->len; i++)
    if (!check_level (ds_cluster_level (cluster, i), i, error))
      return FALSE;
  if (ds_cluster_n_devices (cluster) > DS_CLUSTER_MAX_DEVICES)
    return ds_fail (error, DS_ERROR_INVALID,
                    "cluster '%s' has more than %u devices", cluster->name,
                    DS_CLUSTER_MAX_DEVICES);
  return check_device (&cluster->device, error);
}
