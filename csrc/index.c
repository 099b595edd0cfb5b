/*
** index.c: the term index, and where a term is matched.
**
** Matching goes in order: exact name or synonym (after normalisation),
** code (ICD-10-CM or ATC, by category: "E11.9" finds "E11"), then
** approximate: an edit distance (optimal string alignment) within a
** length-aware threshold, found through a deletion index, so that the cost
** of a query grows with the query's length, not with the lexicon's size.
** All memory is userdata blocks in the index's user value (see below):
** Lua's collector sees it and frees it with the index, so an error can
** never leak it.
*/
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

#define APPROX_MAX_LEN 48     /* longer terms are matched exactly only */
#define APPROX_MAX_EDITS 2    /* suggestions reach this far */
#define MAX_CANDIDATES 64     /* distinct terms examined per query */
#define CODE_MIN_PREFIX 3     /* "E11" is the shortest category matched */
#define MISSPELT_MIN 4        /* a shorter word is an abbreviation, not a typo */

/* ---------------------------------------------------------------------
** Memory: blocks that are userdata in the index's user value table, so
** that Lua's collector sees the index's whole size and frees it with the
** index (no __gc, nothing to leak on an error)
*/

/* Stack: ... -- makes room for N more items of SIZE bytes in the block *P
** (capacity *CAP items, USED in use) of the index at stack slot UD: a new
** block under KEY, with the old contents, replacing the old block */
static void ix_reserve(lua_State *L, int ud, const char *key, void **p,
                       size_t *cap, size_t used, size_t n, size_t size) {
  size_t want = *cap;
  void *q;
  if (used + n <= *cap) return;
  while (want < used + n) want = want ? want * 2 : 64;
  q = lua_newuserdata(L, want * size);
  if (used > 0) memcpy(q, *p, used * size);
  ifn_getuservalue(L, ud);
  lua_insert(L, -2);
  lua_setfield(L, -2, key);
  lua_pop(L, 1);
  *p = q;
  *cap = want;
}

/* ---------------------------------------------------------------------
** The hash table of terms
*/

static uint64_t hash_bytes(const char *s, size_t n) {
  uint64_t h = 14695981039346656037ULL;
  size_t i;
  for (i = 0; i < n; i++) {
    h ^= (unsigned char)s[i];
    h *= 1099511628211ULL;
  }
  return h;
}

/* An index being built: the writable views of its growing blocks (the
** index itself holds them read-only) */
typedef struct Builder {
  Index *ix;
  int ud;               /* the index's stack slot */
  char *arena;
  size_t arena_cap;
  Term *terms;
  size_t terms_cap;
  uint32_t *slots;
} Builder;

static void slots_insert(Builder *b, uint32_t t) {
  const Term *term = &b->terms[t];
  size_t mask = b->ix->nslots - 1;
  size_t i = (size_t)hash_bytes(b->arena + term->text, term->len) & mask;
  while (b->slots[i] != 0) i = (i + 1) & mask;
  b->slots[i] = t + 1;
}

/* keeps the table at most half full; returns whether it rebuilt it (with
** every term in it) */
static int slots_grow(lua_State *L, Builder *b) {
  Index *ix = b->ix;
  size_t n = ix->nslots ? ix->nslots * 2 : 256, t, cap = 0;
  if (ix->nterms * 2 < ix->nslots) return 0;
  ix_reserve(L, b->ud, "slots", (void **)&b->slots, &cap, 0, n, sizeof(uint32_t));
  memset(b->slots, 0, n * sizeof(uint32_t));
  ix->slots = b->slots;
  ix->nslots = n;
  for (t = 0; t < ix->nterms; t++) slots_insert(b, (uint32_t)t);
  return 1;
}

long index_find(const Index *ix, const char *s, size_t n, uint32_t kinds,
                int modes) {
  size_t mask, i;
  long best = -1;
  if (ix->nslots == 0) return -1;
  mask = ix->nslots - 1;
  for (i = (size_t)hash_bytes(s, n) & mask; ix->slots[i] != 0; i = (i + 1) & mask) {
    const Term *t = &ix->terms[ix->slots[i] - 1];
    if (t->len == n && (t->kinds & kinds) && (t->modes & modes) &&
        memcmp(ix->arena + t->text, s, n) == 0 &&
        (best < 0 || t->match < ix->terms[best].match))
      best = (long)(ix->slots[i] - 1);
  }
  return best;
}

static void add_term(lua_State *L, Builder *b, const char *s, size_t n,
                     uint32_t kinds, uint32_t entry, int match, int modes,
                     int present) {
  Index *ix = b->ix;
  long old = index_find(ix, s, n, kinds, 0xFF);
  Term *t;
  if (old >= 0 && b->terms[old].entry == entry && b->terms[old].match == match) {
    b->terms[old].modes |= (uint8_t)modes;
    return;
  }
  ix_reserve(L, b->ud, "arena", (void **)&b->arena, &b->arena_cap, ix->arena_len, n, 1);
  ix_reserve(L, b->ud, "terms", (void **)&b->terms, &b->terms_cap, ix->nterms, 1,
             sizeof(Term));
  ix->arena = b->arena;
  ix->terms = b->terms;
  memcpy(b->arena + ix->arena_len, s, n);
  if (match != MATCH_CODE) {                 /* bounds phrase matching */
    size_t words = 1, i;
    for (i = 0; i < n; i++) words += s[i] == ' ';
    if (words > ix->max_words) ix->max_words = words;
  }
  t = &b->terms[ix->nterms];
  t->text = (uint32_t)ix->arena_len;
  t->len = (uint32_t)n;
  t->kinds = kinds;
  t->entry = entry;
  t->match = (uint8_t)match;
  t->modes = (uint8_t)modes;
  t->present = (uint8_t)present;
  ix->arena_len += n;
  ix->nterms++;
  if (!slots_grow(L, b)) slots_insert(b, (uint32_t)(ix->nterms - 1));
}

/* ---------------------------------------------------------------------
** Codes: "F32.A" and "f32a" are the same code; "E11.9" falls in "E11"
*/

/* the upper-case letters and digits of a code, or 0 when S is not shaped
** like an ICD-10-CM or ATC code (a letter, a digit, then letters, digits
** and at most one dot, 3 to 8 characters in all) */
static size_t code_key(const char *s, size_t n, char *out) {
  size_t i, len = 0, dots = 0;
  while (n > 0 && (*s == ' ' || *s == '\t')) { s++; n--; }
  while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t')) n--;
  if (n < 3 || n > 9) return 0;
  for (i = 0; i < n; i++) {
    int c = (unsigned char)s[i];
    if (c == '.') { if (++dots > 1 || i < 3) return 0; continue; }
    if (c >= 'a' && c <= 'z') c -= 32;
    if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))) return 0;
    out[len++] = (char)c;
  }
  if (len < 3 || len > 8 || !(out[0] >= 'A' && out[0] <= 'Z') ||
      !(out[1] >= '0' && out[1] <= '9'))
    return 0;
  return len;
}

static int match_code(const Index *ix, const char *s, size_t n,
                      uint32_t kinds, Match *m) {
  char key[16];
  size_t len = code_key(s, n, key);
  for (; len >= CODE_MIN_PREFIX; len--) {
    long t = index_find(ix, key, len, kinds, MODE_CODE_BIT);
    if (t >= 0) {
      m->how = MATCH_CODE;
      m->entry = ix->terms[t].entry;
      return 1;
    }
  }
  return 0;
}

/* ---------------------------------------------------------------------
** Approximate matching
*/

/* optimal string alignment distance, or LIMIT + 1 when above LIMIT */
static int edit_distance(const char *a, size_t la, const char *b, size_t lb,
                         int limit) {
  int rows[3][APPROX_MAX_LEN + 8];
  int *pp = rows[0], *prev = rows[1], *cur = rows[2];
  size_t i, j;
  if ((la > lb ? la - lb : lb - la) > (size_t)limit) return limit + 1;
  if (lb > APPROX_MAX_LEN + 4 || la > APPROX_MAX_LEN + 4) return limit + 1;
  for (j = 0; j <= lb; j++) prev[j] = (int)j;
  for (i = 1; i <= la; i++) {
    int low = limit + 1;
    int *tmp;
    /* only a cell within LIMIT of the diagonal can hold LIMIT or less */
    size_t jlo = i > (size_t)limit ? i - (size_t)limit : 1;
    size_t jhi = i + (size_t)limit < lb ? i + (size_t)limit : lb;
    cur[0] = (int)i;
    if (jlo > 1) cur[jlo - 1] = limit + 1;
    if (jhi < lb) cur[jhi + 1] = limit + 1;
    for (j = jlo; j <= jhi; j++) {
      int cost = a[i - 1] != b[j - 1];
      int v = prev[j - 1] + cost;
      if (prev[j] + 1 < v) v = prev[j] + 1;
      if (cur[j - 1] + 1 < v) v = cur[j - 1] + 1;
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
          pp[j - 2] + 1 < v)
        v = pp[j - 2] + 1;
      cur[j] = v;
      if (v < low) low = v;
    }
    if (low > limit) return limit + 1;
    tmp = pp; pp = prev; prev = cur; cur = tmp;
  }
  return prev[lb] <= limit ? prev[lb] : limit + 1;
}

/* the most deletion variants of a term deletions() reads: 1 + n + n(n-1)/2 */
#define DELETIONS_MAX (1 + APPROX_MAX_LEN + APPROX_MAX_LEN * (APPROX_MAX_LEN - 1) / 2)

#define DEL_MULT 0x9E3779B97F4A7C15ULL  /* of the polynomial hash */

/* a bijective finaliser: spreads the polynomial hash over the high bits,
** which the radix table reads */
static uint64_t del_mix(uint64_t h) {
  h ^= h >> 33;
  h *= 0xFF51AFD7ED558CCDULL;
  h ^= h >> 33;
  return h;
}

/* The hash of every string made from S by deleting up to
** APPROX_MAX_EDITS (2) bytes, each distinct set of positions once, in
** the order: none, {0}, {0,1}, {0,2}.., {1}, {1,2}...  The hash is
** polynomial (H[i]: the hash of S[0..i), P^k: the multiplier's powers),
** so that a variant's hash is a sum of terms known beforehand, with no
** copy of the string.  Deleting byte K leaves
**   h(S - K) = H[N] + (H[K] - H[K+1]) P^(N-K-1) = H[N] + D[K],
** and deleting bytes K1 < K2 as well leaves
**   h(S - K1 - K2) = H[N] + D[K2] + (H[K1] - H[K1+1]) P^(N-K1-2)
** (all arithmetic modulo 2^64): one addition a pair.  Writes the hashes
** to OUT; returns how many (none for a term over APPROX_MAX_LEN). */
static size_t deletions(const char *s, size_t n, uint64_t out[DELETIONS_MAX]) {
  uint64_t hp[APPROX_MAX_LEN + 2], pw[APPROX_MAX_LEN + 2], one[APPROX_MAX_LEN + 1];
  size_t i, k1, k2, k = 0;
  if (n > APPROX_MAX_LEN) return 0;
  hp[0] = 0;
  pw[0] = 1;
  for (i = 0; i < n; i++) {
    hp[i + 1] = hp[i] * DEL_MULT + (unsigned char)s[i] + 1;
    pw[i + 1] = pw[i] * DEL_MULT;
  }
  for (i = 0; i < n; i++) one[i] = hp[n] + (hp[i] - hp[i + 1]) * pw[n - i - 1];
  out[k++] = del_mix(hp[n]);
  for (k1 = 0; k1 < n; k1++) {
    uint64_t d1 = k1 + 2 <= n ? (hp[k1] - hp[k1 + 1]) * pw[n - k1 - 2] : 0;
    out[k++] = del_mix(one[k1]);
    for (k2 = k1 + 1; k2 < n; k2++) out[k++] = del_mix(one[k2] + d1);
  }
  return k;
}

/* the order of deletions: by hash, then term */
static int deletion_cmp(const void *a, const void *b) {
  const Deletion *x = (const Deletion *)a, *y = (const Deletion *)b;
  if (x->hash != y->hash) return x->hash < y->hash ? -1 : 1;
  return x->term < y->term ? -1 : x->term > y->term;
}

/* Stack: ... -- a new block of N items of SIZE bytes under KEY in the user
** value of the index at UD, replacing the block there */
static void *ix_block(lua_State *L, int ud, const char *key, size_t n, size_t size) {
  void *q = lua_newuserdata(L, n > 0 ? n * size : 1);
  ifn_getuservalue(L, ud);
  lua_insert(L, -2);
  lua_setfield(L, -2, key);
  lua_pop(L, 1);
  return q;
}

/* whether term T has a place in the deletion index */
static int has_deletions(const Term *t) {
  return t->match != MATCH_CODE && t->len <= APPROX_MAX_LEN;
}

/* sorts DELS[LO..HI) by hash and term (a bucket: a few items, rarely many) */
static void sort_bucket(Deletion *dels, size_t lo, size_t hi) {
  size_t i, j;
  if (hi - lo > 16) {
    qsort(dels + lo, hi - lo, sizeof(Deletion), deletion_cmp);
    return;
  }
  for (i = lo + 1; i < hi; i++) {
    Deletion d = dels[i];
    for (j = i; j > lo && deletion_cmp(&dels[j - 1], &d) > 0; j--) dels[j] = dels[j - 1];
    dels[j] = d;
  }
}

#define COARSE_BITS 12  /* buckets of the placing pass: their cursors stay in cache */

/* Sorts coarse bucket C, DELS[LO..HI), by its fine bits (those of the
** radix bits after COARSE_BITS) through SCRATCH, then each fine bucket by
** hash and term; writes it back from *W on, without repeated pairs, and
** sets the radix entries of its fine buckets. */
static void sort_coarse(Deletion *dels, uint32_t *radix_all, size_t c, size_t lo,
                        size_t hi, size_t bits, size_t fbits, Deletion *scratch,
                        size_t *w) {
  size_t nf = (size_t)1 << fbits, f, r, start = 0;
  size_t shift = 32 - bits;
  uint32_t *radix = radix_all + (c << fbits), sum = 0;
  memset(radix, 0, nf * sizeof(uint32_t));
  for (r = lo; r < hi; r++) radix[(dels[r].hash >> shift) & (nf - 1)]++;
  for (f = 0; f < nf; f++) {
    uint32_t n = radix[f];
    radix[f] = sum;
    sum += n;
  }
  for (r = lo; r < hi; r++)
    scratch[radix[(dels[r].hash >> shift) & (nf - 1)]++] = dels[r];
  for (f = 0; f < nf; f++) {               /* radix[f] is now its end */
    size_t end = radix[f], first = *w;
    sort_bucket(scratch, start, end);
    radix[f] = (uint32_t)first;
    for (r = start; r < end; r++)          /* drop repeated pairs */
      if (*w == first || deletion_cmp(&dels[*w - 1], &scratch[r]) != 0)
        dels[(*w)++] = scratch[r];
    start = end;
  }
}

/* builds the deletion index of every name and synonym, and its radix
** table: radix[b] is the first deletion whose hash has B in its top
** radix_bits bits, so that a query searches one small bucket (about
** eight deletions, and a radix table an eighth the size of the
** deletions).  A deletion keeps the top 32 bits of its hash: a bucket's
** deletions are told apart by the bits after the radix bits, and a
** candidate that shares them by chance is only measured (its edit
** distance) and dropped, never matched unmeasured.
** It is built in two passes over the terms, with no growing array and no
** global sort, so that its time and memory grow with the number of
** deletions only (an overlay of 8,000 entries with long synonyms, ~50
** million deletions, once took a minute and gigabytes): pass 1 counts the
** deletions of each coarse bucket (the top bits of the hash), pass 2 puts
** each in its bucket, and each bucket is then sorted by the radix bits
** and its repeated pairs dropped (sort_coarse). */
static void build_deletions(lua_State *L, int ud, Index *ix) {
  uint64_t hs[DELETIONS_MAX];
  uint32_t coarse[((size_t)1 << COARSE_BITS) + 1];
  size_t t, total = 0, bits = 4, cbits, nc, i, w = 0, widest = 0, lo = 0;
  Deletion *scratch, *dels;
  uint32_t *radix;
  for (t = 0; t < ix->nterms; t++) {      /* 1 + n + n(n-1)/2 each */
    size_t n = ix->terms[t].len;
    if (has_deletions(&ix->terms[t])) total += 1 + n + n * (n - 1) / 2;
  }
  if (total >= 0xFFFFFFFFu || total > (size_t)-1 / sizeof(Deletion))
    luaL_error(L, "too many names and synonyms to index (%d million deletions)",
               (int)(total >> 20));
  while (bits < 24 && ((size_t)1 << (bits + 3)) < total) bits++;
  cbits = bits < COARSE_BITS ? bits : COARSE_BITS;
  nc = (size_t)1 << cbits;
  radix = (uint32_t *)ix_block(L, ud, "radix", ((size_t)1 << bits) + 1, sizeof(uint32_t));
  dels = (Deletion *)ix_block(L, ud, "dels", total, sizeof(Deletion));
  memset(coarse, 0, sizeof coarse);
  for (t = 0; t < ix->nterms; t++) {      /* pass 1: count */
    size_t k, nh = has_deletions(&ix->terms[t]) ?
        deletions(ix->arena + ix->terms[t].text, ix->terms[t].len, hs) : 0;
    for (k = 0; k < nh; k++) coarse[hs[k] >> (64 - cbits)]++;
  }
  for (i = 0; i < nc; i++) {              /* each coarse bucket's first slot */
    uint32_t c = coarse[i];
    coarse[i] = (uint32_t)w;
    w += c;
    if (c > widest) widest = c;
  }
  scratch = (Deletion *)ix_block(L, ud, "scratch", widest, sizeof(Deletion));
  for (t = 0; t < ix->nterms; t++) {      /* pass 2: place */
    size_t k, nh = has_deletions(&ix->terms[t]) ?
        deletions(ix->arena + ix->terms[t].text, ix->terms[t].len, hs) : 0;
    for (k = 0; k < nh; k++) {
      Deletion *d = &dels[coarse[hs[k] >> (64 - cbits)]++];
      d->hash = (uint32_t)(hs[k] >> 32);
      d->term = (uint32_t)t;
    }
  }
  for (i = 0, w = 0; i < nc; i++) {       /* coarse[i] is now its end */
    sort_coarse(dels, radix, i, lo, coarse[i], bits, bits - cbits, scratch, &w);
    lo = coarse[i];
  }
  radix[(size_t)1 << bits] = (uint32_t)w;
  ix->radix = radix;
  ix->radix_bits = bits;
  ix->dels = dels;
  ix->ndels = w;
  ifn_getuservalue(L, ud);                /* the scratch block is garbage now */
  lua_pushnil(L);
  lua_setfield(L, -2, "scratch");
  lua_pop(L, 1);
}

/* ---------------------------------------------------------------------
** Misspellings: an approximate match must be a misspelt word, not another
** real word ("compensated" is not "decompensated", "confusion" is not
** "convulsion")
*/

/* the words of the knowledge base: a set of word hashes (never 0) */
static int vocab_has(const Index *ix, const char *w, size_t n) {
  size_t mask, i;
  uint64_t h = hash_bytes(w, n) | 1;
  if (ix->nvocab == 0) return 0;
  mask = ix->nvocab - 1;
  for (i = (size_t)h & mask; ix->vocab[i] != 0; i = (i + 1) & mask)
    if (ix->vocab[i] == h) return 1;
  return 0;
}

static void vocab_add(uint64_t *vocab, size_t nvocab, const char *w, size_t n) {
  size_t mask = nvocab - 1, i;
  uint64_t h = hash_bytes(w, n) | 1;
  for (i = (size_t)h & mask; vocab[i] != 0; i = (i + 1) & mask)
    if (vocab[i] == h) return;
  vocab[i] = h;
}

/* builds the set of every word of every name and synonym */
static void build_vocab(lua_State *L, int ud, Index *ix) {
  size_t words = 0, t, i, n = 64, cap = 0;
  uint64_t *vocab = NULL;
  for (t = 0; t < ix->nterms; t++) {
    if (ix->terms[t].match == MATCH_CODE) continue;
    words++;
    for (i = 0; i < ix->terms[t].len; i++) words += ix->arena[ix->terms[t].text + i] == ' ';
  }
  while (n < words * 2) n *= 2;
  ix_reserve(L, ud, "vocab", (void **)&vocab, &cap, 0, n, sizeof(uint64_t));
  memset(vocab, 0, n * sizeof(uint64_t));
  for (t = 0; t < ix->nterms; t++) {
    const char *s = ix->arena + ix->terms[t].text;
    size_t len = ix->terms[t].len, a = 0;
    if (ix->terms[t].match == MATCH_CODE) continue;
    for (i = 0; i <= len; i++) {
      if (i < len && s[i] != ' ') continue;
      if (i > a) vocab_add(vocab, n, s + a, i - a);
      a = i + 1;
    }
  }
  ix->vocab = vocab;
  ix->nvocab = n;
}

int index_known_word(const Index *ix, const char *w, size_t n) {
  return vocab_has(ix, w, n) || words_real(w, n);
}

static int starts_with(const char *w, size_t n, const char *p, size_t pl) {
  return n >= pl && memcmp(w, p, pl) == 0;
}

/* whether A is B with a prefix that reverses its meaning ("decompensated"
** and "compensated", "nonsmoker" and "smoker"), or the two begin with
** opposite prefixes ("hypothyroid" and "hyperthyroid") */
static int reverses(const char *a, size_t an, const char *b, size_t bn) {
  const WordList *r = &word_lists[WL_REVERSING], *o = &word_lists[WL_OPPOSITE];
  size_t i;
  for (i = 0; i < r->n; i++) {
    size_t pl = strlen(r->words[i]);
    if (starts_with(a, an, r->words[i], pl) && !starts_with(b, bn, r->words[i], pl) &&
        edit_distance(a + pl, an - pl, b, bn, 1) <= 1)
      return 1;
    if (starts_with(b, bn, r->words[i], pl) && !starts_with(a, an, r->words[i], pl) &&
        edit_distance(b + pl, bn - pl, a, an, 1) <= 1)
      return 1;
  }
  for (i = 0; i < o->n; i++) {
    const char *x = o->words[i], *y = strchr(x, ' ') + 1;
    if (starts_with(a, an, x, (size_t)(y - 1 - x)) && starts_with(b, bn, y, strlen(y)))
      return 1;
  }
  return 0;
}

/* whether A is B with an inflection ending, or B is A with one
** ("fatigued" and "fatigue") */
static int inflects(const char *a, size_t an, const char *b, size_t bn) {
  const char *longer = an > bn ? a : b;
  size_t ln = an > bn ? an : bn, sn = an > bn ? bn : an;
  return sn >= 4 && memcmp(a, b, sn) == 0 && words_in(WL_INFLECTION, longer + sn, ln - sn);
}

/* the first letter of the word of T (N bytes) that is closest to the
** query word W: the one at the same place among T's words, else T's first */
static char first_letter(const char *t, size_t n, const char *w, size_t wl) {
  size_t j, b = 0;
  char best = t[0];
  int bestd = 99;
  for (j = 0; j <= n; j++) {
    int d;
    if (j < n && t[j] != ' ') continue;
    d = edit_distance(w, wl, t + b, j - b, 2);
    if (d < bestd) { bestd = d; best = t[b]; }
    b = j + 1;
  }
  return best;
}

/* whether A and B differ only in their spaces */
static int same_letters(const char *a, size_t an, const char *b, size_t bn) {
  size_t i = 0, j = 0;
  for (;;) {
    while (i < an && a[i] == ' ') i++;
    while (j < bn && b[j] == ' ') j++;
    if (i == an || j == bn) return i == an && j == bn;
    if (a[i++] != b[j++]) return 0;
  }
}

/* Whether query Q may be a misspelling of term T: 1 when the two differ
** only in spacing, or when every word of Q that T lacks is no real word
** (neither in the dictionary nor in the knowledge base), has four letters
** or more and begins as its word in T does (people rarely misspell the
** first letter; "famciclovir" is not "ganciclovir"); 0 when not (T is
** then only suggested); -1 when a word is one of T's with a reversing
** prefix (not even suggested). */
static int misspelling_of(const Index *ix, const char *q, size_t qn, const Term *t) {
  const char *ts = ix->arena + t->text;
  size_t i, a = 0;
  int real = 0;
  if (same_letters(q, qn, ts, t->len)) return 1;   /* "depress ion" */
  for (i = 0; i <= qn; i++) {
    size_t wl = i - a, j, b = 0;
    int shared = 0;
    if (i < qn && q[i] != ' ') continue;
    for (j = 0; j <= t->len && !shared; j++) {     /* is it a word of T? */
      if (j < t->len && ts[j] != ' ') continue;
      shared = (j - b == wl && memcmp(ts + b, q + a, wl) == 0) ||
               inflects(q + a, wl, ts + b, j - b);
      b = j + 1;
    }
    if (!shared) {
      if (wl < MISSPELT_MIN || q[a] != first_letter(ts, t->len, q + a, wl))
        real = 1;                  /* "es" for "pm", "famciclovir" for "ganciclovir" */
      for (j = 0, b = 0; j <= t->len; j++) {
        if (j < t->len && ts[j] != ' ') continue;
        if (reverses(q + a, wl, ts + b, j - b)) return -1;
        b = j + 1;
      }
      real |= index_known_word(ix, q + a, wl);
    }
    a = i + 1;
  }
  return real ? 0 : 1;
}

typedef struct QueryCtx {
  const Index *ix;
  const char *q;
  size_t qlen;
  uint32_t kinds;
  int modes;
  int nseen;
  uint32_t seen[MAX_CANDIDATES];
  int dist[MAX_CANDIDATES];
} QueryCtx;

/* measures term T, met through a deletion, once per query */
static void candidate(QueryCtx *q, uint32_t t) {
  const Index *ix = q->ix;
  const Term *term = &ix->terms[t];
  int i;
  if (!(term->kinds & q->kinds) || !(term->modes & q->modes)) return;
  for (i = 0; i < q->nseen && q->seen[i] != t; i++) {}
  if (i < q->nseen || q->nseen == MAX_CANDIDATES) return;
  q->seen[q->nseen] = t;
  q->dist[q->nseen++] = edit_distance(q->q, q->qlen, ix->arena + term->text,
                                      term->len, APPROX_MAX_EDITS);
}

/* measures every term that shares a deletion variant with the query,
** from the variants' hashes HS (N of them) */
static void query(QueryCtx *q, const uint64_t *hs, size_t n) {
  const Index *ix = q->ix;
  const uint32_t *radix = ix->radix;
  size_t i, shift = 32 - ix->radix_bits;
  for (i = 0; i < n; i++) {
    uint32_t key = (uint32_t)(hs[i] >> 32);  /* as build_deletions keeps it */
    size_t b = (size_t)(key >> shift);
    size_t lo = radix[b], end = radix[b + 1], hi = end;
    if (ix->dels16 != NULL) {   /* the 16 bits after the bucket's; about eight a bucket */
      const Deletion16 *d = ix->dels16;
      uint16_t k16 = (uint16_t)(key >> (DELETION16_MAX_BITS - ix->radix_bits));
      while (lo < end && d[lo].hash < k16) lo++;
      for (; lo < end && d[lo].hash == k16; lo++) candidate(q, d[lo].term);
      continue;
    }
    while (lo < hi) {                        /* first deletion >= key */
      size_t mid = lo + (hi - lo) / 2;
      if (ix->dels[mid].hash < key) lo = mid + 1; else hi = mid;
    }
    for (; lo < end && ix->dels[lo].hash == key; lo++) candidate(q, ix->dels[lo].term);
  }
}

/* the edits an approximate match may need, by the length of the term */
static int approx_threshold(size_t len) {
  return len < 5 ? 0 : len < 9 ? 1 : 2;
}

/* the order of suggestions: fewer edits, then the text */
static int better(const Index *ix, const QueryCtx *q, int a, int b) {
  const Term *x = &ix->terms[q->seen[a]], *y = &ix->terms[q->seen[b]];
  int c;
  size_t n = x->len < y->len ? x->len : y->len;
  if (q->dist[a] != q->dist[b]) return q->dist[a] < q->dist[b];
  c = memcmp(ix->arena + x->text, ix->arena + y->text, n);
  return c != 0 ? c < 0 : x->len < y->len;
}

/* how far a suggestion may be: one edit for a short term, else two */
static int suggestion_reach(size_t len) {
  return len <= 4 ? 1 : APPROX_MAX_EDITS;
}

static void add_suggestion(Match *m, uint32_t e) {
  int j;
  for (j = 0; j < m->nsugg && m->sugg[j] != e; j++) {}
  if (j == m->nsugg && m->nsugg < INDEX_MAX_SUGGESTIONS) m->sugg[m->nsugg++] = e;
}

static void match_approx(const Index *ix, const char *q, size_t n,
                         uint32_t kinds, int modes, Match *m) {
  QueryCtx ctx;
  uint64_t hs[DELETIONS_MAX];
  int order[MAX_CANDIDATES], i, j, k, best_ties = 0;
  if (n > APPROX_MAX_LEN || n == 0 || ix->radix == NULL) return;
  ctx.ix = ix; ctx.q = q; ctx.qlen = n; ctx.kinds = kinds; ctx.modes = modes;
  ctx.nseen = 0;
  query(&ctx, hs, deletions(q, n, hs));
  for (i = 0, k = 0; i < ctx.nseen; i++) {   /* insertion sort, kept ones */
    if (ctx.dist[i] > APPROX_MAX_EDITS) continue;
    for (j = k++; j > 0 && better(ix, &ctx, i, order[j - 1]); j--)
      order[j] = order[j - 1];
    order[j] = i;
  }
  if (k == 0) return;
  for (i = 0; i < k && ctx.dist[order[i]] == ctx.dist[order[0]]; i++)
    if (ix->terms[ctx.seen[order[i]]].entry != ix->terms[ctx.seen[order[0]]].entry)
      best_ties++;
  if (ctx.dist[order[0]] <= approx_threshold(n) && best_ties == 0 &&
      misspelling_of(ix, q, n, &ix->terms[ctx.seen[order[0]]]) > 0) {
    m->how = MATCH_APPROXIMATE;
    m->entry = ix->terms[ctx.seen[order[0]]].entry;
    return;
  }
  for (i = 0; i < k && m->nsugg < INDEX_MAX_SUGGESTIONS; i++) {
    const Term *t = &ix->terms[ctx.seen[order[i]]];
    if (ctx.dist[order[i]] > suggestion_reach(n)) break;
    if (misspelling_of(ix, q, n, t) >= 0) add_suggestion(m, t->entry);
  }
}

/* ---------------------------------------------------------------------
** Matching
*/

/* whether a normalised medication ends in a time of day ("lorazepam pm"),
** which the normaliser keeps after a name since it may be part of it
** ("tylenol pm") */
static int ends_with_time(const char *s, int n) {
  return n > 3 && s[n - 3] == ' ' && (s[n - 2] == 'a' || s[n - 2] == 'p') &&
         s[n - 1] == 'm';
}

void index_match(const Index *ix, const char *text, size_t len,
                 uint32_t kinds, int mode, Match *m) {
  char norm[NORM_MAX + 1];
  int n = norm_term(text, len, mode, norm);
  int modes = mode == NORM_MEDICATION ? MODE_MEDICATION_BIT : MODE_PLAIN_BIT;
  long t;
  m->how = MATCH_NONE;
  m->nsugg = 0;
  if (n > 0 && (t = index_find(ix, norm, (size_t)n, kinds, modes)) < 0 &&
      mode == NORM_MEDICATION && ends_with_time(norm, n)) {
    n -= 3;                                  /* not a product: a dose time */
    norm[n] = '\0';
    t = index_find(ix, norm, (size_t)n, kinds, modes);
  }
  if (n > 0 && t >= 0) {
    m->how = ix->terms[t].match;
    m->entry = ix->terms[t].entry;
    return;
  }
  if (match_code(ix, text, len, kinds, m)) return;
  if (n > 0) match_approx(ix, norm, (size_t)n, kinds, modes, m);
}

/* ---------------------------------------------------------------------
** Lua functions
*/

/* Stack: ... spec -- adds the terms of one entry:
** { entry = N, kind = BIT, names = { name, synonym... }, codes = {...},
**   medication = BOOL } */
static void add_entry(lua_State *L, Builder *b, int spec) {
  uint32_t entry, kinds;
  int medication, present, i, n;
  char norm[NORM_MAX + 1];
  lua_getfield(L, spec, "entry");
  lua_getfield(L, spec, "kind");
  lua_getfield(L, spec, "medication");
  lua_getfield(L, spec, "present");
  entry = (uint32_t)lua_tonumber(L, -4);
  kinds = (uint32_t)lua_tonumber(L, -3);
  medication = lua_toboolean(L, -2);
  present = lua_toboolean(L, -1);
  lua_pop(L, 4);
  lua_getfield(L, spec, "names");
  n = (int)ifn_rawlen(L, -1);
  for (i = 1; i <= n; i++) {
    size_t len;
    const char *s;
    int nl, match = i == 1 ? MATCH_EXACT : MATCH_SYNONYM;
    lua_rawgeti(L, -1, i);
    s = luaL_checklstring(L, -1, &len);
    if ((nl = norm_term(s, len, NORM_PLAIN, norm)) > 0)
      add_term(L, b, norm, (size_t)nl, kinds, entry, match, MODE_PLAIN_BIT, present);
    if (medication && (nl = norm_term(s, len, NORM_MEDICATION, norm)) > 0)
      add_term(L, b, norm, (size_t)nl, kinds, entry, match, MODE_MEDICATION_BIT,
               present);
    lua_pop(L, 1);
  }
  lua_pop(L, 1);
  lua_getfield(L, spec, "codes");
  n = lua_istable(L, -1) ? (int)ifn_rawlen(L, -1) : 0;
  for (i = 1; i <= n; i++) {
    size_t len, kl;
    const char *s;
    lua_rawgeti(L, -1, i);
    s = luaL_checklstring(L, -1, &len);
    if ((kl = code_key(s, len, norm)) > 0)
      add_term(L, b, norm, kl, kinds, entry, MATCH_CODE, MODE_CODE_BIT, present);
    lua_pop(L, 1);
  }
  lua_pop(L, 1);
}

/* Stack: ... tables -- ... index: a new empty index with TABLES (checked)
** as its user value, which also keeps its memory blocks */
static Index *new_index(lua_State *L) {
  static const char *const keys[] = {"concerns", "ids", "names", NULL};
  const char *const *k;
  int tables = lua_gettop(L);
  Index *ix = (Index *)ifn_newuserdata(L, sizeof(Index));
  memset(ix, 0, sizeof *ix);
  luaL_getmetatable(L, INDEX_MT);
  lua_setmetatable(L, -2);
  lua_newtable(L);                            /* the blocks and the tables */
  for (k = keys; *k != NULL; k++) {
    lua_getfield(L, tables, *k);
    luaL_argcheck(L, lua_istable(L, -1), 2, "tables of concerns, ids and names expected");
    lua_setfield(L, -2, *k);
  }
  ifn_setuservalue(L, -2);
  lua_remove(L, tables);
  return ix;
}

void index_push_image(lua_State *L, const Index *src) {
  Index *ix = new_index(L);
  *ix = *src;
}

void index_prepare(lua_State *L, int ud) {
  Index *ix = (Index *)luaL_checkudata(L, ud, INDEX_MT);
  if (ix->radix == NULL) build_deletions(L, ud, ix);
}

/* core.index(specs, tables) -> index: SPECS is an array of entry specs;
** TABLES is { concerns =, ids =, names = }, by entry number, which
** screening reads (kept in the index's user value beside its memory
** blocks).  The term table is built here; the deletion index when the
** first approximate query needs it (index_prepare). */
static int core_index(lua_State *L) {
  Builder b;
  int i, n;
  luaL_checktype(L, 1, LUA_TTABLE);
  luaL_checktype(L, 2, LUA_TTABLE);
  lua_settop(L, 2);
  memset(&b, 0, sizeof b);
  b.ix = new_index(L);                        /* in slot 2 */
  b.ud = 2;
  n = (int)ifn_rawlen(L, 1);
  for (i = 1; i <= n; i++) {
    lua_rawgeti(L, 1, i);
    luaL_argcheck(L, lua_istable(L, -1), 1, "entry specs must be tables");
    add_entry(L, &b, lua_gettop(L));
    lua_pop(L, 1);
  }
  slots_grow(L, &b);
  build_vocab(L, b.ud, b.ix);
  lua_settop(L, b.ud);
  return 1;
}

static const char *const match_names[] = {NULL, "exact", "synonym", "code",
                                           "approximate", "partial"};

const char *index_match_name(int how) {
  return how > MATCH_NONE && how <= MATCH_PARTIAL ? match_names[how] : "none";
}

/* Stack: ... -> ... suggestions: the entries of M's suggestions and of
** the hits of P that are not the patient's ("denies SI"), at most
** INDEX_MAX_SUGGESTIONS */
static void push_suggestions(lua_State *L, Match *m, const Phrase *p) {
  int i;
  for (i = 0; p != NULL && i < p->nhits; i++) add_suggestion(m, p->hits[i].entry);
  lua_createtable(L, m->nsugg, 0);
  for (i = 0; i < m->nsugg; i++) {
    ifn_pushinteger(L, m->sugg[i]);
    lua_rawseti(L, -2, i + 1);
  }
}

/* index:match(text, kinds [, "medication" [, phrase]]) -> entry, how |
** nil, { entry... }; PHRASE reads the words of a term that names nothing
** as a whole (phrase_read): one entry named, as the patient's own, is the
** answer ("partial" when words are left over) */
static int index_match_lua(lua_State *L) {
  static const char *const modes[] = {"plain", "medication", NULL};
  Index *ix = (Index *)luaL_checkudata(L, 1, INDEX_MT);
  size_t len;
  const char *s = luaL_checklstring(L, 2, &len);
  uint32_t kinds = (uint32_t)luaL_checknumber(L, 3);
  int mode = luaL_checkoption(L, 4, "plain", modes);
  Phrase *p = NULL;
  Match m;
  index_match(ix, s, len, kinds, mode, &m);
  if (m.how == MATCH_NONE && ix->radix == NULL) {  /* the first approximate query */
    index_prepare(L, 1);
    index_match(ix, s, len, kinds, mode, &m);
  }
  if (m.how == MATCH_NONE && lua_toboolean(L, 5)) {
    p = (Phrase *)lua_newuserdata(L, sizeof(Phrase));   /* scratch */
    phrase_read(ix, s, len, kinds, mode, p);
    if (p->nhits == 1 && p->hits[0].raised) {
      m.how = p->rest_len > 0 ? MATCH_PARTIAL : p->hits[0].how;
      m.entry = p->hits[0].entry;
    }
  }
  if (m.how != MATCH_NONE) {
    ifn_pushinteger(L, m.entry);
    lua_pushstring(L, match_names[m.how]);
    return 2;
  }
  lua_pushnil(L);
  push_suggestions(L, &m, p);
  return 2;
}

/* index:stats() -> terms, deletions, bytes (for the benchmark and tests):
** BYTES is the size of the index's memory blocks, or, for the build-time
** image's index, of its constant arrays */
static int index_stats(lua_State *L) {
  Index *ix = (Index *)luaL_checkudata(L, 1, INDEX_MT);
  size_t bytes = 0;
  ifn_getuservalue(L, 1);
  lua_pushnil(L);
  while (lua_next(L, -2)) {
    if (lua_type(L, -1) == LUA_TUSERDATA) bytes += ifn_rawlen(L, -1);
    lua_pop(L, 1);
  }
  if (bytes == 0 && ix->nterms > 0)          /* the image's: constant data */
    bytes = ix->arena_len + ix->nterms * sizeof(Term) + ix->nslots * sizeof(uint32_t) +
            ix->ndels * (ix->dels16 ? sizeof(Deletion16) : sizeof(Deletion)) +
            (((size_t)1 << ix->radix_bits) + 1) *
            sizeof(uint32_t) + ix->nvocab * sizeof(uint64_t);
  ifn_pushinteger(L, ix->nterms);
  ifn_pushinteger(L, ix->ndels);
  ifn_pushinteger(L, bytes);
  return 3;
}

static const luaL_Reg index_methods[] = {
  {"match", index_match_lua},
  {"screen", screen_index},
  {"stats", index_stats},
  {NULL, NULL}
};

void index_open(lua_State *L) {
  ifn_newclass(L, INDEX_MT, NULL, index_methods);
  lua_pushcfunction(L, core_index);
  lua_setfield(L, -2, "index");
}
