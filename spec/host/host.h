/*
** host.h: what the C test hosts (fuzz harnesses, the out-of-memory loop,
** the thread test) share: a Lua state whose `require` finds the
** checkout's Lua modules and the C core linked into the host.
*/
#ifndef IFN_HOST_H
#define IFN_HOST_H

#include "lua.h"

/* the core, linked statically into the host */
int luaopen_interferon_core(lua_State *L);

/* Opens the standard libraries of L and points `require` at the
** checkout (INTERFERON_ROOT, or the current directory): lua/?.lua for the
** Lua modules, the linked core for interferon.core, no C path. */
void host_prepare(lua_State *L);

/* Runs CHUNK (named NAME) and leaves its one result on the stack; on
** failure prints the message and aborts: a host's own code must load. */
void host_dostring(lua_State *L, const char *chunk, const char *name);

#endif
