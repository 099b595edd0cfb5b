/*
** wordlists.h: the matcher's word lists, context phrases and dictionary,
** generated at build time by wordlists.lua from data/match/ and a word
** list of real words (Debian's wamerican), and the look-ups on them.
*/
#ifndef IFN_WORDLISTS_H
#define IFN_WORDLISTS_H

#include <stddef.h>
#include <stdint.h>

/* the sections of data/match/words.txt, in this order */
enum { WL_DOSE, WL_FORM, WL_SALT, WL_CATION, WL_FILLER, WL_REVERSING,
       WL_INFLECTION, WL_OPPOSITE, WL_COUNT };

/* the kinds of data/match/context.txt, numbered from 1 in this order */
enum { CTX_NONE, CTX_NEGATION, CTX_NEGATION_AFTER, CTX_HISTORY, CTX_FAMILY,
       CTX_ALLERGY, CTX_ALLERGY_AFTER, CTX_BLOCK, CTX_BOUNDARY };

typedef struct WordList {
  const char *const *words;   /* sorted, ended by NULL */
  size_t n;
} WordList;

/* every word of every list once, sorted, with the lists that hold it */
typedef struct ClassedWord {
  const char *word;
  unsigned lists;             /* bits (1 << WL_*) */
} ClassedWord;

typedef struct WordClasses {
  const ClassedWord *words;
  const uint16_t *from;       /* [b]..[b + 1]: the words of first byte b */
} WordClasses;

typedef struct ContextRule {
  int kind;                   /* CTX_* */
  const char *phrase;         /* normalised words */
} ContextRule;

typedef struct Dictionary {
  const char *text;           /* the words, each ended by '\0', sorted */
  const uint32_t *offsets;    /* where each word starts */
  size_t n;
} Dictionary;

extern const WordList word_lists[WL_COUNT];
extern const WordClasses word_classes;
extern const ContextRule context_rules[];     /* ended by kind 0 */
extern const Dictionary dictionary;

/* the lists that hold the N bytes at W as a word: bits (1 << WL_*) */
unsigned words_lists(const char *w, size_t n);

/* whether the N bytes at W are a word of list LIST (WL_*) */
int words_in(int list, const char *w, size_t n);

/* the bit of list LIST in words_lists */
#define WL_BIT(list) (1u << (list))

/* whether the N bytes at W are a real word of the dictionary */
int words_real(const char *w, size_t n);

#endif
