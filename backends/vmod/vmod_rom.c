/* The i.MX RT1060 boot ROM's serial downloader (SDP) as the virtual module
 * presents it: commands, answers and the jump into the loaded flashloader
 * (doc/protocol.md §2.2-2.5, state table §9). Multi-byte fields are big-endian. */
#include <string.h>

#include "bytes.h"
#include "vmod_int.h"

#define CMD_READ_REGISTER 0x0101
#define CMD_WRITE_REGISTER 0x0202
#define CMD_WRITE_FILE 0x0404
#define CMD_ERROR_STATUS 0x0505
#define CMD_DCD_WRITE 0x0A0A
#define CMD_JUMP_ADDRESS 0x0B0B
#define CMD_SKIP_DCD_HEADER 0x0C0C

#define HAB_OPEN 0x56787856u
#define HAB_CLOSED 0x12343412u
#define ROM_WRITE_FILE_OK 0x88888888u
#define ROM_WRITE_REGISTER_OK 0x128A8A12u
#define ROM_SKIP_DCD_OK 0x900DD009u
#define ROM_HAB_SUCCESS 0xF0F0F0F0u
#define ROM_WRITE_FILE_BAD 0x89232389u /* observed for a wrong WRITE_FILE (doc/protocol.md §2.3) */
#define ROM_READ_CHUNK_BYTES 64u
/* Taking one 1024-byte data report: about 500 KB/s, "several hundred KB/s"
 * (doc/protocol.md §5, unconfirmed). The SET_REPORT completes when it is stored. */
#define ROM_DATA_REPORT_S 0.002

/* IVT header (doc/protocol.md §2.4): tag 0xD1, BE length 0x0020, version 0x4x. */
#define IVT_TAG 0xD1
#define IVT_LEN 0x0020
#define IVT_BYTES 32u
#define IVT_ENTRY_OFF 4
#define IVT_SELF_OFF 20

/* OCRAM the ROM itself uses while it runs the serial downloader: loading
 * there is refused like a wrong request (0x89232389). */
#define ROM_RESERVED_START 0x20200000u
#define ROM_RESERVED_BYTES 0x10000u

void vmod__rom_reset(struct vmod_engine *e)
{
    memset(&e->rom, 0, sizeof e->rom);
    e->rom.last_status = ROM_HAB_SUCCESS;
}

static void send_hab(struct vmod_engine *e)
{
    uint8_t r[VMOD_ROM_HAB_LEN] = { 3 };
    put_be32(r + 1, e->cfg.hab_closed ? HAB_CLOSED : HAB_OPEN);
    vmod__queue(e, r, sizeof r, e->now);
}

static void send_word(struct vmod_engine *e, uint32_t word)
{
    uint8_t r[VMOD_ROM_STATUS_LEN] = { 4 };
    put_be32(r + 1, word);
    vmod__queue(e, r, sizeof r, e->now);
}

void vmod__rom_stale(struct vmod_engine *e)
{
    send_word(e, ROM_WRITE_FILE_OK); /* an old WRITE_FILE answer nobody read */
}

static bool rom_reserved(uint32_t addr, uint32_t count)
{
    uint64_t end = (uint64_t)addr + count;
    return addr < ROM_RESERVED_START + ROM_RESERVED_BYTES && end > ROM_RESERVED_START;
}

static void finish_rx(struct vmod_engine *e)
{
    struct vmod_rom *r = &e->rom;
    bool file = r->state == VMOD_ROM_RX_FILE;
    r->state = VMOD_ROM_IDLE;
    send_hab(e);
    if (!file) {
        send_word(e, ROM_WRITE_REGISTER_OK);
        return;
    }
    bool fail = !r->addr_ok;
    if (vmod__fault_hits(e, VMOD_PHASE_UPLOAD, r->count, r->count) && e->cfg.fault == VMOD_FAULT_STATUS)
        fail = true;
    r->last_status = fail ? ROM_WRITE_FILE_BAD : r->last_status;
    send_word(e, fail ? ROM_WRITE_FILE_BAD : ROM_WRITE_FILE_OK);
}

/* An upload fault that acts while data still flow: unplug or hang. */
static bool upload_fault(struct vmod_engine *e)
{
    const struct vmod_config *c = &e->cfg;
    if (e->rom.state != VMOD_ROM_RX_FILE || (c->fault != VMOD_FAULT_UNPLUG && c->fault != VMOD_FAULT_SILENT))
        return false;
    if (!vmod__fault_hits(e, VMOD_PHASE_UPLOAD, e->rom.received, e->rom.count))
        return false;
    if (c->fault == VMOD_FAULT_UNPLUG)
        vmod__leave(e);
    else
        e->silent = true;
    return true;
}

static void store_chunk(struct vmod_engine *e, const uint8_t *data, uint32_t n, uint32_t keep)
{
    struct vmod_rom *r = &e->rom;
    uint32_t addr = r->addr + r->received;
    if (r->state == VMOD_ROM_RX_FILE && r->addr_ok) {
        uint32_t store = e->cfg.rom_store_padding ? n : keep;
        uint8_t *p = vmod__ram_ptr(e, addr, store);
        if (!p) /* the padding would run past the RAM region: keep only the data */
            p = vmod__ram_ptr(e, addr, store = keep);
        if (p)
            memcpy(p, data, store);
        if (!r->loaded || addr < r->load_lo)
            r->load_lo = addr;
        if (!r->loaded || addr + keep > r->load_hi)
            r->load_hi = addr + keep;
        r->loaded = true;
    }
    r->received += keep;
}

static void rx_data(struct vmod_engine *e, const uint8_t *rep, size_t len)
{
    struct vmod_rom *r = &e->rom;
    uint32_t n = (uint32_t)(len - 1);
    uint32_t left = r->count - r->received;
    vmod__busy(e, ROM_DATA_REPORT_S);
    store_chunk(e, rep + 1, n, n < left ? n : left);
    if (upload_fault(e))
        return;
    if (r->received >= r->count)
        finish_rx(e);
}

static void start_rx(struct vmod_engine *e, enum vmod_rom_state st, uint32_t addr, uint32_t count)
{
    struct vmod_rom *r = &e->rom;
    r->state = st;
    r->addr = addr;
    r->count = count;
    r->received = 0;
    r->addr_ok = vmod__ram_ptr(e, addr, count) != NULL && !rom_reserved(addr, count);
    if (st == VMOD_ROM_RX_FILE && upload_fault(e))
        return;
    if (count == 0)
        finish_rx(e);
}

static void read_register(struct vmod_engine *e, uint32_t addr, uint32_t count)
{
    send_hab(e);
    for (uint32_t off = 0; off < count; off += ROM_READ_CHUNK_BYTES) {
        uint8_t rep[VMOD_ROM_STATUS_LEN] = { 4 };
        uint32_t n = count - off < ROM_READ_CHUNK_BYTES ? count - off : ROM_READ_CHUNK_BYTES;
        const uint8_t *p = vmod__ram_ptr(e, addr + off, n);
        if (p)
            memcpy(rep + 1, p, n);
        vmod__queue(e, rep, sizeof rep, e->now);
    }
}

static void write_register(struct vmod_engine *e, uint32_t addr, unsigned format, uint32_t value)
{
    unsigned bytes = format == 0x08 ? 1 : format == 0x10 ? 2 : 4;
    uint8_t *p = vmod__ram_ptr(e, addr, bytes);
    if (p)
        for (unsigned i = 0; i < bytes; i++)
            p[i] = (uint8_t)(value >> (8 * i)); /* the core is little-endian */
    send_hab(e);
    send_word(e, ROM_WRITE_REGISTER_OK);
}

/* The checks the model makes on the IVT before jumping (doc/protocol.md §2.4). */
static bool ivt_ok(struct vmod_engine *e, uint32_t addr)
{
    const struct vmod_rom *r = &e->rom;
    const uint8_t *ivt = vmod__ram_ptr(e, addr, IVT_BYTES);
    if (!ivt || !r->loaded || addr < r->load_lo || addr + IVT_BYTES > r->load_hi)
        return false;
    if (ivt[0] != IVT_TAG || get_be16(ivt + 1) != IVT_LEN || (ivt[3] & 0xF0) != 0x40)
        return false;
    uint32_t entry = get_le32(ivt + IVT_ENTRY_OFF);
    return get_le32(ivt + IVT_SELF_OFF) == addr && entry >= r->load_lo && entry < r->load_hi;
}

static void jump(struct vmod_engine *e, uint32_t addr)
{
    send_hab(e);
    if (e->cfg.fault == VMOD_FAULT_BADJUMP || !ivt_ok(e, addr)) {
        e->rom.last_status = e->cfg.jump_error;
        send_word(e, e->cfg.jump_error);
        return;
    }
    /* The ROM's rpt 3 goes out, then the flashloader takes the USB controller
     * over: the ROM leaves once rpt 3 is read; the flashloader enumerates
     * enum_delay later (never with fault=noenum). */
    e->leave_on_drain = true;
    e->kind_after_leave = e->cfg.fault == VMOD_FAULT_NOENUM ? -1 : TP_KIND_MBOOT;
}

static void command(struct vmod_engine *e, const uint8_t *c)
{
    uint16_t cmd = get_be16(c);
    uint32_t addr = get_be32(c + 2), count = get_be32(c + 7), data = get_be32(c + 11);
    e->rom.state = VMOD_ROM_IDLE; /* a new command abandons an unfinished transfer */
    switch (cmd) {
    case CMD_READ_REGISTER: read_register(e, addr, count); break;
    case CMD_WRITE_REGISTER: write_register(e, addr, c[6], data); break;
    case CMD_WRITE_FILE: start_rx(e, VMOD_ROM_RX_FILE, addr, count); break;
    case CMD_DCD_WRITE: start_rx(e, VMOD_ROM_RX_DCD, addr, count); break;
    case CMD_ERROR_STATUS:
        send_hab(e);
        send_word(e, e->rom.last_status);
        break;
    case CMD_SKIP_DCD_HEADER:
        send_hab(e);
        send_word(e, ROM_SKIP_DCD_OK);
        break;
    case CMD_JUMP_ADDRESS: jump(e, addr); break;
    default: break; /* unknown commands (e.g. MCUboot framing) get no answer: doc/protocol.md §2.5 */
    }
}

void vmod__rom_out(struct vmod_engine *e, const uint8_t *r, size_t len)
{
    if (r[0] == 1 && len >= VMOD_ROM_CMD_MIN && len <= VMOD_ROM_OUT_MAX)
        command(e, r + 1);
    else if (r[0] == 2 && len >= 2 && len <= VMOD_ROM_OUT_MAX && e->rom.state != VMOD_ROM_IDLE)
        rx_data(e, r, len);
}
