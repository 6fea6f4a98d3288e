/* hwmodels/detect.c - hwloc discovery (see detect.h). */
#include "config.h"

#include "hwmodels/detect.h"
#include "hwmodels/presets.h"

#include <hwloc.h>

/* hwloc's pci component (libpciaccess) leaves about 1 KB allocated per
 * topology and is dlclose()d afterwards, so LeakSanitizer reports it in an
 * "<unknown module>" that no suppression file can name. Under ASan the
 * hwloc calls run with leak tracking off; nothing of ours is allocated
 * between LSAN_OFF and LSAN_ON. */
#if defined(__has_feature)
# if __has_feature(address_sanitizer)
#  define DS_ASAN 1
# endif
#endif
#if defined(__SANITIZE_ADDRESS__) || defined(DS_ASAN)
# include <sanitizer/lsan_interface.h>
# define LSAN_OFF() __lsan_disable ()
# define LSAN_ON()  __lsan_enable ()
#else
# define LSAN_OFF() ((void) 0)
# define LSAN_ON()  ((void) 0)
#endif

/* PCI device ids of the GPUs with presets (NVIDIA vendor 0x10de). From the
 * PCI ID repository (pci-ids.ucw.cz), recalled, not re-checked: a wrong id
 * only means the preset is not filled in. */
static const struct { guint device_id; const char *preset; } known_gpus[] = {
  { 0x1b00, "titan-x-pascal" },
  { 0x102d, "k80" },
  { 0x15f8, "p100-pcie-16gb" },
  { 0x1db4, "v100-pcie-16gb" },
  { 0x1db1, "v100-sxm2-16gb" },
  { 0x20b0, "a100-sxm4-40gb" },
  { 0x20b2, "a100-sxm4-80gb" },
  { 0x2330, "h100" },
  { 0x2335, "h200" },
};

/* PCIe Gen3 x16, one direction: hwmodels/presets/links.json "pcie3". */
#define PCIE3_BYTES_PER_S 1.575e10

static void
pci_free (DsHwPciDevice *d)
{
  g_free (d->bus_id);
  g_free (d->preset);
  g_free (d);
}

void
ds_hw_detected_free (DsHwDetected *det)
{
  if (det == NULL)
    return;
  g_ptr_array_unref (det->gpus);
  g_ptr_array_unref (det->nics);
  g_free (det);
}

static DsHwPciDevice *
pci_of (hwloc_obj_t obj)
{
  const struct hwloc_pcidev_attr_s *a = &obj->attr->pcidev;
  DsHwPciDevice *d = g_new0 (DsHwPciDevice, 1);

  d->bus_id = g_strdup_printf ("%04x:%02x:%02x.%01x", (guint) a->domain,
                               a->bus, a->dev, a->func);
  d->vendor_id = a->vendor_id;
  d->device_id = a->device_id;
  d->class_id = a->class_id;
  d->link_bytes_per_s = a->linkspeed > 0 ? a->linkspeed * 1e9 : 0;  /* GB/s */
  for (guint i = 0; i < G_N_ELEMENTS (known_gpus) && a->vendor_id == 0x10de; i++)
    if (known_gpus[i].device_id == a->device_id)
      d->preset = g_strdup (known_gpus[i].preset);
  return d;
}

static void
collect_pci (hwloc_topology_t topo, DsHwDetected *det)
{
  hwloc_obj_t obj = NULL;

  while ((obj = hwloc_get_next_pcidev (topo, obj)) != NULL)
    {
      guint vendor = obj->attr->pcidev.vendor_id;
      guint klass = obj->attr->pcidev.class_id;
      if (vendor == 0x10de && (klass == 0x0300 || klass == 0x0302))
        g_ptr_array_add (det->gpus, pci_of (obj));
      else if ((klass >> 8) == 0x02)   /* network or InfiniBand controller */
        g_ptr_array_add (det->nics, pci_of (obj));
    }
}

static void
collect_caches (hwloc_topology_t topo, DsHwDetected *det)
{
  static const hwloc_obj_type_t types[4] = {
    HWLOC_OBJ_L1CACHE, HWLOC_OBJ_L2CACHE, HWLOC_OBJ_L3CACHE, HWLOC_OBJ_L4CACHE
  };

  for (guint i = 0; i < 4; i++)
    {
      hwloc_obj_t c = hwloc_get_obj_by_type (topo, types[i], 0);
      det->cache_bytes[i] = c != NULL ? c->attr->cache.size : 0;
    }
}

DsHwDetected *
ds_hw_detect (GError **error)
{
  hwloc_topology_t topo;
  DsHwDetected *det;
  int rc;

  LSAN_OFF ();
  rc = hwloc_topology_init (&topo);
  if (rc == 0)
    {
      hwloc_topology_set_io_types_filter (topo, HWLOC_TYPE_FILTER_KEEP_IMPORTANT);
      if ((rc = hwloc_topology_load (topo)) != 0)
        hwloc_topology_destroy (topo);
    }
  LSAN_ON ();
  if (rc != 0)
    return ds_fail_null (error, DS_ERROR_UNSUPPORTED,
                         "hwloc cannot read this machine's topology");
  det = g_new0 (DsHwDetected, 1);
  det->gpus = g_ptr_array_new_with_free_func ((GDestroyNotify) pci_free);
  det->nics = g_ptr_array_new_with_free_func ((GDestroyNotify) pci_free);
  det->n_packages = MAX (hwloc_get_nbobjs_by_type (topo, HWLOC_OBJ_PACKAGE), 0);
  det->n_cores = MAX (hwloc_get_nbobjs_by_type (topo, HWLOC_OBJ_CORE), 0);
  det->n_pus = MAX (hwloc_get_nbobjs_by_type (topo, HWLOC_OBJ_PU), 0);
  det->n_numa = MAX (hwloc_get_nbobjs_by_type (topo, HWLOC_OBJ_NUMANODE), 0);
  det->memory_bytes = hwloc_get_root_obj (topo)->total_memory;
  collect_caches (topo, det);
  collect_pci (topo, det);
  LSAN_OFF ();
  hwloc_topology_destroy (topo);
  LSAN_ON ();
  return det;
}

/* The GPUs' device: the first GPU's preset when known. */
static void
set_gpu_device (DsCluster *cluster, const DsHwDetected *det)
{
  const DsHwPciDevice *gpu = g_ptr_array_index (det->gpus, 0);
  g_autoptr(DsHwDevice) preset = NULL;
  DsDevice *d = ds_cluster_device (cluster);

  if (gpu->preset != NULL
      && (preset = ds_hw_device_open (gpu->preset, NULL)) != NULL)
    {
      ds_hw_cluster_set_device (cluster, preset);
      return;
    }
  g_free (d->name);
  d->name = g_strdup_printf ("pci-%04x-%04x", gpu->vendor_id, gpu->device_id);
}

DsCluster *
ds_hw_detected_cluster (const DsHwDetected *det)
{
  DsCluster *cluster = ds_cluster_new ("detected");
  DsDevice *d;
  double bw = G_MAXDOUBLE;

  if (det->gpus->len == 0)
    {
      d = ds_cluster_device (cluster);
      g_free (d->name);
      d->name = g_strdup ("host-cpu");
      d->memory_bytes = det->memory_bytes;
      ds_cluster_add_level (cluster, "host", 1, PCIE3_BYTES_PER_S, 0);
      return cluster;
    }
  set_gpu_device (cluster, det);
  for (guint i = 0; i < det->gpus->len; i++)
    {
      const DsHwPciDevice *g = g_ptr_array_index (det->gpus, i);
      bw = MIN (bw, g->link_bytes_per_s > 0 ? g->link_bytes_per_s : PCIE3_BYTES_PER_S);
    }
  ds_cluster_add_level (cluster, "pcie", det->gpus->len, bw, 1e-6);
  return cluster;
}
