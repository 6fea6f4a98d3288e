/* tests/fuzz/fuzz-profile-csv.c - the per-layer CSV reader on arbitrary
 * bytes: listing and reading never crash, and a file that lists profiles
 * reads each of them. */
#include "config.h"

#include <stdint.h>

#include "core/profile-csv.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_auto(GStrv) profiles = ds_profile_csv_list ((const char *) data, size,
                                                "fuzz.csv", NULL);
  g_autoptr(DsModel) any = ds_profile_csv_read ((const char *) data, size,
                                                "fuzz.csv", NULL, NULL);

  for (guint i = 0; profiles != NULL && profiles[i] != NULL; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(DsModel) m = ds_profile_csv_read ((const char *) data, size,
                                                  "fuzz.csv", profiles[i],
                                                  &error);
      g_assert_no_error (error);
    }
  (void) any;
  return 0;
}
