/* tests/fuzz/fuzz-tta.c - the DAWNBench readers (traces/tta.h) on
 * arbitrary bytes: the TSV reader, with the task's metric and with a named
 * one, and the entry JSON reader never crash; a log that reads keeps the
 * first-crossing rule's properties (the hit meets the target, no earlier
 * row does, and a higher threshold is never reached sooner). */
#include "config.h"

#include <stdint.h>

#include "traces/tta.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static void
check_log (const DsTtaLog *log)
{
  g_auto(DsTtaTarget) lo = { 0 }, hi = { 0 };
  DsTtaResult a, b;

  g_assert_true (ds_tta_target_parse ("90", log->metric, &lo, NULL));
  g_assert_true (ds_tta_target_parse ("93.5", log->metric, &hi, NULL));
  ds_tta_first_crossing (log, &lo, &a);
  ds_tta_first_crossing (log, &hi, &b);
  g_assert_cmpuint (a.n_rows, ==, log->rows->len);
  g_assert_true (!b.reached || (a.reached && a.hit_row <= b.hit_row));
  for (guint i = 0; a.reached && i <= a.hit_row; i++)
    {
      const DsTtaRow *row = &g_array_index (log->rows, DsTtaRow, i);
      g_assert_true ((row->value >= 90) == (i == a.hit_row));
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  const char *text = (const char *) data;
  g_autoptr(DsTtaLog) task = ds_tta_log_parse (text, size, "fuzz.tsv", NULL, NULL);
  g_autoptr(DsTtaLog) named = ds_tta_log_parse (text, size, "fuzz.tsv", "top1Accuracy", NULL);
  g_autoptr(DsTtaEntry) entry = ds_tta_entry_parse_json (text, size, "fuzz.json", NULL);

  if (task != NULL)
    check_log (task);
  if (named != NULL)
    check_log (named);
  (void) entry;
  return 0;
}
