/*
** driver.c: the libFuzzer entry points shared by every harness.  HARNESS
** (set with -D at build time) names spec/fuzz/HARNESS.lua, a chunk that
** returns the function each input is given to (and, optionally, a
** function to call at exit).  The function returns normally for any
** input; an error it raises, other than running out of memory, is a
** finding and aborts, as a crash would.
*/
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lua.h"
#include "lauxlib.h"

#include "host.h"

#ifndef HARNESS
#error "compile with -DHARNESS=name"
#endif
#define STR_(x) #x
#define STR(x) STR_(x)

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* libFuzzer's entry points take no context, so the harness's Lua state is
** the one process-wide variable of this host */
static lua_State *fuzz_L;

static void fuzz_cleanup(void) {
  lua_getfield(fuzz_L, LUA_REGISTRYINDEX, "fuzz.cleanup");
  if (lua_isfunction(fuzz_L, -1)) lua_pcall(fuzz_L, 0, 0, 0);
  lua_close(fuzz_L);
  fuzz_L = NULL;
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  const char *root = getenv("INTERFERON_ROOT");
  (void)argc;
  (void)argv;
  fuzz_L = luaL_newstate();
  if (fuzz_L == NULL) abort();
  host_prepare(fuzz_L);
  lua_pushfstring(fuzz_L, "%s/spec/fuzz/%s.lua", root ? root : ".",
                  STR(HARNESS));
  if (luaL_loadfile(fuzz_L, lua_tostring(fuzz_L, -1)) != LUA_OK ||
      lua_pcall(fuzz_L, 0, 2, 0) != LUA_OK) {
    fprintf(stderr, "%s\n", lua_tostring(fuzz_L, -1));
    abort();
  }
  lua_setfield(fuzz_L, LUA_REGISTRYINDEX, "fuzz.cleanup");
  lua_setfield(fuzz_L, LUA_REGISTRYINDEX, "fuzz.run");
  lua_pop(fuzz_L, 1);
  atexit(fuzz_cleanup);
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  lua_State *L = fuzz_L;
  lua_settop(L, 0);
  lua_getfield(L, LUA_REGISTRYINDEX, "fuzz.run");
  lua_pushlstring(L, (const char *)data, size);
  if (lua_pcall(L, 1, 0, 0) != LUA_OK) {
    const char *msg = lua_tostring(L, -1);
    if (msg == NULL || strstr(msg, "not enough memory") == NULL) {
      fprintf(stderr, "harness %s raised: %s\n", STR(HARNESS),
              msg ? msg : "(an error object that is not a string)");
      abort();
    }
  }
  lua_settop(L, 0);
  return 0;
}
