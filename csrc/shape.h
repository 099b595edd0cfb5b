/*
** shape.h: a quick test of a knowledge-base entry's keys and values, so
** that the compiler gives its full (message-making) check only to an
** entry that may be wrong.
*/
#ifndef IFN_SHAPE_H
#define IFN_SHAPE_H

#include "lua.h"

/* registers core.check_shape in the table at the top of the stack */
void shape_open(lua_State *L);

#endif
