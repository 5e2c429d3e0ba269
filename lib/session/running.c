/* The running module over USB-MIDI (running.h): SysEx messages built by
 * lib/proto/sysex.c, sent as event packets through the transport. */
#include "running.h"

#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "sysex.h"

#define RUNNING_CABLE 0
#define RUNNING_WRITE_TIMEOUT_MS 1000
#define RUNNING_TIMEOUT_FLOOR_MS 50
#define RUNNING_XFER_MAX 512

static nt_status send_sysex(struct tp_dev *dev, const uint8_t *msg, size_t len, struct nt_err *err)
{
    uint8_t pk[RUNNING_XFER_MAX];
    size_t n = usbmidi_pack(msg, len, RUNNING_CABLE, pk, sizeof pk);

    if (n == 0)
        return nt_err_set(err, NT_E_INTERNAL, "a %zu-byte SysEx message does not fit one transfer", len);
    return tp_write(dev, pk, n, RUNNING_WRITE_TIMEOUT_MS, err);
}

bool running_takes_bootloader_message(const char *version)
{
    return sysex_version_cmp(version, RUNNING_BOOTLOADER_MIN_VERSION) >= 0;
}

nt_status running_ask_version(struct tp_bus *bus, const struct tp_devinfo *info, unsigned sysex_id,
                              double tscale, char *version, size_t cap, struct nt_err *err)
{
    uint8_t msg[SYSEX_VERSION_REQUEST_LEN];
    struct usbmidi_rx rx;
    struct tp_dev *dev = NULL;
    int wait_ms = clock_scale_ms(RUNNING_VERSION_TIMEOUT_MS, tscale, RUNNING_TIMEOUT_FLOOR_MS);
    int64_t deadline;
    nt_status st = bus->ops->open(bus, info, &dev, err);

    if (st != NT_OK)
        return st;
    memset(&rx, 0, sizeof rx);
    st = send_sysex(dev, msg, sysex_version_request(msg, sysex_id), err);
    deadline = clock_now_ms() + wait_ms;
    while (st == NT_OK) {
        uint8_t buf[RUNNING_XFER_MAX];
        size_t n = 0;
        int64_t left = deadline - clock_now_ms();
        if (left <= 0) {
            st = nt_err_set(err, NT_E_TIMEOUT,
                            "the running module at port %s did not answer the version request (SysEx ID "
                            "%u) within %d ms",
                            info->port, sysex_id & 0x7Fu, wait_ms);
            break;
        }
        st = tp_read(dev, buf, sizeof buf, &n, (int)left, err);
        if (st == NT_E_TIMEOUT)
            st = NT_OK; /* the loop reports it with the whole wait */
        for (size_t i = 0; st == NT_OK && i + USBMIDI_PACKET_LEN <= n; i += USBMIDI_PACKET_LEN) {
            /* other MIDI traffic and other modules' answers are skipped */
            if (usbmidi_feed(&rx, buf + i) && sysex_is(rx.msg, rx.len, sysex_id, SYSEX_CMD_MESSAGE)) {
                st = sysex_parse_version(rx.msg, rx.len, sysex_id, version, cap, NULL, 0, err);
                tp_close(dev);
                return st;
            }
        }
    }
    tp_close(dev);
    return st;
}

nt_status running_enter_bootloader(struct tp_bus *bus, const struct tp_devinfo *info, unsigned sysex_id,
                                   struct nt_err *err)
{
    uint8_t msg[SYSEX_BOOTLOADER_LEN];
    struct tp_dev *dev = NULL;
    nt_status st = bus->ops->open(bus, info, &dev, err);

    if (st != NT_OK)
        return st;
    st = send_sysex(dev, msg, sysex_bootloader(msg, sysex_id), err);
    tp_close(dev);
    return st;
}
