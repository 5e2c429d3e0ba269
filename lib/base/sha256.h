/* A small SHA-256 (FIPS 180-4) so the package summary can name each image's
 * digest without pulling in a crypto library. */
#ifndef NT_SHA256_H
#define NT_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_DIGEST_BYTES 32
#define SHA256_BLOCK_BYTES 64

struct sha256_ctx {
    uint32_t h[8];
    uint64_t total_bytes;
    uint8_t block[SHA256_BLOCK_BYTES];
    size_t fill;
};

void sha256_init(struct sha256_ctx *c);
void sha256_update(struct sha256_ctx *c, const void *data, size_t len);
void sha256_final(struct sha256_ctx *c, uint8_t out[SHA256_DIGEST_BYTES]);
/* One-shot convenience. */
void sha256(const void *data, size_t len, uint8_t out[SHA256_DIGEST_BYTES]);

#endif
