/* traces/explain-stream.h - streaming explanation (MacroBase spec
 * section 10): the AMC heavy-hitter sketch, the ADR damped reservoir, the
 * pane window operator with the exact incremental summarizer, and the
 * driver behind `dawnsim explain --stream`.
 *
 * Every streaming number covers a stated window: the summarizer reports
 * support and risk ratio "since tracking began" within the current
 * window (spec 10.2), which is why it can differ from batch results on
 * the same rows (upstream issue #263).
 */
#pragma once

#include <stdio.h>

#include "traces/explain.h"

G_BEGIN_DECLS

/* ---- AMC: amortized maintenance counter (SIGMOD'17) ----
 * observe O(1) (the map grows within an epoch); end_epoch decays lazily
 * (a scale factor g /= r, r = 1 - decay), folds g into the weights and
 * the eviction floor once it passes 1e100 (bug B12 not copied), then
 * evicts down to the stable size, raising the floor to the largest
 * evicted weight. Estimates over-count by at most the floor. */
typedef struct _DsAmc DsAmc;

DsAmc  *ds_amc_new       (guint stable_size, double decay);
void    ds_amc_free      (DsAmc *amc);
void    ds_amc_observe   (DsAmc *amc, guint64 item, double weight);
/* The decayed count of @item (the floor when it is not held). */
double  ds_amc_estimate  (const DsAmc *amc, guint64 item);
double  ds_amc_total     (const DsAmc *amc);
guint   ds_amc_size      (const DsAmc *amc);
void    ds_amc_end_epoch (DsAmc *amc);
/* The held items (guint64) with estimates >= @min, heaviest first. */
GArray *ds_amc_heavy     (const DsAmc *amc, double min);

/* ---- SpaceSaving (Metwally et al.): the baseline AMC is measured against
 * (spec 10.3, case LEG-06). At most @size items; a new item past that
 * replaces the one with the smallest count (ties: the smallest id) and
 * takes its count plus the weight. observe is O(size) when it evicts. */
typedef struct _DsSpaceSaving DsSpaceSaving;

DsSpaceSaving *ds_space_saving_new      (guint size);
void           ds_space_saving_free     (DsSpaceSaving *ss);
void           ds_space_saving_observe  (DsSpaceSaving *ss, guint64 item, double weight);
/* The item's count (an over-estimate by at most the count it took over);
 * 0 when it is not held. */
double         ds_space_saving_estimate (const DsSpaceSaving *ss, guint64 item);

/* ---- ADR: adaptable damped reservoir (Chao's weighted sampler) ----
 * An item offered with weight w while the running weight is W enters
 * with probability k w / W; one whose k w / W exceeds 1 is held aside
 * (a min-heap) until the others' weight catches up, and is always in
 * what read returns. Overweight items add their weight to W once (bug
 * B13 not copied). Seeded (mt19937): same inputs, same sample. */
typedef struct _DsAdr DsAdr;

DsAdr  *ds_adr_new     (guint capacity, guint64 seed);
void    ds_adr_free    (DsAdr *adr);
void    ds_adr_insert  (DsAdr *adr, double value, double weight);
/* Multiplies the running weight and every held weight by 1 - @bias. */
void    ds_adr_decay   (DsAdr *adr, double bias);
/* The sample: every held item, then up to capacity from the reservoir
 * (double values; the caller frees the array). */
GArray *ds_adr_read    (DsAdr *adr);
/* Every value the reservoir holds, sample and overweight alike, in no
 * particular order and without drawing (for a caller that keeps data per
 * value and drops what is gone). */
GArray *ds_adr_held    (const DsAdr *adr);

/* ---- moving average over panes (spec 10.1's panes, case STR-02(a)) ----
 * The mean of every value in the last @n_panes panes, fed one whole
 * pane at a time (a pane may be empty); a time-driven feed goes through
 * the window operator below, which emits its panes the same way. */
typedef struct _DsPaneAverage DsPaneAverage;

DsPaneAverage *ds_pane_average_new  (guint n_panes);
void           ds_pane_average_free (DsPaneAverage *a);
/* Adds a pane of @n values, retiring the oldest beyond n_panes; returns
 * the mean over the panes held (0 while they hold no value). */
double         ds_pane_average_push (DsPaneAverage *a, const double *values, gsize n);

/* ---- window operator and incremental summarizer ---- */

typedef struct {
  const char *time_column;   /* a metric of the rows (not with sketch) */
  double window, slide;      /* window length and slide, in the column's units */
  /* The streaming classifier and the sketch mode (spec 10.5, 10.6); 0
   * takes the default of spec 5.7 given after each. */
  guint warmup;              /* tuples before the first model (10000) */
  guint model_period;        /* refit model and threshold every N tuples (10000) */
  guint decay_period;        /* decay the reservoirs every N tuples (100000) */
  double decay;              /* share lost per decay period (0.01) */
  guint reservoir;           /* ADR capacity, inputs and scores (10000) */
  gboolean sketch;           /* the paper-era summarizer (explain-sketch.h), no
                              * time window: one report at the end */
  guint summary_period;      /* sketch: decay and refresh every N tuples (100000) */
  guint amc_size;            /* sketch: each AMC's stable size (100000) */
} DsExplainStreamOptions;

typedef struct _DsExplainWindow DsExplainWindow;

/* @d holds the rows' columns (the caller appends rows to it and calls
 * push with the range of new rows); rows must be classified (o set).
 * Explains the first @n_explained columns with @min_support and
 * @min_ratio (risk ratio). */
DsExplainWindow *ds_explain_window_new   (const DsExplainStreamOptions *o, guint n_explained,
                                          double min_support, double min_ratio);
void             ds_explain_window_free  (DsExplainWindow *w);
/* A minibatch: rows [first, first + n) of @d, time in metric @time_idx.
 * Emits every pane that ended (a row at or past the pane's end arrived),
 * running the summarizer on each; returns how many panes were emitted. A
 * row earlier than the current pane joins it and counts as late. */
guint            ds_explain_window_push  (DsExplainWindow *w, const DsExplainData *d,
                                          guint time_idx, guint first, guint n);
/* Emits the buffered rows as a last, partial pane. */
guint            ds_explain_window_flush (DsExplainWindow *w, const DsExplainData *d);
/* The current explanations (spec 10.2 "Results"); O and T of the result
 * are the whole window's outliers and rows. Sorted; caller frees. */
DsExplainResult *ds_explain_window_results (DsExplainWindow *w, const DsExplainData *d);
/* The window now covers [*start, *end) in time, with @rows rows. */
void             ds_explain_window_span  (const DsExplainWindow *w, double *start,
                                          double *end, guint *rows, guint64 *late);

/* Called after each emitted pane with the window and its results
 * (borrowed, valid during the call; @w is NULL for the sketch mode's one
 * report at the end); return FALSE (error set) to stop. */
typedef gboolean (*DsExplainStreamFn) (const DsExplainWindow *w, const DsExplainData *d,
                                       const DsExplainResult *res, gpointer user_data,
                                       GError **error);

/* `dawnsim explain --stream`: reads the CSV @path ('-': stdin) in chunks
 * as they arrive, each chunk a minibatch; classifies rows as they come
 * (predicate and column classifiers row by row; mad, zscore and the
 * high-tail percentile classifier after a warm-up of 10,000 rows,
 * against a threshold refreshed from an ADR of scores, spec 10.5), and
 * runs the window, or with o->sketch the sketch summarizer (reporting
 * once, at the end). Explains with fpgrowth's rules (risk ratio; min
 * support 0.1 and min ratio 3 unless @cfg sets them). */
gboolean ds_explain_stream_run (const DsExplainConfig *cfg, const DsExplainStreamOptions *o,
                                const char *path, DsExplainStreamFn fn, gpointer user_data,
                                GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DsAmc, ds_amc_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DsAdr, ds_adr_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DsSpaceSaving, ds_space_saving_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DsPaneAverage, ds_pane_average_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DsExplainWindow, ds_explain_window_free)

G_END_DECLS
