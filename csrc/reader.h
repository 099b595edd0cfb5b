/*
** reader.h: the patient reader, records read one at a time from a file
** or standard input (core.open).
*/
#ifndef IFN_READER_H
#define IFN_READER_H

#include "lua.h"

/* registers core.open and the reader metatable in the table at the top
** of the stack */
void reader_open(lua_State *L);

#endif
