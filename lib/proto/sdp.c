/* Host side of the i.MX RT ROM Serial Download Protocol (doc/protocol.md §2):
 * the commands nt_flash needs to load the RAM flashloader and start it. */
#include "sdp.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "bytes.h"
#include "clock.h"

/* nt_err_prefix that keeps the status even when the caller passed no err. */
#define SDP_PREFIXED(st, err, ...) (nt_err_prefix((err), __VA_ARGS__), (st))

/* Stale reports: a short read timeout is enough because the backend queues
 * IN reports; the count bound stops a babbling device from hanging us. */
#define SDP_DRAIN_POLL_MS 20
#define SDP_DRAIN_MAX_REPORTS 64

/* Every host tool uses 1-10 s per transfer (doc/protocol.md §5); the ROM answers
 * within milliseconds, so a few seconds only matters on a sick device. */
#define SDP_OUT_TIMEOUT_MS 2000
#define SDP_ANSWER_TIMEOUT_MS 3000
/* After JUMP_ADDRESS the ROM sends rpt 3 at once, then either nothing (it
 * jumped) or rpt 4 (rejected); doc/protocol.md §2.4 suggests 100-500 ms. */
#define SDP_JUMP_HAB_TIMEOUT_MS 1000
#define SDP_JUMP_REJECT_WINDOW_MS 500
/* Simulated runs scale timeouts towards 0; keep enough for a scheduler hiccup. */
#define SDP_TIMEOUT_FLOOR_MS 200

static int sdp_ms(const struct sdp_host *h, int ms)
{
    return clock_scale_ms(ms, h->tscale, SDP_TIMEOUT_FLOOR_MS);
}

void sdp_encode_command(uint8_t out[SDP_CMD_REPORT_LEN], uint16_t type, uint32_t addr, uint8_t format,
                        uint32_t count, uint32_t data)
{
    /* doc/protocol.md §2.1: all multi-byte fields big-endian, byte 15 reserved. */
    memset(out, 0, SDP_CMD_REPORT_LEN);
    out[0] = SDP_CMD_REPORT_ID;
    put_be16(out + 1, type);
    put_be32(out + 3, addr);
    out[7] = format;
    put_be32(out + 8, count);
    put_be32(out + 12, data);
}

nt_status sdp_drain(struct sdp_host *h, unsigned *dropped, struct nt_err *err)
{
    nt_status st = tp_drain(h->dev, SDP_DRAIN_POLL_MS, SDP_DRAIN_MAX_REPORTS, dropped, err);
    return st == NT_OK ? NT_OK : SDP_PREFIXED(st, err, "draining stale ROM reports");
}

static nt_status sdp_send_command(struct sdp_host *h, const char *what, uint16_t type, uint32_t addr,
                                  uint32_t count, struct nt_err *err)
{
    uint8_t cmd[SDP_CMD_REPORT_LEN];
    nt_status st;
    sdp_encode_command(cmd, type, addr, 0, count, 0);
    st = tp_write(h->dev, cmd, sizeof cmd, sdp_ms(h, SDP_OUT_TIMEOUT_MS), err);
    if (st != NT_OK)
        return SDP_PREFIXED(st, err, "sending %s to the ROM", what);
    return NT_OK;
}

/* Read one IN report and insist on its report ID and a 4-byte word after it. */
static nt_status sdp_read_word(struct sdp_host *h, const char *what, uint8_t want_id, int timeout_ms,
                               uint32_t *word, struct nt_err *err)
{
    /* At least the largest report: a shorter request overflows (doc/protocol.md §1.3). */
    uint8_t buf[SDP_IN_REPORT_MAX];
    size_t len = 0;
    nt_status st = tp_read(h->dev, buf, sizeof buf, &len, timeout_ms, err);
    if (st != NT_OK)
        return st;
    if (len < SDP_WORD_REPORT_MIN_LEN || buf[0] != want_id)
        return nt_err_set(err, NT_E_PROTOCOL,
                          "the ROM answered %s with report %u of %zu bytes instead of report %u: "
                          "replug the module and try again",
                          what, len ? buf[0] : 0u, len, want_id);
    /* All defined words are byte-palindromes; big-endian like SPSDK (doc/protocol.md §2.3). */
    *word = get_be32(buf + 1);
    return NT_OK;
}

/* Every SDP command is answered with the HAB report first (doc/protocol.md §6.3). */
static nt_status sdp_read_hab(struct sdp_host *h, const char *what, int timeout_ms, uint32_t *hab,
                              struct nt_err *err)
{
    nt_status st = sdp_read_word(h, what, SDP_HAB_REPORT_ID, timeout_ms, hab, err);
    if (st != NT_OK)
        return st;
    if (*hab != SDP_HAB_OPEN && *hab != SDP_HAB_CLOSED)
        return nt_err_set(err, NT_E_PROTOCOL,
                          "the ROM answered %s with HAB word 0x%08X, which is neither open "
                          "(0x%08X) nor closed (0x%08X): this is not an i.MX RT ROM we know",
                          what, (unsigned)*hab, (unsigned)SDP_HAB_OPEN, (unsigned)SDP_HAB_CLOSED);
    return NT_OK;
}

/* The two-report answer of ERROR_STATUS and WRITE_FILE: rpt 3 (HAB), rpt 4 (status). */
static nt_status sdp_read_answer(struct sdp_host *h, const char *what, uint32_t *hab, uint32_t *status,
                                 struct nt_err *err)
{
    int ms = sdp_ms(h, SDP_ANSWER_TIMEOUT_MS);
    nt_status st = sdp_read_hab(h, what, ms, hab, err);

    if (st == NT_OK)
        st = sdp_read_word(h, what, SDP_STATUS_REPORT_ID, ms, status, err);
    if (st == NT_E_TIMEOUT)
        return nt_err_set(err, NT_E_TIMEOUT,
                          "the ROM did not answer %s: replug the module in bootloader mode and "
                          "try again",
                          what);
    if (st == NT_E_DISCONNECT)
        return SDP_PREFIXED(st, err, "waiting for the ROM's answer to %s", what);
    return st;
}

static nt_status sdp_status_error(struct nt_err *err, uint32_t word, const char *fmt, ...) NT_PRINTF(3, 4);

/* NT_E_STATUS carrying the ROM's rpt 4 word. */
static nt_status sdp_status_error(struct nt_err *err, uint32_t word, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
        err->status = NT_E_STATUS;
        err->device_status = word;
    }
    return NT_E_STATUS;
}

nt_status sdp_error_status(struct sdp_host *h, uint32_t *hab, uint32_t *status, struct nt_err *err)
{
    static const char what[] = "ERROR_STATUS";
    uint32_t hab_word = 0, status_word = 0;
    nt_status st = sdp_send_command(h, what, SDP_ERROR_STATUS, 0, 0, err);

    /* The rpt 4 word differs between parts and situations: read it so the
     * stream stays in step, but do not judge it (doc/protocol.md §2.4). */
    if (st == NT_OK)
        st = sdp_read_answer(h, what, &hab_word, &status_word, err);
    if (st != NT_OK)
        return st;
    if (hab)
        *hab = hab_word;
    if (status)
        *status = status_word;
    return NT_OK;
}

static nt_status sdp_send_data(struct sdp_host *h, const uint8_t *data, size_t len, nt_progress_fn progress,
                               void *user, struct nt_err *err)
{
    uint8_t report[SDP_DATA_REPORT_LEN];
    size_t done = 0;

    while (done < len) {
        size_t n = len - done < SDP_DATA_CHUNK ? len - done : SDP_DATA_CHUNK;
        /* The last chunk is zero padded: the ROM takes the length from the
         * command, and Windows-style hosts always send full reports (doc/protocol.md §1.1). */
        memset(report, 0, sizeof report);
        report[0] = SDP_DATA_REPORT_ID;
        memcpy(report + 1, data + done, n);
        nt_status st = tp_write(h->dev, report, sizeof report, sdp_ms(h, SDP_OUT_TIMEOUT_MS), err);
        if (st != NT_OK)
            return SDP_PREFIXED(st, err, "sending WRITE_FILE data at offset %zu of %zu", done, len);
        done += n;
        if (progress)
            progress(user, done, len);
    }
    return NT_OK;
}

nt_status sdp_write_file(struct sdp_host *h, uint32_t addr, const uint8_t *data, size_t len,
                         nt_progress_fn progress, void *user, struct nt_err *err)
{
    static const char what[] = "WRITE_FILE";
    uint32_t hab = 0, status = 0;
    nt_status st;

    if (len == 0 || len > UINT32_MAX)
        return nt_err_set(err, NT_E_INTERNAL,
                          "WRITE_FILE of %zu bytes is impossible: the image must be 1 byte to 4 GiB", len);
    st = sdp_send_command(h, what, SDP_WRITE_FILE, addr, (uint32_t)len, err);
    if (st == NT_OK)
        st = sdp_send_data(h, data, len, progress, user, err);
    if (st == NT_OK)
        st = sdp_read_answer(h, what, &hab, &status, err);
    if (st == NT_OK && status != SDP_WRITE_FILE_OK)
        return sdp_status_error(err, status,
                                "the ROM refused WRITE_FILE of %zu bytes to 0x%08X with status "
                                "0x%08X (expected 0x%08X): check the load address and size of "
                                "the flashloader",
                                len, (unsigned)addr, (unsigned)status, (unsigned)SDP_WRITE_FILE_OK);
    return st;
}

/* After JUMP_ADDRESS, silence and disconnect both mean the ROM jumped
 * (doc/protocol.md §2.4, §6.4): only data is news. An I/O error counts too: when the
 * flashloader re-initialises the USB controller, the pending IN transfer
 * usually ends with a protocol error (-EPROTO) before the hub reports the
 * disconnect. Whether the flashloader really started is then decided by the
 * wait for it to enumerate. */
static bool sdp_jump_gone(nt_status st)
{
    return st == NT_E_TIMEOUT || st == NT_E_DISCONNECT || st == NT_E_IO;
}

nt_status sdp_jump(struct sdp_host *h, uint32_t addr, struct nt_err *err)
{
    static const char what[] = "JUMP_ADDRESS";
    uint32_t hab = 0, word = 0;
    nt_status st = sdp_send_command(h, what, SDP_JUMP_ADDRESS, addr, 0, err);

    if (st == NT_E_DISCONNECT || st == NT_E_IO) {
        /* The transfer can complete on the wire while the ROM already
         * tears USB down; nothing was refused. */
        nt_err_clear(err);
        return NT_OK;
    }
    if (st != NT_OK)
        return st;
    st = sdp_read_hab(h, what, sdp_ms(h, SDP_JUMP_HAB_TIMEOUT_MS), &hab, err);
    if (sdp_jump_gone(st)) {
        nt_err_clear(err);
        return NT_OK;
    }
    if (st != NT_OK)
        return st;
    st = sdp_read_word(h, what, SDP_STATUS_REPORT_ID, sdp_ms(h, SDP_JUMP_REJECT_WINDOW_MS), &word, err);
    if (sdp_jump_gone(st)) {
        nt_err_clear(err);
        return NT_OK;
    }
    if (st != NT_OK)
        return st;
    return sdp_status_error(err, word,
                            "the ROM refused to jump to 0x%08X with status 0x%08X: the "
                            "flashloader image or its IVT is not valid at that address",
                            (unsigned)addr, (unsigned)word);
}
