/*
** escape.c: where text leaves the program.  A JSON encoder (sorted keys,
** one number format on every Lua version, NaN, infinities and cycles
** refused, bounded depth), the HTML escape for reports, the plain-text
** clean-up for terminals and Markdown, and whether a stream is a terminal
** (so that colour escapes go only where a person reads them).
**
** Input strings may hold anything: invalid UTF-8 becomes U+FFFD, control
** and bidirectional formatting characters are escaped (JSON, the
** command's terminal lines) or replaced (HTML, text), so that output is
** always valid JSON or valid UTF-8, input never becomes markup and never
** reorders or recolours what a reader sees.
*/
#define _POSIX_C_SOURCE 200112L

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lua.h"
#include "lauxlib.h"

#include "compat.h"
#include "decode.h"
#include "escape.h"

#define JSON_MAX_DEPTH 100
#define JSON_OBJECT_MARK "object"

static const char replacement[] = "\xEF\xBF\xBD";     /* U+FFFD in UTF-8 */

/* ---------------------------------------------------------------------
** UTF-8
*/

/* the length (1-4) of the well-formed UTF-8 sequence at S, or 0: no
** overlong forms, no surrogates, nothing above U+10FFFF */
static size_t utf8_seqlen(const unsigned char *s, size_t n) {
  unsigned char c = s[0], lo = 0x80, hi = 0xBF;
  size_t len, i;
  if (c < 0x80) return 1;
  if (c >= 0xC2 && c <= 0xDF) len = 2;
  else if (c >= 0xE0 && c <= 0xEF) len = 3;
  else if (c >= 0xF0 && c <= 0xF4) len = 4;
  else return 0;
  if (n < len) return 0;
  if (c == 0xE0) lo = 0xA0;
  else if (c == 0xED) hi = 0x9F;
  else if (c == 0xF0) lo = 0x90;
  else if (c == 0xF4) hi = 0x8F;
  if (s[1] < lo || s[1] > hi) return 0;
  for (i = 2; i < len; i++)
    if (s[i] < 0x80 || s[i] > 0xBF) return 0;
  return len;
}

/* a C0 or C1 control character, or DEL, at S (LEN bytes long) */
static int is_control(const unsigned char *s, size_t len) {
  if (len == 1) return s[0] < 0x20 || s[0] == 0x7F;
  return len == 2 && s[0] == 0xC2 && s[1] < 0xA0;
}

/* a bidirectional formatting character at S (LEN bytes): U+061C, U+200E,
** U+200F, U+202A-U+202E, U+2066-U+2069.  They reorder the text around
** them on screen ("Trojan Source"), so that what a reader sees is not
** what the data says. */
static int is_bidi(const unsigned char *s, size_t len) {
  if (len == 2) return s[0] == 0xD8 && s[1] == 0x9C;
  if (len != 3 || s[0] != 0xE2) return 0;
  if (s[1] == 0x80)
    return s[2] == 0x8E || s[2] == 0x8F || (s[2] >= 0xAA && s[2] <= 0xAE);
  return s[1] == 0x81 && s[2] >= 0xA6 && s[2] <= 0xA9;
}

/* the code point of the well-formed 2- or 3-byte sequence at S */
static unsigned code_point(const unsigned char *s, size_t len) {
  if (len == 2) return (unsigned)(s[0] & 0x1F) << 6 | (s[1] & 0x3F);
  return (unsigned)(s[0] & 0x0F) << 12 | (unsigned)(s[1] & 0x3F) << 6 |
         (s[2] & 0x3F);
}

/* ---------------------------------------------------------------------
** HTML and plain text
*/

/* adds the character of LEN bytes at S (LEN 0: an invalid byte) to B,
** a control or bidirectional formatting character or an invalid byte as
** U+FFFD; returns the bytes consumed */
static size_t add_clean(luaL_Buffer *b, const unsigned char *s, size_t len) {
  if (len == 0 || is_control(s, len) || is_bidi(s, len))
    luaL_addstring(b, replacement);
  else
    luaL_addlstring(b, (const char *)s, len);
  return len ? len : 1;
}

/* core.html_escape(s) -> s with & < > " ' as character references,
** control and bidirectional formatting characters and invalid UTF-8 as
** U+FFFD (tab and newline kept) */
static int core_html_escape(lua_State *L) {
  size_t n, i = 0;
  const unsigned char *s = (const unsigned char *)luaL_checklstring(L, 1, &n);
  luaL_Buffer b;
  luaL_buffinit(L, &b);
  while (i < n) {
    size_t len = utf8_seqlen(s + i, n - i);
    switch (len == 1 ? s[i] : 0) {
      case '&': luaL_addstring(&b, "&amp;"); break;
      case '<': luaL_addstring(&b, "&lt;"); break;
      case '>': luaL_addstring(&b, "&gt;"); break;
      case '"': luaL_addstring(&b, "&quot;"); break;
      case '\'': luaL_addstring(&b, "&#39;"); break;
      case '\t': case '\n': luaL_addchar(&b, (char)s[i]); break;
      default: add_clean(&b, s + i, len); break;
    }
    i += len ? len : 1;
  }
  luaL_pushresult(&b);
  return 1;
}

/* core.text_clean(s) -> s with every control character (newlines too),
** bidirectional formatting character and invalid UTF-8 byte as U+FFFD:
** safe to print on a terminal */
static int core_text_clean(lua_State *L) {
  size_t n, i = 0;
  const unsigned char *s = (const unsigned char *)luaL_checklstring(L, 1, &n);
  luaL_Buffer b;
  luaL_buffinit(L, &b);
  while (i < n) i += add_clean(&b, s + i, utf8_seqlen(s + i, n - i));
  luaL_pushresult(&b);
  return 1;
}

/* adds the escape of the character of LEN bytes at S (LEN 0: an invalid
** byte) to B: \t \n \r, \xHH for other C0 controls, DEL and invalid
** bytes, \uHHHH for C1 controls and bidirectional formatting characters */
static void add_term_escape(luaL_Buffer *b, const unsigned char *s, size_t len) {
  char tmp[8];
  if (len == 1 && s[0] == '\t') luaL_addstring(b, "\\t");
  else if (len == 1 && s[0] == '\n') luaL_addstring(b, "\\n");
  else if (len == 1 && s[0] == '\r') luaL_addstring(b, "\\r");
  else if (len <= 1) {
    snprintf(tmp, sizeof tmp, "\\x%02x", (unsigned)s[0]);
    luaL_addstring(b, tmp);
  } else {
    snprintf(tmp, sizeof tmp, "\\u%04x", code_point(s, len));
    luaL_addstring(b, tmp);
  }
}

/* core.term_escape(s [, keep_newlines]) -> s for a terminal, with what
** could move the cursor, change colours or reorder the line shown
** visibly: control characters, bidirectional formatting characters and
** invalid UTF-8 bytes as backslash escapes (ESC is \x1b, U+202E is
** \u202e); text without them is returned unchanged.  KEEP_NEWLINES keeps
** line feeds and tabs (a text of many lines). */
static int core_term_escape(lua_State *L) {
  size_t n, i = 0;
  const unsigned char *s = (const unsigned char *)luaL_checklstring(L, 1, &n);
  int keep = lua_toboolean(L, 2);
  luaL_Buffer b;
  luaL_buffinit(L, &b);
  while (i < n) {
    size_t len = utf8_seqlen(s + i, n - i);
    if (len == 0 || ((is_control(s + i, len) || is_bidi(s + i, len)) &&
                     !(keep && (s[i] == '\n' || s[i] == '\t'))))
      add_term_escape(&b, s + i, len);
    else
      luaL_addlstring(&b, (const char *)s + i, len);
    i += len ? len : 1;
  }
  luaL_pushresult(&b);
  return 1;
}

/* ---------------------------------------------------------------------
** JSON output buffer: memory in a userdata at a fixed stack slot, never
** malloc, so that an error raised midway frees everything
*/

typedef struct Json {
  char *buf;
  size_t len, cap;
  int buf_slot;       /* the userdata holding buf */
  const void *path[JSON_MAX_DEPTH];  /* the tables being encoded, outermost
                                     ** first: a table met again is a cycle */
} Json;

static void json_reserve(lua_State *L, Json *j, size_t more) {
  char *nb;
  size_t cap = j->cap;
  if (j->len + more <= j->cap) return;
  while (cap < j->len + more) cap *= 2;
  nb = (char *)lua_newuserdata(L, cap);
  memcpy(nb, j->buf, j->len);
  lua_replace(L, j->buf_slot);
  j->buf = nb;
  j->cap = cap;
}

static void json_add(lua_State *L, Json *j, const char *s, size_t n) {
  json_reserve(L, j, n);
  memcpy(j->buf + j->len, s, n);
  j->len += n;
}

#define json_addlit(L, j, s) json_add((L), (j), "" s, sizeof(s) - 1)

/* ---------------------------------------------------------------------
** JSON values
*/

static void json_value(lua_State *L, Json *j, int idx, int depth);

/* a JSON string: escapes quotes, backslashes, control characters (C0 and
** C1) and bidirectional formatting characters; invalid UTF-8 becomes
** \ufffd */
static void json_string(lua_State *L, Json *j, const char *str, size_t n) {
  const unsigned char *s = (const unsigned char *)str;
  size_t i = 0;
  char *out;
  json_reserve(L, j, n * 6 + 2);               /* the worst case: \u00XX */
  out = j->buf + j->len;
  *out++ = '"';
  while (i < n) {
    size_t run = i, len;
    while (run < n && s[run] >= 0x20 && s[run] < 0x7F && s[run] != '"' &&
           s[run] != '\\')
      run++;                                    /* a run of plain ASCII */
    memcpy(out, s + i, run - i);
    out += run - i;
    if ((i = run) >= n) break;
    len = utf8_seqlen(s + i, n - i);
    if (len > 1 && (is_control(s + i, len) || is_bidi(s + i, len))) {
      snprintf(out, 7, "\\u%04x", code_point(s + i, len));
      out += 6;                  /* C1 controls and bidi formatting: visible */
    } else if (len > 1) {
      memcpy(out, s + i, len);
      out += len;
    } else if (len == 0) {
      memcpy(out, "\\ufffd", 6);
      out += 6;
      len = 1;
    } else {
      int c = s[i];
      *out++ = '\\';
      switch (c) {
        case '"': *out++ = '"'; break;
        case '\\': *out++ = '\\'; break;
        case '\n': *out++ = 'n'; break;
        case '\r': *out++ = 'r'; break;
        case '\t': *out++ = 't'; break;
        default:
          snprintf(out, 6, "u%04x", (unsigned)c);
          out += 5;
      }
    }
    i += len;
  }
  *out++ = '"';
  j->len = (size_t)(out - j->buf);
}

/* Numbers print the same on every Lua version: a whole number (integer or
** float) as an integer, any other float in the fewest digits that read
** back to the same double, always with '.' whatever the locale. */
static void json_number(lua_State *L, Json *j, int idx) {
  char s[40];
  int prec;
  double x;
#if LUA_VERSION_NUM >= 503
  if (lua_isinteger(L, idx)) {
    snprintf(s, sizeof s, LUA_INTEGER_FMT, (LUAI_UACINT)lua_tointeger(L, idx));
    json_add(L, j, s, strlen(s));
    return;
  }
#endif
  x = (double)lua_tonumber(L, idx);
  if (x != x || x == HUGE_VAL || x == -HUGE_VAL)
    luaL_error(L, "cannot encode %s in JSON", x != x ? "NaN" : "infinity");
  if (x == 0) {
    json_addlit(L, j, "0");
    return;
  }
  if (floor(x) == x && fabs(x) < 9007199254740992.0) {
    snprintf(s, sizeof s, "%.0f", x);
  } else {
    for (prec = 15; prec <= 17; prec++) {
      snprintf(s, sizeof s, "%.*g", prec, x);
      if (strtod(s, NULL) == x) break;
    }
  }
  for (prec = 0; s[prec] != '\0'; prec++)      /* a locale's decimal comma */
    if (s[prec] == ',') s[prec] = '.';
  json_add(L, j, s, strlen(s));
}

/* qsort order of object keys: bytewise, shorter first on a tie */
typedef struct Key {
  const char *s;
  size_t n;
  int value;           /* stack slot of the value, or 0: look it up */
} Key;

static int key_cmp(const void *a, const void *b) {
  const Key *x = (const Key *)a, *y = (const Key *)b;
  int c = memcmp(x->s, y->s, x->n < y->n ? x->n : y->n);
  if (c != 0) return c;
  return (x->n > y->n) - (x->n < y->n);
}

/* an empty table is an array unless its metatable has __json = "object" */
static int marked_object(lua_State *L, int idx) {
  int r = 0;
  if (lua_getmetatable(L, idx)) {
    lua_getfield(L, -1, "__json");
    r = lua_isstring(L, -1) && strcmp(lua_tostring(L, -1), JSON_OBJECT_MARK) == 0;
    lua_pop(L, 2);
  }
  return r;
}

#define JSON_STACK_KEYS 32     /* objects this small: keys sorted on the C
                               ** stack, values kept on the Lua stack */

static void key_error(lua_State *L, int type) {
  if (type == LUA_TNUMBER)
    luaL_error(L, "cannot encode a table with both string and number keys in JSON");
  luaL_error(L, "cannot encode a table key of type %s in JSON", lua_typename(L, type));
}

/* Stack: ... -> ... -- writes the table at IDX, whose border is 0, as an
** object with its keys sorted bytewise (or [] / {} when empty).  A small
** object takes one pass, its values kept on the Lua stack; a large one is
** read again with its keys in a userdata.  Keys stay anchored in the table. */
static void json_object(lua_State *L, Json *j, int idx, int depth) {
  Key small[JSON_STACK_KEYS], *keys = small;
  size_t count = 0, i;
  int base = lua_gettop(L);
  luaL_checkstack(L, 2 * JSON_STACK_KEYS + 4, "JSON object");
  lua_pushnil(L);
  while (lua_next(L, idx) != 0) {           /* ... [k v]... key value */
    if (lua_type(L, -2) != LUA_TSTRING) key_error(L, lua_type(L, -2));
    if (count == JSON_STACK_KEYS) { keys = NULL; break; }
    keys[count].s = lua_tolstring(L, -2, &keys[count].n);
    keys[count].value = lua_gettop(L);
    count++;
    lua_pushvalue(L, -2);                   /* the key again, for lua_next */
  }
  if (keys == NULL) {
    lua_settop(L, base);
    for (count = 0, lua_pushnil(L); lua_next(L, idx) != 0; count++) {
      if (lua_type(L, -2) != LUA_TSTRING) key_error(L, lua_type(L, -2));
      lua_pop(L, 1);
    }
    keys = (Key *)lua_newuserdata(L, count * sizeof(Key));
    for (i = 0, lua_pushnil(L); lua_next(L, idx) != 0; i++) {
      lua_pop(L, 1);
      keys[i].s = lua_tolstring(L, -1, &keys[i].n);
      keys[i].value = 0;
    }
  }
  if (count == 0) {
    json_add(L, j, marked_object(L, idx) ? "{}" : "[]", 2);
  } else {
    qsort(keys, count, sizeof(Key), key_cmp);
    json_addlit(L, j, "{");
    for (i = 0; i < count; i++) {
      if (i > 0) json_addlit(L, j, ",");
      json_string(L, j, keys[i].s, keys[i].n);
      json_addlit(L, j, ":");
      if (keys[i].value != 0) {
        json_value(L, j, keys[i].value, depth + 1);
      } else {
        lua_pushlstring(L, keys[i].s, keys[i].n);
        lua_rawget(L, idx);
        json_value(L, j, lua_gettop(L), depth + 1);
        lua_pop(L, 1);
      }
    }
    json_addlit(L, j, "}");
  }
  lua_settop(L, base);
}

/* Stack: ... -> ... -- writes the table at IDX, whose border is N > 0, as
** an array: its keys must be exactly 1..N */
static void json_array(lua_State *L, Json *j, int idx, size_t n, int depth) {
  size_t count = 0, i;
  lua_pushnil(L);
  while (lua_next(L, idx) != 0) {
    lua_pop(L, 1);
    if (lua_type(L, -1) != LUA_TNUMBER) key_error(L, lua_type(L, -1) == LUA_TSTRING
                                                  ? LUA_TNUMBER : lua_type(L, -1));
    count++;
  }
  if (count != n)
    luaL_error(L, "cannot encode a sparse array in JSON (keys must be 1..n)");
  json_addlit(L, j, "[");
  for (i = 1; i <= n; i++) {
    if (i > 1) json_addlit(L, j, ",");
    lua_rawgeti(L, idx, (int)i);
    json_value(L, j, lua_gettop(L), depth + 1);
    lua_pop(L, 1);
  }
  json_addlit(L, j, "]");
}

static void json_table(lua_State *L, Json *j, int idx, int depth) {
  int d;
  size_t n = (size_t)ifn_rawlen(L, idx);
  const void *self = lua_topointer(L, idx);
  if (depth >= JSON_MAX_DEPTH)
    luaL_error(L, "cannot encode tables nested deeper than %d in JSON", JSON_MAX_DEPTH);
  for (d = 0; d < depth; d++)
    if (j->path[d] == self)
      luaL_error(L, "cannot encode a table that contains itself in JSON");
  j->path[depth] = self;
  luaL_checkstack(L, 6, "JSON nesting");
  if (n > 0) json_array(L, j, idx, n, depth);
  else json_object(L, j, idx, depth);
}

static void json_value(lua_State *L, Json *j, int idx, int depth) {
  switch (lua_type(L, idx)) {
    case LUA_TNIL: json_addlit(L, j, "null"); break;
    case LUA_TBOOLEAN:
      if (lua_toboolean(L, idx)) json_addlit(L, j, "true");
      else json_addlit(L, j, "false");
      break;
    case LUA_TNUMBER: json_number(L, j, idx); break;
    case LUA_TSTRING: {
      size_t n;
      const char *s = lua_tolstring(L, idx, &n);
      json_string(L, j, s, n);
      break;
    }
    case LUA_TTABLE: json_table(L, j, idx, depth); break;
    case LUA_TLIGHTUSERDATA:
      decode_pushnull(L);
      if (lua_rawequal(L, -1, idx)) {
        lua_pop(L, 1);
        json_addlit(L, j, "null");
        break;
      }
      /* FALLTHROUGH */
    default:
      luaL_error(L, "cannot encode a value of type %s in JSON", luaL_typename(L, idx));
  }
}

/* core.json_encode(value) -> one line of JSON.  Keys sorted bytewise; an
** empty table is [] unless its metatable has __json = "object"; the
** decoder's null is null.  Raises on what JSON cannot hold. */
static int core_json_encode(lua_State *L) {
  Json j;
  luaL_checkany(L, 1);
  lua_settop(L, 1);
  j.cap = 256;
  j.len = 0;
  j.buf = (char *)lua_newuserdata(L, j.cap);
  j.buf_slot = 2;
  json_value(L, &j, 1, 0);
  lua_pushlstring(L, j.buf, j.len);
  return 1;
}

/* ---------------------------------------------------------------------
** Terminals
*/

/* core.isatty(fd) -> whether the descriptor (0, 1 or 2) is a terminal */
static int core_isatty(lua_State *L) {
  lua_Number fd = luaL_checknumber(L, 1);
  luaL_argcheck(L, fd == 0 || fd == 1 || fd == 2, 1, "0, 1 or 2 expected");
  lua_pushboolean(L, isatty((int)fd));
  return 1;
}

static const luaL_Reg escape_funcs[] = {
  {"json_encode", core_json_encode},
  {"html_escape", core_html_escape},
  {"text_clean", core_text_clean},
  {"term_escape", core_term_escape},
  {"isatty", core_isatty},
  {NULL, NULL}
};

void escape_open(lua_State *L) {
  ifn_setfuncs(L, escape_funcs, 0);
}
