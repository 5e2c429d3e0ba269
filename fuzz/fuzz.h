/* The libFuzzer entry point every target in fuzz/ defines. Built with
 * --enable-fuzzing, libFuzzer calls it; otherwise replay.c does, once per
 * file of the target's seed corpus, so `make check` replays the corpora
 * under any compiler. */
#ifndef NT_FUZZ_H
#define NT_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Split data into reports: each is a length byte n then n bytes (fewer at
 * the end). Returns the bytes used, 0 at the end of data. */
static inline size_t fuzz_next_chunk(const uint8_t *data, size_t size, const uint8_t **chunk, size_t *len)
{
    size_t n;
    if (size == 0)
        return 0;
    n = data[0];
    if (n > size - 1)
        n = size - 1;
    *chunk = data + 1;
    *len = n;
    return 1 + n;
}

#endif
