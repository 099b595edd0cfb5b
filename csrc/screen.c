/*
** screen.c: the screening loop, where a finding is built.
**
** Each term of each patient field is matched against the index (a
** combination product part by part); each entry it resolves to raises the
** concerns the knowledge base compiled for it, one finding per concern per
** input, so that nothing is hidden, or, when it has none, is listed as
** recognised.  A term that names nothing as a whole is read word by word
** (phrase.c: "hx of depression", "denies SI").  Every input is accounted
** for: what no entry accounts for (a term, the words a partial match left
** over, a denied or a relative's condition) is listed once per input as
** unrecognised, with suggestions.  Findings are sorted by severity rank,
** then id, then input order.
*/
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lua.h"
#include "lauxlib.h"

#include "compat.h"
#include "index.h"
#include "normalize.h"
#include "phrase.h"
#include "screen.h"
#include "wordlists.h"

/* the findings a patient typically raises: the working array is made this
** size at once rather than grown (and is sorted in place) */
#define SCREEN_TYPICAL_FINDINGS 16

typedef struct Rank {
  int rank;
  const char *id;
  int seq;
} Rank;

/* the findings whose order is kept as they are made; beyond, or when a
** template's id is not a string, sort_findings reads them back */
#define SCREEN_RANKED 64

/* the slots of one screening call */
typedef struct Ctx {
  int concerns, ids, names;   /* tables from the index's user value */
  int flat;                   /* the flat templates (flat_templates) */
  int keys;                   /* the first of the KEY_* strings */
  int ranks;                  /* severity -> rank */
  int ranked;                 /* whether rank[] holds every finding */
  int implying;               /* entry id -> true (add_implied's), or 0 */
  int in_medications;         /* whether the field screened is that one */
  int marked;                 /* whether rmark[] holds every recognised */
  unsigned char fmark[SCREEN_RANKED], rmark[SCREEN_RANKED];  /* implies */
  Rank rank[SCREEN_RANKED];   /* each finding's sort key, as made */
  int patient;                /* the patient table, or 0 */
  int findings, unrec, recog; /* result arrays */
  int nfindings, nunrec, nrecog;
} Ctx;

/* the keys a finding gets besides its template's, pushed once per call
** into consecutive stack slots: a raw set with them skips interning */
enum { KEY_MATCHED, KEY_FIELD, KEY_INPUT, KEY_MATCH, KEY_ID, KEY_NAME, KEY_COUNT };
static const char *const key_names[KEY_COUNT] = {
  "matched", "field", "input", "match", "id", "name"
};

/* Stack: ... t -> ... t k: pushes key KEY, for a value and a raw set */
#define push_key(L, c, key) lua_pushvalue((L), (c)->keys + (key))

/* how one input resolved: what to say of it beyond its findings */
typedef struct Outcome {
  int field_slot;             /* the field's name, on the stack */
  int input;                  /* its stack slot */
  int matched;                /* findings or recognised entries it gave */
  int pieces;                 /* parts or words not recognised */
  char rest[PHRASE_MAX + 8];  /* those, joined */
  size_t rest_len;
  int context;                /* CTX_* of an entry named but not raised */
  Match sugg;                 /* suggestions */
} Outcome;

/* what a hit's words say: "how" and the words, for add_findings */
typedef struct Named {
  uint32_t entry;
  int how;
  int history;
  const char *words;          /* the words that named it, or NULL */
  size_t words_len;
} Named;

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

/* whether ENTRY, named in the medications field, is a drug IMPLYING
** holds: its findings and recognised terms are implying_hits' */
static int implies(lua_State *L, Ctx *c, uint32_t entry) {
  int yes;
  if (c->implying == 0 || !c->in_medications) return 0;
  lua_rawgeti(L, c->ids, (int)entry);
  lua_rawget(L, c->implying);
  yes = lua_toboolean(L, -1);
  lua_pop(L, 1);
  return yes;
}

/* Stack: ... -> ... (appends to recognized) -- an entry that raises no
** concern */
static void add_recognized(lua_State *L, Ctx *c, const Named *n, Outcome *o) {
  lua_createtable(L, 0, 5);
  push_key(L, c, KEY_FIELD);
  lua_pushvalue(L, o->field_slot);
  lua_rawset(L, -3);
  push_key(L, c, KEY_INPUT);
  lua_pushvalue(L, o->input);
  lua_rawset(L, -3);
  push_key(L, c, KEY_ID);
  lua_rawgeti(L, c->ids, (int)n->entry);
  lua_rawset(L, -3);
  push_key(L, c, KEY_NAME);
  lua_rawgeti(L, c->names, (int)n->entry);
  lua_rawset(L, -3);
  push_key(L, c, KEY_MATCH);
  lua_pushstring(L, index_match_name(n->how));
  lua_rawset(L, -3);
  if (c->nrecog < SCREEN_RANKED) c->rmark[c->nrecog] = (unsigned char)implies(L, c, n->entry);
  else c->marked = 0;
  lua_rawseti(L, c->recog, ++c->nrecog);
}

/* the registry key of the flat templates: its address, never its value */
static const char flat_key = 'f';

/* Stack: ... -> ... flat -- the table, weak in its keys, that maps an
** entry's list of concern templates to the same templates flattened, each
** an array { severity, id, key, value, key, value... }, the fields in the
** order `next` gives them: a finding is copied from it without a `next`
** per field, and gets its fields in the order it always has */
static void flat_templates(lua_State *L) {
  lua_pushlightuserdata(L, (void *)(uintptr_t)&flat_key);
  lua_rawget(L, LUA_REGISTRYINDEX);
  if (lua_istable(L, -1)) return;
  lua_pop(L, 1);
  lua_newtable(L);
  lua_createtable(L, 0, 1);
  lua_pushliteral(L, "k");
  lua_setfield(L, -2, "__mode");
  lua_setmetatable(L, -2);
  lua_pushlightuserdata(L, (void *)(uintptr_t)&flat_key);
  lua_pushvalue(L, -2);
  lua_rawset(L, LUA_REGISTRYINDEX);
}

/* Stack: ... list -> ... list flats -- LIST's templates flattened, made
** on the first use (templates are compiled once and never change) */
static void flatten(lua_State *L, Ctx *c) {
  int list = lua_gettop(L), i, k, j;
  lua_pushvalue(L, list);
  lua_rawget(L, c->flat);
  if (!lua_isnil(L, -1)) return;
  lua_pop(L, 1);
  k = (int)ifn_rawlen(L, list);
  lua_createtable(L, k, 0);
  for (i = 1; i <= k; i++) {
    lua_rawgeti(L, list, i);                /* template */
    lua_createtable(L, 16, 0);
    lua_getfield(L, -2, "severity");        /* [1], [2]: the sort keys */
    lua_rawseti(L, -2, 1);
    lua_getfield(L, -2, "id");
    lua_rawseti(L, -2, 2);
    j = 2;
    lua_pushnil(L);
    while (lua_next(L, -3) != 0) {          /* the template's fields, raw */
      lua_pushvalue(L, -2);
      lua_rawseti(L, -4, ++j);
      lua_rawseti(L, -3, ++j);
    }
    lua_rawseti(L, -3, i);
    lua_pop(L, 1);
  }
  lua_pushvalue(L, list);
  lua_pushvalue(L, -2);
  lua_rawset(L, c->flat);
}

/* Stack: ... flat -> ... flat -- notes the sort key of the finding about
** to be made from the flat template FLAT */
static void note_rank(lua_State *L, Ctx *c) {
  Rank *r;
  if (c->nfindings >= SCREEN_RANKED) { c->ranked = 0; return; }
  r = &c->rank[c->nfindings];
  lua_rawgeti(L, -1, 1);
  lua_rawget(L, c->ranks);
  r->rank = (int)lua_tonumber(L, -1);
  lua_rawgeti(L, -2, 2);
  if (lua_type(L, -1) == LUA_TSTRING) r->id = lua_tostring(L, -1);  /* anchored by the template */
  else if (lua_isnil(L, -1)) r->id = "";
  else c->ranked = 0;
  r->seq = c->nfindings + 1;
  lua_pop(L, 2);
}

/* Stack: ... -> ... (appends to findings) -- one finding per concern of
** the entry named; an entry with none is recognised */
static void add_findings(lua_State *L, Ctx *c, const Named *n, Outcome *o) {
  int i, k, imp;
  o->matched++;
  lua_rawgeti(L, c->concerns, (int)n->entry);
  k = lua_istable(L, -1) ? (int)ifn_rawlen(L, -1) : 0;
  if (k == 0) add_recognized(L, c, n, o);
  else flatten(L, c);
  imp = k > 0 ? implies(L, c, n->entry) : 0;
  for (i = 1; i <= k; i++) {
    int j, nf;
    lua_rawgeti(L, -1, i);                  /* flat template */
    nf = (int)ifn_rawlen(L, -1);
    note_rank(L, c);
    if (c->nfindings < SCREEN_RANKED) c->fmark[c->nfindings] = (unsigned char)imp;
    lua_createtable(L, 0, 14);              /* finding */
    for (j = 3; j < nf; j += 2) {
      lua_rawgeti(L, -2, j);
      lua_rawgeti(L, -3, j + 1);
      if (lua_istable(L, -1)) copy_list(L);
      lua_rawset(L, -3);
    }
    push_key(L, c, KEY_MATCHED);
    lua_rawgeti(L, c->ids, (int)n->entry);
    lua_rawset(L, -3);
    push_key(L, c, KEY_FIELD);
    lua_pushvalue(L, o->field_slot);
    lua_rawset(L, -3);
    push_key(L, c, KEY_INPUT);
    lua_pushvalue(L, o->input);
    lua_rawset(L, -3);
    push_key(L, c, KEY_MATCH);
    lua_pushstring(L, index_match_name(n->how));
    lua_rawset(L, -3);
    if (n->words != NULL) {
      lua_pushlstring(L, n->words, n->words_len);
      lua_setfield(L, -2, "words");
    }
    if (n->history) {
      lua_pushboolean(L, 1);
      lua_setfield(L, -2, "history");
    }
    lua_rawseti(L, c->findings, ++c->nfindings);
    lua_pop(L, 1);
  }
  lua_pop(L, k > 0 ? 2 : 1);
}

static const char *context_name(int ctx) {
  switch (ctx) {
    case CTX_NEGATION: return "negated";
    case CTX_FAMILY: return "family";
    case CTX_ALLERGY: return "allergy";
    case CTX_HISTORY: return "history";
    default: return NULL;
  }
}

/* notes a piece of the input that no entry accounts for: the input is then
** listed as unrecognised whatever else it gave, its text cut to fit */
static void note_piece(Outcome *o, const char *s, size_t n) {
  size_t room;
  if (n == 0) return;
  o->pieces++;                    /* counted even when its text does not fit */
  if (o->rest_len + 3 >= sizeof o->rest) return;
  if (o->rest_len > 0) { memcpy(o->rest + o->rest_len, " / ", 3); o->rest_len += 3; }
  room = sizeof o->rest - o->rest_len;
  if (n > room) n = room;
  memcpy(o->rest + o->rest_len, s, n);
  o->rest_len += n;
}

/* Stack: ... -> ... (appends to unrecognized) -- once per input: the
** pieces not recognised ("term", when only part of the input is), whether
** some of it was ("partial"), the context of an entry named but not the
** patient's own ("negated", "family", "allergy", "history") */
static void add_unrecognized(lua_State *L, Ctx *c, Outcome *o, int whole) {
  int i;
  const char *ctx = context_name(o->context);
  lua_createtable(L, 0, 6);
  lua_pushvalue(L, o->field_slot);
  lua_setfield(L, -2, "field");
  lua_pushvalue(L, o->input);
  lua_setfield(L, -2, "input");
  if (!whole && o->rest_len > 0) {
    lua_pushlstring(L, o->rest, o->rest_len);
    lua_setfield(L, -2, "term");
  }
  if (o->matched > 0) {
    lua_pushboolean(L, 1);
    lua_setfield(L, -2, "partial");
  }
  if (ctx != NULL) {
    lua_pushstring(L, ctx);
    lua_setfield(L, -2, "context");
  }
  lua_createtable(L, o->sugg.nsugg, 0);
  for (i = 0; i < o->sugg.nsugg; i++) {
    lua_rawgeti(L, c->names, (int)o->sugg.sugg[i]);
    lua_rawseti(L, -2, i + 1);
  }
  lua_setfield(L, -2, "suggestions");
  lua_rawseti(L, c->unrec, ++c->nunrec);
}

static void add_suggestions(Outcome *o, const Match *m) {
  int i, j;
  for (i = 0; i < m->nsugg; i++) {
    for (j = 0; j < o->sugg.nsugg && o->sugg.sugg[j] != m->sugg[i]; j++) {}
    if (j == o->sugg.nsugg && j < INDEX_MAX_SUGGESTIONS) o->sugg.sugg[o->sugg.nsugg++] = m->sugg[i];
  }
}

static size_t trim(const char **s, size_t n) {
  while (n > 0 && (**s == ' ' || **s == '\t')) { (*s)++; n--; }
  while (n > 0 && ((*s)[n - 1] == ' ' || (*s)[n - 1] == '\t')) n--;
  return n;
}

/* Stack: ... -- reads one part of an input word by word (phrase.c):
** each entry named as the patient's own is a finding ("partial" when
** words are left over), the rest is noted */
static void screen_phrase(lua_State *L, Ctx *c, Index *ix, Outcome *o,
                          const char *s, size_t n, uint32_t kinds, int mode,
                          const Match *whole) {
  Phrase p;
  int h, raised = 0;
  phrase_read(ix, s, n, kinds, mode, &p);
  for (h = 0; h < p.nhits; h++) {
    const PhraseHit *hit = &p.hits[h];
    Named nm;
    if (!hit->raised) {
      Match m;
      m.nsugg = 1;
      m.sugg[0] = hit->entry;
      add_suggestions(o, &m);
      if (o->context == CTX_NONE) o->context = hit->context;
      continue;
    }
    nm.entry = hit->entry;
    nm.how = p.rest_len > 0 ? MATCH_PARTIAL : hit->how;
    nm.history = hit->context == CTX_HISTORY;
    nm.words = p.text + hit->start;
    nm.words_len = hit->len;
    add_findings(L, c, &nm, o);
    raised++;
  }
  add_suggestions(o, whole);
  if (raised == 0) {
    note_piece(o, s, n);
    return;
  }
  for (h = 0; h < p.nhits; h++)         /* "denies X" beside a finding */
    if (!p.hits[h].raised) note_piece(o, p.text + p.hits[h].start, p.hits[h].len);
  note_piece(o, p.rest, p.rest_len);
}

/* Stack: ... input -- screens one term: whole, else part by part (a
** combination product), each part whole or else word by word */
static void screen_term(lua_State *L, Ctx *c, Index *ix, int field_slot,
                        uint32_t kinds, int mode, int split) {
  int nparts, i;
  size_t len, starts[NORM_MAX_PARTS], lens[NORM_MAX_PARTS];
  Outcome o;
  Match m;
  Named nm;
  const char *s;
  o.field_slot = field_slot;
  o.input = lua_gettop(L);
  o.matched = o.pieces = 0;
  o.rest_len = 0;
  o.context = CTX_NONE;
  o.sugg.nsugg = 0;
  nm.history = 0;
  nm.words = NULL;
  nm.words_len = 0;
  s = lua_tolstring(L, o.input, &len);
  index_match(ix, s, len, kinds, mode, &m);
  if (m.how != MATCH_NONE) {
    nm.entry = m.entry;
    nm.how = m.how;
    add_findings(L, c, &nm, &o);
    return;
  }
  nparts = split ? norm_split(s, len, starts, lens) : 1;
  if (nparts <= 1) {
    screen_phrase(L, c, ix, &o, s, len, kinds, mode, &m);
  } else {
    for (i = 0; i < nparts; i++) {
      const char *p = s + starts[i];
      size_t pl = trim(&p, lens[i]);
      Match pm;
      if (pl == 0) continue;
      index_match(ix, p, pl, kinds, mode, &pm);
      if (pm.how == MATCH_NONE) {
        screen_phrase(L, c, ix, &o, p, pl, kinds, mode, &pm);
        continue;
      }
      nm.entry = pm.entry;
      nm.how = pm.how;
      add_findings(L, c, &nm, &o);
    }
  }
  if (o.pieces > 0 || o.matched == 0)
    add_unrecognized(L, c, &o, nparts <= 1 && o.matched == 0);
}

/* Stack: ... fieldspec -- screens one field */
static void screen_field(lua_State *L, Ctx *c, Index *ix) {
  int spec = lua_gettop(L), i, n, mode, split, fslot;
  uint32_t kinds;
  lua_getfield(L, spec, "name");
  luaL_argcheck(L, lua_type(L, -1) == LUA_TSTRING, 2, "field spec without a name");
  fslot = lua_gettop(L);                     /* kept: the findings' "field" */
  c->in_medications = strcmp(lua_tostring(L, fslot), "medications") == 0;
  lua_getfield(L, spec, "kinds");
  kinds = (uint32_t)lua_tonumber(L, -1);
  lua_getfield(L, spec, "mode");
  mode = lua_isstring(L, -1) && strcmp(lua_tostring(L, -1), "medication") == 0
             ? NORM_MEDICATION : NORM_PLAIN;
  lua_getfield(L, spec, "split");
  split = lua_toboolean(L, -1);
  lua_pop(L, 3);
  lua_getfield(L, spec, "entries");          /* flags: entries given */
  if (lua_istable(L, -1)) {
    n = (int)ifn_rawlen(L, -1);
    lua_getfield(L, spec, "inputs");
    for (i = 1; i <= n; i++) {
      Outcome o;
      Named nm;
      lua_rawgeti(L, -1, i);
      lua_rawgeti(L, -3, i);
      o.field_slot = fslot;
      o.input = lua_gettop(L) - 1;
      o.matched = 0;
      nm.entry = (uint32_t)lua_tonumber(L, -1);
      nm.how = MATCH_EXACT;
      nm.history = 0;
      nm.words = NULL;
      add_findings(L, c, &nm, &o);
      lua_pop(L, 2);
    }
    lua_pop(L, 3);
    return;
  }
  lua_pop(L, 1);
  lua_getfield(L, spec, "items");
  if (lua_isnil(L, -1) && c->patient != 0) {  /* the patient's own list */
    lua_pop(L, 1);
    lua_pushvalue(L, fslot);
    lua_rawget(L, c->patient);
  }
  n = lua_istable(L, -1) ? (int)ifn_rawlen(L, -1) : 0;
  for (i = 1; i <= n; i++) {
    lua_rawgeti(L, -1, i);
    if (lua_type(L, -1) == LUA_TSTRING)
      screen_term(L, c, ix, fslot, kinds, mode, split);
    lua_pop(L, 1);
  }
  lua_pop(L, 2);
}

/* Stack: ... t -> ... t -- appends t.input and t[KEY] to the array at
** HITS when t is of the medications field and IMPLYING[t[KEY]] is true */
static void note_hit(lua_State *L, Ctx *c, int implying, int medications,
                     int key, int hits, int *nhits) {
  lua_pushvalue(L, c->keys + KEY_FIELD);
  lua_rawget(L, -2);
  if (lua_rawequal(L, -1, medications)) {
    lua_pushvalue(L, c->keys + key);
    lua_rawget(L, -3);                       /* ... t field id */
    lua_pushvalue(L, -1);
    lua_rawget(L, implying);
    if (lua_toboolean(L, -1)) {
      lua_pushvalue(L, c->keys + KEY_INPUT);
      lua_rawget(L, -5);
      lua_rawseti(L, hits, ++*nhits);
      lua_pushvalue(L, -2);
      lua_rawseti(L, hits, ++*nhits);
    }
    lua_pop(L, 2);
  }
  lua_pop(L, 1);
}

/* Stack: ... -> ... hits -- the medicines that may imply a condition, as
** add_implied (kb.lua) walks them: the sorted findings' inputs and entry
** ids, then the recognised terms', { input, id, input, id... } for those
** of the medications field whose entry id IMPLYING holds; nil for none
** (most patients) */
static void implying_hits(lua_State *L, Ctx *c, int implying) {
  int i, nhits = 0, hits, medications;
  lua_pushliteral(L, "medications");
  medications = lua_gettop(L);
  lua_newtable(L);
  hits = lua_gettop(L);
  if (c->ranked && c->marked) {             /* marked as they were made */
    for (i = 0; i < c->nfindings + c->nrecog; i++) {
      int f = i < c->nfindings;
      if (!(f ? c->fmark[c->rank[i].seq - 1] : c->rmark[i - c->nfindings])) continue;
      lua_rawgeti(L, f ? c->findings : c->recog, f ? i + 1 : i - c->nfindings + 1);
      lua_pushvalue(L, c->keys + KEY_INPUT);
      lua_rawget(L, -2);
      lua_rawseti(L, hits, ++nhits);
      lua_pushvalue(L, c->keys + (f ? KEY_MATCHED : KEY_ID));
      lua_rawget(L, -2);
      lua_rawseti(L, hits, ++nhits);
      lua_pop(L, 1);
    }
  }
  for (i = 1; i <= c->nfindings && !(c->ranked && c->marked); i++) {
    lua_rawgeti(L, c->findings, i);
    note_hit(L, c, implying, medications, KEY_MATCHED, hits, &nhits);
    lua_pop(L, 1);
  }
  for (i = 1; i <= c->nrecog && !(c->ranked && c->marked); i++) {
    lua_rawgeti(L, c->recog, i);
    note_hit(L, c, implying, medications, KEY_ID, hits, &nhits);
    lua_pop(L, 1);
  }
  if (nhits == 0) { lua_pop(L, 1); lua_pushnil(L); }
  lua_remove(L, medications);
}


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
  if (c->ranked) {                          /* noted as they were made */
    r = c->rank;
    lua_pushnil(L);                         /* in the userdata's place */
  } else {
    r = (Rank *)lua_newuserdata(L, sizeof(Rank) * (size_t)c->nfindings);
  }
  for (i = 0; i < c->nfindings && !c->ranked; i++) {
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
  /* in place, a cycle of the permutation at a time: place J takes the
  ** finding at R[J].seq, and the cycle's first finding waits on the stack */
  for (i = 0; i < c->nfindings; i++) {
    int j = i, k;
    if (r[i].seq < 0 || r[i].seq == i + 1) continue;     /* placed, or stays */
    lua_rawgeti(L, c->findings, i + 1);
    for (;;) {
      k = r[j].seq - 1;
      r[j].seq = -r[j].seq;                 /* placed: its sign, restored below */
      if (k == i) break;
      lua_rawgeti(L, c->findings, k + 1);
      lua_rawseti(L, c->findings, j + 1);
      j = k;
    }
    lua_rawseti(L, c->findings, j + 1);
  }
  for (i = 0; i < c->nfindings; i++)        /* implying_hits reads them */
    if (r[i].seq < 0) r[i].seq = -r[i].seq;
  lua_pop(L, 1);
}

/* index:screen(fields, ranks[, patient[, implying]]) -> findings,
** unrecognized, recognized[, hits]: FIELDS is an array of { name =, kinds
** =, mode =, split =, items = { term... } } or { name =, entries =
** { entry... }, inputs = { value... } }; a spec without items screens
** PATIENT[name] (raw), when that is a table.  With IMPLYING (entry id ->
** true), HITS as implying_hits gives them */
int screen_index(lua_State *L) {
  Index *ix = (Index *)luaL_checkudata(L, 1, INDEX_MT);
  Ctx c;
  int i, n;
  luaL_checktype(L, 2, LUA_TTABLE);
  luaL_checktype(L, 3, LUA_TTABLE);
  if (!lua_isnoneornil(L, 4)) luaL_checktype(L, 4, LUA_TTABLE);
  if (!lua_isnoneornil(L, 5)) luaL_checktype(L, 5, LUA_TTABLE);
  lua_settop(L, 5);
  index_prepare(L, 1);                     /* terms may be misspelt */
  c.patient = lua_istable(L, 4) ? 4 : 0;
  ifn_getuservalue(L, 1);
  lua_getfield(L, 6, "concerns");
  c.concerns = lua_gettop(L);
  lua_getfield(L, 6, "ids");
  c.ids = lua_gettop(L);
  lua_getfield(L, 6, "names");
  c.names = lua_gettop(L);
  luaL_argcheck(L, lua_istable(L, c.concerns) && lua_istable(L, c.ids) &&
                lua_istable(L, c.names), 1, "index without entry tables");
  flat_templates(L);
  c.flat = lua_gettop(L);
  luaL_checkstack(L, KEY_COUNT + 40, "screening");
  c.keys = lua_gettop(L) + 1;
  for (i = 0; i < KEY_COUNT; i++) lua_pushstring(L, key_names[i]);
  lua_createtable(L, SCREEN_TYPICAL_FINDINGS, 0);  /* sorted in place */
  c.findings = lua_gettop(L);
  lua_newtable(L);
  c.unrec = lua_gettop(L);
  lua_newtable(L);
  c.recog = lua_gettop(L);
  c.nfindings = c.nunrec = c.nrecog = 0;
  c.ranks = 3;
  c.ranked = 1;
  c.implying = lua_istable(L, 5) ? 5 : 0;
  c.in_medications = 0;
  c.marked = 1;
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
  lua_pushvalue(L, c.recog);
  if (lua_istable(L, 5)) {
    implying_hits(L, &c, 5);
    return 4;
  }
  return 3;
}
