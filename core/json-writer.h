/* core/json-writer.h - JSON output that people can read and diff.
 *
 * Why not JsonGenerator: json-glib prints every double with 17 significant
 * digits ("2.2109999999999999"), which makes files unreadable and hides
 * real changes in diffs. This writer prints the shortest text that reads
 * back to the same double (units.h), indents by two spaces, and can put a
 * whole object or array on one line ("inline"), which keeps one layer or
 * one event per line. Output is deterministic: members come in the order
 * written.
 *
 * Usage: begin/end calls nest; inside an object, call ds_json_member()
 * before each value. Misuse (a value without a member name inside an
 * object, unbalanced ends) is a programming error and asserts.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _DsJsonWriter DsJsonWriter;

DsJsonWriter *ds_json_writer_new        (void);
void          ds_json_writer_free       (DsJsonWriter *w);
/* Ends the document (a final newline) and returns the text; the writer is
 * freed. All containers must be closed. */
char         *ds_json_writer_finish     (DsJsonWriter *w, gsize *len);

void ds_json_begin_object        (DsJsonWriter *w);
void ds_json_begin_object_inline (DsJsonWriter *w);
void ds_json_end_object          (DsJsonWriter *w);
void ds_json_begin_array         (DsJsonWriter *w);
void ds_json_begin_array_inline  (DsJsonWriter *w);
void ds_json_end_array           (DsJsonWriter *w);

void ds_json_member  (DsJsonWriter *w, const char *name);
void ds_json_string  (DsJsonWriter *w, const char *s);   /* NULL writes null */
void ds_json_double  (DsJsonWriter *w, double v);        /* must be finite */
/* @v written as v * scale, exactly recoverable by dividing (units.h). */
void ds_json_scaled  (DsJsonWriter *w, double v, double scale);
void ds_json_uint64  (DsJsonWriter *w, guint64 v);
void ds_json_int64   (DsJsonWriter *w, gint64 v);
void ds_json_bool    (DsJsonWriter *w, gboolean v);
void ds_json_null    (DsJsonWriter *w);

/* Shorthands for a member and its value. */
void ds_json_member_string (DsJsonWriter *w, const char *name, const char *s);
void ds_json_member_double (DsJsonWriter *w, const char *name, double v);
void ds_json_member_scaled (DsJsonWriter *w, const char *name, double v,
                            double scale);
void ds_json_member_uint64 (DsJsonWriter *w, const char *name, guint64 v);
void ds_json_member_int64  (DsJsonWriter *w, const char *name, gint64 v);
void ds_json_member_bool   (DsJsonWriter *w, const char *name, gboolean v);
/* Writes a char* -> char* table as an object with sorted keys (hash order
 * would make output differ between runs); writes nothing when @name is
 * given and the table is empty. */
void ds_json_member_string_map (DsJsonWriter *w, const char *name,
                                GHashTable *map);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DsJsonWriter, ds_json_writer_free)

G_END_DECLS
