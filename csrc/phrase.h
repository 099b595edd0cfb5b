/*
** phrase.h: the phrase reader, where a term that names no entry as a
** whole is read word by word ("hx of depression", "denies SI",
** "lorazepam (Ativan) 1 mg", "not sleeping, wants to kill himself").
*/
#ifndef IFN_PHRASE_H
#define IFN_PHRASE_H

#include <stddef.h>
#include <stdint.h>

#include "index.h"
#include "normalize.h"

#define PHRASE_MAX_HITS 8     /* most entries named in one term */

/* an entry named inside the phrase */
typedef struct PhraseHit {
  uint32_t entry;
  uint32_t term;        /* the term of its first run */
  int how;              /* MATCH_EXACT or MATCH_SYNONYM: how its words name it */
  int context;          /* CTX_NONE, CTX_HISTORY, CTX_NEGATION, CTX_FAMILY,
                           CTX_ALLERGY (wordlists.h) */
  int raised;           /* whether it is the patient's own, now or before */
  size_t start, len;    /* its words, in Phrase.text */
} PhraseHit;

typedef struct Phrase {
  char text[PHRASE_MAX + 1];   /* the term, normalised */
  size_t len;
  int nhits;
  PhraseHit hits[PHRASE_MAX_HITS];
  char rest[PHRASE_MAX + 4];   /* its content words that no hit accounts for */
  size_t rest_len;
} Phrase;

/* Reads the term S (N bytes) as the patient field of the given KINDS and
** normalisation MODE would: the entries its runs of words name (longest
** first), each with the context around it (negation, history, family,
** allergy, scoped to its clause), and the words left over that are
** neither dose, form, salt, filler nor context words. */
void phrase_read(const Index *ix, const char *s, size_t n, uint32_t kinds,
                 int mode, Phrase *p);

#endif
