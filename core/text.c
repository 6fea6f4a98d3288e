/* core/text.c - input string checks (see text.h). */
#include "config.h"

#include "core/text.h"

gboolean
ds_text_check_utf8 (const char *s, DsPos pos, const char *what,
                    GError **error)
{
  if (s == NULL || g_utf8_validate (s, -1, NULL))
    return TRUE;
  return ds_fail_at (error, DS_ERROR_SYNTAX, pos,
                     "%s is not valid UTF-8 (an invalid escape?)", what);
}

gboolean
ds_text_check_utf8_map (GHashTable *map, DsPos pos, GError **error)
{
  GHashTableIter iter;
  gpointer key, value;

  g_hash_table_iter_init (&iter, map);
  while (g_hash_table_iter_next (&iter, &key, &value))
    if (!ds_text_check_utf8 (key, pos, "an attribute name", error)
        || !ds_text_check_utf8 (value, pos, "an attribute value", error))
      return FALSE;
  return TRUE;
}
