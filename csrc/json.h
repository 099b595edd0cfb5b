/*
** json.h: strict RFC 8259 JSON text becomes Lua values, for FHIR bundles
** (one document) and for JSON patient rosters (an array or one object a
** line, read one record at a time).
*/
#ifndef IFN_JSON_H
#define IFN_JSON_H

#include "lua.h"

/* registers core.json_decode, core.json_open and the JSON reader
** metatable in the table at the top of the stack */
void json_open(lua_State *L);

#endif
