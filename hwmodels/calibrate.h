/* hwmodels/calibrate.h - fit device curves to measurements, and the
 * calibration file that carries the fitted rates.
 *
 * Measurements are the CSV files of ../shared/data/h200/ (README there):
 * gemm.csv (dtype,M,N,K,ms,tflops) gives a "matmul/DTYPE" rate per dtype in
 * flop/s over the work 2MNK; layers.csv gives "conv/DTYPE" from its VGG-16
 * Conv2d rows paired with the zoo's VGG-16 FLOPs (calibrate.c);
 * mem.csv (kind,bytes,ms,GBps) gives "copy/d2d"
 * (work 2 x bytes: read + write), "copy/h2d" and "copy/d2h" (pinned rows;
 * pageable rows are not modelled). Each rate is the curve of device.h,
 * fitted by nonlinear least squares on relative residuals
 * (gsl_multifit_nlinear). A GEMM or conv dtype is fitted to alternate rows (the
 * 1st, 3rd, ... in file order) and tested on the others with >= 1 GFLOP;
 * a copy kind (11 sizes, 4 parameters) is fitted to every row and tested
 * in-sample at every size >= 1 MiB, the form of issue #3's bound.
 *
 * The calibration file format is documented in calibrate.c and
 * docs/hwmodels.md.
 */
#pragma once

#include <glib.h>

#include "hwmodels/device.h"

G_BEGIN_DECLS

typedef struct {
  char *key;              /* "matmul/bf16", "copy/d2d" */
  DsHwRate rate;
  guint n_fit;            /* rows fitted */
  guint n_test;           /* rows tested: work >= test_min_work */
  gboolean held_out;      /* tested rows were not fitted */
  double test_min_work;   /* flop or bytes */
  double test_mape;       /* mean |pred - meas| / meas over those rows */
  double test_max_error;  /* the largest of them */
} DsHwFit;

typedef struct {
  char *device;           /* the device preset measured */
  GPtrArray *fits;        /* DsHwFit*, owned, sorted by key */
} DsHwCalibration;

void             ds_hw_calibration_free (DsHwCalibration *cal);

/* Fits @rate to @n points (work[i], bytes[i], t_s[i]), minimising the sum
 * of squared relative errors of t(work + per_byte x bytes). @bytes may be
 * NULL (per_byte stays 0). n >= the parameters fitted (4, or 5 with
 * bytes); work and times > 0; DS_ERROR_INVALID otherwise or when the
 * solver fails. */
gboolean         ds_hw_fit_rate (const double *work, const double *bytes,
                                 const double *t_s, guint n, DsHwRate *rate,
                                 GError **error);

/* Reads @dir/gemm.csv, @dir/mem.csv and @dir/layers.csv (any may be
 * missing, not all) and fits every group. */
DsHwCalibration *ds_hw_calibrate_dir (const char *dir, const char *device,
                                      GError **error);

char            *ds_hw_calibration_write_json (const DsHwCalibration *cal);
DsHwCalibration *ds_hw_calibration_read_json  (const char *text, gssize len,
                                               const char *file,
                                               GError **error);
DsHwCalibration *ds_hw_calibration_load (const char *path, GError **error);
/* Stores every fitted rate in @device (ds_hw_device_set_calibrated).
 * DS_ERROR_INVALID when the calibration is for another device. */
gboolean         ds_hw_calibration_apply (const DsHwCalibration *cal,
                                          DsHwDevice *device, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DsHwCalibration, ds_hw_calibration_free)

G_END_DECLS
