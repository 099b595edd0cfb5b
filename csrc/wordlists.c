/*
** wordlists.c: look-ups on the word lists and the dictionary that
** wordlists.lua generates from data/match/ (see wordlists.h).
*/

#include "wordlists.h"

/* compares the N bytes at W with the string S, as strcmp would; inline,
** as most comparisons end at the first byte */
static int cmp_word(const char *w, size_t n, const char *s) {
  size_t i;
  for (i = 0; i < n; i++) {
    unsigned char a = (unsigned char)w[i], b = (unsigned char)s[i];
    if (a != b) return a < b ? -1 : 1;
  }
  return s[n] == '\0' ? 0 : -1;
}

unsigned words_lists(const char *w, size_t n) {
  size_t lo, hi;
  if (n == 0) return 0;
  lo = word_classes.from[(unsigned char)w[0]];
  hi = word_classes.from[(unsigned char)w[0] + 1];
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    int c = cmp_word(w, n, word_classes.words[mid].word);
    if (c == 0) return word_classes.words[mid].lists;
    if (c < 0) hi = mid; else lo = mid + 1;
  }
  return 0;
}

int words_in(int list, const char *w, size_t n) {
  return (words_lists(w, n) & WL_BIT(list)) != 0;
}

int words_real(const char *w, size_t n) {
  size_t lo = 0, hi = dictionary.n;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    int c = cmp_word(w, n, dictionary.text + dictionary.offsets[mid]);
    if (c == 0) return 1;
    if (c < 0) hi = mid; else lo = mid + 1;
  }
  return 0;
}
