/* exec/dataset.c - IDX and gzip readers, the synthetic task, shuffling and
 * gathering (see dataset.h).
 *
 * THE IDX FORMAT (yann.lecun.com/exdb/mnist, the format Fashion-MNIST
 * keeps), as this reader accepts it. All integers are big-endian.
 *
 *   offset  size  field
 *   0       2     00 00                     always zero
 *   2       1     type                      0x08 = unsigned byte (the only
 *                                           one read; 09 i8, 0B i16, 0C i32,
 *                                           0D f32, 0E f64 are refused)
 *   3       1     n_dims                    3 for images, 1 for labels
 *   4       4     size of dimension 0       the example count n
 *   8       4     size of dimension 1       rows     (images only)
 *   12      4     size of dimension 2       cols     (images only)
 *   4+4d    ...   values, row-major         n x rows x cols bytes, or n
 *
 *   image file:  00 00 08 03 | n | rows | cols | pixels (0 = background)
 *   label file:  00 00 08 01 | n | labels (one byte each)
 *
 * Every size is > 0, the file ends exactly after the last value (no
 * trailing bytes), and the two files agree on n. n x rows x cols must fit
 * 64 bits and rows x cols 32 (n_features is a guint); n x n_features
 * floats must fit the address space. Either file may be wrapped in gzip
 * (RFC 1952, magic 1f 8b; one or more members), decompressed in memory by
 * GIO's GZlibDecompressor up to DS_DATASET_MAX_GUNZIP_BYTES. IDX offsets
 * in messages then count decompressed bytes, and say "after gunzip".
 *
 * The synthetic task and the shuffle draw from GRand (Mersenne Twister,
 * the same sequence on every platform GLib runs on) seeded with both
 * halves of the 64-bit seed, and use no floating-point library call
 * besides log, sqrt, cos and sin in Box-Muller, so a seed gives the same
 * bytes wherever those are correctly rounded (glibc's are).
 */
#include "config.h"

#include "exec/dataset.h"
#include "core/error.h"

#include <gio/gio.h>
#include <math.h>
#include <string.h>

#define IDX_MAGIC_IMAGES 0x00000803u
#define IDX_MAGIC_LABELS 0x00000801u
#define FASHION_MNIST_DIR "/usr/share/datasets/fashion-mnist"
#define FASHION_MNIST_CLASSES 10
#define INSTALL_HINT "apt-get install dataset-fashion-mnist (or run ./quickstart.sh)"

/* ---- gzip ---- */

/* zlib does not say how far into its input it got before failing, so the
 * offset is where the failing call started: the start of the member, or
 * of the stretch left when the output buffer last filled up. Running out
 * of input is exact: the offset is the file's length. */
static gpointer
gunzip_fail (GError **error, const char *name, gsize offset, const GError *gz)
{
  const char *what;

  if (g_error_matches (gz, G_IO_ERROR, G_IO_ERROR_PARTIAL_INPUT))
    what = "gzip data truncated";
  else if (g_error_matches (gz, G_IO_ERROR, G_IO_ERROR_INVALID_DATA))
    what = "invalid gzip data";
  else
    what = gz->message;
  return ds_fail_at_null (error, DS_ERROR_SYNTAX, DS_POS (name, 0),
                          "offset %" G_GSIZE_FORMAT ": %s", offset, what);
}

/* One buffer, doubled as it fills, never past max_bytes + 1: reaching
 * that last byte is how "more than max_bytes" is seen without a second
 * buffer. Concatenated members are decompressed one after another, as
 * gzip -d does; anything after a member that is not another member is
 * invalid data at its offset. */
guint8 *
ds_dataset_gunzip (const guint8 *data, gsize len, const char *name,
                   gsize max_bytes, gsize *out_len, GError **error)
{
  g_autoptr(GZlibDecompressor) gz = g_zlib_decompressor_new (G_ZLIB_COMPRESSOR_FORMAT_GZIP);
  g_autofree guint8 *out = NULL;
  gsize in_off = 0, used = 0, cap = 0;
  gsize limit = max_bytes < G_MAXSIZE ? max_bytes + 1 : max_bytes;

  g_return_val_if_fail (out_len != NULL, NULL);
  if (len < 2 || data[0] != 0x1f || data[1] != 0x8b)
    return ds_fail_at_null (error, DS_ERROR_SYNTAX, DS_POS (name, 0),
                            "offset 0: not gzip data, expected the magic 1f 8b");
  for (;;)
    {
      g_autoptr(GError) gz_error = NULL;
      gsize n_read = 0, n_written = 0;
      GConverterResult r;

      if (used == cap)
        {
          if (cap == limit)
            return ds_fail_at_null (error, DS_ERROR_SYNTAX, DS_POS (name, 0),
                                    "offset %" G_GSIZE_FORMAT ": decompresses to more than %"
                                    G_GSIZE_FORMAT " bytes", in_off, max_bytes);
          cap = cap < 65536 ? 65536 : (cap <= limit / 2 ? cap * 2 : limit);
          cap = MIN (cap, limit);
          out = g_realloc (out, cap);
        }
      r = g_converter_convert (G_CONVERTER (gz), data + in_off, len - in_off,
                               out + used, cap - used, G_CONVERTER_INPUT_AT_END,
                               &n_read, &n_written, &gz_error);
      if (r == G_CONVERTER_ERROR)
        return gunzip_fail (error, name, in_off, gz_error);
      if (r == G_CONVERTER_CONVERTED && n_read == 0 && n_written == 0)
        return ds_fail_at_null (error, DS_ERROR_SYNTAX, DS_POS (name, 0),   /* NEVER */
                                "offset %" G_GSIZE_FORMAT ": gzip data truncated", in_off);
      in_off += n_read;
      used += n_written;
      if (r == G_CONVERTER_FINISHED && in_off == len)
        break;
      if (r == G_CONVERTER_FINISHED)
        g_converter_reset (G_CONVERTER (gz));     /* another member follows */
    }
  if (used > max_bytes)
    return ds_fail_at_null (error, DS_ERROR_SYNTAX, DS_POS (name, 0),
                            "offset %" G_GSIZE_FORMAT ": decompresses to more than %"
                            G_GSIZE_FORMAT " bytes", in_off, max_bytes);
  *out_len = used;
  return g_steal_pointer (&out);
}

/* ---- IDX ---- */

/* One IDX file being read: its bytes (decompressed when it was gzip),
 * its name for messages, and the sizes from its header. */
typedef struct {
  const guint8 *data;
  gsize len;
  const char *name;
  const char *where;        /* "" or " after gunzip", after the offset */
  guint8 *owned;            /* the decompressed bytes, or NULL */
  guint32 size[3];          /* n [, rows, cols] */
  gsize body;               /* offset of the first value */
} Idx;

static void
idx_clear (Idx *f)
{
  g_clear_pointer (&f->owned, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Idx, idx_clear)

static gboolean G_GNUC_PRINTF (4, 5)
idx_fail (GError **error, const Idx *f, gsize offset, const char *format, ...)
{
  g_autofree char *msg = NULL;
  va_list ap;

  va_start (ap, format);
  msg = g_strdup_vprintf (format, ap);
  va_end (ap);
  return ds_fail_at (error, DS_ERROR_SYNTAX, DS_POS (f->name, 0),
                     "offset %" G_GSIZE_FORMAT "%s: %s", offset, f->where, msg);
}

static guint32
read_be32 (const guint8 *p)
{
  return (guint32) p[0] << 24 | (guint32) p[1] << 16 | (guint32) p[2] << 8 | p[3];
}

/* Points @f at the IDX bytes of a file, decompressing it when it is gzip. */
static gboolean
idx_open (Idx *f, const guint8 *data, gsize len, const char *name, GError **error)
{
  memset (f, 0, sizeof *f);
  f->name = name;
  f->where = "";
  f->data = data;
  f->len = len;
  if (len < 2 || data[0] != 0x1f || data[1] != 0x8b)
    return TRUE;
  f->owned = ds_dataset_gunzip (data, len, name, DS_DATASET_MAX_GUNZIP_BYTES,
                                &f->len, error);
  f->data = f->owned;
  f->where = " after gunzip";
  return f->owned != NULL;
}

/* header -> 00 00 08 <n_dims> size{n_dims}, every size > 0 */
static gboolean
idx_read_header (Idx *f, guint32 magic, const char *what,
                 const char *const *dim_names, GError **error)
{
  guint n_dims = magic & 0xff;

  f->body = 4 + 4 * (gsize) n_dims;
  if (f->len < 4)
    return idx_fail (error, f, f->len, "the file ends inside the magic number, "
                     "expected %" G_GSIZE_FORMAT " bytes of header", f->body);
  if (read_be32 (f->data) != magic)
    return idx_fail (error, f, 0, "magic 0x%08x, expected 0x%08x (%s)",
                     read_be32 (f->data), magic, what);
  if (f->len < f->body)
    return idx_fail (error, f, f->len, "the header ends early, expected %"
                     G_GSIZE_FORMAT " bytes, got %" G_GSIZE_FORMAT, f->body, f->len);
  for (guint d = 0; d < n_dims; d++)
    {
      f->size[d] = read_be32 (f->data + 4 + 4 * d);
      if (f->size[d] == 0)
        return idx_fail (error, f, 4 + 4 * d, "%s is 0, expected > 0", dim_names[d]);
    }
  return TRUE;
}

/* The values after the header are exactly @n_values bytes. */
static gboolean
idx_check_body (const Idx *f, guint64 n_values, const char *values, GError **error)
{
  guint64 have = f->len - f->body;

  if (have < n_values)
    return idx_fail (error, f, f->len, "%s truncated, expected %" G_GUINT64_FORMAT
                     " bytes after the header, got %" G_GUINT64_FORMAT,
                     values, n_values, have);
  if (have > n_values)
    return idx_fail (error, f, f->body + n_values, "%" G_GUINT64_FORMAT
                     " bytes after the last of %s", have - n_values, values);
  return TRUE;
}

static gboolean
read_images (Idx *f, guint *n_features, GError **error)
{
  static const char *const dims[] = { "the image count", "rows", "cols" };
  guint64 features, n_pixels;
  gsize n_floats, n_bytes;

  if (!idx_read_header (f, IDX_MAGIC_IMAGES, "unsigned-byte images, n x rows x cols",
                        dims, error))
    return FALSE;
  features = (guint64) f->size[1] * f->size[2];
  if (features > G_MAXUINT
      || !g_uint64_checked_mul (&n_pixels, f->size[0], features)
      || !g_size_checked_mul (&n_floats, f->size[0], (gsize) features)
      || !g_size_checked_mul (&n_bytes, n_floats, sizeof (float)))
    return idx_fail (error, f, 4, "%u x %u x %u pixels overflow", f->size[0],
                     f->size[1], f->size[2]);
  *n_features = (guint) features;
  return idx_check_body (f, n_pixels, "pixels", error);
}

/* Every label < max_classes (256 accepts any byte). */
static gboolean
read_labels (Idx *f, guint max_classes, GError **error)
{
  static const char *const dims[] = { "the label count" };

  if (!idx_read_header (f, IDX_MAGIC_LABELS, "unsigned-byte labels, n", dims, error)
      || !idx_check_body (f, f->size[0], "labels", error))
    return FALSE;
  for (gsize i = 0; i < f->size[0]; i++)
    if (f->data[f->body + i] >= max_classes)
      return idx_fail (error, f, f->body + i, "label %u, expected < %u",
                       f->data[f->body + i], max_classes);
  return TRUE;
}

/* Pixels to [0, 1] through a table: one load per byte instead of a
 * division, the same floats as byte / 255.0f. */
static DsDataset *
dataset_from_idx (const Idx *images, guint n_features, const Idx *labels)
{
  DsDataset *d = g_new0 (DsDataset, 1);
  const guint8 *pixels = images->data + images->body;
  gsize n_values = (gsize) images->size[0] * n_features;
  float scale[256];
  guint8 max_label = 0;

  for (guint b = 0; b < 256; b++)
    scale[b] = (float) b / 255.0f;
  d->n = images->size[0];
  d->n_features = n_features;
  d->x = g_new (float, n_values);
  for (gsize i = 0; i < n_values; i++)
    d->x[i] = scale[pixels[i]];
  d->y = g_memdup2 (labels->data + labels->body, d->n);
  for (guint i = 0; i < d->n; i++)
    max_label = MAX (max_label, d->y[i]);
  d->n_classes = (guint) max_label + 1;
  return d;
}

static DsDataset *
parse_idx (const guint8 *images, gsize images_len, const char *images_name,
           const guint8 *labels, gsize labels_len, const char *labels_name,
           guint max_classes, GError **error)
{
  g_auto(Idx) im = { 0 };
  g_auto(Idx) lb = { 0 };
  guint n_features = 0;

  g_return_val_if_fail (images != NULL || images_len == 0, NULL);
  g_return_val_if_fail (labels != NULL || labels_len == 0, NULL);
  if (!idx_open (&im, images, images_len, images_name, error)
      || !read_images (&im, &n_features, error))
    return NULL;
  if (!idx_open (&lb, labels, labels_len, labels_name, error)
      || !read_labels (&lb, max_classes, error))
    return NULL;
  if (lb.size[0] != im.size[0])
    {
      idx_fail (error, &lb, 4, "%u labels, but '%s' holds %u images",
                lb.size[0], images_name, im.size[0]);
      return NULL;
    }
  return dataset_from_idx (&im, n_features, &lb);
}

DsDataset *
ds_dataset_parse_idx (const guint8 *images, gsize images_len, const char *images_name,
                      const guint8 *labels, gsize labels_len, const char *labels_name,
                      GError **error)
{
  return parse_idx (images, images_len, images_name, labels, labels_len, labels_name,
                    256, error);
}

static DsDataset *
load_idx (const char *images_path, const char *labels_path, guint max_classes,
          GError **error)
{
  g_autofree char *images = NULL, *labels = NULL;
  gsize images_len = 0, labels_len = 0;

  if (!ds_read_file (images_path, &images, &images_len, error)
      || !ds_read_file (labels_path, &labels, &labels_len, error))
    return NULL;
  return parse_idx ((const guint8 *) images, images_len, images_path,
                    (const guint8 *) labels, labels_len, labels_path, max_classes, error);
}

DsDataset *
ds_dataset_load_idx (const char *images_path, const char *labels_path, GError **error)
{
  return load_idx (images_path, labels_path, 256, error);
}

/* ---- Fashion-MNIST ---- */

DsDataset *
ds_dataset_fashion_mnist (const char *dir, gboolean train, GError **error)
{
  const char *split = train ? "train" : "t10k";
  g_autofree char *images_base = g_strdup_printf ("%s-images-idx3-ubyte.gz", split);
  g_autofree char *labels_base = g_strdup_printf ("%s-labels-idx1-ubyte.gz", split);
  g_autofree char *images = g_build_filename (dir ? dir : FASHION_MNIST_DIR, images_base, NULL);
  g_autofree char *labels = g_build_filename (dir ? dir : FASHION_MNIST_DIR, labels_base, NULL);
  g_autoptr(DsDataset) d = NULL;
  const char *paths[] = { images, labels };

  for (guint i = 0; i < G_N_ELEMENTS (paths); i++)
    if (!g_file_test (paths[i], G_FILE_TEST_EXISTS))
      return ds_fail_at_null (error, DS_ERROR_IO, DS_POS (paths[i], 0),
                              "no such file; Fashion-MNIST comes from Debian: "
                              INSTALL_HINT);
  d = load_idx (images, labels, FASHION_MNIST_CLASSES, error);
  if (d == NULL)
    return NULL;
  d->n_classes = FASHION_MNIST_CLASSES;     /* even if a split lacked class 9 */
  return g_steal_pointer (&d);
}

/* ---- seeded randomness: synthetic task, shuffle ---- */

static GRand *
rand_new (guint64 seed)
{
  guint32 halves[2] = { (guint32) seed, (guint32) (seed >> 32) };

  return g_rand_new_with_seed_array (halves, 2);
}

/* Uniform in [0, bound), bound >= 1, without modulo bias: g_rand_int_range
 * takes gint32 bounds, too small for a guint n. */
static guint32
uniform_below (GRand *rand, guint64 bound)
{
  guint64 limit = (G_GUINT64_CONSTANT (1) << 32) - ((G_GUINT64_CONSTANT (1) << 32) % bound);
  guint32 r;

  do
    r = g_rand_int (rand);
  while (r >= limit);
  return (guint32) (r % bound);
}

static void
fisher_yates (GRand *rand, guint *a, guint n)
{
  for (guint i = n; i > 1; i--)
    {
      guint j = uniform_below (rand, i);
      guint t = a[i - 1];

      a[i - 1] = a[j];
      a[j] = t;
    }
}

guint *
ds_dataset_shuffle (guint n, guint64 seed)
{
  g_autoptr(GRand) rand = rand_new (seed);
  guint *order = g_new (guint, MAX (n, 1));

  for (guint i = 0; i < n; i++)
    order[i] = i;
  fisher_yates (rand, order, n);
  return order;
}

/* Box-Muller: two N(0, 1) from two uniforms in (0, 1]. */
static void
gaussian_pair (GRand *rand, double *a, double *b)
{
  double u = 1.0 - g_rand_double (rand), v = g_rand_double (rand);
  double r = sqrt (-2.0 * log (u));

  *a = r * cos (2 * G_PI * v);
  *b = r * sin (2 * G_PI * v);
}

/* @n normals, times @scale, into @out. */
static void
fill_gaussian (GRand *rand, double scale, float *out, gsize n)
{
  double a, b;

  for (gsize i = 0; i + 1 < n; i += 2)
    {
      gaussian_pair (rand, &a, &b);
      out[i] = (float) (scale * a);
      out[i + 1] = (float) (scale * b);
    }
  if (n % 2 == 1)
    {
      gaussian_pair (rand, &a, &b);
      out[n - 1] = (float) (scale * a);
    }
}

/* Centres ~ N(0, s^2) per feature, so two lie s sqrt (2 F) apart; noise
 * sigma puts them SEPARATION sigma apart, a pairwise nearest-centroid
 * error of Phi (-SEPARATION / 2) = 4.5%. s is chosen so that every
 * feature has variance s^2 + sigma^2 = 1 over the whole set. */
#define SEPARATION 3.4

DsDataset *
ds_dataset_synthetic (guint n, guint n_features, guint n_classes, guint64 seed)
{
  g_autoptr(GRand) rand = rand_new (seed);
  g_autofree float *centres = NULL;
  g_autofree guint *order = NULL;
  DsDataset *d;
  double ratio = sqrt (2.0 * n_features) / SEPARATION;   /* sigma / s */
  double s = 1.0 / sqrt (1.0 + ratio * ratio), sigma = s * ratio;

  g_return_val_if_fail (n > 0 && n_features > 0, NULL);
  g_return_val_if_fail (n_classes >= 1 && n_classes <= 256, NULL);
  d = g_new0 (DsDataset, 1);
  d->n = n;
  d->n_features = n_features;
  d->n_classes = n_classes;
  d->x = g_new (float, (gsize) n * n_features);
  d->y = g_new (guint8, n);
  centres = g_new (float, (gsize) n_classes * n_features);
  fill_gaussian (rand, s, centres, (gsize) n_classes * n_features);
  order = g_new (guint, n);
  for (guint i = 0; i < n; i++)
    order[i] = i;
  fisher_yates (rand, order, n);
  for (guint i = 0; i < n; i++)
    {
      float *row = d->x + (gsize) i * n_features;
      const float *centre;

      d->y[i] = (guint8) (order[i] % n_classes);
      centre = centres + (gsize) d->y[i] * n_features;
      fill_gaussian (rand, sigma, row, n_features);
      for (guint f = 0; f < n_features; f++)
        row[f] += centre[f];
    }
  return d;
}

/* ---- API: the rest ---- */

DsDataset *
ds_dataset_slice (const DsDataset *d, guint first, guint n)
{
  DsDataset *s;

  g_return_val_if_fail (d != NULL && n > 0 && first <= d->n && n <= d->n - first, NULL);
  s = g_new0 (DsDataset, 1);
  s->n = n;
  s->n_features = d->n_features;
  s->n_classes = d->n_classes;
  s->x = g_memdup2 (d->x + (gsize) first * d->n_features, (gsize) n * d->n_features * sizeof (float));
  s->y = g_memdup2 (d->y + first, n);
  return s;
}

void
ds_dataset_free (DsDataset *d)
{
  if (d == NULL)
    return;
  g_free (d->x);
  g_free (d->y);
  g_free (d);
}

void
ds_dataset_gather (const DsDataset *d, const guint *order, guint first, guint count,
                   float *x_out, guint8 *y_out)
{
  gsize row_bytes;

  g_return_if_fail (d != NULL && (count == 0 || (x_out != NULL && y_out != NULL)));
  g_return_if_fail (order != NULL || (count <= d->n && first <= d->n - count));
  row_bytes = (gsize) d->n_features * sizeof (float);
  for (guint i = 0; i < count; i++)
    {
      guint idx = order != NULL ? order[(gsize) first + i] : first + i;

      g_return_if_fail (idx < d->n);
      memcpy (x_out + (gsize) i * d->n_features, d->x + (gsize) idx * d->n_features,
              row_bytes);
      y_out[i] = d->y[idx];
    }
}
