/* traces/tta.c - DAWNBench logs and entries, and the first-crossing rule
 * (see tta.h; the contract is reference/tta.md sections 2 to 4).
 *
 * The TSV reader follows tta.md 3.3 step by step:
 *
 *   file   -> BOM? line ("\n" line)* "\n"?      lines end in "\n" or "\r\n"
 *   line   -> blank | header | row              blank: only spaces and tabs
 *   header -> name ("\t" name)*                 names trimmed of spaces
 *   row    -> field ("\t" field)*               as many fields as the header
 *
 * The whole text is checked for NUL bytes and UTF-8 first, so every later
 * step works on a C string. Rows keep the raw `hours` text: the TTA is
 * reported as written and as seconds. Every message starts "file:line:".
 */
#include "config.h"

#include "traces/tta.h"
#include "core/error.h"
#include "core/json-reader.h"

#include <math.h>
#include <string.h>

/* ---- targets and numbers ---- */

gboolean
ds_tta_parse_decimal (const char *text, double *out)
{
  char *end = NULL;
  double v;

  if (text[0] == '\0' || text[strspn (text, "0123456789+-.eE")] != '\0')
    return FALSE;
  v = g_ascii_strtod (text, &end);
  if (*end != '\0' || !isfinite (v))
    return FALSE;
  *out = v;
  return TRUE;
}

void
ds_tta_target_clear (DsTtaTarget *target)
{
  g_clear_pointer (&target->metric, g_free);
  g_clear_pointer (&target->threshold_text, g_free);
  target->at_most = FALSE;
  target->threshold = 0;
}

/* target -> METRIC (">=" | "<=") X | X */
gboolean
ds_tta_target_parse (const char *text, const char *metric, DsTtaTarget *target,
                     GError **error)
{
  const char *ge = strstr (text, ">="), *le = strstr (text, "<=");
  const char *op = ge != NULL ? ge : le;
  g_autofree char *name = NULL, *value = NULL;
  double v;

  ds_tta_target_clear (target);
  if (ge != NULL && le != NULL)
    return ds_fail (error, DS_ERROR_SYNTAX, "target '%s': give one of '>=' and '<='", text);
  if (op != NULL)
    {
      name = g_strstrip (g_strndup (text, op - text));
      value = g_strstrip (g_strdup (op + 2));
    }
  else
    {
      if (metric == NULL)
        return ds_fail (error, DS_ERROR_SYNTAX,
                        "target '%s': expected METRIC>=X or METRIC<=X", text);
      name = g_strdup (metric);
      value = g_strstrip (g_strdup (text));
    }
  if (name[0] == '\0')
    return ds_fail (error, DS_ERROR_SYNTAX, "target '%s': no metric before '%.2s'",
                    text, op);
  if (!ds_tta_parse_decimal (value, &v))
    return ds_fail (error, DS_ERROR_SYNTAX,
                    "target '%s': expected a decimal threshold, got '%s'", text, value);
  target->metric = g_steal_pointer (&name);
  target->at_most = op != NULL && op == le;
  target->threshold = v;
  target->threshold_text = g_steal_pointer (&value);
  return TRUE;
}

char *
ds_tta_target_describe (const DsTtaTarget *target)
{
  return g_strdup_printf ("%s %s %s", target->metric, target->at_most ? "<=" : ">=",
                          target->threshold_text);
}

/* ---- the DAWNBench tasks (tta.md 2.2) ---- */

static const struct {
  const char *task, *metric, *threshold;
  const char *const sweep[8];    /* tta.md 6.1's default sweeps */
} tasks[] = {
  /* order matters: an ImageNet header has top1Accuracy too */
  { "SQuAD",    "f1Score",      "0.75", { "0.70", "0.73", "0.75", "0.76" } },
  { "ImageNet", "top5Accuracy", "93",   { "90", "91", "92", "92.5", "93", "93.5" } },
  { "CIFAR10",  "top1Accuracy", "94",   { "92", "93", "93.5", "94", "94.5" } },
};

static gint
task_idx (const char *const *columns)
{
  for (guint t = 0; t < G_N_ELEMENTS (tasks); t++)
    if (g_strv_contains (columns, tasks[t].metric))
      return t;
  return -1;
}

const char *
ds_tta_task_of (const char *const *columns)
{
  gint t = task_idx (columns);
  return t < 0 ? NULL : tasks[t].task;
}

const char *const *
ds_tta_default_sweep (const char *const *columns)
{
  gint t = task_idx (columns);
  return t < 0 ? NULL : tasks[t].sweep;
}

gboolean
ds_tta_default_target (const char *const *columns, DsTtaTarget *target)
{
  gint t = task_idx (columns);

  ds_tta_target_clear (target);
  if (t < 0)
    return FALSE;
  target->metric = g_strdup (tasks[t].metric);
  target->threshold_text = g_strdup (tasks[t].threshold);
  return ds_tta_parse_decimal (target->threshold_text, &target->threshold);
}

/* ---- reading the TSV ---- */

typedef struct {
  const char *file;
  guint line;
  guint n_cols;
  gint hours_col, metric_col, epoch_col;
  DsTtaLog *log;
} Reader;

static DsPos
here (const Reader *r)
{
  return DS_POS (r->file, r->line);
}

static guint
line_of (const char *text, gsize offset)
{
  guint line = 1;

  for (gsize i = 0; i < offset; i++)
    line += text[i] == '\n';
  return line;
}

/* Step 1: bytes a C string and UTF-8 can hold. */
static gboolean
check_bytes (const char *text, gsize len, const char *file, GError **error)
{
  const char *nul = memchr (text, '\0', len);
  const char *bad = NULL;

  if (nul != NULL)
    return ds_fail_at (error, DS_ERROR_SYNTAX, DS_POS (file, line_of (text, nul - text)),
                       "NUL byte in the text");
  if (!g_utf8_validate_len (text, len, &bad))
    return ds_fail_at (error, DS_ERROR_SYNTAX, DS_POS (file, line_of (text, bad - text)),
                       "invalid UTF-8");
  return TRUE;
}

/* Trims spaces (not tabs: they separate fields) in place. */
static char *
trim_spaces (char *s)
{
  gsize n;

  while (*s == ' ')
    s++;
  n = strlen (s);
  while (n > 0 && s[n - 1] == ' ')
    s[--n] = '\0';
  return s;
}

static gboolean
is_blank (const char *line)
{
  return line[strspn (line, " \t")] == '\0';
}

static gint
column_of (char **columns, const char *name)
{
  for (guint i = 0; columns[i] != NULL; i++)
    if (strcmp (columns[i], name) == 0)
      return i;
  return -1;
}

/* header -> name ("\t" name)*: unique names; `hours` and the metric. */
static gboolean
read_header (Reader *r, char *line, const char *metric, GError **error)
{
  DsTtaLog *log = r->log;
  DsTtaTarget dflt = { 0 };
  char **cells = g_strsplit (line, "\t", -1);

  log->columns = cells;
  r->n_cols = g_strv_length (cells);
  for (guint i = 0; i < r->n_cols; i++)
    {
      char *name = trim_spaces (cells[i]);
      memmove (cells[i], name, strlen (name) + 1);
      for (guint j = 0; j < i; j++)
        if (strcmp (cells[j], cells[i]) == 0)
          return ds_fail_at (error, DS_ERROR_DUPLICATE, here (r),
                             "column '%s' appears twice (columns %u and %u)",
                             cells[i], j + 1, i + 1);
    }
  if (metric == NULL && ds_tta_default_target ((const char *const *) cells, &dflt))
    log->metric = g_steal_pointer (&dflt.metric);
  else if (metric == NULL)
    return ds_fail_at (error, DS_ERROR_SYNTAX, here (r),
                       "no metric column: expected 'f1Score', 'top5Accuracy' or "
                       "'top1Accuracy' in the header");
  else
    log->metric = g_strdup (metric);
  ds_tta_target_clear (&dflt);
  r->hours_col = column_of (cells, "hours");
  r->metric_col = column_of (cells, log->metric);
  r->epoch_col = column_of (cells, "epoch");
  if (r->hours_col < 0)
    return ds_fail_at (error, DS_ERROR_SYNTAX, here (r), "missing column 'hours'");
  if (r->metric_col < 0)
    return ds_fail_at (error, DS_ERROR_SYNTAX, here (r), "missing column '%s'",
                       log->metric);
  return TRUE;
}

static gboolean
field_number (const Reader *r, char **fields, gint col, double *out, GError **error)
{
  if (!ds_tta_parse_decimal (fields[col], out))
    return ds_fail_at (error, DS_ERROR_SYNTAX, here (r),
                       "column '%s': expected a decimal number, got '%s'",
                       r->log->columns[col], fields[col]);
  return TRUE;
}

static void
row_clear (gpointer p)
{
  DsTtaRow *row = p;
  g_free (row->hours_text);
  g_free (row->epoch_text);
}

/* row -> field ("\t" field)*, as many as the header's names */
static gboolean
read_row (Reader *r, char *line, GError **error)
{
  g_auto(GStrv) fields = g_strsplit (line, "\t", -1);
  guint n = g_strv_length (fields);
  DsTtaRow row = { .line = r->line };

  if (n != r->n_cols)
    return ds_fail_at (error, DS_ERROR_SYNTAX, here (r), "expected %u fields, got %u",
                       r->n_cols, n);
  for (guint i = 0; i < n; i++)
    {
      char *f = trim_spaces (fields[i]);
      memmove (fields[i], f, strlen (f) + 1);
    }
  if (!field_number (r, fields, r->hours_col, &row.hours, error)
      || !field_number (r, fields, r->metric_col, &row.value, error))
    return FALSE;
  if (row.hours < 0)
    return ds_fail_at (error, DS_ERROR_INVALID, here (r),
                       "column 'hours': expected a time >= 0, got '%s'",
                       fields[r->hours_col]);
  row.hours_text = g_strdup (fields[r->hours_col]);
  row.epoch_text = r->epoch_col >= 0 ? g_strdup (fields[r->epoch_col]) : NULL;
  g_array_append_val (r->log->rows, row);
  return TRUE;
}

/* Step 9: what is suspicious but not wrong. */
static void
collect_warnings (DsTtaLog *log)
{
  gboolean percent = g_str_has_suffix (log->metric, "Accuracy");
  double max = -G_MAXDOUBLE;

  for (guint i = 0; i < log->rows->len; i++)
    {
      const DsTtaRow *row = &g_array_index (log->rows, DsTtaRow, i);
      const DsTtaRow *prev = i > 0 ? row - 1 : NULL;
      if (prev != NULL && row->hours < prev->hours)
        g_ptr_array_add (log->warnings,
                         g_strdup_printf ("%s:%u: 'hours' decreases from %s to %s",
                                          log->file, row->line, prev->hours_text,
                                          row->hours_text));
      max = MAX (max, row->value);
    }
  if (percent && max <= 1)
    g_ptr_array_add (log->warnings,
                     g_strdup_printf ("%s: '%s' never exceeds 1: a fraction where "
                                      "DAWNBench expects percent?", log->file, log->metric));
}

static DsTtaLog *
log_new (const char *file)
{
  DsTtaLog *log = g_new0 (DsTtaLog, 1);

  log->file = g_strdup (file);
  log->rows = g_array_new (FALSE, TRUE, sizeof (DsTtaRow));
  g_array_set_clear_func (log->rows, row_clear);
  log->warnings = g_ptr_array_new_with_free_func (g_free);
  return log;
}

void
ds_tta_log_free (DsTtaLog *log)
{
  if (log == NULL)
    return;
  g_free (log->file);
  g_strfreev (log->columns);
  g_free (log->metric);
  g_array_unref (log->rows);
  g_ptr_array_unref (log->warnings);
  g_free (log);
}

DsTtaLog *
ds_tta_log_parse (const char *text, gsize len, const char *file, const char *metric,
                  GError **error)
{
  g_autoptr(DsTtaLog) log = log_new (file);
  g_autofree char *copy = NULL;
  Reader r = { .file = log->file, .log = log };
  char *p, *next;

  if (!check_bytes (text, len, log->file, error))
    return NULL;
  copy = g_strndup (text, len);
  p = g_str_has_prefix (copy, "\xEF\xBB\xBF") ? copy + 3 : copy;
  for (r.line = 1; p != NULL; r.line++, p = next)
    {
      char *nl = strchr (p, '\n');
      gsize n;
      next = nl != NULL ? nl + 1 : NULL;
      if (nl != NULL)
        *nl = '\0';
      n = strlen (p);
      if (n > 0 && p[n - 1] == '\r')
        p[--n] = '\0';
      if (strchr (p, '\r') != NULL)
        return ds_fail_at_null (error, DS_ERROR_SYNTAX, here (&r),
                                "carriage return inside a line (lines must end in "
                                "\"\\n\" or \"\\r\\n\")");
      if (is_blank (p))
        continue;
      if (log->columns == NULL ? !read_header (&r, p, metric, error)
                               : !read_row (&r, p, error))
        return NULL;
    }
  if (log->columns == NULL)
    return ds_fail_at_null (error, DS_ERROR_SYNTAX, DS_POS (log->file, 0),
                            "empty: expected a header line and rows");
  if (log->rows->len == 0)
    return ds_fail_at_null (error, DS_ERROR_SYNTAX, DS_POS (log->file, 0),
                            "no rows after the header");
  collect_warnings (log);
  return g_steal_pointer (&log);
}

DsTtaLog *
ds_tta_log_load (const char *path, const char *metric, GError **error)
{
  g_autofree char *text = NULL;
  gsize len = 0;

  if (!ds_read_file (path, &text, &len, error))
    return NULL;
  return ds_tta_log_parse (text, len, path, metric, error);
}

/* ---- the first crossing (tta.md 2.1) ---- */

static gboolean
meets (const DsTtaTarget *target, double v)
{
  return target->at_most ? v <= target->threshold : v >= target->threshold;
}

void
ds_tta_first_crossing (const DsTtaLog *log, const DsTtaTarget *target, DsTtaResult *out)
{
  g_return_if_fail (strcmp (log->metric, target->metric) == 0);

  memset (out, 0, sizeof *out);
  out->n_rows = log->rows->len;
  for (guint i = 0; i < log->rows->len; i++)
    {
      const DsTtaRow *row = &g_array_index (log->rows, DsTtaRow, i);
      if (i == 0 || (target->at_most ? row->value < out->best_value
                                     : row->value > out->best_value))
        out->best_value = row->value;
      out->last_hours = row->hours;
      if (out->reached || !meets (target, row->value))
        continue;
      out->reached = TRUE;
      out->hit_row = i;
      out->hit_line = row->line;
      out->hours_text = row->hours_text;
      out->epoch_text = row->epoch_text;
      out->tta_hours = row->hours;
      out->tta_s = row->hours * 3600;
      out->hit_value = row->value;
    }
}

/* ---- entries (tta.md 3.1) ---- */

void
ds_tta_entry_free (DsTtaEntry *entry)
{
  if (entry == NULL)
    return;
  g_free (entry->name);
  g_free (entry->json_file);
  g_free (entry->model);
  g_free (entry->hardware);
  g_free (entry->framework);
  ds_tta_log_free (entry->log);
  g_free (entry);
}

/* costPerHour: absent, null, or a number >= 0 (USD per hour). */
static gboolean
read_cost_per_hour (DsJsonDoc *doc, JsonObject *root, DsTtaEntry *entry, GError **error)
{
  JsonNode *node = json_object_get_member (root, "costPerHour");
  double v = 0;

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (!ds_json_get_double (doc, root, "costPerHour", TRUE, &v, error))
    return FALSE;
  if (!(v >= 0))
    return ds_fail_at (error, DS_ERROR_INVALID, ds_json_pos (doc, root, "costPerHour"),
                       "'costPerHour' must be >= 0, got %g", v);
  entry->has_cost_per_hour = TRUE;
  entry->cost_per_hour_usd = v;
  return TRUE;
}

DsTtaEntry *
ds_tta_entry_parse_json (const char *text, gsize len, const char *file, GError **error)
{
  static const char *const required[] = {
    "author", "authorEmail", "framework", "model", "hardware", "timestamp",
  };
  g_autoptr(DsJsonDoc) doc = ds_json_doc_parse (text, len, file, error);
  g_autoptr(DsTtaEntry) entry = g_new0 (DsTtaEntry, 1);
  JsonObject *root;
  const char *version = NULL, *s = NULL;

  if (doc == NULL || (root = ds_json_doc_root_object (doc, error)) == NULL)
    return NULL;
  if (!ds_json_get_string (doc, root, "version", TRUE, &version, error))
    return NULL;
  if (strcmp (version, "v1.0") != 0)
    return ds_fail_at_null (error, DS_ERROR_UNSUPPORTED, ds_json_pos (doc, root, "version"),
                            "'version' must be \"v1.0\", got \"%s\"", version);
  for (guint i = 0; i < G_N_ELEMENTS (required); i++)
    if (!ds_json_get_string (doc, root, required[i], TRUE, &s, error))
      return NULL;
  if (!read_cost_per_hour (doc, root, entry, error))
    return NULL;
  entry->name = ds_file_stem (file, "entry");
  entry->json_file = g_strdup (file);
  entry->model = g_strdup (json_object_get_string_member (root, "model"));
  entry->hardware = g_strdup (json_object_get_string_member (root, "hardware"));
  entry->framework = g_strdup (json_object_get_string_member (root, "framework"));
  return g_steal_pointer (&entry);
}

/* The TSV beside a JSON entry: same folder and stem. */
static char *
tsv_beside (const char *json_path)
{
  g_autofree char *dir = g_path_get_dirname (json_path);
  g_autofree char *stem = ds_file_stem (json_path, "entry");
  g_autofree char *base = g_strconcat (stem, ".tsv", NULL);

  return g_build_filename (dir, base, NULL);
}

DsTtaEntry *
ds_tta_entry_load (const char *path, const char *metric, GError **error)
{
  g_autoptr(DsTtaEntry) entry = NULL;
  g_autofree char *tsv = NULL;

  if (g_str_has_suffix (path, ".json"))
    {
      g_autofree char *text = NULL;
      gsize len = 0;
      if (!ds_read_file (path, &text, &len, error)
          || (entry = ds_tta_entry_parse_json (text, len, path, error)) == NULL)
        return NULL;
      tsv = tsv_beside (path);
      if (!g_file_test (tsv, G_FILE_TEST_EXISTS))
        return ds_fail_at_null (error, DS_ERROR_IO, DS_POS (path, 0),
                                "no log beside the entry: expected '%s' (inference "
                                "entries have none)", tsv);
    }
  else
    {
      entry = g_new0 (DsTtaEntry, 1);
      entry->name = ds_file_stem (path, "log");
      tsv = g_strdup (path);
    }
  entry->log = ds_tta_log_load (tsv, metric, error);
  if (entry->log == NULL)
    return NULL;
  return g_steal_pointer (&entry);
}

gboolean
ds_tta_cost (const DsTtaEntry *entry, const DsTtaResult *result, double *cost_usd)
{
  if (!result->reached || !entry->has_cost_per_hour)
    return FALSE;
  *cost_usd = result->tta_hours * entry->cost_per_hour_usd;
  return TRUE;
}

/* ---- formats ---- */

const char *
ds_tta_format_hms (char *buf, gsize size, double s)
{
  gint64 cs, days, rest;

  /* past 10^6 days (no training run) plain seconds are clearer */
  if (!(s >= 0 && s < 8.64e10))
    {
      g_snprintf (buf, size, "%g s", s);
      return buf;
    }
  /* centiseconds as an integer first, so 59.999 s never prints "0:00:60.00" */
  cs = (gint64) llround (s * 100);
  days = cs / (86400 * 100);
  rest = cs % (86400 * 100);
  g_snprintf (buf, size, "%.0" G_GINT64_FORMAT "%s%d:%02d:%02d.%02d",
              days, days > 0 ? "d " : "", (int) (rest / 360000), (int) (rest / 6000 % 60),
              (int) (rest / 100 % 60), (int) (rest % 100));
  return buf;
}
