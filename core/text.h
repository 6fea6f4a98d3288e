/* core/text.h - checks on strings that came from input files.
 *
 * json-glib turns an invalid escape inside a JSON string ("\7") into
 * bytes that are not UTF-8 and accepts the document; our writer then
 * prints those bytes and json-glib refuses its own input on the way back
 * (found by tests/fuzz/fuzz-trace-json). Readers check every string they
 * keep, so a bad file fails where it is read, with a line number. This
 * belongs in core/json-reader.c's string getters; it lives here until
 * that changes.
 */
#pragma once

#include <glib.h>

#include "core/error.h"

G_BEGIN_DECLS

/* Fails with DS_ERROR_SYNTAX, "<pos>: <what> is not valid UTF-8 (an
 * invalid escape?)", unless @s is valid UTF-8. */
gboolean ds_text_check_utf8     (const char *s, DsPos pos, const char *what,
                                 GError **error);
/* The same for every key and value of a char* -> char* table. */
gboolean ds_text_check_utf8_map (GHashTable *map, DsPos pos, GError **error);

G_END_DECLS
