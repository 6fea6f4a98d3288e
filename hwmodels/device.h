/* hwmodels/device.h - DsHwDevice: one accelerator's peaks and efficiency
 * curves, read from a preset file (hwmodels/presets/devices/NAME.json).
 *
 * Every kind of work (matrix multiply, convolution, memory streaming, host
 * copies) runs at a rate on a curve: a fixed floor (launch and sync) and a
 * throughput, joined by a smooth maximum with sharpness p:
 *
 *     t(w) = (floor_s^p + (w / rate_per_s)^p)^(1/p)
 *
 * p = 1 adds the two (alpha-beta); large p approaches max(floor, w/rate).
 * A preset gives the rate as a fraction ("max") of a datasheet peak;
 * calibration (calibrate.h) replaces it with measured rates per dtype or
 * copy kind. Rates are flop/s for compute and bytes/s for memory.
 *
 * Ownership: a device is a plain struct owned by its caller; free with
 * ds_hw_device_free(). Readers check every value (finite, > 0 where a rate,
 * p >= 1) and name the file, the line and the field at fault.
 */
#pragma once

#include <glib.h>

#include "core/error.h"

G_BEGIN_DECLS

/* A rate with its floor: see the formula above. */
typedef struct {
  double rate_per_s;   /* flop/s or bytes/s, > 0 */
  double floor_s;      /* >= 0 */
  double p;            /* >= 1 */
  double offset_s;     /* >= 0; 0 in presets, fitted by calibration */
  double per_byte;     /* work units each output byte adds, >= 0: how a
                        * convolution's layout traffic scales with its
                        * output (cost.h); 0 in presets */
} DsHwRate;

/* Kinds of work a preset has an efficiency curve for. */
typedef enum {
  DS_HW_WORK_MATMUL,   /* GEMM, linear, attention: rate = max x peak[dtype] */
  DS_HW_WORK_CONV,     /* convolutions: rate = max x peak[dtype] */
  DS_HW_WORK_MEMORY,   /* device memory streaming: max x mem_bw */
  DS_HW_WORK_HOST,     /* host <-> device copies: max x host_bw */
  DS_HW_N_WORK
} DsHwWork;

typedef struct {
  double max;          /* fraction of the peak reached by large work, (0, 1] */
  double floor_s;
  double p;
} DsHwCurve;

typedef struct {
  char *name;                   /* preset name, "h200" */
  char *title;                  /* "NVIDIA H200 SXM 141 GB" */
  char *source;                 /* where the numbers come from; may be "" */
  guint64 memory_bytes;
  double mem_bw_bytes_per_s;    /* datasheet peak, > 0 */
  double host_bw_bytes_per_s;   /* host link, one direction, > 0 */
  double launch_s;              /* per kernel, >= 0 */
  GHashTable *peak_flops_per_s; /* dtype -> double*, dense, owned */
  DsHwCurve curves[DS_HW_N_WORK];
  GHashTable *calibrated;       /* "matmul/bf16", "copy/d2d" -> DsHwRate*,
                                 * owned; empty until calibration is applied */
} DsHwDevice;

const char *ds_hw_work_name (DsHwWork work);  /* "matmul", "conv", ... */

DsHwDevice *ds_hw_device_new  (const char *name);
void        ds_hw_device_free (DsHwDevice *device);

/* Reads the device preset format (documented in device.c and
 * docs/hwmodels.md). @file names the input in messages. */
DsHwDevice *ds_hw_device_read_json (const char *text, gssize len,
                                    const char *file, GError **error);

/* Peak rate for @dtype, or 0 when the device has none (no fp8 before
 * Hopper, no bf16 before Ampere). */
double      ds_hw_device_peak (const DsHwDevice *device, const char *dtype);

/* The rate to use for @work on @dtype (ignored for memory and host work):
 * the calibrated rate under "WORK/DTYPE" ("matmul/bf16", "conv/fp32"; for
 * memory and host work "memory/all", "host/all") when present, else the
 * preset curve applied to the peak. FALSE, with an error naming the device,
 * when the device has no peak for @dtype. Copies have their own keys
 * ("copy/d2d"), read by ds_hw_copy_time_s(). */
gboolean    ds_hw_device_rate (const DsHwDevice *device, DsHwWork work,
                               const char *dtype, DsHwRate *out,
                               GError **error);
/* Stores a calibrated rate under @key (copied). */
void        ds_hw_device_set_calibrated (DsHwDevice *device, const char *key,
                                         const DsHwRate *rate);
const DsHwRate *ds_hw_device_calibrated (const DsHwDevice *device,
                                         const char *key);

/* t(w) above; @work_units >= 0. */
double      ds_hw_rate_time_s (const DsHwRate *rate, double work_units);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DsHwDevice, ds_hw_device_free)

G_END_DECLS
