/* MCUboot host tests: the doc/protocol.md §7.2 vectors as encode/decode checks,
 * the status table, and the host against a scripted fake flashloader
 * (answer checks, data phases, the device abort, reset, read-memory). */
#include "bytes.h"
#include "tap.h"
#include "fake_tp.h"
#include "mboot.h"

#define RPT MBOOT_REPORT_LEN

static struct fake_tp *loader(void) { return fake_tp_new(TP_KIND_MBOOT, RPT, RPT); }

static struct mboot_host host(struct fake_tp *f)
{
    struct mboot_host h = { &f->dev, 0.0, 0 };
    return h;
}

/* Queue a response packet with framing: tag, flags, params. */
static void queue_packet(struct fake_tp *f, uint8_t tag, uint8_t flags, unsigned n, const uint32_t *params)
{
    uint8_t r[RPT] = { 0 };
    r[0] = MBOOT_REPORT_CMD_IN;
    put_le16(r + 2, (uint16_t)(4 + 4 * n));
    r[4] = tag;
    r[5] = flags;
    r[7] = (uint8_t)n;
    for (unsigned i = 0; i < n; i++)
        put_le32(r + 8 + 4 * i, params[i]);
    fake_tp_queue(f, r, sizeof r, RPT);
}

static void queue_generic(struct fake_tp *f, uint32_t status, uint32_t cmd_tag)
{
    uint32_t p[2] = { status, cmd_tag };
    queue_packet(f, MBOOT_RSP_GENERIC, 0, 2, p);
}

static void check_encoded(const struct mboot_packet *pkt, const char *want_hex)
{
    uint8_t got[RPT], want[64];
    size_t n = fake_tp_hex(want_hex, want, sizeof want);
    memset(got, 0xEE, sizeof got);
    CHECK_EQ_INT(mboot_encode_command(got, sizeof got, pkt), n);
    CHECK_MEM(got, want, n);
    for (size_t i = n; i < RPT; i++)
        if (got[i] != 0) {
            CHECK_EQ_INT(got[i], 0);
            break;
        }
}

static void test_encode_vectors(void)
{
    struct mboot_packet m1 = { MBOOT_CMD_GET_PROPERTY, 0, 2, { 1, 0 } };
    struct mboot_packet m5 = { MBOOT_CMD_GET_PROPERTY, 0, 2, { 0x0B, 0 } };
    struct mboot_packet m6 = { MBOOT_CMD_FILL_MEMORY, 0, 3, { 0x2000, 4, 0xC0000008 } };
    struct mboot_packet m8 = { MBOOT_CMD_FILL_MEMORY, 0, 3, { 0x2000, 4, 0xF000000F } };
    struct mboot_packet m9 = { MBOOT_CMD_CONFIGURE_MEMORY, 0, 2, { 9, 0x2000 } };
    struct mboot_packet m10 = { MBOOT_CMD_FLASH_ERASE_REGION, 0, 3, { 0x60000000, 0x101000, 0 } };
    struct mboot_packet m11 = { MBOOT_CMD_WRITE_MEMORY, 1, 3, { 0x60001000, 0x100000, 0 } };
    struct mboot_packet m13 = { MBOOT_CMD_RESET, 0, 0, { 0 } };
    struct mboot_packet too_many = { 0x0E, 0, 8, { 0 } };
    uint8_t buf[RPT];

    check_encoded(&m1, "01 00 0C 00 07 00 00 02 01 00 00 00 00 00 00 00");
    check_encoded(&m5, "01 00 0C 00 07 00 00 02 0B 00 00 00 00 00 00 00");
    check_encoded(&m6, "01 00 10 00 05 00 00 03 00 20 00 00 04 00 00 00 08 00 00 C0");
    check_encoded(&m8, "01 00 10 00 05 00 00 03 00 20 00 00 04 00 00 00 0F 00 00 F0");
    check_encoded(&m9, "01 00 0C 00 11 00 00 02 09 00 00 00 00 20 00 00");
    check_encoded(&m10, "01 00 10 00 02 00 00 03 00 00 00 60 00 10 10 00 00 00 00 00");
    check_encoded(&m11, "01 00 10 00 04 01 00 03 00 10 00 60 00 00 10 00 00 00 00 00");
    check_encoded(&m13, "01 00 04 00 0B 00 00 00");
    CHECK_EQ_INT(mboot_encode_command(buf, sizeof buf, &too_many), 0);
    CHECK_EQ_INT(mboot_encode_command(buf, 10, &m1), 0);
}

/* M12 and the host abort marker of M17. */
static void test_encode_data_m12_m17(void)
{
    uint8_t payload[1012], got[RPT], want[4];
    for (size_t i = 0; i < sizeof payload; i++)
        payload[i] = (uint8_t)(i ^ 0x5A);
    CHECK_EQ_INT(mboot_encode_data(got, sizeof got, payload, sizeof payload), RPT);
    fake_tp_hex("02 00 F4 03", want, 4);
    CHECK_MEM(got, want, 4);
    CHECK_MEM(got + 4, payload, sizeof payload);
    CHECK_EQ_INT(mboot_encode_data(got, sizeof got, payload, 1013), 0);
    memset(got, 0xEE, sizeof got);
    CHECK_EQ_INT(mboot_encode_data(got, sizeof got, NULL, 0), 4);
    fake_tp_hex("02 00 00 00", want, 4);
    CHECK_MEM(got, want, 4);
    CHECK_EQ_INT(got[RPT - 1], 0);
}

static void decode_hex(const char *hex, struct mboot_packet *pkt, bool *is_abort, nt_status want)
{
    uint8_t r[RPT] = { 0 };
    struct nt_err err = { 0 };
    fake_tp_hex(hex, r, sizeof r);
    CHECK_EQ_INT(mboot_decode_response(r, sizeof r, pkt, is_abort, &err), want);
}

static void test_decode_vectors(void)
{
    struct mboot_packet p;
    bool ab = true;

    decode_hex("03 00 0C 00 A7 00 00 02 00 00 00 00 00 00 01 4D", &p, &ab, NT_OK); /* M2 */
    CHECK(!ab);
    CHECK_EQ_INT(p.tag, 0xA7);
    CHECK_EQ_INT(p.nparams, 2);
    CHECK_EQ_INT(p.params[0], 0);
    CHECK_EQ_INT(p.params[1], 0x4D010000u);
    decode_hex("03 00 0C 00 A7 00 00 02 00 00 00 00 01 00 00 00", &p, &ab, NT_OK); /* M3 */
    CHECK_EQ_INT(p.params[1], 1);
    decode_hex("03 00 0C 00 A0 00 00 02 00 00 00 00 01 00 00 00", &p, &ab, NT_OK); /* M4 */
    CHECK_EQ_INT(p.tag, 0xA0);
    CHECK_EQ_INT(p.params[1], 1);
    decode_hex("03 00 0C 00 A7 00 00 02 00 00 00 00 F4 03 00 00", &p, &ab, NT_OK); /* M5 */
    CHECK_EQ_INT(p.params[1], 1012);
    decode_hex("03 00 0C 00 A0 00 00 02 00 00 00 00 05 00 00 00", &p, &ab, NT_OK); /* M7 */
    CHECK_EQ_INT(p.params[1], 5);
    decode_hex("03 00 0C 00 A0 00 00 02 00 00 00 00 0B 00 00 00", &p, &ab, NT_OK); /* M13 */
    CHECK_EQ_INT(p.params[1], 0x0B);
    decode_hex("03 00 0C 00 A0 00 00 02 10 27 00 00 06 00 00 00", &p, &ab, NT_OK); /* M14 */
    CHECK_EQ_INT(p.params[0], 10000);
    CHECK_EQ_INT(p.params[1], 6);
    decode_hex("03 00 08 00 A7 00 00 01 3C 28 00 00", &p, &ab, NT_OK); /* M15 */
    CHECK_EQ_INT(p.nparams, 1);
    CHECK_EQ_INT(p.params[0], 10300);
    decode_hex("03 00 0C 00 A0 00 00 02 DB 27 00 00 11 00 00 00", &p, &ab, NT_OK); /* M16 */
    CHECK_EQ_INT(p.params[0], 10203);
    CHECK_EQ_INT(p.params[1], 0x11);
    decode_hex("03 00 00 00", &p, &ab, NT_OK); /* M17 device abort */
    CHECK(ab);
    CHECK_EQ_INT(p.tag, 0);
    decode_hex("03 00 0C 00 A3 01 00 02 00 00 00 00 00 02 00 00", &p, &ab, NT_OK); /* M18 */
    CHECK(!ab);
    CHECK_EQ_INT(p.tag, 0xA3);
    CHECK_EQ_INT(p.flags, 1);
    CHECK_EQ_INT(p.params[1], 0x200);
    decode_hex("03 00 20 00 A7 00 00 07 00 00 00 00 1F 00 00 00 00 00 00 60 00 20 00 00 "
               "00 01 00 00 00 10 00 00 00 00 01 00",
               &p, &ab, NT_OK); /* M19 */
    CHECK_EQ_INT(p.nparams, 7);
    CHECK_EQ_INT(p.params[1], 0x1F);
    CHECK_EQ_INT(p.params[2], 0x60000000u);
    CHECK_EQ_INT(p.params[3], 0x2000);
    CHECK_EQ_INT(p.params[4], 0x100);
    CHECK_EQ_INT(p.params[5], 0x1000);
    CHECK_EQ_INT(p.params[6], 0x10000);
}

/* M20: bare packet header parse, reserved byte ignored. */
static void test_decode_packet_m20(void)
{
    uint8_t pkt[16] = { 0x01, 0x00, 0x02, 0x03 };
    struct mboot_packet p;
    struct nt_err err = { 0 };
    put_le32(pkt + 4, 0x11);
    put_le32(pkt + 8, 0x22);
    put_le32(pkt + 12, 0x33);
    CHECK_EQ_INT(mboot_decode_packet(pkt, sizeof pkt, &p, &err), NT_OK);
    CHECK_EQ_INT(p.tag, 1);
    CHECK_EQ_INT(p.flags, 0);
    CHECK_EQ_INT(p.nparams, 3);
    CHECK_EQ_INT(p.params[2], 0x33);
    CHECK_EQ_INT(mboot_decode_packet(pkt, 12, &p, &err), NT_E_PROTOCOL);
    CHECK_CONTAINS(err.msg, "claims 3 parameters but carries 12 bytes");
}

static void test_decode_errors(void)
{
    struct mboot_packet p;
    bool ab;
    decode_hex("04 00 0C 00 A0 00 00 02 00 00 00 00 01 00 00 00", &p, &ab, NT_E_PROTOCOL);
    decode_hex("03 00 24 00 A7 00 00 08", &p, &ab, NT_E_PROTOCOL); /* 8 params */
    {
        uint8_t r[8] = { 3, 0, 0x10, 0, 0xA0, 0, 0, 2 };
        struct nt_err err = { 0 };
        CHECK_EQ_INT(mboot_decode_response(r, sizeof r, &p, &ab, &err), NT_E_PROTOCOL);
        CHECK_CONTAINS(err.msg, "claims 16 packet bytes but the report holds 4");
    }
}

static void test_status_table(void)
{
    /* Every code doc/protocol.md §3.9 lists, single or as a range. */
    static const uint32_t ranges[][2] = {
        { 0, 6 },         { 100, 154 },     { 400, 408 },     { 6000, 6002 },   { 7000, 7002 },
        { 10000, 10006 }, { 10100, 10120 }, { 10200, 10213 }, { 10300, 10302 }, { 10400, 10404 },
        { 10500, 10503 }, { 10600, 10609 }, { 10700, 10704 }, { 20000, 20011 }, { 20100, 20110 },
        { 20200, 20203 }, { 21100, 21116 }, { 21200, 21222 }, { 22000, 22007 },
    };
    for (size_t r = 0; r < sizeof ranges / sizeof ranges[0]; r++)
        for (uint32_t c = ranges[r][0]; c <= ranges[r][1]; c++) {
            CHECK(strcmp(mboot_status_name(c), "kStatus_Unknown") != 0);
            CHECK(strcmp(mboot_status_message(c), mboot_status_message(123456)) != 0);
        }
    CHECK_EQ_STR(mboot_status_name(10203), "kStatus_MemoryCumulativeWrite");
    CHECK_EQ_STR(mboot_status_name(4), "kStatus_InvalidArgument");
    CHECK_EQ_STR(mboot_status_name(10205), "kStatus_MemoryNotConfigured");
    CHECK_EQ_STR(mboot_status_name(20105), "kStatus_FlexSPINOR_WriteAlignmentError");
    CHECK_EQ_STR(mboot_status_name(21105), "kStatusGroup_SemcNOR");
    CHECK_EQ_STR(mboot_status_name(123456), "kStatus_Unknown");
    CHECK_CONTAINS(mboot_status_message(10203), "not erased");
    CHECK_CONTAINS(mboot_status_message(123456), "does not know");
}

/* A small flashloader model driven by the OUT reports. */
struct model {
    uint32_t max_packet;    /* answer to property 0x0B; 0 = unknown property */
    uint32_t expected, got; /* write-memory byte counts */
    unsigned data_packets, property_queries;
    unsigned abort_after; /* device abort after this data packet (0 = never) */
    uint32_t abort_status;
    uint32_t final_status;
};

static nt_status model_write(struct fake_tp *f, const uint8_t *r, size_t len, void *user)
{
    struct model *m = user;
    struct mboot_packet p;
    struct nt_err err;

    CHECK_EQ_INT(len, RPT);
    if (r[0] == MBOOT_REPORT_CMD_OUT) {
        CHECK_EQ_INT(mboot_decode_packet(r + 4, get_le16(r + 2), &p, &err), NT_OK);
        if (p.tag == MBOOT_CMD_GET_PROPERTY && p.params[0] == MBOOT_PROP_MAX_PACKET_SIZE) {
            uint32_t v[2] = { 0, m->max_packet };
            m->property_queries++;
            if (m->max_packet == 0)
                v[0] = MBOOT_STATUS_UNKNOWN_PROPERTY;
            queue_packet(f, MBOOT_RSP_GET_PROPERTY, 0, m->max_packet ? 2 : 1, v);
        } else {
            if (p.tag == MBOOT_CMD_WRITE_MEMORY) {
                m->expected = p.params[1];
                m->got = 0;
            }
            queue_generic(f, 0, p.tag);
        }
    } else if (r[0] == MBOOT_REPORT_DATA_OUT) {
        uint16_t n = get_le16(r + 2);
        m->got += n;
        m->data_packets++;
        if (m->abort_after && m->data_packets == m->abort_after) {
            fake_tp_queue_hex(f, "03 00 00 00", RPT);
            queue_generic(f, m->abort_status, MBOOT_CMD_WRITE_MEMORY);
        } else if (m->got >= m->expected) {
            queue_generic(f, m->final_status, MBOOT_CMD_WRITE_MEMORY);
        }
    }
    return NT_OK;
}

static struct fake_tp *model_loader(struct model *m)
{
    struct fake_tp *f = loader();
    f->on_write = model_write;
    f->user = m;
    return f;
}

/* The OUT reports that are DATA_OUT, in order. */
static size_t data_reports(const struct fake_tp *f, const struct fake_tp_report **out, size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i < f->nout && n < max; i++)
        if (f->out[i].data[0] == MBOOT_REPORT_DATA_OUT)
            out[n++] = &f->out[i];
    return n;
}

/* A responder that answers the next command with one canned report. */
struct canned {
    const char *hex;
    unsigned fired;
};

static nt_status canned_write(struct fake_tp *f, const uint8_t *r, size_t len, void *user)
{
    struct canned *c = user;
    (void)r;
    (void)len;
    if (c->fired++ == 0)
        fake_tp_queue_hex(f, c->hex, RPT);
    return NT_OK;
}

static struct fake_tp *canned_loader(struct canned *c)
{
    struct fake_tp *f = loader();
    f->on_write = canned_write;
    f->user = c;
    return f;
}

static void test_get_property_version_m1_m2(void)
{
    struct canned c = { "03 00 0C 00 A7 00 00 02 00 00 00 00 00 00 01 4D", 0 };
    struct fake_tp *f = canned_loader(&c);
    struct mboot_host h = host(f);
    struct nt_err err = { 0 };
    uint32_t v[4] = { 0 };
    size_t n = 0;
    uint8_t m1[16];
    CHECK_EQ_INT(mboot_get_property(&h, MBOOT_PROP_CURRENT_VERSION, 0, v, 4, &n, &err), NT_OK);
    CHECK_EQ_INT(n, 1);
    CHECK_EQ_INT(v[0], 0x4D010000u);
    fake_tp_hex("01 00 0C 00 07 00 00 02 01 00 00 00 00 00 00 00", m1, 16);
    CHECK_EQ_INT(f->out[0].len, RPT);
    CHECK_MEM(f->out[0].data, m1, 16);
    /* Exactly one full report per IN read (doc/protocol.md §1.3). */
    CHECK_EQ_INT(f->last_read_cap, RPT);
    fake_tp_free(f);
}

static void test_get_property_max_packet_m5(void)
{
    struct canned c = { "03 00 0C 00 A7 00 00 02 00 00 00 00 F4 03 00 00", 0 };
    struct fake_tp *f = canned_loader(&c);
    struct mboot_host h = host(f);
    struct nt_err err = { 0 };
    uint32_t v = 0;
    uint8_t m5[16];
    CHECK_EQ_INT(mboot_get_property(&h, MBOOT_PROP_MAX_PACKET_SIZE, 0, &v, 1, NULL, &err), NT_OK);
    CHECK_EQ_INT(v, 1012);
    fake_tp_hex("01 00 0C 00 07 00 00 02 0B 00 00 00 00 00 00 00", m5, 16);
    CHECK_MEM(f->out[0].data, m5, 16);
    fake_tp_free(f);
}

static void test_get_property_ext_attrs_m19(void)
{
    struct canned c = { "03 00 20 00 A7 00 00 07 00 00 00 00 1F 00 00 00 00 00 00 60 00 20 00 00 "
                        "00 01 00 00 00 10 00 00 00 00 01 00",
                        0 };
    struct fake_tp *f = canned_loader(&c);
    struct mboot_host h = host(f);
    struct nt_err err = { 0 };
    uint32_t v[6] = { 0 };
    size_t n = 0;
    CHECK_EQ_INT(mboot_get_property(&h, MBOOT_PROP_EXT_MEMORY_ATTRS, 9, v, 6, &n, &err), NT_OK);
    CHECK_EQ_INT(n, 6);
    CHECK_EQ_INT(v[1], 0x60000000u);
    CHECK_EQ_INT(v[2], 8192);
    CHECK_EQ_INT(v[5], 0x10000);
    CHECK_EQ_INT(get_le32(f->out[0].data + 8), 0x19);
    CHECK_EQ_INT(get_le32(f->out[0].data + 12), 9);
    fake_tp_free(f);
}

static void test_get_property_unknown_m15(void)
{
    struct canned c = { "03 00 08 00 A7 00 00 01 3C 28 00 00", 0 };
    struct fake_tp *f = canned_loader(&c);
    struct mboot_host h = host(f);
    struct nt_err err = { 0 };
    uint32_t v[2];
    CHECK_EQ_INT(mboot_get_property(&h, 0x10, 0, v, 2, NULL, &err), NT_E_STATUS);
    CHECK_EQ_INT(err.device_status, 10300);
    CHECK_CONTAINS(err.msg, "get-property 0x10 failed: kStatus_UnknownProperty (10300): ");
    fake_tp_free(f);
}

static void test_response_tag_mismatch(void)
{
    struct canned c = { "03 00 0C 00 A3 01 00 02 00 00 00 00 00 02 00 00", 0 };
    struct fake_tp *f = canned_loader(&c);
    struct mboot_host h = host(f);
    struct nt_err err = { 0 };
    uint32_t v[2];
    CHECK_EQ_INT(mboot_get_property(&h, 1, 0, v, 2, NULL, &err), NT_E_PROTOCOL);
    CHECK_CONTAINS(err.msg, "expected response tag 0xA7");
    CHECK_CONTAINS(err.msg, "got response tag 0xA3");
    fake_tp_free(f);
}

static void test_echoed_tag_mismatch(void)
{
    struct canned c = { "03 00 0C 00 A0 00 00 02 00 00 00 00 05 00 00 00", 0 }; /* M7 */
    struct fake_tp *f = canned_loader(&c);
    struct mboot_host h = host(f);
    struct nt_err err = { 0 };
    CHECK_EQ_INT(mboot_configure_memory(&h, 9, 0x2000, &err), NT_E_PROTOCOL);
    CHECK_CONTAINS(err.msg, "configure-memory (command tag 0x11) echoes command tag 0x05");
    fake_tp_free(f);
}

static void test_status_error_message(void)
{
    struct canned c = { "03 00 0C 00 A0 00 00 02 04 00 00 00 11 00 00 00", 0 };
    struct fake_tp *f = canned_loader(&c);
    struct mboot_host h = host(f);
    struct nt_err err = { 0 };
    char want[NT_ERR_MSG_MAX];
    CHECK_EQ_INT(mboot_configure_memory(&h, 9, 0x2000, &err), NT_E_STATUS);
    CHECK_EQ_INT(err.status, NT_E_STATUS);
    CHECK_EQ_INT(err.device_status, 4);
    snprintf(want, sizeof want, "configure-memory failed: kStatus_InvalidArgument (4): %s",
             mboot_status_message(4));
    CHECK_EQ_STR(err.msg, want);
    fake_tp_free(f);
}

static void test_fcb_refused_m16(void)
{
    struct canned c = { "03 00 0C 00 A0 00 00 02 DB 27 00 00 11 00 00 00", 0 };
    struct fake_tp *f = canned_loader(&c);
    struct mboot_host h = host(f);
    struct nt_err err = { 0 };
    CHECK_EQ_INT(mboot_configure_memory(&h, 9, 0x2000, &err), NT_E_STATUS);
    CHECK_EQ_INT(err.device_status, 10203);
    CHECK_CONTAINS(err.msg, "kStatus_MemoryCumulativeWrite (10203)");
    fake_tp_free(f);
}

static void test_unknown_command_generic_m14(void)
{
    struct canned c = { "03 00 0C 00 A0 00 00 02 10 27 00 00 07 00 00 00", 0 };
    struct fake_tp *f = canned_loader(&c);
    struct mboot_host h = host(f);
    struct nt_err err = { 0 };
    uint32_t v;
    CHECK_EQ_INT(mboot_get_property(&h, 1, 0, &v, 1, NULL, &err), NT_E_STATUS);
    CHECK_CONTAINS(err.msg, "kStatus_UnknownCommand (10000)");
    fake_tp_free(f);
}

static void test_stale_drained_before_command(void)
{
    struct model m = { .max_packet = 1012 };
    struct fake_tp *f = model_loader(&m);
    struct mboot_host h = host(f);
    struct nt_err err = { 0 };
    unsigned dropped = 0;
    /* An erase answer that arrived after an earlier host gave up. */
    queue_generic(f, 0, MBOOT_CMD_FLASH_ERASE_REGION);
    queue_generic(f, 0, MBOOT_CMD_FILL_MEMORY);
    CHECK_EQ_INT(mboot_configure_memory(&h, 9, 0x2000, &err), NT_OK);
    CHECK_EQ_INT(f->in_head, 3);
    CHECK_EQ_INT(mboot_drain(&h, &dropped, &err), NT_OK);
    CHECK_EQ_INT(dropped, 0);
    queue_generic(f, 0, MBOOT_CMD_FILL_MEMORY);
    CHECK_EQ_INT(mboot_drain(&h, &dropped, &err), NT_OK);
    CHECK_EQ_INT(dropped, 1);
    /* The command's drain only polled; the answer was one read; the public
     * drain (used right after opening, when a stale report may still be in
     * flight) waits briefly: one read each time that ends the drain, plus
     * the one that found the report. */
    CHECK_EQ_INT(f->reads, 4);
    CHECK_EQ_INT(f->last_read_timeout_ms, 20);
    fake_tp_free(f);
}

static void test_fill_erase_m6_m10(void)
{
    struct model m = { .max_packet = 1012 };
    struct fake_tp *f = model_loader(&m);
    struct mboot_host h = host(f);
    struct nt_err err = { 0 };
    uint8_t m6[20], m10[20];
    CHECK_EQ_INT(mboot_fill_memory(&h, 0x2000, 4, 0xC0000008, &err), NT_OK);
    CHECK_EQ_INT(mboot_erase_region(&h, 0x60000000, 0x101000, 0, &err), NT_OK);
    fake_tp_hex("01 00 10 00 05 00 00 03 00 20 00 00 04 00 00 00 08 00 00 C0", m6, 20);
    fake_tp_hex("01 00 10 00 02 00 00 03 00 00 00 60 00 10 10 00 00 00 00 00", m10, 20);
    CHECK_EQ_INT(f->nout, 2);
    CHECK_MEM(f->out[0].data, m6, 20);
    CHECK_MEM(f->out[1].data, m10, 20);
    fake_tp_free(f);
}

/* Erase answer timeout: base + per-sector, scaled, with a floor. */
static void test_erase_timeout_sized(void)
{
    struct model m = { .max_packet = 1012 };
    struct fake_tp *f = model_loader(&m);
    struct mboot_host h = host(f);
    struct nt_err err = { 0 };
    int one_sector, many;

    h.tscale = 1.0;
    CHECK_EQ_INT(mboot_erase_region(&h, 0x60000000, 0x1000, 0, &err), NT_OK);
    one_sector = f->last_read_timeout_ms;
    CHECK_EQ_INT(mboot_erase_region(&h, 0x60000000, 0x101000, 0, &err), NT_OK);
    many = f->last_read_timeout_ms;
    CHECK(one_sector >= 1000 && one_sector <= 5000);
    /* 257 sectors at up to 400 ms each must fit. */
    CHECK(many >= 257 * 400);
    CHECK(many - one_sector >= 256 * 400);
    /* An unaligned 2-byte erase straddling a sector boundary covers 2 sectors. */
    CHECK_EQ_INT(mboot_erase_region(&h, 0x60000FFF, 2, 0, &err), NT_OK);
    CHECK(f->last_read_timeout_ms > one_sector);
    h.tscale = 0.0;
    CHECK_EQ_INT(mboot_erase_region(&h, 0x60000000, 0x101000, 0, &err), NT_OK);
    CHECK_EQ_INT(f->last_read_timeout_ms, 200);
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

static uint8_t *pattern(size_t len)
{
    uint8_t *b = malloc(len);
    for (size_t i = 0; i < len; i++)
        b[i] = (uint8_t)(i * 13 + (i >> 8));
    return b;
}

static void test_write_data_phase(void)
{
    struct model m = { .max_packet = 1012 };
    struct fake_tp *f = model_loader(&m);
    struct mboot_host h = host(f);
    struct nt_err err = { 0 };
    struct progress_log p = { 0 };
    const struct fake_tp_report *d[8];
    size_t len = 2500, n;
    uint8_t *img = pattern(len);
    uint8_t m11[20];

    CHECK_EQ_INT(mboot_write_memory(&h, 0x60001000, img, len, 0, record_progress, &p, &err), NT_OK);
    CHECK_EQ_INT(m.property_queries, 1);
    CHECK_EQ_INT(h.max_packet, 1012);
    /* GetProperty, WriteMemory, 3 data reports. */
    CHECK_EQ_INT(f->nout, 5);
    fake_tp_hex("01 00 10 00 04 01 00 03 00 10 00 60 C4 09 00 00 00 00 00 00", m11, 20);
    CHECK_MEM(f->out[1].data, m11, 20);
    n = data_reports(f, d, 8);
    CHECK_EQ_INT(n, 3);
    CHECK_EQ_INT(get_le16(d[0]->data + 2), 1012);
    CHECK_EQ_INT(get_le16(d[1]->data + 2), 1012);
    CHECK_EQ_INT(get_le16(d[2]->data + 2), 476);
    CHECK_MEM(d[0]->data + 4, img, 1012);
    CHECK_MEM(d[1]->data + 4, img + 1012, 1012);
    CHECK_MEM(d[2]->data + 4, img + 2024, 476);
    for (size_t i = 4 + 476; i < RPT; i++)
        if (d[2]->data[i]) {
            CHECK_EQ_INT(d[2]->data[i], 0);
            break;
        }
    CHECK_EQ_INT(d[2]->len, RPT);
    CHECK_EQ_INT(p.calls, 3);
    CHECK_EQ_INT(p.last_done, len);
    CHECK_EQ_INT(p.last_total, len);
    CHECK_EQ_INT(f->in_head, f->in_count);
    /* Cached: a second write does not ask again. */
    CHECK_EQ_INT(mboot_write_memory(&h, 0x60002000, img, 100, 0, NULL, NULL, &err), NT_OK);
    CHECK_EQ_INT(m.property_queries, 1);
    free(img);
    fake_tp_free(f);
}

static void test_write_final_status_error(void)
{
    struct model m = { .max_packet = 1012, .final_status = 20105 };
    struct fake_tp *f = model_loader(&m);
    struct mboot_host h = host(f);
    struct nt_err err = { 0 };
    uint8_t *img = pattern(500);
    CHECK_EQ_INT(mboot_write_memory(&h, 0x60001010, img, 500, 0, NULL, NULL, &err), NT_E_STATUS);
    CHECK_EQ_INT(err.device_status, 20105);
    CHECK_CONTAINS(err.msg, "write-memory failed: kStatus_FlexSPINOR_WriteAlignmentError (20105)");
    free(img);
    fake_tp_free(f);
}

static void test_max_packet_fallback_32(void)
{
    struct model m = { .max_packet = 0 };
    struct fake_tp *f = model_loader(&m);
    struct mboot_host h = host(f);
    struct nt_err err = { 0 };
    const struct fake_tp_report *d[8];
    uint8_t *img = pattern(100);
    CHECK_EQ_INT(mboot_write_memory(&h, 0x60001000, img, 100, 0, NULL, NULL, &err), NT_OK);
    CHECK_EQ_INT(h.max_packet, 32);
    CHECK_EQ_INT(data_reports(f, d, 8), 4);
    CHECK_EQ_INT(get_le16(d[0]->data + 2), 32);
    CHECK_EQ_INT(get_le16(d[3]->data + 2), 4);
    CHECK_EQ_INT(d[3]->len, RPT);
    free(img);
    fake_tp_free(f);
}

static void test_max_packet_clamped(void)
{
    struct model m = { .max_packet = 4096 };
    struct fake_tp *f = model_loader(&m);
    struct mboot_host h = host(f);
    struct nt_err err = { 0 };
    const struct fake_tp_report *d[8];
    uint8_t *img = pattern(3000);
    CHECK_EQ_INT(mboot_write_memory(&h, 0x60001000, img, 3000, 0, NULL, NULL, &err), NT_OK);
    CHECK_EQ_INT(h.max_packet, RPT - 4);
    CHECK_EQ_INT(data_reports(f, d, 8), 3);
    CHECK_EQ_INT(get_le16(d[0]->data + 2), 1012);
    free(img);
    fake_tp_free(f);
}

/* Zero-length CMD_IN then Generic(10203) after the 2nd of 5 packets: the
 * poll after each DATA_OUT sees it, nothing more is sent, no hang. */
static void test_device_abort_mid_phase(void)
{
    struct model m = { .max_packet = 1012, .abort_after = 2, .abort_status = 10203 };
    struct fake_tp *f = model_loader(&m);
    struct mboot_host h = host(f);
    struct nt_err err = { 0 };
    struct progress_log p = { 0 };
    const struct fake_tp_report *d[8];
    size_t len = 5 * 1012;
    uint8_t *img = pattern(len);
    CHECK_EQ_INT(mboot_write_memory(&h, 0x60001000, img, len, 0, record_progress, &p, &err), NT_E_STATUS);
    CHECK_EQ_INT(err.device_status, 10203);
    CHECK_CONTAINS(err.msg, "write-memory failed: kStatus_MemoryCumulativeWrite (10203)");
    CHECK_EQ_INT(data_reports(f, d, 8), 2);
    CHECK_EQ_INT(p.calls, 2);
    CHECK_EQ_INT(f->in_head, f->in_count); /* abort marker and answer consumed */
    free(img);
    fake_tp_free(f);
}

/* The abort arrives too late for the zero-timeout poll; the device blocks in
 * its IN send so the next DATA_OUT times out, and the host must read IN. */
static void test_out_timeout_reads_in(void)
{
    struct model m = { .max_packet = 1012, .abort_after = 1, .abort_status = 10205 };
    struct fake_tp *f = model_loader(&m);
    struct mboot_host h = host(f);
    struct nt_err err = { 0 };
    const struct fake_tp_report *d[8];
    size_t len = 3 * 1012;
    uint8_t *img = pattern(len);
    h.max_packet = 1012;
    f->poll_blind = true;
    f->block_out_while_in_pending = true;
    CHECK_EQ_INT(mboot_write_memory(&h, 0x60001000, img, len, 0, NULL, NULL, &err), NT_E_STATUS);
    CHECK_EQ_INT(err.device_status, 10205);
    CHECK_CONTAINS(err.msg, "kStatus_MemoryNotConfigured");
    CHECK_EQ_INT(f->write_timeouts, 1);
    CHECK_EQ_INT(data_reports(f, d, 8), 1);
    CHECK_EQ_INT(f->in_head, f->in_count);
    free(img);
    fake_tp_free(f);
}

/* A device that stops answering: the command times out instead of hanging. */
static void test_command_silent_device(void)
{
    struct fake_tp *f = loader();
    struct mboot_host h = host(f);
    struct nt_err err = { 0 };
    CHECK_EQ_INT(mboot_fill_memory(&h, 0x2000, 4, 1, &err), NT_E_TIMEOUT);
    CHECK_CONTAINS(err.msg, "did not answer fill-memory");
    CHECK_EQ_INT(f->nout, 1);
    fake_tp_free(f);
}

/* The data are taken but the final answer never comes. */
static nt_status swallow_data(struct fake_tp *f, const uint8_t *r, size_t len, void *user)
{
    (void)len;
    (void)user;
    if (r[0] == MBOOT_REPORT_CMD_OUT)
        queue_generic(f, 0, MBOOT_CMD_WRITE_MEMORY);
    return NT_OK;
}

static void test_write_no_final_answer(void)
{
    struct fake_tp *f = loader();
    struct mboot_host h = host(f);
    struct nt_err err = { 0 };
    uint8_t *img = pattern(64);
    h.max_packet = 1012;
    f->on_write = swallow_data;
    CHECK_EQ_INT(mboot_write_memory(&h, 0x60001000, img, 64, 0, NULL, NULL, &err), NT_E_TIMEOUT);
    CHECK_CONTAINS(err.msg, "did not answer write-memory");
    free(img);
    fake_tp_free(f);
}

static void test_reset_answered_m13(void)
{
    struct canned c = { "03 00 0C 00 A0 00 00 02 00 00 00 00 0B 00 00 00", 0 };
    struct fake_tp *f = canned_loader(&c);
    struct mboot_host h = host(f);
    struct nt_err err = { 0 };
    bool answered = false;
    uint8_t m13[8];
    CHECK_EQ_INT(mboot_reset(&h, &answered, &err), NT_OK);
    CHECK(answered);
    fake_tp_hex("01 00 04 00 0B 00 00 00", m13, 8);
    CHECK_MEM(f->out[0].data, m13, 8);
    fake_tp_free(f);
}

static void test_reset_without_answer(void)
{
    struct fake_tp *f = loader();
    struct mboot_host h = host(f);
    struct nt_err err = { 0 };
    bool answered = true;
    CHECK_EQ_INT(mboot_reset(&h, &answered, &err), NT_OK);
    CHECK(!answered);
    CHECK_EQ_INT(f->nout, 1);
    f->empty_read = NT_E_DISCONNECT;
    answered = true;
    /* The drain before the command sees the device already gone. */
    CHECK(mboot_reset(&h, &answered, &err) != NT_OK);
    fake_tp_free(f);
}

static nt_status leave_on_write(struct fake_tp *f, const uint8_t *r, size_t len, void *user)
{
    (void)r;
    (void)len;
    (void)user;
    f->empty_read = NT_E_DISCONNECT;
    return NT_OK;
}

static void test_reset_disconnect(void)
{
    struct fake_tp *f = loader();
    struct mboot_host h = host(f);
    struct nt_err err = { 0 };
    bool answered = true;
    f->on_write = leave_on_write;
    CHECK_EQ_INT(mboot_reset(&h, &answered, &err), NT_OK);
    CHECK(!answered);
    fake_tp_free(f);
}

static void test_reset_io_error(void)
{
    struct fake_tp *f = loader();
    struct mboot_host h = host(f);
    struct nt_err err = { 0 };
    bool answered = true;
    f->empty_read = NT_E_IO;
    CHECK_EQ_INT(mboot_reset(&h, &answered, &err), NT_OK);
    CHECK(!answered);
    fake_tp_free(f);
}

static void test_reset_error_status(void)
{
    struct canned c = { "03 00 0C 00 A0 00 00 02 01 00 00 00 0B 00 00 00", 0 };
    struct fake_tp *f = canned_loader(&c);
    struct mboot_host h = host(f);
    struct nt_err err = { 0 };
    CHECK_EQ_INT(mboot_reset(&h, NULL, &err), NT_E_STATUS);
    CHECK_CONTAINS(err.msg, "reset failed: kStatus_Fail (1)");
    fake_tp_free(f);
}

/* ReadMemoryResponse, DATA_IN reports, Generic(0, 0x03). */
static nt_status read_model(struct fake_tp *f, const uint8_t *r, size_t len, void *user)
{
    const uint8_t *mem = user;
    struct mboot_packet p;
    struct nt_err err;
    uint32_t rsp[2];
    (void)len;
    CHECK_EQ_INT(mboot_decode_packet(r + 4, get_le16(r + 2), &p, &err), NT_OK);
    CHECK_EQ_INT(p.tag, MBOOT_CMD_READ_MEMORY);
    rsp[0] = mem ? 0 : 10201;
    rsp[1] = p.params[1];
    queue_packet(f, MBOOT_RSP_READ_MEMORY, 1, 2, rsp);
    if (!mem)
        return NT_OK;
    for (uint32_t off = 0; off < p.params[1]; off += 1012) {
        uint8_t d[RPT] = { MBOOT_REPORT_DATA_IN };
        uint32_t n = p.params[1] - off < 1012 ? p.params[1] - off : 1012;
        put_le16(d + 2, (uint16_t)n);
        memcpy(d + 4, mem + off, n);
        fake_tp_queue(f, d, sizeof d, RPT);
    }
    queue_generic(f, 0, MBOOT_CMD_READ_MEMORY);
    return NT_OK;
}

static void test_read_memory(void)
{
    struct fake_tp *f = loader();
    struct mboot_host h = host(f);
    struct nt_err err = { 0 };
    uint8_t *mem = pattern(1500), out[1500];
    uint8_t m[20];
    f->on_write = read_model;
    f->user = mem;
    memset(out, 0, sizeof out);
    CHECK_EQ_INT(mboot_read_memory(&h, 0x60000000, out, sizeof out, 0, &err), NT_OK);
    CHECK_MEM(out, mem, sizeof out);
    fake_tp_hex("01 00 10 00 03 00 00 03 00 00 00 60 DC 05 00 00 00 00 00 00", m, 20);
    CHECK_MEM(f->out[0].data, m, 20);
    CHECK_EQ_INT(f->in_head, f->in_count);
    free(mem);
    fake_tp_free(f);
}

static void test_read_memory_device_error(void)
{
    struct fake_tp *f = loader();
    struct mboot_host h = host(f);
    struct nt_err err = { 0 };
    uint8_t out[64];
    f->on_write = read_model;
    f->user = NULL;
    CHECK_EQ_INT(mboot_read_memory(&h, 0x60000000, out, sizeof out, 0, &err), NT_E_STATUS);
    CHECK_CONTAINS(err.msg, "read-memory failed: kStatus_MemoryReadFailed (10201)");
    fake_tp_free(f);
}

static nt_status read_abort_model(struct fake_tp *f, const uint8_t *r, size_t len, void *user)
{
    uint32_t rsp[2] = { 0, 64 };
    (void)r;
    (void)len;
    (void)user;
    queue_packet(f, MBOOT_RSP_READ_MEMORY, 1, 2, rsp);
    fake_tp_queue_hex(f, "04 00 00 00", RPT);
    queue_generic(f, 10200, MBOOT_CMD_READ_MEMORY);
    return NT_OK;
}

static void test_read_memory_data_abort(void)
{
    struct fake_tp *f = loader();
    struct mboot_host h = host(f);
    struct nt_err err = { 0 };
    uint8_t out[64];
    f->on_write = read_abort_model;
    CHECK_EQ_INT(mboot_read_memory(&h, 0x70000000, out, sizeof out, 0, &err), NT_E_STATUS);
    CHECK_EQ_INT(err.device_status, 10200);
    CHECK_EQ_INT(f->in_head, f->in_count);
    fake_tp_free(f);
}

int main(void)
{
    RUN(test_encode_vectors);
    RUN(test_encode_data_m12_m17);
    RUN(test_decode_vectors);
    RUN(test_decode_packet_m20);
    RUN(test_decode_errors);
    RUN(test_status_table);
    RUN(test_get_property_version_m1_m2);
    RUN(test_get_property_max_packet_m5);
    RUN(test_get_property_ext_attrs_m19);
    RUN(test_get_property_unknown_m15);
    RUN(test_response_tag_mismatch);
    RUN(test_echoed_tag_mismatch);
    RUN(test_status_error_message);
    RUN(test_fcb_refused_m16);
    RUN(test_unknown_command_generic_m14);
    RUN(test_stale_drained_before_command);
    RUN(test_fill_erase_m6_m10);
    RUN(test_erase_timeout_sized);
    RUN(test_write_data_phase);
    RUN(test_write_final_status_error);
    RUN(test_max_packet_fallback_32);
    RUN(test_max_packet_clamped);
    RUN(test_device_abort_mid_phase);
    RUN(test_out_timeout_reads_in);
    RUN(test_command_silent_device);
    RUN(test_write_no_final_answer);
    RUN(test_reset_answered_m13);
    RUN(test_reset_without_answer);
    RUN(test_reset_disconnect);
    RUN(test_reset_io_error);
    RUN(test_reset_error_status);
    RUN(test_read_memory);
    RUN(test_read_memory_device_error);
    RUN(test_read_memory_data_abort);
    return check_finish();
}
