/* exec/wir/lexer.c - WIR's tokens (weld.md §3).
 *
 * One token at a time from a byte offset; the parser keeps one token of
 * lookahead and asks again. Integer literals keep their magnitude (the
 * parser folds a leading '-', so -2147483648 is an i32); an f32 literal is
 * rounded once, straight from the decimal with strtof, never through f64.
 */
#include "config.h"

#include "exec/wir/wir-private.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const char *const puncts[] = {
  "||", "&&", "==", "!=", "<=", ">=",
  "(", ")", "[", "]", "{", "}", ",", ";", ":", "|", "&", "^", "<", ">",
  "+", "-", "*", "/", "%", "!", "=", "@", "?", ".",
};

static gsize
skip_blanks (const char *text, gsize len, gsize pos)
{
  while (pos < len)
    {
      if (g_ascii_isspace (text[pos]))
        pos++;
      else if (text[pos] == '#')
        while (pos < len && text[pos] != '\n')
          pos++;
      else
        break;
    }
  return pos;
}

static gboolean
is_name_char (char c)
{
  return g_ascii_isalnum (c) || c == '_';
}

/* digits, then an optional fraction and exponent; *is_float says which */
static gsize
scan_number (const char *text, gsize len, gsize pos, gboolean *is_float, int *base)
{
  *is_float = FALSE;
  *base = 10;
  if (pos + 1 < len && text[pos] == '0' && (text[pos + 1] == 'x' || text[pos + 1] == 'X'))
    {
      *base = 16;
      pos += 2;
      while (pos < len && g_ascii_isxdigit (text[pos]))
        pos++;
      return pos;
    }
  if (pos + 1 < len && text[pos] == '0' && (text[pos + 1] == 'b' || text[pos + 1] == 'B')
      && pos + 2 < len && (text[pos + 2] == '0' || text[pos + 2] == '1'))
    {
      *base = 2;
      pos += 2;
      while (pos < len && (text[pos] == '0' || text[pos] == '1'))
        pos++;
      return pos;
    }
  while (pos < len && g_ascii_isdigit (text[pos]))
    pos++;
  if (pos + 1 < len && text[pos] == '.' && g_ascii_isdigit (text[pos + 1]))
    {
      *is_float = TRUE;
      pos++;
      while (pos < len && g_ascii_isdigit (text[pos]))
        pos++;
    }
  if (pos < len && (text[pos] == 'e' || text[pos] == 'E'))
    {
      gsize q = pos + 1;
      if (q < len && (text[q] == '+' || text[q] == '-'))
        q++;
      if (q < len && g_ascii_isdigit (text[q]))
        {
          *is_float = TRUE;
          while (q < len && g_ascii_isdigit (text[q]))
            q++;
          pos = q;
        }
    }
  return pos;
}

static void
lex_number (const char *text, gsize len, gsize pos, WirToken *tok)
{
  gboolean is_float;
  int base;
  gsize end = scan_number (text, len, pos, &is_float, &base);
  g_autofree char *digits = g_strndup (text + pos, end - pos);

  if (is_float)
    {
      tok->kind = WIR_TOK_FLOAT;
      tok->ltype = WIR_T_F64;
      if (end < len && (text[end] == 'f' || text[end] == 'F'))
        {
          tok->ltype = WIR_T_F32;
          tok->fval = strtof (digits, NULL);
          end++;
        }
      else
        tok->fval = g_ascii_strtod (digits, NULL);
    }
  else
    {
      tok->kind = WIR_TOK_INT;
      tok->ltype = WIR_T_I32;
      errno = 0;
      tok->ival = g_ascii_strtoull (base == 10 ? digits : digits + 2, NULL, base);
      if (errno != 0 || (base != 10 && strlen (digits) <= 2))
        tok->ltype = WIR_T_BOOL;    /* the parser reports it */
      if (end < len && (text[end] == 'L' || text[end] == 'l'))
        {
          if (tok->ltype != WIR_T_BOOL)
            tok->ltype = WIR_T_I64;
          end++;
        }
    }
  /* a suffix Weld has and WIR rejects (c, si, u8...), or junk */
  gsize s = end;
  while (end < len && is_name_char (text[end]))
    end++;
  if (end > s)
    {
      g_strlcpy (tok->suffix, text + s, MIN (sizeof tok->suffix, end - s + 1));
      if (tok->suffix[0] == '\0')
        tok->suffix[0] = '?';
    }
  tok->end = (guint32) end;
}

void
wir_lex (const char *text, gsize len, gsize pos, WirToken *tok)
{
  memset (tok, 0, sizeof *tok);
  pos = skip_blanks (text, len, pos);
  tok->start = tok->end = (guint32) pos;
  if (pos >= len)
    {
      tok->kind = WIR_TOK_EOF;
      return;
    }
  char c = text[pos];
  if (g_ascii_isalpha (c) || c == '_')
    {
      gsize end = pos;
      while (end < len && is_name_char (text[end]))
        end++;
      tok->kind = WIR_TOK_NAME;
      tok->end = (guint32) end;
      return;
    }
  if (g_ascii_isdigit (c))
    {
      lex_number (text, len, pos, tok);
      return;
    }
  if (c == '"')
    {
      gsize end = pos + 1;
      while (end < len && text[end] != '"' && text[end] != '\n')
        end++;
      tok->kind = WIR_TOK_STRING;
      tok->end = (guint32) MIN (end + 1, len);
      return;
    }
  if (c == '.' && pos + 2 < len + 0 && text[pos + 1] == '$' && g_ascii_isdigit (text[pos + 2]))
    {
      gsize end = pos + 2;
      guint64 v = 0;
      while (end < len && g_ascii_isdigit (text[end]) && v < 100000)
        v = v * 10 + (guint64) (text[end++] - '0');
      tok->kind = WIR_TOK_FIELD;
      tok->ival = v;
      tok->end = (guint32) end;
      return;
    }
  for (guint k = 0; k < G_N_ELEMENTS (puncts); k++)
    {
      gsize n = strlen (puncts[k]);
      if (pos + n <= len && memcmp (text + pos, puncts[k], n) == 0)
        {
          tok->kind = WIR_TOK_PUNCT;
          memcpy (tok->punct, puncts[k], n);
          tok->end = (guint32) (pos + n);
          return;
        }
    }
  tok->kind = WIR_TOK_ERROR;
  tok->end = (guint32) (pos + 1);
}
