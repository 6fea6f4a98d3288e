/* core/error.c - the throw helpers of error.h and checked file I/O. */
#include "config.h"

#include "core/error.h"

#include <errno.h>
#include <string.h>

G_DEFINE_QUARK (ds-error-quark, ds_error)

static void
set_located (GError **error, DsErrorCode code, DsPos pos,
             const char *format, va_list ap)
{
  g_autofree char *msg = g_strdup_vprintf (format, ap);

  if (pos.file == NULL)
    g_set_error_literal (error, DS_ERROR, code, msg);
  else if (pos.line == 0)
    g_set_error (error, DS_ERROR, code, "%s: %s", pos.file, msg);
  else
    g_set_error (error, DS_ERROR, code, "%s:%u: %s", pos.file, pos.line, msg);
}

gboolean
ds_fail (GError **error, DsErrorCode code, const char *format, ...)
{
  va_list ap;
  va_start (ap, format);
  set_located (error, code, DS_NO_POS, format, ap);
  va_end (ap);
  return FALSE;
}

gpointer
ds_fail_null (GError **error, DsErrorCode code, const char *format, ...)
{
  va_list ap;
  va_start (ap, format);
  set_located (error, code, DS_NO_POS, format, ap);
  va_end (ap);
  return NULL;
}

gboolean
ds_fail_at (GError **error, DsErrorCode code, DsPos pos,
            const char *format, ...)
{
  va_list ap;
  va_start (ap, format);
  set_located (error, code, pos, format, ap);
  va_end (ap);
  return FALSE;
}

gpointer
ds_fail_at_null (GError **error, DsErrorCode code, DsPos pos,
                 const char *format, ...)
{
  va_list ap;
  va_start (ap, format);
  set_located (error, code, pos, format, ap);
  va_end (ap);
  return NULL;
}

gboolean
ds_read_file (const char *path, char **text, gsize *len, GError **error)
{
  g_autoptr(GError) local = NULL;

  if (g_file_get_contents (path, text, len, &local))
    return TRUE;
  /* g_file_get_contents already says "Failed to open file “x”: reason";
   * keep its reason, but in our domain and our shape. */
  return ds_fail_at (error, DS_ERROR_IO, DS_POS (path, 0), "%s",
                     local->message);
}

gboolean
ds_write_file (const char *path, const char *text, gssize len,
               GError **error)
{
  g_autoptr(GError) local = NULL;

  if (g_file_set_contents (path, text, len, &local))
    return TRUE;
  return ds_fail_at (error, DS_ERROR_IO, DS_POS (path, 0), "%s",
                     local->message);
}

char *
ds_file_stem (const char *path, const char *fallback)
{
  char *base, *dot;

  if (path == NULL)
    return g_strdup (fallback);
  base = g_path_get_basename (path);
  dot = strrchr (base, '.');
  if (dot != NULL && dot != base)
    *dot = '\0';
  return base;
}
