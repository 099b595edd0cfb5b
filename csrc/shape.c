/*
** shape.c: where an entry of a knowledge-base file is quickly seen to be
** well formed.
**
** The schema (lua/interferon/schema.lua) and its messages live in Lua.
** Checking every key of every entry there costs a Lua call per value, and
** nearly every entry is good; core.check_shape answers "certainly good"
** for an entry in one C call.  It may refuse a good value (a text that
** starts with a space): the compiler then runs the full check, which
** finds the first problem in file order or none.  It never accepts a
** value the schema refuses.
*/
#include <math.h>

#include "lua.h"
#include "lauxlib.h"

#include "compat.h"
#include "shape.h"

/* the shapes a value may be asked to have (schema.SHAPE); any other
** shape is a set: a table whose keys are the values allowed */
enum { SHAPE_TEXT = 1, SHAPE_TEXTS, SHAPE_SOME_TEXTS, SHAPE_FLAG, SHAPE_YEAR };

/* a string with a first byte that is not a space nor a control: a
** non-blank text (others are left to the full check) */
static int shape_text(lua_State *L, int idx) {
  size_t n;
  const char *s;
  if (lua_type(L, idx) != LUA_TSTRING) return 0;
  s = lua_tolstring(L, idx, &n);
  return n > 0 && (unsigned char)s[0] > 32;
}

/* a list of such texts, of at least MIN items, and no other key (a
** mapping is not a list) */
static int shape_texts(lua_State *L, int idx, size_t min) {
  size_t i, n, keys = 0;
  int ok = 1;
  if (lua_type(L, idx) != LUA_TTABLE) return 0;
  n = (size_t)ifn_rawlen(L, idx);
  for (i = 1; ok && i <= n; i++) {
    lua_rawgeti(L, idx, (int)i);
    ok = shape_text(L, -1);
    lua_pop(L, 1);
  }
  lua_pushnil(L);
  while (ok && lua_next(L, idx) != 0) {    /* n keys 1..n: nothing else */
    lua_pop(L, 1);
    keys++;
  }
  if (!ok) lua_pop(L, 1);                  /* the nil, when lua_next did not run */
  return ok && keys == n && n >= min;
}

/* a year: a string (such as "n.d.") or a finite whole number */
static int shape_year(lua_State *L, int idx) {
  lua_Number v;
  if (lua_type(L, idx) == LUA_TSTRING) return 1;
  if (lua_type(L, idx) != LUA_TNUMBER) return 0;
  v = lua_tonumber(L, idx);
  return v - v == 0 && floor(v) == v;
}

/* whether the value at VAL has the shape at SHAPE */
static int shape_fits(lua_State *L, int val, int shape) {
  int ok;
  if (lua_type(L, shape) == LUA_TTABLE) {
    lua_pushvalue(L, val);
    lua_rawget(L, shape);
    ok = lua_type(L, -1) == LUA_TBOOLEAN && lua_toboolean(L, -1);
    lua_pop(L, 1);
    return ok;
  }
  switch ((int)lua_tonumber(L, shape)) {
    case SHAPE_TEXT: return shape_text(L, val);
    case SHAPE_TEXTS: return shape_texts(L, val, 0);
    case SHAPE_SOME_TEXTS: return shape_texts(L, val, 1);
    case SHAPE_FLAG: return lua_type(L, val) == LUA_TBOOLEAN;
    case SHAPE_YEAR: return shape_year(L, val);
    default: return 0;
  }
}

/* core.check_shape(entry, allowed, shapes) -> true when every key of
** ENTRY is true in ALLOWED and its value has the shape SHAPES gives it,
** else false (the full check then says what is wrong, if anything).
** Stack while it walks: entry allowed shapes key value [shape] */
static int core_check_shape(lua_State *L) {
  int ok = 1;
  luaL_checktype(L, 1, LUA_TTABLE);
  luaL_checktype(L, 2, LUA_TTABLE);
  luaL_checktype(L, 3, LUA_TTABLE);
  lua_settop(L, 3);
  lua_pushnil(L);
  while (ok && lua_next(L, 1)) {
    lua_pushvalue(L, 4);
    lua_rawget(L, 2);
    ok = lua_type(L, -1) == LUA_TBOOLEAN && lua_toboolean(L, -1);
    lua_pop(L, 1);
    if (ok) {
      lua_pushvalue(L, 4);
      lua_rawget(L, 3);
      ok = shape_fits(L, 5, 6);
      lua_pop(L, 1);
    }
    lua_pop(L, 1);                              /* the value: key stays */
  }
  lua_pushboolean(L, ok);
  return 1;
}

static const luaL_Reg shape_funcs[] = {
  {"check_shape", core_check_shape},
  {NULL, NULL}
};

void shape_open(lua_State *L) {
  ifn_setfuncs(L, shape_funcs, 0);
}
