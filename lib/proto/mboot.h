/* Host side of the NXP MCUboot (blhost) protocol over HID reports
 * (doc/protocol.md §3): framing, commands, the write-memory data phase. */
#ifndef NT_MBOOT_H
#define NT_MBOOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mboot_wire.h"
#include "nt_err.h"
#include "progress.h"
#include "transport.h"

/* A decoded command or response packet. */
struct mboot_packet {
    uint8_t tag;
    uint8_t flags;
    uint8_t nparams;
    uint32_t params[MBOOT_MAX_PARAMS];
};

struct mboot_host {
    struct tp_dev *dev;
    double tscale;       /* host timeouts multiplied by this (simulation speed; 1 on
                            hardware, 0 leaves every timeout at its 200 ms floor) */
    uint32_t max_packet; /* data payload per DATA_OUT (0 = ask the device once with
                            GetProperty 0x0B; 32 if unsupported; never above 1012) */
};

/* Framing: build a command report (ID 1) of MBOOT_REPORT_LEN bytes, zero
 * padded. Returns the framed length (4 + packet) or 0 if it does not fit. */
size_t mboot_encode_command(uint8_t *report, size_t cap, const struct mboot_packet *pkt);
/* Framing of one DATA_OUT report (ID 2) carrying n payload bytes, zero padded
 * to MBOOT_REPORT_LEN (or cap if smaller). Returns 4 + n, or 0 if it does not fit. */
size_t mboot_encode_data(uint8_t *report, size_t cap, const uint8_t *data, size_t n);
/* Parse a bare command/response packet (no HID framing): tag, flags,
 * reserved (ignored), parameter count, little-endian parameters. */
nt_status mboot_decode_packet(const uint8_t *packet, size_t len, struct mboot_packet *pkt,
                              struct nt_err *err);
/* Parse a response packet from a CMD_IN report. NT_E_PROTOCOL on a bad
 * report ID, length field or parameter count. A zero-length report decodes
 * as tag 0 with *is_abort = true. */
nt_status mboot_decode_response(const uint8_t *report, size_t len, struct mboot_packet *pkt, bool *is_abort,
                                struct nt_err *err);

/* Status names and messages (doc/protocol.md §3.9): "kStatus_MemoryCumulativeWrite",
 * and a sentence that says what it means for the user. */
const char *mboot_status_name(uint32_t status);
const char *mboot_status_message(uint32_t status);

/* Drop IN reports already queued (polls with timeout 0, so it is cheap);
 * every command does this first, so stale answers never pass for new ones. */
nt_status mboot_drain(struct mboot_host *h, unsigned *dropped, struct nt_err *err);
/* Right after opening: drain, then end any data phase an earlier host left
 * open (a zero-length DATA_OUT, which the command phase ignores), and drain
 * its answer. A run that died mid-write can then simply be repeated. */
nt_status mboot_resync(struct mboot_host *h, unsigned *dropped, struct nt_err *err);
/* GetProperty: up to max values into values[], *count (may be NULL) = how
 * many the device sent. A status != 0 is NT_E_STATUS (10300 = unknown property). */
nt_status mboot_get_property(struct mboot_host *h, uint32_t tag, uint32_t mem_id, uint32_t *values,
                             size_t max, size_t *count, struct nt_err *err);
nt_status mboot_fill_memory(struct mboot_host *h, uint32_t addr, uint32_t count, uint32_t pattern,
                            struct nt_err *err);
nt_status mboot_configure_memory(struct mboot_host *h, uint32_t mem_id, uint32_t addr, struct nt_err *err);
/* Erase [addr, addr+len) with one FlashEraseRegion; the answer timeout is
 * sized by the number of 4 KiB sectors (doc/protocol.md §5). */
nt_status mboot_erase_region(struct mboot_host *h, uint32_t addr, uint32_t len, uint32_t mem_id,
                             struct nt_err *err);
/* WriteMemory with its data phase; progress after each acknowledged packet
 * (bytes handed to the device). Device-side aborts are recognised mid-phase
 * and reported as NT_E_STATUS with the device's status. A stop request is
 * honoured between commands, never inside a data phase. */
nt_status mboot_write_memory(struct mboot_host *h, uint32_t addr, const uint8_t *data, size_t len,
                             uint32_t mem_id, nt_progress_fn progress, void *user, struct nt_err *err);
/* The data payload per report the flashloader takes and gives: its
 * MaxPacketSize (asked once, cached in h->max_packet; 32 if unsupported),
 * never more than a report holds. */
nt_status mboot_packet_size(struct mboot_host *h, size_t *out, struct nt_err *err);
/* ReadMemory with its data IN phase, as one command. */
nt_status mboot_read_memory(struct mboot_host *h, uint32_t addr, uint8_t *buf, size_t len, uint32_t mem_id,
                            struct nt_err *err);
/* Reset: a missing answer or a disconnect after the command is success
 * (*answered tells which, may be NULL). */
nt_status mboot_reset(struct mboot_host *h, bool *answered, struct nt_err *err);

#endif
