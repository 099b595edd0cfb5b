/*
** compat.h: the few Lua C API differences between 5.1 (and LuaJIT), 5.2,
** 5.3 and 5.4 that interferon.core needs, in one place so that the other
** files can be written against the 5.4 API.
*/
#ifndef IFN_COMPAT_H
#define IFN_COMPAT_H

#include "lua.h"
#include "lauxlib.h"

#if LUA_VERSION_NUM < 502
/* Lua 5.1 and LuaJIT: no luaL_setfuncs, rawlen, or user values */
#define ifn_rawlen(L, i) lua_objlen((L), (i))
#define ifn_newuserdata(L, sz) lua_newuserdata((L), (sz))
#define ifn_setuservalue(L, i) lua_setfenv((L), (i))
#define ifn_getuservalue(L, i) lua_getfenv((L), (i))
void ifn_setfuncs(lua_State *L, const luaL_Reg *l, int nup);
#define IFN_NEED_SETFUNCS 1
#else
#define ifn_rawlen(L, i) lua_rawlen((L), (i))
#define ifn_setfuncs(L, l, nup) luaL_setfuncs((L), (l), (nup))
#if LUA_VERSION_NUM >= 504
#define ifn_newuserdata(L, sz) lua_newuserdatauv((L), (sz), 1)
#define ifn_setuservalue(L, i) lua_setiuservalue((L), (i), 1)
#define ifn_getuservalue(L, i) ((void)lua_getiuservalue((L), (i), 1))
#else
#define ifn_newuserdata(L, sz) lua_newuserdata((L), (sz))
#define ifn_setuservalue(L, i) lua_setuservalue((L), (i))
#define ifn_getuservalue(L, i) ((void)lua_getuservalue((L), (i)))
#endif
#endif

#if LUA_VERSION_NUM < 503
/* integers: 5.1 and 5.2 have only lua_Number; push whole numbers as such */
#define ifn_pushinteger(L, n) lua_pushnumber((L), (lua_Number)(n))
typedef long long ifn_Integer;
#else
#define ifn_pushinteger(L, n) lua_pushinteger((L), (lua_Integer)(n))
typedef lua_Integer ifn_Integer;
#endif

/* registers the metatable NAME for a userdata class: METAMETHODS (or
** NULL) in it, METHODS as its __index, NAME as its __name */
void ifn_newclass(lua_State *L, const char *name, const luaL_Reg *metamethods,
                  const luaL_Reg *methods);

#endif
