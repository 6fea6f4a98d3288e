/* tests/fuzz/fuzz-chrome-read.c - the Chrome / PyTorch profiler (Kineto)
 * reader on arbitrary bytes; a trace that loads must pass ds_trace_check,
 * replay (or fail with an error, never crash), write as Chrome JSON and
 * read back with as many events. */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "traces/chrome-read.h"
#include "traces/chrome.h"
#include "traces/diff.h"
#include "traces/replay.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr(DsTrace) trace = ds_trace_read_chrome_data (data, size, "fuzz.json", NULL);
  g_autoptr(DsReplay) r = NULL;
  g_autoptr(DsReplayResult) res = NULL;
  g_autoptr(DsTrace) back = NULL;
  g_autoptr(DsDiff) d = NULL;
  g_autofree char *chrome = NULL;
  gsize len = 0;

  if (trace == NULL)
    return 0;
  g_assert (ds_trace_check (trace, NULL));
  chrome = ds_trace_write_chrome (trace, &len);
  back = ds_trace_read_chrome_data (chrome, len, "again.json", NULL);
  g_assert (back != NULL);
  g_assert (ds_trace_n_events (back) == ds_trace_n_events (trace));
  d = ds_diff_new (trace, back);
  r = ds_replay_new (trace, NULL);
  if (r != NULL && ds_replay_scale (r, "kernel:gemm*=0.5", NULL, NULL))
    res = ds_replay_run (r, NULL);
  return 0;
}
