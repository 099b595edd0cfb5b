/*
** core.c: luaopen_interferon_core, the one exported symbol.  Each part of
** the core registers its own functions; this file adds the bundled
** knowledge base's files (its compiled image is image.c's).
*/
#include "lua.h"
#include "lauxlib.h"

#include "bundled.h"
#include "compat.h"
#include "decode.h"
#include "digest.h"
#include "escape.h"
#include "fileio.h"
#include "image.h"
#include "index.h"
#include "json.h"
#include "near.h"
#include "normalize.h"
#include "patient.h"
#include "reader.h"
#include "shape.h"

#if defined(__GNUC__)
#define IFN_EXPORT __attribute__((visibility("default")))
#else
#define IFN_EXPORT
#endif

/* core.bundled() -> { { name = "data/kb/...", text = "..." }, ... } */
static int core_bundled(lua_State *L) {
  const BundledFile *f;
  int i = 0;
  lua_newtable(L);
  for (f = bundled_files; f->name != NULL; f++) {
    lua_createtable(L, 0, 2);
    lua_pushstring(L, f->name);
    lua_setfield(L, -2, "name");
    lua_pushlstring(L, (const char *)f->data, f->len);
    lua_setfield(L, -2, "text");
    lua_rawseti(L, -2, ++i);
  }
  return 1;
}

IFN_EXPORT int luaopen_interferon_core(lua_State *L);

int luaopen_interferon_core(lua_State *L) {
  lua_newtable(L);
  decode_open(L);
  reader_open(L);
  digest_open(L);
  normalize_open(L);
  patient_open(L);
  index_open(L);
  escape_open(L);
  fileio_open(L);
  json_open(L);
  image_open(L);
  shape_open(L);
  near_open(L);
  lua_pushcfunction(L, core_bundled);
  lua_setfield(L, -2, "bundled");
  return 1;
}
