/*
** phrase.c: the phrase reader, where a term that names no entry as a
** whole is read word by word.
**
** The term is normalised clause by clause (a plain term is cut at
** commas, semicolons and full stops; a medication is one clause, since
** RxNorm writes commas inside names).  Then, in this order:
**   1. block phrases ("nursing home") take their words out of play, and
**      history, family and several-word context phrases ("history of",
**      "negative for") are found: no name holds them;
**   2. runs of words that name an entry are found, longest first, so that
**      a name that holds a lone context word ("no reason to live") stays
**      a name; then the other context phrases among the words left, and
**      boundary words ("but", "reports") that cut clauses;
**   3. each entry named gets the context of its own clause: a negation,
**      allergy or history before it (carried over commas into a clause
**      with no boundary word: "denies fever, chills"), a trailing
**      negation or allergy after it, a family phrase anywhere in it;
**   4. the words nothing accounts for (neither a name, nor a dose, form,
**      salt, filler or context word) are the rest: a match that leaves a
**      rest is only partial.
*/
#include <string.h>

#include "index.h"
#include "normalize.h"
#include "phrase.h"
#include "wordlists.h"

#define MAX_WORDS (PHRASE_MAX / 2 + 1)

enum { FREE, CLAIM_HIT, CLAIM_CONTEXT, CLAIM_BLOCK };

typedef struct Word {
  size_t at, len;       /* in Phrase.text */
  int seg;              /* the piece of the term it came from */
  int clause;
  int claim;            /* FREE, CLAIM_* */
  int hit;              /* its hit, when CLAIM_HIT */
  unsigned ctx;         /* bits (1 << CTX_*) of its context phrase */
  unsigned kind;        /* WORD_* bits, from the word lists */
} Word;

/* what the word lists say of a word, found once per word */
enum { WORD_FILLER = 1, WORD_SALT = 2, WORD_NOISE = 4 };

/* a number, or a dose, form, salt or filler word: says nothing of what
** the term names */
static unsigned word_kind(const char *s, size_t n) {
  unsigned kind = 0, lists = words_lists(s, n);
  size_t k;
  for (k = 0; k < n && s[k] >= '0' && s[k] <= '9'; k++) {}
  if (lists & WL_BIT(WL_FILLER)) kind |= WORD_FILLER;
  if (lists & (WL_BIT(WL_SALT) | WL_BIT(WL_CATION))) kind |= WORD_SALT;
  if (k == n || kind || (lists & (WL_BIT(WL_DOSE) | WL_BIT(WL_FORM))))
    kind |= WORD_NOISE;
  return kind;
}

typedef struct Reader {
  const Index *ix;
  Phrase *p;
  Word w[MAX_WORDS];
  int nw;
  int cut;                    /* whether the term was too long to read */
  int comma_seg[MAX_WORDS];   /* whether piece N began after a comma */
  int chained[MAX_WORDS];     /* whether clause N began after a comma */
} Reader;

/* whether C ends a clause at S[I] in a plain term: a comma, semicolon,
** '!', '?', a line break, or a full stop not inside a number (a colon
** introduces what follows: "FH: diabetes") */
static int ends_clause(const char *s, size_t n, size_t i) {
  char c = s[i];
  if (c == ',' || c == ';' || c == '!' || c == '?' || c == '\n')
    return 1;
  return c == '.' && !(i > 0 && i + 1 < n && s[i - 1] >= '0' && s[i - 1] <= '9' &&
                       s[i + 1] >= '0' && s[i + 1] <= '9');
}

/* appends the normalised piece S (N bytes) to the text; returns 0 when
** it does not fit */
static int add_piece(Reader *r, const char *s, size_t n, int mode, int seg) {
  Phrase *p = r->p;
  size_t at = p->len + (p->len > 0), i, a;
  int len;
  if (at >= PHRASE_MAX) return 0;
  len = norm_term_cap(s, n, mode, p->text + at, (int)(PHRASE_MAX - at));
  if (len < 0) return 0;
  if (len == 0) { p->text[p->len] = '\0'; return 1; }
  if (p->len > 0) p->text[p->len] = ' ';
  for (i = a = at; i <= at + (size_t)len; i++) {
    if (i < at + (size_t)len && p->text[i] != ' ') continue;
    if (r->nw < MAX_WORDS) {
      Word *w = &r->w[r->nw++];
      memset(w, 0, sizeof *w);
      w->at = a;
      w->len = i - a;
      w->seg = seg;
      w->kind = word_kind(p->text + a, i - a);
    }
    a = i + 1;
  }
  p->len = at + (size_t)len;
  return 1;
}

/* normalises the term into pieces (clauses of a plain term); a term too
** long for the text is read up to the last piece that fits, and the rest
** marked as unread */
static void read_pieces(Reader *r, const char *s, size_t n, int mode) {
  size_t i, from = 0;
  int seg = 0, after_comma = 0;
  for (i = 0; i <= n; i++) {
    if (i < n && (mode == NORM_MEDICATION || !ends_clause(s, n, i))) continue;
    if (!add_piece(r, s + from, i - from, mode, seg)) {
      r->cut = 1;
      return;
    }
    r->comma_seg[seg] = after_comma;
    after_comma = i < n && s[i] == ',';
    if (seg < MAX_WORDS - 1) seg++;
    from = i + 1;
  }
}

/* whether the words from I on spell PHRASE, all free and in one piece;
** the number of words, or 0 */
static int spells(const Reader *r, int i, const char *phrase) {
  size_t pl, words = 1, k;
  const Word *w = &r->w[i];
  const char *t = r->p->text;
  if (t[w->at] != phrase[0]) return 0;        /* most rules, at once */
  pl = strlen(phrase);
  for (k = 0; k < pl; k++) words += phrase[k] == ' ';
  if ((size_t)i + words > (size_t)r->nw) return 0;
  if (w->at + pl > r->p->len || memcmp(t + w->at, phrase, pl) != 0) return 0;
  if (w->at + pl < r->p->len && t[w->at + pl] != ' ') return 0;
  for (k = 0; k < words; k++)
    if (r->w[i + k].claim != FREE || r->w[i + k].seg != w->seg) return 0;
  return (int)words;
}

/* whether a context rule is read before names: history, family and
** block phrases, and phrases of several words ("negative for", "allergy
** to"), which no name holds; a lone "no" or "allergy" comes after, so
** that "no reason to live" and "allergy medicine" stay names */
static int before_names(const ContextRule *c) {
  return c->kind == CTX_HISTORY || c->kind == CTX_FAMILY || c->kind == CTX_BLOCK ||
         ((c->kind == CTX_NEGATION || c->kind == CTX_ALLERGY) && strchr(c->phrase, ' '));
}

/* claims the words of every context phrase read before names (BEFORE) or
** after them, the longest at each place, with the kinds of all the rules
** that spell it */
static void claim_context(Reader *r, int before) {
  int i, k;
  for (i = 0; i < r->nw; i++) {
    int best = 0;
    unsigned bits = 0;
    const ContextRule *c;
    for (c = context_rules; c->kind != 0; c++) {
      if (r->p->text[r->w[i].at] != c->phrase[0] || before_names(c) != before) continue;
      k = spells(r, i, c->phrase);
      if (k > best) { best = k; bits = 0; }
      if (k > 0 && k == best) bits |= 1u << c->kind;
    }
    for (k = 0; k < best; k++) {
      r->w[i + k].claim = (bits & (1u << CTX_BLOCK)) ? CLAIM_BLOCK : CLAIM_CONTEXT;
      r->w[i + k].ctx = bits;
    }
    if (best > 0) i += best - 1;
  }
}

static int is_filler(const Word *w) { return (w->kind & WORD_FILLER) != 0; }
static int is_noise(const Word *w) { return (w->kind & WORD_NOISE) != 0; }
static int is_salt(const Word *w) { return (w->kind & WORD_SALT) != 0; }

/* claims a run of W words from I as a hit on ENTRY (one hit per entry) */
static void claim_run(Reader *r, int i, int w, long term) {
  uint32_t entry = r->ix->terms[term].entry;
  Phrase *p = r->p;
  int h, k;
  for (h = 0; h < p->nhits && p->hits[h].entry != entry; h++) {}
  if (h == p->nhits) {
    if (p->nhits == PHRASE_MAX_HITS) return;
    p->nhits++;
    p->hits[h].entry = entry;
    p->hits[h].how = r->ix->terms[term].match;
    p->hits[h].term = (uint32_t)term;
    p->hits[h].context = CTX_NONE;
    p->hits[h].start = r->w[i].at;
    p->hits[h].len = r->w[i + w - 1].at + r->w[i + w - 1].len - r->w[i].at;
  }
  for (k = 0; k < w; k++) {
    r->w[i + k].claim = CLAIM_HIT;
    r->w[i + k].hit = h;
  }
}

/* whether the N bytes at S are a context phrase: never a name on its own
** in a phrase ("lorazepam allergy" holds no allergy medicine) */
static int is_context(const char *s, size_t n) {
  const ContextRule *c;
  for (c = context_rules; c->kind != 0; c++)
    if (strlen(c->phrase) == n && memcmp(c->phrase, s, n) == 0) return 1;
  return 0;
}

/* Finds the runs of words that name an entry, longest first.  A run of
** fillers names nothing, and a run of salts ("potassium") names nothing
** when the term has other words ("losartan potassium"). */
static void claim_runs(Reader *r, uint32_t kinds, int modes) {
  int w, i, k, content = 0;
  int longest = r->ix->max_words < (size_t)r->nw ? (int)r->ix->max_words : r->nw;
  const char *t = r->p->text;
  for (i = 0; i < r->nw; i++) content += !is_noise(&r->w[i]);
  for (w = longest; w >= 1; w--) {
    for (i = 0; i + w <= r->nw; i++) {
      size_t len = r->w[i + w - 1].at + r->w[i + w - 1].len - r->w[i].at;
      int usable = len >= 3, fillers = 0, salts = 0;
      long term;
      for (k = 0; k < w && usable; k++) {
        usable = r->w[i + k].claim == FREE && r->w[i + k].seg == r->w[i].seg;
        fillers += is_filler(&r->w[i + k]);
        salts += is_salt(&r->w[i + k]);
      }
      if (!usable || fillers == w || (salts == w && content > 0)) continue;
      term = index_find(r->ix, t + r->w[i].at, len, kinds, modes);
      if (term >= 0 && !is_context(t + r->w[i].at, len)) claim_run(r, i, w, term);
    }
  }
}

/* Finds runs again with the fillers between their words left out ("my
** hair is falling out" names "hair falling out"): the free words that are
** not fillers, joined, longest first. */
static void claim_runs_without_fillers(Reader *r, uint32_t kinds, int modes) {
  int idx[MAX_WORDS], n = 0, w, i, k;
  int longest;
  const char *t = r->p->text;
  char buf[PHRASE_MAX + 1];
  for (i = 0; i < r->nw; i++)
    if (r->w[i].claim == FREE && !is_filler(&r->w[i])) idx[n++] = i;
  longest = r->ix->max_words < (size_t)n ? (int)r->ix->max_words : n;
  for (w = longest; w >= 2; w--) {
    for (i = 0; i + w <= n; i++) {
      size_t len = 0;
      long term;
      int usable = 1;
      for (k = 0; k < w && usable; k++) {
        const Word *x = &r->w[idx[i + k]];
        usable = x->claim == FREE && x->seg == r->w[idx[i]].seg;
        if (k > 0) buf[len++] = ' ';
        memcpy(buf + len, t + x->at, x->len);
        len += x->len;
      }
      if (!usable) continue;
      term = index_find(r->ix, buf, len, kinds, modes);
      if (term < 0) continue;
      k = r->p->nhits;
      claim_run(r, idx[i], 1, term);
      if (r->p->nhits > k) {                 /* a new hit: all its words */
        const Word *last = &r->w[idx[i + w - 1]];
        r->p->hits[k].len = last->at + last->len - r->p->hits[k].start;
      }
      for (k = 1; k < w; k++) claim_run(r, idx[i + k], 1, term);
    }
  }
}

/* numbers the clauses: a new piece or a boundary word starts one */
static void number_clauses(Reader *r) {
  int i, c = -1, seg = -1;
  for (i = 0; i < r->nw; i++) {
    Word *w = &r->w[i];
    int boundary = w->claim == CLAIM_CONTEXT && (w->ctx & (1u << CTX_BOUNDARY));
    if (w->seg != seg || (boundary && (i == 0 || !(r->w[i - 1].ctx & (1u << CTX_BOUNDARY))))) {
      c++;
      r->chained[c] = w->seg != seg && r->comma_seg[w->seg];
      seg = w->seg;
    }
    w->clause = c;
    if (boundary) r->chained[c] = 0;     /* "..., reports X": a new statement */
  }
}

/* whether a word of a context kind in MASK stands in clause C before word
** I (all of C when I < 0), or in the clause before C when C began after
** a comma and holds no boundary word ("denies fever, chills"; but not
** "denies fever, reports chills") */
static int before_in_clause(const Reader *r, unsigned mask, int c, int i) {
  int k;
  for (k = 0; k < r->nw; k++) {
    if (r->w[k].clause != c || (i >= 0 && k >= i)) continue;
    if (r->w[k].claim == CLAIM_CONTEXT && (r->w[k].ctx & mask)) return 1;
  }
  return c > 0 && r->chained[c] && before_in_clause(r, mask, c - 1, -1);
}

/* whether a word of a context kind in MASK stands in clause C after word I */
static int after_in_clause(const Reader *r, unsigned mask, int c, int i) {
  int k;
  for (k = i + 1; k < r->nw && r->w[k].clause == c; k++)
    if (r->w[k].claim == CLAIM_CONTEXT && (r->w[k].ctx & mask)) return 1;
  return 0;
}

/* the context of hit H: family, allergy, negation or history */
static int hit_context(const Reader *r, int h) {
  int k, first = -1, last = -1, c;
  for (k = 0; k < r->nw; k++) {
    if (r->w[k].claim != CLAIM_HIT || r->w[k].hit != h) continue;
    if (first < 0) first = k;
    last = k;
  }
  c = r->w[first].clause;
  if (before_in_clause(r, 1u << CTX_FAMILY, c, first) ||
      after_in_clause(r, 1u << CTX_FAMILY, c, last))
    return CTX_FAMILY;
  if (before_in_clause(r, 1u << CTX_ALLERGY, c, first) ||
      after_in_clause(r, 1u << CTX_ALLERGY_AFTER, c, last))
    return CTX_ALLERGY;
  if (before_in_clause(r, 1u << CTX_NEGATION, c, first) ||
      after_in_clause(r, 1u << CTX_NEGATION_AFTER, c, last))
    return CTX_NEGATION;
  if (before_in_clause(r, 1u << CTX_HISTORY, c, first))
    return CTX_HISTORY;
  return CTX_NONE;
}

/* the words that nothing accounts for, into P->rest; "..." for the part
** of a term too long to read */
static void collect_rest(Reader *r) {
  Phrase *p = r->p;
  size_t len = 0;
  int i;
  for (i = 0; i < r->nw; i++) {
    const Word *w = &r->w[i];
    if (!(w->claim == CLAIM_BLOCK || (w->claim == FREE && !is_noise(w))))
      continue;
    if (len > 0) p->rest[len++] = ' ';
    memcpy(p->rest + len, p->text + w->at, w->len);
    len += w->len;
  }
  if (r->cut) {
    if (len > 0) p->rest[len++] = ' ';
    memcpy(p->rest + len, "...", 3);
    len += 3;
  }
  p->rest_len = len;
  p->rest[len] = '\0';
}

void phrase_read(const Index *ix, const char *s, size_t n, uint32_t kinds,
                 int mode, Phrase *p) {
  Reader r;
  int modes = mode == NORM_MEDICATION ? MODE_MEDICATION_BIT : MODE_PLAIN_BIT, h;
  r.ix = ix;
  r.p = p;
  r.nw = 0;
  r.cut = 0;
  p->len = 0;
  p->text[0] = '\0';
  p->nhits = 0;
  p->rest_len = 0;
  p->rest[0] = '\0';
  read_pieces(&r, s, n, mode);
  claim_context(&r, 1);
  claim_runs(&r, kinds, modes);
  claim_runs_without_fillers(&r, kinds, modes);
  claim_context(&r, 0);
  number_clauses(&r);
  for (h = 0; h < p->nhits; h++) {
    PhraseHit *hit = &p->hits[h];
    hit->context = hit_context(&r, h);
    /* a past pregnancy is no pregnancy now */
    hit->raised = hit->context == CTX_NONE ||
                  (hit->context == CTX_HISTORY && !ix->terms[hit->term].present);
  }
  collect_rest(&r);
}
