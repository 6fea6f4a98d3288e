/* core/error.h - the library's error domain and one-line throw helpers.
 *
 * GError is for what a user can cause (bad input, a missing file, an
 * infeasible request); g_assert() and g_return_val_if_fail() are for what
 * only a bug can cause. Every fallible function takes `GError **error`
 * last and returns FALSE or NULL on failure; the helpers below set the
 * error and return that value, so failure is one line:
 *
 *     return ds_fail_at (error, DS_ERROR_INVALID, pos,
 *                        "layer '%s': fwd_ms must be >= 0, got %g", name, v);
 *     prints:  vgg16.json:12: layer 'conv3': fwd_ms must be >= 0, got -1
 *
 * Message shape (git's guidelines): location first, then no capital and no
 * full stop, the subject in single quotes, the expected and the actual.
 * Nothing below cli/ prints an error or exits.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define DS_ERROR (ds_error_quark ())
GQuark ds_error_quark (void);

typedef enum {
  DS_ERROR_IO,            /* a file could not be read or written */
  DS_ERROR_SYNTAX,        /* the text is not in the expected format */
  DS_ERROR_INVALID,       /* well-formed, but a value is out of range */
  DS_ERROR_CYCLE,         /* a graph that must be acyclic is not */
  DS_ERROR_UNKNOWN_NAME,  /* a name (model, layer, device) does not exist */
  DS_ERROR_DUPLICATE,     /* a name that must be unique is not */
  DS_ERROR_UNSUPPORTED,   /* valid, but this build or format cannot do it */
} DsErrorCode;

/* Where in an input a value came from. `file` is borrowed and must outlive
 * the error call; `line` counts from 1, and 0 means "no line" (the message
 * then starts with "file: "). A NULL file prints no location at all. */
typedef struct {
  const char *file;
  guint line;
} DsPos;

#define DS_POS(file, line) ((DsPos) { (file), (line) })
#define DS_NO_POS ((DsPos) { NULL, 0 })

gboolean ds_fail         (GError **error, DsErrorCode code,
                          const char *format, ...) G_GNUC_PRINTF (3, 4);
gpointer ds_fail_null    (GError **error, DsErrorCode code,
                          const char *format, ...) G_GNUC_PRINTF (3, 4);
gboolean ds_fail_at      (GError **error, DsErrorCode code, DsPos pos,
                          const char *format, ...) G_GNUC_PRINTF (4, 5);
gpointer ds_fail_at_null (GError **error, DsErrorCode code, DsPos pos,
                          const char *format, ...) G_GNUC_PRINTF (4, 5);

/* Reads a whole file. Unlike g_file_get_contents() the error is always in
 * DS_ERROR (code DS_ERROR_IO) and names the path, so callers can simply
 * propagate it. The text is NUL-terminated; *len excludes the NUL. */
gboolean ds_read_file    (const char *path, char **text, gsize *len,
                          GError **error);

/* Writes atomically: a temporary file beside @path, then rename, so a
 * failed run never leaves half a file (g_file_set_contents does both). */
gboolean ds_write_file   (const char *path, const char *text, gssize len,
                          GError **error);

/* A name for what a file holds: its base name without the last extension
 * ("runs/gpt3-1.3b.json" -> "gpt3-1.3b"; a leading dot is kept), or
 * @fallback when @path is NULL. Readers name models and clusters with it
 * when the file gives no name. Free with g_free. */
char    *ds_file_stem    (const char *path, const char *fallback);

G_END_DECLS
