/*
** digest.c: SHA-256 (FIPS 180-4) over one or more Lua strings, so that
** kb.checksum names exactly the bytes a knowledge base was loaded from.
*/
#include <stdint.h>
#include <string.h>

#include "lua.h"
#include "lauxlib.h"

#include "compat.h"
#include "digest.h"

typedef struct Sha256 {
  uint32_t h[8];
  uint64_t len;
  unsigned char block[64];
  size_t used;
} Sha256;

static const uint32_t K[64] = {
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1,
  0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
  0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
  0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
  0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
  0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
  0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
  0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
  0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2
};

#define ROR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))
#define CH(e, f, g) ((g) ^ ((e) & ((f) ^ (g))))
#define MAJ(a, b, c) (((a) & (b)) | ((c) & ((a) | (b))))
/* ROR(a, 2) ^ ROR(a, 13) ^ ROR(a, 22) and ROR(e, 6) ^ ROR(e, 11) ^
** ROR(e, 25), each as three rotations of one value (fewer copies) */
#define SUM0(a) ROR(ROR(ROR(a, 9) ^ (a), 11) ^ (a), 2)
#define SUM1(e) ROR(ROR(ROR(e, 14) ^ (e), 5) ^ (e), 6)
#define SIG0(x) (ROR(x, 7) ^ ROR(x, 18) ^ ((x) >> 3))
#define SIG1(x) (ROR(x, 17) ^ ROR(x, 19) ^ ((x) >> 10))

/* word I of the message schedule, kept in a ring of 16: the block's own
** words for I < 16, made in place from four earlier ones after */
#define W_OWN(i) (w[(i) & 15])
#define W_NEXT(i) (w[(i) & 15] += SIG1(w[((i) - 2) & 15]) + w[((i) - 7) & 15] + \
                                   SIG0(w[((i) - 15) & 15]))

/* one round; the eight variables rotate by name from one round to the next
** instead of by copies */
#define ROUND(a, b, c, d, e, f, g, h, i, W) do { \
    uint32_t t1 = (h) + SUM1(e) + CH(e, f, g) + K[i] + W(i); \
    (d) += t1; \
    (h) = t1 + SUM0(a) + MAJ(a, b, c); \
  } while (0)

#define ROUNDS8(i, W) do { \
    ROUND(a, b, c, d, e, f, g, h, (i), W); \
    ROUND(h, a, b, c, d, e, f, g, (i) + 1, W); \
    ROUND(g, h, a, b, c, d, e, f, (i) + 2, W); \
    ROUND(f, g, h, a, b, c, d, e, (i) + 3, W); \
    ROUND(e, f, g, h, a, b, c, d, (i) + 4, W); \
    ROUND(d, e, f, g, h, a, b, c, (i) + 5, W); \
    ROUND(c, d, e, f, g, h, a, b, (i) + 6, W); \
    ROUND(b, c, d, e, f, g, h, a, (i) + 7, W); \
  } while (0)

static void sha_block(Sha256 *s, const unsigned char *p) {
  uint32_t w[16], a, b, c, d, e, f, g, h;
  int i;
  for (i = 0; i < 16; i++)
    w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
           (uint32_t)p[4 * i + 2] << 8 | (uint32_t)p[4 * i + 3];
  a = s->h[0]; b = s->h[1]; c = s->h[2]; d = s->h[3];
  e = s->h[4]; f = s->h[5]; g = s->h[6]; h = s->h[7];
  ROUNDS8(0, W_OWN);                  /* unrolled: every index a constant */
  ROUNDS8(8, W_OWN);
  ROUNDS8(16, W_NEXT);
  ROUNDS8(24, W_NEXT);
  ROUNDS8(32, W_NEXT);
  ROUNDS8(40, W_NEXT);
  ROUNDS8(48, W_NEXT);
  ROUNDS8(56, W_NEXT);
  s->h[0] += a; s->h[1] += b; s->h[2] += c; s->h[3] += d;
  s->h[4] += e; s->h[5] += f; s->h[6] += g; s->h[7] += h;
}

static void sha_init(Sha256 *s) {
  static const uint32_t iv[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372,
                                 0xa54ff53a, 0x510e527f, 0x9b05688c,
                                 0x1f83d9ab, 0x5be0cd19};
  memcpy(s->h, iv, sizeof iv);
  s->len = 0;
  s->used = 0;
}

static void sha_update(Sha256 *s, const unsigned char *p, size_t n) {
  s->len += n;
  if (s->used == 0) {                 /* whole blocks straight from P */
    for (; n >= 64; p += 64, n -= 64) sha_block(s, p);
  }
  while (n > 0) {
    size_t take = 64 - s->used < n ? 64 - s->used : n;
    memcpy(s->block + s->used, p, take);
    s->used += take;
    p += take;
    n -= take;
    if (s->used == 64) {
      sha_block(s, s->block);
      s->used = 0;
    }
  }
}

static void sha_final(Sha256 *s, unsigned char out[32]) {
  uint64_t bits = s->len * 8;
  unsigned char pad = 0x80, zero = 0, lenbuf[8];
  int i;
  sha_update(s, &pad, 1);
  while (s->used != 56) sha_update(s, &zero, 1);
  for (i = 0; i < 8; i++) lenbuf[i] = (unsigned char)(bits >> (56 - 8 * i));
  sha_update(s, lenbuf, 8);
  for (i = 0; i < 32; i++) out[i] = (unsigned char)(s->h[i / 4] >> (24 - 8 * (i % 4)));
}

/* core.sha256(s1, ...) -> the lower-case hex digest of the strings joined */
static int core_sha256(lua_State *L) {
  static const char hexdigits[] = "0123456789abcdef";
  int i, n = lua_gettop(L);
  Sha256 s;
  unsigned char out[32];
  char hex[64];
  sha_init(&s);
  for (i = 1; i <= n; i++) {
    size_t len;
    const char *p = luaL_checklstring(L, i, &len);
    sha_update(&s, (const unsigned char *)p, len);
  }
  sha_final(&s, out);
  for (i = 0; i < 32; i++) {
    hex[2 * i] = hexdigits[out[i] >> 4];
    hex[2 * i + 1] = hexdigits[out[i] & 15];
  }
  lua_pushlstring(L, hex, 64);
  return 1;
}

void digest_open(lua_State *L) {
  lua_pushcfunction(L, core_sha256);
  lua_setfield(L, -2, "sha256");
}
