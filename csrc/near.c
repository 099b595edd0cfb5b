/*
** near.c: where terms of different knowledge-base files that may be one
** edit apart are found.
**
** The compiler (lua/interferon/compile.lua, check_near) refuses a term one
** edit from a term that an earlier author gave another entry.  Candidates
** come from a deletion neighbourhood: each term, and each string made by
** deleting one byte of it, as a key (a polynomial hash with its length).
** Terms are taken author by author; a term looks up its keys among the
** earlier authors' terms, then is filed under them.  This file gives the
** candidate pairs, in the order the compiler must judge them (term, then
** key, then the order the other term was filed in); the compiler judges
** each (one_edit, modes, ids) and reports the first that fails.  Only
** pairs of different authors are given: no other pair can fail.
*/
#include <stdint.h>
#include <string.h>

#include "lua.h"
#include "lauxlib.h"

#include "compat.h"
#include "near.h"

/* as compile.lua documents them: a prime under 2^25 and the base */
#define NEAR_MOD 33554393
#define NEAR_BASE 257
#define NEAR_MAXLEN 48        /* the longest term compared (compile.lua) */

/* One allocation, owned by a userdata: the hash table of keys (open
** addressing) whose slots hold the first and last filing of a key, and
** the filings, each a term and the next filing under the same key. */
typedef struct Near {
  size_t cap;                 /* slots, a power of two */
  int64_t *key;               /* key of each slot, 0 for an empty one */
  int32_t *head, *tail;       /* first and last filing of each slot */
  int32_t *term, *next;       /* of each filing */
  int32_t nfiled;
} Near;

/* fills KEYS with the key of S and of each string made by deleting one
** byte of it; returns how many (N + 1) */
static int near_keys(const unsigned char *s, int n, int64_t *keys) {
  int64_t h[NEAR_MAXLEN + 1], power[NEAR_MAXLEN + 1], full, base;
  int i;
  h[0] = 0;
  power[0] = 1;
  for (i = 1; i <= n; i++) {
    h[i] = (h[i - 1] * NEAR_BASE + s[i - 1]) % NEAR_MOD;
    power[i] = power[i - 1] * NEAR_BASE % NEAR_MOD;
  }
  full = h[n];
  keys[0] = (int64_t)n * NEAR_MOD + full;
  base = (int64_t)(n - 1) * NEAR_MOD;
  for (i = 1; i <= n; i++) {
    int64_t x = (full + (h[i - 1] - h[i]) * power[n - i]) % NEAR_MOD;
    if (x < 0) x += NEAR_MOD;                   /* Lua's % is floored */
    keys[i] = base + x;
  }
  return n + 1;
}

/* the slot of KEY: where it is, or the empty slot where it would go */
static size_t near_slot(const Near *t, int64_t key) {
  size_t i = (size_t)(((uint64_t)key * 0x9E3779B97F4A7C15ULL) >> 20) & (t->cap - 1);
  while (t->key[i] != 0 && t->key[i] != key) i = (i + 1) & (t->cap - 1);
  return i;
}

/* files term TERM under the key in slot I, unless it is the last there */
static void near_file(Near *t, size_t i, int64_t key, int32_t term) {
  int32_t f;
  if (t->key[i] != 0 && t->term[t->tail[i]] == term) return;
  f = t->nfiled++;
  t->term[f] = term;
  t->next[f] = -1;
  if (t->key[i] == 0) {
    t->key[i] = key;
    t->head[i] = f;
  } else {
    t->next[t->tail[i]] = f;
  }
  t->tail[i] = f;
}

/* the length of term I of the list at stack slot 1 that is compared */
static int near_term(lua_State *L, int i, const unsigned char **s) {
  size_t n = 0;
  lua_rawgeti(L, 1, i);
  *s = lua_type(L, -1) == LUA_TSTRING
     ? (const unsigned char *)lua_tolstring(L, -1, &n) : NULL;
  lua_pop(L, 1);                        /* the string stays in the list */
  if (*s == NULL || n < 1 || n > NEAR_MAXLEN)
    luaL_error(L, "near_candidates: term %d is not a string of 1 to %d bytes",
               i, NEAR_MAXLEN);
  return (int)n;
}

/* core.near_candidates(texts, authors) -> { t1, u1, t2, u2, ... }: TEXTS
** the terms in order, AUTHORS their authors (numbers, not decreasing);
** each pair is a term and an earlier term of another author that share a
** key.  Stack: texts authors near pairs */
static int core_near_candidates(lua_State *L) {
  int n, i, k, nkeys, pairs = 0;
  size_t total = 0, cap = 16, bytes;
  lua_Number first, last;
  int64_t keys[NEAR_MAXLEN + 1];
  Near *t;
  char *p;
  luaL_checktype(L, 1, LUA_TTABLE);
  luaL_checktype(L, 2, LUA_TTABLE);
  lua_settop(L, 2);
  n = (int)ifn_rawlen(L, 1);
  for (i = 1; i <= n; i++) {
    const unsigned char *s;
    total += (size_t)near_term(L, i, &s) + 1;
  }
  if ((int)ifn_rawlen(L, 2) != n)
    return luaL_error(L, "near_candidates: one author per term");
  if (total > 0x7fffffff / 2)
    return luaL_error(L, "near_candidates: too many terms");
  while (cap < 2 * total) cap *= 2;
  bytes = cap * (sizeof(int64_t) + 2 * sizeof(int32_t)) + total * 2 * sizeof(int32_t);
  t = (Near *)ifn_newuserdata(L, sizeof(Near) + bytes);
  p = (char *)(t + 1);
  t->cap = cap;
  t->key = (int64_t *)(void *)p;
  p += cap * sizeof(int64_t);
  t->head = (int32_t *)(void *)p;
  p += cap * sizeof(int32_t);
  t->tail = (int32_t *)(void *)p;
  p += cap * sizeof(int32_t);
  t->term = (int32_t *)(void *)p;
  p += total * sizeof(int32_t);
  t->next = (int32_t *)(void *)p;
  t->nfiled = 0;
  memset(t->key, 0, cap * sizeof(int64_t));
  lua_newtable(L);                                        /* pairs: 4 */
  lua_rawgeti(L, 2, 1);
  first = lua_tonumber(L, -1);
  lua_rawgeti(L, 2, n > 0 ? n : 1);
  last = lua_tonumber(L, -1);
  lua_pop(L, 2);
  for (i = 1; i <= n; i++) {
    const unsigned char *s;
    lua_Number author;
    int look, keep, len = near_term(L, i, &s);
    lua_rawgeti(L, 2, i);
    author = lua_tonumber(L, -1);
    lua_pop(L, 1);
    look = author > first;            /* the first author meets no earlier */
    keep = author < last;             /* the last meets no later */
    if (!look && !keep) continue;
    nkeys = near_keys(s, len, keys);
    for (k = 0; k < nkeys; k++) {
      size_t slot = near_slot(t, keys[k]);
      if (look && t->key[slot] != 0) {
        int32_t f;
        for (f = t->head[slot]; f >= 0; f = t->next[f]) {
          lua_rawgeti(L, 2, t->term[f] + 1);
          if (lua_tonumber(L, -1) != author) {
            lua_pushinteger(L, i);
            lua_rawseti(L, 4, ++pairs);
            lua_pushinteger(L, t->term[f] + 1);
            lua_rawseti(L, 4, ++pairs);
          }
          lua_pop(L, 1);
        }
      }
      if (keep) near_file(t, slot, keys[k], (int32_t)(i - 1));
    }
  }
  return 1;
}

static const luaL_Reg near_funcs[] = {
  {"near_candidates", core_near_candidates},
  {NULL, NULL}
};

void near_open(lua_State *L) {
  ifn_setfuncs(L, near_funcs, 0);
}
