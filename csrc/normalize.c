/*
** normalize.c: where a term is normalised.
**
** A term becomes lower-case ASCII words separated by single spaces:
** Latin-1 accents are folded ("Sjögren" = "sjogren"), apostrophes joined
** ("St. John's" = "st johns"), curly quotes, dashes and other punctuation
** become spaces.  In medication mode the words that describe a dose
** rather than a substance are dropped ("Xanax 0.5mg tablet BID" =
** "xanax"), and salt words too when something else remains
** ("lithium carbonate" = "lithium", but "potassium" stays).
*/
#include <stdlib.h>
#include <string.h>

#include "lua.h"
#include "lauxlib.h"

#include "compat.h"
#include "normalize.h"

/* words describing dose, unit, form, route or frequency; sorted */
static const char *const dose_words[] = {
  "a", "am", "ampule", "as", "at", "bedtime", "bid", "cap", "caplet",
  "caplets", "caps", "capsule", "capsules", "chewable", "cr", "cream",
  "daily", "day", "days", "delayed", "dose", "doses", "dr", "drops", "ec",
  "elixir", "er", "every", "extended", "film", "g", "gel", "gm", "gtt", "h",
  "hour", "hourly", "hours", "hr", "hrs", "hs", "im", "immediate", "inj",
  "injection", "ir", "iu", "iv", "kg", "l", "la", "liquid", "lozenge", "mcg", "meq", "mg", "ml",
  "mmol", "morning", "needed", "night", "nightly", "odt", "ointment",
  "once", "oral", "patch", "per", "pm", "po", "prn", "puff", "puffs", "q",
  "qam", "qd", "qds", "qhs", "qid", "qod", "qpm", "release", "sc", "sl",
  "soln", "solution", "spray", "sq", "sr", "subq", "suppository", "susp",
  "suspension", "syrup", "tab", "tablet", "tablets", "tabs", "tds", "tid",
  "times", "topical", "transdermal", "twice", "ug", "unit", "units",
  "weekly", "x", "xl", "xr"
};

/* salt and ester words, dropped when another word remains; sorted */
static const char *const salt_words[] = {
  "acetate", "besylate", "bitartrate", "bromide", "carbonate",
  "chloride", "citrate", "dihydrochloride", "disodium", "fumarate",
  "hcl", "hydrobromide", "hydrochloride", "maleate", "mesylate",
  "monohydrate", "oxalate", "pamoate", "phosphate", "sodium",
  "succinate", "sulfate", "sulphate", "tartrate"
};

/* the ASCII letter behind each Latin-1 letter U+00C0..U+00FF, or 0 */
static const char latin1_fold[64] = {
  'a', 'a', 'a', 'a', 'a', 'a', 'a', 'c', 'e', 'e', 'e', 'e', 'i', 'i', 'i',
  'i', 'd', 'n', 'o', 'o', 'o', 'o', 'o', 0, 'o', 'u', 'u', 'u', 'u', 'y',
  0, 's', 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'c', 'e', 'e', 'e', 'e', 'i',
  'i', 'i', 'i', 'd', 'n', 'o', 'o', 'o', 'o', 'o', 0, 'o', 'u', 'u', 'u',
  'u', 'y', 0, 'y'
};

static int word_cmp(const void *key, const void *elem) {
  return strcmp((const char *)key, *(const char *const *)elem);
}

static int in_list(const char *w, const char *const *list, size_t n) {
  return bsearch(w, list, n, sizeof *list, word_cmp) != NULL;
}

/* a word that only describes a dose: "500", "0", "5mg", "q8h", "2x";
** a single letter only right after a number ("1 g"), since "vitamin a"
** and "vitamin h" name substances */
static int is_dose_word(const char *w, int after_number) {
  const char *p = w;
  if (w[0] != '\0' && w[1] == '\0' && !(w[0] >= '0' && w[0] <= '9'))
    return after_number && in_list(w, dose_words, sizeof dose_words / sizeof *dose_words);
  if (w[0] >= '0' && w[0] <= '9') {
    while (*p >= '0' && *p <= '9') p++;
    return *p == '\0' || in_list(p, dose_words, sizeof dose_words / sizeof *dose_words);
  }
  if (w[0] == 'q' && w[1] >= '0' && w[1] <= '9') {
    p = w + 1;
    while (*p >= '0' && *p <= '9') p++;
    return strcmp(p, "h") == 0 || strcmp(p, "hr") == 0 || strcmp(p, "hrs") == 0;
  }
  return in_list(w, dose_words, sizeof dose_words / sizeof *dose_words);
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

/* Folds S into OUT as words separated by single spaces; returns the
** length or -1 when longer than NORM_MAX. */
static int fold(const char *s, size_t n, char *out) {
  const unsigned char *p = (const unsigned char *)s;
  size_t i = 0;
  int len = 0, gap = 0;
  while (i < n) {
    unsigned long cp;
    size_t w = utf8_decode(p + i, n - i, &cp);
    int c = -1;                          /* -1: separator, 0: skip */
    if (w == 0) { w = 1; cp = 0xFFFD; }
    if (cp < 0x80) {
      if ((cp >= 'a' && cp <= 'z') || (cp >= '0' && cp <= '9')) c = (int)cp;
      else if (cp >= 'A' && cp <= 'Z') c = (int)cp + 32;
      else if (cp == '\'' || cp == '`') c = 0;
      else if (cp == '-' && single_letter_before(out, len) && i + 1 < n &&
               p[i + 1] >= '0' && p[i + 1] <= '9')
        c = 0;                           /* "B-12" is "b12", as "D-3" is "d3" */
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
      if (len + (int)gap + (int)take > NORM_MAX) return -1;
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
  char tmp[NORM_MAX + 1];
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

/* medication mode: dose words go; salt words go if another word stays */
static int drop_words(char *out, int len) {
  char *words[NORM_MAX / 2 + 1];
  int keep[NORM_MAX / 2 + 1];
  int nw = 0, i, kept = 0, substance = 0;
  char *p = out;
  if (len == 0) return 0;
  while (p != NULL) {
    words[nw++] = p;
    p = strchr(p, ' ');
    if (p != NULL) *p++ = '\0';
  }
  for (i = 0; i < nw; i++) {
    int salt = in_list(words[i], salt_words, sizeof salt_words / sizeof *salt_words);
    keep[i] = !is_dose_word(words[i], i > 0 && words[i - 1][0] >= '0' &&
                                          words[i - 1][0] <= '9');
    if (is_time_of_day(words[i]) && i > 0 && keep[i - 1])
      keep[i] = 1;                       /* "Tylenol PM" names a product */
    kept += keep[i];
    substance += keep[i] && !salt;
    if (salt && keep[i]) keep[i] = 2;
  }
  for (i = 0; i < nw; i++) {
    if (kept == 0) keep[i] = 1;          /* nothing but dose words: keep all */
    else if (keep[i] == 2 && substance > 0) keep[i] = 0;
  }
  return rebuild(out, words, keep, nw);
}

int norm_term(const char *s, size_t n, int mode, char *out) {
  int len = fold(s, n, out);
  if (len < 0 || mode != NORM_MEDICATION) return len;
  return drop_words(out, len);
}

static int is_ascii_digit(int c) { return c >= '0' && c <= '9'; }
static int is_ascii_letter(int c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* whether S[I] separates two parts of a combination product: '/' or '+'
** unless between digits (a strength, "5/325"); '-' between letters only
** ("hydrocodone-acetaminophen", not "5-325" or "5-HTP") */
static int is_part_separator(const char *s, size_t n, size_t i) {
  int before = i > 0 ? (unsigned char)s[i - 1] : 0;
  int after = i + 1 < n ? (unsigned char)s[i + 1] : 0;
  if (s[i] == '/' || s[i] == '+')
    return !(is_ascii_digit(before) && is_ascii_digit(after));
  return s[i] == '-' && is_ascii_letter(before) && is_ascii_letter(after);
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
