/* tests/fuzz/fuzz-explain-csv.c - explain's CSV reader on arbitrary bytes:
 * whole and fed in two pieces cut at a byte the input chooses, it never
 * crashes, and both ways read the same rows or fail alike. */
#include "config.h"

#include <stdint.h>

#include "traces/explain-csv.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static DsExplainData *
read_split (const char *text, size_t size, size_t cut, gboolean *ok)
{
  static const char *const attrs[] = { "a", "b", NULL };
  static const char *const metrics[] = { "m", NULL };
  DsExplainSchema schema = { attrs, metrics, NULL };
  g_autoptr(DsExplainCsvReader) r = ds_explain_csv_reader_new ("fuzz.csv", &schema);

  *ok = ds_explain_csv_reader_feed (r, text, cut, NULL)
        && ds_explain_csv_reader_feed (r, text + cut, size - cut, NULL)
        && ds_explain_csv_reader_finish (r, FALSE, NULL);
  return *ok ? ds_explain_csv_reader_steal (r) : NULL;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  const char *text = (const char *) data;
  size_t cut = size > 0 ? data[0] % (size + 1) : 0;
  gboolean ok_whole, ok_split;
  g_autoptr(DsExplainData) whole = read_split (text, size, size, &ok_whole);
  g_autoptr(DsExplainData) split = read_split (text, size, cut, &ok_split);

  g_assert_true (ok_whole == ok_split);
  if (ok_whole)
    {
      g_assert_cmpuint (whole->n_rows, ==, split->n_rows);
      g_assert_cmpuint (whole->n_dropped, ==, split->n_dropped);
      for (guint i = 0; i < whole->n_rows; i++)
        g_assert_true (whole->metrics[0][i] == split->metrics[0][i]);
    }
  return 0;
}
