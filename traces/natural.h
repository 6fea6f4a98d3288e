/* traces/natural.h - natural order of resource names.
 *
 * Digit runs compare as numbers, so "gpu2" sorts before "gpu10" and
 * "link0-2" before "link0-10"; everything else compares byte by byte. The
 * order is total: names equal as numbers ("gpu01" and "gpu1") fall back to
 * strcmp. The trace writers use it to lay resources out as people count
 * them.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* <0, 0 or >0 as @a sorts before, with or after @b; 0 only when the
 * strings are equal. Both must be non-NULL. */
int ds_compare_natural (const char *a, const char *b);

G_END_DECLS
