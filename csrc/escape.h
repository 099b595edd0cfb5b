/*
** escape.h: text that leaves the program: a JSON encoder and the HTML and
** plain-text escapes that reports use, all safe on invalid UTF-8 and NUL.
*/
#ifndef IFN_ESCAPE_H
#define IFN_ESCAPE_H

#include "lua.h"

/* registers core.json_encode, core.html_escape, core.text_clean,
** core.term_escape and core.isatty in the table at the top of the stack */
void escape_open(lua_State *L);

#endif
