/* traces/validate.h - a measured trace against a predicted one.
 *
 * The executor and the simulator run the same programs, so their traces
 * hold the same operations; resources differ (threads against devices),
 * so the two are joined by what ran: per stage and kind (forward,
 * backward, optimizer, all-reduce), the mean duration on each side and
 * the error of the prediction, predicted / measured - 1. Memory samples,
 * sends and idle time are left out (the executor does not measure them
 * as the simulator models them).
 */
#pragma once

#include <glib.h>

#include "core/trace.h"

G_BEGIN_DECLS

typedef struct {
  guint stage;
  DsTraceKind kind;
  guint n_measured, n_predicted;
  double measured_s, predicted_s;    /* mean durations */
  double error;                      /* predicted / measured - 1 */
} DsValidationRow;

typedef struct {
  GArray *rows;                      /* DsValidationRow, by stage then kind */
  double mape;                       /* mean |error| over the rows */
  double max_ape;
} DsValidation;

/* The rows present on both sides (a stage and kind measured but not
 * predicted, or the reverse, is left out). */
DsValidation *ds_validation_new    (const DsTrace *measured, const DsTrace *predicted);
void          ds_validation_free   (DsValidation *v);
/* stage,kind,n_measured,n_predicted,measured_s,predicted_s,error */
char         *ds_validation_to_csv (const DsValidation *v);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DsValidation, ds_validation_free)

G_END_DECLS
