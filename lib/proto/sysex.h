/* The Disting NT's SysEx messages that nt_flash uses on a running module
 * (doc/running.md): enter the bootloader, plain reboot, ask the firmware
 * version; and the USB-MIDI 1.0 event packets that carry SysEx over USB.
 * Pure byte work: building, parsing, packing, unpacking. */
#ifndef NT_SYSEX_H
#define NT_SYSEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nt_err.h"

#define SYSEX_START 0xF0
#define SYSEX_END 0xF7
/* Expert Sleepers' three-byte manufacturer ID, then the disting NT prefix. */
#define SYSEX_MANUF_0 0x00
#define SYSEX_MANUF_1 0x21
#define SYSEX_MANUF_2 0x27
#define SYSEX_DISTING_NT 0x6D
#define SYSEX_CMD_REBOOT 0x7F
#define SYSEX_REBOOT_INTO_BOOTLOADER 0x7F /* the extra byte after SYSEX_CMD_REBOOT */
#define SYSEX_CMD_VERSION_REQUEST 0x22
#define SYSEX_CMD_MESSAGE 0x32 /* the answer to the version request */
#define SYSEX_ID_MAX 126       /* IDs the module offers in its menu: 0..126 */
#define SYSEX_HEADER_LEN 6     /* F0 00 21 27 6D <id> */

#define SYSEX_BOOTLOADER_LEN 9
#define SYSEX_REBOOT_LEN 8
#define SYSEX_VERSION_REQUEST_LEN 8
/* The largest SysEx message nt_flash accepts from a module. */
#define SYSEX_MSG_MAX 512
#define SYSEX_VERSION_MAX 64

/* Build the messages into out; the ID is masked to 7 bits as MIDI data
 * bytes must be. Each returns the message length. */
size_t sysex_bootloader(uint8_t out[SYSEX_BOOTLOADER_LEN], unsigned sysex_id);
size_t sysex_reboot(uint8_t out[SYSEX_REBOOT_LEN], unsigned sysex_id);
size_t sysex_version_request(uint8_t out[SYSEX_VERSION_REQUEST_LEN], unsigned sysex_id);

/* True when msg is a disting NT message from the module with this ID whose
 * command byte is cmd. */
bool sysex_is(const uint8_t *msg, size_t len, unsigned sysex_id, uint8_t cmd);

/* Parse a version answer (F0 00 21 27 6D <id> 32 <version> 00 [<date> 00] F7)
 * from the module with this ID: version and date (date may be NULL) get the
 * NUL-terminated strings, "" for a missing date. NT_E_PROTOCOL when msg is
 * not such an answer or holds bytes that are not printable ASCII. */
nt_status sysex_parse_version(const uint8_t *msg, size_t len, unsigned sysex_id, char *version, size_t vcap,
                              char *date, size_t dcap, struct nt_err *err);

/* Compare two "MAJOR.MINOR[.PATCH...]" versions numerically (a leading "v"
 * and anything after the numbers are ignored): <0, 0, >0. A text with no
 * leading number sorts first. */
int sysex_version_cmp(const char *a, const char *b);

/* --- USB-MIDI 1.0 event packets (USB Device Class Definition for MIDI
 * Devices 1.0, §4): 4 bytes, byte 0 = cable number << 4 | code index number. */
#define USBMIDI_PACKET_LEN 4
#define USBMIDI_CIN_SYSEX_START 0x4 /* SysEx starts or continues: 3 bytes */
#define USBMIDI_CIN_SYSEX_END1 0x5  /* SysEx ends with the next 1 byte */
#define USBMIDI_CIN_SYSEX_END2 0x6  /* SysEx ends with the next 2 bytes */
#define USBMIDI_CIN_SYSEX_END3 0x7  /* SysEx ends with the next 3 bytes */
#define USBMIDI_CABLE_MAX 15

/* Pack one SysEx message into event packets on cable (0..15) into out.
 * Returns the bytes written (a multiple of 4), 0 when out is too small or
 * msg is empty. Unused bytes of the last packet are 0. */
size_t usbmidi_pack(const uint8_t *msg, size_t len, unsigned cable, uint8_t *out, size_t cap);

/* Reassembles SysEx messages from event packets. Zero-initialise it. */
struct usbmidi_rx {
    uint8_t msg[SYSEX_MSG_MAX];
    size_t len;
    bool active;   /* inside a message */
    bool overflow; /* the current message did not fit: it is dropped */
};

/* Feed one 4-byte packet. Returns true when a complete SysEx message is in
 * rx->msg[0..rx->len) (valid until the next call). Packets of other code
 * index numbers (notes, clock...) are ignored; a message that overflows
 * SYSEX_MSG_MAX, or is cut by a new F0, is dropped. */
bool usbmidi_feed(struct usbmidi_rx *rx, const uint8_t pkt[USBMIDI_PACKET_LEN]);

#endif
