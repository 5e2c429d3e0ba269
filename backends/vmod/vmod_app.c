/* The virtual module running its firmware (doc/running.md): a USB-MIDI
 * device whose OUT and IN "reports" are USB-MIDI event packets. It answers
 * the version request, reboots on the reboot message and reboots into the
 * ROM on the bootloader message, each only when the SysEx ID is its own.
 *
 * Model choices (doc/running.md §4, §5):
 * - Firmware before 1.15 answers the version request but ignores the
 *   bootloader message (it only reboots into the ROM from its menu).
 * - A firmware version of "" (unknown) answers nothing, so the host sees a
 *   running module of unknown version.
 * - After the flashloader's reset the module runs the image in the NOR: its
 *   version is the text after app_marker= (a NUL ends it); an image without
 *   the marker runs with version "".
 * - Answers are ready APP_ANSWER_S after the request; the reboot into the
 *   ROM takes enum_delay=, a plain reboot and the boot after a flash take
 *   app_boot=.
 * The protocol constants are kept here on purpose (the model does not share
 * the host's code). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmod_int.h"

#define APP_ANSWER_S 0.002
#define APP_PACKET_LEN 4
#define APP_CIN_SYSEX_START 0x4
#define APP_CIN_SYSEX_END1 0x5
#define APP_CIN_SYSEX_END3 0x7
#define APP_HEADER_LEN 6
#define APP_CMD_VERSION 0x22
#define APP_CMD_MESSAGE 0x32
#define APP_CMD_REBOOT 0x7F
#define APP_BOOTLOADER_FROM_MAJOR 1 /* the bootloader message needs 1.15 or later */
#define APP_BOOTLOADER_FROM_MINOR 15
#define APP_BUILD_DATE "virtual"
#define APP_ANSWER_MAX 160

static const uint8_t HEADER[APP_HEADER_LEN - 1] = { 0xF0, 0x00, 0x21, 0x27, 0x6D };

/* The version after the marker in the NOR, or "". */
static void version_from_nor(struct vmod_engine *e)
{
    const char *marker = e->cfg.app_marker;
    size_t ml = strlen(marker);
    const uint8_t *p = NULL, *end = e->nor.mem + e->nor.size;

    e->app.version[0] = '\0';
    for (const uint8_t *q = e->nor.mem; ml && (size_t)(end - q) >= ml; q++) {
        q = memchr(q, marker[0], (size_t)(end - q) - ml + 1);
        if (!q)
            break;
        if (memcmp(q, marker, ml) == 0) {
            p = q;
            break;
        }
    }
    if (!p)
        return;
    p += ml;
    for (size_t i = 0; i + 1 < sizeof e->app.version && p + i < end; i++) {
        if (p[i] < 0x20 || p[i] > 0x7E)
            break;
        e->app.version[i] = (char)p[i];
        e->app.version[i + 1] = '\0';
    }
}

void vmod__app_boot(struct vmod_engine *e)
{
    e->app.rx_len = 0;
    e->app.rx_active = false;
    if (e->app.flashed)
        version_from_nor(e);
    else
        snprintf(e->app.version, sizeof e->app.version, "%s", e->cfg.app_version);
}

static bool takes_bootloader_message(const char *version)
{
    unsigned major = 0, minor = 0;
    const char *v = version[0] == 'v' ? version + 1 : version;

    if (sscanf(v, "%u.%u", &major, &minor) != 2)
        return false;
    return major > APP_BOOTLOADER_FROM_MAJOR ||
        (major == APP_BOOTLOADER_FROM_MAJOR && minor >= APP_BOOTLOADER_FROM_MINOR);
}

/* Queue msg as event packets on cable 0, as one IN transfer. */
static void answer(struct vmod_engine *e, const uint8_t *msg, size_t len)
{
    uint8_t pk[APP_ANSWER_MAX];
    size_t o = 0;

    for (size_t i = 0; i < len && o + APP_PACKET_LEN <= sizeof pk; i += 3) {
        size_t chunk = len - i > 3 ? 3 : len - i;
        pk[o] = i + chunk == len ? (uint8_t)(APP_CIN_SYSEX_END1 + chunk - 1) : APP_CIN_SYSEX_START;
        for (size_t k = 0; k < 3; k++)
            pk[o + 1 + k] = k < chunk ? msg[i + k] : 0;
        o += APP_PACKET_LEN;
    }
    vmod__queue(e, pk, o, e->now + APP_ANSWER_S);
}

static void version_answer(struct vmod_engine *e)
{
    uint8_t m[APP_ANSWER_MAX / 2];
    size_t n = 0, vl = strlen(e->app.version), dl = strlen(APP_BUILD_DATE);

    if (vl == 0 || APP_HEADER_LEN + 1 + vl + 1 + dl + 2 > sizeof m)
        return; /* unknown firmware: silence */
    memcpy(m, HEADER, sizeof HEADER);
    n = sizeof HEADER;
    m[n++] = (uint8_t)e->cfg.sysex_id;
    m[n++] = APP_CMD_MESSAGE;
    memcpy(m + n, e->app.version, vl + 1);
    n += vl + 1;
    memcpy(m + n, APP_BUILD_DATE, dl + 1);
    n += dl + 1;
    m[n++] = 0xF7;
    answer(e, m, n);
}

/* A complete SysEx message arrived. */
static void handle(struct vmod_engine *e, const uint8_t *m, size_t len)
{
    if (len < APP_HEADER_LEN + 2 || memcmp(m, HEADER, sizeof HEADER) != 0 || m[5] != e->cfg.sysex_id)
        return; /* another device's, or another module's: not ours to answer */
    if (len == APP_HEADER_LEN + 2 && m[6] == APP_CMD_VERSION) {
        version_answer(e);
    } else if (len == APP_HEADER_LEN + 2 && m[6] == APP_CMD_REBOOT) {
        vmod__leave_at(e, e->now, TP_KIND_APP);
        e->app.flashed = false; /* the same firmware boots again */
    } else if (len == APP_HEADER_LEN + 3 && m[6] == APP_CMD_REBOOT && m[7] == APP_CMD_REBOOT &&
               takes_bootloader_message(e->app.version)) {
        vmod__leave_at(e, e->now, TP_KIND_SDP);
    }
}

void vmod__app_out(struct vmod_engine *e, const uint8_t *r, size_t len)
{
    struct vmod_app *a = &e->app;

    for (size_t i = 0; i + APP_PACKET_LEN <= len; i += APP_PACKET_LEN) {
        uint8_t cin = r[i] & 0x0F;
        size_t n;
        if (cin == APP_CIN_SYSEX_START)
            n = 3;
        else if (cin >= APP_CIN_SYSEX_END1 && cin <= APP_CIN_SYSEX_END3)
            n = (size_t)(cin - APP_CIN_SYSEX_END1 + 1);
        else
            continue; /* notes, clock: not for us */
        for (size_t k = 0; k < n; k++) {
            uint8_t b = r[i + 1 + k];
            if (b == 0xF0) {
                a->rx_len = 0;
                a->rx_active = true;
            }
            if (!a->rx_active)
                continue;
            if (a->rx_len == sizeof a->rx) {
                a->rx_active = false; /* too long for anything we answer */
                continue;
            }
            a->rx[a->rx_len++] = b;
            if (b == 0xF7) {
                a->rx_active = false;
                handle(e, a->rx, a->rx_len);
            }
        }
    }
}
