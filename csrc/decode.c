/*
** decode.c: where a YAML event becomes a Lua value.
**
** The libyaml parser and its current event are owned by a Decoder, inside
** a userdata created before either of them, so that a Lua error (out of
** memory included) can never leak them: __gc and __close free them.  The
** patient reader (reader.c) drives the same Decoder over a file.
** Nodes are built straight from the event stream (no intermediate tree),
** with the YAML 1.2 core schema for plain scalars, and every limit checked
** as the events arrive.  Errors are "NAME:LINE:COL: message", 1-based.
*/
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "lua.h"
#include "lauxlib.h"

#include "compat.h"
#include "decode.h"

#define DECODER_MT "interferon.decoder"

/* default limits; each can be lowered or raised per call (opts table) */
#define DEFAULT_MAX_DEPTH 64
#define DEFAULT_MAX_NODES 1000000
#define DEFAULT_MAX_SCALAR (1024 * 1024)
#define DEFAULT_MAX_INPUT (64 * 1024 * 1024)

/* positions are packed in one number: line * POS_LINE + column */
#define POS_LINE 16777216.0
#define POS_MAXCOL 16777215

#define HINT_DEPTHS DECODER_HINT_DEPTHS

/* the largest table size remembered */
#define HINT_MAX 256

/* the value of a YAML null: a light userdata pointing at this constant */
static const char null_sentinel = 0;

void decode_pushnull(lua_State *L) {
  lua_pushlightuserdata(L, (void *)(uintptr_t)&null_sentinel);
}

/* ---------------------------------------------------------------------
** Resource ownership
*/

void decoder_release(Decoder *d) {
  if (d->has_event) {
    yaml_event_delete(&d->event);
    d->has_event = 0;
  }
  if (d->parser_open) {
    yaml_parser_delete(&d->parser);
    d->parser_open = 0;
  }
}

/* idempotent: closing twice, or a close followed by __gc, is harmless */
static int decoder_close(lua_State *L) {
  Decoder *d = (Decoder *)luaL_checkudata(L, 1, DECODER_MT);
  decoder_release(d);
  d->done = 1;
  return 0;
}

/* (re)starts the parser on the input: the string, or D's source */
int decoder_start(Decoder *d) {
  decoder_release(d);
  if (!yaml_parser_initialize(&d->parser))
    return 0;
  d->parser_open = 1;
  if (d->src.read != NULL)
    yaml_parser_set_input(&d->parser, d->src.read, d->src.data);
  else
    yaml_parser_set_input_string(&d->parser, d->input, d->input_len);
  yaml_parser_set_encoding(&d->parser, YAML_UTF8_ENCODING);
  d->level = 0;
  d->mark_line = 0;
  d->in_doc = d->in_seq = 0;
  return 1;
}

/* ---------------------------------------------------------------------
** Messages
*/

/* pushes "NAME:LINE:COL: " for a 0-based libyaml mark */
static void push_where(lua_State *L, Decoder *d, long line, long col) {
  lua_pushfstring(L, "%s:%d:%d: ", lua_tostring(L, d->name_idx),
                  (int)(d->base_line + line + 1), (int)(col + 1));
}

/* fails with a message about the node at MARK; always returns -1 */
static int fail_at(lua_State *L, Decoder *d, yaml_mark_t mark,
                   const char *msg) {
  push_where(L, d, (long)mark.line, (long)mark.column);
  lua_pushstring(L, msg);
  lua_concat(L, 2);
  return -1;
}

size_t decoder_break_len(const unsigned char *p, size_t n) {
  if (n == 0) return 0;
  if (p[0] == '\n') return 1;
  if (p[0] == '\r') return n > 1 && p[1] == '\n' ? 2 : 1;
  if (p[0] == 0xC2) return n > 1 && p[1] == 0x85 ? 2 : 0;
  if (p[0] == 0xE2)
    return n > 2 && p[1] == 0x80 && (p[2] == 0xA8 || p[2] == 0xA9) ? 3 : 0;
  return 0;
}

/* the bytes of the input still held: all of a string */
static void get_view(Decoder *d, DecoderView *v) {
  if (d->src.view != NULL) {
    d->src.view(d, v);
    return;
  }
  v->bytes = d->input;
  v->len = d->input_len;
  v->offset = 0;
  v->line = 0;
  v->midline = 0;
}

/* Walks the held bytes from their start to byte OFFSET of the parser's
** input (or, when OFFSET is (size_t)-1, to column COL of line LINE);
** returns the index reached in the view, the line and column there
** (libyaml's count: characters, line breaks of every kind) and in *BOL
** the index where that line starts. */
static size_t walk_view(DecoderView *v, size_t offset, long *line, long *col,
                        size_t *bol) {
  size_t i = 0, stop = v->len, br;
  long l = v->line, c = 0, want_line = *line, want_col = *col;
  *bol = 0;
  if (offset != (size_t)-1)
    stop = offset < v->offset ? 0 : offset - v->offset < v->len
         ? offset - v->offset : v->len;
  while (i < stop) {
    if (v->bytes[i] < 0x80 && v->bytes[i] != '\n' && v->bytes[i] != '\r' &&
        offset != (size_t)-1) {
      i++;                                   /* the common case: ASCII */
      c++;
      continue;
    }
    if (offset == (size_t)-1 && l == want_line && c == want_col) break;
    br = decoder_break_len(v->bytes + i, v->len - i);
    if (br > 0) {
      if (offset == (size_t)-1 && l == want_line) break;
      i += br;
      l++;
      c = 0;
      *bol = i;
      continue;
    }
    do i++; while (i < v->len && (v->bytes[i] & 0xC0) == 0x80);
    c++;
  }
  *line = l;
  *col = c;
  return i;
}

/* the line and column of byte OFFSET of the current parser's input */
void decoder_locate(Decoder *d, size_t offset, long *line, long *col) {
  DecoderView v;
  size_t bol;
  get_view(d, &v);
  walk_view(&v, offset, line, col, &bol);
}

/* the byte at MARK of the current parser's input, with in *BOL the start
** of its line (both still held), or NULL */
static const unsigned char *at_mark(Decoder *d, yaml_mark_t mark,
                                    const unsigned char **bol) {
  DecoderView v;
  long line = (long)mark.line, col = (long)mark.column;
  size_t i, b;
  get_view(d, &v);
  if (line < v.line || (line == v.line && v.midline)) return NULL;
  i = walk_view(&v, (size_t)-1, &line, &col, &b);
  if (line != (long)mark.line || col != (long)mark.column || i >= v.len)
    return NULL;
  *bol = v.bytes + b;
  return v.bytes + i;
}

/* fails with libyaml's own account of a syntax error.  libyaml 0.2.5
** refuses a tab where a token should start: as indentation (only blanks
** before it on its line) YAML forbids it; after an indicator such as "-"
** or "?" YAML allows it as separating space, but libyaml does not. */
static int fail_parser(lua_State *L, Decoder *d) {
  yaml_parser_t *p = &d->parser;
  const char *problem = p->problem ? p->problem : "cannot parse the input";
  const unsigned char *bol = NULL, *at = p->error == YAML_SCANNER_ERROR
                                     ? at_mark(d, p->problem_mark, &bol) : NULL;
  if (p->problem != NULL && strstr(p->problem, "cannot start any token") != NULL &&
      at != NULL && *at == '\t') {
    const unsigned char *k;
    int indent = bol != NULL;            /* only blanks before it: indentation */
    for (k = bol; indent && k < at; k++) indent = *k == ' ' || *k == '\t';
    push_where(L, d, (long)p->problem_mark.line, (long)p->problem_mark.column);
    if (indent)
      lua_pushliteral(L, "tab characters are not allowed for indentation (use spaces)");
    else
      lua_pushliteral(L, "tab characters are not supported here (use spaces)");
    lua_concat(L, 2);
    return -1;
  }
  long line = (long)p->problem_mark.line, col = (long)p->problem_mark.column;
  if (p->error == YAML_READER_ERROR) {
    decoder_locate(d, p->problem_offset, &line, &col);
    push_where(L, d, line, col);
    if (p->problem_value != -1) {
      char hex[8];
      snprintf(hex, sizeof hex, "%02X", (unsigned)p->problem_value & 0xFFu);
      lua_pushfstring(L, "%s (byte 0x%s)", problem, hex);
    } else
      lua_pushstring(L, problem);
  } else if (p->error == YAML_MEMORY_ERROR) {
    push_where(L, d, line, col);
    lua_pushliteral(L, "not enough memory");
  } else {
    push_where(L, d, line, col);
    if (p->context != NULL)
      lua_pushfstring(L, "%s (%s at line %d, column %d)", problem,
                      p->context, (int)(d->base_line + p->context_mark.line + 1),
                      (int)(p->context_mark.column + 1));
    else
      lua_pushstring(L, problem);
  }
  lua_concat(L, 2);
  return -1;
}

/* ---------------------------------------------------------------------
** Events
*/

/* moves to the next event, keeping d->level in step with the stream */
int decoder_next_event(lua_State *L, Decoder *d) {
  if (d->has_event) {
    yaml_event_delete(&d->event);
    d->has_event = 0;
  }
  if (!yaml_parser_parse(&d->parser, &d->event))
    return fail_parser(L, d);
  d->has_event = 1;
  d->mark_line = (long)d->event.start_mark.line;
  switch (d->event.type) {
    case YAML_SEQUENCE_START_EVENT:
    case YAML_MAPPING_START_EVENT: d->level++; break;
    case YAML_SEQUENCE_END_EVENT:
    case YAML_MAPPING_END_EVENT: d->level--; break;
    default: break;
  }
  return 0;
}

void decoder_push_pos(lua_State *L, Decoder *d, yaml_mark_t m) {
  long col = (long)m.column + 1;
  if (col > POS_MAXCOL) col = POS_MAXCOL;
  lua_pushnumber(L, (lua_Number)(d->base_line + (long)m.line + 1) * POS_LINE +
                 (lua_Number)col);
}

/* ---------------------------------------------------------------------
** Scalars: the YAML 1.2 core schema
*/

static int is_digits(const char *s, size_t n, int base) {
  size_t i;
  if (n == 0) return 0;
  for (i = 0; i < n; i++) {
    int c = (unsigned char)s[i];
    int ok = base == 16 ? ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
                           (c >= 'A' && c <= 'F'))
           : base == 8 ? (c >= '0' && c <= '7') : (c >= '0' && c <= '9');
    if (!ok) return 0;
  }
  return 1;
}

static int is_oneof(const char *s, size_t n, const char *const *words) {
  for (; *words != NULL; words++)
    if ((*words)[0] == s[0] && strlen(*words) == n && memcmp(*words, s, n) == 0)
      return 1;
  return 0;
}

/* whether a plain scalar may be anything but a string: only the empty
** scalar and those starting with one of these can be a null, a boolean or
** a number in the core schema (checked first: most scalars are words) */
static int maybe_typed(const char *s, size_t n) {
  return n == 0 || strchr("~nNtTfF+-.0123456789", s[0]) != NULL;
}

static const char *const null_words[] = {"~", "null", "Null", "NULL", NULL};
static const char *const true_words[] = {"true", "True", "TRUE", NULL};
static const char *const false_words[] = {"false", "False", "FALSE", NULL};
static const char *const inf_words[] = {".inf", ".Inf", ".INF", NULL};
static const char *const nan_words[] = {".nan", ".NaN", ".NAN", NULL};

/* [-+]? ( \. [0-9]+ | [0-9]+ ( \. [0-9]* )? ) ( [eE] [-+]? [0-9]+ )? */
static int is_float(const char *s, size_t n) {
  size_t i = 0, digits = 0;
  if (i < n && (s[i] == '-' || s[i] == '+')) i++;
  while (i < n && s[i] >= '0' && s[i] <= '9') { i++; digits++; }
  if (i < n && s[i] == '.') {
    i++;
    while (i < n && s[i] >= '0' && s[i] <= '9') { i++; digits++; }
  }
  if (digits == 0) return 0;
  if (i < n && (s[i] == 'e' || s[i] == 'E')) {
    size_t e = 0;
    i++;
    if (i < n && (s[i] == '-' || s[i] == '+')) i++;
    while (i < n && s[i] >= '0' && s[i] <= '9') { i++; e++; }
    if (e == 0) return 0;
  }
  return i == n;
}

/* parses a core-schema integer; 0 when it does not fit in 64 bits */
static int parse_int(const char *s, size_t n, ifn_Integer *out) {
  unsigned long long v = 0, limit;
  int neg = 0, base = 10;
  size_t i = 0;
  if (s[0] == '-' || s[0] == '+') { neg = s[0] == '-'; i = 1; }
  else if (n > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'o')) {
    base = s[1] == 'x' ? 16 : 8;
    i = 2;
  }
  limit = neg ? 9223372036854775808ULL : 9223372036854775807ULL;
  for (; i < n; i++) {
    int c = (unsigned char)s[i];
    int dv = c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
    if (v > (limit - (unsigned long long)dv) / (unsigned long long)base)
      return 0;
    v = v * (unsigned long long)base + (unsigned long long)dv;
  }
  *out = neg ? (ifn_Integer)(0 - v) : (ifn_Integer)v;
  return 1;
}

enum { T_ANY, T_STR, T_INT, T_FLOAT, T_BOOL, T_NULL, T_MAP, T_SEQ, T_BAD };

/* the core-schema type a tag asks for.  The non-specific tag "!" (YAML
** 1.2, 6.9.1) makes a scalar a string ("! 12" is "12", a bare "!" the
** empty string) and leaves a collection what it is: is_scalar says which. */
static int tag_type(const yaml_char_t *tag, int is_scalar) {
  static const char *const names[] = {"str", "int", "float", "bool", "null",
                                      "map", "seq", NULL};
  const char *t = (const char *)tag;
  const char *prefix = "tag:yaml.org,2002:";
  size_t pl = strlen(prefix);
  int i;
  if (t == NULL) return T_ANY;
  if (strcmp(t, "!") == 0) return is_scalar ? T_STR : T_ANY;
  if (strncmp(t, prefix, pl) != 0) return T_BAD;
  for (i = 0; names[i] != NULL; i++)
    if (strcmp(t + pl, names[i]) == 0) return T_STR + i;
  return T_BAD;
}

/* pushes a plain scalar's value by the core schema, or fails when a tag
** asks for a type the text is not */
static int push_plain(lua_State *L, Decoder *d, const char *s, size_t n,
                      int want) {
  yaml_mark_t m = d->event.start_mark;
  ifn_Integer iv;
  int sign = n > 0 && (s[0] == '-' || s[0] == '+');
  if (want == T_ANY && !maybe_typed(s, n)) {
    lua_pushlstring(L, s, n);
  } else if ((want == T_ANY || want == T_NULL) &&
      (n == 0 || is_oneof(s, n, null_words))) {
    decode_pushnull(L);
  } else if ((want == T_ANY || want == T_BOOL) && is_oneof(s, n, true_words)) {
    lua_pushboolean(L, 1);
  } else if ((want == T_ANY || want == T_BOOL) && is_oneof(s, n, false_words)) {
    lua_pushboolean(L, 0);
  } else if ((want == T_ANY || want == T_INT) &&
             (is_digits(s + sign, n - sign, 10) ||
              (n > 2 && s[0] == '0' && s[1] == 'x' && is_digits(s + 2, n - 2, 16)) ||
              (n > 2 && s[0] == '0' && s[1] == 'o' && is_digits(s + 2, n - 2, 8)))) {
    if (!parse_int(s, n, &iv))
      return fail_at(L, d, m, "integer out of range");
    ifn_pushinteger(L, iv);
  } else if ((want == T_ANY || want == T_FLOAT) &&
             (is_float(s, n) || is_oneof(s + sign, n - sign, inf_words))) {
    lua_Number v;
    if (s[n - 1] == 'f' || s[n - 1] == 'F')
      v = (s[0] == '-' ? -1.0 : 1.0) * (lua_Number)HUGE_VAL;
    else {
      lua_pushlstring(L, s, n);
      v = lua_tonumber(L, -1);
      lua_pop(L, 1);
    }
    lua_pushnumber(L, v);
  } else if ((want == T_ANY || want == T_FLOAT) && is_oneof(s, n, nan_words)) {
    lua_pushnumber(L, (lua_Number)(0.0 * (double)HUGE_VAL));
  } else if (want == T_ANY || want == T_STR) {
    lua_pushlstring(L, s, n);
  } else {
    lua_pushlstring(L, s, n);
    lua_pushfstring(L, "'%s' is not a valid %s", lua_tostring(L, -1),
                    want == T_INT ? "int" : want == T_FLOAT ? "float"
                    : want == T_BOOL ? "bool" : "null");
    return fail_at(L, d, m, lua_tostring(L, -1));
  }
  return 0;
}

static int push_scalar(lua_State *L, Decoder *d) {
  yaml_event_t *e = &d->event;
  const char *s = (const char *)e->data.scalar.value;
  size_t n = e->data.scalar.length;
  int want = tag_type(e->data.scalar.tag, 1);
  if ((long)n > d->lim.max_scalar) {
    lua_pushfstring(L, "scalar of %d bytes is longer than the limit of %d",
                    (int)n, (int)d->lim.max_scalar);
    return fail_at(L, d, e->start_mark, lua_tostring(L, -1));
  }
  if (want == T_BAD || want == T_MAP || want == T_SEQ) {
    lua_pushfstring(L, "unsupported tag '%s'", (const char *)e->data.scalar.tag);
    return fail_at(L, d, e->start_mark, lua_tostring(L, -1));
  }
  if (e->data.scalar.style != YAML_PLAIN_SCALAR_STYLE && want == T_ANY) {
    lua_pushlstring(L, s, n);
    return 0;
  }
  return push_plain(L, d, s, n, want);
}

/* ---------------------------------------------------------------------
** Nodes
*/

static int build_node(lua_State *L, Decoder *d, long depth);

/* charges N nodes against the budget */
static int charge(lua_State *L, Decoder *d, long n, yaml_mark_t m) {
  d->nodes += n;
  if (d->nodes > d->lim.max_nodes) {
    lua_pushfstring(L, "document expands to more than %d nodes "
                    "(aliases count their full size)", (int)d->lim.max_nodes);
    return fail_at(L, d, m, lua_tostring(L, -1));
  }
  return 0;
}

/* marks an anchor as being built, so that an alias to it inside itself is
** refused as recursive: sizes[name] = false */
/* the table at stack slot IDX, made on first use (most documents have no
** anchors, and most calls want no positions) */
static void ensure_table(lua_State *L, int idx) {
  if (lua_istable(L, idx)) return;
  lua_newtable(L);
  lua_replace(L, idx);
}

static int anchor_begin(lua_State *L, Decoder *d, const yaml_char_t *anchor) {
  if (anchor == NULL) return 0;
  ensure_table(L, d->sizes_idx);
  lua_pushstring(L, (const char *)anchor);
  lua_pushboolean(L, 0);
  lua_rawset(L, d->sizes_idx);
  return 0;
}

/* registers the value at the top of the stack under its anchor */
static void anchor_end(lua_State *L, Decoder *d, const char *anchor,
                       long size) {
  if (anchor == NULL) return;
  ensure_table(L, d->anchors_idx);
  ensure_table(L, d->sizes_idx);
  lua_pushstring(L, anchor);
  lua_pushvalue(L, -2);
  lua_rawset(L, d->anchors_idx);
  lua_pushstring(L, anchor);
  lua_pushnumber(L, (lua_Number)size);
  lua_rawset(L, d->sizes_idx);
}

static int push_alias(lua_State *L, Decoder *d) {
  const char *name = (const char *)d->event.data.alias.anchor;
  yaml_mark_t m = d->event.start_mark;
  if (lua_istable(L, d->sizes_idx)) lua_getfield(L, d->sizes_idx, name);
  else lua_pushnil(L);
  if (lua_isnil(L, -1)) {
    lua_pushfstring(L, "unknown alias '*%s'", name);
    return fail_at(L, d, m, lua_tostring(L, -1));
  }
  if (!lua_toboolean(L, -1)) {
    lua_pushfstring(L, "recursive alias '*%s' (the anchor contains itself)", name);
    return fail_at(L, d, m, lua_tostring(L, -1));
  }
  if (charge(L, d, (long)lua_tonumber(L, -1), m)) return -1;
  lua_pop(L, 1);
  lua_getfield(L, d->anchors_idx, name);
  return 0;
}

/* keys are scalars: strings, numbers or booleans; never null, never '<<' */
static int push_key(lua_State *L, Decoder *d) {
  yaml_event_t *e = &d->event;
  if (e->type != YAML_SCALAR_EVENT)
    return fail_at(L, d, e->start_mark, e->type == YAML_ALIAS_EVENT
                   ? "aliases are not supported as mapping keys"
                   : "only scalars are supported as mapping keys");
  if (e->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
      e->data.scalar.length == 2 &&
      memcmp(e->data.scalar.value, "<<", 2) == 0 && e->data.scalar.tag == NULL)
    return fail_at(L, d, e->start_mark, "merge keys ('<<') are not supported");
  if (e->data.scalar.anchor != NULL)
    return fail_at(L, d, e->start_mark, "anchors are not supported on mapping keys");
  if (push_scalar(L, d)) return -1;
  if (lua_islightuserdata(L, -1) ||
      (lua_type(L, -1) == LUA_TNUMBER && lua_tonumber(L, -1) != lua_tonumber(L, -1)))
    return fail_at(L, d, e->start_mark, "a mapping key must not be null or NaN");
  return 0;
}

/* Stack: ... table [pos] -- builds the entries of a mapping; *COUNT is
** how many */
static int build_mapping(lua_State *L, Decoder *d, long depth, long *count) {
  int t = lua_gettop(L) - d->positions;
  for (;;) {
    yaml_mark_t km;
    if (decoder_next_event(L, d)) return -1;
    if (d->event.type == YAML_MAPPING_END_EVENT) return 0;
    ++*count;
    km = d->event.start_mark;
    if (push_key(L, d)) return -1;              /* t.. key */
    lua_pushvalue(L, -1);
    lua_rawget(L, t);
    if (!lua_isnil(L, -1)) {
      const char *k = lua_tostring(L, -2);
      lua_pushfstring(L, "duplicate key '%s'", k ? k : "?");
      return fail_at(L, d, km, lua_tostring(L, -1));
    }
    lua_pop(L, 1);
    if (d->positions) {
      lua_pushvalue(L, -1);
      decoder_push_pos(L, d, km);
      lua_rawset(L, t + 1);
    }
    if (decoder_next_event(L, d) || build_node(L, d, depth + 1)) return -1;
    lua_rawset(L, t);
  }
}

/* Stack: ... table [pos] -- builds the items of a sequence; *COUNT is
** how many */
static int build_sequence(lua_State *L, Decoder *d, long depth, long *count) {
  int t = lua_gettop(L) - d->positions;
  long i = 0;
  for (;;) {
    if (decoder_next_event(L, d)) return -1;
    if (d->event.type == YAML_SEQUENCE_END_EVENT) return 0;
    i = ++*count;
    if (d->positions) {
      decoder_push_pos(L, d, d->event.start_mark);
      lua_rawseti(L, t + 1, (int)i);
    }
    if (build_node(L, d, depth + 1)) return -1;
    lua_rawseti(L, t, (int)i);
  }
}

/* builds a collection; the anchor name is copied to the Lua stack because
** the event that holds it is replaced while the children are read */
static int build_collection(lua_State *L, Decoder *d, long depth) {
  yaml_event_t *e = &d->event;
  int is_map = e->type == YAML_MAPPING_START_EVENT;
  const yaml_char_t *tag = is_map ? e->data.mapping_start.tag
                                  : e->data.sequence_start.tag;
  const yaml_char_t *anchor = is_map ? e->data.mapping_start.anchor
                                     : e->data.sequence_start.anchor;
  int want = tag_type(tag, 0), anchor_slot = 0;
  unsigned short *hint = depth >= HINT_DEPTHS ? NULL
                       : is_map ? &d->map_hint[depth] : &d->seq_hint[depth];
  int size = hint != NULL ? *hint : 0;
  long before = d->nodes, count = 0;
  yaml_mark_t m = e->start_mark;
  if (depth >= d->lim.max_depth) {
    lua_pushfstring(L, "nesting deeper than the limit of %d", (int)d->lim.max_depth);
    return fail_at(L, d, m, lua_tostring(L, -1));
  }
  if (want != T_ANY && want != (is_map ? T_MAP : T_SEQ)) {
    lua_pushfstring(L, "unsupported tag '%s'", (const char *)tag);
    return fail_at(L, d, m, lua_tostring(L, -1));
  }
  luaL_checkstack(L, 8, "YAML nesting");
  if (anchor != NULL) {
    lua_pushstring(L, (const char *)anchor);
    anchor_slot = lua_gettop(L);
    anchor_begin(L, d, anchor);
  }
  lua_createtable(L, is_map ? 0 : size, is_map ? size : 0);
  if (d->positions) {
    lua_createtable(L, is_map ? 0 : size, is_map ? size + 1 : 1);
    decoder_push_pos(L, d, m);
    lua_rawseti(L, -2, 0);
    lua_pushvalue(L, -2);
    lua_pushvalue(L, -2);
    lua_rawset(L, d->pos_idx);                  /* pos[table] = positions */
  }
  if ((is_map ? build_mapping(L, d, depth, &count)
              : build_sequence(L, d, depth, &count)))
    return -1;
  if (hint != NULL) *hint = (unsigned short)(count < HINT_MAX ? count : HINT_MAX);
  if (d->positions) lua_pop(L, 1);
  if (anchor_slot) {
    anchor_end(L, d, lua_tostring(L, anchor_slot), d->nodes - before + 1);
    lua_remove(L, anchor_slot);
  }
  return 0;
}

/* Stack: ... -> ... value -- builds the node that starts at the current
** event */
static int build_node(lua_State *L, Decoder *d, long depth) {
  yaml_event_t *e = &d->event;
  if (charge(L, d, 1, e->start_mark)) return -1;
  switch (e->type) {
    case YAML_SCALAR_EVENT: {
      const yaml_char_t *anchor = e->data.scalar.anchor;
      if (push_scalar(L, d)) return -1;
      if (anchor != NULL) anchor_end(L, d, (const char *)anchor, 1);
      return 0;
    }
    case YAML_ALIAS_EVENT:
      return push_alias(L, d);
    case YAML_SEQUENCE_START_EVENT:
    case YAML_MAPPING_START_EVENT:
      return build_collection(L, d, depth);
    default:
      return fail_at(L, d, e->start_mark, "unexpected event");
  }
}

/* ---------------------------------------------------------------------
** Documents and records
*/

/* forgets the anchors of the previous document */
static void reset_document(lua_State *L, Decoder *d) {
  lua_pushnil(L);
  lua_replace(L, d->anchors_idx);
  lua_pushnil(L);
  lua_replace(L, d->sizes_idx);
}

static int is_empty_root(Decoder *d) {
  yaml_event_t *e = &d->event;
  return e->type == YAML_SCALAR_EVENT && e->data.scalar.length == 0 &&
         e->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
         e->data.scalar.tag == NULL;
}

/* Pushes the next value: a document, or in record mode an item of a
** top-level sequence.  Returns 1 (value pushed), 0 (end) or -1 (message
** pushed). */
int decoder_next(lua_State *L, Decoder *d) {
  while (!d->done) {
    if (decoder_next_event(L, d)) return -1;
    switch (d->event.type) {
      case YAML_STREAM_START_EVENT: continue;
      case YAML_STREAM_END_EVENT: d->done = 1; return 0;
      case YAML_DOCUMENT_START_EVENT:
        d->documents++;
        if (d->documents > d->lim.max_documents) {
          d->done = 1;                  /* a stream stops at its limit */
          lua_pushfstring(L, "more than %d document%s in the input",
                          (int)d->lim.max_documents,
                          d->lim.max_documents == 1 ? "" : "s");
          return fail_at(L, d, d->event.start_mark, lua_tostring(L, -1));
        }
        d->in_doc = 1;
        reset_document(L, d);
        continue;
      case YAML_DOCUMENT_END_EVENT: d->in_doc = 0; continue;
      case YAML_SEQUENCE_END_EVENT: d->in_seq = 0; continue;
      default: break;
    }
    if (d->mode == MODE_RECORDS && !d->in_seq) {
      if (d->event.type == YAML_SEQUENCE_START_EVENT &&
          d->event.data.sequence_start.anchor == NULL &&
          d->event.data.sequence_start.tag == NULL) {
        d->in_seq = 1;
        continue;
      }
      if (is_empty_root(d)) continue;            /* a bare '---' */
    }
    d->nodes = 0;
    d->rec_mark = d->event.start_mark;
    d->rec_level = d->level - (d->event.type == YAML_SEQUENCE_START_EVENT ||
                               d->event.type == YAML_MAPPING_START_EVENT);
    return build_node(L, d, d->in_seq) ? -1 : 1;
  }
  return 0;
}

/* ---------------------------------------------------------------------
** Options and construction
*/

static long opt_limit(lua_State *L, int opts, const char *name, long def) {
  long v = def;
  if (opts == 0) return def;
  lua_getfield(L, opts, name);
  if (!lua_isnil(L, -1)) {
    if (!lua_isnumber(L, -1) || lua_tonumber(L, -1) < 1)
      luaL_error(L, "option '%s' must be a positive number", name);
    v = lua_tonumber(L, -1) > 2e9 ? 2000000000L : (long)lua_tonumber(L, -1);
  }
  lua_pop(L, 1);
  return v;
}

/* fills D with MODE and the limits and options of the table at OPTS */
void decoder_init(lua_State *L, Decoder *d, int mode, int opts) {
  d->mode = mode;
  d->done = 0;
  d->lim.max_depth = opt_limit(L, opts, "max_depth", DEFAULT_MAX_DEPTH);
  if (d->lim.max_depth > DECODER_DEPTH_CAP)
    luaL_error(L, "option 'max_depth' must be at most %d", DECODER_DEPTH_CAP);
  d->lim.max_nodes = opt_limit(L, opts, "max_nodes", DEFAULT_MAX_NODES);
  d->lim.max_scalar = opt_limit(L, opts, "max_scalar", DEFAULT_MAX_SCALAR);
  d->lim.max_input = opt_limit(L, opts, "max_input", DEFAULT_MAX_INPUT);
  d->lim.max_documents = opt_limit(L, opts, "max_documents", 2000000000L);
  if (opts != 0) {
    lua_getfield(L, opts, "positions");
    d->positions = lua_toboolean(L, -1);
    lua_pop(L, 1);
  }
}

/* Stack: ... decoder -> ... decoder anchors sizes positions name; notes
** the slots for this call */
void decoder_work_slots(lua_State *L, Decoder *d, int ud) {
  lua_pushnil(L);                            /* tables made on first use */
  d->anchors_idx = lua_gettop(L);
  lua_pushnil(L);
  d->sizes_idx = lua_gettop(L);
  if (d->positions) lua_newtable(L); else lua_pushnil(L);
  d->pos_idx = lua_gettop(L);
  ifn_getuservalue(L, ud);
  lua_getfield(L, -1, "name");
  lua_remove(L, -2);
  d->name_idx = lua_gettop(L);
}

void decoder_set_uservalue(lua_State *L, int ud, int name, int input) {
  lua_createtable(L, 0, 2);
  lua_pushvalue(L, name);
  lua_setfield(L, -2, "name");
  if (input) {
    lua_pushvalue(L, input);
    lua_setfield(L, -2, "input");
  }
  ifn_setuservalue(L, ud);
}

/* whether byte J of S starts a line (after LF or CR, as core.open has it) */
static int at_line_start(const unsigned char *s, size_t j) {
  return j == 0 || s[j - 1] == '\n' || s[j - 1] == '\r';
}

/* A byte-order mark at the start of a line (of the text, or of a later
** document in it) is skipped, as in a file read by core.open: when the
** text at stack slot IDX has one, it is replaced there by a copy without
** them.  Positions are then those of the text after each mark. */
static void strip_boms(lua_State *L, int idx) {
  size_t n, i = 0, from = 0;
  const unsigned char *s = (const unsigned char *)lua_tolstring(L, idx, &n);
  const unsigned char *p;
  luaL_Buffer b;
  int found = 0;
  while (i < n && (p = (const unsigned char *)memchr(s + i, 0xEF, n - i)) != NULL) {
    i = (size_t)(p - s);
    if (DECODER_BOM_LEN(p, n - i) && at_line_start(s, i)) {
      if (!found) luaL_buffinit(L, &b);
      found = 1;
      luaL_addlstring(&b, (const char *)s + from, i - from);
      from = i + 3;
      i += 3;
    } else {
      i++;
    }
  }
  if (!found) return;
  luaL_addlstring(&b, (const char *)s + from, n - from);
  luaL_pushresult(&b);
  lua_replace(L, idx);
}

/* core.decode(text, name [, opts]) -> docs, positions (nil unless
** opts.positions) | nil, message */
static int core_decode(lua_State *L) {
  size_t len;
  const char *text = luaL_checklstring(L, 1, &len);
  int opts = lua_istable(L, 3) ? 3 : 0;
  Decoder *d;
  int ud, docs, r;
  long n = 0;
  luaL_checkstring(L, 2);
  if (!lua_isnoneornil(L, 3)) luaL_checktype(L, 3, LUA_TTABLE);
  strip_boms(L, 1);
  text = lua_tolstring(L, 1, &len);
  d = (Decoder *)ifn_newuserdata(L, sizeof(Decoder));
  memset(d, 0, sizeof *d);
  luaL_getmetatable(L, DECODER_MT);
  lua_setmetatable(L, -2);
  ud = lua_gettop(L);
  decoder_init(L, d, MODE_DOCUMENTS, opts);
  decoder_set_uservalue(L, ud, 2, 1);
  d->input = (const unsigned char *)text;      /* anchored: argument 1 */
  d->input_len = len;
  decoder_work_slots(L, d, ud);
  if ((long)len > d->lim.max_input) {
    lua_pushnil(L);
    lua_pushfstring(L, "%s:1:1: input of %d bytes is larger than the limit of %d",
                    lua_tostring(L, 2), (int)len, (int)d->lim.max_input);
    return 2;
  }
  if (!decoder_start(d)) return luaL_error(L, "not enough memory");
  lua_newtable(L);
  docs = lua_gettop(L);
  while ((r = decoder_next(L, d)) == 1)
    lua_rawseti(L, docs, (int)++n);
  if (r < 0) {
    decoder_release(d);
    lua_pushnil(L);
    lua_insert(L, -2);
    return 2;
  }
  decoder_release(d);
  lua_pushvalue(L, d->pos_idx);
  return 2;
}

static const luaL_Reg decoder_methods[] = {
  {"close", decoder_close},
  {NULL, NULL}
};

static const luaL_Reg decoder_meta[] = {
  {"__gc", decoder_close},
  {"__close", decoder_close},
  {NULL, NULL}
};

static const luaL_Reg decode_funcs[] = {
  {"decode", core_decode},
  {NULL, NULL}
};

void decode_open(lua_State *L) {
  ifn_newclass(L, DECODER_MT, decoder_meta, decoder_methods);
  ifn_setfuncs(L, decode_funcs, 0);
  decode_pushnull(L);
  lua_setfield(L, -2, "null");
  ifn_pushinteger(L, (lua_Integer)POS_LINE);  /* for util.where */
  lua_setfield(L, -2, "POS_LINE");
}
