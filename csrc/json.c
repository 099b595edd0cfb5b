/*
** json.c: where a JSON byte becomes a Lua value.
**
** A strict RFC 8259 parser (no comments, single quotes, trailing commas,
** leading zeros, NaN or Infinity; UTF-8 checked; \u escapes with
** surrogate pairs; duplicate keys refused), written here because none of
** Debian's JSON libraries gives all of: 1-based "NAME:LINE:COL: " in every
** message, duplicate-key refusal, and a roster read one array element at
** a time in bounded memory with recovery after a broken element.
**
** Values are built straight on the Lua stack (strings in a luaL_Buffer),
** so nothing malloc'd is alive across a call that can raise.  The input
** is a Lua string (anchored by the caller's argument) or a FILE read
** through a fixed buffer inside a JsonReader userdata, created before the
** file is opened and closed by __gc and __close.  Data errors never
** raise: each parse function returns -1 after noting the position and
** the message, and the caller resets the stack.
*/
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "lua.h"
#include "lauxlib.h"

#include "compat.h"
#include "decode.h"
#include "json.h"

#define JSON_MT "interferon.json_reader"

/* limits: depth is capped (C recursion), the others can be set per call */
#define JSON_MAX_DEPTH 1000
#define DEFAULT_MAX_STRING (1024 * 1024)
#define DEFAULT_MAX_INPUT (64 * 1024 * 1024)
#define DEFAULT_MAX_NODES 1000000
#define MAX_NUMBER 1000          /* characters in one number */
#define SNIFF_MAX 4096           /* leading white space looked at by json_open */
#define BUF_SIZE 65536

/* positions are packed as the YAML decoder packs them: line * POS_LINE +
** column */
#define POS_LINE 16777216.0
#define POS_MAXCOL 16777215

enum { SRC_STRING, SRC_FILE };
enum { MODE_ARRAY, MODE_LINES };
/* array rosters: before the first element, after a ',', after an
** element, after the closing ']' */
enum { ST_FIRST, ST_ELEM, ST_SEP, ST_END };

typedef struct Json {
  FILE *fp;             /* the file read, or NULL */
  int own_fp;           /* fp is ours to close (not stdin) */
  const unsigned char *s;   /* the bytes at hand: the string, or buf */
  size_t len, pos;
  unsigned char *buf;   /* BUF_SIZE bytes after the struct (file readers) */
  long line, col;       /* 1-based position of s[pos] */
  size_t offset;        /* bytes consumed so far */
  size_t rec_offset;    /* where the current record began */
  int read_error;       /* errno of a failed read, or 0 */
  int too_big;          /* the record passed max_input */
  int positions;
  long max_depth, max_string, max_input, max_nodes;
  long nodes;           /* values built for the current record */
  int mode, state, done;
  long records;
  /* open containers ('[' or '{') at the point of an error, for recovery */
  long depth;
  unsigned char ctx[JSON_MAX_DEPTH + 2];
  int in_string;        /* the error came inside a string */
  long err_line, err_col;
  char msg[256];
  int pos_idx, name_idx;  /* stack slots during one call */
} Json;

/* ---------------------------------------------------------------------
** Bytes
*/

/* refills buf from the file; 0 at the end (or a read error, or a record
** past the size limit) */
static int refill(Json *j) {
  size_t got;
  if (j->fp == NULL || j->too_big) return 0;
  if (j->offset - j->rec_offset > (size_t)j->max_input) {
    j->too_big = 1;
    return 0;
  }
  got = fread(j->buf, 1, BUF_SIZE, j->fp);
  if (got == 0) {
    if (ferror(j->fp)) j->read_error = errno ? errno : EIO;
    return 0;
  }
  j->s = j->buf;
  j->pos = 0;
  j->len = got;
  return 1;
}

/* the next byte, not consumed, or -1 at the end */
static int peekc(Json *j) {
  if (j->pos == j->len && !refill(j)) return -1;
  return j->s[j->pos];
}

/* consumes the byte peekc returned; columns count characters */
static void advance(Json *j) {
  unsigned c = j->s[j->pos++];
  j->offset++;
  if (c == '\n') {
    j->line++;
    j->col = 1;
  } else if ((c & 0xC0) != 0x80) {
    j->col++;
  }
}

static int is_space(int c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* the first byte that is not white space, not consumed */
static int skip_space(Json *j) {
  int c;
  while ((c = peekc(j)) >= 0 && is_space(c)) advance(j);
  return c;
}

/* ---------------------------------------------------------------------
** Messages: noted in the Json, turned into "NAME:LINE:COL: message" by
** the caller once the stack is reset
*/

static int fail_at(Json *j, long line, long col, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(j->msg, sizeof j->msg, fmt, ap);
  va_end(ap);
  j->err_line = line;
  j->err_col = col;
  return -1;
}

/* the end of the input where more was expected: the reason it ended */
static int fail_end(Json *j) {
  if (j->too_big)
    return fail_at(j, j->line, j->col, "record longer than the limit of %ld bytes",
                   j->max_input);
  if (j->read_error)
    return fail_at(j, j->line, j->col, "cannot read the input: %s",
                   strerror(j->read_error));
  return fail_at(j, j->line, j->col, "unexpected end of input");
}

/* a byte that cannot start what was expected: WHAT (an object KEY or a
** value) */
static int fail_byte(Json *j, int c, int key, const char *what) {
  long line = j->line, col = j->col;
  if (c < 0) return fail_end(j);
  if (c == '\'')
    return fail_at(j, line, col, "single quotes are not JSON (strings take double quotes)");
  if (c == '/' || c == '#')
    return fail_at(j, line, col, "comments are not allowed in JSON");
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_') {
    char word[24];
    size_t n = 0;
    while ((c = peekc(j)) >= 0 && n < sizeof word - 1 &&
           ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
            (c >= '0' && c <= '9') || c == '_')) {
      word[n++] = (char)c;
      advance(j);
    }
    word[n] = '\0';
    if (key)
      return fail_at(j, line, col, "object keys must be strings in double quotes "
                     "(found '%s')", word);
    return fail_at(j, line, col, "'%s' is not a JSON value", word);
  }
  if (c < 0x20 || c >= 0x7F)
    return fail_at(j, line, col, "unexpected byte 0x%02X, expected %s", c, what);
  return fail_at(j, line, col, "unexpected '%c', expected %s", c, what);
}

/* ---------------------------------------------------------------------
** Scalars
*/

static void push_pos(lua_State *L, long line, long col) {
  if (col > POS_MAXCOL) col = POS_MAXCOL;
  lua_pushnumber(L, (lua_Number)line * POS_LINE + (lua_Number)col);
}

static int hex4(Json *j, unsigned *out) {
  unsigned v = 0;
  int i, c;
  for (i = 0; i < 4; i++) {
    c = peekc(j);
    if (c >= '0' && c <= '9') v = v * 16 + (unsigned)(c - '0');
    else if (c >= 'a' && c <= 'f') v = v * 16 + (unsigned)(c - 'a' + 10);
    else if (c >= 'A' && c <= 'F') v = v * 16 + (unsigned)(c - 'A' + 10);
    else return 0;
    advance(j);
  }
  *out = v;
  return 1;
}

static void add_utf8(luaL_Buffer *b, unsigned u) {
  char out[4];
  size_t n;
  if (u < 0x80) { out[0] = (char)u; n = 1; }
  else if (u < 0x800) {
    out[0] = (char)(0xC0 | (u >> 6)); out[1] = (char)(0x80 | (u & 0x3F)); n = 2;
  } else if (u < 0x10000) {
    out[0] = (char)(0xE0 | (u >> 12)); out[1] = (char)(0x80 | ((u >> 6) & 0x3F));
    out[2] = (char)(0x80 | (u & 0x3F)); n = 3;
  } else {
    out[0] = (char)(0xF0 | (u >> 18)); out[1] = (char)(0x80 | ((u >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((u >> 6) & 0x3F)); out[3] = (char)(0x80 | (u & 0x3F));
    n = 4;
  }
  luaL_addlstring(b, out, n);
}

/* a backslash escape, the backslash at LINE:COL already consumed; a
** surrogate pair is two escapes, a lone surrogate is refused */
static int read_escape(Json *j, luaL_Buffer *b, long line, long col) {
  unsigned u, lo;
  int c = peekc(j);
  const char *simple = "\"\"\\\\//b\bf\fn\nr\rt\t";
  const char *hit;
  if (c < 0) return fail_end(j);
  if (c != 'u') {
    hit = c != 0 ? strchr(simple, c) : NULL;
    if (hit == NULL || (hit - simple) % 2 != 0) {
      if (c < 0x20 || c >= 0x7F)
        return fail_at(j, line, col, "invalid escape (byte 0x%02X after '\\')", c);
      return fail_at(j, line, col, "invalid escape '\\%c' in a string", c);
    }
    advance(j);
    luaL_addchar(b, hit[1]);
    return 0;
  }
  advance(j);
  if (!hex4(j, &u))
    return fail_at(j, line, col, "'\\u' must be followed by four hex digits");
  if (u >= 0xDC00 && u <= 0xDFFF)
    return fail_at(j, line, col, "lone surrogate '\\u%04X' in a string", u);
  if (u >= 0xD800 && u <= 0xDBFF) {
    if (peekc(j) != '\\') return fail_at(j, line, col, "lone surrogate '\\u%04X' in a string", u);
    advance(j);
    if (peekc(j) != 'u' || (advance(j), !hex4(j, &lo)) || lo < 0xDC00 || lo > 0xDFFF)
      return fail_at(j, line, col, "lone surrogate '\\u%04X' in a string", u);
    u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
  }
  add_utf8(b, u);
  return 0;
}

/* one UTF-8 character of 2 to 4 bytes, lead byte C not yet consumed:
** no overlong forms, no surrogates, nothing past U+10FFFF */
static int read_utf8(Json *j, luaL_Buffer *b, int c) {
  long line = j->line, col = j->col;
  int n, i, lo = 0x80, hi = 0xBF;
  if (c >= 0xC2 && c <= 0xDF) n = 1;
  else if (c >= 0xE0 && c <= 0xEF) {
    n = 2;
    if (c == 0xE0) lo = 0xA0;
    if (c == 0xED) hi = 0x9F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 3;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;
  } else {
    return fail_at(j, line, col, "invalid UTF-8 (byte 0x%02X)", c);
  }
  advance(j);
  luaL_addchar(b, (char)c);
  for (i = 0; i < n; i++) {
    int k = peekc(j);
    if (k < lo || k > hi)
      return fail_at(j, line, col, "invalid UTF-8 (byte 0x%02X)", c);
    advance(j);
    luaL_addchar(b, (char)k);
    lo = 0x80;
    hi = 0xBF;
  }
  return 0;
}

/* the characters of a string up to its closing quote (consumed), into B;
** the opening quote, at LINE:COL and offset START, already consumed */
static int string_body(Json *j, luaL_Buffer *b, long line, long col,
                       size_t start) {
  for (;;) {
    size_t i;
    int c;
    if (j->offset - start > (size_t)j->max_string + 1)   /* the quote and more */
      return fail_at(j, line, col, "string longer than the limit of %ld bytes",
                     j->max_string);
    if (j->pos == j->len && !refill(j)) {
      if (j->too_big || j->read_error) return fail_end(j);
      return fail_at(j, line, col, "unterminated string");
    }
    size_t end = j->len, room = (size_t)j->max_string + 2 - (j->offset - start);
    if (end - j->pos > room) end = j->pos + room;   /* never past the limit */
    for (i = j->pos; i < end; i++) {         /* a run of plain ASCII */
      unsigned char k = j->s[i];
      if (k < 0x20 || k >= 0x80 || k == '"' || k == '\\') break;
    }
    if (i > j->pos) {
      luaL_addlstring(b, (const char *)j->s + j->pos, i - j->pos);
      j->col += (long)(i - j->pos);
      j->offset += i - j->pos;
      j->pos = i;
    }
    if (j->pos == end) continue;             /* more input, or the limit */
    c = j->s[j->pos];
    if (c == '"') {
      advance(j);
      return 0;
    }
    j->in_string = 1;
    if (c == '\\') {
      long el = j->line, ec = j->col;
      advance(j);
      if (read_escape(j, b, el, ec)) return -1;
    } else if (c < 0x20) {
      return fail_at(j, j->line, j->col, "control character 0x%02X in a string "
                     "(write it as an escape)", c);
    } else if (read_utf8(j, b, c)) {
      return -1;
    }
    j->in_string = 0;
  }
}

/* Stack: ... -> ... string (on an error, part of it: the buffer is
** always finished, so that no to-be-closed box is left for lua_settop);
** the opening quote is the next byte */
static int read_string(lua_State *L, Json *j) {
  long line = j->line, col = j->col;
  size_t start = j->offset;
  luaL_Buffer b;
  int r;
  advance(j);
  luaL_buffinit(L, &b);
  r = string_body(j, &b, line, col, start);
  luaL_pushresult(&b);
  return r;
}

static int is_digit(int c) { return c >= '0' && c <= '9'; }

/* appends the byte at hand to NUM (as long as it fits) and consumes it */
static void take(Json *j, char *num, size_t *n) {
  if (*n < MAX_NUMBER) num[*n] = (char)j->s[j->pos];
  ++*n;
  advance(j);
}

static int take_digits(Json *j, char *num, size_t *n) {
  int any = 0;
  while (is_digit(peekc(j))) { take(j, num, n); any = 1; }
  return any;
}

/* Stack: ... -> ... number: an integer when it is one and fits (Lua 5.3
** and later), a float otherwise (a huge integer becomes a float, as with
** lua-cjson) */
static int read_number(lua_State *L, Json *j) {
  char num[MAX_NUMBER + 1];
  size_t n = 0;
  long line = j->line, col = j->col;
  int integral = 1;
  if (peekc(j) == '-') take(j, num, &n);
  if (peekc(j) == '0') {
    take(j, num, &n);
    if (is_digit(peekc(j)))
      return fail_at(j, line, col, "numbers must not have leading zeros");
  } else if (!take_digits(j, num, &n)) {
    return fail_at(j, line, col, "a '-' must be followed by digits");
  }
  if (peekc(j) == '.') {
    integral = 0;
    take(j, num, &n);
    if (!take_digits(j, num, &n))
      return fail_at(j, line, col, "digits expected after the decimal point");
  }
  if (peekc(j) == 'e' || peekc(j) == 'E') {
    integral = 0;
    take(j, num, &n);
    if (peekc(j) == '+' || peekc(j) == '-') take(j, num, &n);
    if (!take_digits(j, num, &n))
      return fail_at(j, line, col, "digits expected in the exponent");
  }
  if (n > MAX_NUMBER)
    return fail_at(j, line, col, "number longer than the limit of %d characters",
                   MAX_NUMBER);
  num[n] = '\0';
  if (integral) {
    unsigned long long v = 0;
    int neg = num[0] == '-';
    size_t i = (size_t)neg;
    unsigned long long limit = neg ? 9223372036854775808ULL : 9223372036854775807ULL;
    for (; i < n; i++) {
      unsigned d = (unsigned)(num[i] - '0');
      if (v > (limit - d) / 10) break;
      v = v * 10 + d;
    }
    if (i == n) {
      ifn_pushinteger(L, neg ? (ifn_Integer)(0 - v) : (ifn_Integer)v);
      return 0;
    }
  }
  lua_pushlstring(L, num, n);                  /* Lua's own conversion */
  lua_pushnumber(L, lua_tonumber(L, -1));
  lua_remove(L, -2);
  return 0;
}

/* true, false or null; anything else starting with a letter is refused */
static int read_literal(lua_State *L, Json *j) {
  static const char *const words[] = {"true", "false", "null"};
  long line = j->line, col = j->col;
  int c = peekc(j), w = c == 't' ? 0 : c == 'f' ? 1 : 2;
  const char *p = words[w];
  size_t i, len = strlen(p);
  for (i = 0; i < len && peekc(j) == (unsigned char)p[i]; i++) advance(j);
  c = peekc(j);
  if (i < len || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
      is_digit(c) || c == '_') {
    char word[24];
    size_t n = i < sizeof word - 1 ? i : sizeof word - 1;
    memcpy(word, p, n);
    while ((c = peekc(j)) >= 0 && n < sizeof word - 1 &&
           ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) || c == '_')) {
      word[n++] = (char)c;
      advance(j);
    }
    word[n] = '\0';
    return fail_at(j, line, col, "'%s' is not a JSON value", word);
  }
  if (w == 2) decode_pushnull(L);
  else lua_pushboolean(L, w == 0);
  return 0;
}

/* ---------------------------------------------------------------------
** Values
*/

static int read_value(lua_State *L, Json *j, long depth);

/* Stack: ... table [pos] -> ... table [pos]: opens a container: checks
** the depth, notes it for recovery, records its position */
static int open_container(lua_State *L, Json *j, long depth, int kind) {
  long line = j->line, col = j->col;
  if (depth >= j->max_depth)
    return fail_at(j, line, col, "nesting deeper than the limit of %ld", j->max_depth);
  luaL_checkstack(L, 8, "JSON nesting");
  j->ctx[depth] = (unsigned char)kind;
  j->depth = depth + 1;
  advance(j);
  lua_newtable(L);
  if (j->positions) {
    lua_newtable(L);
    push_pos(L, line, col);
    lua_rawseti(L, -2, 0);
    lua_pushvalue(L, -2);
    lua_pushvalue(L, -2);
    lua_rawset(L, j->pos_idx);                 /* pos[table] = positions */
  }
  return 0;
}

/* Stack: ... t [pos] key -- refuses a key already in T, records its
** position */
static int check_key(lua_State *L, Json *j, int t, long line, long col) {
  lua_pushvalue(L, -1);
  lua_rawget(L, t);
  if (!lua_isnil(L, -1)) {
    size_t n;
    const char *k = lua_tolstring(L, -2, &n);
    int shown = n > 60 ? 60 : (int)n;
    while (shown > 0 && shown < (int)n && (k[shown] & 0xC0) == 0x80) shown--;
    return fail_at(j, line, col, "duplicate key '%.*s%s'", shown, k,
                   shown < (int)n ? "..." : "");
  }
  lua_pop(L, 1);
  if (j->positions) {
    lua_pushvalue(L, -1);
    push_pos(L, line, col);
    lua_rawset(L, t + 1);
  }
  return 0;
}

/* Stack: ... -> ... object */
static int read_object(lua_State *L, Json *j, long depth) {
  int t, c, comma = 0;
  if (open_container(L, j, depth, '{')) return -1;
  t = lua_gettop(L) - j->positions;
  c = skip_space(j);
  if (c == '}') {
    advance(j);
  } else {
    for (;;) {
      long line = j->line, col = j->col;
      if (c != '"') {
        if (c == '}' && comma)
          return fail_at(j, line, col, "trailing comma before '}'");
        return fail_byte(j, c, 1, "a key (a string in double quotes)");
      }
      if (read_string(L, j) || check_key(L, j, t, line, col)) return -1;
      if ((c = skip_space(j)) != ':') {
        if (c < 0) return fail_end(j);
        return fail_at(j, j->line, j->col, "expected ':' after an object key");
      }
      advance(j);
      if (read_value(L, j, depth + 1)) return -1;
      lua_rawset(L, t);
      c = skip_space(j);
      if (c == '}') { advance(j); break; }
      if (c != ',') {
        if (c < 0) return fail_end(j);
        return fail_at(j, j->line, j->col, "expected ',' or '}' after an object member");
      }
      advance(j);
      comma = 1;
      c = skip_space(j);
    }
  }
  if (j->positions) lua_pop(L, 1);
  j->depth = depth;
  return 0;
}

/* Stack: ... -> ... array */
static int read_array(lua_State *L, Json *j, long depth) {
  int t, c;
  lua_Integer i = 0;
  if (open_container(L, j, depth, '[')) return -1;
  t = lua_gettop(L) - j->positions;
  c = skip_space(j);
  if (c == ']') {
    advance(j);
  } else {
    for (;;) {
      if (j->positions) {
        push_pos(L, j->line, j->col);
        lua_rawseti(L, t + 1, (int)(i + 1));
      }
      if (read_value(L, j, depth + 1)) return -1;
      lua_rawseti(L, t, (int)++i);
      c = skip_space(j);
      if (c == ']') { advance(j); break; }
      if (c != ',') {
        if (c < 0) return fail_end(j);
        return fail_at(j, j->line, j->col, "expected ',' or ']' after an array item");
      }
      advance(j);
      if (skip_space(j) == ']')
        return fail_at(j, j->line, j->col, "trailing comma before ']'");
    }
  }
  if (j->positions) lua_pop(L, 1);
  j->depth = depth;
  return 0;
}

/* Stack: ... -> ... value */
static int read_value(lua_State *L, Json *j, long depth) {
  int c = skip_space(j);
  if (++j->nodes > j->max_nodes)
    return fail_at(j, j->line, j->col, "more than %ld values in one record",
                   j->max_nodes);
  switch (c) {
    case '{': return read_object(L, j, depth);
    case '[': return read_array(L, j, depth);
    case '"': return read_string(L, j);
    case 't': case 'f': case 'n': return read_literal(L, j);
    default:
      if (c == '-' || is_digit(c)) return read_number(L, j);
      return fail_byte(j, c, 0, "a value");
  }
}

/* ---------------------------------------------------------------------
** Recovery in a roster: skips the rest of a broken record
*/

/* Array rosters: from the error on, skips to the next ',' or ']' of the
** roster array itself.  Strings are skipped: the string the error was in
** ends at its closing quote (a control character in it is taken as
** content), any later one at its closing quote or the end of its line (a
** forgotten quote); a closing bracket closes the nearest open bracket of
** its kind, or, if none, the broken record.  Returns 1 when a ',' was
** found (an element follows), 0 otherwise. */
static int recover_array(Json *j) {
  long depth = j->depth < 1 ? 1 : j->depth, extra = 0;
  int in_str = j->in_string ? 2 : 0, esc = 0, c;
  while ((c = peekc(j)) >= 0) {
    if (in_str) {
      advance(j);
      if (esc) esc = 0;
      else if (c == '\\') esc = 1;
      else if (c == '"' || (c == '\n' && in_str == 1)) in_str = 0;
      continue;
    }
    if (depth == 1 && extra == 0 && (c == ',' || c == ']')) {
      advance(j);
      j->state = c == ',' ? ST_ELEM : ST_END;
      return c == ',';
    }
    advance(j);
    if (c == '"') {
      in_str = 1;
    } else if (c == '[' || c == '{') {
      if (depth <= JSON_MAX_DEPTH) j->ctx[depth++] = (unsigned char)c;
      else extra++;
    } else if (c == ']' || c == '}') {
      long k = depth - 1;
      if (extra > 0) { extra--; continue; }
      while (k >= 1 && j->ctx[k] != (c == ']' ? '[' : '{')) k--;
      depth = k >= 1 ? k : 1;
    }
  }
  j->done = 1;
  return 0;
}

/* One object a line: skips to the next line whose first byte other than
** a space or a tab is '{' */
static void recover_lines(Json *j) {
  int c, at_start = 0;
  while ((c = peekc(j)) >= 0) {
    if (j->col == 1) at_start = 1;
    if (at_start && c == '{' && j->offset != j->rec_offset) return;
    if (c != ' ' && c != '\t') at_start = 0;
    advance(j);
  }
  j->done = 1;
}

/* ---------------------------------------------------------------------
** Records
*/

/* Stack: ... -> ... value: the next record.  Returns 1 (value pushed),
** 0 (the end) or -1 (an error noted) */
static int next_record(lua_State *L, Json *j) {
  int c;
  j->in_string = 0;
  j->nodes = 0;
  j->too_big = 0;
  for (;;) {
    c = skip_space(j);
    j->rec_offset = j->offset;
    j->depth = j->mode == MODE_ARRAY ? 1 : 0;
    if (j->mode == MODE_LINES) {
      if (c < 0) return j->read_error ? fail_end(j) : 0;
      break;
    }
    if (j->state == ST_END) {
      if (c < 0) return j->read_error ? fail_end(j) : 0;
      j->done = 1;
      return fail_at(j, j->line, j->col, "unexpected data after the roster array");
    }
    if (c < 0) {
      j->done = 1;
      if (j->too_big || j->read_error) return fail_end(j);
      return fail_at(j, j->line, j->col, "the input ended before the roster "
                     "array was closed with ']'");
    }
    if (j->state == ST_SEP) {
      if (c == ']') { advance(j); j->state = ST_END; continue; }
      if (c != ',')
        return fail_at(j, j->line, j->col, "expected ',' or ']' after record %ld",
                       j->records);
      advance(j);
      j->state = ST_ELEM;
      continue;
    }
    if (c == ']') {
      if (j->state == ST_ELEM)
        return fail_at(j, j->line, j->col, "trailing comma before ']'");
      advance(j);
      j->state = ST_END;
      continue;
    }
    break;
  }
  if (j->positions) {                          /* positions[0]: the record */
    push_pos(L, j->line, j->col);
    lua_rawseti(L, j->pos_idx, 0);
  }
  if (read_value(L, j, j->depth)) return -1;
  j->state = ST_SEP;
  return 1;
}

/* Stack: ... -> ... "NAME:LINE:COL: message" */
static void push_error(lua_State *L, Json *j) {
  if (j->err_col > POS_MAXCOL) j->err_col = POS_MAXCOL;
  lua_pushfstring(L, "%s:%d:%d: %s", lua_tostring(L, j->name_idx),
                  (int)j->err_line, (int)j->err_col, j->msg);
}

/* ---------------------------------------------------------------------
** Options and construction
*/

static long opt_limit(lua_State *L, int opts, const char *name, long def,
                      long cap) {
  long v = def;
  if (opts == 0) return def;
  lua_getfield(L, opts, name);
  if (!lua_isnil(L, -1)) {
    lua_Number n = lua_tonumber(L, -1);
    if (!lua_isnumber(L, -1) || n < 1)
      luaL_error(L, "option '%s' must be a positive number", name);
    v = n > (lua_Number)cap ? cap : (long)n;
  }
  lua_pop(L, 1);
  return v;
}

/* Stack: ... -> ... reader: a closed reader whose user value holds
** { name = NAME } */
static Json *json_new(lua_State *L, int name, int opts, int file) {
  Json *j = (Json *)ifn_newuserdata(L, sizeof(Json) + (file ? BUF_SIZE : 0));
  memset(j, 0, sizeof *j);
  j->buf = file ? (unsigned char *)(j + 1) : NULL;
  j->done = 1;
  j->line = j->col = 1;
  luaL_getmetatable(L, JSON_MT);
  lua_setmetatable(L, -2);
  lua_createtable(L, 0, 1);
  lua_pushvalue(L, name);
  lua_setfield(L, -2, "name");
  ifn_setuservalue(L, -2);
  j->max_depth = opt_limit(L, opts, "max_depth", JSON_MAX_DEPTH, JSON_MAX_DEPTH);
  j->max_string = opt_limit(L, opts, "max_string", DEFAULT_MAX_STRING, 2000000000L);
  j->max_input = opt_limit(L, opts, "max_input", DEFAULT_MAX_INPUT, 2000000000L);
  j->max_nodes = opt_limit(L, opts, "max_nodes", DEFAULT_MAX_NODES, 2000000000L);
  if (opts != 0) {
    lua_getfield(L, opts, "positions");
    j->positions = lua_toboolean(L, -1);
    lua_pop(L, 1);
  }
  return j;
}

/* Stack: ... reader -> ... reader positions name; notes the slots */
static void push_slots(lua_State *L, Json *j, int ud) {
  if (j->positions) lua_newtable(L); else lua_pushnil(L);
  j->pos_idx = lua_gettop(L);
  ifn_getuservalue(L, ud);
  lua_getfield(L, -1, "name");
  lua_remove(L, -2);
  j->name_idx = lua_gettop(L);
}

/* a UTF-8 byte-order mark at the very start is skipped (RFC 8259 lets a
** parser ignore it); the column stays 1 */
static void skip_bom(Json *j) {
  if (j->len - j->pos >= 3 && memcmp(j->s + j->pos, "\xEF\xBB\xBF", 3) == 0) {
    j->pos += 3;
    j->offset += 3;
  }
}

/* core.json_decode(text, name [, opts]) -> value, positions (nil unless
** opts.positions) | nil, message.  TEXT is one JSON value. */
static int core_json_decode(lua_State *L) {
  size_t len;
  const char *text = luaL_checklstring(L, 1, &len);
  int opts = lua_istable(L, 3) ? 3 : 0;
  Json *j;
  int base, r;
  luaL_checkstring(L, 2);
  if (!lua_isnoneornil(L, 3)) luaL_checktype(L, 3, LUA_TTABLE);
  j = json_new(L, 2, opts, 0);
  push_slots(L, j, lua_gettop(L));
  base = lua_gettop(L);
  if (len > (size_t)j->max_input) {
    lua_pushnil(L);
    lua_pushfstring(L, "%s:1:1: input of %d bytes is larger than the limit of %d",
                    lua_tostring(L, 2), (int)len, (int)j->max_input);
    return 2;
  }
  j->s = (const unsigned char *)text;          /* anchored: argument 1 */
  j->len = len;
  skip_bom(j);
  if (j->positions) {
    skip_space(j);
    push_pos(L, j->line, j->col);
    lua_rawseti(L, j->pos_idx, 0);
  }
  r = read_value(L, j, 0);
  if (r == 0 && skip_space(j) >= 0)
    r = fail_at(j, j->line, j->col, "unexpected data after the JSON value");
  if (r == 0) {
    lua_pushvalue(L, j->pos_idx);
    return 2;
  }
  lua_settop(L, base);
  lua_pushnil(L);
  push_error(L, j);
  return 2;
}

/* whether a file that is not a regular file (a pipe, a device) is named
** as JSON: such a file cannot be looked into and given back unread */
static int named_json(const char *path) {
  const char *dot = strrchr(path, '.');
  return dot != NULL && (strcmp(dot, ".json") == 0 || strcmp(dot, ".ndjson") == 0 ||
                         strcmp(dot, ".jsonl") == 0);
}

/* Reads the leading white space (and a UTF-8 BOM) and the first byte
** after it into buf; returns that byte or -1 */
static int sniff(Json *j) {
  int c = 0;
  size_t n = 0;
  while (n < SNIFF_MAX && (c = getc(j->fp)) != EOF) {
    j->buf[n++] = (unsigned char)c;
    if (!(is_space(c) || (n <= 3 && c == "\xEF\xBB\xBF"[n - 1]))) break;
  }
  j->s = j->buf;
  j->pos = 0;
  j->len = n;
  if (c == EOF || n == 0) return -1;
  return j->buf[n - 1];
}

/* core.json_open(path [, opts]) -> reader | false | nil, message.  A
** reader when the input's first byte after white space is '[' (a roster
** array) or '{' (one object a line); false when it is not JSON, the input
** untouched (standard input: the bytes looked at are pushed back). */
static int core_json_open(lua_State *L) {
  const char *path = luaL_checkstring(L, 1);
  int opts = lua_istable(L, 2) ? 2 : 0;
  int is_stdin = strcmp(path, "-") == 0, c;
  struct stat st;
  Json *j;
  if (!lua_isnoneornil(L, 2)) luaL_checktype(L, 2, LUA_TTABLE);
  j = json_new(L, 1, opts, 1);
  if (is_stdin) {
    j->fp = stdin;
  } else {
    /* a pipe, FIFO or device is never opened to be looked into: opening
    ** and closing a FIFO would take its writer's data, and the YAML reader
    ** would then wait for a writer that is gone */
    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode) && !named_json(path)) {
      lua_pushboolean(L, 0);
      return 1;
    }
    j->fp = fopen(path, "rb");
    j->own_fp = 1;
    if (j->fp == NULL) {
      lua_pushnil(L);
      lua_pushfstring(L, "%s:1:1: cannot open file: %s", path, strerror(errno));
      return 2;
    }
  }
  c = sniff(j);
  if (c != '[' && c != '{') {
    if (is_stdin) {
      while (j->len > 0) ungetc(j->buf[--j->len], stdin);
    } else {
      fclose(j->fp);
    }
    j->fp = NULL;
    lua_pushboolean(L, 0);
    return 1;
  }
  skip_bom(j);
  j->done = 0;
  j->mode = c == '[' ? MODE_ARRAY : MODE_LINES;
  if (j->mode == MODE_ARRAY) {
    skip_space(j);
    advance(j);                                /* the roster's '[' */
    j->state = ST_FIRST;
  }
  return 1;
}

/* idempotent: closing twice, or a close followed by __gc, is harmless */
static int reader_close(lua_State *L) {
  Json *j = (Json *)luaL_checkudata(L, 1, JSON_MT);
  if (j->fp != NULL && j->own_fp) fclose(j->fp);
  j->fp = NULL;
  j->done = 1;
  j->pos = j->len = 0;
  return 0;
}

/* reader:next() -> value, positions, n | false, message, n | nil (the
** end).  After a broken record the message says where reading resumed. */
static int reader_next(lua_State *L) {
  Json *j = (Json *)luaL_checkudata(L, 1, JSON_MT);
  int base, r;
  if (j->done) return 0;
  lua_settop(L, 1);
  push_slots(L, j, 1);
  base = lua_gettop(L);
  r = next_record(L, j);
  if (r == 0) {
    j->done = 1;
    return 0;
  }
  j->records++;
  if (r > 0) {
    lua_pushvalue(L, j->pos_idx);
    ifn_pushinteger(L, j->records);
    return 3;
  }
  lua_settop(L, base);
  lua_pushboolean(L, 0);
  push_error(L, j);
  if (!j->done && !j->too_big) {
    long line;
    int more = j->mode == MODE_ARRAY ? recover_array(j) : (recover_lines(j), !j->done);
    line = j->line;
    if (more) {
      if (j->mode == MODE_ARRAY && skip_space(j) >= 0) line = j->line;
      lua_pushfstring(L, " (skipped to line %d)", (int)line);
      lua_concat(L, 2);
    }
  } else {
    j->done = 1;
  }
  ifn_pushinteger(L, j->records);
  return 3;
}

static const luaL_Reg reader_methods[] = {
  {"next", reader_next},
  {"close", reader_close},
  {NULL, NULL}
};

static const luaL_Reg reader_meta[] = {
  {"__gc", reader_close},
  {"__close", reader_close},
  {NULL, NULL}
};

static const luaL_Reg json_funcs[] = {
  {"json_decode", core_json_decode},
  {"json_open", core_json_open},
  {NULL, NULL}
};

void json_open(lua_State *L) {
  ifn_newclass(L, JSON_MT, reader_meta, reader_methods);
  ifn_setfuncs(L, json_funcs, 0);
}
