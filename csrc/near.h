/*
** near.h: candidate pairs of knowledge-base terms one edit apart, for the
** compiler's near-miss check.
*/
#ifndef IFN_NEAR_H
#define IFN_NEAR_H

#include "lua.h"

/* registers core.near_candidates in the table at the top of the stack */
void near_open(lua_State *L);

#endif
