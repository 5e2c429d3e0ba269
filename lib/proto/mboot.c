/* Host side of NXP's MCUboot protocol over USB HID (doc/protocol.md §3): framing,
 * command/response exchange with strict answer checks, and the data phases
 * of write-memory (with the device's abort) and read-memory. */
#include "mboot.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "bytes.h"
#include "clock.h"

/* nt_err_prefix that keeps the status even when the caller passed no err. */
#define MBOOT_PREFIXED(st, err, ...) (nt_err_prefix((err), __VA_ARGS__), (st))

/* The backend queues IN reports, so a poll with timeout 0 is cheap; the
 * bound only stops a device that never stops talking (doc/protocol.md §6.1). */
#define MBOOT_DRAIN_MAX_REPORTS 64
#define MBOOT_DRAIN_AFTER_OPEN_POLL_MS 20
/* How long to wait for the answer to a resynchronising abort marker. */
#define MBOOT_RESYNC_POLL_MS 50

/* The flashloader arms its OUT endpoint as soon as it waits for a command. */
#define MBOOT_CMD_OUT_TIMEOUT_MS 2000
/* Commands other than erase finish in milliseconds (configure's SFDP probe
 * included, doc/protocol.md §5); a few seconds covers a slow host without hiding a dead device. */
#define MBOOT_ANSWER_TIMEOUT_MS 3000
/* Erase answers come only when the whole region is done. This flashloader
 * erases sector by sector above the first 128 KiB (doc/protocol.md §3.11), and a 4 KiB sector
 * takes up to 400 ms on W25Q-class parts, plus the read-back verify: 500 ms
 * per sector on top of a 2 s base keeps worst-case parts inside the limit
 * while a hung device is still noticed (doc/protocol.md §5). */
#define MBOOT_ERASE_BASE_MS 2000
#define MBOOT_ERASE_MS_PER_SECTOR 500
#define MBOOT_ERASE_SECTOR_BYTES 4096u
/* A DATA_OUT report waits while the device programs the previous one: at most
 * 4-5 pages of 3 ms worst case plus verify, far below this (doc/protocol.md §5). A longer
 * stall means the device is blocked sending an IN report (doc/protocol.md §3.5). */
#define MBOOT_DATA_OUT_TIMEOUT_MS 1000
/* The flashloader answers Reset before it resets (doc/protocol.md §3.12). */
#define MBOOT_RESET_ANSWER_TIMEOUT_MS 1000
/* Simulated runs scale timeouts towards 0; keep enough for a busy machine. */
#define MBOOT_TIMEOUT_FLOOR_MS 200

/* blhost and SPSDK use this when MaxPacketSize cannot be read (doc/protocol.md §3.7). */
#define MBOOT_FALLBACK_PACKET_BYTES 32u

static int mboot_ms(const struct mboot_host *h, int ms)
{
    return clock_scale_ms(ms, h->tscale, MBOOT_TIMEOUT_FLOOR_MS);
}

size_t mboot_encode_command(uint8_t *report, size_t cap, const struct mboot_packet *pkt)
{
    size_t plen, fill = cap < MBOOT_REPORT_LEN ? cap : MBOOT_REPORT_LEN;

    if (pkt->nparams > MBOOT_MAX_PARAMS)
        return 0;
    plen = MBOOT_PACKET_HDR_LEN + 4u * pkt->nparams;
    if (MBOOT_FRAME_HDR_LEN + plen > fill)
        return 0;
    memset(report, 0, fill);
    report[0] = MBOOT_REPORT_CMD_OUT;
    put_le16(report + 2, (uint16_t)plen);
    report[4] = pkt->tag;
    report[5] = pkt->flags;
    report[7] = pkt->nparams;
    for (unsigned i = 0; i < pkt->nparams; i++)
        put_le32(report + 8 + 4 * i, pkt->params[i]);
    return MBOOT_FRAME_HDR_LEN + plen;
}

size_t mboot_encode_data(uint8_t *report, size_t cap, const uint8_t *data, size_t n)
{
    size_t fill = cap < MBOOT_REPORT_LEN ? cap : MBOOT_REPORT_LEN;

    if (MBOOT_FRAME_HDR_LEN + n > fill)
        return 0;
    memset(report, 0, fill);
    report[0] = MBOOT_REPORT_DATA_OUT;
    put_le16(report + 2, (uint16_t)n);
    if (n)
        memcpy(report + MBOOT_FRAME_HDR_LEN, data, n);
    return MBOOT_FRAME_HDR_LEN + n;
}

nt_status mboot_decode_packet(const uint8_t *packet, size_t len, struct mboot_packet *pkt, struct nt_err *err)
{
    if (len < MBOOT_PACKET_HDR_LEN)
        return nt_err_set(err, NT_E_PROTOCOL, "MCUboot packet of %zu bytes is shorter than its 4-byte header",
                          len);
    memset(pkt, 0, sizeof *pkt);
    pkt->tag = packet[0];
    pkt->flags = packet[1];
    pkt->nparams = packet[3];
    if (pkt->nparams > MBOOT_MAX_PARAMS || MBOOT_PACKET_HDR_LEN + 4u * pkt->nparams > len)
        return nt_err_set(err, NT_E_PROTOCOL,
                          "MCUboot packet (tag 0x%02X) claims %u parameters but carries %zu bytes", pkt->tag,
                          pkt->nparams, len);
    for (unsigned i = 0; i < pkt->nparams; i++)
        pkt->params[i] = get_le32(packet + MBOOT_PACKET_HDR_LEN + 4 * i);
    return NT_OK;
}

nt_status mboot_decode_response(const uint8_t *report, size_t len, struct mboot_packet *pkt, bool *is_abort,
                                struct nt_err *err)
{
    size_t plen;

    *is_abort = false;
    if (len < MBOOT_FRAME_HDR_LEN || report[0] != MBOOT_REPORT_CMD_IN)
        return nt_err_set(err, NT_E_PROTOCOL,
                          "expected a flashloader response report (ID 3), got report ID %u of "
                          "%zu bytes",
                          len ? report[0] : 0u, len);
    plen = get_le16(report + 2);
    if (plen == 0) {
        /* Zero length is the device's data-phase abort marker (doc/protocol.md §3.5). */
        memset(pkt, 0, sizeof *pkt);
        *is_abort = true;
        return NT_OK;
    }
    if (plen > len - MBOOT_FRAME_HDR_LEN)
        return nt_err_set(err, NT_E_PROTOCOL,
                          "flashloader response claims %zu packet bytes but the report holds %zu", plen,
                          len - MBOOT_FRAME_HDR_LEN);
    return mboot_decode_packet(report + MBOOT_FRAME_HDR_LEN, plen, pkt, err);
}

/* After opening, stale reports may still be on their way from the device
 * (the backend's IN transfer was only just submitted): poll a little. Before
 * each command the queue is current, so a zero-timeout poll is enough. */
static nt_status drain(struct mboot_host *h, int poll_ms, unsigned *dropped, struct nt_err *err)
{
    nt_status st = tp_drain(h->dev, poll_ms, MBOOT_DRAIN_MAX_REPORTS, dropped, err);
    return st == NT_OK ? NT_OK : MBOOT_PREFIXED(st, err, "draining stale flashloader reports");
}

nt_status mboot_drain(struct mboot_host *h, unsigned *dropped, struct nt_err *err)
{
    return drain(h, MBOOT_DRAIN_AFTER_OPEN_POLL_MS, dropped, err);
}

nt_status mboot_resync(struct mboot_host *h, unsigned *dropped, struct nt_err *err)
{
    uint8_t report[MBOOT_REPORT_LEN];
    unsigned before = 0, after = 0;
    nt_status st = mboot_drain(h, &before, err);

    if (st != NT_OK)
        return st;
    /* A zero-length DATA_OUT: in the command phase the flashloader discards
     * it; a data phase left open by an earlier host ends with
     * Generic(10002), which the drain below takes away (doc/protocol.md §3.5, §3.13). */
    mboot_encode_data(report, sizeof report, NULL, 0);
    st = tp_write(h->dev, report, sizeof report, mboot_ms(h, MBOOT_DATA_OUT_TIMEOUT_MS), err);
    if (st != NT_OK && st != NT_E_TIMEOUT)
        return MBOOT_PREFIXED(st, err, "resynchronising with the flashloader");
    st = drain(h, MBOOT_RESYNC_POLL_MS, &after, err);
    if (dropped)
        *dropped = before + after;
    return st;
}

static nt_status mboot_status_error(struct nt_err *err, const char *what, uint32_t status)
{
    nt_err_set(err, NT_E_STATUS, "%s failed: %s (%u): %s", what, mboot_status_name(status), (unsigned)status,
               mboot_status_message(status));
    if (err)
        err->device_status = status;
    return NT_E_STATUS;
}

/* Read one CMD_IN report; a timeout says which answer was missing. */
static nt_status mboot_read_response(struct mboot_host *h, const char *what, int timeout_ms,
                                     struct mboot_packet *rsp, bool *is_abort, struct nt_err *err)
{
    uint8_t buf[MBOOT_REPORT_LEN];
    size_t len = 0;
    /* Exactly one report per read: a longer request would not end at the
     * full-size packet (doc/protocol.md §1.3). */
    nt_status st = tp_read(h->dev, buf, sizeof buf, &len, timeout_ms, err);

    if (st == NT_E_TIMEOUT)
        return nt_err_set(err, NT_E_TIMEOUT,
                          "the flashloader did not answer %s within %d ms: run nt_flash again "
                          "(it picks up a running flashloader)",
                          what, timeout_ms);
    if (st != NT_OK)
        return MBOOT_PREFIXED(st, err, "waiting for the answer to %s", what);
    st = mboot_decode_response(buf, len, rsp, is_abort, err);
    if (st != NT_OK)
        return MBOOT_PREFIXED(st, err, "answer to %s", what);
    return NT_OK;
}

/* The next real response, skipping one data-phase abort marker before it
 * (blhost and SPSDK read once more after the marker, doc/protocol.md §3.5). */
static nt_status mboot_read_final(struct mboot_host *h, const char *what, int timeout_ms,
                                  struct mboot_packet *rsp, struct nt_err *err)
{
    bool is_abort = false;
    nt_status st = mboot_read_response(h, what, timeout_ms, rsp, &is_abort, err);
    if (st == NT_OK && is_abort)
        st = mboot_read_response(h, what, timeout_ms, rsp, &is_abort, err);
    if (st == NT_OK && is_abort)
        return nt_err_set(err, NT_E_PROTOCOL, "the flashloader sent two abort markers in a row for %s", what);
    return st;
}

/* Check that rsp answers command cmd_tag (response tag, echoed command tag)
 * and carries status 0. A GenericResponse echoing our tag is an accepted
 * error answer to any command (unknown command, doc/protocol.md §3.3). */
static nt_status mboot_check_response(const char *what, uint8_t cmd_tag, uint8_t want_tag,
                                      const struct mboot_packet *rsp, struct nt_err *err)
{
    if (rsp->tag == MBOOT_RSP_GENERIC) {
        if (rsp->nparams < 2)
            return nt_err_set(err, NT_E_PROTOCOL, "the generic answer to %s has %u parameters instead of 2",
                              what, rsp->nparams);
        if (rsp->params[1] != cmd_tag)
            return nt_err_set(
                err, NT_E_PROTOCOL,
                "the answer to %s (command tag 0x%02X) echoes command tag 0x%02X: "
                "it belongs to another command, run nt_flash again (it picks up a running flashloader)",
                what, cmd_tag, (unsigned)rsp->params[1]);
        if (want_tag != MBOOT_RSP_GENERIC && rsp->params[0] == MBOOT_STATUS_SUCCESS)
            return nt_err_set(err, NT_E_PROTOCOL,
                              "expected response tag 0x%02X to %s (0x%02X), got a successful "
                              "generic response (0xA0)",
                              want_tag, what, cmd_tag);
    } else if (rsp->tag != want_tag) {
        return nt_err_set(err, NT_E_PROTOCOL,
                          "expected response tag 0x%02X to %s (0x%02X), got response tag 0x%02X: "
                          "run nt_flash again (it picks up a running flashloader)",
                          want_tag, what, cmd_tag, rsp->tag);
    } else if (rsp->nparams < 1) {
        return nt_err_set(err, NT_E_PROTOCOL, "the answer to %s carries no status", what);
    }
    if (rsp->params[0] != MBOOT_STATUS_SUCCESS)
        return mboot_status_error(err, what, rsp->params[0]);
    return NT_OK;
}

static nt_status mboot_send_command(struct mboot_host *h, const char *what, const struct mboot_packet *cmd,
                                    struct nt_err *err)
{
    uint8_t report[MBOOT_REPORT_LEN];
    nt_status st;

    /* Anything still queued is the answer to an older exchange (doc/protocol.md §6.1). */
    st = drain(h, 0, NULL, err);
    if (st != NT_OK)
        return st;
    if (mboot_encode_command(report, sizeof report, cmd) == 0)
        return nt_err_set(err, NT_E_INTERNAL, "%s has %u parameters, more than a packet holds", what,
                          cmd->nparams);
    st = tp_write(h->dev, report, sizeof report, mboot_ms(h, MBOOT_CMD_OUT_TIMEOUT_MS), err);
    if (st == NT_E_TIMEOUT)
        return nt_err_set(err, NT_E_TIMEOUT,
                          "the flashloader did not accept the %s command: run nt_flash again "
                          "(it picks up a running flashloader)",
                          what);
    if (st != NT_OK)
        return MBOOT_PREFIXED(st, err, "sending %s", what);
    return NT_OK;
}

/* One command and its checked response. */
static nt_status mboot_transact(struct mboot_host *h, const char *what, const struct mboot_packet *cmd,
                                uint8_t want_tag, int timeout_ms, struct mboot_packet *rsp,
                                struct nt_err *err)
{
    nt_status st = mboot_send_command(h, what, cmd, err);
    if (st == NT_OK)
        st = mboot_read_final(h, what, timeout_ms, rsp, err);
    if (st == NT_OK)
        st = mboot_check_response(what, cmd->tag, want_tag, rsp, err);
    return st;
}

static nt_status mboot_simple(struct mboot_host *h, const char *what, uint8_t tag, int timeout_ms,
                              uint8_t nparams, uint32_t p0, uint32_t p1, uint32_t p2, struct nt_err *err)
{
    struct mboot_packet cmd = { .tag = tag, .nparams = nparams, .params = { p0, p1, p2 } };
    struct mboot_packet rsp;
    return mboot_transact(h, what, &cmd, MBOOT_RSP_GENERIC, timeout_ms, &rsp, err);
}

nt_status mboot_get_property(struct mboot_host *h, uint32_t tag, uint32_t mem_id, uint32_t *values,
                             size_t max, size_t *count, struct nt_err *err)
{
    struct mboot_packet cmd = { .tag = MBOOT_CMD_GET_PROPERTY, .nparams = 2, .params = { tag, mem_id } };
    struct mboot_packet rsp;
    char what[32];
    size_t n;
    nt_status st;

    snprintf(what, sizeof what, "get-property 0x%02X", (unsigned)tag);
    st = mboot_transact(h, what, &cmd, MBOOT_RSP_GET_PROPERTY, mboot_ms(h, MBOOT_ANSWER_TIMEOUT_MS), &rsp,
                        err);
    if (st != NT_OK)
        return st;
    n = rsp.nparams - 1u;
    for (size_t i = 0; i < n && i < max; i++)
        values[i] = rsp.params[1 + i];
    if (count)
        *count = n;
    return NT_OK;
}

nt_status mboot_fill_memory(struct mboot_host *h, uint32_t addr, uint32_t count, uint32_t pattern,
                            struct nt_err *err)
{
    return mboot_simple(h, "fill-memory", MBOOT_CMD_FILL_MEMORY, mboot_ms(h, MBOOT_ANSWER_TIMEOUT_MS), 3,
                        addr, count, pattern, err);
}

nt_status mboot_configure_memory(struct mboot_host *h, uint32_t mem_id, uint32_t addr, struct nt_err *err)
{
    /* memoryId first, then address (doc/protocol.md §3.3). */
    return mboot_simple(h, "configure-memory", MBOOT_CMD_CONFIGURE_MEMORY,
                        mboot_ms(h, MBOOT_ANSWER_TIMEOUT_MS), 2, mem_id, addr, 0, err);
}

/* The flashloader rounds the region outward to whole sectors (doc/protocol.md §3.11). */
static int mboot_erase_timeout_ms(uint32_t addr, uint32_t len)
{
    uint64_t span = (uint64_t)(addr % MBOOT_ERASE_SECTOR_BYTES) + len;
    uint64_t sectors = (span + MBOOT_ERASE_SECTOR_BYTES - 1) / MBOOT_ERASE_SECTOR_BYTES;
    uint64_t ms = MBOOT_ERASE_BASE_MS + sectors * MBOOT_ERASE_MS_PER_SECTOR;
    return ms > INT_MAX ? INT_MAX : (int)ms;
}

nt_status mboot_erase_region(struct mboot_host *h, uint32_t addr, uint32_t len, uint32_t mem_id,
                             struct nt_err *err)
{
    return mboot_simple(h, "flash-erase-region", MBOOT_CMD_FLASH_ERASE_REGION,
                        mboot_ms(h, mboot_erase_timeout_ms(addr, len)), 3, addr, len, mem_id, err);
}

/* Data payload per DATA_OUT/DATA_IN report, queried once and cached (doc/protocol.md §3.7). */
nt_status mboot_packet_size(struct mboot_host *h, size_t *out, struct nt_err *err)
{
    size_t limit = MBOOT_REPORT_LEN - MBOOT_FRAME_HDR_LEN;

    if (h->dev->out_report_max >= MBOOT_FRAME_HDR_LEN + 1 &&
        h->dev->out_report_max - MBOOT_FRAME_HDR_LEN < limit)
        limit = h->dev->out_report_max - MBOOT_FRAME_HDR_LEN;
    if (h->max_packet == 0) {
        uint32_t v = 0;
        size_t n = 0;
        nt_status st = mboot_get_property(h, MBOOT_PROP_MAX_PACKET_SIZE, 0, &v, 1, &n, err);
        if (st == NT_E_STATUS || (st == NT_OK && (n < 1 || v == 0)))
            v = MBOOT_FALLBACK_PACKET_BYTES;
        else if (st != NT_OK)
            return st;
        h->max_packet = v;
        nt_err_clear(err);
    }
    if (h->max_packet > limit)
        h->max_packet = (uint32_t)limit;
    *out = h->max_packet;
    return NT_OK;
}

/* The device ended the write data phase before all data were sent: fetch its
 * final answer (after an optional abort marker) and report what it says.
 * report/len hold an IN report already read, or NULL to read one now. */
static nt_status mboot_write_ended_early(struct mboot_host *h, const uint8_t *report, size_t len, size_t done,
                                         size_t total, struct nt_err *err)
{
    static const char what[] = "write-memory";
    int ms = mboot_ms(h, MBOOT_ANSWER_TIMEOUT_MS);
    struct mboot_packet rsp;
    bool is_abort = false;
    nt_status st;

    if (report) {
        st = mboot_decode_response(report, len, &rsp, &is_abort, err);
        if (st == NT_OK && is_abort)
            st = mboot_read_final(h, what, ms, &rsp, err);
    } else {
        st = mboot_read_final(h, what, ms, &rsp, err);
        if (st == NT_E_TIMEOUT)
            return nt_err_set(
                err, NT_E_TIMEOUT,
                "the flashloader stopped taking write-memory data after %zu of %zu "
                "bytes and sent no answer: run nt_flash again (it picks up a running flashloader)",
                done, total);
    }
    if (st == NT_OK)
        st = mboot_check_response(what, MBOOT_CMD_WRITE_MEMORY, MBOOT_RSP_GENERIC, &rsp, err);
    if (st == NT_OK)
        return nt_err_set(err, NT_E_PROTOCOL,
                          "the flashloader ended write-memory after %zu of %zu bytes without "
                          "an error status",
                          done, total);
    return st;
}

/* After each DATA_OUT the device may already have given up: look at what is
 * queued without waiting. Sets *ended when a report arrived and was handled. */
static nt_status mboot_poll_abort(struct mboot_host *h, size_t done, size_t total, bool *ended,
                                  struct nt_err *err)
{
    uint8_t buf[MBOOT_REPORT_LEN];
    size_t len = 0;
    nt_status st = tp_read(h->dev, buf, sizeof buf, &len, 0, err);

    *ended = false;
    if (st == NT_E_TIMEOUT) {
        nt_err_clear(err);
        return NT_OK;
    }
    if (st != NT_OK)
        return MBOOT_PREFIXED(st, err, "write-memory after %zu of %zu bytes", done, total);
    *ended = true;
    return mboot_write_ended_early(h, buf, len, done, total, err);
}

static nt_status mboot_write_data(struct mboot_host *h, const uint8_t *data, size_t len, size_t chunk,
                                  nt_progress_fn progress, void *user, struct nt_err *err)
{
    uint8_t report[MBOOT_REPORT_LEN];
    int out_ms = mboot_ms(h, MBOOT_DATA_OUT_TIMEOUT_MS);
    size_t done = 0;

    while (done < len) {
        size_t n = len - done < chunk ? len - done : chunk;
        bool ended = false;
        nt_status st;

        /* Full 1016-byte reports: a short write of a multiple of 64 bytes
         * would hang a full-speed device (doc/protocol.md §1.3). */
        mboot_encode_data(report, sizeof report, data + done, n);
        st = tp_write(h->dev, report, sizeof report, out_ms, err);
        if (st == NT_E_TIMEOUT) /* device blocked in its IN send (doc/protocol.md §3.5) */
            return mboot_write_ended_early(h, NULL, 0, done, len, err);
        if (st != NT_OK)
            return MBOOT_PREFIXED(st, err, "write-memory data at offset %zu of %zu", done, len);
        done += n;
        if (progress)
            progress(user, done, len);
        if (done < len) {
            st = mboot_poll_abort(h, done, len, &ended, err);
            if (st != NT_OK || ended)
                return st;
        }
    }
    return NT_OK;
}

nt_status mboot_write_memory(struct mboot_host *h, uint32_t addr, const uint8_t *data, size_t len,
                             uint32_t mem_id, nt_progress_fn progress, void *user, struct nt_err *err)
{
    static const char what[] = "write-memory";
    struct mboot_packet cmd = { .tag = MBOOT_CMD_WRITE_MEMORY,
                                .flags = MBOOT_FLAG_DATA_PHASE,
                                .nparams = 3,
                                .params = { addr, (uint32_t)len, mem_id } };
    struct mboot_packet rsp;
    size_t chunk = 0;
    nt_status st;

    if (len == 0 || len > UINT32_MAX)
        return nt_err_set(err, NT_E_INTERNAL,
                          "write-memory of %zu bytes is impossible: the length must be 1 byte "
                          "to 4 GiB",
                          len);
    st = mboot_packet_size(h, &chunk, err);
    if (st == NT_OK)
        st =
            mboot_transact(h, what, &cmd, MBOOT_RSP_GENERIC, mboot_ms(h, MBOOT_ANSWER_TIMEOUT_MS), &rsp, err);
    if (st == NT_OK)
        st = mboot_write_data(h, data, len, chunk, progress, user, err);
    if (st != NT_OK)
        return st;
    /* The final answer comes after the last page was flushed (doc/protocol.md §3.5 step 4). */
    st = mboot_read_final(h, what, mboot_ms(h, MBOOT_ANSWER_TIMEOUT_MS), &rsp, err);
    if (st == NT_OK)
        st = mboot_check_response(what, MBOOT_CMD_WRITE_MEMORY, MBOOT_RSP_GENERIC, &rsp, err);
    return st;
}

/* Read DATA_IN reports until len bytes arrived (doc/protocol.md §3.6). *early is set when
 * the device cut the phase short; its final answer is then in *rsp. */
static nt_status mboot_read_data(struct mboot_host *h, uint8_t *buf, size_t len, struct mboot_packet *rsp,
                                 bool *early, struct nt_err *err)
{
    static const char what[] = "read-memory";
    uint8_t report[MBOOT_REPORT_LEN];
    int ms = mboot_ms(h, MBOOT_ANSWER_TIMEOUT_MS);
    size_t done = 0;

    *early = false;
    while (done < len) {
        size_t rlen = 0, plen;
        nt_status st = tp_read(h->dev, report, sizeof report, &rlen, ms, err);
        if (st == NT_E_TIMEOUT)
            return nt_err_set(err, NT_E_TIMEOUT,
                              "read-memory data stopped after %zu of %zu bytes: run nt_flash "
                              "again (it picks up a running flashloader)",
                              done, len);
        if (st != NT_OK)
            return MBOOT_PREFIXED(st, err, "read-memory data after %zu of %zu bytes", done, len);
        if (rlen < MBOOT_FRAME_HDR_LEN || report[0] != MBOOT_REPORT_DATA_IN) {
            bool is_abort = false;
            /* A response instead of data: the device gave up (doc/protocol.md §3.6). */
            *early = true;
            st = mboot_decode_response(report, rlen, rsp, &is_abort, err);
            if (st == NT_OK && is_abort)
                st = mboot_read_final(h, what, ms, rsp, err);
            return st;
        }
        plen = get_le16(report + 2);
        if (plen == 0) {
            *early = true;
            return mboot_read_final(h, what, ms, rsp, err);
        }
        if (plen > rlen - MBOOT_FRAME_HDR_LEN || plen > len - done)
            return nt_err_set(err, NT_E_PROTOCOL,
                              "read-memory data report claims %zu bytes (report %zu bytes, %zu "
                              "still expected)",
                              plen, rlen, len - done);
        memcpy(buf + done, report + MBOOT_FRAME_HDR_LEN, plen);
        done += plen;
    }
    return NT_OK;
}

nt_status mboot_read_memory(struct mboot_host *h, uint32_t addr, uint8_t *buf, size_t len, uint32_t mem_id,
                            struct nt_err *err)
{
    static const char what[] = "read-memory";
    struct mboot_packet cmd = { .tag = MBOOT_CMD_READ_MEMORY,
                                .nparams = 3,
                                .params = { addr, (uint32_t)len, mem_id } };
    struct mboot_packet rsp;
    bool early = false;
    nt_status st;

    if (len == 0 || len > UINT32_MAX)
        return nt_err_set(err, NT_E_INTERNAL,
                          "read-memory of %zu bytes is impossible: the length must be 1 byte to "
                          "4 GiB",
                          len);
    st =
        mboot_transact(h, what, &cmd, MBOOT_RSP_READ_MEMORY, mboot_ms(h, MBOOT_ANSWER_TIMEOUT_MS), &rsp, err);
    if (st != NT_OK)
        return st;
    if (rsp.tag != MBOOT_RSP_READ_MEMORY || rsp.nparams < 2 || rsp.params[1] != len)
        return nt_err_set(err, NT_E_PROTOCOL, "read-memory of %zu bytes was answered with a byte count of %u",
                          len, rsp.nparams >= 2 ? (unsigned)rsp.params[1] : 0u);
    st = mboot_read_data(h, buf, len, &rsp, &early, err);
    if (st == NT_OK && !early)
        st = mboot_read_final(h, what, mboot_ms(h, MBOOT_ANSWER_TIMEOUT_MS), &rsp, err);
    if (st == NT_OK)
        st = mboot_check_response(what, MBOOT_CMD_READ_MEMORY, MBOOT_RSP_GENERIC, &rsp, err);
    if (st == NT_OK && early)
        return nt_err_set(err, NT_E_PROTOCOL,
                          "the flashloader ended read-memory early without an error status");
    return st;
}

nt_status mboot_reset(struct mboot_host *h, bool *answered, struct nt_err *err)
{
    static const char what[] = "reset";
    struct mboot_packet cmd = { .tag = MBOOT_CMD_RESET };
    struct mboot_packet rsp;
    nt_status st;

    if (answered)
        *answered = false;
    st = mboot_send_command(h, what, &cmd, err);
    if (st != NT_OK)
        return st;
    st = mboot_read_final(h, what, mboot_ms(h, MBOOT_RESET_ANSWER_TIMEOUT_MS), &rsp, err);
    /* The device may reset before its answer reaches us; blhost and SPSDK
     * accept that as success too (doc/protocol.md §3.12). A reset in progress can also end
     * the pending IN transfer with an I/O (protocol) error first. */
    if (st == NT_E_TIMEOUT || st == NT_E_DISCONNECT || st == NT_E_IO) {
        nt_err_clear(err);
        return NT_OK;
    }
    if (st == NT_OK)
        st = mboot_check_response(what, MBOOT_CMD_RESET, MBOOT_RSP_GENERIC, &rsp, err);
    if (st == NT_OK && answered)
        *answered = true;
    return st;
}
