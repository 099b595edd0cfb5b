/*
** screen.h: the screening loop, where a finding is built.
*/
#ifndef IFN_SCREEN_H
#define IFN_SCREEN_H

#include "lua.h"

/* adds the screen method to the index metatable */
void screen_open(lua_State *L);

#endif
