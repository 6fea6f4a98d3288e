/* hwmodels/device.c - read device presets; rates from curves.
 *
 * The device preset format, in full (unknown members are errors):
 *
 *   { "format": "dawnsim-device", "version": 1,
 *     "name": "h200", "title": "NVIDIA H200 SXM 141 GB",
 *     "source": "NVIDIA H200 datasheet; curves fitted to data/h200",
 *     "memory_bytes": 141000000000,
 *     "mem_bw_bytes_per_s": 4.8e12,          datasheet peak
 *     "host_bw_bytes_per_s": 6.3e10,         host link, one direction
 *     "launch_us": 16.82,                    per kernel
 *     "peak_flops_per_s": { "fp32": 6.69e13, "bf16": 9.894e14, ... },
 *     "efficiency": {                        every curve optional
 *       "matmul": { "max": 0.73, "floor_us": 30, "p": 1.5 },
 *       "conv":   { ... }, "memory": { ... }, "host": { ... } } }
 *
 * A missing curve defaults to { max 0.7, floor = launch, p 1 }: an
 * alpha-beta model at 70% of peak, the middle of the ranges in
 * ../shared/reference/simulators.md section 7.2.
 */
#include "config.h"

#include "hwmodels/device.h"
#include "core/json-reader.h"

#include <math.h>
#include <string.h>

#define DEVICE_FORMAT "dawnsim-device"
#define DEVICE_VERSION 1

/* NULL-terminated so it doubles as the list of known members. */
static const char *const work_names[DS_HW_N_WORK + 1] = {
  "matmul", "conv", "memory", "host", NULL
};
static const char *const top_members[] = {
  "format", "version", "name", "title", "source", "memory_bytes",
  "mem_bw_bytes_per_s", "host_bw_bytes_per_s", "launch_us",
  "peak_flops_per_s", "efficiency", NULL
};
static const char *const curve_members[] = { "max", "floor_us", "p", NULL };

const char *
ds_hw_work_name (DsHwWork work)
{
  g_return_val_if_fail (work < DS_HW_N_WORK, "?");
  return work_names[work];
}

DsHwDevice *
ds_hw_device_new (const char *name)
{
  DsHwDevice *d = g_new0 (DsHwDevice, 1);

  d->name = g_strdup (name);
  d->title = g_strdup ("");
  d->source = g_strdup ("");
  d->peak_flops_per_s = g_hash_table_new_full (g_str_hash, g_str_equal,
                                               g_free, g_free);
  d->calibrated = g_hash_table_new_full (g_str_hash, g_str_equal,
                                         g_free, g_free);
  for (guint w = 0; w < DS_HW_N_WORK; w++)
    d->curves[w] = (DsHwCurve) { 0.7, 0, 1 };
  return d;
}

void
ds_hw_device_free (DsHwDevice *device)
{
  if (device == NULL)
    return;
  g_free (device->name);
  g_free (device->title);
  g_free (device->source);
  g_hash_table_unref (device->peak_flops_per_s);
  g_hash_table_unref (device->calibrated);
  g_free (device);
}

double
ds_hw_device_peak (const DsHwDevice *device, const char *dtype)
{
  const double *v = g_hash_table_lookup (device->peak_flops_per_s, dtype);

  return v != NULL ? *v : 0;
}

void
ds_hw_device_set_calibrated (DsHwDevice *device, const char *key,
                             const DsHwRate *rate)
{
  g_hash_table_replace (device->calibrated, g_strdup (key),
                        g_memdup2 (rate, sizeof *rate));
}

const DsHwRate *
ds_hw_device_calibrated (const DsHwDevice *device, const char *key)
{
  return g_hash_table_lookup (device->calibrated, key);
}

gboolean
ds_hw_device_rate (const DsHwDevice *device, DsHwWork work, const char *dtype,
                   DsHwRate *out, GError **error)
{
  const DsHwCurve *c = &device->curves[work];
  g_autofree char *key = NULL;
  const DsHwRate *cal;
  double base;

  g_return_val_if_fail (work < DS_HW_N_WORK, FALSE);
  key = g_strdup_printf ("%s/%s", work_names[work],
                         work == DS_HW_WORK_MATMUL || work == DS_HW_WORK_CONV
                         ? dtype : "all");
  if ((cal = ds_hw_device_calibrated (device, key)) != NULL)
    {
      *out = *cal;
      return TRUE;
    }
  base = work == DS_HW_WORK_MEMORY ? device->mem_bw_bytes_per_s
         : work == DS_HW_WORK_HOST ? device->host_bw_bytes_per_s
         : ds_hw_device_peak (device, dtype);
  if (base <= 0)
    return ds_fail (error, DS_ERROR_UNSUPPORTED,
                    "device '%s' has no %s peak for dtype '%s'",
                    device->name, work_names[work], dtype);
  *out = (DsHwRate) { c->max * base, c->floor_s, c->p, 0 };
  return TRUE;
}

/* The device curve of the header:
 *   t(w) = (floor^p + (offset + w/rate)^p)^(1/p)
 * written as hi * (1 + (lo/hi)^p)^(1/p) with hi the larger term, so that
 * large p cannot overflow pow(). */
double
ds_hw_rate_time_s (const DsHwRate *rate, double work_units)
{
  double busy = rate->offset_s + work_units / rate->rate_per_s;
  double hi = MAX (busy, rate->floor_s), lo = MIN (busy, rate->floor_s);

  if (hi <= 0)
    return 0;
  return hi * pow (1 + pow (lo / hi, rate->p), 1 / rate->p);
}

/* ---- the reader ---- */

static gboolean
read_positive (const DsJsonDoc *doc, JsonObject *obj, const char *member,
               gboolean required, gboolean allow_zero, double *out,
               GError **error)
{
  if (!ds_json_get_double (doc, obj, member, required, out, error))
    return FALSE;
  if (isfinite (*out) && (allow_zero ? *out >= 0 : *out > 0))
    return TRUE;
  return ds_fail_at (error, DS_ERROR_INVALID, ds_json_pos (doc, obj, member),
                     "'%s' must be %s 0, got %g", member,
                     allow_zero ? ">=" : ">", *out);
}

/* curve -> { max, floor_us?, p? } */
static gboolean
read_curve (const DsJsonDoc *doc, JsonObject *eff, DsHwWork work,
            DsHwCurve *c, GError **error)
{
  JsonObject *obj = NULL;
  double floor_us = c->floor_s * 1e6;

  if (!ds_json_get_object (doc, eff, work_names[work], FALSE, &obj, error))
    return FALSE;
  if (obj == NULL)
    return TRUE;
  if (!ds_json_check_members (doc, obj, curve_members, error)
      || !read_positive (doc, obj, "max", TRUE, FALSE, &c->max, error)
      || !read_positive (doc, obj, "floor_us", FALSE, TRUE, &floor_us, error)
      || !read_positive (doc, obj, "p", FALSE, FALSE, &c->p, error))
    return FALSE;
  if (c->max > 1)
    return ds_fail_at (error, DS_ERROR_INVALID, ds_json_pos (doc, obj, "max"),
                       "efficiency '%s': 'max' must be <= 1, got %g",
                       work_names[work], c->max);
  if (c->p < 1)
    return ds_fail_at (error, DS_ERROR_INVALID, ds_json_pos (doc, obj, "p"),
                       "efficiency '%s': 'p' must be >= 1, got %g",
                       work_names[work], c->p);
  c->floor_s = floor_us / 1e6;
  return TRUE;
}

static gboolean
read_curves (const DsJsonDoc *doc, JsonObject *root, DsHwDevice *d,
             GError **error)
{
  JsonObject *eff = NULL;

  for (guint w = 0; w < DS_HW_N_WORK; w++)
    d->curves[w].floor_s = d->launch_s;
  if (!ds_json_get_object (doc, root, "efficiency", FALSE, &eff, error))
    return FALSE;
  if (eff == NULL)
    return TRUE;
  if (!ds_json_check_members (doc, eff, work_names, error))
    return FALSE;
  for (guint w = 0; w < DS_HW_N_WORK; w++)
    if (!read_curve (doc, eff, w, &d->curves[w], error))
      return FALSE;
  return TRUE;
}

static gboolean
read_peaks (const DsJsonDoc *doc, JsonObject *root, DsHwDevice *d,
            GError **error)
{
  JsonObject *peaks = NULL;
  JsonObjectIter iter;
  const char *dtype;

  if (!ds_json_get_object (doc, root, "peak_flops_per_s", TRUE, &peaks, error))
    return FALSE;
  json_object_iter_init_ordered (&iter, peaks);
  while (json_object_iter_next_ordered (&iter, &dtype, NULL))
    {
      double v = 0;
      if (!read_positive (doc, peaks, dtype, TRUE, FALSE, &v, error))
        return FALSE;
      g_hash_table_replace (d->peak_flops_per_s, g_strdup (dtype),
                            g_memdup2 (&v, sizeof v));
    }
  if (g_hash_table_size (d->peak_flops_per_s) == 0)
    return ds_fail_at (error, DS_ERROR_INVALID,
                       ds_json_pos (doc, root, "peak_flops_per_s"),
                       "'peak_flops_per_s' must name at least one dtype");
  return TRUE;
}

static gboolean
read_header (const DsJsonDoc *doc, JsonObject *root, GError **error)
{
  const char *format = NULL;
  guint version = 0;

  if (!ds_json_check_members (doc, root, top_members, error)
      || !ds_json_get_string (doc, root, "format", TRUE, &format, error)
      || !ds_json_get_uint (doc, root, "version", FALSE, &version, error))
    return FALSE;
  if (strcmp (format, DEVICE_FORMAT) != 0)
    return ds_fail_at (error, DS_ERROR_UNSUPPORTED,
                       ds_json_pos (doc, root, "format"),
                       "'format' must be \"" DEVICE_FORMAT "\", got \"%s\"",
                       format);
  if (version > DEVICE_VERSION)
    return ds_fail_at (error, DS_ERROR_UNSUPPORTED,
                       ds_json_pos (doc, root, "version"),
                       "device format version %u is newer than this dawnsim "
                       "reads (%d)", version, DEVICE_VERSION);
  return TRUE;
}

static gboolean
read_strings (const DsJsonDoc *doc, JsonObject *root, DsHwDevice *d,
              GError **error)
{
  const char *title = "", *source = "";

  if (!ds_json_get_string (doc, root, "title", FALSE, &title, error)
      || !ds_json_get_string (doc, root, "source", FALSE, &source, error))
    return FALSE;
  g_free (d->title);
  d->title = g_strdup (title);
  g_free (d->source);
  d->source = g_strdup (source);
  return TRUE;
}

DsHwDevice *
ds_hw_device_read_json (const char *text, gssize len, const char *file,
                        GError **error)
{
  g_autoptr(DsJsonDoc) doc = NULL;
  g_autoptr(DsHwDevice) d = NULL;
  const char *name = NULL;
  double launch_us = 0;
  JsonObject *root;

  if ((doc = ds_json_doc_parse (text, len, file, error)) == NULL
      || (root = ds_json_doc_root_object (doc, error)) == NULL
      || !read_header (doc, root, error)
      || !ds_json_get_string (doc, root, "name", TRUE, &name, error))
    return NULL;
  if (name[0] == '\0')
    return ds_fail_at_null (error, DS_ERROR_INVALID,
                            ds_json_pos (doc, root, "name"),
                            "'name' must not be empty");
  d = ds_hw_device_new (name);
  if (!read_strings (doc, root, d, error)
      || !ds_json_get_uint64 (doc, root, "memory_bytes", TRUE,
                              &d->memory_bytes, error)
      || !read_positive (doc, root, "mem_bw_bytes_per_s", TRUE, FALSE,
                         &d->mem_bw_bytes_per_s, error)
      || !read_positive (doc, root, "host_bw_bytes_per_s", TRUE, FALSE,
                         &d->host_bw_bytes_per_s, error)
      || !read_positive (doc, root, "launch_us", FALSE, TRUE, &launch_us, error)
      || !read_peaks (doc, root, d, error))
    return NULL;
  d->launch_s = launch_us / 1e6;
  if (!read_curves (doc, root, d, error))
    return NULL;
  return g_steal_pointer (&d);
}
