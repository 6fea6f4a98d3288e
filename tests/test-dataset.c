/* tests/test-dataset.c - exec/dataset: hand-built IDX pairs (raw and
 * gzip) parse to exact floats, malformed ones get their exact message,
 * Fashion-MNIST from Debian's package has its published shape (skipped
 * without the package), the synthetic task is deterministic and learnable
 * but not trivially, and shuffle and gather move the right rows. */
#include "config.h"

#include <gio/gio.h>
#include <math.h>
#include <string.h>

#include "core/error.h"
#include "exec/dataset.h"
#include "tests/testutil.h"

/* A string literal as bytes and length, NULs included. */
#define BYTES(s) (const guint8 *) (s), sizeof (s) - 1

/* Three 2 x 2 images, labels 2, 0, 7. */
#define IMAGES_HEAD "\0\0\x08\x03" "\0\0\0\x03" "\0\0\0\x02" "\0\0\0\x02"
#define IMAGES IMAGES_HEAD "\x00\xff\x80\x01" "\x10\x20\x30\x40" "\xfe\x7f\x00\xff"
#define LABELS "\0\0\x08\x01" "\0\0\0\x03" "\x02\x00\x07"

static const guint8 pixels[12] = { 0x00, 0xff, 0x80, 0x01, 0x10, 0x20, 0x30, 0x40,
                                   0xfe, 0x7f, 0x00, 0xff };
static const guint8 labels[3] = { 2, 0, 7 };

/* The gzip file (RFC 1952) of @data, compressed by GIO. */
static GBytes *
gzip (const guint8 *data, gsize len)
{
  g_autoptr(GZlibCompressor) z = g_zlib_compressor_new (G_ZLIB_COMPRESSOR_FORMAT_GZIP, 9);
  g_autoptr(GOutputStream) mem = g_memory_output_stream_new_resizable ();
  g_autoptr(GOutputStream) out = g_converter_output_stream_new (mem, G_CONVERTER (z));
  g_autoptr(GError) error = NULL;

  g_output_stream_write_all (out, data, len, NULL, NULL, &error);
  g_assert_no_error (error);
  g_output_stream_close (out, NULL, &error);
  g_assert_no_error (error);
  return g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (mem));
}

static void
assert_small_pair (const DsDataset *d)
{
  g_assert_nonnull (d);
  g_assert_cmpuint (d->n, ==, 3);
  g_assert_cmpuint (d->n_features, ==, 4);
  g_assert_cmpuint (d->n_classes, ==, 8);
  for (guint i = 0; i < G_N_ELEMENTS (pixels); i++)
    g_assert_cmpfloat (d->x[i], ==, (float) pixels[i] / 255.0f);
  g_assert_cmpfloat (d->x[0], ==, 0.0f);
  g_assert_cmpfloat (d->x[1], ==, 1.0f);
  g_assert_cmpmem (d->y, d->n, labels, sizeof labels);
}

static void
test_idx_raw (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DsDataset) d = ds_dataset_parse_idx (BYTES (IMAGES), "i.idx",
                                                 BYTES (LABELS), "l.idx", &error);

  g_assert_no_error (error);
  assert_small_pair (d);
}

static void
test_idx_gzip (void)
{
  g_autoptr(GBytes) images = gzip (BYTES (IMAGES));
  g_autoptr(GBytes) lab = gzip (BYTES (LABELS));
  g_autoptr(GError) error = NULL;
  g_autoptr(DsDataset) d = NULL;
  gsize images_len = 0, labels_len = 0;
  const guint8 *images_data = g_bytes_get_data (images, &images_len);
  const guint8 *labels_data = g_bytes_get_data (lab, &labels_len);

  g_assert_cmphex (images_data[0], ==, 0x1f);
  g_assert_cmphex (images_data[1], ==, 0x8b);
  /* gzip images with raw labels, and both gzip */
  d = ds_dataset_parse_idx (images_data, images_len, "i.gz", BYTES (LABELS), "l.idx", &error);
  g_assert_no_error (error);
  assert_small_pair (d);
  g_clear_pointer (&d, ds_dataset_free);
  d = ds_dataset_parse_idx (images_data, images_len, "i.gz", labels_data, labels_len,
                            "l.gz", &error);
  g_assert_no_error (error);
  assert_small_pair (d);
}

/* Two gzip members back to back decompress to both halves, as gzip -d. */
static void
test_gzip_members (void)
{
  g_autoptr(GBytes) head = gzip (BYTES (IMAGES_HEAD));
  g_autoptr(GBytes) body = gzip (pixels, sizeof pixels);
  g_autoptr(GByteArray) both = g_byte_array_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(DsDataset) d = NULL;

  g_byte_array_append (both, g_bytes_get_data (head, NULL), g_bytes_get_size (head));
  g_byte_array_append (both, g_bytes_get_data (body, NULL), g_bytes_get_size (body));
  d = ds_dataset_parse_idx (both->data, both->len, "i.gz", BYTES (LABELS), "l.idx", &error);
  g_assert_no_error (error);
  assert_small_pair (d);
}

/* A file that decompresses to exactly the cap passes; one byte more fails. */
static void
test_gunzip_cap (void)
{
  g_autoptr(GBytes) z = gzip (BYTES (IMAGES));
  gsize len = 0, out_len = 0;
  const guint8 *data = g_bytes_get_data (z, &len);
  g_autoptr(GError) error = NULL;
  g_autofree guint8 *out = ds_dataset_gunzip (data, len, "i.gz", sizeof IMAGES - 1,
                                              &out_len, &error);

  g_assert_no_error (error);
  g_assert_cmpmem (out, out_len, IMAGES, sizeof IMAGES - 1);
  g_clear_pointer (&out, g_free);
  out = ds_dataset_gunzip (data, len, "i.gz", sizeof IMAGES - 2, &out_len, &error);
  g_assert_null (out);
  g_assert_error (error, DS_ERROR, DS_ERROR_SYNTAX);
  g_assert_true (g_str_has_prefix (error->message, "i.gz: offset "));
  g_assert_true (g_str_has_suffix (error->message, ": decompresses to more than 27 bytes"));
}

static const struct {
  const guint8 *images;
  gsize images_len;
  const guint8 *labels;
  gsize labels_len;
  const char *message;
} bad[] = {
  { BYTES ("\0\0\x08\x01" "\0\0\0\x03" "\x02\x00\x07"), BYTES (LABELS),
    "i.idx: offset 0: magic 0x00000801, expected 0x00000803 "
    "(unsigned-byte images, n x rows x cols)" },
  { BYTES ("\0\0\x0d\x03" "\0\0\0\x01" "\0\0\0\x01" "\0\0\0\x01" "\0\0\0\0"), BYTES (LABELS),
    "i.idx: offset 0: magic 0x00000d03, expected 0x00000803 "
    "(unsigned-byte images, n x rows x cols)" },
  { BYTES (IMAGES), BYTES (IMAGES),
    "l.idx: offset 0: magic 0x00000803, expected 0x00000801 (unsigned-byte labels, n)" },
  { BYTES (""), BYTES (LABELS),
    "i.idx: offset 0: the file ends inside the magic number, expected 16 bytes of header" },
  { BYTES ("\0\0\x08"), BYTES (LABELS),
    "i.idx: offset 3: the file ends inside the magic number, expected 16 bytes of header" },
  { BYTES ("\0\0\x08\x03" "\0\0\0\x03" "\0\0"), BYTES (LABELS),
    "i.idx: offset 10: the header ends early, expected 16 bytes, got 10" },
  { BYTES (IMAGES), BYTES ("\0\0\x08\x01" "\0\0\0"),
    "l.idx: offset 7: the header ends early, expected 8 bytes, got 7" },
  { BYTES (IMAGES_HEAD "\x00\xff\x80\x01" "\x10\x20\x30\x40" "\xfe\x7f\x00"), BYTES (LABELS),
    "i.idx: offset 27: pixels truncated, expected 12 bytes after the header, got 11" },
  { BYTES (IMAGES_HEAD), BYTES (LABELS),
    "i.idx: offset 16: pixels truncated, expected 12 bytes after the header, got 0" },
  { BYTES (IMAGES "\x00\x00"), BYTES (LABELS),
    "i.idx: offset 28: 2 bytes after the last of pixels" },
  { BYTES (IMAGES), BYTES ("\0\0\x08\x01" "\0\0\0\x03" "\x02\x00"),
    "l.idx: offset 10: labels truncated, expected 3 bytes after the header, got 2" },
  { BYTES (IMAGES), BYTES ("\0\0\x08\x01" "\0\0\0\x02" "\x02\x00"),
    "l.idx: offset 4: 2 labels, but 'i.idx' holds 3 images" },
  { BYTES (IMAGES), BYTES ("\0\0\x08\x01" "\0\0\0\x04" "\x02\x00\x07\x01"),
    "l.idx: offset 4: 4 labels, but 'i.idx' holds 3 images" },
  { BYTES ("\0\0\x08\x03" "\0\0\0\x00" "\0\0\0\x02" "\0\0\0\x02"), BYTES (LABELS),
    "i.idx: offset 4: the image count is 0, expected > 0" },
  { BYTES ("\0\0\x08\x03" "\0\0\0\x03" "\0\0\0\x00" "\0\0\0\x02"), BYTES (LABELS),
    "i.idx: offset 8: rows is 0, expected > 0" },
  { BYTES ("\0\0\x08\x03" "\0\0\0\x03" "\0\0\0\x02" "\0\0\0\x00"), BYTES (LABELS),
    "i.idx: offset 12: cols is 0, expected > 0" },
  { BYTES (IMAGES), BYTES ("\0\0\x08\x01" "\0\0\0\0"),
    "l.idx: offset 4: the label count is 0, expected > 0" },
  /* a huge label count is a truncation, not an allocation */
  { BYTES (IMAGES), BYTES ("\0\0\x08\x01" "\xff\xff\xff\xff" "\x02\x00\x07"),
    "l.idx: offset 11: labels truncated, expected 4294967295 bytes after the header, got 3" },
  { BYTES ("\0\0\x08\x03" "\xff\xff\xff\xff" "\xff\xff\xff\xff" "\xff\xff\xff\xff" "\0"),
    BYTES (LABELS),
    "i.idx: offset 4: 4294967295 x 4294967295 x 4294967295 pixels overflow" },
  /* rows x cols must fit n_features, a guint */
  { BYTES ("\0\0\x08\x03" "\0\0\0\x01" "\0\x01\0\0" "\0\x01\0\0" "\0"), BYTES (LABELS),
    "i.idx: offset 4: 1 x 65536 x 65536 pixels overflow" },
  { BYTES ("\x1f\x8b" "garbage, not deflate"), BYTES (LABELS),
    "i.idx: offset 0: invalid gzip data" },
  { BYTES ("\x1f\x8b"), BYTES (LABELS),
    "i.idx: offset 2: gzip data truncated" },
  { BYTES (IMAGES), BYTES ("\x1f\x8b\x08\0\0\0\0\0\0\x03" "\xff\xff\xff\xff\xff\xff"),
    "l.idx: offset 0: invalid gzip data" },
};

static void
test_malformed (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(DsDataset) d = ds_dataset_parse_idx (bad[i].images, bad[i].images_len,
                                                     "i.idx", bad[i].labels,
                                                     bad[i].labels_len, "l.idx", &error);
      g_test_message ("case %u: %s", i, bad[i].message);
      g_assert_null (d);
      g_assert_error (error, DS_ERROR, DS_ERROR_SYNTAX);
      g_assert_cmpstr (error->message, ==, bad[i].message);
    }
}

/* Inside gzip, offsets count decompressed bytes and say so; a gzip file
 * cut short is reported at the compressed offset where input ran out. */
static void
test_malformed_gzip (void)
{
  g_autoptr(GBytes) trunc = gzip (BYTES (IMAGES_HEAD "\x00\xff"));
  g_autoptr(GBytes) whole = gzip (BYTES (IMAGES));
  g_autoptr(GError) error = NULL;
  g_autoptr(DsDataset) d = NULL;
  g_autofree char *expected = NULL;
  gsize len = 0;
  const guint8 *data = g_bytes_get_data (trunc, &len);

  d = ds_dataset_parse_idx (data, len, "i.gz", BYTES (LABELS), "l.idx", &error);
  g_assert_null (d);
  g_assert_error (error, DS_ERROR, DS_ERROR_SYNTAX);
  g_assert_cmpstr (error->message, ==, "i.gz: offset 18 after gunzip: pixels truncated, "
                   "expected 12 bytes after the header, got 2");
  g_clear_error (&error);

  data = g_bytes_get_data (whole, &len);
  d = ds_dataset_parse_idx (data, len - 4, "i.gz", BYTES (LABELS), "l.idx", &error);
  g_assert_null (d);
  g_assert_error (error, DS_ERROR, DS_ERROR_SYNTAX);
  expected = g_strdup_printf ("i.gz: offset %" G_GSIZE_FORMAT
                              ": gzip data truncated", len - 4);
  g_assert_cmpstr (error->message, ==, expected);
  g_clear_error (&error);

  /* a flipped byte in the CRC trailer */
  {
    g_autofree guint8 *bent = g_memdup2 (data, len);
    bent[len - 6] ^= 0x01;
    d = ds_dataset_parse_idx (bent, len, "i.gz", BYTES (LABELS), "l.idx", &error);
    g_assert_null (d);
    g_assert_error (error, DS_ERROR, DS_ERROR_SYNTAX);
    g_assert_true (g_str_has_prefix (error->message, "i.gz: offset "));
    g_assert_true (g_str_has_suffix (error->message, ": invalid gzip data"));
  }
}

static void
write_file (const char *dir, const char *name, const guint8 *data, gsize len)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autoptr(GError) error = NULL;

  g_assert_true (g_file_set_contents (path, (const char *) data, len, &error));
  g_assert_no_error (error);
}

static void
test_load_idx (void)
{
  g_autofree char *dir = ds_test_tmpdir ();
  g_autofree char *images = g_build_filename (dir, "i.idx", NULL);
  g_autofree char *lab = g_build_filename (dir, "l.idx", NULL);
  g_autofree char *missing = g_build_filename (dir, "none.idx", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(DsDataset) d = NULL;

  write_file (dir, "i.idx", BYTES (IMAGES));
  write_file (dir, "l.idx", BYTES (LABELS));
  d = ds_dataset_load_idx (images, lab, &error);
  g_assert_no_error (error);
  assert_small_pair (d);
  g_clear_pointer (&d, ds_dataset_free);

  d = ds_dataset_load_idx (images, missing, &error);
  g_assert_null (d);
  g_assert_error (error, DS_ERROR, DS_ERROR_IO);
  g_assert_true (g_str_has_prefix (error->message, missing));
  ds_test_rmtree (dir);
}

static void
check_fashion (gboolean train, guint n)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DsDataset) d = NULL;
  guint histogram[10] = { 0 };
  float lo = 1, hi = 0;
  double sum = 0;

  if (!g_file_test ("/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz",
                    G_FILE_TEST_EXISTS))
    {
      g_test_skip ("no /usr/share/datasets/fashion-mnist: "
                   "apt-get install dataset-fashion-mnist");
      return;
    }
  d = ds_dataset_fashion_mnist (NULL, train, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (d->n, ==, n);
  g_assert_cmpuint (d->n_features, ==, 784);
  g_assert_cmpuint (d->n_classes, ==, 10);
  for (gsize i = 0; i < (gsize) d->n * d->n_features; i++)
    {
      lo = MIN (lo, d->x[i]);
      hi = MAX (hi, d->x[i]);
      sum += d->x[i];
    }
  g_assert_cmpfloat (lo, ==, 0.0f);
  g_assert_cmpfloat (hi, ==, 1.0f);
  /* Fashion-MNIST's mean pixel is 0.286 (train) and 0.287 (test) */
  g_assert_cmpfloat_with_epsilon (sum / ((double) d->n * d->n_features), 0.286, 0.002);
  for (guint i = 0; i < d->n; i++)
    {
      g_assert_cmpuint (d->y[i], <, 10);
      histogram[d->y[i]]++;
    }
  for (guint c = 0; c < 10; c++)
    g_assert_cmpuint (histogram[c], ==, n / 10);
}

static void
test_fashion_train (void)
{
  check_fashion (TRUE, 60000);
}

static void
test_fashion_test (void)
{
  check_fashion (FALSE, 10000);
}

static void
test_fashion_missing (void)
{
  g_autofree char *dir = ds_test_tmpdir ();
  g_autofree char *absent = g_build_filename (dir, "no-such-folder", NULL);
  g_autofree char *expected = g_strdup_printf ("%s/t10k-images-idx3-ubyte.gz: no such file; "
                                               "Fashion-MNIST comes from Debian: apt-get "
                                               "install dataset-fashion-mnist (or run "
                                               "./quickstart.sh)", absent);
  g_autoptr(GError) error = NULL;
  g_autoptr(DsDataset) d = ds_dataset_fashion_mnist (absent, FALSE, &error);

  g_assert_null (d);
  g_assert_error (error, DS_ERROR, DS_ERROR_IO);
  g_assert_cmpstr (error->message, ==, expected);
  ds_test_rmtree (dir);
}

/* A folder laid out like the package, whose labels hold a 10: the loader
 * names the labels file and the label's offset in the decompressed bytes. */
static void
test_fashion_bad_label (void)
{
  g_autofree char *dir = ds_test_tmpdir ();
  g_autoptr(GBytes) images = gzip (BYTES (IMAGES));
  g_autoptr(GBytes) lab = gzip (BYTES ("\0\0\x08\x01" "\0\0\0\x03" "\x02\x0a\x07"));
  g_autoptr(GBytes) good = gzip (BYTES (LABELS));
  g_autofree char *expected = g_strdup_printf ("%s/t10k-labels-idx1-ubyte.gz: offset 9 "
                                               "after gunzip: label 10, expected < 10", dir);
  g_autoptr(GError) error = NULL;
  g_autoptr(DsDataset) d = NULL;

  write_file (dir, "t10k-images-idx3-ubyte.gz", g_bytes_get_data (images, NULL),
              g_bytes_get_size (images));
  write_file (dir, "t10k-labels-idx1-ubyte.gz", g_bytes_get_data (lab, NULL),
              g_bytes_get_size (lab));
  d = ds_dataset_fashion_mnist (dir, FALSE, &error);
  g_assert_null (d);
  g_assert_error (error, DS_ERROR, DS_ERROR_SYNTAX);
  g_assert_cmpstr (error->message, ==, expected);
  g_clear_error (&error);

  /* the same folder with good labels loads, and n_classes is 10, not 8 */
  write_file (dir, "t10k-labels-idx1-ubyte.gz", g_bytes_get_data (good, NULL),
              g_bytes_get_size (good));
  d = ds_dataset_fashion_mnist (dir, FALSE, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (d->n, ==, 3);
  g_assert_cmpuint (d->n_classes, ==, 10);
  ds_test_rmtree (dir);
}

static void
test_synthetic_deterministic (void)
{
  g_autoptr(DsDataset) a = ds_dataset_synthetic (500, 33, 7, 42);
  g_autoptr(DsDataset) b = ds_dataset_synthetic (500, 33, 7, 42);
  g_autoptr(DsDataset) c = ds_dataset_synthetic (500, 33, 7, G_GUINT64_CONSTANT (42) | 1ull << 32);

  g_assert_cmpuint (a->n, ==, 500);
  g_assert_cmpuint (a->n_features, ==, 33);
  g_assert_cmpuint (a->n_classes, ==, 7);
  g_assert_cmpmem (a->x, 500 * 33 * sizeof (float), b->x, 500 * 33 * sizeof (float));
  g_assert_cmpmem (a->y, 500, b->y, 500);
  /* the seed's high half counts too */
  g_assert_true (memcmp (a->x, c->x, 500 * 33 * sizeof (float)) != 0);
  g_assert_true (memcmp (a->y, c->y, 500) != 0);
}

/* A slice is those rows, copied: a train/test split of one task. */
static void
test_slice (void)
{
  g_autoptr(DsDataset) all = ds_dataset_synthetic (50, 6, 3, 7);
  g_autoptr(DsDataset) tail = ds_dataset_slice (all, 40, 10);

  g_assert_cmpuint (tail->n, ==, 10);
  g_assert_cmpuint (tail->n_features, ==, 6);
  g_assert_cmpuint (tail->n_classes, ==, 3);
  g_assert_cmpmem (tail->x, 10 * 6 * sizeof (float), all->x + 40 * 6, 10 * 6 * sizeof (float));
  g_assert_cmpmem (tail->y, 10, all->y + 40, 10);
  g_assert_true (tail->x != all->x + 40 * 6);
}

static void
test_synthetic_balance (void)
{
  g_autoptr(DsDataset) d = ds_dataset_synthetic (1003, 8, 10, 7);
  guint histogram[10] = { 0 }, runs = 0;
  double sum = 0, sum2 = 0;

  for (guint i = 0; i < d->n; i++)
    {
      g_assert_cmpuint (d->y[i], <, 10);
      histogram[d->y[i]]++;
      runs += i > 0 && d->y[i] == d->y[i - 1];
    }
  for (guint c = 0; c < 10; c++)
    g_assert_cmpuint (histogram[c], ==, c < 3 ? 101 : 100);
  /* classes are interleaved, not in blocks: ~100 equal neighbours */
  g_assert_cmpuint (runs, <, 200);
  /* features are roughly standard normal over the set */
  for (gsize i = 0; i < (gsize) d->n * d->n_features; i++)
    {
      sum += d->x[i];
      sum2 += (double) d->x[i] * d->x[i];
    }
  g_assert_cmpfloat (fabs (sum / (d->n * d->n_features)), <, 0.2);
  g_assert_cmpfloat (sum2 / (d->n * d->n_features), >, 0.6);
  g_assert_cmpfloat (sum2 / (d->n * d->n_features), <, 1.4);
}

/* Class means from the first half, accuracy of the nearest mean on the
 * second. */
static double
nearest_centroid_accuracy (const DsDataset *d)
{
  guint half = d->n / 2, f_n = d->n_features, k = d->n_classes, right = 0;
  g_autofree double *mean = g_new0 (double, (gsize) k * f_n);
  g_autofree guint *count = g_new0 (guint, k);

  for (guint i = 0; i < half; i++)
    {
      count[d->y[i]]++;
      for (guint f = 0; f < f_n; f++)
        mean[(gsize) d->y[i] * f_n + f] += d->x[(gsize) i * f_n + f];
    }
  for (guint c = 0; c < k; c++)
    for (guint f = 0; f < f_n; f++)
      mean[(gsize) c * f_n + f] /= MAX (count[c], 1);
  for (guint i = half; i < d->n; i++)
    {
      double best = G_MAXDOUBLE;
      guint best_c = 0;

      for (guint c = 0; c < k; c++)
        {
          double dist = 0;
          for (guint f = 0; f < f_n; f++)
            {
              double e = d->x[(gsize) i * f_n + f] - mean[(gsize) c * f_n + f];
              dist += e * e;
            }
          if (dist < best)
            best = dist, best_c = c;
        }
      right += best_c == d->y[i];
    }
  return (double) right / (d->n - half);
}

static void
test_synthetic_learnable (void)
{
  static const struct { guint n_features, n_classes; double lo, hi; } cases[] = {
    { 64, 10, 0.5, 0.9 },
    { 784, 10, 0.5, 0.9 },
    { 16, 2, 0.85, 0.995 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(DsDataset) d = ds_dataset_synthetic (4000, cases[i].n_features,
                                                     cases[i].n_classes, 100 + i);
      double acc = nearest_centroid_accuracy (d);

      g_test_message ("%u features, %u classes: nearest centroid %.3f",
                      cases[i].n_features, cases[i].n_classes, acc);
      g_assert_cmpfloat (acc, >, cases[i].lo);
      g_assert_cmpfloat (acc, <, cases[i].hi);
    }
}

static void
test_shuffle (void)
{
  g_autofree guint *a = ds_dataset_shuffle (1000, 5);
  g_autofree guint *b = ds_dataset_shuffle (1000, 5);
  g_autofree guint *c = ds_dataset_shuffle (1000, 6);
  g_autofree gboolean *seen = g_new0 (gboolean, 1000);
  g_autofree guint *empty = ds_dataset_shuffle (0, 5);
  g_autofree guint *one = ds_dataset_shuffle (1, 5);
  guint fixed = 0;

  for (guint i = 0; i < 1000; i++)
    {
      g_assert_cmpuint (a[i], <, 1000);
      g_assert_false (seen[a[i]]);
      seen[a[i]] = TRUE;
      fixed += a[i] == i;
    }
  g_assert_cmpmem (a, 1000 * sizeof (guint), b, 1000 * sizeof (guint));
  g_assert_true (memcmp (a, c, 1000 * sizeof (guint)) != 0);
  /* a random permutation has about one fixed point, not hundreds */
  g_assert_cmpuint (fixed, <, 10);
  g_assert_nonnull (empty);
  g_assert_cmpuint (one[0], ==, 0);
}

static void
test_gather (void)
{
  g_autoptr(DsDataset) d = ds_dataset_synthetic (50, 5, 3, 9);
  const guint order[] = { 49, 0, 17, 17, 3 };
  float x[3 * 5];
  guint8 y[3];

  ds_dataset_gather (d, order, 1, 3, x, y);
  g_assert_cmpmem (x, 5 * sizeof (float), d->x + 0 * 5, 5 * sizeof (float));
  g_assert_cmpmem (x + 5, 5 * sizeof (float), d->x + 17 * 5, 5 * sizeof (float));
  g_assert_cmpmem (x + 10, 5 * sizeof (float), d->x + 17 * 5, 5 * sizeof (float));
  g_assert_cmpuint (y[0], ==, d->y[0]);
  g_assert_cmpuint (y[1], ==, d->y[17]);
  g_assert_cmpuint (y[2], ==, d->y[17]);

  /* no order: consecutive rows */
  ds_dataset_gather (d, NULL, 47, 3, x, y);
  g_assert_cmpmem (x, 15 * sizeof (float), d->x + 47 * 5, 15 * sizeof (float));
  g_assert_cmpmem (y, 3, d->y + 47, 3);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/exec/dataset/idx/raw", test_idx_raw);
  g_test_add_func ("/exec/dataset/idx/gzip", test_idx_gzip);
  g_test_add_func ("/exec/dataset/idx/gzip-members", test_gzip_members);
  g_test_add_func ("/exec/dataset/idx/gunzip-cap", test_gunzip_cap);
  g_test_add_func ("/exec/dataset/idx/malformed", test_malformed);
  g_test_add_func ("/exec/dataset/idx/malformed-gzip", test_malformed_gzip);
  g_test_add_func ("/exec/dataset/idx/load", test_load_idx);
  g_test_add_func ("/exec/dataset/fashion-mnist/train", test_fashion_train);
  g_test_add_func ("/exec/dataset/fashion-mnist/test", test_fashion_test);
  g_test_add_func ("/exec/dataset/fashion-mnist/missing", test_fashion_missing);
  g_test_add_func ("/exec/dataset/fashion-mnist/bad-label", test_fashion_bad_label);
  g_test_add_func ("/exec/dataset/synthetic/deterministic", test_synthetic_deterministic);
  g_test_add_func ("/exec/dataset/synthetic/balance", test_synthetic_balance);
  g_test_add_func ("/exec/dataset/synthetic/slice", test_slice);
  g_test_add_func ("/exec/dataset/synthetic/learnable", test_synthetic_learnable);
  g_test_add_func ("/exec/dataset/shuffle", test_shuffle);
  g_test_add_func ("/exec/dataset/gather", test_gather);
  return g_test_run ();
}
