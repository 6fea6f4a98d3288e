/* tests/fuzz/fuzz-graphtxt.c - the graph.txt reader on arbitrary bytes; a
 * profile that loads must write, read back, and write the same bytes
 * again: write(read(write(m))) == write(m). */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "core/graphtxt.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr(DsModel) model = ds_graphtxt_read ((const char *) data, size,
                                               "fuzz.txt", NULL);
  g_autofree char *text = NULL, *again_text = NULL;
  g_autoptr(DsModel) again = NULL;
  g_autoptr(GError) error = NULL;
  gsize len = 0, again_len = 0;

  if (model == NULL)
    return 0;
  text = ds_graphtxt_write (model, &len);
  again = ds_graphtxt_read (text, len, "again.txt", &error);
  g_assert_no_error (error);
  again_text = ds_graphtxt_write (again, &again_len);
  g_assert_cmpuint (again_len, ==, len);
  g_assert_true (memcmp (text, again_text, len) == 0);
  return 0;
}
