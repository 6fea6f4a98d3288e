/* cli/commands.c - the command table, `dawnsim --help` and `dawnsim help`.
 *
 * One table is the truth for dispatch, for the usage text and for the
 * tests that run every command with --help and a bad option.
 */
#include "config.h"

#include "cli/cli.h"

#include <string.h>

static const DsCommand commands[] = {
  { "models",  ds_cmd_models,  "list the model zoo" },
  { "show",    ds_cmd_show,    "show a model's layers, costs and totals" },
  { "convert", ds_cmd_convert, "convert a model between file formats" },
  { "plan",    ds_cmd_plan,    "partition a model over devices (PipeDream's DP)" },
  { "simulate", ds_cmd_simulate, "play a plan's training iterations event by event" },
  { "exec",    ds_cmd_exec,    "train a plan for real on this machine's cores" },
  { "validate", ds_cmd_validate, "compare a measured run with the simulator's prediction" },
  { "tta",     ds_cmd_tta,     "time to accuracy of DAWNBench entries and logs, cost, spread" },
  { "explain", ds_cmd_explain, "explain the outliers of a trace or CSV (MacroBase)" },
  { "replay",  ds_cmd_replay,  "replay a trace from its dependency graph; ask what-if" },
  { "diff",    ds_cmd_diff,    "compare two traces operation by operation" },
  { "hw",      ds_cmd_hw,      "hardware presets, detection, predictions, calibration" },
  { "wir",     ds_cmd_wir,     "run, optimize, emit or cost a program of the Weld-style IR" },
  { "help",    ds_cmd_help,    "show help for dawnsim or one command" },
};

const DsCommand *
ds_cli_commands (guint *n)
{
  *n = G_N_ELEMENTS (commands);
  return commands;
}

const DsCommand *
ds_cli_find_command (const char *name)
{
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    if (strcmp (commands[i].name, name) == 0)
      return &commands[i];
  return NULL;
}

void
ds_cli_print_usage (FILE *out)
{
  fprintf (out,
           "Usage: dawnsim [--version] [--help] COMMAND [ARGS...]\n\n"
           "Plan, simulate, run and explain pipeline-parallel training.\n\n"
           "Commands:\n");
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    fprintf (out, "  %-10s %s\n", commands[i].name, commands[i].summary);
  fprintf (out,
           "\nA MODEL is a zoo name (see 'dawnsim models') or a file: dawnsim JSON,\n"
           "PipeDream graph.txt, or a per-layer CSV (FILE.csv#MODEL/DTYPE).\n"
           "Run 'dawnsim help COMMAND' for a command's options and examples.\n");
}

/* help [COMMAND]: runs the command's own --help, so the two never differ. */
gboolean
ds_cmd_help (int argc, char **argv, GError **error)
{
  const DsCommand *cmd;
  char *help_argv[] = { NULL, (char *) "--help", NULL };

  if (argc > 2)
    return ds_cli_usage (error, "help takes at most one command name");
  if (argc == 2 && (g_str_has_prefix (argv[1], "-") || strcmp (argv[1], "help") == 0))
    {
      if (strcmp (argv[1], "--help") != 0 && strcmp (argv[1], "-h") != 0
          && strcmp (argv[1], "help") != 0)
        return ds_cli_usage (error, "help: unknown option '%s'", argv[1]);
      fputs ("Usage: dawnsim help [COMMAND]\n\n"
             "Show help for dawnsim, or the options and examples of one command.\n",
             stdout);
      return TRUE;
    }
  if (argc < 2)
    {
      ds_cli_print_usage (stdout);
      return TRUE;
    }
  cmd = ds_cli_find_command (argv[1]);
  if (cmd == NULL)
    return ds_cli_usage (error, "no command '%s' (run 'dawnsim help' for the list)",
                         argv[1]);
  help_argv[0] = (char *) cmd->name;
  return cmd->run (2, help_argv, error);
}
