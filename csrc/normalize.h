/*
** normalize.h: where a term is normalised.  Case, accents, quotes, dashes,
** punctuation and spacing are folded; for medications and supplements,
** dose, unit, form, route, frequency and salt words are dropped too.
*/
#ifndef IFN_NORMALIZE_H
#define IFN_NORMALIZE_H

#include <stddef.h>

#include "lua.h"

#define NORM_MAX 255          /* longest normalised term, in bytes */
#define PHRASE_MAX 1024       /* longest text the phrase reader reads */
#define NORM_MAX_PARTS 8      /* most parts of a combination product */

enum { NORM_PLAIN = 0, NORM_MEDICATION = 1 };

/* Writes the normalised form of S (N bytes) into OUT, which has room for
** NORM_MAX + 1 bytes; returns its length, or -1 when it would be longer
** than NORM_MAX. */
int norm_term(const char *s, size_t n, int mode, char *out);

/* norm_term with room for CAP + 1 bytes in OUT (CAP at most PHRASE_MAX) */
int norm_term_cap(const char *s, size_t n, int mode, char *out, int cap);

/* Splits a combination product ("hydrocodone/acetaminophen", "A + B",
** RxNorm's "A 5 MG / B 325 MG"; not a strength such as "5/325" nor a
** unit such as "MG/ML")
** into at most NORM_MAX_PARTS parts; returns how many (1 when
** there is nothing to split).  STARTS and LENS locate the parts in S. */
int norm_split(const char *s, size_t n, size_t *starts, size_t *lens);

/* registers core.normalize and core.NORM_MAX in the table at the top of
** the stack */
void normalize_open(lua_State *L);

#endif
