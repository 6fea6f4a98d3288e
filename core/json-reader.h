/* core/json-reader.h - JSON input with line numbers for error messages.
 *
 * json-glib's nodes forget where they came from once parsed. DsJsonDoc
 * parses with json-glib and records, while its signals fire, the line of
 * every object member and of every object, so readers can say
 * "plan.json:14: stage 2: 'replicas' must be >= 1, got 0".
 *
 * The getters take the object, the member name and a field path for the
 * message ("layer 'conv3'"); they fail with DS_ERROR_SYNTAX when the member
 * is missing (required getters) or has the wrong JSON type, and leave *out
 * untouched when an optional member is absent. Bytes must be whole numbers
 * in [0, 2^53] so they survive a double. The document owns every node;
 * objects and arrays returned are borrowed from it.
 */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

#include "core/error.h"

G_BEGIN_DECLS

typedef struct _DsJsonDoc DsJsonDoc;

/* Parses @text (length @len, or -1 if NUL-terminated). @file names the
 * input in messages and is copied. */
DsJsonDoc  *ds_json_doc_parse     (const char *text, gssize len,
                                   const char *file, GError **error);
DsJsonDoc  *ds_json_doc_load      (const char *path, GError **error);
void        ds_json_doc_free      (DsJsonDoc *doc);

const char *ds_json_doc_file      (const DsJsonDoc *doc);
/* The root, which must be an object. */
JsonObject *ds_json_doc_root_object (DsJsonDoc *doc, GError **error);

/* Position of a member (or of the object itself when @member is NULL). */
DsPos       ds_json_pos           (const DsJsonDoc *doc, JsonObject *obj,
                                   const char *member);
/* Position of element @idx of @array (its last line, as json-glib reports). */
DsPos       ds_json_pos_element   (const DsJsonDoc *doc, JsonArray *array,
                                   guint idx);

gboolean    ds_json_get_string    (const DsJsonDoc *doc, JsonObject *obj,
                                   const char *member, gboolean required,
                                   const char **out, GError **error);
gboolean    ds_json_get_double    (const DsJsonDoc *doc, JsonObject *obj,
                                   const char *member, gboolean required,
                                   double *out, GError **error);
gboolean    ds_json_get_uint64    (const DsJsonDoc *doc, JsonObject *obj,
                                   const char *member, gboolean required,
                                   guint64 *out, GError **error);
gboolean    ds_json_get_uint      (const DsJsonDoc *doc, JsonObject *obj,
                                   const char *member, gboolean required,
                                   guint *out, GError **error);
gboolean    ds_json_get_bool      (const DsJsonDoc *doc, JsonObject *obj,
                                   const char *member, gboolean required,
                                   gboolean *out, GError **error);
/* *out is NULL when an optional member is absent. */
gboolean    ds_json_get_array     (const DsJsonDoc *doc, JsonObject *obj,
                                   const char *member, gboolean required,
                                   JsonArray **out, GError **error);
gboolean    ds_json_get_object    (const DsJsonDoc *doc, JsonObject *obj,
                                   const char *member, gboolean required,
                                   JsonObject **out, GError **error);
/* Element @idx of @array as an object; fails with a located message. */
JsonObject *ds_json_array_object  (const DsJsonDoc *doc, JsonArray *array,
                                   guint idx, const char *what,
                                   GError **error);

/* Fails if @obj has a member not listed in the NULL-terminated @known:
 * a misspelt optional field ("fwd_sm") must not be silently ignored. */
gboolean    ds_json_check_members (const DsJsonDoc *doc, JsonObject *obj,
                                   const char *const *known, GError **error);

/* Checks the optional "format" and "version" members that every dawnsim
 * file starts with: "format" must equal @format ("dawnsim-plan") when
 * present, "version" must be at most @max_version. Both fail with
 * DS_ERROR_UNSUPPORTED at the member's line. */
gboolean    ds_json_check_format  (const DsJsonDoc *doc, JsonObject *root,
                                   const char *format, guint max_version,
                                   GError **error);

/* Copies a member that is an object of strings into a char* -> char* table. */
gboolean    ds_json_get_string_map (const DsJsonDoc *doc, JsonObject *obj,
                                    const char *member, GHashTable *into,
                                    GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DsJsonDoc, ds_json_doc_free)

G_END_DECLS
