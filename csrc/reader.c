/*
** reader.c: the patient reader.  core.open(path) gives a reader whose
** next() yields one record at a time (a document, or an item of a
** top-level list) decoded by a Decoder (decode.c) over a FILE, and which
** resynchronises at the next document marker after a syntax error, so
** that one record in is always one value or one message out.  The FILE is
** owned by the reader userdata, with the parser: __gc and __close free
** them.
*/
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include <yaml.h>

#include "lua.h"
#include "lauxlib.h"

#include "compat.h"
#include "decode.h"
#include "reader.h"

#define READER_MT "interferon.reader"

/* bytes read from the file at once; the held bytes start with room for
** HOLD_MIN and grow to at most HOLD_MAX */
#define CHUNK_SIZE 8192
#define HOLD_MIN 65536
#define HOLD_MAX (16 * 1024 * 1024)

/* Offsets count the bytes given to libyaml (the file's, less any
** byte-order marks), from the start of the input.  Every byte goes
** through the hold: the bytes from the line of the last event on, which
** libyaml may still report on, and after a syntax error the bytes from
** the error on, scanned for the next document marker and given to the
** new parser again.  No seeking: pipes, FIFOs and standard input are read
** the same way as files. */
typedef struct Reader {
  Decoder d;            /* first: a Reader is passed to libyaml as a Decoder */
  FILE *fp;             /* the file read, or NULL once closed */
  int owns_fp;          /* fp is to be closed (not standard input) */
  int eof, ioerr, oom;
  int bol;              /* the next byte of the file starts a line */
  unsigned char chunk[CHUNK_SIZE];  /* read from fp, not yet held */
  size_t chunk_pos, chunk_len;
  lua_Alloc alloc;      /* the state's allocator, for the hold */
  void *alloc_ud;
  unsigned char *hold;
  size_t hold_cap, hold_len;
  size_t hold_start;    /* offset of hold[0] */
  long hold_line;       /* line of hold[0] */
  int hold_midline;     /* hold[0] is not at the start of a line */
  size_t feed;          /* offset of the next byte for libyaml */
  size_t base;          /* offset at which the current parser began */
} Reader;

/* idempotent: closing twice, or a close followed by __gc, is harmless */
static int reader_close(lua_State *L) {
  Reader *r = (Reader *)luaL_checkudata(L, 1, READER_MT);
  decoder_release(&r->d);
  if (r->fp != NULL && r->owns_fp) fclose(r->fp);
  r->fp = NULL;
  if (r->hold != NULL) r->alloc(r->alloc_ud, r->hold, r->hold_cap, 0);
  r->hold = NULL;
  r->hold_cap = r->hold_len = 0;
  r->d.done = 1;
  return 0;
}

/* ---------------------------------------------------------------------
** The hold
*/

/* reads from the file until the chunk has WANT bytes, or the file ends */
static void chunk_fill(Reader *r, size_t want) {
  size_t got;
  if (r->chunk_len - r->chunk_pos >= want || r->eof || r->fp == NULL) return;
  memmove(r->chunk, r->chunk + r->chunk_pos, r->chunk_len - r->chunk_pos);
  r->chunk_len -= r->chunk_pos;
  r->chunk_pos = 0;
  while (r->chunk_len < want && !r->eof) {
    got = fread(r->chunk + r->chunk_len, 1, CHUNK_SIZE - r->chunk_len, r->fp);
    if (got == 0) {
      r->eof = 1;
      r->ioerr = ferror(r->fp) != 0;
    }
    r->chunk_len += got;
  }
}

/* Drops the held bytes before the start of line LINE, but none at or
** after offset KEEP (then the hold starts in the middle of a line).  The
** last 3 bytes held stay: they may be the start of a line break (CR LF,
** NEL, LS, PS) whose end is not read yet. */
static void hold_drop(Reader *r, long line, size_t keep) {
  size_t i = 0, lim = keep - r->hold_start, br;
  long l = r->hold_line;
  int midline = r->hold_midline;
  while (l < line && i < lim && i + 3 <= r->hold_len) {
    unsigned char c = r->hold[i];
    br = c != '\n' && c != '\r' && c != 0xC2 && c != 0xE2 ? 0
       : decoder_break_len(r->hold + i, r->hold_len - i);
    if (br > 0) {
      if (i + br > lim) break;
      i += br;
      l++;
      midline = 0;
    } else {
      i++;
      midline = 1;
    }
  }
  if (i == 0) return;
  memmove(r->hold, r->hold + i, r->hold_len - i);
  r->hold_len -= i;
  r->hold_start += i;
  r->hold_line = l;
  r->hold_midline = midline;
}

/* Makes room for N more bytes, dropping what is no longer needed (see
** hold_drop) and growing the hold when it is more than half full after
** that; at HOLD_MAX, drops all but the bytes from KEEP on.  0 when out of
** memory. */
static int hold_room(Reader *r, size_t n, long line, size_t keep) {
  size_t cap = r->hold_cap;
  unsigned char *p;
  if (r->hold_cap - r->hold_len >= n) return 1;
  hold_drop(r, line, keep);
  if (r->hold_len + n > cap / 2) {
    while (cap < HOLD_MIN || (r->hold_len + n > cap / 2 && cap < HOLD_MAX))
      cap = cap < HOLD_MIN ? HOLD_MIN : cap * 2;
    if (r->hold_len + n > cap) {
      hold_drop(r, LONG_MAX, keep);
      if (r->hold_len + n > cap) return 0;
    }
  }
  if (cap == r->hold_cap) return 1;
  p = (unsigned char *)r->alloc(r->alloc_ud, r->hold, r->hold_cap, cap);
  if (p == NULL) return r->hold_cap - r->hold_len >= n;
  r->hold = p;
  r->hold_cap = cap;
  return 1;
}

/* Appends the next piece of the file to the hold: up to the end of a line,
** at most a chunk, skipping a byte-order mark at the start of a line.
** Bytes before line LINE or offset KEEP may be dropped.  Returns the
** number of bytes appended: 0 at the end of the file, on a read error or
** when out of memory. */
static size_t hold_append(Reader *r, long line, size_t keep) {
  const unsigned char *p, *nl;
  size_t n;
  chunk_fill(r, 3);
  if (r->bol && DECODER_BOM_LEN(r->chunk + r->chunk_pos, r->chunk_len - r->chunk_pos)) {
    r->chunk_pos += 3;
    chunk_fill(r, 1);
  }
  n = r->chunk_len - r->chunk_pos;
  if (n == 0) return 0;
  p = r->chunk + r->chunk_pos;
  nl = (const unsigned char *)memchr(p, '\n', n);
  if (nl != NULL) n = (size_t)(nl - p) + 1;
  if (!hold_room(r, n, line, keep)) {
    r->oom = 1;
    return 0;
  }
  memcpy(r->hold + r->hold_len, p, n);
  r->hold_len += n;
  r->chunk_pos += n;
  r->bol = p[n - 1] == '\n' || p[n - 1] == '\r';
  return n;
}

/* ensures that N bytes from offset AT are held, unless the file ends
** first (bytes before AT may be dropped); returns how many are */
static size_t hold_ensure(Reader *r, size_t at, size_t n) {
  while (r->hold_start + r->hold_len - at < n && hold_append(r, LONG_MAX, at) > 0) {}
  return r->hold_start + r->hold_len - at < n ? r->hold_start + r->hold_len - at : n;
}

/* Gives libyaml at most one line per call.  libyaml checks every byte it
** is handed at once (UTF-8, control characters), so a bad byte in a
** larger chunk would be reported before the records in front of it were
** read, and those records lost. */
static int reader_read(void *data, unsigned char *buf, size_t size,
                       size_t *size_read) {
  Reader *r = (Reader *)data;
  const unsigned char *p, *nl;
  size_t n;
  *size_read = 0;
  if (r->feed == r->hold_start + r->hold_len &&
      hold_append(r, r->d.base_line + r->d.mark_line, r->feed) == 0)
    return !(r->ioerr || r->oom);
  p = r->hold + (r->feed - r->hold_start);
  n = r->hold_start + r->hold_len - r->feed;
  nl = (const unsigned char *)memchr(p, '\n', n);
  if (nl != NULL) n = (size_t)(nl - p) + 1;
  if (n > size) n = size;
  memcpy(buf, p, n);
  r->feed += n;
  *size_read = n;
  return 1;
}

/* the held bytes from where the current parser began (a line start), for
** the decoder's messages */
static void reader_view(Decoder *d, DecoderView *v) {
  Reader *r = (Reader *)d;
  if (r->hold_start <= r->base) {
    v->bytes = r->hold + (r->base - r->hold_start);
    v->len = r->hold_len - (r->base - r->hold_start);
    v->offset = 0;
    v->line = 0;
    v->midline = 0;
    return;
  }
  v->bytes = r->hold;
  v->len = r->hold_len;
  v->offset = r->hold_start - r->base;
  v->line = r->hold_line - d->base_line;
  v->midline = r->hold_midline;
}

/* (re)starts the parser at offset AT, line LINE */
static int reader_start(Reader *r, size_t at, long line) {
  r->base = r->feed = at;
  r->d.base_line = line;
  return decoder_start(&r->d);
}

/* core.open(path [, opts]) -> reader | nil, message.  The path "-" reads
** standard input. */
static int core_open(lua_State *L) {
  const char *path = luaL_checkstring(L, 1);
  int opts = lua_istable(L, 2) ? 2 : 0;
  Reader *r;
  int ud;
  if (!lua_isnoneornil(L, 2)) luaL_checktype(L, 2, LUA_TTABLE);
  r = (Reader *)ifn_newuserdata(L, sizeof(Reader));
  memset(r, 0, sizeof *r);
  luaL_getmetatable(L, READER_MT);
  lua_setmetatable(L, -2);
  ud = lua_gettop(L);
  decoder_init(L, &r->d, MODE_RECORDS, opts);
  r->d.src.read = reader_read;
  r->d.src.data = r;
  r->d.src.view = reader_view;
  r->alloc = lua_getallocf(L, &r->alloc_ud);
  r->bol = 1;
  decoder_set_uservalue(L, ud, 1, 0);
  if (strcmp(path, "-") == 0) {
    r->fp = stdin;
  } else {
    r->fp = fopen(path, "rb");
    r->owns_fp = 1;
  }
  if (r->fp == NULL) {
    lua_pushnil(L);
    lua_pushfstring(L, "%s:1:1: cannot open file: %s", path, strerror(errno));
    return 2;
  }
  if (!reader_start(r, 0, 0)) return luaL_error(L, "not enough memory");
  return 1;
}

/* Skips the rest of a record whose value was refused: events until the
** stream is back outside the record. */
static int skip_record(lua_State *L, Decoder *d) {
  while (d->level > d->rec_level)
    if (decoder_next_event(L, d)) return -1;
  return 0;
}

/* whether the N bytes at P start with a document marker: '---' or '...'
** and a space, a tab, a line break or the end of the input */
static int is_marker(const unsigned char *p, size_t n) {
  return n >= 3 && (memcmp(p, "---", 3) == 0 || memcmp(p, "...", 3) == 0) &&
         (n == 3 || p[3] == ' ' || p[3] == '\t' ||
          decoder_break_len(p + 3, n - 3) > 0);
}

/* moves *AT past the end of its line, counting it in *LINE; 0 when the
** input ends first */
static int skip_line(Reader *r, size_t *at, long *line) {
  size_t n, br;
  while ((n = hold_ensure(r, *at, 3)) > 0) {
    const unsigned char *p = r->hold + (*at - r->hold_start);
    size_t held = r->hold_start + r->hold_len - *at;
    if (*p != '\n' && *p != '\r' && *p != 0xC2 && *p != 0xE2) {
      size_t i = 1;                              /* not a break: run on */
      while (i + 3 <= held && p[i] != '\n' && p[i] != '\r' && p[i] != 0xC2 &&
             p[i] != 0xE2)
        i++;
      *at += i;
      continue;
    }
    br = decoder_break_len(p, n);
    if (br > 0) {
      *at += br;
      ++*line;
      return 1;
    }
    ++*at;
  }
  return 0;
}

/* After a syntax error: finds the next document marker ('---' or '...' at
** the start of a line) at or after the error line, in what is held and
** then in the rest of the input, and restarts the parser there (after a
** '...' line).  Appends a note on where reading resumed to the message at
** the top of the stack. */
static void resync(lua_State *L, Reader *r) {
  Decoder *d = &r->d;
  long err = (long)d->parser.problem_mark.line, col, line;
  size_t at, n;
  int found = 0;
  if (d->parser.error == YAML_READER_ERROR)
    decoder_locate(d, d->parser.problem_offset, &err, &col);
  err += d->base_line;
  if (err < d->base_line + 1) err = d->base_line + 1;  /* always make progress */
  decoder_release(d);
  hold_drop(r, err, r->feed);              /* the lines before the error */
  at = r->hold_start;
  line = r->hold_line;
  if (!r->hold_midline || skip_line(r, &at, &line)) {
    do {
      if (line < err) continue;
      n = hold_ensure(r, at, 6);
      found = is_marker(r->hold + (at - r->hold_start), n);
    } while (!found && skip_line(r, &at, &line));
  }
  if (r->oom) luaL_error(L, "not enough memory");
  if (found && r->hold[at - r->hold_start] == '.' && !skip_line(r, &at, &line))
    found = 0;                                   /* '...' ends the input */
  if (!found) {
    lua_pushliteral(L, " (no later document marker: the rest of the input was skipped)");
    lua_concat(L, 2);
    d->done = 1;
    return;
  }
  lua_pushfstring(L, " (skipped to line %d)", (int)(line + 1));
  lua_concat(L, 2);
  if (!reader_start(r, at, line)) luaL_error(L, "not enough memory");
}

/* reader:next() -> value, positions, n | false, message, n | nil (end);
** with the positions option, positions[0] is where the record starts */
static int reader_next(lua_State *L) {
  Reader *rd = (Reader *)luaL_checkudata(L, 1, READER_MT);
  Decoder *d = &rd->d;
  int r, syntax;
  if (d->done || !d->parser_open) return 0;
  decoder_work_slots(L, d, 1);
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
  if (rd->oom) return luaL_error(L, "not enough memory");
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
      decoder_push_pos(L, d, d->rec_mark);
      lua_rawseti(L, d->pos_idx, 0);
    }
    lua_pushvalue(L, d->pos_idx);
    ifn_pushinteger(L, d->records);
    return 3;
  }
  syntax = d->parser.error != YAML_NO_ERROR;
  if (syntax) resync(L, rd);
  else if (skip_record(L, d) < 0) {
    lua_pop(L, 1);                          /* keep the first message */
    resync(L, rd);
  }
  lua_pushboolean(L, 0);
  lua_insert(L, -2);
  ifn_pushinteger(L, d->records);
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

static const luaL_Reg reader_funcs[] = {
  {"open", core_open},
  {NULL, NULL}
};

void reader_open(lua_State *L) {
  ifn_newclass(L, READER_MT, reader_meta, reader_methods);
  ifn_setfuncs(L, reader_funcs, 0);
}
