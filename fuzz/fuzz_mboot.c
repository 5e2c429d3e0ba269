/* Fuzz target: MCUboot response decoding, on its own and in the host. The
 * input is a sequence of IN reports (a length byte, then the bytes) that a
 * fake flashloader answers with while the host asks for properties, writes,
 * reads and resets. */
#include <string.h>

#include "fake_tp.h"
#include "fuzz.h"
#include "mboot.h"

#define FUZZ_WRITE_BYTES 64
#define FUZZ_READ_BYTES 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fake_tp *f = fake_tp_new(TP_KIND_MBOOT, MBOOT_REPORT_LEN, MBOOT_REPORT_LEN);
    struct mboot_host h;
    struct mboot_packet pkt;
    struct nt_err err;
    uint8_t buf[FUZZ_READ_BYTES], payload[FUZZ_WRITE_BYTES];
    uint32_t values[8];
    const uint8_t *chunk;
    size_t len, used, n = 0, off = 0;
    unsigned dropped = 0;
    bool flag = false;

    if (!f)
        return 0;
    /* The whole input as one response report, then as a queue of them. */
    mboot_decode_response(data, size, &pkt, &flag, &err);
    mboot_decode_packet(data, size, &pkt, &err);
    while ((used = fuzz_next_chunk(data + off, size - off, &chunk, &len)) != 0) {
        fake_tp_queue(f, chunk, len, 0);
        off += used;
    }
    memset(&h, 0, sizeof h);
    h.dev = &f->dev;
    h.tscale = 0;
    memset(payload, 0x5A, sizeof payload);
    mboot_resync(&h, &dropped, &err);
    mboot_get_property(&h, MBOOT_PROP_EXT_MEMORY_ATTRS, 9, values, 8, &n, &err);
    mboot_write_memory(&h, 0x60002000u, payload, sizeof payload, 0, NULL, NULL, &err);
    mboot_read_memory(&h, 0x60002000u, buf, sizeof buf, 0, &err);
    mboot_erase_region(&h, 0x60000000u, 0x1000u, 0, &err);
    mboot_reset(&h, &flag, &err);
    fake_tp_free(f);
    return 0;
}
