/* Fuzz target: SDP response handling. The input is a sequence of IN
 * reports (a length byte, then the bytes) that a fake boot ROM answers with
 * while the host drains, asks for the status, writes a file and jumps. */
#include <string.h>

#include "fake_tp.h"
#include "fuzz.h"
#include "sdp.h"

#define FUZZ_FILE_BYTES 2048

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t file[FUZZ_FILE_BYTES];
    struct fake_tp *f = fake_tp_new(TP_KIND_SDP, SDP_IN_REPORT_MAX, SDP_DATA_REPORT_LEN);
    struct sdp_host h;
    struct nt_err err;
    const uint8_t *chunk;
    size_t len, used, off = 0;
    unsigned dropped = 0;
    uint32_t hab = 0, status = 0;

    if (!f)
        return 0;
    while ((used = fuzz_next_chunk(data + off, size - off, &chunk, &len)) != 0) {
        fake_tp_queue(f, chunk, len, 0);
        off += used;
    }
    memset(&h, 0, sizeof h);
    h.dev = &f->dev;
    h.tscale = 0;
    sdp_drain(&h, &dropped, &err);
    sdp_error_status(&h, &hab, &status, &err);
    sdp_write_file(&h, 0x20001C00u, file, sizeof file, NULL, NULL, &err);
    sdp_jump(&h, 0x20001C00u, &err);
    fake_tp_free(f);
    return 0;
}
