/* SDP host tests: the doc/protocol.md §7.1 vectors, and the host's behaviour
 * (drain, HAB check, WRITE_FILE framing, JUMP semantics) against a fake ROM. */
#include "tap.h"
#include "fake_tp.h"
#include "sdp.h"

static const char HAB_OPEN[] = "03 56 78 78 56";
static const char HAB_CLOSED[] = "03 12 34 34 12";
static const char WRITE_OK[] = "04 88 88 88 88";

static struct fake_tp *rom(void) { return fake_tp_new(TP_KIND_SDP, 65, 1025); }

static struct sdp_host host(struct fake_tp *f)
{
    struct sdp_host h = { &f->dev, 0.0 };
    return h;
}

static void check_cmd(uint16_t type, uint32_t addr, uint8_t fmt, uint32_t count, uint32_t data,
                      const char *want_hex)
{
    uint8_t got[SDP_CMD_REPORT_LEN], want[SDP_CMD_REPORT_LEN];
    memset(got, 0xEE, sizeof got);
    sdp_encode_command(got, type, addr, fmt, count, data);
    CHECK_EQ_INT(fake_tp_hex(want_hex, want, sizeof want), SDP_CMD_REPORT_LEN);
    CHECK_MEM(got, want, SDP_CMD_REPORT_LEN);
}

static void test_vectors_s1_s2(void)
{
    uint8_t s1[16];
    uint8_t got[SDP_CMD_REPORT_LEN];
    CHECK_EQ_INT(fake_tp_hex("05 05 00 00 00 00 00 00 00 00 00 00 00 00 00 00", s1, 16), 16);
    sdp_encode_command(got, SDP_ERROR_STATUS, 0, 0, 0, 0);
    CHECK_EQ_INT(got[0], 1);
    CHECK_MEM(got + 1, s1, 16);
    check_cmd(SDP_ERROR_STATUS, 0, 0, 0, 0, "01 05 05 00 00 00 00 00 00 00 00 00 00 00 00 00 00");
}

static void test_vectors_s5_s8_s9_s10(void)
{
    check_cmd(SDP_WRITE_FILE, 0x20001C00, 0, 0x18000, 0,
              "01 04 04 20 00 1C 00 00 00 01 80 00 00 00 00 00 00");
    check_cmd(SDP_JUMP_ADDRESS, 0x20001C00, 0, 0, 0, "01 0B 0B 20 00 1C 00 00 00 00 00 00 00 00 00 00 00");
    check_cmd(SDP_READ_REGISTER, 0x20001C00, 0x20, 4, 0,
              "01 01 01 20 00 1C 00 20 00 00 00 04 00 00 00 00 00");
    check_cmd(SDP_WRITE_REGISTER, 0x20000000, 0x20, 4, 0x12345678,
              "01 02 02 20 00 00 00 20 00 00 00 04 12 34 56 78 00");
}

/* S3 + S4: the probe decodes HAB open and the SPSDK status word. */
static void test_error_status_open_s3_s4(void)
{
    struct fake_tp *f = rom();
    struct sdp_host h = host(f);
    struct nt_err err = { 0 };
    uint32_t hab = 0, status = 0;
    fake_tp_queue_hex(f, HAB_OPEN, 0);
    fake_tp_queue_hex(f, "04 F0 F0 F0 F0", 65);
    CHECK_EQ_INT(sdp_error_status(&h, &hab, &status, &err), NT_OK);
    CHECK_EQ_INT(hab, SDP_HAB_OPEN);
    CHECK_EQ_INT(status, 0xF0F0F0F0u);
    CHECK_EQ_INT(f->nout, 1);
    CHECK_EQ_INT(f->out[0].len, 17);
    CHECK_EQ_INT(f->out[0].data[1], 0x05);
    CHECK(f->last_read_cap >= 65);
    fake_tp_free(f);
}

static void test_error_status_closed_accepted(void)
{
    struct fake_tp *f = rom();
    struct sdp_host h = host(f);
    struct nt_err err = { 0 };
    uint32_t hab = 0, status = 1;
    fake_tp_queue_hex(f, HAB_CLOSED, 0);
    fake_tp_queue_hex(f, "04 33 33 33 33", 65);
    CHECK_EQ_INT(sdp_error_status(&h, &hab, &status, &err), NT_OK);
    CHECK_EQ_INT(hab, SDP_HAB_CLOSED);
    CHECK_EQ_INT(status, 0x33333333u);
    fake_tp_free(f);
}

static void test_error_status_garbage_hab(void)
{
    struct fake_tp *f = rom();
    struct sdp_host h = host(f);
    struct nt_err err = { 0 };
    uint32_t hab = 0, status = 0;
    fake_tp_queue_hex(f, "03 DE AD BE EF", 0);
    fake_tp_queue_hex(f, "04 00 00 00 00", 65);
    CHECK_EQ_INT(sdp_error_status(&h, &hab, &status, &err), NT_E_PROTOCOL);
    CHECK_CONTAINS(err.msg, "0xDEADBEEF");
    CHECK_CONTAINS(err.msg, "ERROR_STATUS");
    fake_tp_free(f);
}

static void test_error_status_silent(void)
{
    struct fake_tp *f = rom();
    struct sdp_host h = host(f);
    struct nt_err err = { 0 };
    CHECK_EQ_INT(sdp_error_status(&h, NULL, NULL, &err), NT_E_TIMEOUT);
    CHECK_CONTAINS(err.msg, "did not answer ERROR_STATUS");
    fake_tp_free(f);
}

static void test_error_status_wrong_report(void)
{
    struct fake_tp *f = rom();
    struct sdp_host h = host(f);
    struct nt_err err = { 0 };
    fake_tp_queue_hex(f, "04 88 88 88 88", 65);
    CHECK_EQ_INT(sdp_error_status(&h, NULL, NULL, &err), NT_E_PROTOCOL);
    CHECK_CONTAINS(err.msg, "report 4 of 65 bytes instead of report 3");
    fake_tp_free(f);
}

static void test_drain_stale(void)
{
    struct fake_tp *f = rom();
    struct sdp_host h = host(f);
    struct nt_err err = { 0 };
    unsigned dropped = 99;
    uint32_t hab = 0;
    fake_tp_queue_hex(f, "04 88 88 88 88", 65); /* left over from an earlier run */
    fake_tp_queue_hex(f, HAB_OPEN, 0);
    CHECK_EQ_INT(sdp_drain(&h, &dropped, &err), NT_OK);
    CHECK_EQ_INT(dropped, 2);
    fake_tp_queue_hex(f, HAB_OPEN, 0);
    fake_tp_queue_hex(f, "04 00 00 00 00", 65);
    CHECK_EQ_INT(sdp_error_status(&h, &hab, NULL, &err), NT_OK);
    CHECK_EQ_INT(hab, SDP_HAB_OPEN);
    CHECK_EQ_INT(sdp_drain(&h, &dropped, &err), NT_OK);
    CHECK_EQ_INT(dropped, 0);
    fake_tp_free(f);
}

static void test_drain_bounded(void)
{
    struct fake_tp *f = rom();
    struct sdp_host h = host(f);
    struct nt_err err = { 0 };
    for (int i = 0; i < 200; i++)
        fake_tp_queue_hex(f, HAB_OPEN, 0);
    CHECK_EQ_INT(sdp_drain(&h, NULL, &err), NT_E_PROTOCOL);
    CHECK_CONTAINS(err.msg, "keeps sending");
    fake_tp_free(f);
}

struct progress_log {
    unsigned calls;
    uint64_t last_done, last_total;
};

static void record_progress(void *user, uint64_t done, uint64_t total)
{
    struct progress_log *p = user;
    p->calls++;
    p->last_done = done;
    p->last_total = total;
}

/* S5/S6/S7: command, ceil(len/1024) full 1025-byte data reports with the last
 * one zero padded, progress per report, HAB + 0x88888888 read. */
static void test_write_file_reports(void)
{
    struct fake_tp *f = rom();
    struct sdp_host h = host(f);
    struct nt_err err = { 0 };
    struct progress_log p = { 0 };
    size_t len = 2 * 1024 + 100;
    uint8_t *img = malloc(len);
    for (size_t i = 0; i < len; i++)
        img[i] = (uint8_t)(i * 7 + 1);
    fake_tp_queue_hex(f, HAB_OPEN, 0);
    fake_tp_queue_hex(f, WRITE_OK, 65);
    CHECK_EQ_INT(sdp_write_file(&h, 0x20001C00, img, len, record_progress, &p, &err), NT_OK);
    CHECK_EQ_INT(f->nout, 4);
    {
        uint8_t want[17];
        fake_tp_hex("01 04 04 20 00 1C 00 00 00 00 08 64 00 00 00 00 00", want, 17);
        CHECK_EQ_INT(f->out[0].len, 17);
        CHECK_MEM(f->out[0].data, want, 17);
    }
    for (size_t r = 1; r < 4; r++) {
        size_t off = (r - 1) * 1024, n = len - off < 1024 ? len - off : 1024;
        CHECK_EQ_INT(f->out[r].len, 1025);
        CHECK_EQ_INT(f->out[r].data[0], 2);
        CHECK_MEM(f->out[r].data + 1, img + off, n);
        for (size_t i = 1 + n; i < 1025; i++)
            CHECK_EQ_INT(f->out[r].data[i], 0);
    }
    CHECK_EQ_INT(p.calls, 3);
    CHECK_EQ_INT(p.last_done, len);
    CHECK_EQ_INT(p.last_total, len);
    CHECK_EQ_INT(f->in_head, 2); /* both answers consumed */
    free(img);
    fake_tp_free(f);
}

static nt_status refuse_second_data(struct fake_tp *f, const uint8_t *r, size_t len, void *user)
{
    (void)len;
    (void)user;
    return r[0] == 2 && f->nout == 2 ? NT_E_TIMEOUT : NT_OK;
}

static void test_write_file_data_timeout(void)
{
    struct fake_tp *f = rom();
    struct sdp_host h = host(f);
    struct nt_err err = { 0 };
    uint8_t img[3000] = { 0 };
    f->on_write = refuse_second_data;
    CHECK_EQ_INT(sdp_write_file(&h, 0x20001C00, img, sizeof img, NULL, NULL, &err), NT_E_TIMEOUT);
    CHECK_CONTAINS(err.msg, "sending WRITE_FILE data at offset 1024 of 3000");
    CHECK_EQ_INT(f->nout, 2);
    CHECK_EQ_INT(f->reads, 0); /* no answer awaited after a failed send */
    fake_tp_free(f);
}

static void test_write_file_refused(void)
{
    struct fake_tp *f = rom();
    struct sdp_host h = host(f);
    struct nt_err err = { 0 };
    uint8_t img[10] = { 1 };
    fake_tp_queue_hex(f, HAB_OPEN, 0);
    fake_tp_queue_hex(f, "04 89 23 23 89", 65);
    CHECK_EQ_INT(sdp_write_file(&h, 0x20001C00, img, sizeof img, NULL, NULL, &err), NT_E_STATUS);
    CHECK_EQ_INT(err.device_status, 0x89232389u);
    CHECK_CONTAINS(err.msg, "0x89232389");
    fake_tp_free(f);
}

static void test_jump_silence(void)
{
    struct fake_tp *f = rom();
    struct sdp_host h = host(f);
    struct nt_err err = { 0 };
    fake_tp_queue_hex(f, HAB_OPEN, 0);
    CHECK_EQ_INT(sdp_jump(&h, 0x20001C00, &err), NT_OK);
    CHECK_EQ_INT(f->in_head, 1); /* report 3 consumed */
    CHECK_EQ_INT(f->nout, 1);
    CHECK_EQ_INT(f->out[0].data[1], 0x0B);
    fake_tp_free(f);
}

static void test_jump_disconnect(void)
{
    struct fake_tp *f = rom();
    struct sdp_host h = host(f);
    struct nt_err err = { 0 };
    f->empty_read = NT_E_DISCONNECT;
    fake_tp_queue_hex(f, HAB_OPEN, 0);
    CHECK_EQ_INT(sdp_jump(&h, 0x20001C00, &err), NT_OK);
    CHECK_EQ_INT(f->in_head, 1);
    fake_tp_free(f);
}

/* A USB controller being re-initialised ends the pending IN transfer with a
 * protocol error before the disconnect: still a jump (doc/protocol.md §6.4). */
static void test_jump_io_error_after_hab(void)
{
    struct fake_tp *f = rom();
    struct sdp_host h = host(f);
    struct nt_err err = { 0 };
    f->empty_read = NT_E_IO;
    fake_tp_queue_hex(f, HAB_OPEN, 0);
    CHECK_EQ_INT(sdp_jump(&h, 0x20001C00, &err), NT_OK);
    CHECK_EQ_INT(f->in_head, 1);
    fake_tp_free(f);
}

static void test_jump_rejected(void)
{
    struct fake_tp *f = rom();
    struct sdp_host h = host(f);
    struct nt_err err = { 0 };
    fake_tp_queue_hex(f, HAB_OPEN, 0);
    fake_tp_queue_hex(f, "04 00 0A 05 33", 65);
    CHECK_EQ_INT(sdp_jump(&h, 0x20001C00, &err), NT_E_STATUS);
    CHECK_EQ_INT(err.device_status, 0x000A0533u);
    CHECK_CONTAINS(err.msg, "0x000A0533");
    CHECK_CONTAINS(err.msg, "0x20001C00");
    fake_tp_free(f);
}

static void test_jump_garbage_hab(void)
{
    struct fake_tp *f = rom();
    struct sdp_host h = host(f);
    struct nt_err err = { 0 };
    fake_tp_queue_hex(f, "03 01 02 03 04", 0);
    CHECK_EQ_INT(sdp_jump(&h, 0x20001C00, &err), NT_E_PROTOCOL);
    CHECK_CONTAINS(err.msg, "0x01020304");
    fake_tp_free(f);
}

int main(void)
{
    RUN(test_vectors_s1_s2);
    RUN(test_vectors_s5_s8_s9_s10);
    RUN(test_error_status_open_s3_s4);
    RUN(test_error_status_closed_accepted);
    RUN(test_error_status_garbage_hab);
    RUN(test_error_status_silent);
    RUN(test_error_status_wrong_report);
    RUN(test_drain_stale);
    RUN(test_drain_bounded);
    RUN(test_write_file_reports);
    RUN(test_write_file_data_timeout);
    RUN(test_write_file_refused);
    RUN(test_jump_silence);
    RUN(test_jump_disconnect);
    RUN(test_jump_io_error_after_hab);
    RUN(test_jump_rejected);
    RUN(test_jump_garbage_hab);
    return check_finish();
}
