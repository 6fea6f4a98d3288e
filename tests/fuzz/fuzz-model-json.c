/* tests/fuzz/fuzz-model-json.c - the model JSON reader on arbitrary bytes;
 * a model that loads must also write and read back. */
#include "config.h"

#include <stdint.h>

#include "core/model-json.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr(DsModel) model = ds_model_read_json ((const char *) data, size,
                                                 "fuzz.json", NULL);
  g_autofree char *text = NULL;
  g_autoptr(DsModel) again = NULL;

  if (model == NULL)
    return 0;
  text = ds_model_write_json (model, NULL);
  again = ds_model_read_json (text, -1, "again.json", NULL);
  g_assert (again != NULL);
  return 0;
}
