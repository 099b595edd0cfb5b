/*
** probe.c: a Lua module `probe` for the start table of `make bench`.
**
** probe.count(f, ...) calls f(...) and returns what it returns.  Under
** `valgrind --tool=callgrind --instr-atstart=no --collect-atstart=no`
** only the instructions inside that call are instrumented and counted,
** so a process can build a large knowledge base at native speed (about
** 5x slower than without valgrind, not 50x) and count only the lookups
** or screens that follow.  Outside valgrind the requests cost nothing.
*/
#include <valgrind/callgrind.h>

#include "lua.h"
#include "lauxlib.h"

/* probe.count(f, ...) -> f(...); an error in f is raised again once
   counting is off */
static int probe_count(lua_State *L) {
  int status;
  luaL_checktype(L, 1, LUA_TFUNCTION);
  CALLGRIND_START_INSTRUMENTATION;
  CALLGRIND_TOGGLE_COLLECT;
  status = lua_pcall(L, lua_gettop(L) - 1, LUA_MULTRET, 0);
  CALLGRIND_TOGGLE_COLLECT;
  CALLGRIND_STOP_INSTRUMENTATION;
  if (status != 0) return lua_error(L);
  return lua_gettop(L);
}

int luaopen_probe(lua_State *L);

int luaopen_probe(lua_State *L) {
  lua_newtable(L);
  lua_pushcfunction(L, probe_count);
  lua_setfield(L, -2, "count");
  return 1;
}
