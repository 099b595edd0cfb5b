/*
** image.c: reading the build-time image of the bundled knowledge base
** (core.image), and writing the C source of an index for it
** (core.index_source, used by csrc/image.lua at build time only).
*/
#define _POSIX_C_SOURCE 200112L

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "lua.h"
#include "lauxlib.h"

#include "compat.h"
#include "image.h"
#include "index.h"

/* ---------------------------------------------------------------------
** Reading: the value stream back into Lua tables
*/

typedef struct Reader {
  const Image *im;
  size_t pos;
  int refs;             /* stack slot of the shared tables, by number */
  int nrefs;
} Reader;

static uint32_t next_word(lua_State *L, Reader *r) {
  if (r->pos >= r->im->nops) luaL_error(L, "the knowledge-base image is cut short");
  return r->im->ops[r->pos++];
}

static void push_string(lua_State *L, const Image *im, uint32_t k) {
  if (k >= im->nstrings) luaL_error(L, "the knowledge-base image names string %d of %d",
                                    (int)k, (int)im->nstrings);
  lua_pushlstring(L, im->strings + im->string_at[k],
                  im->string_at[k + 1] - im->string_at[k]);
}

/* Stack: ... -- ... value: the value at the reader's position */
static void push_value(lua_State *L, Reader *r, int depth) {
  uint32_t w = next_word(L, r), payload = w >> 3, i, nhash;
  if (depth > IMG_MAX_DEPTH) luaL_error(L, "the knowledge-base image nests too deep");
  luaL_checkstack(L, 4, "knowledge-base image");
  switch (w & 7) {
    case IMG_STRING: push_string(L, r->im, payload); return;
    case IMG_INTEGER: ifn_pushinteger(L, payload); return;
    case IMG_TRUE: lua_pushboolean(L, 1); return;
    case IMG_FALSE: lua_pushboolean(L, 0); return;
    case IMG_NUMBER:
      push_string(L, r->im, payload);
      lua_pushnumber(L, lua_tonumber(L, -1));
      lua_remove(L, -2);
      return;
    case IMG_REF:
      if ((int)payload >= r->nrefs) luaL_error(L, "the knowledge-base image refers ahead");
      lua_rawgeti(L, r->refs, (int)payload + 1);
      return;
    default: break;                          /* a table */
  }
  nhash = next_word(L, r);
  lua_createtable(L, (int)payload, (int)nhash);
  if ((w & 7) == IMG_SHARED) {
    lua_pushvalue(L, -1);
    lua_rawseti(L, r->refs, ++r->nrefs);
  }
  for (i = 1; i <= payload; i++) {
    push_value(L, r, depth + 1);
    lua_rawseti(L, -2, (int)i);
  }
  for (i = 0; i < nhash; i++) {
    push_value(L, r, depth + 1);
    push_value(L, r, depth + 1);
    lua_rawset(L, -3);
  }
}

/* Stack: ... -- ... value: the value of the stream at POS, read on its own
** (a value shares tables only within itself) */
static size_t push_at(lua_State *L, const Image *im, size_t pos) {
  Reader r;
  lua_newtable(L);                           /* its shared tables */
  r.im = im;
  r.pos = pos;
  r.refs = lua_gettop(L);
  r.nrefs = 0;
  push_value(L, &r, 0);
  lua_remove(L, r.refs);
  return r.pos;
}

/* __index of the entries table: (entries, id) -> the entry, read from the
** image when first asked for and kept in ENTRIES; upvalue 1 is the state's
** `number` (id -> entry number) */
static int entry_index(lua_State *L) {
  const Image *im = interferon_image;
  lua_Number n;
  lua_settop(L, 2);
  if (lua_type(L, 2) != LUA_TSTRING) return 0;
  lua_pushvalue(L, 2);
  lua_rawget(L, lua_upvalueindex(1));
  n = lua_tonumber(L, -1);
  if (im == NULL || n < 1 || n > (lua_Number)im->nentries) return 0;
  push_at(L, im, im->entry_at[(size_t)n - 1]);
  lua_pushvalue(L, 2);
  lua_pushvalue(L, -2);
  lua_rawset(L, 1);
  return 1;
}

/* Tells the system that the N bytes at P are read at random (the deletion
** index: each approximate query probes a few scattered places), so that it
** need not read ahead around each page touched.  Only advice: a system
** that ignores it loses nothing (measured here: an exact lookup's command
** peaks at 4.4 MB with it, 5.0 MB without). */
static void read_at_random(const void *p, size_t n) {
  long page = sysconf(_SC_PAGESIZE);
  uintptr_t a, b;
  if (page <= 0 || n == 0) return;
  a = (uintptr_t)p & ~(uintptr_t)(page - 1);
  b = ((uintptr_t)p + n + (uintptr_t)page - 1) & ~(uintptr_t)(page - 1);
  (void)posix_madvise((void *)a, b - a, POSIX_MADV_RANDOM);
}

/* core.image() -> { lua =, jit =, module =, state =, index = } | nil: the
** state is the compiled knowledge base's ({ entries, ids, number,
** concerns, names, version, checksum } and, made at build time, implying,
** flags and references); its entries are read when first asked for.  The
** index has the state's concerns, ids and names as its tables.  A fresh
** copy at each call. */
static int core_image(lua_State *L) {
  const Image *im = interferon_image;
  if (im == NULL) {
    lua_pushnil(L);
    return 1;
  }
  lua_createtable(L, 0, 5);
  lua_pushstring(L, im->lua);
  lua_setfield(L, -2, "lua");
  lua_pushstring(L, im->jit);
  lua_setfield(L, -2, "jit");
  lua_pushstring(L, im->module);
  lua_setfield(L, -2, "module");
  if (push_at(L, im, 0) != (im->nentries > 0 ? im->entry_at[0] : im->nops) ||
      !lua_istable(L, -1))
    luaL_error(L, "the knowledge-base image's state does not end where its entries begin");
  lua_createtable(L, 0, 0);                  /* entries, read on demand */
  lua_createtable(L, 0, 1);
  lua_getfield(L, -3, "number");
  lua_pushcclosure(L, entry_index, 1);
  lua_setfield(L, -2, "__index");
  lua_setmetatable(L, -2);
  lua_setfield(L, -2, "entries");
  lua_pushvalue(L, -1);
  lua_setfield(L, -3, "state");              /* result, state */
  if (im->index->dels16 != NULL)
    read_at_random(im->index->dels16, im->index->ndels * sizeof(Deletion16));
  else
    read_at_random(im->index->dels, im->index->ndels * sizeof(Deletion));
  read_at_random(im->index->radix, (((size_t)1 << im->index->radix_bits) + 1) *
                 sizeof(uint32_t));
  index_push_image(L, im->index);            /* its tables: the state's */
  lua_setfield(L, -2, "index");
  return 1;
}

/* ---------------------------------------------------------------------
** Writing: an index as C source (build time)
*/

#define PER_LINE 12

static void add_f(luaL_Buffer *b, const char *fmt, unsigned long long a,
                  unsigned long long c) {
  char s[96];
  snprintf(s, sizeof s, fmt, a, c);
  luaL_addstring(b, s);
}

static void add_end(luaL_Buffer *b, size_t i, size_t n) {
  luaL_addstring(b, i + 1 == n ? "\n" : (i + 1) % PER_LINE == 0 ? ",\n  " : ",");
}

/* "static const TYPE NAME[] = {" for N items (C has no empty arrays: one
** zero then) */
static void open_array(luaL_Buffer *b, const char *type, const char *name, size_t n) {
  luaL_addstring(b, "static const ");
  luaL_addstring(b, type);
  luaL_addstring(b, " ");
  luaL_addstring(b, name);
  luaL_addstring(b, n == 0 ? "[1] = {0" : "[] = {\n  ");
}

/* a uint32_t array NAME of the N numbers at A */
static void add_u32s(luaL_Buffer *b, const char *name, const uint32_t *a, size_t n) {
  size_t i;
  open_array(b, "uint32_t", name, n);
  for (i = 0; i < n; i++) {
    add_f(b, "%llu", a[i], 0);
    add_end(b, i, n);
  }
  luaL_addstring(b, "};\n");
}

/* core.index_source(index) -> the C source of the index's arrays and of a
** `static const Index image_index` over them */
static int core_index_source(lua_State *L) {
  const Index *ix;
  luaL_Buffer b;
  size_t i;
  int compact;
  index_prepare(L, 1);
  ix = (const Index *)luaL_checkudata(L, 1, INDEX_MT);
  luaL_buffinit(L, &b);
  open_array(&b, "unsigned char", "image_arena", ix->arena_len);
  for (i = 0; i < ix->arena_len; i++) {
    add_f(&b, "%llu", (unsigned char)ix->arena[i], 0);
    add_end(&b, i, ix->arena_len);
  }
  luaL_addstring(&b, "};\n");
  open_array(&b, "Term", "image_terms", ix->nterms);
  for (i = 0; i < ix->nterms; i++) {
    const Term *t = &ix->terms[i];
    add_f(&b, "{%llu,%llu,", t->text, t->len);
    add_f(&b, "%llu,%llu,", t->kinds, t->entry);
    add_f(&b, "%llu,%llu,", t->match, t->modes);
    add_f(&b, "%llu}", t->present, 0);
    add_end(&b, i, ix->nterms);
  }
  luaL_addstring(&b, "};\n");
  add_u32s(&b, "image_slots", ix->slots, ix->nslots);
  compact = ix->radix_bits <= DELETION16_MAX_BITS && ix->nterms <= DELETION16_MAX_TERMS;
  open_array(&b, compact ? "Deletion16" : "Deletion", "image_dels", ix->ndels);
  for (i = 0; i < ix->ndels; i++) {        /* Deletion16: as query reads it */
    if (compact)
      add_f(&b, "{%llu,%llu}", (uint16_t)(ix->dels[i].hash >> (DELETION16_MAX_BITS -
            ix->radix_bits)), ix->dels[i].term);
    else
      add_f(&b, "{%lluu,%llu}", ix->dels[i].hash, ix->dels[i].term);
    add_end(&b, i, ix->ndels);
  }
  luaL_addstring(&b, "};\n");
  add_u32s(&b, "image_radix", ix->radix, ((size_t)1 << ix->radix_bits) + 1);
  open_array(&b, "uint64_t", "image_vocab", ix->nvocab);
  for (i = 0; i < ix->nvocab; i++) {
    add_f(&b, "0x%llxULL", ix->vocab[i], 0);
    add_end(&b, i, ix->nvocab);
  }
  luaL_addstring(&b, "};\n");
  luaL_addstring(&b, "static const Index image_index = {\n  (const char *)image_arena, ");
  add_f(&b, "%llu, image_terms, %llu, image_slots, ", ix->arena_len, ix->nterms);
  add_f(&b, "%llu, ", ix->nslots, 0);
  luaL_addstring(&b, compact ? "NULL" : "image_dels");
  add_f(&b, ", %llu, image_radix, ", ix->ndels, 0);
  add_f(&b, "%llu, %llu, image_vocab, ", ix->radix_bits, ix->max_words);
  add_f(&b, "%llu, ", ix->nvocab, 0);
  luaL_addstring(&b, compact ? "image_dels\n};\n" : "NULL\n};\n");
  luaL_pushresult(&b);
  return 1;
}

void image_open(lua_State *L) {
  lua_pushcfunction(L, core_image);
  lua_setfield(L, -2, "image");
  lua_pushcfunction(L, core_index_source);
  lua_setfield(L, -2, "index_source");
}
