/*
** host.c: the out-of-memory loop (make check-oom), SQLite's method.
**
** One clean run of spec/oom/run.lua counts the allocations it makes, Lua's
** (through a counting lua_Alloc) and libyaml's (yaml_malloc, yaml_realloc
** and yaml_strdup, which libyaml 0.2.5 calls through the PLT, so that
** these definitions in the executable take their place).  Then for every
** k, a fresh state runs it again with allocation k failing, and every
** allocation after it (Lua 5.4 retries once after an emergency
** collection, so a failure must persist).  Each run must end in success
** or a Lua error that says "not enough memory"; the same state must then
** run cleanly once allocation works again, with the same summary as the
** first run; lua_close must return the Lua heap to zero bytes; and, under
** LeakSanitizer, no C memory may be left behind.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "lua.h"
#include "lauxlib.h"

#include "host.h"

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/lsan_interface.h>
#define LEAK_CHECK() __lsan_do_recoverable_leak_check()
#else
#define LEAK_CHECK() 0
#endif

/* injection points between two leak checks (a check scans the heap) */
#define LEAK_EVERY 500

/* libyaml's allocation functions (yaml_private.h), interposed here */
void *yaml_malloc(size_t size);
void *yaml_realloc(void *ptr, size_t size);
yaml_char_t *yaml_strdup(const yaml_char_t *str);

/* The allocation counter.  libyaml's allocation functions take no context,
** so this is the host's one process-wide variable. */
typedef struct Heap {
  size_t lua_bytes;     /* Lua heap in use */
  long calls;           /* allocations counted since armed */
  long yaml_calls;      /* of which libyaml's */
  long fail_at;         /* 0: none fails; else call fail_at and after */
  int armed;
  int failed;           /* some allocation failed in this run */
} Heap;

static Heap heap;

static int should_fail(void) {
  if (!heap.armed) return 0;
  heap.calls++;
  if (heap.fail_at > 0 && heap.calls >= heap.fail_at) {
    heap.failed = 1;
    return 1;
  }
  return 0;
}

void *yaml_malloc(size_t size) {
  heap.yaml_calls++;
  return should_fail() ? NULL : malloc(size ? size : 1);
}

void *yaml_realloc(void *ptr, size_t size) {
  heap.yaml_calls++;
  if (should_fail()) return NULL;
  return ptr ? realloc(ptr, size ? size : 1) : malloc(size ? size : 1);
}

yaml_char_t *yaml_strdup(const yaml_char_t *str) {
  size_t n;
  yaml_char_t *copy;
  if (str == NULL) return NULL;
  heap.yaml_calls++;
  if (should_fail()) return NULL;
  n = strlen((const char *)str) + 1;
  copy = (yaml_char_t *)malloc(n);
  if (copy != NULL) memcpy(copy, str, n);
  return copy;
}

/* Lua's allocator: counts growth only (Lua assumes a shrink never fails) */
static void *heap_alloc(void *ud, void *ptr, size_t osize, size_t nsize) {
  Heap *h = (Heap *)ud;
  void *q;
  if (ptr == NULL) osize = 0;           /* osize is then a type tag */
  if (nsize == 0) {
    free(ptr);
    h->lua_bytes -= osize;
    return NULL;
  }
  if (nsize > osize && should_fail()) return NULL;
  q = realloc(ptr, nsize);
  if (q == NULL) return NULL;
  h->lua_bytes = h->lua_bytes - osize + nsize;
  return q;
}

/* a state with run.lua loaded: the function it returns is at index 1 */
static lua_State *new_state(void) {
  lua_State *L = lua_newstate(heap_alloc, &heap);
  if (L == NULL) abort();
  host_prepare(L);
  /* Lua 5.4.4 makes the metatable of luaL_Buffer's box on first use, and
  ** not atomically: if that first use runs out of memory, a half-made
  ** metatable stays in the registry and every later large buffer fails
  ** ("got a non-closable value").  A large string.rep before the loop
  ** makes it while memory is plentiful, so that only our code is tested. */
  host_dostring(L, "local root = os.getenv('INTERFERON_ROOT') or '.'\n"
                   "assert(#('x'):rep(100000) == 100000)\n"
                   "return dofile(root .. '/spec/oom/run.lua')", "=run.lua");
  return L;
}

/* runs the function at index 1 with allocation FAIL_AT failing (0: none);
** returns 1 on success with the summary at the top, 0 with the error */
static int run_once(lua_State *L, long fail_at) {
  int status;
  lua_settop(L, 1);
  lua_pushvalue(L, 1);
  heap.calls = heap.yaml_calls = 0;
  heap.fail_at = fail_at;
  heap.failed = 0;
  heap.armed = 1;
  status = lua_pcall(L, 0, 1, 0);
  heap.armed = 0;
  return status == LUA_OK;
}

typedef struct Tally {
  long ok, errors, bad;
} Tally;

/* one injection point: fail allocation K, then check the aftermath;
** returns 0 when the run ended before allocation K (the loop is over) */
static int inject(long k, const char *expected, Tally *t) {
  lua_State *L = new_state();
  const char *msg;
  int bad = 0, injected;
  int ok = run_once(L, k);
  injected = heap.failed;
  if (ok) {
    t->ok++;
  } else {
    msg = lua_tostring(L, -1);
    t->errors++;
    if (getenv("OOM_VERBOSE")) fprintf(stderr, "k=%ld: %s (calls %ld)\n", k, msg, heap.calls);
    if (msg == NULL || strstr(msg, "not enough memory") == NULL) {
      fprintf(stderr, "k=%ld: the error is not about memory: %s\n", k,
              msg ? msg : "(not a string)");
      bad = 1;
    }
  }
  if (!run_once(L, 0) || strcmp(lua_tostring(L, -1), expected) != 0) {
    fprintf(stderr, "k=%ld: the state does not work after the failure: %s\n",
            k, lua_tostring(L, -1));
    bad = 1;
  }
  lua_close(L);
  if (heap.lua_bytes != 0) {
    fprintf(stderr, "k=%ld: %lu bytes of Lua heap left after lua_close\n", k,
            (unsigned long)heap.lua_bytes);
    heap.lua_bytes = 0;
    bad = 1;
  }
  if (k % LEAK_EVERY == 0 && LEAK_CHECK()) {
    fprintf(stderr, "k=%ld: C memory leaked at k <= %ld (see above)\n", k, k);
    bad = 1;
  }
  t->bad += bad;
  return injected;
}

int main(int argc, char **argv) {
  lua_State *L = new_state();
  long points, k, from = argc > 1 ? atol(argv[1]) : 1;
  char *expected;
  size_t len;
  Tally t = {0, 0, 0};
  if (!run_once(L, 0)) {
    fprintf(stderr, "the clean run fails: %s\n", lua_tostring(L, -1));
    return 1;
  }
  points = heap.calls;
  fprintf(stderr, "out-of-memory: %ld allocations in the clean run, %ld of "
          "them libyaml's\n", points, heap.yaml_calls);
  len = lua_rawlen(L, -1) + 1;
  expected = (char *)malloc(len);
  if (expected == NULL) return 1;
  memcpy(expected, lua_tostring(L, -1), len);
  lua_close(L);
  /* the count varies a little from run to run (Lua seeds its string
  ** hashes at random), so go on until a run ends before allocation k */
  for (k = from < 1 ? 1 : from; inject(k, expected, &t); k++) {}
  points = k - 1;
  free(expected);
  if (LEAK_CHECK()) {
    fprintf(stderr, "C memory leaked (see above)\n");
    t.bad++;
  }
  printf("out-of-memory: %ld injection points (Lua and libyaml allocations): "
         "%ld runs ended in success, %ld in 'not enough memory', %ld bad\n",
         points, t.ok - 1, t.errors, t.bad);
  return t.bad == 0 ? 0 : 1;
}
