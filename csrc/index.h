/*
** index.h: the term index of a knowledge base.  Every name, synonym and
** code of every entry, normalised, in a hash table; and a deletion index
** (SymSpell's method) that finds the entries within two edits of a
** misspelt term without scanning the lexicon.  An index built at run time
** keeps its memory in userdata blocks in the index's user value, which
** Lua's collector sees; the bundled knowledge base's index is built at
** build time (image.h) and its arrays are constant data in the module.
*/
#ifndef IFN_INDEX_H
#define IFN_INDEX_H

#include <stddef.h>
#include <stdint.h>

#include "lua.h"

#define INDEX_MT "interferon.index"

enum { MATCH_NONE, MATCH_EXACT, MATCH_SYNONYM, MATCH_CODE, MATCH_APPROXIMATE,
       MATCH_PARTIAL };

/* how a term was normalised when it was indexed */
enum { MODE_PLAIN_BIT = 1, MODE_MEDICATION_BIT = 2, MODE_CODE_BIT = 4 };

#define INDEX_MAX_SUGGESTIONS 3

typedef struct Term {
  uint32_t text;        /* offset of the normalised text in the arena */
  uint32_t len;
  uint32_t kinds;       /* bit of the entry's kind */
  uint32_t entry;       /* entry number, 1-based */
  uint8_t match;        /* MATCH_EXACT (the name), _SYNONYM or _CODE */
  uint8_t modes;        /* MODE_*_BIT */
  uint8_t present;      /* the entry is a present state (pregnancy): its
                           history is not the entry */
} Term;

typedef struct Deletion {
  uint32_t hash;        /* the low bits of the hash of the term with some
                           characters deleted (its top bits are the radix
                           bucket the deletion is in) */
  uint32_t term;
} Deletion;

/* A deletion of the build-time image, where its terms and radix buckets
** are few enough: the 16 bits of the hash after the radix bits, and the
** term.  Half the size: an approximate lookup touches fewer pages. */
typedef struct Deletion16 {
  uint16_t hash;
  uint16_t term;
} Deletion16;

#define DELETION16_MAX_BITS 16      /* the most radix bits it allows */
#define DELETION16_MAX_TERMS 65536

/* Read-only once built: every array is a userdata block, or constant data
** of the module (the build-time image). */
typedef struct Index {
  const char *arena;    /* the normalised texts */
  size_t arena_len;
  const Term *terms;
  size_t nterms;
  const uint32_t *slots;      /* open addressing: term number + 1, or 0 */
  size_t nslots;
  const Deletion *dels;       /* sorted by bucket, hash and term */
  size_t ndels;
  const uint32_t *radix;      /* first deletion of each top-bits bucket, and
                                 end; NULL until the first approximate query
                                 needs the deletions */
  size_t radix_bits;
  size_t max_words;     /* the most words in one name or synonym */
  const uint64_t *vocab;      /* hashes of every word of the terms: a set */
  size_t nvocab;
  const Deletion16 *dels16;   /* in place of DELS, in an image where they fit */
} Index;

/* what a query resolved to */
typedef struct Match {
  int how;              /* MATCH_* */
  uint32_t entry;
  int nsugg;            /* suggestions, when how == MATCH_NONE */
  uint32_t sugg[INDEX_MAX_SUGGESTIONS];
} Match;

/* Resolves TEXT against the terms of the given kinds: exact or synonym,
** then code, then approximate. MODE is NORM_PLAIN or NORM_MEDICATION. */
void index_match(const Index *ix, const char *text, size_t len,
                 uint32_t kinds, int mode, Match *m);

/* the best term with this normalised text, of the given kinds and modes
** (MODE_*_BIT): the name before a synonym; -1 when there is none */
long index_find(const Index *ix, const char *s, size_t n, uint32_t kinds,
                int modes);

/* whether the word of N bytes at W is a real word: of the dictionary or
** of the knowledge base's terms */
int index_known_word(const Index *ix, const char *w, size_t n);

/* makes the deletion index of the index at stack slot UD, if it has none
** yet: approximate matching needs it (index_match does without it) */
void index_prepare(lua_State *L, int ud);

/* Stack: ... tables -- ... index: a new index over the constant arrays of
** SRC (the build-time image), with TABLES ({ concerns =, ids =, names = })
** as its user value */
void index_push_image(lua_State *L, const Index *src);

/* "exact", "synonym", "code", "approximate" or "partial" */
const char *index_match_name(int how);

/* registers core.index and the index metatable in the table at the top */
void index_open(lua_State *L);

#endif
