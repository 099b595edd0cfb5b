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
#include <stdio.h>
#include <string.h>

#include <yaml.h>

#include "lua.h"
#include "lauxlib.h"

#include "compat.h"
#include "decode.h"
#include "reader.h"

#define READER_MT "interferon.reader"

typedef struct Reader {
  Decoder d;            /* first: a Reader is passed to libyaml as a Decoder */
  FILE *fp;             /* the file read, or NULL once closed */
  unsigned char line[4096];  /* read ahead from fp, given out line by line */
  size_t line_pos, line_len;
  long base_offset;     /* file offset at which the current parser began */
} Reader;

/* idempotent: closing twice, or a close followed by __gc, is harmless */
static int reader_close(lua_State *L) {
  Reader *r = (Reader *)luaL_checkudata(L, 1, READER_MT);
  decoder_release(&r->d);
  if (r->fp != NULL) {
    fclose(r->fp);
    r->fp = NULL;
  }
  r->d.done = 1;
  return 0;
}

/* Gives libyaml at most one line per call.  libyaml checks every byte it
** is handed at once (UTF-8, control characters), so a bad byte in a
** larger chunk would be reported before the records in front of it were
** read, and those records lost. */
static int file_read(void *data, unsigned char *buf, size_t size,
                     size_t *size_read) {
  Reader *r = (Reader *)data;
  const unsigned char *nl;
  size_t n;
  if (r->line_pos == r->line_len) {
    r->line_pos = 0;
    r->line_len = fread(r->line, 1, sizeof r->line, r->fp);
    if (r->line_len == 0) {
      *size_read = 0;
      return !ferror(r->fp);
    }
  }
  n = r->line_len - r->line_pos;
  nl = (const unsigned char *)memchr(r->line + r->line_pos, '\n', n);
  if (nl != NULL) n = (size_t)(nl - (r->line + r->line_pos)) + 1;
  if (n > size) n = size;
  memcpy(buf, r->line + r->line_pos, n);
  r->line_pos += n;
  *size_read = n;
  return 1;
}

/* the line and column of byte OFFSET of the current parser's input */
static void file_locate(Decoder *d, size_t offset, long *line, long *col) {
  Reader *r = (Reader *)d;
  long l = 0, c = 0, here = ftell(r->fp);
  size_t i;
  int ch;
  if (fseek(r->fp, r->base_offset, SEEK_SET) == 0) {
    for (i = 0; i < offset && (ch = getc(r->fp)) != EOF; i++) {
      if (ch == '\n') { l++; c = 0; }
      else if ((ch & 0xC0) != 0x80) c++;
    }
  }
  fseek(r->fp, here, SEEK_SET);
  *line = l;
  *col = c;
}

/* the byte at OFFSET of the current parser's input, or -1 */
static int file_byte_at(Decoder *d, size_t offset) {
  Reader *r = (Reader *)d;
  long here = ftell(r->fp);
  int c = -1;
  if (fseek(r->fp, r->base_offset + (long)offset, SEEK_SET) == 0) c = getc(r->fp);
  fseek(r->fp, here, SEEK_SET);
  return c;
}

/* (re)starts the parser where the file is positioned */
static int reader_start(Reader *r) {
  r->line_pos = r->line_len = 0;
  return decoder_start(&r->d);
}

/* core.open(path [, opts]) -> reader | nil, message.  The path "-" reads
** standard input, copied to a temporary file so that the reader can seek
** back to resynchronise after a syntax error. */
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
  r->d.src.read = file_read;
  r->d.src.data = r;
  r->d.src.locate = file_locate;
  r->d.src.byte_at = file_byte_at;
  decoder_set_uservalue(L, ud, 1, 0);
  if (strcmp(path, "-") == 0) {
    char buf[8192];
    size_t got;
    r->fp = tmpfile();
    while (r->fp != NULL && (got = fread(buf, 1, sizeof buf, stdin)) > 0)
      if (fwrite(buf, 1, got, r->fp) != got) break;
    if (r->fp != NULL) rewind(r->fp);
  } else {
    r->fp = fopen(path, "rb");
  }
  if (r->fp == NULL) {
    lua_pushnil(L);
    lua_pushfstring(L, "%s:1:1: cannot open file: %s", path, strerror(errno));
    return 2;
  }
  if (!reader_start(r)) return luaL_error(L, "not enough memory");
  return 1;
}

/* Skips the rest of a record whose value was refused: events until the
** stream is back outside the record. */
static int skip_record(lua_State *L, Decoder *d) {
  while (d->level > d->rec_level)
    if (decoder_next_event(L, d)) return -1;
  return 0;
}

/* After a syntax error: finds the next document marker ('---' or '...' at
** the start of a line) at or after the error line and restarts the
** parser there.  Pushes a note on where reading resumed. */
static void resync(lua_State *L, Reader *r) {
  Decoder *d = &r->d;
  long err_line = (long)d->parser.problem_mark.line, line = 0;
  char buf[4096];
  int at_start = 1;
  long off;
  if (d->parser.error == YAML_READER_ERROR) {
    long col;
    file_locate(d, d->parser.problem_offset, &err_line, &col);
  }
  if (err_line < 1) err_line = 1;              /* always make progress */
  decoder_release(d);
  if (fseek(r->fp, r->base_offset, SEEK_SET) != 0) { d->done = 1; return; }
  for (;;) {
    off = ftell(r->fp);
    if (fgets(buf, sizeof buf, r->fp) == NULL) break;
    if (at_start && line >= err_line &&
        (strncmp(buf, "---", 3) == 0 || strncmp(buf, "...", 3) == 0) &&
        (buf[3] == '\0' || buf[3] == ' ' || buf[3] == '\t' ||
         buf[3] == '\n' || buf[3] == '\r')) {
      if (buf[0] == '.') { line++; off = ftell(r->fp); }
      lua_pushfstring(L, " (skipped to line %d)", (int)(d->base_line + line + 1));
      lua_concat(L, 2);
      d->base_line += line;
      r->base_offset = off;
      fseek(r->fp, off, SEEK_SET);
      if (!reader_start(r)) d->done = 1;
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
