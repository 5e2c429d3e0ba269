/* Fuzz target: what a running module sends back over USB-MIDI: 4-byte event
 * packets reassembled into SysEx messages, each then read as a version
 * answer, as the session and --list do with a device's bytes. */
#include <string.h>

#include "fuzz.h"
#include "sysex.h"

#define FUZZ_TEXT_BYTES 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct usbmidi_rx rx;
    struct nt_err err;
    char version[FUZZ_TEXT_BYTES], date[FUZZ_TEXT_BYTES];
    unsigned id = size ? data[0] & 0x7Fu : 0;

    memset(&rx, 0, sizeof rx);
    for (size_t off = 1; off + USBMIDI_PACKET_LEN <= size; off += USBMIDI_PACKET_LEN) {
        if (!usbmidi_feed(&rx, data + off))
            continue;
        sysex_parse_version(rx.msg, rx.len, id, version, sizeof version, date, sizeof date, &err);
        sysex_is(rx.msg, rx.len, id, 0x32);
    }
    /* The packer must accept whatever the reader produced, and fit its bound. */
    if (size > 1) {
        uint8_t out[4 * (SYSEX_MSG_MAX / 3 + 2)];
        size_t n = size - 1 < SYSEX_MSG_MAX ? size - 1 : SYSEX_MSG_MAX;
        usbmidi_pack(data + 1, n, data[0] & 0x0Fu, out, sizeof out);
    }
    return 0;
}
