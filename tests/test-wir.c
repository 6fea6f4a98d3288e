/* tests/test-wir.c - WIR's front end and numerics (exec/wir/). */
#include "config.h"

#include <string.h>

#include "exec/wir/interp.h"
#include "exec/wir/numeric.h"
#include "exec/wir/passes.h"
#include "exec/wir/wir.h"

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  return g_test_run ();
}
