/* tests/fuzz/fuzz-trace-json.c - the trace JSON reader on arbitrary bytes;
 * a trace that loads must write and read back to the same bytes, sort,
 * and export to Chrome JSON that json-glib parses. */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include <json-glib/json-glib.h>

#include "core/trace-json.h"
#include "traces/chrome.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr(DsTrace) trace = ds_trace_read_json ((const char *) data, size,
                                                 "fuzz.json", NULL);
  g_autofree char *text = NULL, *again = NULL, *chrome = NULL;
  g_autoptr(DsTrace) back = NULL;
  g_autoptr(JsonParser) parser = NULL;

  if (trace == NULL)
    return 0;
  text = ds_trace_write_json (trace, NULL);
  back = ds_trace_read_json (text, -1, "again.json", NULL);
  g_assert (back != NULL);
  again = ds_trace_write_json (back, NULL);
  g_assert (strcmp (text, again) == 0);
  ds_trace_sort (trace);
  g_assert (ds_trace_check (trace, NULL));
  chrome = ds_trace_write_chrome (trace, NULL);
  parser = json_parser_new_immutable ();
  g_assert (json_parser_load_from_data (parser, chrome, -1, NULL));
  return 0;
}
