/* traces/trace-stream.c - gzip-aware input and a streaming walk over a
 * Chrome/Kineto document's traceEvents (see trace-stream.h).
 *
 * The tokenizer knows just enough JSON to find value boundaries: strings
 * (with escapes), brackets (a stack, so "[}" is caught), and scalars up
 * to the next delimiter. Each event's text goes to one reused JsonParser,
 * which does the real validation. Skipped top-level members (Kineto's
 * deviceProperties, distributedInfo) are checked for brackets only.
 * Cost: one pass over the bytes; memory: a 64 KiB read buffer plus the
 * largest event, measured in docs/traces.md.
 */
#include "config.h"

#include "traces/trace-stream.h"
#include "core/error.h"

#include <string.h>

#define READ_BUF 65536

typedef struct {
  GInputStream *in;
  const char *name;
  guint8 buf[READ_BUF];
  gsize pos, len;
  gboolean eof;
  guint line;
  GError *io_error;
} Reader;

/* ---- input ---- */

GInputStream *
ds_trace_stream_open (const char *path, GError **error)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GError) local = NULL;
  g_autoptr(GFileInputStream) raw = g_file_read (file, NULL, &local);
  g_autoptr(GInputStream) buffered = NULL;
  const guint8 *magic;
  gsize n = 0;

  if (raw == NULL)
    return ds_fail_null (error, DS_ERROR_IO, "%s: %s", path, local->message);
  buffered = g_buffered_input_stream_new (G_INPUT_STREAM (raw));
  if (g_buffered_input_stream_fill (G_BUFFERED_INPUT_STREAM (buffered), 2, NULL, &local) < 0)
    return ds_fail_null (error, DS_ERROR_IO, "%s: %s", path, local->message);
  magic = g_buffered_input_stream_peek_buffer (G_BUFFERED_INPUT_STREAM (buffered), &n);
  if (n >= 2 && magic[0] == 0x1f && magic[1] == 0x8b)
    {
      g_autoptr(GZlibDecompressor) gz =
        g_zlib_decompressor_new (G_ZLIB_COMPRESSOR_FORMAT_GZIP);
      return g_converter_input_stream_new (buffered, G_CONVERTER (gz));
    }
  return g_steal_pointer (&buffered);
}

GInputStream *
ds_trace_stream_open_data (const void *data, gsize len)
{
  return g_memory_input_stream_new_from_data (data, (gssize) len, NULL);
}

/* ---- the tokenizer ---- */

static gboolean
fill (Reader *r)
{
  gssize n;

  if (r->eof || r->io_error != NULL)
    return FALSE;
  n = g_input_stream_read (r->in, r->buf, READ_BUF, NULL, &r->io_error);
  if (n <= 0)
    {
      r->eof = TRUE;
      return FALSE;
    }
  r->pos = 0;
  r->len = (gsize) n;
  return TRUE;
}

/* The next byte, or -1 at the end (or after a read error). */
static inline int
peek (Reader *r)
{
  if (r->pos == r->len && !fill (r))
    return -1;
  return r->buf[r->pos];
}

static inline int
next (Reader *r)
{
  int c = peek (r);

  if (c >= 0)
    {
      r->pos++;
      if (c == '\n')
        r->line++;
    }
  return c;
}

static void
skip_ws (Reader *r)
{
  int c;

  while ((c = peek (r)) == ' ' || c == '\t' || c == '\n' || c == '\r')
    next (r);
}

static gboolean
fail (Reader *r, GError **error, const char *what)
{
  if (r->io_error != NULL)
    return ds_fail_at (error, DS_ERROR_SYNTAX, DS_POS (r->name, r->line),
                       "read error: %s", r->io_error->message);
  return ds_fail_at (error, DS_ERROR_SYNTAX, DS_POS (r->name, r->line), "%s", what);
}

static gboolean
keep (GString *out, int c, Reader *r, GError **error)
{
  if (out == NULL)
    return TRUE;
  if (out->len >= DS_TRACE_STREAM_MAX_EVENT_BYTES)
    return fail (r, error, "an event is longer than 64 MiB");
  g_string_append_c (out, (char) c);
  return TRUE;
}

/* The rest of a string whose opening quote was read. */
static gboolean
scan_string (Reader *r, GString *out, GError **error)
{
  for (;;)
    {
      int c = next (r);
      if (c < 0)
        return fail (r, error, "unterminated string");
      if (!keep (out, c, r, error))
        return FALSE;
      if (c == '"')
        return TRUE;
      if (c == '\\')
        {
          c = next (r);
          if (c < 0)
            return fail (r, error, "unterminated string");
          if (!keep (out, c, r, error))
            return FALSE;
        }
    }
}

static gboolean
is_delimiter (int c)
{
  return c < 0 || c == ',' || c == ']' || c == '}' || c == ' ' || c == '\t'
         || c == '\n' || c == '\r' || c == ':';
}

/* One value's text into @out (NULL: skip it). Brackets are matched with
 * an explicit stack, so depth costs a byte per level, not C stack. */
static gboolean
scan_value (Reader *r, GString *out, GError **error)
{
  g_autoptr(GByteArray) stack = g_byte_array_new ();
  int c = peek (r);

  if (c < 0)
    return fail (r, error, "expected a value, got the end of the input");
  if (c != '"' && c != '[' && c != '{')
    {
      if (is_delimiter (c))
        return fail (r, error, "expected a value");
      while (!is_delimiter (peek (r)))
        if (!keep (out, next (r), r, error))
          return FALSE;
      return TRUE;
    }
  do
    {
      c = next (r);
      if (c < 0)
        return fail (r, error, "unexpected end of the input inside an array or object");
      if (!keep (out, c, r, error))
        return FALSE;
      if (c == '"')
        {
          if (!scan_string (r, out, error))
            return FALSE;
        }
      else if (c == '[' || c == '{')
        {
          guint8 close = c == '[' ? ']' : '}';
          g_byte_array_append (stack, &close, 1);
        }
      else if (c == ']' || c == '}')
        {
          if (stack->len == 0 || stack->data[stack->len - 1] != c)
            return fail (r, error, "mismatched bracket");
          g_byte_array_set_size (stack, stack->len - 1);
        }
    }
  while (stack->len > 0);
  return TRUE;
}

static gboolean
expect (Reader *r, int want, GError **error)
{
  char msg[48];

  skip_ws (r);
  if (peek (r) == want)
    {
      next (r);
      return TRUE;
    }
  g_snprintf (msg, sizeof msg, "expected '%c'", want);
  return fail (r, error, msg);
}

/* ---- the document ---- */

static gboolean
walk_events (Reader *r, DsTraceStreamFn fn, gpointer user_data, GError **error)
{
  g_autoptr(GString) text = g_string_new (NULL);
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  guint64 n = 0;

  skip_ws (r);
  if (peek (r) == ']')
    return next (r), TRUE;
  for (;; n++)
    {
      g_autoptr(GError) local = NULL;
      guint line;

      skip_ws (r);
      line = r->line;
      g_string_truncate (text, 0);
      if (!scan_value (r, text, error))
        return FALSE;
      if (!json_parser_load_from_data (parser, text->str, (gssize) text->len, &local))
        return ds_fail_at (error, DS_ERROR_SYNTAX, DS_POS (r->name, line),
                           "traceEvents[%" G_GUINT64_FORMAT "]: %s", n, local->message);
      if (!fn (json_parser_get_root (parser), line, user_data, error))
        return FALSE;
      skip_ws (r);
      if (peek (r) == ']')
        return next (r), TRUE;
      if (!expect (r, ',', error))
        return FALSE;
    }
}

/* Member names are compared as written; "traceEvents" has no escapes. */
static gboolean
walk_object (Reader *r, DsTraceStreamFn fn, gpointer user_data, gboolean *found,
             GError **error)
{
  g_autoptr(GString) key = g_string_new (NULL);

  skip_ws (r);
  if (peek (r) == '}')
    return next (r), TRUE;
  for (;;)
    {
      if (!expect (r, '"', error))
        return FALSE;
      g_string_assign (key, "\"");
      if (!scan_string (r, key, error) || !expect (r, ':', error))
        return FALSE;
      skip_ws (r);
      if (strcmp (key->str, "\"traceEvents\"") == 0 && !*found)
        {
          *found = TRUE;
          if (!expect (r, '[', error) || !walk_events (r, fn, user_data, error))
            return FALSE;
        }
      else if (!scan_value (r, NULL, error))
        return FALSE;
      skip_ws (r);
      if (peek (r) == '}')
        return next (r), TRUE;
      if (!expect (r, ',', error))
        return FALSE;
      skip_ws (r);
    }
}

gboolean
ds_trace_stream_events (GInputStream *in, const char *name, DsTraceStreamFn fn,
                        gpointer user_data, GError **error)
{
  g_autofree Reader *r = g_new0 (Reader, 1);
  gboolean found = FALSE, ok;
  int c;

  r->in = in;
  r->name = name;
  r->line = 1;
  skip_ws (r);
  c = next (r);
  if (c == '[')
    {
      found = TRUE;
      ok = walk_events (r, fn, user_data, error);
    }
  else if (c == '{')
    ok = walk_object (r, fn, user_data, &found, error);
  else
    ok = fail (r, error, "not a trace: expected '{' or '[' at the start");
  if (ok && !found)
    ok = ds_fail_at (error, DS_ERROR_SYNTAX, DS_POS (name, 0),
                     "no 'traceEvents' array: not a Chrome or PyTorch profiler trace");
  if (ok)
    {
      skip_ws (r);
      if (peek (r) >= 0)
        ok = fail (r, error, "unexpected text after the end of the document");
      else if (r->io_error != NULL)
        ok = fail (r, error, "");
    }
  g_clear_error (&r->io_error);
  return ok;
}
