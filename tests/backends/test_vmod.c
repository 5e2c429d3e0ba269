/* Tests for the virtual Disting NT: the engine driven with hand-built SDP and
 * MCUboot reports (doc/protocol.md §2, §3, vectors §7), the NOR rules, timing
 * accounting, faults, and the virtual bus (events, dump=, stats=). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "tap.h"
#include "vmod.h"

#define FL_LEN 1016
#define LOAD_ADDR 0x20001C00u
#define IMAGE_BYTES 0x2400u
#define NOR 0x60000000u

/* --- helpers --- */

static struct vmod_config config(const char *spec)
{
    struct vmod_config c;
    struct nt_err e;
    vmod_config_defaults(&c);
    c.speed = 0;
    if (vmod_parse_spec(spec, &c, &e) != NT_OK)
        fprintf(stderr, "bad test spec %s: %s\n", spec, e.msg);
    return c;
}

static struct vmod_engine *engine(const char *spec)
{
    struct vmod_config c = config(spec);
    struct vmod_engine *e = NULL;
    struct nt_err err;
    if (vmod_engine_new(&c, 0, &e, &err) != NT_OK)
        fprintf(stderr, "engine: %s\n", err.msg);
    return e;
}

static void settle(struct vmod_engine *e)
{
    double nc;
    for (int i = 0; i < 1000 && (nc = vmod_engine_next_change(e)) >= 0; i++)
        vmod_engine_advance(e, nc);
}

static nt_status rom_cmd(struct vmod_engine *e, uint16_t cmd, uint32_t addr, uint8_t fmt, uint32_t count,
                         uint32_t data)
{
    uint8_t r[17] = { 1 };
    put_be16(r + 1, cmd);
    put_be32(r + 3, addr);
    r[7] = fmt;
    put_be32(r + 8, count);
    put_be32(r + 12, data);
    return vmod_engine_out(e, r, sizeof r);
}

/* Pop one IN report (after letting busy periods end); returns its length, 0 if none. */
static size_t in(struct vmod_engine *e, uint8_t *buf)
{
    size_t n = 0;
    settle(e);
    return vmod_engine_in(e, buf, 1100, &n) ? n : 0;
}

static uint32_t rom_word(struct vmod_engine *e, uint8_t id)
{
    uint8_t b[1100];
    size_t n = in(e, b);
    if (n == 0 || b[0] != id)
        return 0xDEADBEEF;
    return get_be32(b + 1);
}

static void make_image(uint8_t *img)
{
    for (uint32_t i = 0; i < IMAGE_BYTES; i++)
        img[i] = (uint8_t)(i * 13 + 1);
    static const uint8_t hdr[4] = { 0xD1, 0x00, 0x20, 0x41 };
    memcpy(img, hdr, 4);
    put_le32(img + 4, LOAD_ADDR + 0x400 + 1); /* entry (thumb) inside the image */
    put_le32(img + 8, 0);
    put_le32(img + 12, 0);
    put_le32(img + 16, 0);
    put_le32(img + 20, LOAD_ADDR); /* self */
}

static void upload(struct vmod_engine *e, const uint8_t *img, uint32_t len)
{
    rom_cmd(e, 0x0404, LOAD_ADDR, 0, len, 0);
    for (uint32_t off = 0; off < len; off += 1024) {
        uint8_t r[1025] = { 2 };
        memcpy(r + 1, img + off, len - off < 1024 ? len - off : 1024);
        settle(e); /* the previous report is stored */
        vmod_engine_out(e, r, sizeof r);
    }
}

static nt_status fl_cmd(struct vmod_engine *e, uint8_t tag, uint8_t flags, const uint32_t *p, unsigned n)
{
    uint8_t r[FL_LEN] = { 1, 0 };
    put_le16(r + 2, (uint16_t)(4 + 4 * n));
    r[4] = tag;
    r[5] = flags;
    r[7] = (uint8_t)n;
    for (unsigned i = 0; i < n; i++)
        put_le32(r + 8 + 4 * i, p[i]);
    return vmod_engine_out(e, r, sizeof r);
}

#define CMD(e, tag, ...)                                 \
    fl_cmd(e, tag, 0, (const uint32_t[]){ __VA_ARGS__ }, \
           (unsigned)(sizeof((const uint32_t[]){ __VA_ARGS__ }) / sizeof(uint32_t)))

static nt_status fl_data(struct vmod_engine *e, const uint8_t *d, uint16_t n)
{
    uint8_t r[FL_LEN] = { 2, 0 };
    put_le16(r + 2, n);
    memcpy(r + 4, d, n);
    return vmod_engine_out(e, r, sizeof r);
}

/* Status of the next GenericResponse; checks it answers `tag`. */
static uint32_t generic(struct vmod_engine *e, uint8_t tag)
{
    uint8_t b[1100];
    size_t n = in(e, b);
    if (n != FL_LEN || b[0] != 3 || b[4] != 0xA0 || get_le32(b + 12) != tag)
        return 0xDEADBEEF;
    return get_le32(b + 8);
}

static struct vmod_engine *configured(const char *spec)
{
    struct vmod_engine *e = engine(spec);
    CMD(e, 0x05, 0x2000, 4, 0xC0000008);
    generic(e, 0x05);
    CMD(e, 0x11, 9, 0x2000);
    CHECK_EQ_INT(generic(e, 0x11), 0);
    return e;
}

static void erase(struct vmod_engine *e, uint32_t addr, uint32_t len, uint32_t want)
{
    CMD(e, 0x02, addr, len, 0);
    CHECK_EQ_INT(generic(e, 0x02), want);
}

static void program_fcb(struct vmod_engine *e, uint32_t want)
{
    CMD(e, 0x05, 0x2000, 4, 0xF000000F);
    CHECK_EQ_INT(generic(e, 0x05), 0);
    CMD(e, 0x11, 9, 0x2000);
    CHECK_EQ_INT(generic(e, 0x11), want);
}

/* WriteMemory of len bytes of `data` in 1012-byte packets, reading the
 * initial answer; returns the final status (and whether an abort marker came). */
static uint32_t write_mem(struct vmod_engine *e, uint32_t addr, const uint8_t *data, uint32_t len,
                          bool *marker)
{
    fl_cmd(e, 0x04, 1, (const uint32_t[]){ addr, len, 0 }, 3);
    CHECK_EQ_INT(generic(e, 0x04), 0);
    *marker = false;
    uint8_t b[1100];
    for (uint32_t off = 0; off < len; off += 1012) {
        fl_data(e, data + off, (uint16_t)(len - off < 1012 ? len - off : 1012));
        settle(e);
        size_t n = 0;
        if (vmod_engine_in(e, b, sizeof b, &n)) {
            if (get_le16(b + 2) == 0) {
                *marker = true;
                return generic(e, 0x04);
            }
            return get_le32(b + 8);
        }
    }
    return 0xDEADBEEF;
}

static const uint8_t *nor(struct vmod_engine *e) { return vmod_engine_nor(e, NULL); }

static bool all_ff(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != 0xFF)
            return false;
    return true;
}

/* --- ROM --- */

static void test_rom_error_status(void)
{
    struct vmod_engine *e = engine("");
    uint8_t b[1100];
    CHECK_EQ_INT(vmod_engine_presence(e), 0 /* TP_KIND_SDP */);
    CHECK_EQ_INT(rom_cmd(e, 0x0505, 0, 0, 0, 0), NT_OK);
    size_t n = in(e, b);
    CHECK_EQ_INT(n, 5);
    CHECK_MEM(b, "\x03\x56\x78\x78\x56", 5);
    n = in(e, b);
    CHECK_EQ_INT(n, 65);
    CHECK_EQ_INT(b[0], 4);
    CHECK_EQ_INT(get_be32(b + 1), 0xF0F0F0F0);
    CHECK_EQ_INT(in(e, b), 0);
    /* SPSDK pads command reports to 1025 bytes (doc/protocol.md §1.1). */
    uint8_t big[1025] = { 1, 0x05, 0x05 };
    CHECK_EQ_INT(vmod_engine_out(e, big, sizeof big), NT_OK);
    CHECK_EQ_INT(rom_word(e, 3), 0x56787856);
    CHECK_EQ_INT(rom_word(e, 4), 0xF0F0F0F0);
    vmod_engine_free(e);
}

static void test_rom_hab_closed(void)
{
    struct vmod_engine *e = engine("hab=closed");
    rom_cmd(e, 0x0505, 0, 0, 0, 0);
    CHECK_EQ_INT(rom_word(e, 3), 0x12343412);
    vmod_engine_free(e);
}

static void test_rom_ignores_unknown(void)
{
    struct vmod_engine *e = engine("");
    uint8_t b[1100];
    uint8_t mboot[FL_LEN] = { 1, 0, 0x0C, 0, 0x07, 0, 0, 2, 1 };
    CHECK_EQ_INT(vmod_engine_out(e, mboot, 16), NT_OK); /* too short for rpt 1 */
    CHECK_EQ_INT(vmod_engine_out(e, mboot, sizeof mboot), NT_OK);
    CHECK_EQ_INT(in(e, b), 0);
    uint8_t r5[17] = { 5, 0x05, 0x05 };
    vmod_engine_out(e, r5, sizeof r5);
    CHECK_EQ_INT(in(e, b), 0);
    vmod_engine_free(e);
}

static void test_rom_register_commands(void)
{
    struct vmod_engine *e = engine("");
    uint8_t b[1100];
    rom_cmd(e, 0x0202, 0x20000000, 0x20, 4, 0x12345678);
    CHECK_EQ_INT(rom_word(e, 3), 0x56787856);
    CHECK_EQ_INT(rom_word(e, 4), 0x128A8A12);
    rom_cmd(e, 0x0101, 0x20000000, 0x20, 100, 0);
    CHECK_EQ_INT(rom_word(e, 3), 0x56787856);
    CHECK_EQ_INT(in(e, b), 65);
    CHECK_MEM(b, "\x04\x78\x56\x34\x12", 5);
    CHECK_EQ_INT(in(e, b), 65); /* ceil(100/64) = 2 data reports */
    CHECK_EQ_INT(in(e, b), 0);
    rom_cmd(e, 0x0C0C, 0, 0, 0, 0);
    CHECK_EQ_INT(rom_word(e, 3), 0x56787856);
    CHECK_EQ_INT(rom_word(e, 4), 0x900DD009);
    vmod_engine_free(e);
}

static void test_rom_upload_and_jump(void)
{
    struct vmod_engine *e = engine("");
    static uint8_t img[IMAGE_BYTES];
    uint8_t b[1100];
    make_image(img);
    rom_cmd(e, 0x0404, LOAD_ADDR, 0, IMAGE_BYTES, 0);
    for (uint32_t off = 0; off < IMAGE_BYTES; off += 1024) {
        CHECK_EQ_INT(in(e, b), 0); /* nothing before the last chunk */
        uint8_t r[1025] = { 2 };
        memcpy(r + 1, img + off, IMAGE_BYTES - off < 1024 ? IMAGE_BYTES - off : 1024);
        CHECK_EQ_INT(vmod_engine_out(e, r, sizeof r), NT_OK);
        CHECK_EQ_INT(vmod_engine_out(e, r, sizeof r), NT_E_TIMEOUT); /* still storing the last one */
    }
    struct vmod_stats st;
    vmod_engine_stats(e, &st);
    CHECK(st.device_busy_s > 0.0179 && st.device_busy_s < 0.0181); /* 9 reports x 2 ms */
    CHECK_EQ_INT(rom_word(e, 3), 0x56787856);
    CHECK_EQ_INT(rom_word(e, 4), 0x88888888);
    rom_cmd(e, 0x0101, LOAD_ADDR, 0x20, 64, 0);
    rom_word(e, 3);
    CHECK_EQ_INT(in(e, b), 65);
    CHECK_MEM(b + 1, img, 64);
    rom_cmd(e, 0x0B0B, LOAD_ADDR, 0, 0, 0);
    CHECK_EQ_INT(vmod_engine_presence(e), 0); /* until rpt 3 is read */
    CHECK_EQ_INT(rom_word(e, 3), 0x56787856);
    CHECK_EQ_INT(vmod_engine_presence(e), -1);
    double nc = vmod_engine_next_change(e);
    CHECK(nc > 0.79 && nc < 0.81); /* enum_delay default 0.8 s */
    vmod_engine_advance(e, 0.5);
    CHECK_EQ_INT(vmod_engine_presence(e), -1);
    vmod_engine_advance(e, 0.31);
    CHECK_EQ_INT(vmod_engine_presence(e), 1 /* TP_KIND_MBOOT */);
    CHECK_EQ_INT(in(e, b), 0); /* no stale report without fault=stale */
    vmod_engine_free(e);
}

static void expect_bad_jump(struct vmod_engine *e, uint32_t addr, uint32_t word)
{
    rom_cmd(e, 0x0B0B, addr, 0, 0, 0);
    CHECK_EQ_INT(rom_word(e, 3), 0x56787856);
    CHECK_EQ_INT(rom_word(e, 4), word);
    CHECK_EQ_INT(vmod_engine_presence(e), 0);
}

static void test_rom_rejects_bad_ivt(void)
{
    struct vmod_engine *e = engine("jump_error=0x33333333");
    static uint8_t img[IMAGE_BYTES];
    make_image(img);
    expect_bad_jump(e, LOAD_ADDR, 0x33333333); /* nothing loaded */
    put_le32(img + 20, LOAD_ADDR + 4);         /* self != address */
    upload(e, img, IMAGE_BYTES);
    rom_word(e, 3);
    rom_word(e, 4);
    expect_bad_jump(e, LOAD_ADDR, 0x33333333);
    make_image(img);
    put_le32(img + 4, 0x20100000); /* entry outside the loaded data */
    upload(e, img, IMAGE_BYTES);
    rom_word(e, 3);
    rom_word(e, 4);
    expect_bad_jump(e, LOAD_ADDR, 0x33333333);
    make_image(img);
    img[0] = 0xD2; /* wrong tag */
    upload(e, img, IMAGE_BYTES);
    rom_word(e, 3);
    rom_word(e, 4);
    expect_bad_jump(e, LOAD_ADDR, 0x33333333);
    rom_cmd(e, 0x0505, 0, 0, 0, 0); /* ERROR_STATUS reports the failure */
    rom_word(e, 3);
    CHECK_EQ_INT(rom_word(e, 4), 0x33333333);
    vmod_engine_free(e);
}

static void test_rom_padding_setting(void)
{
    static uint8_t img[IMAGE_BYTES];
    make_image(img);
    for (int pad = 0; pad < 2; pad++) {
        struct vmod_engine *e = engine(pad ? "rom_padding=yes" : "rom_padding=no");
        uint8_t b[1100];
        rom_cmd(e, 0x0202, LOAD_ADDR + 100, 0x20, 4, 0xAABBCCDD);
        rom_word(e, 3);
        rom_word(e, 4);
        upload(e, img, 100); /* one chunk: 100 data bytes + 924 zero padding */
        rom_word(e, 3);
        CHECK_EQ_INT(rom_word(e, 4), 0x88888888);
        rom_cmd(e, 0x0101, LOAD_ADDR + 100, 0x20, 4, 0);
        rom_word(e, 3);
        in(e, b);
        CHECK_EQ_INT(get_le32(b + 1), pad ? 0 : 0xAABBCCDD);
        vmod_engine_free(e);
    }
}

static void test_rom_faults(void)
{
    static uint8_t img[IMAGE_BYTES];
    uint8_t b[1100];
    make_image(img);
    struct vmod_engine *e = engine("fault=badjump");
    upload(e, img, IMAGE_BYTES);
    rom_word(e, 3);
    rom_word(e, 4);
    expect_bad_jump(e, LOAD_ADDR, 0x000A0533);
    vmod_engine_free(e);

    e = engine("fault=noenum");
    upload(e, img, IMAGE_BYTES);
    rom_word(e, 3);
    rom_word(e, 4);
    rom_cmd(e, 0x0B0B, LOAD_ADDR, 0, 0, 0);
    rom_word(e, 3);
    CHECK_EQ_INT(vmod_engine_presence(e), -1);
    CHECK(vmod_engine_next_change(e) < 0); /* nothing will ever arrive */
    vmod_engine_free(e);

    e = engine("fault=status@upload");
    upload(e, img, IMAGE_BYTES);
    CHECK_EQ_INT(rom_word(e, 3), 0x56787856);
    CHECK_EQ_INT(rom_word(e, 4), 0x89232389);
    vmod_engine_free(e);

    e = engine("fault=unplug@upload:50");
    rom_cmd(e, 0x0404, LOAD_ADDR, 0, 4096, 0);
    uint8_t r[1025] = { 2 };
    CHECK_EQ_INT(vmod_engine_out(e, r, sizeof r), NT_OK);
    CHECK_EQ_INT(vmod_engine_presence(e), 0); /* 25 %: still there */
    settle(e);
    CHECK_EQ_INT(vmod_engine_out(e, r, sizeof r), NT_OK);
    CHECK_EQ_INT(vmod_engine_presence(e), -1); /* 50 %: gone */
    CHECK_EQ_INT(vmod_engine_out(e, r, sizeof r), NT_E_DISCONNECT);
    vmod_engine_free(e);

    e = engine("fault=silent@upload:0");
    rom_cmd(e, 0x0404, LOAD_ADDR, 0, 4096, 0);
    CHECK_EQ_INT(vmod_engine_out(e, r, sizeof r), NT_E_TIMEOUT);
    CHECK_EQ_INT(in(e, b), 0);
    vmod_engine_free(e);

    e = engine("fault=stale");
    CHECK_EQ_INT(rom_word(e, 4), 0x88888888); /* old rpt 4 waiting at open */
    vmod_engine_free(e);
}

/* --- flashloader --- */

static void test_fl_vectors(void)
{
    struct vmod_engine *e = engine("start=mboot");
    uint8_t b[1100];
    CHECK_EQ_INT(vmod_engine_presence(e), 1);
    CMD(e, 0x07, 1, 0);
    CHECK_EQ_INT(in(e, b), FL_LEN);
    CHECK_MEM(b, "\x03\x00\x0C\x00\xA7\x00\x00\x02\x00\x00\x00\x00\x00\x00\x01\x4D", 16); /* M2 */
    CMD(e, 0x07, 0x0B, 0);
    in(e, b);
    CHECK_MEM(b, "\x03\x00\x0C\x00\xA7\x00\x00\x02\x00\x00\x00\x00\xF4\x03\x00\x00", 16); /* M5 */
    CMD(e, 0x07, 0x3C, 0);
    in(e, b);
    CHECK_MEM(b, "\x03\x00\x08\x00\xA7\x00\x00\x01\x3C\x28\x00\x00", 12); /* M15 */
    CMD(e, 0x06, 1, 2);
    in(e, b);
    CHECK_MEM(b, "\x03\x00\x0C\x00\xA0\x00\x00\x02\x10\x27\x00\x00\x06\x00\x00\x00", 16); /* M14 */
    CMD(e, 0x05, 0x2000, 4, 0xC0000008);
    in(e, b);
    CHECK_MEM(b, "\x03\x00\x0C\x00\xA0\x00\x00\x02\x00\x00\x00\x00\x05\x00\x00\x00", 16); /* M7 */
    CMD(e, 0x07, 0x19, 9);
    in(e, b);
    CHECK_MEM(b, "\x03\x00\x08\x00\xA7\x00\x00\x01\xDD\x27\x00\x00", 12); /* 10205 */
    CMD(e, 0x11, 9, 0x2000);
    CHECK_EQ_INT(generic(e, 0x11), 0);
    CMD(e, 0x07, 0x19, 9);
    in(e, b);
    CHECK_MEM(b,
              "\x03\x00\x20\x00\xA7\x00\x00\x07\x00\x00\x00\x00\x1F\x00\x00\x00\x00\x00\x00\x60"
              "\x00\x20\x00\x00\x00\x01\x00\x00\x00\x10\x00\x00\x00\x00\x01\x00",
              36); /* M19 */
    vmod_engine_free(e);
}

static uint32_t property(struct vmod_engine *e, uint32_t tag, uint32_t mem, unsigned idx, unsigned *count)
{
    uint8_t b[1100];
    CMD(e, 0x07, tag, mem);
    in(e, b);
    *count = b[7];
    return get_le32(b + 8 + 4 * idx);
}

static void test_fl_properties(void)
{
    struct vmod_engine *e = engine("start=mboot,hab=closed,max_packet=56,version=0x4D010203");
    unsigned n;
    CHECK_EQ_INT(property(e, 0x01, 0, 1, &n), 0x4D010203);
    CHECK_EQ_INT(property(e, 0x02, 0, 1, &n), 0x11);
    CHECK_EQ_INT(property(e, 0x07, 0, 1, &n), 0x56FDF);
    CHECK_EQ_INT(property(e, 0x0B, 0, 1, &n), 56);
    CHECK_EQ_INT(property(e, 0x0C, 0, 1, &n), 0x20000000);
    CHECK_EQ_INT(n, 3);
    CHECK_EQ_INT(property(e, 0x0E, 2, 1, &n), 0x20200000);
    CHECK_EQ_INT(property(e, 0x0F, 1, 1, &n), 128 * 1024);
    CHECK_EQ_INT(property(e, 0x11, 0, 1, &n), 1);
    property(e, 0x12, 0, 1, &n);
    CHECK_EQ_INT(n, 3);
    CHECK_EQ_INT(property(e, 0x18, 0, 1, &n), 0x54010000);
    CHECK_EQ_INT(property(e, 0x00, 0, 0, &n), 10300);
    CHECK_EQ_INT(n, 1);
    CHECK_EQ_INT(property(e, 0x04, 0, 0, &n), 10300);
    CMD(e, 0x0C, 0x0B, 64);
    CHECK_EQ_INT(generic(e, 0x0C), 10301);
    CMD(e, 0x0C, 0x0A, 1);
    CHECK_EQ_INT(generic(e, 0x0C), 10300);
    vmod_engine_free(e);
}

static void test_fl_nak_while_in_unread(void)
{
    struct vmod_engine *e = engine("start=mboot");
    uint8_t b[1100];
    CHECK_EQ_INT(CMD(e, 0x07, 1, 0), NT_OK);
    CHECK_EQ_INT(CMD(e, 0x07, 1, 0), NT_E_TIMEOUT); /* response not read yet */
    CHECK_EQ_INT(in(e, b), FL_LEN);
    CHECK_EQ_INT(CMD(e, 0x07, 1, 0), NT_OK);
    vmod_engine_free(e);
}

static void test_fl_discards_data_in_command_phase(void)
{
    struct vmod_engine *e = engine("start=mboot");
    uint8_t b[1100], d[16] = { 0 };
    CHECK_EQ_INT(fl_data(e, d, sizeof d), NT_OK);
    CHECK_EQ_INT(in(e, b), 0);
    uint8_t empty[4] = { 1, 0, 0, 0 }; /* blhost's receiver abort: an empty command */
    CHECK_EQ_INT(vmod_engine_out(e, empty, sizeof empty), NT_OK);
    CHECK_EQ_INT(in(e, b), 0);
    CMD(e, 0x07, 1, 0);
    CHECK_EQ_INT(in(e, b), FL_LEN);
    CHECK_EQ_INT(b[4], 0xA7);
    vmod_engine_free(e);
}

static void test_fl_not_configured(void)
{
    struct vmod_engine *e = engine("start=mboot");
    static uint8_t data[4096];
    bool marker;
    erase(e, NOR, 0x1000, 10205);
    CHECK_EQ_INT(write_mem(e, NOR, data, sizeof data, &marker), 10205);
    CHECK(marker); /* data remained after the first packet */
    CMD(e, 0x03, NOR, 16, 0);
    uint8_t b[1100];
    in(e, b);
    CHECK_EQ_INT(b[4], 0xA3);
    CHECK_EQ_INT(get_le32(b + 8), 10205);
    program_fcb(e, 4); /* 0xF000000F before a successful configure */
    vmod_engine_free(e);
}

static void test_fl_configure_checks(void)
{
    struct vmod_engine *e = engine("start=mboot");
    CMD(e, 0x05, 0x2000, 4, 0xC0000008);
    generic(e, 0x05);
    CMD(e, 0x11, 8, 0x2000);
    CHECK_EQ_INT(generic(e, 0x11), 4); /* not FlexSPI NOR */
    CMD(e, 0x11, 9, 0);
    CHECK_EQ_INT(generic(e, 0x11), 4); /* address 0 */
    CMD(e, 0x11, 9, 0x30000000);
    CHECK_EQ_INT(generic(e, 0x11), 4); /* not RAM */
    CMD(e, 0x11, 9, 0x1FF00);
    CHECK_EQ_INT(generic(e, 0x11), 4); /* +511 runs past ITCM */
    CMD(e, 0x05, 0x3000, 4, 0x12345678);
    generic(e, 0x05);
    CMD(e, 0x11, 9, 0x3000);
    CHECK_EQ_INT(generic(e, 0x11), 4); /* neither option, magic nor FCB */
    CMD(e, 0x05, 0x3000, 4, 0xC0200008);
    generic(e, 0x05);
    CMD(e, 0x11, 9, 0x3000);
    CHECK_EQ_INT(generic(e, 0x11), 20109); /* HyperFLASH probe on a QSPI part */
    vmod_engine_free(e);
}

static void test_fl_fcb(void)
{
    struct vmod_engine *e = configured("start=mboot");
    uint8_t b[1100];
    program_fcb(e, 10203); /* not erased */
    in(e, b);
    erase(e, NOR, 0x1000, 0);
    CMD(e, 0x05, 0x2000, 4, 0xF000000F);
    generic(e, 0x05);
    CMD(e, 0x11, 9, 0x2000);
    CHECK_EQ_INT(in(e, b), FL_LEN);
    CHECK_MEM(b, "\x03\x00\x0C\x00\xA0\x00\x00\x02\x00\x00\x00\x00\x11\x00\x00\x00", 16);
    const uint8_t *n = nor(e);
    CHECK_MEM(n, "FCFB", 4);
    CHECK_EQ_INT(get_le32(n + 4), 0x56010400);
    CHECK_EQ_INT(n[0x44], 1);
    CHECK_EQ_INT(n[0x46], 8); /* 133 MHz from option 0xC0000008 */
    CHECK_EQ_INT(get_le32(n + 0x50), 8 * 1024 * 1024);
    CHECK_EQ_INT(get_le32(n + 0x80), 0x0A1804EB); /* LUT: quad read 0xEB, 24-bit address */
    CHECK_EQ_INT(get_le32(n + 0x1C0), 256);
    CHECK_EQ_INT(get_le32(n + 0x1C4), 4096);
    CHECK_EQ_INT(get_le32(n + 0x1D0), 65536);
    CHECK(all_ff(n + 512, 4096 - 512));
    program_fcb(e, 10203); /* already programmed */
    CHECK_EQ_INT(get_le32(n), 0x42464346);
    vmod_engine_free(e);
}

static void test_fl_erase_rounding(void)
{
    struct vmod_engine *e = configured("start=mboot");
    const uint8_t *n = nor(e);
    uint8_t before = n[0x0FFF], after = n[0x3000];
    erase(e, NOR + 0x1100, 0x1000, 0); /* touches sectors 0x1000 and 0x2000 */
    CHECK(all_ff(n + 0x1000, 0x2000));
    CHECK_EQ_INT(n[0x0FFF], before);
    CHECK_EQ_INT(n[0x3000], after);
    CHECK(before != 0xFF && after != 0xFF);
    erase(e, NOR + 0x8000, 0, 0); /* length 0: no-op */
    CHECK(n[0x8000] != 0xFF);
    vmod_engine_free(e);
}

static void test_fl_write_rules(void)
{
    struct vmod_engine *e = configured("start=mboot");
    static uint8_t data[3000];
    bool marker;
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (uint8_t)(i * 3);
    erase(e, NOR, 0x10000, 0);
    CHECK_EQ_INT(write_mem(e, NOR + 0x1000, data, sizeof data, &marker), 0);
    CHECK(!marker);
    const uint8_t *n = nor(e);
    CHECK_MEM(n + 0x1000, data, sizeof data);
    CHECK(all_ff(n + 0x1000 + sizeof data, 0x1000 - sizeof data % 0x1000)); /* last page padded */
    /* Page 0x1B00 was programmed (partly): writing it again is a cumulative write. */
    CHECK_EQ_INT(write_mem(e, NOR + 0x1B00, data, 2000, &marker), 10203);
    CHECK(marker);
    CHECK_EQ_INT(write_mem(e, NOR + 0x4010, data, 2000, &marker), 20105); /* not page aligned */
    CHECK(marker);
    CHECK_EQ_INT(write_mem(e, NOR + 0x4010, data, 100, &marker), 20105); /* last packet failed */
    CHECK(!marker);
    CHECK_EQ_INT(write_mem(e, NOR + 0x7FFF00, data, 512, &marker), 10200); /* past 8 MiB */
    CHECK_EQ_INT(write_mem(e, 0x70000000, data, 16, &marker), 10200);      /* no memory there */
    CHECK_EQ_INT(write_mem(e, 0x20000100, data, 16, &marker), 10200);      /* flashloader's RAM */
    CHECK_EQ_INT(write_mem(e, 0x3000, data, 16, &marker), 0);              /* ITCM */
    CMD(e, 0x05, NOR + 0x5000, 10, 0x11223344);                            /* fill to flash */
    CHECK_EQ_INT(generic(e, 0x05), 0);
    CHECK_MEM(n + 0x5000, "\x44\x33\x22\x11\x44\x33\x22\x11\x44\x33\xFF", 11);
    CMD(e, 0x05, NOR + 0x5000, 4, 0);
    CHECK_EQ_INT(generic(e, 0x05), 10203);
    CMD(e, 0x05, NOR + 0x6004, 4, 0);
    CHECK_EQ_INT(generic(e, 0x05), 20105);
    vmod_engine_free(e);
}

static void test_fl_wrap_setting(void)
{
    struct vmod_engine *e = configured("start=mboot,wrap=yes,flash=1M");
    uint8_t data[256];
    bool marker;
    memset(data, 0x5A, sizeof data);
    erase(e, NOR + 0x100000, 0x1000, 0); /* = offset 0 of a 1 MiB part */
    CHECK_EQ_INT(write_mem(e, NOR + 0x100000, data, sizeof data, &marker), 0);
    CHECK_MEM(nor(e), data, sizeof data);
    vmod_engine_free(e);
}

static void test_fl_host_abort(void)
{
    struct vmod_engine *e = configured("start=mboot");
    uint8_t b[1100], d[1012] = { 0 };
    erase(e, NOR, 0x10000, 0);
    fl_cmd(e, 0x04, 1, (const uint32_t[]){ NOR + 0x1000, 4096, 0 }, 3);
    CHECK_EQ_INT(generic(e, 0x04), 0);
    fl_data(e, d, sizeof d);
    CHECK_EQ_INT(in(e, b), 0);
    uint8_t abort_rep[4] = { 2, 0, 0, 0 };
    vmod_engine_out(e, abort_rep, sizeof abort_rep);
    CHECK_EQ_INT(generic(e, 0x04), 10002);
    /* Back in the command phase: late data are discarded. */
    fl_data(e, d, sizeof d);
    CHECK_EQ_INT(in(e, b), 0);
    vmod_engine_free(e);
}

static void test_fl_read_memory(void)
{
    struct vmod_engine *e = configured("start=mboot");
    uint8_t b[1100];
    CMD(e, 0x03, NOR, 0x200, 0);
    in(e, b);
    CHECK_MEM(b, "\x03\x00\x0C\x00\xA3\x01\x00\x02\x00\x00\x00\x00\x00\x02\x00\x00", 16); /* M18 */
    CHECK_EQ_INT(in(e, b), FL_LEN);
    CHECK_EQ_INT(b[0], 4);
    CHECK_EQ_INT(get_le16(b + 2), 0x200);
    CHECK_MEM(b + 4, nor(e), 0x200);
    CHECK_EQ_INT(generic(e, 0x03), 0);
    vmod_engine_free(e);
}

static void test_fl_reset(void)
{
    struct vmod_engine *e = engine("start=mboot");
    uint8_t b[1100];
    uint8_t r[8] = { 1, 0, 4, 0, 0x0B, 0, 0, 0 }; /* M13 */
    vmod_engine_out(e, r, sizeof r);
    CHECK_EQ_INT(vmod_engine_presence(e), 1);
    in(e, b);
    CHECK_MEM(b, "\x03\x00\x0C\x00\xA0\x00\x00\x02\x00\x00\x00\x00\x0B\x00\x00\x00", 16);
    CHECK_EQ_INT(vmod_engine_presence(e), -1);
    /* it boots the flashed firmware after app_boot (2 s) */
    CHECK(vmod_engine_next_change(e) > 1.99 && vmod_engine_next_change(e) < 2.01);
    vmod_engine_advance(e, 2.0);
    CHECK_EQ_INT(vmod_engine_presence(e), TP_KIND_APP);
    vmod_engine_free(e);

    /* app_boot=never: nothing comes back */
    e = engine("start=mboot,app_boot=never");
    vmod_engine_out(e, r, sizeof r);
    in(e, b);
    CHECK_EQ_INT(vmod_engine_presence(e), -1);
    CHECK(vmod_engine_next_change(e) < 0);
    vmod_engine_free(e);
}

static void test_fl_timing(void)
{
    struct vmod_engine *e = configured("start=mboot,sector_ms=40,block_ms=100,page_ms=1");
    uint8_t b[1100];
    CMD(e, 0x02, NOR + 0x40000, 10 * 4096, 0); /* 10 sectors, no block quirk here */
    CHECK(vmod_engine_next_change(e) > 0.399 && vmod_engine_next_change(e) < 0.401);
    size_t n = 0;
    CHECK(!vmod_engine_in(e, b, sizeof b, &n));     /* not before the erase ends */
    CHECK_EQ_INT(CMD(e, 0x07, 1, 0), NT_E_TIMEOUT); /* busy */
    vmod_engine_advance(e, 0.2);
    CHECK(!vmod_engine_in(e, b, sizeof b, &n));
    vmod_engine_advance(e, 0.2001);
    CHECK(vmod_engine_in(e, b, sizeof b, &n));
    /* Block quirk (doc/protocol.md §3.11): offsets 0 and 0x10000 use 64 KiB erases. */
    CMD(e, 0x02, NOR, 0x21000, 0);
    CHECK(vmod_engine_next_change(e) > 0.239 && vmod_engine_next_change(e) < 0.241); /* 2 x 100 + 40 */
    settle(e);
    in(e, b);
    struct vmod_stats st;
    vmod_engine_stats(e, &st); /* configure 5 ms + 10 x 40 ms + (2 x 100 + 40) ms */
    CHECK(st.device_busy_s > 0.6449 && st.device_busy_s < 0.6451);
    vmod_engine_free(e);
}

/* Write 20 packets of 1012 bytes from 0x60001000 in `cmds` WriteMemory
 * commands (each starting on a page, 0x2800 apart) after erasing
 * [0, erase_end); returns how many packets went in
 * before the module left (unplug) or hung (silent). */
static int packets_until_fault(const char *spec, uint32_t erase_end, int cmds)
{
    static uint8_t data[1012];
    struct vmod_engine *e = configured(spec);
    uint8_t b[1100];
    if (erase_end > 0x1000)
        erase(e, NOR, erase_end, 0);
    else {
        CMD(e, 0x01, 0); /* erase all: no extent beyond the write */
        generic(e, 0x01);
    }
    int sent = 0, per = 20 / cmds;
    for (int c = 0; c < cmds; c++) {
        fl_cmd(e, 0x04, 1, (const uint32_t[]){ NOR + 0x1000 + (uint32_t)c * 0x2800, per * 1012u, 0 }, 3);
        if (generic(e, 0x04) != 0)
            break;
        int k = 0;
        for (; k < per && fl_data(e, data, 1012) == NT_OK; k++) {
            sent++;
            settle(e);
        }
        if (k < per || vmod_engine_presence(e) < 0)
            break;
        if (c + 1 < cmds && generic(e, 0x04) != 0)
            break;
    }
    if (strstr(spec, "silent")) {
        CHECK_EQ_INT(vmod_engine_presence(e), 1);
        CHECK_EQ_INT(in(e, b), 0);
    } else {
        CHECK_EQ_INT(vmod_engine_presence(e), -1);
    }
    vmod_engine_free(e);
    return sent;
}

static void test_fl_fault_write(void)
{
    static uint8_t data[20 * 1012];
    bool marker;
    struct vmod_engine *e = configured("start=mboot,fault=status@write");
    erase(e, NOR, 0x10000, 0);
    CHECK_EQ_INT(write_mem(e, NOR + 0x1000, data, sizeof data, &marker), 10203);
    CHECK(marker);
    vmod_engine_free(e);

    /* Erased extent 0x1000..0x6000 after the first write: the image is taken
     * as 0x5000 - 4095 = 16385 bytes. 50 % = 8192.5 bytes: the 9th packet. */
    CHECK_EQ_INT(packets_until_fault("start=mboot,fault=unplug@write", 0x6000, 1), 9);
    /* 30 % = 4915.5 bytes: the 5th packet; the module hangs but stays. */
    CHECK_EQ_INT(packets_until_fault("start=mboot,fault=silent@write:30", 0x6000, 1), 5);
    /* Several WriteMemory commands: counted across them. 90 % of 16385. */
    CHECK_EQ_INT(packets_until_fault("start=mboot,fault=unplug@write:90", 0x6000, 2), 15);
    /* PCT 100: once the smallest image needing that extent (16385 bytes) is in. */
    CHECK_EQ_INT(packets_until_fault("start=mboot,fault=unplug@write:100", 0x6000, 1), 17);
    /* No erase beyond the write (erased earlier by a block): the first WriteMemory's count. */
    CHECK_EQ_INT(packets_until_fault("start=mboot,fault=unplug@write:25", 0x1000, 1), 5);
}

static void test_fl_fault_erase_configure_reset(void)
{
    struct vmod_engine *e = configured("start=mboot,fault=status@erase:50");
    erase(e, NOR + 0x40000, 0x8000, 20101);
    CHECK(all_ff(nor(e) + 0x40000, 0x4000));
    CHECK(nor(e)[0x44000] != 0xFF); /* stopped at 50 % */
    vmod_engine_free(e);

    e = configured("start=mboot,fault=unplug@erase:25");
    CMD(e, 0x02, NOR + 0x40000, 0x10000, 0);
    double nc = vmod_engine_next_change(e);
    CHECK(nc > 0.179 && nc < 0.181); /* 4 of 16 sectors */
    settle(e);
    CHECK_EQ_INT(vmod_engine_presence(e), -1);
    vmod_engine_free(e);

    e = engine("start=mboot,fault=status@configure");
    CMD(e, 0x05, 0x2000, 4, 0xC0000008);
    generic(e, 0x05);
    CMD(e, 0x11, 9, 0x2000);
    CHECK_EQ_INT(generic(e, 0x11), 20107);
    vmod_engine_free(e);

    e = engine("start=mboot,fault=silent@configure");
    CMD(e, 0x05, 0x2000, 4, 0xC0000008);
    generic(e, 0x05);
    CMD(e, 0x11, 9, 0x2000);
    CHECK_EQ_INT(generic(e, 0x11), 0xDEADBEEF); /* no answer */
    CHECK_EQ_INT(CMD(e, 0x07, 1, 0), NT_E_TIMEOUT);
    vmod_engine_free(e);

    e = engine("start=mboot,fault=unplug@configure");
    CMD(e, 0x05, 0x2000, 4, 0xC0000008);
    generic(e, 0x05);
    CMD(e, 0x11, 9, 0x2000);
    settle(e);
    CHECK_EQ_INT(vmod_engine_presence(e), -1);
    vmod_engine_free(e);

    e = configured("start=mboot,fault=silent@erase:50");
    CMD(e, 0x02, NOR + 0x40000, 0x8000, 0);
    CHECK_EQ_INT(generic(e, 0x02), 0xDEADBEEF); /* no answer, ever */
    CHECK_EQ_INT(vmod_engine_presence(e), 1);
    CHECK(all_ff(nor(e) + 0x40000, 0x4000));
    CHECK(nor(e)[0x44000] != 0xFF);
    vmod_engine_free(e);

    e = engine("start=mboot,fault=silent@reset");
    CMD(e, 0x0B, 0);
    CHECK_EQ_INT(vmod_engine_presence(e), -1); /* resets without answering */
    vmod_engine_free(e);

    e = engine("start=mboot,fault=unplug@reset");
    CMD(e, 0x0B, 0);
    CHECK_EQ_INT(vmod_engine_presence(e), -1);
    vmod_engine_free(e);

    e = engine("start=mboot,fault=status@reset");
    uint8_t r[8] = { 1, 0, 4, 0, 0x0B, 0, 0, 0 };
    vmod_engine_out(e, r, sizeof r);
    CHECK_EQ_INT(generic(e, 0x0B), 1);
    CHECK_EQ_INT(vmod_engine_presence(e), 1);
    vmod_engine_free(e);

    e = engine("start=mboot,fault=stale");
    CHECK_EQ_INT(CMD(e, 0x07, 1, 0), NT_E_TIMEOUT); /* the stale report blocks the OUT endpoint */
    CHECK_EQ_INT(generic(e, 0x02), 0);
    CHECK_EQ_INT(CMD(e, 0x07, 1, 0), NT_OK);
    vmod_engine_free(e);
}

/* --- bus --- */

static struct tp_bus *bus(const char *spec)
{
    struct vmod_config c = config(spec);
    struct tp_bus *b = NULL;
    struct nt_err err;
    if (vmod_bus_new(&c, &b, &err) != NT_OK)
        fprintf(stderr, "bus: %s\n", err.msg);
    return b;
}

static struct tp_dev *open_kind(struct tp_bus *b, enum tp_kind kind, const char *port)
{
    struct tp_devinfo info = { .kind = kind };
    struct tp_dev *d = NULL;
    struct nt_err err;
    snprintf(info.port, sizeof info.port, "%s", port);
    if (b->ops->open(b, &info, &d, &err) != NT_OK)
        return NULL;
    return d;
}

static void test_bus_scan_and_modules(void)
{
    struct tp_bus *b = bus("modules=2");
    struct tp_devinfo d[4];
    size_t n = 0;
    struct nt_err err;
    CHECK_EQ_INT(b->ops->scan(b, d, 4, &n, &err), NT_OK);
    CHECK_EQ_INT(n, 2);
    CHECK_EQ_STR(d[0].port, "sim-1");
    CHECK_EQ_STR(d[1].port, "sim-2");
    CHECK_EQ_INT(d[0].kind, TP_KIND_SDP);
    CHECK_EQ_INT(d[0].vid, 0x1FC9);
    CHECK_EQ_INT(d[0].pid, 0x0135);
    CHECK_EQ_INT(d[0].speed_mbps, 480);
    CHECK(d[0].desc[0] != '\0');
    CHECK(open_kind(b, TP_KIND_MBOOT, "sim-1") == NULL);
    struct tp_dev *dev = open_kind(b, TP_KIND_SDP, "sim-2");
    CHECK(dev != NULL);
    CHECK_EQ_INT(dev->in_report_max, 65);
    CHECK_EQ_INT(dev->out_report_max, 1025);
    struct tp_event ev;
    CHECK_EQ_INT(b->ops->next_event(b, 0, &ev, &err), NT_E_TIMEOUT);
    tp_close(dev);
    b->ops->destroy(b);
}

static void test_bus_reenumeration(void)
{
    struct tp_bus *b = bus("");
    static uint8_t img[IMAGE_BYTES];
    struct nt_err err;
    uint8_t buf[1100];
    size_t n;
    make_image(img);
    struct tp_dev *d = open_kind(b, TP_KIND_SDP, "sim-1");
    uint8_t cmd[17] = { 1, 0x04, 0x04 };
    put_be32(cmd + 3, LOAD_ADDR);
    put_be32(cmd + 8, IMAGE_BYTES);
    CHECK_EQ_INT(tp_write(d, cmd, sizeof cmd, 100, &err), NT_OK);
    for (uint32_t off = 0; off < IMAGE_BYTES; off += 1024) {
        uint8_t r[1025] = { 2 };
        memcpy(r + 1, img + off, IMAGE_BYTES - off < 1024 ? IMAGE_BYTES - off : 1024);
        tp_write(d, r, sizeof r, 100, &err);
    }
    CHECK_EQ_INT(tp_read(d, buf, 65, &n, 100, &err), NT_OK);
    CHECK_EQ_INT(n, 5);
    CHECK_EQ_INT(tp_read(d, buf, 65, &n, 100, &err), NT_OK);
    CHECK_EQ_INT(get_be32(buf + 1), 0x88888888);
    CHECK_EQ_INT(tp_read(d, buf, 65, &n, 0, &err), NT_E_TIMEOUT);
    uint8_t jump[17] = { 1, 0x0B, 0x0B };
    put_be32(jump + 3, LOAD_ADDR);
    tp_write(d, jump, sizeof jump, 100, &err);
    CHECK_EQ_INT(tp_read(d, buf, 65, &n, 100, &err), NT_OK);
    CHECK_EQ_INT(tp_read(d, buf, 65, &n, 100, &err), NT_E_DISCONNECT);
    CHECK_CONTAINS(err.msg, "sim-1");
    tp_close(d);
    struct tp_event ev;
    CHECK_EQ_INT(b->ops->next_event(b, 1000, &ev, &err), NT_OK);
    CHECK_EQ_INT(ev.type, TP_EV_LEFT);
    CHECK_EQ_INT(ev.dev.kind, TP_KIND_SDP);
    CHECK_EQ_STR(ev.dev.port, "sim-1");
    CHECK_EQ_INT(b->ops->next_event(b, 1000, &ev, &err), NT_OK);
    CHECK_EQ_INT(ev.type, TP_EV_ARRIVED);
    CHECK_EQ_INT(ev.dev.kind, TP_KIND_MBOOT);
    CHECK_EQ_INT(ev.dev.vid, 0x15A2);
    CHECK_EQ_INT(ev.dev.pid, 0x0073);
    CHECK_EQ_STR(ev.dev.port, "sim-1");
    d = open_kind(b, TP_KIND_MBOOT, "sim-1");
    CHECK(d != NULL);
    CHECK_EQ_INT(d->in_report_max, 1016);
    uint8_t gp[FL_LEN] = { 1, 0, 0x0C, 0, 0x07, 0, 0, 2, 1 };
    CHECK_EQ_INT(tp_write(d, gp, sizeof gp, 100, &err), NT_OK);
    CHECK_EQ_INT(tp_write(d, gp, sizeof gp, 0, &err), NT_E_TIMEOUT); /* NAK: response unread */
    CHECK_EQ_INT(tp_read(d, buf, 10, &n, 100, &err), NT_E_IO);       /* too small a buffer */
    CHECK_EQ_INT(tp_read(d, buf, FL_LEN, &n, 100, &err), NT_OK);
    CHECK_EQ_INT(n, FL_LEN);
    uint8_t rst[8] = { 1, 0, 4, 0, 0x0B, 0, 0, 0 };
    tp_write(d, rst, sizeof rst, 100, &err);
    CHECK_EQ_INT(tp_read(d, buf, FL_LEN, &n, 100, &err), NT_OK);
    CHECK_EQ_INT(tp_write(d, gp, sizeof gp, 100, &err), NT_E_DISCONNECT);
    tp_close(d);
    CHECK_EQ_INT(b->ops->next_event(b, 100, &ev, &err), NT_OK);
    CHECK_EQ_INT(ev.type, TP_EV_LEFT);
    CHECK_EQ_INT(ev.dev.kind, TP_KIND_MBOOT);
    /* the module boots its firmware on the same port */
    CHECK_EQ_INT(b->ops->next_event(b, 100, &ev, &err), NT_OK);
    CHECK_EQ_INT(ev.type, TP_EV_ARRIVED);
    CHECK_EQ_INT(ev.dev.kind, TP_KIND_APP);
    CHECK_EQ_INT(ev.dev.vid, 0x3773);
    CHECK_EQ_STR(ev.dev.port, "sim-1");
    CHECK_EQ_INT(b->ops->next_event(b, 100, &ev, &err), NT_E_TIMEOUT);
    b->ops->destroy(b);
}

static void test_bus_start_none_arrives(void)
{
    struct tp_bus *b = bus("start=none,arrive=2");
    struct tp_devinfo d[2];
    size_t n = 9;
    struct nt_err err;
    struct tp_event ev;
    /* speed=0: the arrival is due at once, as every modelled wait. */
    CHECK_EQ_INT(b->ops->next_event(b, 0, &ev, &err), NT_OK);
    CHECK_EQ_INT(ev.type, TP_EV_ARRIVED);
    CHECK_EQ_INT(ev.dev.kind, TP_KIND_SDP);
    b->ops->scan(b, d, 2, &n, &err);
    CHECK_EQ_INT(n, 1);
    b->ops->destroy(b);
    b = bus("start=none");
    CHECK_EQ_INT(b->ops->next_event(b, 0, &ev, &err), NT_E_TIMEOUT);
    b->ops->scan(b, d, 2, &n, &err);
    CHECK_EQ_INT(n, 0);
    b->ops->destroy(b);
}

/* Every subscription sees every arrival made after it, in its own queue. */
static void test_bus_subscriptions(void)
{
    struct vmod_config c = config("modules=3,arrive=sim-1:0.05/sim-3:0.1");
    struct tp_bus *b = NULL, *va = NULL, *vb = NULL, *late = NULL;
    struct tp_event ev;
    struct nt_err err;
    c.speed = 1;
    CHECK_EQ_INT(vmod_bus_new(&c, &b, &err), NT_OK);
    CHECK_EQ_INT(b->ops->subscribe(b, &va, &err), NT_OK);
    CHECK_EQ_INT(va->ops->subscribe(va, &vb, &err), NT_OK); /* a view of a view: the same bus */
    struct tp_bus *subs[] = { b, va, vb };
    for (int i = 0; i < 3; i++) {
        CHECK_EQ_INT(subs[i]->ops->next_event(subs[i], 2000, &ev, &err), NT_OK);
        CHECK_EQ_INT(ev.type, TP_EV_ARRIVED);
        CHECK_EQ_STR(ev.dev.port, "sim-1");
        CHECK_EQ_INT(subs[i]->ops->next_event(subs[i], 2000, &ev, &err), NT_OK);
        CHECK_EQ_STR(ev.dev.port, "sim-3");
        CHECK_EQ_INT(subs[i]->ops->next_event(subs[i], 0, &ev, &err), NT_E_TIMEOUT);
    }
    CHECK_EQ_INT(b->ops->subscribe(b, &late, &err), NT_OK);
    CHECK_EQ_INT(late->ops->next_event(late, 50, &ev, &err), NT_E_TIMEOUT);
    struct tp_devinfo d[4];
    size_t n = 0;
    CHECK_EQ_INT(late->ops->scan(late, d, 4, &n, &err), NT_OK);
    CHECK_EQ_INT(n, 3);
    /* A device opened through a view is the bus's. */
    struct tp_dev *dev = open_kind(va, TP_KIND_SDP, "sim-3");
    CHECK(dev != NULL);
    tp_close(dev);
    late->ops->destroy(late);
    vb->ops->destroy(vb);
    va->ops->destroy(va);
    b->ops->destroy(b);
}

/* fault=...@sim-N: only that module has the fault. */
static void test_fault_aimed_at_one_module(void)
{
    struct vmod_config c = config("modules=2,fault=stale@sim-2");
    struct vmod_engine *e1 = NULL, *e2 = NULL;
    struct nt_err err;
    uint8_t buf[1100];
    size_t n = 0;
    CHECK_EQ_INT(vmod_engine_new(&c, 0, &e1, &err), NT_OK);
    CHECK_EQ_INT(vmod_engine_new(&c, 1, &e2, &err), NT_OK);
    CHECK(!vmod_engine_in(e1, buf, sizeof buf, &n));
    CHECK(vmod_engine_in(e2, buf, sizeof buf, &n));
    vmod_engine_free(e1);
    vmod_engine_free(e2);
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    static char buf[1 << 20];
    *len = fread(buf, 1, sizeof buf - 1, f);
    buf[*len] = '\0';
    fclose(f);
    return buf;
}

static void test_bus_dump_and_stats(void)
{
    const char *tmp = getenv("TMPDIR") ? getenv("TMPDIR") : ".";
    char dump[600], stats[600], spec[1400];
    snprintf(dump, sizeof dump, "%s/vmod_dump.bin", tmp);
    snprintf(stats, sizeof stats, "%s/vmod_stats.json", tmp);
    remove(dump);
    remove(stats);
    snprintf(spec, sizeof spec, "start=mboot,speed=0.001,dump=%s,stats=%s", dump, stats);
    struct tp_bus *b = bus(spec);
    struct tp_dev *d = open_kind(b, TP_KIND_MBOOT, "sim-1");
    struct nt_err err;
    uint8_t buf[FL_LEN];
    size_t n;
    static const uint32_t cmds[][4] = {
        { 0x05, 0x2000, 4, 0xC0000008 },
        { 0x11, 9, 0x2000, 0 },
        { 0x02, NOR + 0x20000, 3 * 4096, 0 },
    };
    for (int i = 0; i < 3; i++) {
        uint8_t r[FL_LEN] = { 1, 0 };
        unsigned np = cmds[i][0] == 0x11 ? 2 : 3;
        put_le16(r + 2, (uint16_t)(4 + 4 * np));
        r[4] = (uint8_t)cmds[i][0];
        r[7] = (uint8_t)np;
        for (unsigned k = 0; k < np; k++)
            put_le32(r + 8 + 4 * k, cmds[i][1 + k]);
        CHECK_EQ_INT(tp_write(d, r, sizeof r, 1000, &err), NT_OK);
        CHECK_EQ_INT(tp_read(d, buf, sizeof buf, &n, 5000, &err), NT_OK);
        CHECK_EQ_INT(get_le32(buf + 8), 0);
    }
    tp_close(d);
    b->ops->destroy(b);
    size_t len = 0;
    const char *s = slurp(dump, &len);
    CHECK(s != NULL);
    CHECK_EQ_INT(len, 0x23000); /* up to the end of the highest erased sector */
    CHECK(s && all_ff((const uint8_t *)s + 0x20000, 0x3000));
    s = slurp(stats, &len);
    CHECK(s != NULL);
    CHECK_CONTAINS(s, "\"device_busy_s\":\t0.14"); /* 3 x 45 ms + 5 ms SFDP configure */
    CHECK_CONTAINS(s, "\"bytes_out\":\t3048");
    CHECK_CONTAINS(s, "\"bytes_in\":\t3048");
    CHECK_CONTAINS(s, "\"reports_out\":\t3");
    CHECK_CONTAINS(s, "\"reports_in\":\t3");
}

/* The bus maps modelled time to wall time: writes block while the module is
 * busy, an answer is not there before its work is done. Margins are wide
 * (hundreds of ms) so a loaded machine cannot fail this. */
static void test_bus_waits_for_busy_module(void)
{
    struct tp_bus *b = bus("start=mboot,speed=0.1,sector_ms=45");
    struct tp_dev *d = open_kind(b, TP_KIND_MBOOT, "sim-1");
    struct nt_err err;
    uint8_t r[FL_LEN] = { 1, 0, 0x10, 0, 0x05, 0, 0, 3 }, buf[FL_LEN];
    size_t n;
    put_le32(r + 8, 0x2000);
    put_le32(r + 12, 4);
    put_le32(r + 16, 0xC0000008);
    tp_write(d, r, sizeof r, 1000, &err);
    tp_read(d, buf, sizeof buf, &n, 1000, &err);
    uint8_t cfg[FL_LEN] = { 1, 0, 0x0C, 0, 0x11, 0, 0, 2, 9, 0, 0, 0, 0x00, 0x20 };
    tp_write(d, cfg, sizeof cfg, 1000, &err);
    CHECK_EQ_INT(tp_read(d, buf, sizeof buf, &n, 1000, &err), NT_OK);
    uint8_t er[FL_LEN] = { 1, 0, 0x10, 0, 0x02, 0, 0, 3 };
    put_le32(er + 8, NOR + 0x100000);
    put_le32(er + 12, 100 * 4096); /* 100 sectors: 4.5 s modelled, 0.45 s wall */
    CHECK_EQ_INT(tp_write(d, er, sizeof er, 1000, &err), NT_OK);
    CHECK_EQ_INT(tp_read(d, buf, sizeof buf, &n, 0, &err), NT_E_TIMEOUT);
    CHECK_EQ_INT(tp_read(d, buf, sizeof buf, &n, 10000, &err), NT_OK);
    CHECK_EQ_INT(get_le32(buf + 8), 0);
    CHECK_EQ_INT(get_le32(buf + 12), 0x02);
    tp_close(d);
    b->ops->destroy(b);

    /* The ROM takes data reports back to back: each write waits for the last. */
    b = bus("speed=0.001");
    d = open_kind(b, TP_KIND_SDP, "sim-1");
    uint8_t wf[17] = { 1, 0x04, 0x04 }, data[1025] = { 2 };
    put_be32(wf + 3, LOAD_ADDR);
    put_be32(wf + 8, 8 * 1024);
    CHECK_EQ_INT(tp_write(d, wf, sizeof wf, 1000, &err), NT_OK);
    for (int i = 0; i < 8; i++)
        CHECK_EQ_INT(tp_write(d, data, sizeof data, 1000, &err), NT_OK);
    CHECK_EQ_INT(tp_read(d, buf, 65, &n, 1000, &err), NT_OK);
    CHECK_EQ_INT(tp_read(d, buf, 65, &n, 1000, &err), NT_OK);
    CHECK_EQ_INT(get_be32(buf + 1), 0x88888888);
    tp_close(d);
    b->ops->destroy(b);
}

static void test_engine_save(void)
{
    const char *tmp = getenv("TMPDIR") ? getenv("TMPDIR") : ".";
    char spec[1400];
    snprintf(spec, sizeof spec, "start=mboot,dump=%s/no-such-dir/d.bin", tmp);
    struct vmod_engine *e = configured(spec);
    struct vmod_stats st;
    struct nt_err err;
    vmod_engine_stats(e, &st);
    CHECK_EQ_INT(st.reports_out, 2);
    CHECK_EQ_INT(st.reports_in, 2);
    CHECK_EQ_INT(st.bytes_out, 2 * FL_LEN);
    CHECK(st.device_busy_s > 0.0049 && st.device_busy_s < 0.0051); /* the SFDP configure */
    CHECK_EQ_INT(vmod_engine_save(e, &err), NT_E_IO);
    CHECK_CONTAINS(err.msg, "no-such-dir/d.bin");
    vmod_engine_free(e);
}

int main(void)
{
    RUN(test_rom_error_status);
    RUN(test_rom_hab_closed);
    RUN(test_rom_ignores_unknown);
    RUN(test_rom_register_commands);
    RUN(test_rom_upload_and_jump);
    RUN(test_rom_rejects_bad_ivt);
    RUN(test_rom_padding_setting);
    RUN(test_rom_faults);
    RUN(test_fl_vectors);
    RUN(test_fl_properties);
    RUN(test_fl_nak_while_in_unread);
    RUN(test_fl_discards_data_in_command_phase);
    RUN(test_fl_not_configured);
    RUN(test_fl_configure_checks);
    RUN(test_fl_fcb);
    RUN(test_fl_erase_rounding);
    RUN(test_fl_write_rules);
    RUN(test_fl_wrap_setting);
    RUN(test_fl_host_abort);
    RUN(test_fl_read_memory);
    RUN(test_fl_reset);
    RUN(test_fl_timing);
    RUN(test_fl_fault_write);
    RUN(test_fl_fault_erase_configure_reset);
    RUN(test_bus_scan_and_modules);
    RUN(test_bus_reenumeration);
    RUN(test_bus_start_none_arrives);
    RUN(test_bus_dump_and_stats);
    RUN(test_bus_subscriptions);
    RUN(test_fault_aimed_at_one_module);
    RUN(test_bus_waits_for_busy_module);
    RUN(test_engine_save);
    return check_finish();
}
