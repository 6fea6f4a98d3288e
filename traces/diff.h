/* traces/diff.h - two traces, operation by operation.
 *
 * Events are aligned by (kind, name, stage, micro-batch): the "name"
 * attribute where the trace has one (kernel and op names from Chrome and
 * PyTorch traces), else empty; stage and micro-batch -1 where they do not
 * apply. Each key becomes one row with the count and mean duration on
 * each side; keys on one side only keep a count of 0 on the other. Idle
 * and memory events are left out. Rows are sorted by stage, micro-batch,
 * kind and name, so output is deterministic.
 *
 * CSV columns, for `dawnsim explain` (attributes, then metrics):
 *   kind,name,stage,microbatch,count_a,count_b,a_s,b_s,diff_s,error
 * with error = b_s / a_s - 1; a cell that does not apply (a side with no
 * events, stage -1) is empty.
 */
#pragma once

#include "core/trace.h"

G_BEGIN_DECLS

typedef struct {
  DsTraceKind kind;
  char *name;               /* owned; "" when events have no name */
  gint stage, microbatch;
  guint n_a, n_b;
  double a_s, b_s;          /* mean durations; 0 when n is 0 */
} DsDiffRow;

typedef struct {
  GArray *rows;             /* DsDiffRow */
  double busy_a_s, busy_b_s;  /* sums of the aligned events' durations */
  guint n_matched;          /* rows present on both sides */
} DsDiff;

/* Never fails; the traces are borrowed. */
DsDiff *ds_diff_new    (const DsTrace *a, const DsTrace *b);
void    ds_diff_free   (DsDiff *diff);
/* The CSV above, header first. */
char   *ds_diff_to_csv (const DsDiff *diff);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DsDiff, ds_diff_free)

G_END_DECLS
