/* cli/main.c - the dawnsim command: global options, dispatch, one report.
 *
 * `dawnsim [--version] [--help] COMMAND [ARGS...]`. Global options come
 * before the command and parsing stops there (strict POSIX), so each
 * command sees its own argv with argv[0] = the command's name. The
 * command table is in cli/commands.c. Errors are printed here and only here, as
 * "dawnsim: error: ..."; the exit status is 0 on success, 1 on failure,
 * 2 on a usage error. Standard output is flushed and checked after every
 * command, so a full disk is an error, not a silently short file.
 */
#include "config.h"

#include "cli/cli.h"
#include "core/error.h"

#include <errno.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>

static gboolean
flush_stdout (GError **error)
{
  if (fflush (stdout) == 0 && !ferror (stdout))
    return TRUE;
  return ds_fail (error, DS_ERROR_IO, "write failure on standard output: %s",
                  g_strerror (errno));
}

static int
report (GError *error)
{
  int status = g_error_matches (error, DS_CLI_ERROR, DS_CLI_ERROR_USAGE) ? 2 : 1;

  fprintf (stderr, "dawnsim: error: %s\n", error->message);
  return status;
}

int
main (int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  gboolean version = FALSE, help = FALSE;
  const GOptionEntry entries[] = {
    { "version", 0, 0, G_OPTION_ARG_NONE, &version, "Print the version and exit", NULL },
    { "help", 'h', 0, G_OPTION_ARG_NONE, &help, "Show this help and exit", NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new (NULL);
  const DsCommand *cmd;

  setlocale (LC_ALL, "");
  g_set_prgname ("dawnsim");
  g_option_context_set_help_enabled (context, FALSE);
  g_option_context_set_strict_posix (context, TRUE);
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_autoptr(GError) usage = NULL;
      ds_cli_usage (&usage, "%s (run 'dawnsim --help')", error->message);
      return report (usage);
    }
  if (version)
    {
      printf ("dawnsim %s\n", PACKAGE_VERSION);
      return flush_stdout (&error) ? 0 : report (error);
    }
  if (help || argc < 2)
    {
      ds_cli_print_usage (help ? stdout : stderr);
      return help ? 0 : 2;
    }
  cmd = ds_cli_find_command (argv[1]);
  if (cmd == NULL)
    {
      ds_cli_usage (&error, "no command '%s' (run 'dawnsim help' for the list)",
                    argv[1]);
      return report (error);
    }
  if (!cmd->run (argc - 1, argv + 1, &error) || !flush_stdout (&error))
    return report (error);
  return 0;
}
