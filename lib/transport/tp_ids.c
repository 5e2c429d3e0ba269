/* The USB identities of NXP boot devices (the two that nt_flash flashes and
 * the other ROMs it names but leaves alone) and of the running module. Pure data, shared by the USB
 * backend (which devices to report) and the front ends (mode names). */
#include "transport.h"

/* The two devices nt_flash flashes (doc/protocol.md §1), then other NXP ROMs and
 * bootloaders that --list names but nt_flash leaves alone (IDs from SPSDK's
 * sdp USB_DEVICES table, spsdk/sdp/interfaces/usb.py). */
static const struct tp_known_id known_ids[] = {
    { TP_ROM_VID, TP_ROM_PID, TP_KIND_SDP, "sdp", "i.MX RT1060/RT1064 ROM (SDP)" },
    { TP_FLASHLOADER_VID, TP_FLASHLOADER_PID, TP_KIND_MBOOT, "mboot", "NXP MCU flashloader (MCUboot)" },
    /* The running module: USB-MIDI, rebooted into the ROM by SysEx (doc/running.md §1). */
    { TP_APP_VID, TP_APP_PID, TP_KIND_APP, "app", "Disting NT running (USB MIDI)" },
    { 0x1FC9, 0x0130, TP_KIND_OTHER, "rt1050-sdp", "i.MX RT1020/RT1050 ROM (SDP)" },
    { 0x1FC9, 0x0126, TP_KIND_OTHER, "mx7ulp-sdp", "i.MX 7ULP ROM (SDP)" },
    { 0x1FC9, 0x012B, TP_KIND_OTHER, "mx8mq-sdp", "i.MX 8MQ ROM (SDP)" },
    { 0x1FC9, 0x012F, TP_KIND_OTHER, "mx8qxp-sdp", "i.MX 8QXP ROM (SDP)" },
    { 0x15A2, 0x0080, TP_KIND_OTHER, "mx6ull-sdp", "i.MX 6ULL ROM (SDP)" },
};

const struct tp_known_id *tp_lookup_id(uint16_t vid, uint16_t pid)
{
    for (size_t i = 0; i < sizeof known_ids / sizeof known_ids[0]; i++)
        if (known_ids[i].vid == vid && known_ids[i].pid == pid)
            return &known_ids[i];
    return NULL;
}

