/*
** decode.c: where a YAML event becomes a Lua value.
**
** The libyaml parser, its current event and any FILE it reads are owned by
** a Decoder userdata, created before any of them, so that a Lua error
** (out of memory included) can never leak them: __gc and __close free them.
** Nodes are built straight from the event stream (no intermediate tree),
** with the YAML 1.2 core schema for plain scalars, and every limit checked
** as the events arrive.  Errors are "NAME:LINE:COL: message", 1-based.
*/
#include <errno.h>
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

/* nesting levels whose last table sizes are remembered, and the largest
** size remembered */
#define HINT_DEPTHS 32
#define HINT_MAX 256

/* the value of a YAML null: a light userdata pointing at this constant */
static const char null_sentinel = 0;

enum { MODE_DOCUMENTS, MODE_RECORDS };

typedef struct Limits {
  long max_depth;
  long max_nodes;
  long max_scalar;
  long max_input;
  long max_documents;
} Limits;

typedef struct Decoder {
  yaml_parser_t parser;
  yaml_event_t event;
  int parser_open;      /* parser initialised, must be deleted */
  int has_event;        /* event filled, must be deleted */
  FILE *fp;             /* the file read by a stream decoder, or NULL */
  unsigned char line[4096];  /* read ahead from fp, given out line by line */
  size_t line_pos, line_len;
  const unsigned char *input;  /* the string being decoded, or NULL */
  size_t input_len;
  long base_line;       /* line (0-based) at which the current parser began */
  long base_offset;     /* file offset at which the current parser began */
  int mode;
  int positions;        /* record positions of keys and items */
  Limits lim;
  /* the size of the last mapping and sequence built at each depth: the
  ** next one there is created with room for as many (siblings, such as
  ** the entries of a list, share a shape), so that it is not rehashed
  ** again and again while it fills */
  unsigned short map_hint[HINT_DEPTHS], seq_hint[HINT_DEPTHS];
  /* per-parse state */
  long level;           /* collection nesting of the event stream */
  long nodes;           /* nodes built for the current record */
  long documents;
  long records;         /* records yielded or refused so far (streams) */
  long rec_level;       /* d->level just outside the record being built */
  yaml_mark_t rec_mark; /* where the record being built starts */
  int in_doc, in_seq, done;
  /* stack slots used while one call builds values (never across calls) */
  int anchors_idx, sizes_idx, pos_idx, name_idx;
} Decoder;

void decode_pushnull(lua_State *L) {
  lua_pushlightuserdata(L, (void *)(uintptr_t)&null_sentinel);
}

/* ---------------------------------------------------------------------
** Resource ownership
*/

static void decoder_release(Decoder *d) {
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
  if (d->fp != NULL) {
    fclose(d->fp);
    d->fp = NULL;
  }
  d->done = 1;
  return 0;
}

/* Gives libyaml at most one line per call.  libyaml checks every byte it
** is handed at once (UTF-8, control characters), so a bad byte in a
** larger chunk would be reported before the records in front of it were
** read, and those records lost. */
static int file_read(void *data, unsigned char *buf, size_t size,
                     size_t *size_read) {
  Decoder *d = (Decoder *)data;
  const unsigned char *nl;
  size_t n;
  if (d->line_pos == d->line_len) {
    d->line_pos = 0;
    d->line_len = fread(d->line, 1, sizeof d->line, d->fp);
    if (d->line_len == 0) {
      *size_read = 0;
      return !ferror(d->fp);
    }
  }
  n = d->line_len - d->line_pos;
  nl = (const unsigned char *)memchr(d->line + d->line_pos, '\n', n);
  if (nl != NULL) n = (size_t)(nl - (d->line + d->line_pos)) + 1;
  if (n > size) n = size;
  memcpy(buf, d->line + d->line_pos, n);
  d->line_pos += n;
  *size_read = n;
  return 1;
}

/* (re)starts the parser on the input: the string, or the file from
** d->base_offset on */
static int decoder_start(Decoder *d) {
  decoder_release(d);
  if (!yaml_parser_initialize(&d->parser))
    return 0;
  d->parser_open = 1;
  d->line_pos = d->line_len = 0;           /* the file was just positioned */
  if (d->fp != NULL)
    yaml_parser_set_input(&d->parser, file_read, d);
  else
    yaml_parser_set_input_string(&d->parser, d->input, d->input_len);
  yaml_parser_set_encoding(&d->parser, YAML_UTF8_ENCODING);
  d->level = 0;
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

/* the line and column of byte OFFSET of the current parser's input */
static void locate_offset(Decoder *d, size_t offset, long *line, long *col) {
  long l = 0, c = 0;
  size_t i;
  if (d->fp != NULL) {
    long here = ftell(d->fp);
    int ch;
    if (fseek(d->fp, d->base_offset, SEEK_SET) == 0) {
      for (i = 0; i < offset && (ch = getc(d->fp)) != EOF; i++) {
        if (ch == '\n') { l++; c = 0; }
        else if ((ch & 0xC0) != 0x80) c++;
      }
    }
    fseek(d->fp, here, SEEK_SET);
  } else {
    for (i = 0; i < offset && i < d->input_len; i++) {
      if (d->input[i] == '\n') { l++; c = 0; }
      else if ((d->input[i] & 0xC0) != 0x80) c++;
    }
  }
  *line = l;
  *col = c;
}

/* the byte at OFFSET of the current parser's input, or -1 */
static int byte_at(Decoder *d, size_t offset) {
  int c = -1;
  if (d->fp != NULL) {
    long here = ftell(d->fp);
    if (fseek(d->fp, d->base_offset + (long)offset, SEEK_SET) == 0) c = getc(d->fp);
    fseek(d->fp, here, SEEK_SET);
  } else if (offset < d->input_len) {
    c = d->input[offset];
  }
  return c;
}

/* fails with libyaml's own account of a syntax error.  libyaml 0.2.5
** refuses a tab where a token should start: as indentation (only blanks
** before it on its line) YAML forbids it; after an indicator such as "-"
** or "?" YAML allows it as separating space, but libyaml does not. */
static int fail_parser(lua_State *L, Decoder *d) {
  yaml_parser_t *p = &d->parser;
  const char *problem = p->problem ? p->problem : "cannot parse the input";
  if (p->error == YAML_SCANNER_ERROR && p->problem != NULL &&
      strstr(p->problem, "cannot start any token") != NULL &&
      byte_at(d, p->problem_mark.index) == '\t') {
    size_t k, col = p->problem_mark.column, at = p->problem_mark.index;
    int indent = col <= at;
    for (k = 1; indent && k <= col; k++) {
      int c = byte_at(d, at - k);
      indent = c == ' ' || c == '\t';
    }
    push_where(L, d, (long)p->problem_mark.line, (long)col);
    if (indent)
      lua_pushliteral(L, "tab characters are not allowed for indentation (use spaces)");
    else
      lua_pushliteral(L, "tab characters are not supported here (use spaces)");
    lua_concat(L, 2);
    return -1;
  }
  long line = (long)p->problem_mark.line, col = (long)p->problem_mark.column;
  if (p->error == YAML_READER_ERROR) {
    locate_offset(d, p->problem_offset, &line, &col);
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
static int next_event(lua_State *L, Decoder *d) {
  if (d->has_event) {
    yaml_event_delete(&d->event);
    d->has_event = 0;
  }
  if (!yaml_parser_parse(&d->parser, &d->event))
    return fail_parser(L, d);
  d->has_event = 1;
  switch (d->event.type) {
    case YAML_SEQUENCE_START_EVENT:
    case YAML_MAPPING_START_EVENT: d->level++; break;
    case YAML_SEQUENCE_END_EVENT:
    case YAML_MAPPING_END_EVENT: d->level--; break;
    default: break;
  }
  return 0;
}

static void push_pos(lua_State *L, Decoder *d, yaml_mark_t m) {
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
    if (next_event(L, d)) return -1;
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
      push_pos(L, d, km);
      lua_rawset(L, t + 1);
    }
    if (next_event(L, d) || build_node(L, d, depth + 1)) return -1;
    lua_rawset(L, t);
  }
}

/* Stack: ... table [pos] -- builds the items of a sequence; *COUNT is
** how many */
static int build_sequence(lua_State *L, Decoder *d, long depth, long *count) {
  int t = lua_gettop(L) - d->positions;
  long i = 0;
  for (;;) {
    if (next_event(L, d)) return -1;
    if (d->event.type == YAML_SEQUENCE_END_EVENT) return 0;
    i = ++*count;
    if (d->positions) {
      push_pos(L, d, d->event.start_mark);
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
    push_pos(L, d, m);
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
static int decoder_next(lua_State *L, Decoder *d) {
  while (!d->done) {
    if (next_event(L, d)) return -1;
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

/* Stack: ... -> ... decoder: a closed decoder whose user value holds
** { name = NAME, input = INPUT } */
static Decoder *decoder_new(lua_State *L, int mode, int opts) {
  Decoder *d = (Decoder *)ifn_newuserdata(L, sizeof(Decoder));
  memset(d, 0, sizeof *d);
  d->mode = mode;
  d->done = 0;
  luaL_getmetatable(L, DECODER_MT);
  lua_setmetatable(L, -2);
  d->lim.max_depth = opt_limit(L, opts, "max_depth", DEFAULT_MAX_DEPTH);
  d->lim.max_nodes = opt_limit(L, opts, "max_nodes", DEFAULT_MAX_NODES);
  d->lim.max_scalar = opt_limit(L, opts, "max_scalar", DEFAULT_MAX_SCALAR);
  d->lim.max_input = opt_limit(L, opts, "max_input", DEFAULT_MAX_INPUT);
  d->lim.max_documents = opt_limit(L, opts, "max_documents", 2000000000L);
  if (opts != 0) {
    lua_getfield(L, opts, "positions");
    d->positions = lua_toboolean(L, -1);
    lua_pop(L, 1);
  }
  return d;
}

/* Stack: ... decoder -> ... decoder anchors sizes positions name; notes
** the slots for this call */
static void push_work_slots(lua_State *L, Decoder *d, int ud) {
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

static void set_uservalue(lua_State *L, int ud, int name, int input) {
  lua_createtable(L, 0, 2);
  lua_pushvalue(L, name);
  lua_setfield(L, -2, "name");
  if (input) {
    lua_pushvalue(L, input);
    lua_setfield(L, -2, "input");
  }
  ifn_setuservalue(L, ud);
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
  d = decoder_new(L, MODE_DOCUMENTS, opts);
  ud = lua_gettop(L);
  set_uservalue(L, ud, 2, 1);
  d->input = (const unsigned char *)text;      /* anchored: argument 1 */
  d->input_len = len;
  push_work_slots(L, d, ud);
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

/* core.open(path [, opts]) -> reader | nil, message.  The path "-" reads
** standard input, copied to a temporary file so that the reader can seek
** back to resynchronise after a syntax error. */
static int core_open(lua_State *L) {
  const char *path = luaL_checkstring(L, 1);
  int opts = lua_istable(L, 2) ? 2 : 0;
  Decoder *d;
  int ud;
  if (!lua_isnoneornil(L, 2)) luaL_checktype(L, 2, LUA_TTABLE);
  d = decoder_new(L, MODE_RECORDS, opts);
  ud = lua_gettop(L);
  set_uservalue(L, ud, 1, 0);
  if (strcmp(path, "-") == 0) {
    char buf[8192];
    size_t got;
    d->fp = tmpfile();
    while (d->fp != NULL && (got = fread(buf, 1, sizeof buf, stdin)) > 0)
      if (fwrite(buf, 1, got, d->fp) != got) break;
    if (d->fp != NULL) rewind(d->fp);
  } else {
    d->fp = fopen(path, "rb");
  }
  if (d->fp == NULL) {
    lua_pushnil(L);
    lua_pushfstring(L, "%s:1:1: cannot open file: %s", path, strerror(errno));
    return 2;
  }
  if (!decoder_start(d)) return luaL_error(L, "not enough memory");
  return 1;
}

/* Skips the rest of a record whose value was refused: events until the
** stream is back outside the record. */
static int skip_record(lua_State *L, Decoder *d) {
  while (d->level > d->rec_level)
    if (next_event(L, d)) return -1;
  return 0;
}

/* After a syntax error: finds the next document marker ('---' or '...' at
** the start of a line) at or after the error line and restarts the
** parser there.  Pushes a note on where reading resumed. */
static void resync(lua_State *L, Decoder *d) {
  long err_line = (long)d->parser.problem_mark.line, line = 0;
  char buf[4096];
  int at_start = 1;
  long off;
  if (d->parser.error == YAML_READER_ERROR) {
    long col;
    locate_offset(d, d->parser.problem_offset, &err_line, &col);
  }
  if (err_line < 1) err_line = 1;              /* always make progress */
  decoder_release(d);
  if (fseek(d->fp, d->base_offset, SEEK_SET) != 0) { d->done = 1; return; }
  for (;;) {
    off = ftell(d->fp);
    if (fgets(buf, sizeof buf, d->fp) == NULL) break;
    if (at_start && line >= err_line &&
        (strncmp(buf, "---", 3) == 0 || strncmp(buf, "...", 3) == 0) &&
        (buf[3] == '\0' || buf[3] == ' ' || buf[3] == '\t' ||
         buf[3] == '\n' || buf[3] == '\r')) {
      if (buf[0] == '.') { line++; off = ftell(d->fp); }
      lua_pushfstring(L, " (skipped to line %d)", (int)(d->base_line + line + 1));
      lua_concat(L, 2);
      d->base_line += line;
      d->base_offset = off;
      fseek(d->fp, off, SEEK_SET);
      if (!decoder_start(d)) d->done = 1;
      return;
    }
    at_start = strchr(buf, '\n') != NULL;
    if (at_start) line++;
  }
  lua_pushliteral(L, " (no later document marker: the rest of the input was skipped)");
  lua_concat(L, 2);
  d->done = 1;
}

/* reader:next() -> value, positions, n | false, message, n | nil (end);
** with the positions option, positions[0] is where the record starts */
static int reader_next(lua_State *L) {
  Decoder *d = (Decoder *)luaL_checkudata(L, 1, DECODER_MT);
  int r, syntax;
  if (d->done || !d->parser_open) return 0;
  push_work_slots(L, d, 1);
  lua_settop(L, d->name_idx);
  if (d->in_doc) {                         /* anchors live per document */
    ifn_getuservalue(L, 1);
    lua_getfield(L, -1, "anchors");
    if (lua_istable(L, -1)) lua_replace(L, d->anchors_idx); else lua_pop(L, 1);
    lua_getfield(L, -1, "sizes");
    if (lua_istable(L, -1)) lua_replace(L, d->sizes_idx); else lua_pop(L, 1);
    lua_pop(L, 1);
  }
  r = decoder_next(L, d);
  if (r == 0) {
    decoder_release(d);
    return 0;
  }
  d->records++;
  ifn_getuservalue(L, 1);                  /* keep this document's anchors */
  lua_pushvalue(L, d->anchors_idx);
  lua_setfield(L, -2, "anchors");
  lua_pushvalue(L, d->sizes_idx);
  lua_setfield(L, -2, "sizes");
  lua_pop(L, 1);
  if (r > 0) {
    if (d->positions) {                    /* positions[0]: the record's */
      push_pos(L, d, d->rec_mark);
      lua_rawseti(L, d->pos_idx, 0);
    }
    lua_pushvalue(L, d->pos_idx);
    ifn_pushinteger(L, d->records);
    return 3;
  }
  syntax = d->parser.error != YAML_NO_ERROR;
  if (syntax) resync(L, d);
  else if (skip_record(L, d) < 0) {
    lua_pop(L, 1);                          /* keep the first message */
    resync(L, d);
  }
  lua_pushboolean(L, 0);
  lua_insert(L, -2);
  ifn_pushinteger(L, d->records);
  return 3;
}

static const luaL_Reg decoder_methods[] = {
  {"next", reader_next},
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
  {"open", core_open},
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
