/* The flash reads around the write: before the erase, compare the flash with
 * the image sector by sector so that unchanged sectors are skipped; after the
 * write, read back what was written and check the FCB and the IVT.
 *
 * Every read is one ReadMemory command of at most MaxPacketSize bytes, so its
 * data phase is a single report. NXP's SPSDK does the same over USB-HID
 * (spsdk/mboot/mcuboot.py, McuBoot.read_memory: "workaround for better
 * USB-HID reliability"; its one-command "fast_mode" is documented as "not
 * reliable !!!"); see doc/nt_flash.1, VERIFY. */
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "mboot.h"
#include "pkg.h"
#include "session_int.h"

#define FCB_TAG 0x42464346u /* "FCFB" at 0x60000000 */
#define FCB_VERSION_BYTE 'V'
#define FCB_CHECK_BYTES 8u  /* tag and version word */
#define IVT_CHECK_BYTES 32u /* the IVT header: tag, entry, boot data, self, csf */
/* ReadMemory memory ID: FlexSPI NOR is memory-mapped, as for the writes. */
#define READ_MEM_ID 0u

struct reader {
    struct sess *s;
    struct mboot_host *h;
    enum sess_phase ph;
    size_t chunk;
    uint64_t done, total; /* progress of the phase */
};

static nt_status read_piece(struct reader *r, uint32_t addr, uint8_t *buf, size_t n, struct nt_err *err)
{
    nt_status st;

    if (nt_stop_requested(r->s->cfg->stop))
        return nt_err_set(err, NT_E_INTERRUPTED, "stopped by request while reading the flash at 0x%08x",
                          addr);
    st = mboot_read_memory(r->h, addr, buf, n, READ_MEM_ID, err);
    if (st != NT_OK)
        return nt_err_prefix(err, "reading the flash at 0x%08x", addr);
    return NT_OK;
}

static void advance(struct reader *r, uint64_t n)
{
    r->done += n;
    if (r->done > r->total)
        r->done = r->total;
    sess_progress(r->s, r->ph, r->done, r->total);
}

static bool fcb_present(const uint8_t *b) { return get_le32(b) == FCB_TAG && b[7] == FCB_VERSION_BYTE; }

static const char *content_name(enum sect_content c)
{
    return c == SECT_SAME ? "same" : c == SECT_ERASED ? "erased" : "different";
}

/* What the compare knows of each sector: whether every byte read so far
 * equals the new content, and whether every byte read so far is erased. A
 * sector with neither is proven different and needs no further reads. */
struct compare {
    struct reader *r;
    bool *may_same, *may_erased;
    uint32_t end;  /* flash offset where the compared range ends */
    uint32_t seen; /* highest offset resolved, for the progress */
};

static bool proven_different(const struct compare *c, uint32_t sec)
{
    return !c->may_same[sec] && !c->may_erased[sec];
}

/* Read [pos, pos+n) (n at most one packet) and fold it into the sectors it covers. */
static nt_status compare_piece(struct compare *c, uint32_t pos, size_t n, struct nt_err *err)
{
    uint8_t buf[MBOOT_REPORT_LEN];
    nt_status st = read_piece(c->r, PKG_FLASH_BASE + pos, buf, n, err);

    for (size_t i = 0; st == NT_OK && i < n;) {
        uint32_t sec = (pos + (uint32_t)i) / PKG_SECTOR_SIZE;
        size_t seg = (size_t)((sec + 1) * PKG_SECTOR_SIZE - (pos + i));
        bool same, erased;
        if (seg > n - i)
            seg = n - i;
        sect_match(c->r->s->pkg, pos + (uint32_t)i, buf + i, seg, &same, &erased);
        c->may_same[sec] = c->may_same[sec] && same;
        c->may_erased[sec] = c->may_erased[sec] && erased;
        i += seg;
    }
    return st;
}

static void compare_progress(struct compare *c, uint32_t upto)
{
    if (upto > c->seen) {
        advance(c->r, upto - c->seen);
        c->seen = upto;
    }
}

/* Read sectors 1.. as one stream of pieces, so an unchanged image costs
 * about one ReadMemory per MaxPacketSize bytes. A sector proven different is
 * not read further. After a different sector the next two are probed with
 * one piece straddling their boundary (the tail of one, the head of the
 * other): in an image that differs throughout, one command then settles two
 * sectors. A probed sector that is not proven different is read in full, so
 * no sector is taken for different without a byte that differs. */
static nt_status compare_sectors(struct reader *r, enum sect_content *content, struct nt_err *err)
{
    uint32_t count = r->s->plan.count, pos = SECT_IVT * PKG_SECTOR_SIZE;
    struct compare c = { r, malloc(count), malloc(count), count * PKG_SECTOR_SIZE,
                         SECT_IVT * PKG_SECTOR_SIZE };
    uint32_t half = (uint32_t)(r->chunk / 2);
    nt_status st = NT_OK;

    if (!c.may_same || !c.may_erased) {
        free(c.may_same);
        free(c.may_erased);
        return nt_err_set(err, NT_E_NOMEM, "out of memory comparing the flash");
    }
    memset(c.may_same, 1, count);
    memset(c.may_erased, 1, count);
    while (pos < c.end && st == NT_OK) {
        uint32_t k = pos / PKG_SECTOR_SIZE;
        size_t n;

        if (proven_different(&c, k)) {
            pos = (k + 1) * PKG_SECTOR_SIZE;
            compare_progress(&c, pos);
            continue;
        }
        if (pos % PKG_SECTOR_SIZE == 0 && k > SECT_IVT && proven_different(&c, k - 1) && k + 1 < count &&
            half > 0) {
            uint32_t mid = (k + 1) * PKG_SECTOR_SIZE;
            st = compare_piece(&c, mid - half, 2 * (size_t)half, err);
            if (st != NT_OK)
                break;
            if (proven_different(&c, k) && proven_different(&c, k + 1)) {
                pos = mid + PKG_SECTOR_SIZE;
                compare_progress(&c, pos);
                continue;
            }
            if (proven_different(&c, k)) {
                pos = mid + half; /* k+1's head is read and matched: stream on from there */
                compare_progress(&c, pos);
                continue;
            }
            /* k matched at its tail: read it from its start, as a stream. */
        }
        n = c.end - pos < r->chunk ? c.end - pos : r->chunk;
        st = compare_piece(&c, pos, n, err);
        pos += (uint32_t)n;
        compare_progress(&c, pos);
    }
    for (uint32_t i = SECT_IVT; st == NT_OK && i < count; i++)
        content[i] = c.may_same[i] ? SECT_SAME : c.may_erased[i] ? SECT_ERASED : SECT_DIFFERENT;
    free(c.may_same);
    free(c.may_erased);
    return st;
}

nt_status sess_plan_flash(struct sess *s, struct mboot_host *h, struct nt_err *err)
{
    struct reader r = { .s = s, .h = h, .ph = SESS_PH_COMPARE };
    enum sect_content *content;
    uint8_t fcb[FCB_CHECK_BYTES];
    nt_status st = sect_plan_init(&s->plan, s->pkg, err);

    if (st != NT_OK)
        return st;
    if (s->cfg->full) {
        sess_log(s, SESS_LOG_DEBUG, "--full: erasing and writing all %u sectors", s->plan.count);
        return NT_OK;
    }
    sess_phase_start(s, SESS_PH_COMPARE);
    st = mboot_packet_size(h, &r.chunk, err);
    if (st != NT_OK)
        return nt_err_prefix(err, "asking the flashloader for its packet size");
    content = calloc(s->plan.count, sizeof *content);
    if (!content)
        return nt_err_set(err, NT_E_NOMEM, "out of memory comparing the flash");
    r.total = FCB_CHECK_BYTES + (uint64_t)(s->plan.count - SECT_IVT) * PKG_SECTOR_SIZE;
    sess_progress(s, SESS_PH_COMPARE, 0, r.total);
    st = read_piece(&r, PKG_FLASH_BASE, fcb, sizeof fcb, err);
    if (st == NT_OK) {
        advance(&r, sizeof fcb);
        st = compare_sectors(&r, content, err);
    }
    if (st == NT_OK) {
        sect_plan_decide(&s->plan, s->pkg, content, fcb_present(fcb));
        sess_log(s, SESS_LOG_DEBUG, "flash at 0x%08x: FCB %s, image header sector %s", PKG_FLASH_BASE,
                 fcb_present(fcb) ? "present" : "absent", content_name(content[SECT_IVT]));
        sess_log(s, SESS_LOG_DEBUG,
                 "only what changed: %u of %u sectors already hold the new content and are skipped; "
                 "erasing %llu KiB, writing %llu KiB (--full rewrites everything)",
                 s->plan.skipped, s->plan.count, (unsigned long long)(s->plan.erase_bytes / 1024),
                 (unsigned long long)(s->plan.write_bytes / 1024));
        sess_phase_done(s, SESS_PH_COMPARE);
    }
    free(content);
    return st;
}

nt_status sess_read_flash(struct sess *s, struct mboot_host *h, enum sess_phase ph, uint32_t addr,
                          uint8_t *buf, size_t len, uint64_t *done, uint64_t total, struct nt_err *err)
{
    struct reader r = { .s = s, .h = h, .ph = ph, .done = *done, .total = total };
    nt_status st = mboot_packet_size(h, &r.chunk, err);

    if (st != NT_OK)
        return nt_err_prefix(err, "asking the flashloader for its packet size");
    for (size_t off = 0; off < len;) {
        size_t n = len - off < r.chunk ? len - off : r.chunk;
        st = read_piece(&r, addr + (uint32_t)off, buf + off, n, err);
        if (st != NT_OK)
            return st;
        off += n;
        if (total)
            advance(&r, n);
    }
    *done = r.done;
    return NT_OK;
}

/* --- verify ------------------------------------------------------------- */

struct mismatch {
    uint64_t count;
    uint32_t first; /* flash offset */
    uint8_t got, want;
};

static void note(struct mismatch *m, uint64_t n, uint32_t first, uint8_t got, uint8_t want)
{
    if (n && (!m->count || first < m->first)) {
        m->first = first;
        m->got = got;
        m->want = want;
    }
    m->count += n;
}

/* Read back [from, to) (flash offsets >= 0x1000) and count what differs. */
static nt_status verify_range(struct reader *r, uint32_t from, uint32_t to, struct mismatch *m,
                              struct nt_err *err)
{
    uint8_t buf[MBOOT_REPORT_LEN];
    for (uint32_t pos = from; pos < to;) {
        size_t n = to - pos < r->chunk ? to - pos : r->chunk;
        uint32_t first = 0;
        uint8_t got = 0, want = 0;
        uint64_t d;
        nt_status st = read_piece(r, PKG_FLASH_BASE + pos, buf, n, err);
        if (st != NT_OK)
            return st;
        d = sect_count_diff(r->s->pkg, pos, buf, n, &first, &got, &want);
        note(m, d, first, got, want);
        advance(r, n);
        pos += (uint32_t)n;
    }
    return NT_OK;
}

/* A verify failure must not leave a damaged image the ROM would start:
 * erase the image header sector, so the module comes up in bootloader mode
 * (the recovery hint of the verify phase says so). */
static void disarm_image(struct sess *s, struct mboot_host *h)
{
    struct nt_err e;
    nt_err_clear(&e);
    if (mboot_erase_region(h, PKG_FIRMWARE_ADDR, PKG_SECTOR_SIZE, 0, &e) == NT_OK)
        sess_log(s, SESS_LOG_WARN,
                 "erased the image header at 0x%08x so the module does not start a "
                 "damaged image",
                 PKG_FIRMWARE_ADDR);
    else
        sess_log(s, SESS_LOG_WARN, "could not erase the image header after the failed verify: %s", e.msg);
}

nt_status sess_verify_flash(struct sess *s, struct mboot_host *h, struct nt_err *err)
{
    struct reader r = { .s = s, .h = h, .ph = SESS_PH_VERIFY };
    struct mismatch m = { 0 };
    uint8_t head[IVT_CHECK_BYTES];
    bool fcb_ok;
    nt_status st;

    if (s->cfg->no_verify) {
        sess_log(s, SESS_LOG_DEBUG, "--no-verify: not reading the flash back");
        return NT_OK;
    }
    sess_phase_start(s, SESS_PH_VERIFY);
    st = mboot_packet_size(h, &r.chunk, err);
    if (st != NT_OK)
        return nt_err_prefix(err, "asking the flashloader for its packet size");
    r.total = FCB_CHECK_BYTES + IVT_CHECK_BYTES;
    for (uint32_t i = SECT_IVT; i < s->plan.count; i++)
        if (s->plan.write[i])
            r.total += PKG_SECTOR_SIZE;
    sess_progress(s, SESS_PH_VERIFY, 0, r.total);

    st = read_piece(&r, PKG_FLASH_BASE, head, FCB_CHECK_BYTES, err);
    if (st != NT_OK)
        return st;
    advance(&r, FCB_CHECK_BYTES);
    fcb_ok = fcb_present(head);
    st = read_piece(&r, PKG_FIRMWARE_ADDR, head, IVT_CHECK_BYTES, err);
    if (st != NT_OK)
        return st;
    advance(&r, IVT_CHECK_BYTES);
    {
        uint32_t first = 0;
        uint8_t got = 0, want = 0;
        uint64_t d = sect_count_diff(s->pkg, PKG_FIRMWARE_ADDR - PKG_FLASH_BASE, head, IVT_CHECK_BYTES,
                                     &first, &got, &want);
        /* A written IVT sector is read and counted again below. */
        if (d && !s->plan.write[SECT_IVT])
            note(&m, d, first, got, want);
    }
    for (uint32_t i = SECT_IVT; i < s->plan.count;) {
        uint32_t j = i;
        if (!s->plan.write[i]) {
            i++;
            continue;
        }
        while (j < s->plan.count && s->plan.write[j])
            j++;
        st = verify_range(&r, i * PKG_SECTOR_SIZE, j * PKG_SECTOR_SIZE, &m, err);
        if (st != NT_OK)
            return st;
        i = j;
    }
    if (!fcb_ok || m.count) {
        disarm_image(s, h);
        if (!fcb_ok)
            return nt_err_set(err, NT_E_STATUS,
                              "verify failed: the flash configuration block at 0x%08x does not start "
                              "with its FCFB tag",
                              PKG_FLASH_BASE);
        return nt_err_set(err, NT_E_STATUS,
                          "verify failed: %llu byte(s) read back differ from the image, the first at "
                          "0x%08x (read 0x%02x, expected 0x%02x)",
                          (unsigned long long)m.count, PKG_FLASH_BASE + m.first, m.got, m.want);
    }
    sess_log(s, SESS_LOG_DEBUG, "verified %llu bytes read back", (unsigned long long)r.total);
    sess_phase_done(s, SESS_PH_VERIFY);
    return NT_OK;
}
