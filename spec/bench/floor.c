/*
** floor.c: the floor of YAML decoding, libyaml's bare event loop.
**
** Parses the input and deletes every event, building nothing: no loader
** can do less.  Built two ways by `make bench`:
**   - a program, `floor FILE...`, for callgrind (only floor_parse is
**     counted, with --toggle-collect=floor_parse);
**   - with -DFLOOR_LUA, a Lua module `floor` whose floor.parse(text) is
**     timed in the same process as the loaders it is compared with.
*/
#include <stdio.h>
#include <stdlib.h>

#include <yaml.h>

/* parses TEXT to the end; returns the number of events, or -1 on error */
#if defined(__GNUC__)
__attribute__((noinline))
#endif
static long floor_parse(const unsigned char *text, size_t len) {
  yaml_parser_t parser;
  yaml_event_t event;
  long events = 0;
  int done = 0;
  if (!yaml_parser_initialize(&parser)) return -1;
  yaml_parser_set_input_string(&parser, text, len);
  while (!done) {
    if (!yaml_parser_parse(&parser, &event)) { events = -1; break; }
    done = event.type == YAML_STREAM_END_EVENT;
    yaml_event_delete(&event);
    events++;
  }
  yaml_parser_delete(&parser);
  return events;
}

#ifdef FLOOR_LUA
#include "lua.h"
#include "lauxlib.h"

/* floor.parse(text) -> events | nil */
static int floor_lua_parse(lua_State *L) {
  size_t len;
  const char *text = luaL_checklstring(L, 1, &len);
  long n = floor_parse((const unsigned char *)text, len);
  if (n < 0) return 0;
  lua_pushinteger(L, (lua_Integer)n);
  return 1;
}

int luaopen_floor(lua_State *L);

int luaopen_floor(lua_State *L) {
  lua_newtable(L);
  lua_pushcfunction(L, floor_lua_parse);
  lua_setfield(L, -2, "parse");
  return 1;
}
#else
/* floor FILE... parses each file once */
int main(int argc, char **argv) {
  long events = 0;
  int i;
  if (argc < 2) {
    fprintf(stderr, "usage: floor FILE...\n");
    return 2;
  }
  for (i = 1; i < argc; i++) {
    FILE *f = fopen(argv[i], "rb");
    unsigned char *text;
    long size, n;
    if (f == NULL) { perror(argv[i]); return 2; }
    fseek(f, 0, SEEK_END);
    size = ftell(f);
    rewind(f);
    text = (unsigned char *)malloc((size_t)size + 1);
    if (text == NULL || fread(text, 1, (size_t)size, f) != (size_t)size) return 2;
    fclose(f);
    n = floor_parse(text, (size_t)size);
    free(text);
    if (n < 0) { fprintf(stderr, "%s: parse error\n", argv[i]); return 1; }
    events += n;
  }
  printf("%ld events\n", events);
  return 0;
}
#endif
