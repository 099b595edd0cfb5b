/*
** normalize.c: where a term is normalised.
**
** A term becomes lower-case ASCII words separated by single spaces:
** Latin-1 accents are folded ("Sjögren" = "sjogren"), apostrophes joined
** ("St. John's" = "st johns"), curly quotes, dashes and other punctuation
** become spaces.  In medication mode the words that describe a dose
** rather than a substance are dropped ("Xanax 0.5mg tablet BID" =
** "xanax"), and salt words too when something else remains
** ("lithium carbonate" = "lithium", but "potassium" stays).  The word
** lists are data: data/match/words.txt, compiled in (wordlists.h).
*/
#include <stdlib.h>
#include <string.h>

#include "lua.h"
#include "lauxlib.h"

#include "compat.h"
#include "normalize.h"
#include "wordlists.h"

/* the ASCII letter behind each Latin-1 letter U+00C0..U+00FF, or 0 */
static const char latin1_fold[64] = {
  'a', 'a', 'a', 'a', 'a', 'a', 'a', 'c', 'e', 'e', 'e', 'e', 'i', 'i', 'i',
  'i', 'd', 'n', 'o', 'o', 'o', 'o', 'o', 0, 'o', 'u', 'u', 'u', 'u', 'y',
  0, 's', 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'c', 'e', 'e', 'e', 'e', 'i',
  'i', 'i', 'i', 'd', 'n', 'o', 'o', 'o', 'o', 'o', 0, 'o', 'u', 'u', 'u',
  'u', 'y', 0, 'y'
};

/* what fold makes of each ASCII byte: the lower-case letter or digit it
** stands for, else AF_SEP (a separator), AF_SKIP (nothing: an apostrophe)
** or AF_DASH (a dash, which may join a letter to a number) */
enum { AF_SKIP = 0, AF_SEP = 1, AF_DASH = 2 };
static const char ascii_fold[128] = {
  1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
  1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
  1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
  1, 1, 1, 0, 1, 1, 1, 1, 1, 2, 1, 1,
  '0', '1', '2', '3', '4', '5', '6', '7', '8', '9', 1, 1,
  1, 1, 1, 1, 1, 'a', 'b', 'c', 'd', 'e', 'f', 'g',
  'h', 'i', 'j', 'k', 'l', 'm', 'n', 'o', 'p', 'q', 'r', 's',
  't', 'u', 'v', 'w', 'x', 'y', 'z', 1, 1, 1, 1, 1,
  0, 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k',
  'l', 'm', 'n', 'o', 'p', 'q', 'r', 's', 't', 'u', 'v', 'w',
  'x', 'y', 'z', 1, 1, 1, 1, 1
};

#define DOSE_LISTS (WL_BIT(WL_DOSE) | WL_BIT(WL_FORM))

/* a word of the dose or form lists of data/match/words.txt */
static int in_dose_lists(const char *w, size_t n) {
  return (words_lists(w, n) & DOSE_LISTS) != 0;
}

/* a word that only describes a dose: "500", "0", "5mg", "q8h", "2x";
** a single letter only right after a number ("1 g"), since "vitamin a"
** and "vitamin h" name substances.  LISTS: the word's lists (words_lists) */
static int is_dose_word(const char *w, unsigned lists, int after_number) {
  const char *p = w;
  if (w[0] != '\0' && w[1] == '\0' && !(w[0] >= '0' && w[0] <= '9'))
    return after_number && (lists & DOSE_LISTS) != 0;
  if (w[0] >= '0' && w[0] <= '9') {
    while (*p >= '0' && *p <= '9') p++;
    return *p == '\0' || in_dose_lists(p, strlen(p));
  }
  if (w[0] == 'q' && w[1] >= '0' && w[1] <= '9') {
    p = w + 1;
    while (*p >= '0' && *p <= '9') p++;
    return strcmp(p, "h") == 0 || strcmp(p, "hr") == 0 || strcmp(p, "hrs") == 0;
  }
  return (lists & DOSE_LISTS) != 0;
}

/* "am" and "pm" are a time of day after a dose ("1 mg PM") but part of a
** product's name after a word that stays ("Tylenol PM", "Advil PM") */
static int is_time_of_day(const char *w) {
  return strcmp(w, "am") == 0 || strcmp(w, "pm") == 0;
}

/* decodes one UTF-8 sequence at S; returns its length, or 0 if invalid */
static size_t utf8_decode(const unsigned char *s, size_t n, unsigned long *cp) {
  size_t len, i;
  unsigned long c = s[0];
  if (c < 0x80) { *cp = c; return 1; }
  if (c >= 0xC2 && c <= 0xDF) { len = 2; c &= 0x1F; }
  else if (c >= 0xE0 && c <= 0xEF) { len = 3; c &= 0x0F; }
  else if (c >= 0xF0 && c <= 0xF4) { len = 4; c &= 0x07; }
  else return 0;
  if (len > n) return 0;
  for (i = 1; i < len; i++) {
    if ((s[i] & 0xC0) != 0x80) return 0;
    c = (c << 6) | (s[i] & 0x3F);
  }
  *cp = c;
  return len;
}

/* whether OUT ends in a word of one letter ("vitamin b") */
static int single_letter_before(const char *out, int len) {
  return len >= 1 && out[len - 1] >= 'a' && out[len - 1] <= 'z' &&
         (len == 1 || out[len - 2] == ' ');
}

/* what fold makes of the ASCII character CP (< 0x80) at S[I]: a letter
** or digit (lower-case), -1 (a separator) or 0 (nothing) */
static int ascii_char(unsigned long cp, const unsigned char *s, size_t n, size_t i,
                      const char *out, int len) {
  int c = ascii_fold[cp];
  if (c == AF_DASH)                      /* "B-12" is "b12", as "D-3" is "d3" */
    return single_letter_before(out, len) && i + 1 < n && s[i + 1] >= '0' &&
           s[i + 1] <= '9' ? 0 : -1;
  return c == AF_SEP ? -1 : c;
}

/* Folds S into OUT as words separated by single spaces; returns the
** length or -1 when longer than CAP. */
static int fold(const char *s, size_t n, char *out, int cap) {
  const unsigned char *p = (const unsigned char *)s;
  size_t i = 0;
  int len = 0, gap = 0;
  while (i < n) {
    unsigned long cp = p[i];
    size_t w;
    int c = -1;                          /* -1: separator, 0: skip */
    if (cp < 0x80) {                     /* the common case: one table look-up */
      c = ascii_char(cp, p, n, i, out, len);
      if (c > 0) {
        if (len + gap + 1 > cap) return -1;
        if (gap) { out[len++] = ' '; gap = 0; }
        out[len++] = (char)c;
      } else if (c < 0) {
        gap = len > 0;
      }
      i++;
      continue;
    }
    w = utf8_decode(p + i, n - i, &cp);
    if (w == 0) { w = 1; cp = 0xFFFD; }
    if (cp < 0x80) {                     /* an overlong form: the byte it spells */
      c = ascii_char(cp, p, n, i, out, len);
    } else if (cp >= 0xC0 && cp <= 0xFF && latin1_fold[cp - 0xC0]) {
      c = latin1_fold[cp - 0xC0];
    } else if (cp == 0xB5 || cp == 0x3BC) {
      c = 'u';                           /* micro sign: ug */
    } else if (cp == 0x2018 || cp == 0x2019 || cp == 0x2BC) {
      c = 0;
    } else if (cp >= 0x370 && cp != 0xFFFD && !(cp >= 0x2000 && cp <= 0x2BFF) &&
               !(cp >= 0x3000 && cp <= 0x303F)) {
      c = 1;                             /* a letter of another script: keep */
    }
    if (c < 0) gap = len > 0;
    else if (c > 0) {
      size_t k, take = c == 1 ? w : 1;
      if (len + gap + (int)take > cap) return -1;
      if (gap) { out[len++] = ' '; gap = 0; }
      if (c == 1) for (k = 0; k < w; k++) out[len++] = (char)p[i + k];
      else out[len++] = (char)c;
    }
    i += w;
  }
  out[len] = '\0';
  return len;
}

/* drops the words of OUT for which KEEP[i] is 0; returns the new length */
static int rebuild(char *out, char **words, const int *keep, int nw) {
  char tmp[PHRASE_MAX + 1];
  int i, len = 0;
  for (i = 0; i < nw; i++) {
    size_t wl;
    if (!keep[i]) continue;
    wl = strlen(words[i]);
    if (len > 0) tmp[len++] = ' ';
    memcpy(tmp + len, words[i], wl);
    len += (int)wl;
  }
  memcpy(out, tmp, (size_t)len);
  out[len] = '\0';
  return len;
}

/* what drop_words keeps of each word */
enum { KEEP_NO, KEEP_SUBSTANCE, KEEP_SALT, KEEP_CATION };

/* whether the word before word I that stays is a substance: a cation
** after one is its salt ("losartan potassium"), before one an ingredient
** ("calcium + vitamin D") */
static int after_substance(const int *keep, int i) {
  while (--i >= 0)
    if (keep[i] != KEEP_NO && keep[i] != KEEP_SALT) return keep[i] == KEEP_SUBSTANCE;
  return 0;
}

/* medication mode: dose and form words go; a salt goes if another word
** stays ("sertraline hydrochloride"), a cation if it follows a substance
** ("losartan potassium"; but "potassium chloride" is potassium) */
static int drop_words(char *out, int len) {
  char *words[PHRASE_MAX / 2 + 1];
  int keep[PHRASE_MAX / 2 + 1];
  int nw = 0, i, kept = 0, substance = 0, cation = 0;
  char *p = out;
  if (len == 0) return 0;
  while (p != NULL) {
    words[nw++] = p;
    p = strchr(p, ' ');
    if (p != NULL) *p++ = '\0';
  }
  for (i = 0; i < nw; i++) {
    unsigned lists = words_lists(words[i], strlen(words[i]));
    int dose = is_dose_word(words[i], lists, i > 0 && words[i - 1][0] >= '0' &&
                                                words[i - 1][0] <= '9');
    if (dose && is_time_of_day(words[i]) && i > 0 && keep[i - 1])
      dose = 0;                          /* "Tylenol PM" names a product */
    keep[i] = dose ? KEEP_NO
            : lists & WL_BIT(WL_SALT) ? KEEP_SALT
            : lists & WL_BIT(WL_CATION) ? KEEP_CATION : KEEP_SUBSTANCE;
    kept += keep[i] != KEEP_NO;
    substance += keep[i] == KEEP_SUBSTANCE;
    cation += keep[i] == KEEP_CATION;
  }
  for (i = 0; i < nw; i++) {
    if (kept == 0) keep[i] = 1;          /* nothing but dose words: keep all */
    else if (keep[i] == KEEP_SALT && substance + cation > 0) keep[i] = KEEP_NO;
    else if (keep[i] == KEEP_CATION && after_substance(keep, i)) keep[i] = KEEP_NO;
  }
  return rebuild(out, words, keep, nw);
}

int norm_term_cap(const char *s, size_t n, int mode, char *out, int cap) {
  int len = fold(s, n, out, cap);
  if (len < 0 || mode != NORM_MEDICATION) return len;
  return drop_words(out, len);
}

int norm_term(const char *s, size_t n, int mode, char *out) {
  return norm_term_cap(s, n, mode, out, NORM_MAX);
}

static int is_ascii_digit(int c) { return c >= '0' && c <= '9'; }
static int is_ascii_letter(int c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* the word of letters that ends just before S[I] (BEFORE) or starts just
** after it; its length */
static size_t letter_word(const char *s, size_t n, size_t i, int before,
                          const char **w) {
  size_t a = i, b = i + 1;
  if (before) {
    while (a > 0 && is_ascii_letter((unsigned char)s[a - 1])) a--;
    *w = s + a;
    return i - a;
  }
  while (b < n && is_ascii_letter((unsigned char)s[b])) b++;
  *w = s + i + 1;
  return b - (i + 1);
}

/* a unit, dose or form word, in any case ("MG", "ML", "ACTUAT") */
static int is_unit_word(const char *w, size_t n) {
  char low[16];
  size_t k;
  if (n == 0 || n >= sizeof low) return 0;
  for (k = 0; k < n; k++) low[k] = (char)(w[k] | 0x20);
  return in_dose_lists(low, n);
}

/* whether S[I] separates two ingredients of a combination product: " / "
** as RxNorm writes it; '/' between two words that are not units
** ("hydrocodone/acetaminophen", not "MG/ML" or a strength "5/325"); '+'
** unless between digits */
static int is_part_separator(const char *s, size_t n, size_t i) {
  int before = i > 0 ? (unsigned char)s[i - 1] : 0;
  int after = i + 1 < n ? (unsigned char)s[i + 1] : 0;
  const char *w1, *w2;
  size_t l1, l2;
  if (s[i] == '+') return !(is_ascii_digit(before) && is_ascii_digit(after));
  if (s[i] != '/') return 0;
  if (before == ' ' && after == ' ') return 1;
  l1 = letter_word(s, n, i, 1, &w1);
  l2 = letter_word(s, n, i, 0, &w2);
  return l1 >= 2 && l2 >= 2 && !is_unit_word(w1, l1) && !is_unit_word(w2, l2);
}

int norm_split(const char *s, size_t n, size_t *starts, size_t *lens) {
  size_t i, from = 0;
  int parts = 0;
  for (i = 0; i <= n; i++) {
    if (i < n && !is_part_separator(s, n, i)) continue;
    if (parts == NORM_MAX_PARTS - 1 && i < n) continue;
    starts[parts] = from;
    lens[parts] = i - from;
    parts++;
    from = i + 1;
  }
  return parts;
}

/* core.normalize(term [, "medication"]) -> normalised term | nil when too
** long */
static int core_normalize(lua_State *L) {
  static const char *const modes[] = {"plain", "medication", NULL};
  size_t n;
  const char *s = luaL_checklstring(L, 1, &n);
  int mode = luaL_checkoption(L, 2, "plain", modes);
  char out[NORM_MAX + 1];
  int len = norm_term(s, n, mode, out);
  if (len < 0) return 0;
  lua_pushlstring(L, out, (size_t)len);
  return 1;
}

void normalize_open(lua_State *L) {
  lua_pushcfunction(L, core_normalize);
  lua_setfield(L, -2, "normalize");
  ifn_pushinteger(L, NORM_MAX);     /* the compiler's limit on a name */
  lua_setfield(L, -2, "NORM_MAX");
}
