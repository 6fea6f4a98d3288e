/* exec/dataset.h - labelled examples for the executor: Fashion-MNIST from
 * Debian's IDX files, or a seeded synthetic task.
 *
 * A dataset is one block of floats and one of labels, loaded whole: the
 * executor gathers minibatches out of it by index (ds_dataset_gather) in a
 * seeded order (ds_dataset_shuffle), so two runs with the same seeds see
 * the same batches. Fashion-MNIST's train split is 60,000 x 784 floats
 * (188 MB), small enough not to stream.
 *
 * IDX (LeCun's MNIST format; drawn in full in dataset.c): a 4-byte magic
 * 00 00 <type> <n_dims>, n_dims big-endian 32-bit sizes, then the values
 * row-major. We read type 0x08 (unsigned byte) only: images are 0x00000803
 * (n x rows x cols), labels 0x00000801 (n). Files may be gzip-compressed,
 * as Debian and the original site ship them; gzip is told apart by its
 * magic 1f 8b, which no IDX file can start with.
 *
 * Errors: every parse error is DS_ERROR_SYNTAX and starts with the file's
 * name and the byte offset where the problem was found, offsets counted in
 * the decompressed IDX bytes when the file was gzip ("after gunzip"):
 *
 *     t10k-labels-idx1-ubyte.gz: offset 4 after gunzip: 9999 labels, but
 *     't10k-images-idx3-ubyte.gz' holds 10000 images
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The most bytes a gzip file may decompress to (1 GiB): Fashion-MNIST's
 * largest file is 47 MB, so anything near this is a bad or hostile file,
 * refused before it exhausts memory. */
#define DS_DATASET_MAX_GUNZIP_BYTES ((gsize) 1 << 30)

typedef struct {
  guint n;              /* examples, > 0 */
  guint n_features;     /* floats per example (784 for 28 x 28 images), > 0 */
  guint n_classes;      /* labels are < n_classes, which is <= 256 */
  float *x;             /* n x n_features, row-major, owned; IDX pixels
                         * scaled to [0, 1] (byte / 255) */
  guint8 *y;            /* n labels, owned */
} DsDataset;

/* Parses an image file (magic 0x00000803: n x rows x cols unsigned bytes,
 * n_features = rows x cols) and a label file (magic 0x00000801: n unsigned
 * bytes), each raw IDX or gzip-compressed IDX. n_classes is the largest
 * label + 1. The names are only for messages and are not kept. Fails with
 * DS_ERROR_SYNTAX, naming the file and the offset, on a bad magic, a
 * truncated header or body, bytes after the body, a size of 0, image and
 * label counts that disagree, sizes whose product overflows, or gzip data
 * that does not decompress (or decompresses past
 * DS_DATASET_MAX_GUNZIP_BYTES). Free with ds_dataset_free. */
DsDataset *ds_dataset_parse_idx (const guint8 *images, gsize images_len,
                                 const char *images_name,
                                 const guint8 *labels, gsize labels_len,
                                 const char *labels_name, GError **error);

/* Reads the two files (DS_ERROR_IO naming the path when one cannot be
 * read) and parses them, the paths naming them in messages. */
DsDataset *ds_dataset_load_idx (const char *images_path,
                                const char *labels_path, GError **error);

/* Fashion-MNIST's train (60,000 images) or test (10,000) split from @dir,
 * NULL meaning /usr/share/datasets/fashion-mnist (Debian's
 * dataset-fashion-mnist): train-images-idx3-ubyte.gz and
 * train-labels-idx1-ubyte.gz, or t10k-images-idx3-ubyte.gz and
 * t10k-labels-idx1-ubyte.gz. A missing file fails with DS_ERROR_IO naming
 * it and saying "apt-get install dataset-fashion-mnist (or run
 * ./quickstart.sh)". Besides ds_dataset_parse_idx's checks, a label >= 10
 * is DS_ERROR_SYNTAX (naming the label file and offset); n_classes is
 * always 10. */
DsDataset *ds_dataset_fashion_mnist (const char *dir, gboolean train,
                                     GError **error);

/* A learnable task for tests that must not depend on the package: n
 * examples of n_features floats, labels 0 .. n_classes - 1 each on n /
 * n_classes examples (the first n % n_classes classes on one more), in a
 * seeded order. Class c's examples are its centre (seeded, N(0, 1) per
 * feature) plus N(0, sigma^2) noise per feature, sigma chosen so that two
 * centres are about 3.4 sigma apart along the line joining them, whatever
 * n_features: a nearest-centroid (linear) classifier learnt from 200
 * examples a class gets about 97% on two classes and 65-80% on ten, not
 * 100%. Features are not in [0, 1]: over the whole set each is roughly
 * N(0, 1). Same arguments, same bytes. n, n_features > 0;
 * 1 <= n_classes <= 256. Never NULL. */
DsDataset *ds_dataset_synthetic (guint n, guint n_features, guint n_classes,
                                 guint64 seed);

/* A new dataset of @d's examples first .. first + n - 1 (a train/test
 * split of one synthetic task, whose test set must share its centres).
 * first + n <= d->n. */
DsDataset *ds_dataset_slice (const DsDataset *d, guint first, guint n);

/* Frees @d and both arrays; NULL is allowed. */
void       ds_dataset_free (DsDataset *d);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DsDataset, ds_dataset_free)

/* Copies examples order[first], ..., order[first + count - 1] into x_out
 * (count x n_features floats, row-major) and y_out (count labels); a NULL
 * @order means the identity (examples first .. first + count - 1). Every
 * index must be < d->n. */
void       ds_dataset_gather (const DsDataset *d, const guint *order,
                              guint first, guint count,
                              float *x_out, guint8 *y_out);

/* A seeded permutation of 0 .. n - 1 (Fisher-Yates over GLib's GRand,
 * seeded with both halves of @seed). Same n and seed, same permutation.
 * A new array of n (never NULL, even for n = 0); free with g_free. */
guint     *ds_dataset_shuffle (guint n, guint64 seed);

/* Decompresses a whole gzip file (one or more members, RFC 1952) of
 * @len bytes; @name is for messages. Fails with DS_ERROR_SYNTAX, naming
 * the file and the offset in the compressed bytes, on data that is not
 * gzip, is truncated, or decompresses to more than @max_bytes. Returns a
 * new buffer of *out_len bytes (g_free), non-NULL even when empty.
 * ds_dataset_parse_idx calls it with DS_DATASET_MAX_GUNZIP_BYTES. */
guint8    *ds_dataset_gunzip (const guint8 *data, gsize len, const char *name,
                              gsize max_bytes, gsize *out_len, GError **error);

G_END_DECLS
