/*
** image.h: the bundled knowledge base compiled at build time.  The build
** compiles data/kb/ once, with the Lua and the module it is building
** (csrc/image.lua, run on a first-stage module that has no image), and
** writes the result as constant C data: the knowledge base's state as a
** stream of value operations, and the finished term index's arrays.
** interferon.default() then reads it back instead of compiling YAML.
*/
#ifndef IFN_IMAGE_H
#define IFN_IMAGE_H

#include <stddef.h>
#include <stdint.h>

#include "lua.h"

#include "index.h"

/* The operations of the value stream: each word is TAG | PAYLOAD << 3.
** A table is followed by the size of its hash part, then its array
** values, then its key and value pairs; a shared table is numbered in the
** order it first appears, and IMG_REF names it again. */
enum {
  IMG_STRING,           /* payload: string number */
  IMG_INTEGER,          /* payload: a whole number 0 .. 2^29 - 1 */
  IMG_TRUE,
  IMG_FALSE,
  IMG_TABLE,            /* payload: array size; next word: hash size */
  IMG_SHARED,           /* as IMG_TABLE, and numbered for IMG_REF */
  IMG_REF,              /* payload: shared table number */
  IMG_NUMBER            /* payload: string number of its "%.17g" text */
};

#define IMG_PAYLOAD_MAX ((uint32_t)1 << 29)
#define IMG_MAX_DEPTH 32    /* the state is a few tables deep */

typedef struct Image {
  const char *lua;            /* _VERSION of the Lua that built it */
  const char *jit;            /* jit.version, or "" */
  const char *module;         /* interferon._VERSION it was built with */
  const uint32_t *ops;         /* the state, then each entry */
  size_t nops;
  const uint32_t *entry_at;    /* where entry k (1-based: k - 1) begins */
  size_t nentries;
  const char *strings;        /* every string, once */
  const uint32_t *string_at;  /* string k is strings[string_at[k] .. string_at[k+1]) */
  size_t nstrings;
  const Index *index;
} Image;

/* the module's image, or NULL in the first-stage module that makes it
** (generated into build/: image.lua, or the empty one) */
extern const Image *const interferon_image;

/* registers core.image and core.index_source in the table at the top */
void image_open(lua_State *L);

#endif
