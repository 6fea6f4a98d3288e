/* tests/fuzz/fuzz-graphtxt.c - the graph.txt reader on arbitrary bytes; a
 * profile that loads must write stably, write(read(write(m))) == write(m),
 * and survive the JSON format: write(read_json(write_json(m))) == write(m). */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "core/graphtxt.h"
#include "core/model-json.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static void
assert_writes (const DsModel *model, const char *text, gsize len)
{
  gsize again_len = 0;
  g_autofree char *again = ds_graphtxt_write (model, &again_len, NULL);

  g_assert_nonnull (again);

  g_assert_cmpuint (again_len, ==, len);
  g_assert_true (memcmp (text, again, len) == 0);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr(DsModel) model = ds_graphtxt_read ((const char *) data, size,
                                               "fuzz.txt", NULL);
  g_autofree char *text = NULL, *json = NULL;
  g_autoptr(DsModel) again = NULL, from_json = NULL;
  g_autoptr(GError) error = NULL;
  gsize len = 0;

  if (model == NULL)
    return 0;
  text = ds_graphtxt_write (model, &len, &error);
  g_assert_no_error (error);    /* what graph.txt gave, graph.txt can hold */
  again = ds_graphtxt_read (text, len, "again.txt", &error);
  g_assert_no_error (error);
  assert_writes (again, text, len);
  json = ds_model_write_json (model, NULL);
  from_json = ds_model_read_json (json, -1, "again.json", &error);
  g_assert_no_error (error);
  assert_writes (from_json, text, len);
  return 0;
}
