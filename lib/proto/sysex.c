/* Disting NT SysEx messages and USB-MIDI event packets (sysex.h,
 * doc/running.md). */
#include "sysex.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#define SYSEX_DATA_MASK 0x7Fu /* MIDI data bytes carry 7 bits */

static size_t header(uint8_t *out, unsigned sysex_id)
{
    out[0] = SYSEX_START;
    out[1] = SYSEX_MANUF_0;
    out[2] = SYSEX_MANUF_1;
    out[3] = SYSEX_MANUF_2;
    out[4] = SYSEX_DISTING_NT;
    out[5] = (uint8_t)(sysex_id & SYSEX_DATA_MASK);
    return SYSEX_HEADER_LEN;
}

size_t sysex_bootloader(uint8_t out[SYSEX_BOOTLOADER_LEN], unsigned sysex_id)
{
    size_t n = header(out, sysex_id);
    out[n++] = SYSEX_CMD_REBOOT;
    out[n++] = SYSEX_REBOOT_INTO_BOOTLOADER;
    out[n++] = SYSEX_END;
    return n;
}

size_t sysex_reboot(uint8_t out[SYSEX_REBOOT_LEN], unsigned sysex_id)
{
    size_t n = header(out, sysex_id);
    out[n++] = SYSEX_CMD_REBOOT;
    out[n++] = SYSEX_END;
    return n;
}

size_t sysex_version_request(uint8_t out[SYSEX_VERSION_REQUEST_LEN], unsigned sysex_id)
{
    size_t n = header(out, sysex_id);
    out[n++] = SYSEX_CMD_VERSION_REQUEST;
    out[n++] = SYSEX_END;
    return n;
}

bool sysex_is(const uint8_t *msg, size_t len, unsigned sysex_id, uint8_t cmd)
{
    uint8_t want[SYSEX_HEADER_LEN];

    header(want, sysex_id);
    return len >= SYSEX_HEADER_LEN + 2 && memcmp(msg, want, SYSEX_HEADER_LEN) == 0 &&
        msg[SYSEX_HEADER_LEN] == cmd && msg[len - 1] == SYSEX_END;
}

/* Copy the NUL- (or end-) terminated ASCII text at msg[*pos..end) into out;
 * false on a byte that is not printable. */
static bool take_text(const uint8_t *msg, size_t end, size_t *pos, char *out, size_t cap)
{
    size_t n = 0;

    while (*pos < end && msg[*pos] != 0) {
        uint8_t c = msg[*pos];
        if (c < 0x20 || c > 0x7E)
            return false;
        if (out && n + 1 < cap)
            out[n++] = (char)c;
        (*pos)++;
    }
    if (*pos < end)
        (*pos)++; /* the NUL */
    if (out && cap > 0)
        out[n] = '\0';
    return true;
}

nt_status sysex_parse_version(const uint8_t *msg, size_t len, unsigned sysex_id, char *version, size_t vcap,
                              char *date, size_t dcap, struct nt_err *err)
{
    size_t pos = SYSEX_HEADER_LEN + 1, end;

    if (!sysex_is(msg, len, sysex_id, SYSEX_CMD_MESSAGE))
        return nt_err_set(err, NT_E_PROTOCOL, "the module's answer is not a version message for SysEx ID %u",
                          sysex_id & 0x7Fu);
    end = len - 1; /* before F7 */
    if (!take_text(msg, end, &pos, version, vcap) || !take_text(msg, end, &pos, date, dcap))
        return nt_err_set(err, NT_E_PROTOCOL, "the module's version message holds non-ASCII bytes");
    if (version[0] == '\0')
        return nt_err_set(err, NT_E_PROTOCOL, "the module's version message is empty");
    return NT_OK;
}

/* Parse up to three dot-separated numbers after an optional v. */
static void version_parts(const char *s, long part[3], bool *any)
{
    part[0] = part[1] = part[2] = 0;
    *any = false;
    if (*s == 'v' || *s == 'V')
        s++;
    for (int i = 0; i < 3; i++) {
        char *end;
        if (!isdigit((unsigned char)*s))
            return;
        part[i] = strtol(s, &end, 10);
        *any = true;
        s = end;
        if (*s != '.')
            return;
        s++;
    }
}

int sysex_version_cmp(const char *a, const char *b)
{
    long pa[3], pb[3];
    bool ha, hb;

    version_parts(a, pa, &ha);
    version_parts(b, pb, &hb);
    if (ha != hb)
        return ha ? 1 : -1;
    for (int i = 0; i < 3; i++)
        if (pa[i] != pb[i])
            return pa[i] < pb[i] ? -1 : 1;
    return 0;
}

size_t usbmidi_pack(const uint8_t *msg, size_t len, unsigned cable, uint8_t *out, size_t cap)
{
    size_t npk = (len + 2) / 3, o = 0;
    uint8_t cn = (uint8_t)((cable & USBMIDI_CABLE_MAX) << 4);

    if (len == 0 || npk * USBMIDI_PACKET_LEN > cap)
        return 0;
    for (size_t i = 0; i < len; i += 3) {
        size_t chunk = len - i > 3 ? 3 : len - i;
        bool last = i + chunk == len;
        uint8_t cin = USBMIDI_CIN_SYSEX_START;
        if (last)
            cin = (uint8_t)(USBMIDI_CIN_SYSEX_END1 + chunk - 1);
        out[o] = (uint8_t)(cn | cin);
        for (size_t k = 0; k < 3; k++)
            out[o + 1 + k] = k < chunk ? msg[i + k] : 0;
        o += USBMIDI_PACKET_LEN;
    }
    return o;
}

static void rx_put(struct usbmidi_rx *rx, uint8_t b)
{
    if (b == SYSEX_START) { /* a new message starts (and cuts an unfinished one) */
        rx->len = 0;
        rx->active = true;
        rx->overflow = false;
    }
    if (!rx->active)
        return;
    if (rx->len == sizeof rx->msg)
        rx->overflow = true;
    else
        rx->msg[rx->len++] = b;
}

bool usbmidi_feed(struct usbmidi_rx *rx, const uint8_t pkt[USBMIDI_PACKET_LEN])
{
    uint8_t cin = pkt[0] & 0x0F;
    size_t n;

    switch (cin) {
    case USBMIDI_CIN_SYSEX_START: n = 3; break;
    case USBMIDI_CIN_SYSEX_END1:
        /* CIN 5 also carries one-byte system common messages: only F7 ends SysEx */
        if (pkt[1] != SYSEX_END)
            return false;
        n = 1;
        break;
    case USBMIDI_CIN_SYSEX_END2: n = 2; break;
    case USBMIDI_CIN_SYSEX_END3: n = 3; break;
    default: return false;
    }
    for (size_t k = 0; k < n; k++)
        rx_put(rx, pkt[1 + k]);
    if (cin == USBMIDI_CIN_SYSEX_START || !rx->active)
        return false;
    rx->active = false;
    if (rx->overflow || rx->len < 2 || rx->msg[rx->len - 1] != SYSEX_END)
        return false;
    return true;
}
