/*
** preload.c: preloaded after gcc's libasan by spec/asan/lua (make
** check-asan).
**
** - dlclose does nothing: lua_close unloads C modules before
**   LeakSanitizer reports at exit, and keeping them mapped keeps their
**   symbol names in a leak report.
** - LD_PRELOAD is taken out of the environment once the process has
**   started, so that the programs a spec runs (sed, luarocks, a browser)
**   run without the sanitizer; a spec that runs Lua runs INTERFERON_LUA,
**   which is spec/asan/lua again and preloads it anew.
*/
#define _POSIX_C_SOURCE 200112L

#include <stdlib.h>

int dlclose(void *handle);

int dlclose(void *handle) {
  (void)handle;
  return 0;
}

static void preload_forget(void) __attribute__((constructor));

static void preload_forget(void) {
  unsetenv("LD_PRELOAD");
}
