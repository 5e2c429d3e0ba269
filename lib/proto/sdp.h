/* Host side of the i.MX RT ROM Serial Download Protocol over HID reports
 * (doc/protocol.md §2): probe, WRITE_FILE and JUMP_ADDRESS. */
#ifndef NT_SDP_H
#define NT_SDP_H

#include <stddef.h>
#include <stdint.h>

#include "nt_err.h"
#include "progress.h"
#include "sdp_wire.h"
#include "transport.h"

struct sdp_host {
    struct tp_dev *dev;
    double tscale; /* host timeouts are multiplied by this (simulation speed); 1 on
                      hardware, never below a 200 ms floor */
};

/* Encode a command report (report ID 1 + 16 big-endian bytes) into out[17]. */
void sdp_encode_command(uint8_t out[SDP_CMD_REPORT_LEN], uint16_t type, uint32_t addr, uint8_t format,
                        uint32_t count, uint32_t data);

/* Read and discard IN reports that are already queued (stale answers of an
 * earlier session), reading with a short timeout until none comes (at most
 * 64); returns how many were dropped in *dropped (may be NULL). */
nt_status sdp_drain(struct sdp_host *h, unsigned *dropped, struct nt_err *err);

/* ERROR_STATUS: presence probe. *hab gets the report-3 HAB word (open or
 * closed; anything else is a protocol error), *status the report-4 word. */
nt_status sdp_error_status(struct sdp_host *h, uint32_t *hab, uint32_t *status, struct nt_err *err);

/* WRITE_FILE data to addr in 1024-byte data reports; progress per report. */
nt_status sdp_write_file(struct sdp_host *h, uint32_t addr, const uint8_t *data, size_t len,
                         nt_progress_fn progress, void *user, struct nt_err *err);

/* JUMP_ADDRESS to the IVT at addr. NT_OK means the ROM accepted and jumped
 * (report 3, then silence or disconnect); a report 4 is a rejection
 * (NT_E_STATUS with device_status = the word). */
nt_status sdp_jump(struct sdp_host *h, uint32_t addr, struct nt_err *err);

#endif
