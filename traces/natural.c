/* traces/natural.c - natural order of resource names (see natural.h).
 *
 * One pass over both strings, no allocation: a digit run is compared by
 * its length once leading zeros are skipped, then digit by digit, so runs
 * of any length work without overflow.
 */
#include "config.h"

#include "traces/natural.h"

#include <string.h>

int
ds_compare_natural (const char *a, const char *b)
{
  const char *p = a, *q = b;

  while (*p != '\0' && *q != '\0')
    {
      if (g_ascii_isdigit (*p) && g_ascii_isdigit (*q))
        {
          const char *pe = p, *qe = q;
          while (*p == '0' && g_ascii_isdigit (p[1])) p++;
          while (*q == '0' && g_ascii_isdigit (q[1])) q++;
          for (pe = p; g_ascii_isdigit (*pe); pe++) ;
          for (qe = q; g_ascii_isdigit (*qe); qe++) ;
          if (pe - p != qe - q)
            return pe - p < qe - q ? -1 : 1;
          int c = strncmp (p, q, pe - p);
          if (c != 0)
            return c;
          p = pe, q = qe;
          continue;
        }
      if (*p != *q)
        return (unsigned char) *p < (unsigned char) *q ? -1 : 1;
      p++, q++;
    }
  if (*p != *q)
    return *p == '\0' ? -1 : 1;
  return strcmp (a, b);
}
