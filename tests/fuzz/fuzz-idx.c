/* tests/fuzz/fuzz-idx.c - the IDX reader (raw and gzip) on arbitrary
 * bytes. The first byte b splits the rest: its first (b x len) / 255
 * bytes are the image file, the others the label file, so one input can
 * steer both files' headers and gzip wrappers. A pair that parses must
 * hold what dataset.h promises: sizes > 0, every label < n_classes <= 256
 * with some label n_classes - 1, every float a byte / 255 in [0, 1]. */
#include "config.h"

#include <stdint.h>

#include "exec/dataset.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr(DsDataset) d = NULL;
  g_autoptr(GError) error = NULL;
  gsize split;
  guint8 max_label = 0;

  if (size == 0)
    return 0;
  split = (gsize) data[0] * (size - 1) / 255;
  d = ds_dataset_parse_idx (data + 1, split, "images", data + 1 + split,
                            size - 1 - split, "labels", &error);
  if (d == NULL)
    {
      g_assert_nonnull (error);
      g_assert_true (g_str_has_prefix (error->message, "images: offset ")
                     || g_str_has_prefix (error->message, "labels: offset "));
      return 0;
    }
  g_assert_no_error (error);
  g_assert_cmpuint (d->n, >, 0);
  g_assert_cmpuint (d->n_features, >, 0);
  g_assert_cmpuint (d->n_classes, >=, 1);
  g_assert_cmpuint (d->n_classes, <=, 256);
  for (guint i = 0; i < d->n; i++)
    {
      g_assert_cmpuint (d->y[i], <, d->n_classes);
      max_label = MAX (max_label, d->y[i]);
    }
  g_assert_cmpuint (max_label + 1, ==, d->n_classes);
  for (gsize i = 0; i < (gsize) d->n * d->n_features; i++)
    {
      float b = d->x[i] * 255.0f;
      g_assert_true (d->x[i] >= 0.0f && d->x[i] <= 1.0f);
      g_assert_cmpfloat (b, ==, (float) (guint) (b + 0.5f));
    }
  return 0;
}
