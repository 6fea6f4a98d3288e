/* tests/fuzz/fuzz-wir.c - the WIR parser and checker on arbitrary bytes.
 *
 * A program that parses must print to text that parses to the same tree
 * and prints the same (parse(print(x)) == x); one that also checks must
 * survive the optimizer and still check. Errors are fine; crashes, leaks
 * and sanitizer reports are not.
 */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "exec/wir/passes.h"
#include "exec/wir/wir.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr(WirProgram) prog = wir_program_parse ((const char *) data, (gssize) size,
                                                  "fuzz.wir", NULL);
  g_autoptr(GError) error = NULL;
  if (prog == NULL)
    return 0;
  g_autofree char *text = wir_program_print (prog);
  g_autoptr(WirProgram) again = wir_program_parse (text, -1, "again.wir", &error);
  /* the printed form may nest a little deeper than the input (an
   * ascription or a field of a call gains parentheses): at the nesting
   * cap that is the one allowed failure */
  if (again == NULL && error->code == WIR_ERROR_SYNTAX && strstr (error->message, "nesting deeper") != NULL)
    return 0;
  g_assert_no_error (error);
  g_autofree char *text2 = wir_program_print (again);
  g_assert_cmpstr (text, ==, text2);
  if (!wir_program_check (prog, FALSE, NULL))
    return 0;
  g_assert_true (wir_program_check (again, FALSE, &error));
  g_assert_true (wir_program_equal (prog, again));
  g_assert_true (wir_optimize (prog, TRUE, NULL, &error));
  g_assert_no_error (error);
  return 0;
}
