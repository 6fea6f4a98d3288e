/* traces/svg.h - a DsTrace as a standalone SVG Gantt chart.
 *
 * The picture of a pipeline schedule in the PipeDream paper's style: one
 * row per resource ("gpu0", "gpu1", "link0-1"), time left to right, one
 * box per event coloured by kind (forward blue, backward green, send and
 * recv light grey, allreduce orange, optimizer purple, other grey; idle
 * events and memory samples are not drawn), the micro-batch id inside each box wide enough
 * to hold it, a tooltip (<title>) on every box, a legend of the kinds
 * present and a time axis with 1-2-5 ticks in human units.
 *
 * Rows: devices first, then communication streams (name, after any
 * "group/", starting with "comm"), then links ("link..."), each part in
 * natural order (gpu2 before gpu10). Boxes are <rect class="box KIND"> with a fill attribute, in the
 * trace's event order. The output depends on nothing but the trace and
 * the options (numbers in the C locale), so the same trace gives the same
 * bytes. All text is XML-escaped; the document parses as XML. Cost is
 * linear in the events, about 150 bytes each.
 */
#pragma once

#include "core/trace.h"

G_BEGIN_DECLS

typedef struct {
  double width_px;          /* drawing width of the time axis; 0 (or any
                             * value not > 0 and finite) = 1200 */
  const char *title;        /* NULL = none; XML-escaped */
} DsSvgOptions;

/* Returns the document, ending in a newline; never fails. The trace must
 * pass ds_trace_check(). @options may be NULL (all defaults). An empty
 * trace gives a small SVG that says "no events" under the title. @len
 * (may be NULL) gets the length in bytes. Free with g_free. */
char *ds_trace_write_svg (const DsTrace *trace, const DsSvgOptions *options,
                          gsize *len);

G_END_DECLS
