/*
** screen.h: the screening loop, where a finding is built.
*/
#ifndef IFN_SCREEN_H
#define IFN_SCREEN_H

#include "lua.h"

/* index:screen(fields, ranks[, patient[, implying]]) -> findings,
** unrecognized, recognized[, hits]: the method the index class (index.c)
** registers */
int screen_index(lua_State *L);

#endif
