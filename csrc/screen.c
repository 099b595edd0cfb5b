/*
** screen.c: the screening loop, where a finding is built.
**
** Each term of each patient field is matched against the index (a
** combination product part by part); each entry it resolves to raises the
** concerns the knowledge base compiled for it, one finding per concern per
** input, so that nothing is hidden.  A term that resolves to nothing as a
** whole is tried, as a last resort, for a known term among its words
** ("hx of depression"; index_contained).  Terms that resolve to nothing
** are listed as unrecognised with suggestions.  Findings are sorted by
** severity rank, then id, then input order.
*/
#include <stdlib.h>
#include <string.h>

#include "lua.h"
#include "lauxlib.h"

#include "compat.h"
#include "index.h"
#include "normalize.h"
#include "screen.h"

static const char *const match_names[] = {NULL, "exact", "synonym", "code",
                                          "approximate"};

/* the slots of one screening call */
typedef struct Ctx {
  int concerns, ids, names;   /* tables from the index's user value */
  int findings, unrec;        /* result arrays */
  int nfindings, nunrec;
} Ctx;

/* Stack: ... list -> ... copy: the finding gets its own list, so that a
** caller changing it cannot change the knowledge base */
static void copy_list(lua_State *L) {
  int i, n = (int)ifn_rawlen(L, -1);
  lua_createtable(L, n, 0);
  for (i = 1; i <= n; i++) {
    lua_rawgeti(L, -2, i);
    lua_rawseti(L, -2, i);
  }
  lua_remove(L, -2);
}

/* Stack: ... -> ... (appends to findings) -- one finding per concern of
** ENTRY; the input string is at INPUT */
static void add_findings(lua_State *L, Ctx *c, uint32_t entry, int how,
                         const char *field, int input) {
  int i, n;
  lua_rawgeti(L, c->concerns, (int)entry);
  n = lua_istable(L, -1) ? (int)ifn_rawlen(L, -1) : 0;
  for (i = 1; i <= n; i++) {
    lua_rawgeti(L, -1, i);                  /* template */
    lua_createtable(L, 0, 12);              /* finding */
    lua_pushnil(L);
    while (lua_next(L, -3) != 0) {          /* template's fields, raw */
      if (lua_istable(L, -1)) copy_list(L);
      lua_pushvalue(L, -2);
      lua_insert(L, -2);
      lua_rawset(L, -4);
    }
    lua_rawgeti(L, c->ids, (int)entry);
    lua_setfield(L, -2, "matched");
    lua_pushstring(L, field);
    lua_setfield(L, -2, "field");
    lua_pushvalue(L, input);
    lua_setfield(L, -2, "input");
    lua_pushstring(L, match_names[how]);
    lua_setfield(L, -2, "match");
    lua_rawseti(L, c->findings, ++c->nfindings);
    lua_pop(L, 1);
  }
  lua_pop(L, 1);
}

/* Stack: ... -> ... (appends to unrecognized) */
static void add_unrecognized(lua_State *L, Ctx *c, const Match *m,
                             const char *field, int input, const char *part,
                             size_t plen) {
  int i;
  lua_createtable(L, 0, 4);
  lua_pushstring(L, field);
  lua_setfield(L, -2, "field");
  lua_pushvalue(L, input);
  lua_setfield(L, -2, "input");
  if (part != NULL) {
    lua_pushlstring(L, part, plen);
    lua_setfield(L, -2, "term");
  }
  lua_createtable(L, m->nsugg, 0);
  for (i = 0; i < m->nsugg; i++) {
    lua_rawgeti(L, c->names, (int)m->sugg[i]);
    lua_rawseti(L, -2, i + 1);
  }
  lua_setfield(L, -2, "suggestions");
  lua_rawseti(L, c->unrec, ++c->nunrec);
}

static size_t trim(const char **s, size_t n) {
  while (n > 0 && (**s == ' ' || **s == '\t')) { (*s)++; n--; }
  while (n > 0 && ((*s)[n - 1] == ' ' || (*s)[n - 1] == '\t')) n--;
  return n;
}

/* Stack: ... input -- screens one term: whole, or else part by part */
static void screen_term(lua_State *L, Ctx *c, Index *ix, const char *field,
                        uint32_t kinds, int mode, int split) {
  int input = lua_gettop(L), nparts, i;
  size_t len, starts[NORM_MAX_PARTS], lens[NORM_MAX_PARTS];
  const char *s = lua_tolstring(L, input, &len);
  Match m;
  index_match(ix, s, len, kinds, mode, &m);
  nparts = split && m.how == MATCH_NONE ? norm_split(s, len, starts, lens) : 1;
  if (nparts <= 1) {
    if (m.how == MATCH_NONE) index_contained(ix, s, len, kinds, mode, &m);
    if (m.how != MATCH_NONE) add_findings(L, c, m.entry, m.how, field, input);
    else add_unrecognized(L, c, &m, field, input, NULL, 0);
    return;
  }
  for (i = 0; i < nparts; i++) {
    const char *p = s + starts[i];
    size_t pl = trim(&p, lens[i]);
    Match pm;
    if (pl == 0) continue;
    index_match(ix, p, pl, kinds, mode, &pm);
    if (pm.how == MATCH_NONE) index_contained(ix, p, pl, kinds, mode, &pm);
    if (pm.how != MATCH_NONE) add_findings(L, c, pm.entry, pm.how, field, input);
    else add_unrecognized(L, c, &pm, field, input, p, pl);
  }
}

/* Stack: ... fieldspec -- screens one field */
static void screen_field(lua_State *L, Ctx *c, Index *ix) {
  int spec = lua_gettop(L), i, n, mode, split;
  uint32_t kinds;
  const char *field;
  lua_getfield(L, spec, "name");
  field = lua_tostring(L, -1);               /* anchored in the spec */
  lua_getfield(L, spec, "kinds");
  kinds = (uint32_t)lua_tonumber(L, -1);
  lua_getfield(L, spec, "mode");
  mode = lua_isstring(L, -1) && strcmp(lua_tostring(L, -1), "medication") == 0
             ? NORM_MEDICATION : NORM_PLAIN;
  lua_getfield(L, spec, "split");
  split = lua_toboolean(L, -1);
  lua_pop(L, 4);
  luaL_argcheck(L, field != NULL, 2, "field spec without a name");
  lua_getfield(L, spec, "entries");          /* flags: entries given */
  if (lua_istable(L, -1)) {
    n = (int)ifn_rawlen(L, -1);
    lua_getfield(L, spec, "inputs");
    for (i = 1; i <= n; i++) {
      lua_rawgeti(L, -1, i);
      lua_rawgeti(L, -3, i);
      add_findings(L, c, (uint32_t)lua_tonumber(L, -1), MATCH_EXACT, field,
                   lua_gettop(L) - 1);
      lua_pop(L, 2);
    }
    lua_pop(L, 2);
    return;
  }
  lua_pop(L, 1);
  lua_getfield(L, spec, "items");
  n = lua_istable(L, -1) ? (int)ifn_rawlen(L, -1) : 0;
  for (i = 1; i <= n; i++) {
    lua_rawgeti(L, -1, i);
    if (lua_type(L, -1) == LUA_TSTRING) screen_term(L, c, ix, field, kinds, mode, split);
    lua_pop(L, 1);
  }
  lua_pop(L, 1);
}

typedef struct Rank {
  int rank;
  const char *id;
  int seq;
} Rank;

static int rank_cmp(const void *a, const void *b) {
  const Rank *x = (const Rank *)a, *y = (const Rank *)b;
  int c;
  if (x->rank != y->rank) return x->rank < y->rank ? -1 : 1;
  c = strcmp(x->id, y->id);
  if (c != 0) return c;
  return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Stack: ... -> ... -- sorts the findings; RANKS maps severity to rank */
static void sort_findings(lua_State *L, Ctx *c, int ranks) {
  Rank *r;
  int i;
  if (c->nfindings < 2) return;
  r = (Rank *)lua_newuserdata(L, sizeof(Rank) * (size_t)c->nfindings);
  for (i = 0; i < c->nfindings; i++) {
    lua_rawgeti(L, c->findings, i + 1);
    lua_getfield(L, -1, "severity");
    lua_rawget(L, ranks);
    r[i].rank = (int)lua_tonumber(L, -1);
    lua_getfield(L, -2, "id");
    r[i].id = lua_tostring(L, -1);          /* anchored by the finding */
    r[i].id = r[i].id ? r[i].id : "";
    r[i].seq = i + 1;
    lua_pop(L, 3);
  }
  qsort(r, (size_t)c->nfindings, sizeof(Rank), rank_cmp);
  lua_createtable(L, c->nfindings, 0);
  for (i = 0; i < c->nfindings; i++) {
    lua_rawgeti(L, c->findings, r[i].seq);
    lua_rawseti(L, -2, i + 1);
  }
  lua_replace(L, c->findings);
  lua_pop(L, 1);
}

/* index:screen(fields, ranks) -> findings, unrecognized: FIELDS is an
** array of { name =, kinds =, mode =, split =, items = { term... } } or
** { name =, entries = { entry... }, inputs = { value... } } */
static int index_screen(lua_State *L) {
  Index *ix = (Index *)luaL_checkudata(L, 1, INDEX_MT);
  Ctx c;
  int i, n;
  luaL_checktype(L, 2, LUA_TTABLE);
  luaL_checktype(L, 3, LUA_TTABLE);
  lua_settop(L, 3);
  ifn_getuservalue(L, 1);
  lua_getfield(L, 4, "concerns");
  c.concerns = lua_gettop(L);
  lua_getfield(L, 4, "ids");
  c.ids = lua_gettop(L);
  lua_getfield(L, 4, "names");
  c.names = lua_gettop(L);
  luaL_argcheck(L, lua_istable(L, c.concerns) && lua_istable(L, c.ids) &&
                lua_istable(L, c.names), 1, "index without entry tables");
  lua_newtable(L);
  c.findings = lua_gettop(L);
  lua_newtable(L);
  c.unrec = lua_gettop(L);
  c.nfindings = c.nunrec = 0;
  n = (int)ifn_rawlen(L, 2);
  for (i = 1; i <= n; i++) {
    lua_rawgeti(L, 2, i);
    luaL_argcheck(L, lua_istable(L, -1), 2, "field specs must be tables");
    screen_field(L, &c, ix);
    lua_pop(L, 1);
  }
  sort_findings(L, &c, 3);
  lua_pushvalue(L, c.findings);
  lua_pushvalue(L, c.unrec);
  return 2;
}

/* index:attach(tables): { concerns =, ids =, names = } for screening,
** kept in the index's user value beside its memory blocks */
static int index_attach(lua_State *L) {
  static const char *const keys[] = {"concerns", "ids", "names", NULL};
  const char *const *k;
  luaL_checkudata(L, 1, INDEX_MT);
  luaL_checktype(L, 2, LUA_TTABLE);
  lua_settop(L, 2);
  ifn_getuservalue(L, 1);
  for (k = keys; *k != NULL; k++) {
    lua_getfield(L, 2, *k);
    lua_setfield(L, 3, *k);
  }
  return 0;
}

static const luaL_Reg screen_methods[] = {
  {"screen", index_screen},
  {"attach", index_attach},
  {NULL, NULL}
};

void screen_open(lua_State *L) {
  luaL_getmetatable(L, INDEX_MT);
  lua_getfield(L, -1, "__index");
  ifn_setfuncs(L, screen_methods, 0);
  lua_pop(L, 2);
}
