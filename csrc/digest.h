/*
** digest.h: SHA-256, for the knowledge base's checksum.
*/
#ifndef IFN_DIGEST_H
#define IFN_DIGEST_H

#include "lua.h"

/* registers core.sha256 in the table at the top of the stack */
void digest_open(lua_State *L);

#endif
