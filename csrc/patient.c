/*
** patient.c: the fast acceptance of a patient record.
**
** kb:screen checks every record against the patient schema before any
** matching.  patient.lua holds the schema, its messages and the slow,
** careful check; this file only answers "would that check accept this
** record as it is?" for the common case, in one pass and without making
** any Lua value.  It is strict: a record it is unsure of (any metatable,
** any YAML null, anything the schema refuses) gets `false`, and the caller
** then runs the Lua check, which makes the clean copy or the message.  So
** it can only ever accept less than patient.lua, never more: messages and
** the fields named in them come from one place.
*/
#include <string.h>

#include "lua.h"
#include "lauxlib.h"

#include "compat.h"
#include "patient.h"

/* the age range patient.lua allows; any other number field is held to it
** too here, which only sends more records to the Lua check */
#define AGE_MIN 0.0
#define AGE_MAX 150.0

/* whether the value at IDX is a positive whole number <= MAX: a list key */
static int list_key(lua_State *L, int idx, lua_Number max) {
  lua_Number k;
  if (lua_type(L, idx) != LUA_TNUMBER) return 0;
  k = lua_tonumber(L, idx);
  return k >= 1 && k <= max && k == (lua_Number)(long)k;   /* bounded: no overflow */
}

/* Stack: ... list -- whether LIST is a plain list of at most MAX_ITEMS
** strings of at most MAX_TERM bytes, keys 1..n and nothing else */
static int plain_list(lua_State *L, lua_Number max_items, size_t max_term) {
  int list = lua_gettop(L), i, n = 0;
  if (lua_getmetatable(L, list)) { lua_pop(L, 1); return 0; }
  lua_pushnil(L);
  while (lua_next(L, list) != 0) {
    lua_pop(L, 1);
    if (!list_key(L, -1, max_items)) { lua_pop(L, 1); return 0; }
    n++;
  }
  for (i = 1; i <= n; i++) {       /* n distinct keys in 1..n: no gap */
    size_t len;
    lua_rawgeti(L, list, i);
    if (lua_type(L, -1) != LUA_TSTRING) { lua_pop(L, 1); return 0; }
    (void)lua_tolstring(L, -1, &len);
    lua_pop(L, 1);
    if (len > max_term) return 0;
  }
  return 1;
}

/* Stack: ... key value -- whether VALUE fits the type WANT names */
static int plain_field(lua_State *L, const char *want, lua_Number max_items,
                       size_t max_term) {
  int t = lua_type(L, -1);
  if (strcmp(want, "list") == 0)
    return t == LUA_TTABLE && plain_list(L, max_items, max_term);
  if (strcmp(want, "string") == 0)
    return t == LUA_TSTRING && ifn_rawlen(L, -1) <= max_term;
  if (strcmp(want, "boolean") == 0) return t == LUA_TBOOLEAN;
  if (strcmp(want, "number") == 0 && t == LUA_TNUMBER) {
    lua_Number v = lua_tonumber(L, -1);
    return v >= AGE_MIN && v <= AGE_MAX;                        /* NaN: no */
  }
  return 0;
}

/* core.patient_plain(p, fields, max_items, max_term) -> boolean: whether
** patient.check would accept P unchanged (no metatable, no null, every
** field known to FIELDS, the schema's name -> type table, and of that
** type, within the limits) */
static int core_patient_plain(lua_State *L) {
  lua_Number max_items;
  size_t max_term;
  luaL_checktype(L, 1, LUA_TTABLE);
  luaL_checktype(L, 2, LUA_TTABLE);
  max_items = luaL_checknumber(L, 3);
  max_term = (size_t)luaL_checkinteger(L, 4);
  lua_settop(L, 2);
  if (lua_getmetatable(L, 1)) { lua_pushboolean(L, 0); return 1; }
  lua_pushnil(L);
  while (lua_next(L, 1) != 0) {          /* ... key value */
    const char *want;
    lua_pushvalue(L, -2);
    lua_rawget(L, 2);                    /* ... key value want */
    want = lua_type(L, -1) == LUA_TSTRING && lua_type(L, -3) == LUA_TSTRING
               ? lua_tostring(L, -1) : NULL;
    lua_pop(L, 1);                       /* anchored in FIELDS */
    if (want == NULL || !plain_field(L, want, max_items, max_term)) {
      lua_pushboolean(L, 0);
      return 1;
    }
    lua_pop(L, 1);
  }
  lua_pushboolean(L, 1);
  return 1;
}

static const luaL_Reg patient_funcs[] = {
  {"patient_plain", core_patient_plain},
  {NULL, NULL}
};

void patient_open(lua_State *L) {
  ifn_setfuncs(L, patient_funcs, 0);
}
