/* cli/cli.h - what every subcommand shares: its signature, usage errors,
 * option parsing and output formats.
 *
 * A command parses its own options (GOption, values in locals), calls one
 * library function, prints, and returns TRUE; on failure it returns FALSE
 * with the error set and prints nothing: main reports it once. Errors in
 * DS_CLI_ERROR are usage errors (exit 2); any other error exits 1.
 * Adding a command: write cli/cmd-NAME.c exporting ds_cmd_NAME(), declare
 * it below, add a row to the table in cli/commands.c, list the file in
 * cli/local.mk; tests/test-cli.c runs every row with --help and with a
 * bad option, so the new command is covered from the start.
 */
#pragma once

#include <glib.h>
#include <stdio.h>

#include "core/cluster.h"
#include "core/efficiency.h"
#include "core/model.h"
#include "core/plan.h"

G_BEGIN_DECLS

#define DS_CLI_ERROR (ds_cli_error_quark ())
GQuark ds_cli_error_quark (void);

typedef enum {
  DS_CLI_ERROR_USAGE,        /* bad options or arguments: exit status 2 */
} DsCliErrorCode;

typedef gboolean (*DsCommandFn) (int argc, char **argv, GError **error);

typedef struct {
  const char *name;
  DsCommandFn run;
  const char *summary;
} DsCommand;

/* The table of commands, the only list of them; *n receives the count. */
const DsCommand *ds_cli_commands     (guint *n);
const DsCommand *ds_cli_find_command (const char *name);
/* `dawnsim --help`: usage, the commands with their summaries. */
void             ds_cli_print_usage  (FILE *out);

typedef enum {
  DS_OUTPUT_HUMAN,           /* aligned tables with units, for people */
  DS_OUTPUT_JSON,
  DS_OUTPUT_CSV,
} DsOutputFormat;

gboolean ds_cli_usage      (GError **error, const char *format, ...)
                            G_GNUC_PRINTF (2, 3);
/* A context for `dawnsim CMD PARAMS`, with a one-line summary and a
 * longer description (examples) shown by --help. Free with
 * g_option_context_free. */
GOptionContext *ds_cli_context (const char *command, const char *params,
                                const char *summary, const char *description,
                                const GOptionEntry *entries);
/* g_option_context_parse, with its errors turned into usage errors that
 * name the command. */
gboolean ds_cli_parse      (GOptionContext *context, const char *command,
                            int *argc, char ***argv, GError **error);
/* The --format entry of a command's GOptionEntry array, writing the
 * chosen name into the char* at @var (parse it with ds_cli_output_format). */
#define DS_CLI_FORMAT_OPTION(var) \
  { "format", 'f', 0, G_OPTION_ARG_STRING, (var), \
    "Output: human (default), json or csv", "FMT" }

/* "human", "json" or "csv"; NULL means human. */
gboolean ds_cli_output_format (const char *name, DsOutputFormat *out,
                               GError **error);

/* The options every command taking a MODEL shares: --from (a file's
 * format), and --batch, --dtype, --seq-len (for zoo models). */
typedef struct {
  char *from;
  int batch;
  char *dtype;
  int seq_len;
} DsCliModelArgs;

void     ds_cli_add_model_options (GOptionContext *context, DsCliModelArgs *args);
void     ds_cli_model_args_clear  (DsCliModelArgs *args);
/* Opens the MODEL argument with those options; errors are usage errors
 * when the options do not fit the argument. */
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (DsCliModelArgs, ds_cli_model_args_clear)

DsModel *ds_cli_open_model        (const char *arg, const DsCliModelArgs *args,
                                   GError **error);
/* A zoo model has FLOPs, not times: gives each layer without measured
 * times the time hwmodels prices on @device (a preset name), else on
 * @cluster's device (may be NULL). A usage error when neither names one
 * and some layer needs it; a fully timed model is left as it is. */
gboolean ds_cli_price_model       (DsModel *model, const char *device,
                                   const DsCluster *cluster, GError **error);
/* Reads a plan file (dawnsim JSON, from `dawnsim plan -o`) for @model. */
DsPlan  *ds_cli_read_plan         (const char *path, const DsModel *model, GError **error);

/* --efficiency FILE and the options that go with it (simulate, plan;
 * sim/tta.h, planner/baselines.h). */
typedef struct {
  char *efficiency;            /* the epochs model ('dawnsim tta --fit ... -o') */
  double dataset_size;         /* samples per epoch */
  double minibatch;            /* samples per minibatch; 0: the model's */
  double eval_every;           /* epochs between evaluations */
  double startup_s, eval_s, cov;   /* DS_CLI_TTA_RUN_OPTIONS only */
} DsCliTtaArgs;

/* --efficiency (with @help) and --dataset-size, --minibatch, --eval-every */
#define DS_CLI_TTA_OPTIONS(args, help) \
  { "efficiency", 0, 0, G_OPTION_ARG_FILENAME, &(args)->efficiency, (help), "FILE" }, \
  { "dataset-size", 0, 0, G_OPTION_ARG_DOUBLE, &(args)->dataset_size, \
    "With --efficiency: samples per epoch", "N" }, \
  { "minibatch", 0, 0, G_OPTION_ARG_DOUBLE, &(args)->minibatch, \
    "With --efficiency: samples per minibatch (default: the model's; a profile file " \
    "does not say it)", "B" }, \
  { "eval-every", 0, 0, G_OPTION_ARG_DOUBLE, &(args)->eval_every, \
    "With --efficiency: epochs between evaluations (the TTA rounds up to one)", "EPOCHS" }
/* --startup, --eval-time and --cov: what a whole run's TTA adds */
#define DS_CLI_TTA_RUN_OPTIONS(args) \
  { "startup", 0, 0, G_OPTION_ARG_DOUBLE, &(args)->startup_s, \
    "With --efficiency: seconds before the first step", "S" }, \
  { "eval-time", 0, 0, G_OPTION_ARG_DOUBLE, &(args)->eval_s, \
    "With --efficiency: seconds per evaluation (MLPerf's time base counts them)", "S" }, \
  { "cov", 0, 0, G_OPTION_ARG_DOUBLE, &(args)->cov, \
    "With --efficiency: the TTA's coefficient of variation for the band (default 0.05)", "X" }

/* Usage errors for @args (@run: the command takes DS_CLI_TTA_RUN_OPTIONS
 * too): any of them without --efficiency, --dataset-size below 1, the
 * others below 0, anything not finite. */
gboolean   ds_cli_tta_args_check (const DsCliTtaArgs *args, gboolean run, GError **error);
/* The ds_eff_tta setup @args give (the run options 0 if not taken). */
DsTtaSetup ds_cli_tta_setup      (const DsCliTtaArgs *args);
void       ds_cli_tta_args_clear (DsCliTtaArgs *args);

gboolean ds_cmd_models     (int argc, char **argv, GError **error);
gboolean ds_cmd_show       (int argc, char **argv, GError **error);
gboolean ds_cmd_convert    (int argc, char **argv, GError **error);
gboolean ds_cmd_help       (int argc, char **argv, GError **error);
gboolean ds_cmd_plan       (int argc, char **argv, GError **error);
gboolean ds_cmd_hw         (int argc, char **argv, GError **error);
gboolean ds_cmd_simulate   (int argc, char **argv, GError **error);
gboolean ds_cmd_exec       (int argc, char **argv, GError **error);
gboolean ds_cmd_validate   (int argc, char **argv, GError **error);
gboolean ds_cmd_tta        (int argc, char **argv, GError **error);
gboolean ds_cmd_explain    (int argc, char **argv, GError **error);
gboolean ds_cmd_replay     (int argc, char **argv, GError **error);
gboolean ds_cmd_diff       (int argc, char **argv, GError **error);
gboolean ds_cmd_wir        (int argc, char **argv, GError **error);

G_END_DECLS
