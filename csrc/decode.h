/*
** decode.h: YAML text becomes Lua values (libyaml events, no intermediate
** tree), for knowledge-base files and for patient streams.  The Decoder is
** shared with reader.c, which reads patient records from a file with it.
*/
#ifndef IFN_DECODE_H
#define IFN_DECODE_H

#include <stddef.h>

#include <yaml.h>

#include "lua.h"

/* nesting levels whose last table sizes are remembered */
#define DECODER_HINT_DEPTHS 32

enum { MODE_DOCUMENTS, MODE_RECORDS };

typedef struct Limits {
  long max_depth;
  long max_nodes;
  long max_scalar;
  long max_input;
  long max_documents;
} Limits;

typedef struct Decoder Decoder;

/* The bytes of the current parser's input still held, for messages:
** BYTES[0 .. LEN) start at byte OFFSET and on line LINE (0-based, both
** counted from where the parser began), at the start of that line unless
** MIDLINE. */
typedef struct DecoderView {
  const unsigned char *bytes;
  size_t len, offset;
  long line;
  int midline;
} DecoderView;

/* Where the parser's input comes from: the string INPUT, or (when READ is
** set) a read handler given DATA, whose VIEW gives the bytes it holds. */
typedef struct DecoderSource {
  yaml_read_handler_t *read;
  void *data;
  void (*view)(Decoder *d, DecoderView *v);
} DecoderSource;

struct Decoder {
  yaml_parser_t parser;
  yaml_event_t event;
  int parser_open;      /* parser initialised, must be deleted */
  int has_event;        /* event filled, must be deleted */
  DecoderSource src;    /* src.read NULL: the string input */
  const unsigned char *input;  /* the string being decoded, or NULL */
  size_t input_len;
  long base_line;       /* line (0-based) at which the current parser began */
  long mark_line;       /* line (in the parser's count) of the last event */
  int mode;
  int positions;        /* record positions of keys and items */
  Limits lim;
  /* the size of the last mapping and sequence built at each depth: the
  ** next one there is created with room for as many (siblings, such as
  ** the entries of a list, share a shape), so that it is not rehashed
  ** again and again while it fills */
  unsigned short map_hint[DECODER_HINT_DEPTHS], seq_hint[DECODER_HINT_DEPTHS];
  /* per-parse state */
  long level;           /* collection nesting of the event stream */
  long nodes;           /* nodes built for the current record */
  long documents;
  long records;         /* records yielded or refused so far (streams) */
  long rec_level;       /* d->level just outside the record being built */
  yaml_mark_t rec_mark; /* where the record being built starts */
  int in_doc, in_seq, done;
  /* stack slots used while one call builds values (never across calls) */
  int anchors_idx, sizes_idx, pos_idx, name_idx;
};

/* the most nesting core.decode and core.open accept (max_depth): each
** level is a C call */
#define DECODER_DEPTH_CAP 1000

/* the length of the line break at P (N bytes available) as libyaml counts
** them (CR LF, CR, LF, NEL, LS, PS), or 0 */
size_t decoder_break_len(const unsigned char *p, size_t n);

/* the length of a UTF-8 byte-order mark at P, or 0 */
#define DECODER_BOM_LEN(p, n) \
  ((n) >= 3 && (p)[0] == 0xEF && (p)[1] == 0xBB && (p)[2] == 0xBF ? 3 : 0)

/* the value a YAML null decodes to (a light userdata, as lua-cjson's) */
void decode_pushnull(lua_State *L);

/* fills D (zeroed, inside a userdata just made) with MODE and the limits
** and options of the table at stack slot OPTS (0: none) */
void decoder_init(lua_State *L, Decoder *d, int mode, int opts);

/* frees the parser and event; D can be started again */
void decoder_release(Decoder *d);

/* (re)starts the parser on D's source; 0 when out of memory */
int decoder_start(Decoder *d);

/* moves to the next event; -1 with a message pushed on a syntax error */
int decoder_next_event(lua_State *L, Decoder *d);

/* pushes the next value: 1 (pushed), 0 (end) or -1 (message pushed) */
int decoder_next(lua_State *L, Decoder *d);

/* the line and column (0-based, in the parser's count) of byte OFFSET of
** the current parser's input */
void decoder_locate(Decoder *d, size_t offset, long *line, long *col);

/* pushes the packed position of mark M */
void decoder_push_pos(lua_State *L, Decoder *d, yaml_mark_t m);

/* Stack: ... -> ... anchors sizes positions name: the slots of one call
** on the userdata at UD */
void decoder_work_slots(lua_State *L, Decoder *d, int ud);

/* sets the user value of the userdata at UD to { name = NAME, input =
** INPUT } (INPUT 0: none) */
void decoder_set_uservalue(lua_State *L, int ud, int name, int input);

/* registers core.decode, core.null, core.POS_LINE and the decoder
** metatable in the table at the top of the stack */
void decode_open(lua_State *L);

#endif
