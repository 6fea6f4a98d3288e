/* tests/fuzz/driver.c - replays a fuzz target's saved corpus, for gcc builds.
 *
 * Every fuzz target is one file defining LLVMFuzzerTestOneInput(). Linked
 * with this driver it becomes a TAP test: with no arguments it runs each
 * file of tests/fuzz/corpus/<name>/ (name = the program's name minus
 * "fuzz-") through the target, one "ok" line per input; with arguments it
 * runs those files or folders. Under ASan/UBSan a bad input aborts the
 * program, which the TAP driver reports. The same target, linked with
 * -fsanitize=fuzzer by tools/fuzz.sh, is a libFuzzer binary; every input
 * that once crashed is kept in the corpus as a regression case.
 */
#include "config.h"

#include <glib.h>
#include <stdint.h>
#include <stdio.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static void
collect (const char *path, GPtrArray *files)
{
  g_autoptr(GDir) dir = NULL;
  const char *name;

  if (!g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      g_ptr_array_add (files, g_strdup (path));
      return;
    }
  dir = g_dir_open (path, 0, NULL);
  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);
      collect (child, files);
    }
}

static gint
by_path (gconstpointer a, gconstpointer b)
{
  return g_strcmp0 (*(char *const *) a, *(char *const *) b);
}

int
main (int argc, char **argv)
{
  g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *prog = g_path_get_basename (argv[0]);
  const char *srcdir = g_getenv ("G_TEST_SRCDIR");

  if (argc > 1)
    for (int i = 1; i < argc; i++)
      collect (argv[i], files);
  else
    {
      const char *target = g_str_has_prefix (prog, "fuzz-") ? prog + 5 : prog;
      g_autofree char *dir = g_build_filename (srcdir != NULL ? srcdir : "tests",
                                               "fuzz", "corpus", target, NULL);
      collect (dir, files);
    }
  g_ptr_array_sort (files, by_path);
  printf ("1..%u\n", files->len);
  for (guint i = 0; i < files->len; i++)
    {
      const char *path = g_ptr_array_index (files, i);
      g_autofree char *data = NULL;
      gsize len = 0;

      if (!g_file_get_contents (path, &data, &len, NULL))
        {
          printf ("not ok %u - %s (unreadable)\n", i + 1, path);
          continue;
        }
      LLVMFuzzerTestOneInput ((const uint8_t *) data, len);
      printf ("ok %u - %s\n", i + 1, path);
      fflush (stdout);
    }
  return 0;
}
