/*
** compat.c: the bodies behind compat.h, for the Lua versions that lack
** them, and the one userdata-class helper the core's files share.
*/
#include "lua.h"
#include "lauxlib.h"

#include "compat.h"

#ifdef IFN_NEED_SETFUNCS
/* luaL_setfuncs of Lua 5.2, for 5.1 and LuaJIT */
void ifn_setfuncs(lua_State *L, const luaL_Reg *l, int nup) {
  luaL_checkstack(L, nup + 1, "too many upvalues");
  for (; l->name != NULL; l++) {
    int i;
    for (i = 0; i < nup; i++) lua_pushvalue(L, -nup);
    lua_pushcclosure(L, l->func, nup);
    lua_setfield(L, -(nup + 2), l->name);
  }
  lua_pop(L, nup);
}
#endif

void ifn_newclass(lua_State *L, const char *name, const luaL_Reg *metamethods,
                  const luaL_Reg *methods) {
  luaL_newmetatable(L, name);
  if (metamethods != NULL) ifn_setfuncs(L, metamethods, 0);
  lua_newtable(L);
  ifn_setfuncs(L, methods, 0);
  lua_setfield(L, -2, "__index");
  lua_pushstring(L, name);
  lua_setfield(L, -2, "__name");
  lua_pop(L, 1);
}
