/*
** decode.h: YAML text becomes Lua values (libyaml events, no intermediate
** tree), for knowledge-base files and for patient streams.
*/
#ifndef IFN_DECODE_H
#define IFN_DECODE_H

#include "lua.h"

/* the value a YAML null decodes to (a light userdata, as lua-cjson's) */
void decode_pushnull(lua_State *L);

/* registers core.decode, core.open, core.null, core.POS_LINE and the
** reader metatable in the table at the top of the stack */
void decode_open(lua_State *L);

#endif
