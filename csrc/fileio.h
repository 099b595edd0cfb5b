/*
** fileio.h: where a report is written: the output file (replaced
** atomically through a temporary file, or written in place when it is a
** device, a pipe or standard output), whether two paths are one file, and
** the signal handlers that remove a half-written temporary file.
*/
#ifndef IFN_FILEIO_H
#define IFN_FILEIO_H

#include "lua.h"

/* registers core.output, core.same_file, core.file_type and
** core.catch_signals in the table at the top of the stack */
void fileio_open(lua_State *L);

#endif
