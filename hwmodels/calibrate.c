/* hwmodels/calibrate.c - fit curves with GSL; read and write calibration.
 *
 * Why nonlinear least squares and not a linearised fit: the curve
 * t = (f^p + (W/R)^p)^(1/p) is linear in (f, 1/R) only at p = 1, and the
 * H200 data need p > 1 (small GEMMs sit on a ~30 us floor that a sum of
 * floor and throughput overshoots by 25% at 2-17 GFLOP). Residuals are
 * relative, (model - t) / t, because the rows span five decades of time
 * and the Done-when bound is on relative error. Parameters are fitted as
 * logs (ln f, ln R, ln (p - 1)) so the solver cannot leave the valid
 * region; three starting sharpnesses guard against a local minimum.
 *
 * The calibration file, in full (unknown members are errors):
 *
 *   { "format": "dawnsim-calibration", "version": 1, "device": "h200",
 *     "rates": [
 *       { "key": "matmul/bf16", "rate_per_s": 7.3e14, "floor_us": 31.2,
 *         "offset_us": 2.5, "p": 1.6, "n_fit": 14, "n_test": 12,
 *         "held_out": true, "test_min_work": 1e9, "test_mape": 0.05,
 *         "test_max_error": 0.12 }, ... ] }
 *
 * Only key, rate_per_s, floor_us and p are required (offset_us defaults to
 * 0); the rest records how well the fit did: n_test rows with work >=
 * test_min_work, held out from the fit when held_out is true, in-sample
 * otherwise.
 */
#include "config.h"

#include "hwmodels/calibrate.h"
#include "core/fit.h"
#include "core/json-reader.h"
#include "core/json-writer.h"
#include "core/zoo.h"

#include <gsl/gsl_errno.h>
#include <math.h>
#include <string.h>

#define GEMM_MIN_FLOPS 1e9
#define COPY_MIN_BYTES 1048576.0

static void
fit_free (DsHwFit *fit)
{
  g_free (fit->key);
  g_free (fit);
}

void
ds_hw_calibration_free (DsHwCalibration *cal)
{
  if (cal == NULL)
    return;
  g_free (cal->device);
  g_ptr_array_unref (cal->fits);
  g_free (cal);
}

static DsHwCalibration *
calibration_new (const char *device)
{
  DsHwCalibration *cal = g_new0 (DsHwCalibration, 1);

  cal->device = g_strdup (device);
  cal->fits = g_ptr_array_new_with_free_func ((GDestroyNotify) fit_free);
  return cal;
}

/* ---- the fit ---- */

typedef struct {
  const double *work, *bytes, *t_s;   /* bytes may be NULL */
  guint n;
} Points;

#define MAX_PARAMS 5

/* Without bytes, 4 parameters; with bytes, also the work per byte. */
static guint
n_params (const Points *pts)
{
  return pts->bytes != NULL ? 5 : 4;
}

/* exp of a fit parameter, kept within e^+-100 so that a wild trial step
 * of the trust region gives a huge but finite cost, which the solver
 * rejects, rather than an infinite one, which it does not (seen on the
 * H200 conv/bf16 rows: one step took ln per_byte to 1613). */
static double
param_exp (const gsl_vector *x, guint i)
{
  return exp (CLAMP (gsl_vector_get (x, i), -100.0, 100.0));
}

/* x = (ln floor, ln rate, ln (p - 1), ln offset [, ln per_byte]) */
static DsHwRate
rate_of (const gsl_vector *x)
{
  return (DsHwRate) { param_exp (x, 1), param_exp (x, 0),
                      1 + MIN (param_exp (x, 2), 100.0), param_exp (x, 3),
                      x->size > 4 ? param_exp (x, 4) : 0 };
}

static double
point_time_s (const DsHwRate *r, const Points *pts, guint i)
{
  double bytes = pts->bytes != NULL ? pts->bytes[i] : 0;

  return ds_hw_rate_time_s (r, pts->work[i] + r->per_byte * bytes);
}

/* r_i = t(work_i + per_byte x bytes_i; x) / t_i - 1 */
static int
residuals (const gsl_vector *x, void *data, gsl_vector *f)
{
  const Points *pts = data;
  DsHwRate r = rate_of (x);

  for (guint i = 0; i < pts->n; i++)
    gsl_vector_set (f, i, point_time_s (&r, pts, i) / pts->t_s[i] - 1);
  return GSL_SUCCESS;
}

/* One trust-region solve from (floor0, rate0, p0, offset0, per_byte0);
 * the cost (sum of squared residuals) or INFINITY when the solver fails. */
static double
solve (Points *pts, double floor0, double rate0, double p0, double offset0,
       double per_byte0, DsHwRate *out)
{
  guint np = n_params (pts);
  double x[MAX_PARAMS] = { log (floor0), log (rate0), log (p0 - 1),
                           log (offset0), log (per_byte0) };
  double cost = ds_fit_least_squares (residuals, pts, pts->n, np, x, 200, 1e-10);

  gsl_vector_const_view xv = gsl_vector_const_view_array (x, np);

  if (isfinite (cost))
    *out = rate_of (&xv.vector);
  return cost;
}

gboolean
ds_hw_fit_rate (const double *work, const double *bytes, const double *t_s,
                guint n, DsHwRate *rate, GError **error)
{
  static const double p_starts[] = { 1.1, 1.5, 3.0, 8.0 };
  static const double offset_starts[] = { 0.01, 0.3 };
  Points pts = { work, bytes, t_s, n };
  double floor0 = G_MAXDOUBLE, rate0 = 0, best = INFINITY;
  gsl_error_handler_t *old;

  if (n < n_params (&pts))
    return ds_fail (error, DS_ERROR_INVALID, "a fit needs at least %u rows, "
                    "got %u", n_params (&pts), n);
  for (guint i = 0; i < n; i++)
    {
      if (!(work[i] > 0 && t_s[i] > 0 && isfinite (work[i]) && isfinite (t_s[i])))
        return ds_fail (error, DS_ERROR_INVALID, "row %u: work and time must be "
                        "> 0, got %g and %g", i, work[i], t_s[i]);
      floor0 = MIN (floor0, t_s[i]);
      rate0 = MAX (rate0, work[i] / t_s[i]);
    }
  old = gsl_set_error_handler_off ();
  for (guint s = 0; s < G_N_ELEMENTS (p_starts); s++)
    for (guint o = 0; o < G_N_ELEMENTS (offset_starts); o++)
      {
        DsHwRate r;
        double cost = solve (&pts, floor0, rate0, p_starts[s],
                             offset_starts[o] * floor0, 1.0, &r);
        if (cost < best)
          {
            best = cost;
            *rate = r;
          }
      }
  gsl_set_error_handler (old);
  if (!isfinite (best))
    return ds_fail (error, DS_ERROR_INVALID, "the curve fit did not converge");
  return TRUE;
}

/* ---- measurements ---- */

typedef struct {
  char *key;
  double min_work;
  gboolean holdout;     /* fit alternate rows, test the others */
  GArray *work, *bytes, *t_s;
  gboolean has_bytes;   /* some point moves bytes: fit per_byte too */
} Group;

static void
group_free (Group *g)
{
  g_free (g->key);
  g_array_unref (g->work);
  g_array_unref (g->bytes);
  g_array_unref (g->t_s);
  g_free (g);
}

static void
add_point (GPtrArray *groups, const char *key, double min_work,
           gboolean holdout, double work, double bytes, double t_s)
{
  Group *g = NULL;

  for (guint i = 0; i < groups->len && g == NULL; i++)
    if (strcmp (((Group *) g_ptr_array_index (groups, i))->key, key) == 0)
      g = g_ptr_array_index (groups, i);
  if (g == NULL)
    {
      g = g_new0 (Group, 1);
      g->key = g_strdup (key);
      g->min_work = min_work;
      g->holdout = holdout;
      g->work = g_array_new (FALSE, FALSE, sizeof (double));
      g->bytes = g_array_new (FALSE, FALSE, sizeof (double));
      g->t_s = g_array_new (FALSE, FALSE, sizeof (double));
      g_ptr_array_add (groups, g);
    }
  g->has_bytes |= bytes > 0;
  g_array_append_val (g->work, work);
  g_array_append_val (g->bytes, bytes);
  g_array_append_val (g->t_s, t_s);
}

static gboolean
parse_number (const char *file, guint line, const char *field, const char *text,
              double *out, GError **error)
{
  char *end = NULL;

  *out = g_ascii_strtod (text, &end);
  if (end == text || *end != '\0' || !isfinite (*out) || *out <= 0)
    return ds_fail_at (error, DS_ERROR_SYNTAX, DS_POS (file, line),
                       "'%s' must be a number > 0, got '%s'", field, text);
  return TRUE;
}

/* gemm.csv row: dtype,M,N,K,ms,tflops -> matmul/DTYPE, work 2MNK */
static gboolean
gemm_row (const char *file, guint line, char **f, gpointer groups,
          GError **error)
{
  double m, n, k, ms;
  g_autofree char *key = g_strdup_printf ("matmul/%s", f[0]);

  if (!parse_number (file, line, "M", f[1], &m, error)
      || !parse_number (file, line, "N", f[2], &n, error)
      || !parse_number (file, line, "K", f[3], &k, error)
      || !parse_number (file, line, "ms", f[4], &ms, error))
    return FALSE;
  add_point (groups, key, GEMM_MIN_FLOPS, TRUE, 2 * m * n * k, 0, ms / 1e3);
  return TRUE;
}

/* mem.csv row: kind,bytes,ms,GBps -> copy/KIND (pinned only) */
static gboolean
mem_row (const char *file, guint line, char **f, gpointer groups,
         GError **error)
{
  static const char *const kinds[][2] = {
    { "d2d", "copy/d2d" }, { "h2d_pinned", "copy/h2d" }, { "d2h_pinned", "copy/d2h" }
  };
  double bytes, ms;

  if (!parse_number (file, line, "bytes", f[1], &bytes, error)
      || !parse_number (file, line, "ms", f[2], &ms, error))
    return FALSE;
  for (guint i = 0; i < G_N_ELEMENTS (kinds); i++)
    if (strcmp (f[0], kinds[i][0]) == 0)
      add_point (groups, kinds[i][1], COPY_MIN_BYTES, FALSE,
                 i == 0 ? 2 * bytes : bytes, 0, ms / 1e3);
  return TRUE;
}

typedef gboolean (*RowFn) (const char *file, guint line, char **fields,
                           gpointer data, GError **error);

/* Reads a CSV whose header must be @header; FALSE with *missing when the
 * file does not exist. */
static gboolean
read_csv (const char *path, const char *header, guint n_fields, RowFn row,
          gpointer data, gboolean *missing, GError **error)
{
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;
  gsize len;

  *missing = !g_file_test (path, G_FILE_TEST_EXISTS);
  if (*missing)
    return TRUE;
  if (!ds_read_file (path, &text, &len, error))
    return FALSE;
  lines = g_strsplit (text, "\n", -1);
  g_strchomp (lines[0]);
  if (strcmp (lines[0], header) != 0)
    return ds_fail_at (error, DS_ERROR_SYNTAX, DS_POS (path, 1),
                       "expected the header '%s'", header);
  for (guint i = 1; lines[i] != NULL; i++)
    {
      g_auto(GStrv) f = NULL;
      g_strchomp (lines[i]);
      if (lines[i][0] == '\0')
        continue;
      f = g_strsplit (lines[i], ",", -1);
      if (g_strv_length (f) != n_fields)
        return ds_fail_at (error, DS_ERROR_SYNTAX, DS_POS (path, i + 1),
                           "expected %u fields, got %u", n_fields,
                           g_strv_length (f));
      if (!row (path, i + 1, f, data, error))
        return FALSE;
    }
  return TRUE;
}

/* layers.csv: model,dtype,batch,idx,layer,fwd_ms,bwd_ms,out_bytes,param_bytes.
 * The VGG-16 Conv2d rows, matched in order to the convolutions of the
 * zoo's VGG-16 built at the row's batch and dtype, give "conv/DTYPE"
 * points: (forward FLOPs, fwd time) and (backward FLOPs, bwd time). Only
 * VGG-16: ResNet-50's rows are whole Bottleneck blocks, which have no
 * single FLOP count to pair with. */
typedef struct {
  char *dtype;           /* "fp32", "bf16" */
  guint batch;
  GArray *fwd_s, *bwd_s; /* per Conv2d row, in file order */
} ConvRows;

static void
conv_rows_free (ConvRows *r)
{
  g_free (r->dtype);
  g_array_unref (r->fwd_s);
  g_array_unref (r->bwd_s);
  g_free (r);
}

/* PyTorch's names -> ours; "float32" convolutions run on TF32 tensor
 * cores by default (cudnn.allow_tf32), which is what fp32 training gets. */
static const char *
dtype_of_torch (const char *name)
{
  return strcmp (name, "float32") == 0 ? "fp32"
         : strcmp (name, "bfloat16") == 0 ? "bf16"
         : strcmp (name, "float16") == 0 ? "fp16" : name;
}

static gboolean
layer_row (const char *file, guint line, char **f, gpointer data,
           GError **error)
{
  GPtrArray *all = data;
  const char *dtype = dtype_of_torch (f[1]);
  ConvRows *r = NULL;
  double fwd_ms, bwd_ms, batch;

  if (strcmp (f[0], "vgg16") != 0 || strcmp (f[4], "Conv2d") != 0)
    return TRUE;
  if (!parse_number (file, line, "batch", f[2], &batch, error)
      || !parse_number (file, line, "fwd_ms", f[5], &fwd_ms, error)
      || !parse_number (file, line, "bwd_ms", f[6], &bwd_ms, error))
    return FALSE;
  for (guint i = 0; i < all->len && r == NULL; i++)
    if (strcmp (((ConvRows *) g_ptr_array_index (all, i))->dtype, dtype) == 0)
      r = g_ptr_array_index (all, i);
  if (r == NULL)
    {
      r = g_new0 (ConvRows, 1);
      r->dtype = g_strdup (dtype);
      r->batch = (guint) batch;
      r->fwd_s = g_array_new (FALSE, FALSE, sizeof (double));
      r->bwd_s = g_array_new (FALSE, FALSE, sizeof (double));
      g_ptr_array_add (all, r);
    }
  fwd_ms /= 1e3;
  bwd_ms /= 1e3;
  g_array_append_val (r->fwd_s, fwd_ms);
  g_array_append_val (r->bwd_s, bwd_ms);
  return TRUE;
}

/* Forward points first, then backward, so alternate rows split both. */
static gboolean
add_conv_points (const char *path, const ConvRows *r, GPtrArray *groups,
                 GError **error)
{
  DsZooOptions opts = { r->batch, strcmp (r->dtype, "fp32") == 0 ? 4 : 2, 0,
                        r->dtype };
  g_autoptr(DsModel) vgg = ds_zoo_build ("vgg16", &opts, error);
  g_autofree char *key = g_strdup_printf ("conv/%s", r->dtype);
  g_autoptr(GArray) convs = g_array_new (FALSE, FALSE, sizeof (guint));

  if (vgg == NULL)
    return FALSE;
  for (guint i = 0; i < ds_model_n_layers (vgg); i++)
    if (g_str_has_prefix (ds_model_layer_const (vgg, i)->kind, "conv"))
      g_array_append_val (convs, i);
  if (convs->len != r->fwd_s->len)
    return ds_fail (error, DS_ERROR_INVALID, "%s: vgg16 %s has %u Conv2d rows, "
                    "the zoo's VGG-16 %u convolutions", path, r->dtype,
                    r->fwd_s->len, convs->len);
  for (guint pass = 0; pass < 2; pass++)
    for (guint c = 0; c < convs->len; c++)
      {
        const DsLayer *l = ds_model_layer_const (vgg, g_array_index (convs, guint, c));
        add_point (groups, key, GEMM_MIN_FLOPS, TRUE,
                   pass == 0 ? l->fwd_flops : l->bwd_flops, (double) l->out_bytes,
                   g_array_index (pass == 0 ? r->fwd_s : r->bwd_s, double, c));
      }
  return TRUE;
}

static gboolean
read_layers (const char *path, GPtrArray *groups, gboolean *missing,
             GError **error)
{
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) conv_rows_free);

  if (!read_csv (path, "model,dtype,batch,idx,layer,fwd_ms,bwd_ms,out_bytes,param_bytes",
                 9, layer_row, rows, missing, error))
    return FALSE;
  for (guint i = 0; i < rows->len; i++)
    if (!add_conv_points (path, g_ptr_array_index (rows, i), groups, error))
      return FALSE;
  return TRUE;
}

/* A held-out group fits rows 0, 2, 4, ... and measures 1, 3, 5, ...; the
 * others (copies: 11 sizes for 4 parameters, too few to halve) fit and
 * measure every row. */
static DsHwFit *
fit_group (const Group *g, GError **error)
{
  g_autoptr(GArray) fw = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) fb = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) ft = g_array_new (FALSE, FALSE, sizeof (double));
  DsHwFit *fit = g_new0 (DsHwFit, 1);
  guint step = g->holdout ? 2 : 1;
  double sum = 0;

  for (guint i = 0; i < g->work->len; i += step)
    {
      g_array_append_val (fw, g_array_index (g->work, double, i));
      g_array_append_val (fb, g_array_index (g->bytes, double, i));
      g_array_append_val (ft, g_array_index (g->t_s, double, i));
    }
  fit->key = g_strdup (g->key);
  fit->n_fit = fw->len;
  fit->held_out = g->holdout;
  fit->test_min_work = g->min_work;
  if (!ds_hw_fit_rate ((double *) fw->data,
                       g->has_bytes ? (double *) fb->data : NULL,
                       (double *) ft->data, fw->len, &fit->rate, error))
    {
      g_prefix_error (error, "%s: ", g->key);
      fit_free (fit);
      return NULL;
    }
  for (guint i = g->holdout ? 1 : 0; i < g->work->len; i += step)
    {
      double w = g_array_index (g->work, double, i);
      double b = g_array_index (g->bytes, double, i);
      double t = g_array_index (g->t_s, double, i);
      double e = fabs (ds_hw_rate_time_s (&fit->rate, w + fit->rate.per_byte * b) / t - 1);
      if (w < g->min_work)
        continue;
      fit->n_test++;
      sum += e;
      fit->test_max_error = MAX (fit->test_max_error, e);
    }
  fit->test_mape = fit->n_test > 0 ? sum / fit->n_test : 0;
  return fit;
}

static gint
compare_fits (gconstpointer a, gconstpointer b)
{
  return strcmp ((*(DsHwFit *const *) a)->key, (*(DsHwFit *const *) b)->key);
}

DsHwCalibration *
ds_hw_calibrate_dir (const char *dir, const char *device, GError **error)
{
  g_autoptr(GPtrArray) groups = g_ptr_array_new_with_free_func ((GDestroyNotify) group_free);
  g_autofree char *gemm = g_build_filename (dir, "gemm.csv", NULL);
  g_autofree char *mem = g_build_filename (dir, "mem.csv", NULL);
  g_autofree char *layers = g_build_filename (dir, "layers.csv", NULL);
  g_autoptr(DsHwCalibration) cal = calibration_new (device);
  gboolean no_gemm, no_mem, no_layers;

  if (!read_csv (gemm, "dtype,M,N,K,ms,tflops", 6, gemm_row, groups, &no_gemm, error)
      || !read_csv (mem, "kind,bytes,ms,GBps", 4, mem_row, groups, &no_mem, error)
      || !read_layers (layers, groups, &no_layers, error))
    return NULL;
  if (no_gemm && no_mem && no_layers)
    return ds_fail_null (error, DS_ERROR_IO, "%s: none of gemm.csv, mem.csv "
                         "and layers.csv is there", dir);
  for (guint i = 0; i < groups->len; i++)
    {
      DsHwFit *fit = fit_group (g_ptr_array_index (groups, i), error);
      if (fit == NULL)
        return NULL;
      g_ptr_array_add (cal->fits, fit);
    }
  g_ptr_array_sort (cal->fits, compare_fits);
  return g_steal_pointer (&cal);
}

/* ---- the file ---- */

char *
ds_hw_calibration_write_json (const DsHwCalibration *cal)
{
  DsJsonWriter *w = ds_json_writer_new ();

  ds_json_begin_object (w);
  ds_json_member_string (w, "format", "dawnsim-calibration");
  ds_json_member_int64 (w, "version", 1);
  ds_json_member_string (w, "device", cal->device);
  ds_json_member (w, "rates");
  ds_json_begin_array (w);
  for (guint i = 0; i < cal->fits->len; i++)
    {
      const DsHwFit *f = g_ptr_array_index (cal->fits, i);
      ds_json_begin_object_inline (w);
      ds_json_member_string (w, "key", f->key);
      ds_json_member_double (w, "rate_per_s", f->rate.rate_per_s);
      ds_json_member_scaled (w, "floor_us", f->rate.floor_s, 1e6);
      ds_json_member_scaled (w, "offset_us", f->rate.offset_s, 1e6);
      ds_json_member_double (w, "p", f->rate.p);
      if (f->rate.per_byte > 0)
        ds_json_member_double (w, "per_byte", f->rate.per_byte);
      ds_json_member_uint64 (w, "n_fit", f->n_fit);
      ds_json_member_uint64 (w, "n_test", f->n_test);
      ds_json_member_bool (w, "held_out", f->held_out);
      ds_json_member_double (w, "test_min_work", f->test_min_work);
      ds_json_member_double (w, "test_mape", f->test_mape);
      ds_json_member_double (w, "test_max_error", f->test_max_error);
      ds_json_end_object (w);
    }
  ds_json_end_array (w);
  ds_json_end_object (w);
  return ds_json_writer_finish (w, NULL);
}

static const char *const top_members[] = { "format", "version", "device", "rates", NULL };
static const char *const rate_members[] = {
  "key", "rate_per_s", "floor_us", "offset_us", "p", "per_byte", "n_fit", "n_test",
  "held_out", "test_min_work",
  "test_mape", "test_max_error", NULL
};

static gboolean
check_value (const DsJsonDoc *doc, JsonObject *obj, const char *member,
             double v, double lo, gboolean strict, GError **error)
{
  if (isfinite (v) && (strict ? v > lo : v >= lo))
    return TRUE;
  return ds_fail_at (error, DS_ERROR_INVALID, ds_json_pos (doc, obj, member),
                     "'%s' must be %s %g, got %g", member, strict ? ">" : ">=",
                     lo, v);
}

static DsHwFit *
read_fit (const DsJsonDoc *doc, JsonArray *arr, guint idx, GError **error)
{
  JsonObject *o = ds_json_array_object (doc, arr, idx, "rate", error);
  const char *key = NULL, *slash;
  double floor_us = 0, offset_us = 0;
  DsHwFit f = { 0 };

  if (o == NULL
      || !ds_json_check_members (doc, o, rate_members, error)
      || !ds_json_get_string (doc, o, "key", TRUE, &key, error)
      || !ds_json_get_double (doc, o, "rate_per_s", TRUE, &f.rate.rate_per_s, error)
      || !ds_json_get_double (doc, o, "floor_us", TRUE, &floor_us, error)
      || !ds_json_get_double (doc, o, "offset_us", FALSE, &offset_us, error)
      || !ds_json_get_double (doc, o, "p", TRUE, &f.rate.p, error)
      || !ds_json_get_double (doc, o, "per_byte", FALSE, &f.rate.per_byte, error)
      || !ds_json_get_bool (doc, o, "held_out", FALSE, &f.held_out, error)
      || !ds_json_get_uint (doc, o, "n_fit", FALSE, &f.n_fit, error)
      || !ds_json_get_uint (doc, o, "n_test", FALSE, &f.n_test, error)
      || !ds_json_get_double (doc, o, "test_min_work", FALSE, &f.test_min_work, error)
      || !ds_json_get_double (doc, o, "test_mape", FALSE, &f.test_mape, error)
      || !ds_json_get_double (doc, o, "test_max_error", FALSE, &f.test_max_error, error)
      || !check_value (doc, o, "rate_per_s", f.rate.rate_per_s, 0, TRUE, error)
      || !check_value (doc, o, "floor_us", floor_us, 0, FALSE, error)
      || !check_value (doc, o, "offset_us", offset_us, 0, FALSE, error)
      || !check_value (doc, o, "per_byte", f.rate.per_byte, 0, FALSE, error)
      || !check_value (doc, o, "p", f.rate.p, 1, FALSE, error)
      || !check_value (doc, o, "test_min_work", f.test_min_work, 0, FALSE, error)
      || !check_value (doc, o, "test_mape", f.test_mape, 0, FALSE, error)
      || !check_value (doc, o, "test_max_error", f.test_max_error, 0, FALSE, error))
    return NULL;
  slash = strchr (key, '/');
  if (slash == NULL || slash == key || slash[1] == '\0' || strchr (slash + 1, '/'))
    return ds_fail_at_null (error, DS_ERROR_INVALID, ds_json_pos (doc, o, "key"),
                            "'key' must be WORK/WHAT (\"matmul/bf16\"), got \"%s\"",
                            key);
  f.key = g_strdup (key);
  f.rate.floor_s = floor_us / 1e6;
  f.rate.offset_s = offset_us / 1e6;
  return g_memdup2 (&f, sizeof f);
}

DsHwCalibration *
ds_hw_calibration_read_json (const char *text, gssize len, const char *file,
                             GError **error)
{
  g_autoptr(DsJsonDoc) doc = NULL;
  g_autoptr(DsHwCalibration) cal = NULL;
  const char *format = NULL, *device = NULL;
  guint version = 0;
  JsonArray *arr = NULL;
  JsonObject *root;

  if ((doc = ds_json_doc_parse (text, len, file, error)) == NULL
      || (root = ds_json_doc_root_object (doc, error)) == NULL
      || !ds_json_check_members (doc, root, top_members, error)
      || !ds_json_get_string (doc, root, "format", TRUE, &format, error)
      || !ds_json_get_uint (doc, root, "version", FALSE, &version, error)
      || !ds_json_get_string (doc, root, "device", TRUE, &device, error)
      || !ds_json_get_array (doc, root, "rates", TRUE, &arr, error))
    return NULL;
  if (strcmp (format, "dawnsim-calibration") != 0 || version > 1)
    return ds_fail_at_null (error, DS_ERROR_UNSUPPORTED,
                            ds_json_pos (doc, root, "format"),
                            "not a dawnsim-calibration file of version 1");
  cal = calibration_new (device);
  for (guint i = 0; i < json_array_get_length (arr); i++)
    {
      DsHwFit *f = read_fit (doc, arr, i, error);
      if (f == NULL)
        return NULL;
      g_ptr_array_add (cal->fits, f);
    }
  g_ptr_array_sort (cal->fits, compare_fits);
  for (guint i = 1; i < cal->fits->len; i++)
    if (compare_fits (&g_ptr_array_index (cal->fits, i - 1),
                      &g_ptr_array_index (cal->fits, i)) == 0)
      return ds_fail_at_null (error, DS_ERROR_DUPLICATE,
                              ds_json_pos (doc, root, "rates"),
                              "rate '%s' is given twice",
                              ((DsHwFit *) g_ptr_array_index (cal->fits, i))->key);
  return g_steal_pointer (&cal);
}

DsHwCalibration *
ds_hw_calibration_load (const char *path, GError **error)
{
  g_autofree char *text = NULL;
  gsize len = 0;

  if (!ds_read_file (path, &text, &len, error))
    return NULL;
  return ds_hw_calibration_read_json (text, len, path, error);
}

gboolean
ds_hw_calibration_apply (const DsHwCalibration *cal, DsHwDevice *device,
                         GError **error)
{
  if (strcmp (cal->device, device->name) != 0)
    return ds_fail (error, DS_ERROR_INVALID, "the calibration is for device "
                    "'%s', not '%s'", cal->device, device->name);
  for (guint i = 0; i < cal->fits->len; i++)
    {
      const DsHwFit *f = g_ptr_array_index (cal->fits, i);
      ds_hw_device_set_calibrated (device, f->key, &f->rate);
    }
  return TRUE;
}
