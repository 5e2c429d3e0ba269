/* The --simulate SPEC parser and the virtual module's defaults (README, "The virtual module").
 *
 * Keys: speed, start, flash, hab, fault, dump, stats (README, "The virtual module"), plus the
 * settings for behaviours doc/protocol.md §8 leaves unconfirmed:
 *   enum_delay=S   ROM jump -> flashloader arrival, modelled seconds (0.8)
 *   arrive=S       with start=none: the ROM arrives after S modelled seconds
 *                  ("never" or absent: nothing ever arrives)
 *   arrive=sim-N:S[/sim-M:S...]  per module: sim-N is off the bus at first
 *                  and its ROM arrives after S modelled seconds, whatever
 *                  start= says (the other modules follow start=); for a
 *                  production line (--loop) where modules come one by one
 *   modules=N      N modules on ports sim-1..sim-N (1..8, default 1), each
 *                  with its own modelled clock, NOR and fault state
 *   fault=F@sim-N  the fault F (as below) hits only module sim-N; without
 *                  @sim-N it hits every module
 *   dump=, stats=  with "%d" in the file name, one file per module (the %d
 *                  becomes the module number: dump=nor-%d.bin); without it,
 *                  dump= holds sim-1's NOR and stats= sums the modules
 *   rom_padding=yes|no  ROM stores the zero padding of the last WRITE_FILE chunk (yes)
 *   wrap=yes|no    flash addresses beyond the NOR size wrap like a real QSPI
 *                  part (yes) or are refused with 10200 (no, default)
 *   max_packet=N   MaxPacketSize property (1..1012, default 1012)
 *   version=0x..   CurrentVersion property (0x4D010000)
 *   jump_error=0x.. report-4 word of a rejected jump (0x000A0533)
 *   sector_ms/block_ms/page_ms  NOR timing, typical datasheet values (45/150/0.5)
 *   read_cmd_ms=MS    ReadMemory: time of the command, its response and its
 *                  final answer (0.75). ASSUMED, not measured on a module: three
 *                  high-speed interrupt transfers waiting for 125 us
 *                  microframes, plus the flashloader's turnaround
 *   read_report_ms=MS ReadMemory: time per data report (0.25; ASSUMED as above).
 *                  With 1012-byte reads (MaxPacketSize) that is ~1 ms per KiB,
 *                  4 MiB in ~4.1 s: slower than the link allows, on purpose
 *   chip=rt1060|rt1010  the part the ROM and flashloader run on (rt1060); rt1010
 *                  plays Expert Sleepers' NTX-8CV (same flashloader USB ID):
 *                  its RAM regions (property 0x0E/0x0F) are the RT1011
 *                  flashloader's 32/32/64 KB instead of 128/128/256 KB
 *   nor=FILE       the module's flash kept between runs: loaded from FILE at
 *                  start (a missing FILE is a module as shipped; beyond its end
 *                  the usual old firmware), written back at exit (first module)
 * and the running state (doc/running.md, vmod_app.c):
 *   start=app      the module runs its firmware (USB-MIDI) at first
 *   app_version=V  that firmware's version (1.15.0); before 1.15 it ignores
 *                  the bootloader message; "" never answers the version request
 *   sysex_id=N     the module's SysEx ID (0..126, default 0)
 *   app_marker=T   the text before the version string in a flashed image
 *                  (NTVER:, as synthetic images carry it)
 *   app_boot=S     reset -> the running module arrives, modelled seconds
 *                  (2; never: it does not come back)
 *
 * Where the faults fire (the device cannot know the host's plan, so each
 * phase is measured over something the device sees; all deterministic):
 *   upload     the first SDP WRITE_FILE whose received bytes reach PCT of
 *              its byte count; status answers its rpt 4 with 0x89232389
 *   configure  the ConfigureMemory command with an option block (0xC...);
 *              status answers 20107 (SFDP not found); PCT is not used
 *   erase      the first FlashEraseRegion/FlashEraseAll: PCT of its range
 *              (rounded out to sectors) is erased, then the fault acts;
 *              status answers 20101 (erase sector fail)
 *   write      bytes written to flash by WriteMemory, counted over all its
 *              commands, against the image size the device can infer: the
 *              erased extent (FlashEraseRegion) from the first flash write
 *              on, less one sector; without such an erase, the byte count
 *              of the first flash WriteMemory. So a host that erases its
 *              image range and writes it in pieces is hit at PCT of the
 *              image. status answers 10203 after the first data packet
 *   reset      the Reset command: unplug and silent reset without
 *              answering, status answers 1 (kStatus_Fail) and stays
 * fault=corrupt@write[:PCT] changes one programmed byte where the write
 * reaches PCT (measured as above): the page is programmed and passes the
 * flashloader's own verify, then its first byte reads back with bit 0
 * inverted (a weak cell). Only a host that reads the flash back notices;
 * stats= reports the address as corrupt_addr.
 */
#include "vmod.h"

#include <errno.h>
#include <stddef.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define VMOD_DEFAULT_FLASH_BYTES (8u * 1024 * 1024)
#define VMOD_MAX_FLASH_BYTES (256u * 1024 * 1024) /* the FlexSPI map window */
#define VMOD_FLASH_GRAIN_BYTES 65536u
#define VMOD_MAX_PACKET_BYTES 1012u
#define VMOD_KEY_MAX 32
#define VMOD_SPEED_MAX 100.0
#define VMOD_MAX_ITEMS 32
#define VMOD_DEFAULT_APP_VERSION "1.15.0"
#define VMOD_DEFAULT_APP_MARKER "NTVER:" /* as tools/synthpkg.h writes it */
#define VMOD_DEFAULT_APP_BOOT_S 2.0
#define VMOD_SYSEX_ID_MAX 126 /* distinct keys remembered for the twice-given check */

void vmod_config_defaults(struct vmod_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->speed = 1.0;
    cfg->start = VMOD_START_SDP;
    cfg->flash_size = VMOD_DEFAULT_FLASH_BYTES;
    cfg->fault = VMOD_FAULT_NONE;
    cfg->fault_phase = VMOD_PHASE_ANY;
    cfg->fault_pct = 50;
    cfg->enum_delay_s = 0.8;
    cfg->arrive_s = -1.0;
    cfg->modules = 1;
    cfg->rom_store_padding = true;
    cfg->wrap_beyond_flash = false;
    cfg->max_packet = VMOD_MAX_PACKET_BYTES;
    cfg->version = 0x4D010000u;
    cfg->jump_error = 0x000A0533u;
    cfg->sector_erase_ms = 45.0;
    cfg->block_erase_ms = 150.0;
    cfg->page_program_ms = 0.5;
    cfg->read_cmd_ms = 0.75;
    cfg->read_report_ms = 0.25;
    snprintf(cfg->app_version, sizeof cfg->app_version, "%s", VMOD_DEFAULT_APP_VERSION);
    snprintf(cfg->app_marker, sizeof cfg->app_marker, "%s", VMOD_DEFAULT_APP_MARKER);
    cfg->app_boot_s = VMOD_DEFAULT_APP_BOOT_S;
}

static nt_status bad(struct nt_err *err, const char *key, const char *fmt, const char *val)
{
    char why[256];
    int n = snprintf(why, sizeof why, fmt, val);
    /* A value too long for the message is cut short, and says so (using the
     * length also keeps 32-bit gcc's -Wformat-truncation quiet). */
    if (n >= (int)sizeof why)
        memcpy(why + sizeof why - 4, "...", 4);
    return nt_err_set(err, NT_E_USAGE, "invalid --simulate key '%s': %s", key, why);
}

static bool parse_double(const char *s, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || *end || errno || !isfinite(v) || v < 0)
        return false;
    *out = v;
    return true;
}

static bool parse_u32(const char *s, uint32_t *out)
{
    char *end;
    if (!*s || *s == '-' || *s == '+')
        return false;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 0);
    if (end == s || *end || errno || v > 0xFFFFFFFFull)
        return false;
    *out = (uint32_t)v;
    return true;
}

static bool parse_size(const char *s, uint64_t *out)
{
    char *end;
    if (!*s || *s == '-' || *s == '+')
        return false;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (end == s || errno)
        return false;
    uint64_t mul = 1;
    if (*end == 'K' || *end == 'k')
        mul = 1024, end++;
    else if (*end == 'M' || *end == 'm')
        mul = 1024 * 1024, end++;
    else if (*end == 'G' || *end == 'g')
        mul = 1024ull * 1024 * 1024, end++;
    if (*end || v > UINT64_MAX / mul)
        return false;
    *out = v * mul;
    return true;
}

static bool parse_yesno(const char *s, bool *out)
{
    if (!strcmp(s, "yes")) {
        *out = true;
        return true;
    }
    if (!strcmp(s, "no")) {
        *out = false;
        return true;
    }
    return false;
}

/* Index of the len-byte word s in names, or -1. */
static int find_word(const char *s, size_t len, const char *const *names, int n)
{
    for (int i = 0; i < n; i++)
        if (strlen(names[i]) == len && !strncmp(s, names[i], len))
            return i;
    return -1;
}

static nt_status parse_fault(const char *val, struct vmod_config *cfg, struct nt_err *err)
{
    /* In enum vmod_fault_kind and enum vmod_phase order. */
    static const char *const kinds[] = { "none",  "unplug",  "status", "silent",
                                         "stale", "badjump", "noenum", "corrupt" };
    static const char *const phases[] = { "upload", "configure", "erase", "write", "reset" };
    const char *usage = "'%s' is not KIND[@PHASE[:PCT]] with KIND unplug, status, silent "
                        "(these need @PHASE), corrupt (needs @write), stale, badjump, noenum or none, "
                        "PHASE upload, configure, erase, write or reset and PCT 0..100";
    char spec[VMOD_KEY_MAX + 16];
    unsigned module = 0;
    /* A trailing @sim-N aims the fault at one module. */
    const char *target = strstr(val, "@sim-");
    if (target) {
        uint32_t m;
        if (!parse_u32(target + 5, &m) || m < 1 || m > VMOD_MODULES_MAX || target[5] == '0')
            return bad(err, "fault", "'%s' does not end in @sim-N with N 1..8 (the module's port)", val);
        module = m;
    }
    size_t vlen = target ? (size_t)(target - val) : strlen(val);
    if (vlen >= sizeof spec)
        return bad(err, "fault", usage, val);
    memcpy(spec, val, vlen);
    spec[vlen] = '\0';
    const char *at = strchr(spec, '@');
    int k = find_word(spec, at ? (size_t)(at - spec) : strlen(spec), kinds, 8);
    int ph = VMOD_PHASE_ANY;
    uint32_t pct = 50;
    if (k < 0)
        return bad(err, "fault", usage, val);
    if (at) {
        const char *colon = strchr(at + 1, ':');
        ph = find_word(at + 1, colon ? (size_t)(colon - at - 1) : strlen(at + 1), phases, 5);
        if (ph < 0 || (colon && (!parse_u32(colon + 1, &pct) || pct > 100)))
            return bad(err, "fault", usage, val);
    }
    bool phased =
        k == VMOD_FAULT_UNPLUG || k == VMOD_FAULT_STATUS || k == VMOD_FAULT_SILENT || k == VMOD_FAULT_CORRUPT;
    if (phased != (ph != VMOD_PHASE_ANY) || (k == VMOD_FAULT_CORRUPT && ph != VMOD_PHASE_WRITE))
        return bad(err, "fault", usage, val);
    cfg->fault = (enum vmod_fault_kind)k;
    cfg->fault_phase = (enum vmod_phase)ph;
    cfg->fault_pct = (int)pct;
    cfg->fault_module = module;
    return NT_OK;
}

/* Handlers for the simple keys, by the type of the field they set (the field
 * is located with offsetof, so one handler serves every key of a type). */
static nt_status set_path(const char *key, const char *val, void *dst, struct nt_err *err)
{
    if (!*val || strlen(val) >= VMOD_PATH_MAX)
        return bad(err, key, "'%s' is not a file name (non-empty, shorter than 1024 bytes)", val);
    /* The one placeholder is %d (the module number); any other % is a typo. */
    const char *pct = strchr(val, '%');
    if (pct && (pct[1] != 'd' || strchr(pct + 2, '%')))
        return nt_err_set(err, NT_E_USAGE,
                          "invalid --simulate key '%s': '%.200s' may hold one %%d (the module number) "
                          "and no other %%",
                          key, val);
    strcpy(dst, val);
    return NT_OK;
}

static nt_status set_ms(const char *key, const char *val, void *dst, struct nt_err *err)
{
    if (!parse_double(val, dst))
        return bad(err, key, "'%s' is not a time in milliseconds >= 0", val);
    return NT_OK;
}

static nt_status set_seconds(const char *key, const char *val, void *dst, struct nt_err *err)
{
    if (!parse_double(val, dst))
        return bad(err, key, "'%s' is not a number of seconds >= 0", val);
    return NT_OK;
}

static nt_status set_word(const char *key, const char *val, void *dst, struct nt_err *err)
{
    if (!parse_u32(val, dst))
        return bad(err, key, "'%s' is not a 32-bit number (e.g. 0x4D010000)", val);
    return NT_OK;
}

static nt_status set_flag(const char *key, const char *val, void *dst, struct nt_err *err)
{
    if (!parse_yesno(val, dst))
        return bad(err, key, "'%s' is not yes or no", val);
    return NT_OK;
}

static nt_status set_speed(const char *key, const char *val, void *dst, struct nt_err *err)
{
    /* Above VMOD_SPEED_MAX the model's waits (which a host cannot cut
     * short: the command in flight always completes) would be absurd. */
    if (!parse_double(val, dst) || *(double *)dst > VMOD_SPEED_MAX)
        return bad(err, key,
                   "'%s' is not a number from 0 to 100 (1 realistic, 0 no delays, 0.1 ten times faster)",
                   val);
    return NT_OK;
}

static nt_status set_start(const char *key, const char *val, void *dst, struct nt_err *err)
{
    enum vmod_start *start = dst;
    if (!strcmp(val, "sdp"))
        *start = VMOD_START_SDP;
    else if (!strcmp(val, "mboot"))
        *start = VMOD_START_MBOOT;
    else if (!strcmp(val, "none"))
        *start = VMOD_START_NONE;
    else if (!strcmp(val, "app"))
        *start = VMOD_START_APP;
    else
        return bad(err, key, "'%s' is not sdp, mboot, app or none", val);
    return NT_OK;
}

static nt_status set_flash(const char *key, const char *val, void *dst, struct nt_err *err)
{
    uint64_t v;
    if (!parse_size(val, &v) || v == 0 || v > VMOD_MAX_FLASH_BYTES || v % VMOD_FLASH_GRAIN_BYTES)
        return bad(err, key, "'%s' is not a size of 64K..256M in 64K steps (e.g. 8M, 4096K, 16777216)", val);
    *(uint64_t *)dst = v;
    return NT_OK;
}

static nt_status set_hab(const char *key, const char *val, void *dst, struct nt_err *err)
{
    if (strcmp(val, "open") && strcmp(val, "closed"))
        return bad(err, key, "'%s' is not open or closed", val);
    *(bool *)dst = !strcmp(val, "closed");
    return NT_OK;
}

static nt_status set_chip(const char *key, const char *val, void *dst, struct nt_err *err)
{
    if (strcmp(val, "rt1060") && strcmp(val, "rt1010"))
        return bad(err, key, "'%s' is not rt1060 or rt1010", val);
    *(bool *)dst = !strcmp(val, "rt1010");
    return NT_OK;
}

/* arrive=sim-N:S[/sim-M:S...]: per-module arrival times. */
static nt_status parse_arrivals(const char *key, const char *val, struct vmod_config *cfg, struct nt_err *err)
{
    const char *usage = "'%s' is not sim-N:SECONDS[/sim-M:SECONDS...] with N 1..8 (e.g. sim-2:3/sim-3:6)";
    const char *p = val;
    for (;;) {
        const char *slash = strchr(p, '/');
        size_t n = slash ? (size_t)(slash - p) : strlen(p);
        char item[64];
        uint32_t m;
        double t;
        if (n >= sizeof item || strncmp(p, "sim-", 4) != 0)
            return bad(err, key, usage, val);
        memcpy(item, p, n);
        item[n] = '\0';
        char *colon = strchr(item, ':');
        if (!colon)
            return bad(err, key, usage, val);
        *colon = '\0';
        if (!parse_u32(item + 4, &m) || m < 1 || m > VMOD_MODULES_MAX || item[4] == '0' ||
            !parse_double(colon + 1, &t))
            return bad(err, key, usage, val);
        if (cfg->module_arrive_set[m - 1])
            return bad(err, key, "'%s' names a module twice", val);
        cfg->module_arrive_set[m - 1] = true;
        cfg->module_arrive_s[m - 1] = t;
        if (!slash)
            return NT_OK;
        p = slash + 1;
    }
}

static nt_status set_arrive(const char *key, const char *val, void *dst, struct nt_err *err)
{
    if (!strncmp(val, "sim-", 4))
        return parse_arrivals(
            key, val, (struct vmod_config *)((char *)dst - offsetof(struct vmod_config, arrive_s)), err);
    if (!strcmp(val, "never")) {
        *(double *)dst = -1.0;
        return NT_OK;
    }
    if (!parse_double(val, dst))
        return bad(err, key, "'%s' is not a number of seconds >= 0 or never", val);
    return NT_OK;
}

static nt_status set_modules(const char *key, const char *val, void *dst, struct nt_err *err)
{
    uint32_t u;
    if (!parse_u32(val, &u) || u < 1 || u > VMOD_MODULES_MAX)
        return bad(err, key, "'%s' is not a module count of 1..8", val);
    *(unsigned *)dst = u;
    return NT_OK;
}

static nt_status set_max_packet(const char *key, const char *val, void *dst, struct nt_err *err)
{
    uint32_t u;
    if (!parse_u32(val, &u) || u < 1 || u > VMOD_MAX_PACKET_BYTES)
        return bad(err, key, "'%s' is not a packet size of 1..1012 bytes", val);
    *(uint32_t *)dst = u;
    return NT_OK;
}

/* Printable ASCII without commas (they separate keys), may be empty. */
static nt_status set_text(const char *key, const char *val, void *dst, struct nt_err *err)
{
    if (strlen(val) >= VMOD_APP_TEXT_MAX)
        return bad(err, key, "'%s' is longer than 63 characters", val);
    for (const char *p = val; *p; p++)
        if (*p < 0x20 || *p > 0x7E)
            return bad(err, key, "'%s' holds a character that is not printable ASCII", val);
    strcpy(dst, val);
    return NT_OK;
}

static nt_status set_sysex_id(const char *key, const char *val, void *dst, struct nt_err *err)
{
    uint32_t u;
    if (!parse_u32(val, &u) || u > VMOD_SYSEX_ID_MAX)
        return bad(err, key, "'%s' is not a SysEx ID of 0..126", val);
    *(unsigned *)dst = u;
    return NT_OK;
}

static nt_status set_fault(const char *key, const char *val, void *dst, struct nt_err *err)
{
    (void)key;
    return parse_fault(val, dst, err);
}

#define FIELD(f) offsetof(struct vmod_config, f)

static const struct spec_key {
    const char *name;
    nt_status (*set)(const char *key, const char *val, void *dst, struct nt_err *err);
    size_t offset;
} KEYS[] = {
    { "speed", set_speed, FIELD(speed) },
    { "start", set_start, FIELD(start) },
    { "flash", set_flash, FIELD(flash_size) },
    { "hab", set_hab, FIELD(hab_closed) },
    { "fault", set_fault, 0 }, /* sets several fields: gets the whole config */
    { "dump", set_path, FIELD(dump_path) },
    { "stats", set_path, FIELD(stats_path) },
    { "enum_delay", set_seconds, FIELD(enum_delay_s) },
    { "arrive", set_arrive, FIELD(arrive_s) },
    { "modules", set_modules, FIELD(modules) },
    { "rom_padding", set_flag, FIELD(rom_store_padding) },
    { "wrap", set_flag, FIELD(wrap_beyond_flash) },
    { "max_packet", set_max_packet, FIELD(max_packet) },
    { "version", set_word, FIELD(version) },
    { "jump_error", set_word, FIELD(jump_error) },
    { "sector_ms", set_ms, FIELD(sector_erase_ms) },
    { "block_ms", set_ms, FIELD(block_erase_ms) },
    { "page_ms", set_ms, FIELD(page_program_ms) },
    { "read_cmd_ms", set_ms, FIELD(read_cmd_ms) },
    { "read_report_ms", set_ms, FIELD(read_report_ms) },
    { "nor", set_path, FIELD(nor_path) },
    { "chip", set_chip, FIELD(rt1010) },
    { "app_version", set_text, FIELD(app_version) },
    { "sysex_id", set_sysex_id, FIELD(sysex_id) },
    { "app_marker", set_text, FIELD(app_marker) },
    { "app_boot", set_arrive, FIELD(app_boot_s) },
};

#define KEY_NAMES_MAX 512

static const char *key_names(char names[KEY_NAMES_MAX])
{
    names[0] = '\0';
    for (size_t i = 0; i < sizeof KEYS / sizeof KEYS[0]; i++) {
        size_t used = strlen(names);
        snprintf(names + used, KEY_NAMES_MAX - used, "%s%s", i ? ", " : "", KEYS[i].name);
    }
    return names;
}

static nt_status parse_one(const char *key, const char *val, struct vmod_config *cfg, struct nt_err *err)
{
    for (size_t i = 0; i < sizeof KEYS / sizeof KEYS[0]; i++)
        if (!strcmp(key, KEYS[i].name))
            return KEYS[i].set(key, val, (char *)cfg + KEYS[i].offset, err);
    char names[KEY_NAMES_MAX];
    return nt_err_set(err, NT_E_USAGE, "invalid --simulate key '%s': unknown key; valid keys are %s", key,
                      key_names(names));
}

nt_status vmod_parse_spec(const char *spec, struct vmod_config *cfg, struct nt_err *err)
{
    char seen[VMOD_MAX_ITEMS][VMOD_KEY_MAX];
    size_t nseen = 0;
    bool arrive_given = false;

    if (!spec)
        return NT_OK;
    const char *p = spec;
    while (*p || p != spec) {
        const char *comma = strchr(p, ',');
        size_t n = comma ? (size_t)(comma - p) : strlen(p);
        char item[VMOD_KEY_MAX + VMOD_PATH_MAX + 2];
        char names[KEY_NAMES_MAX];
        if (n == 0)
            return nt_err_set(err, NT_E_USAGE,
                              "invalid --simulate spec '%s': an empty item (two commas, or "
                              "a comma at an end)",
                              spec);
        if (n >= sizeof item)
            return nt_err_set(err, NT_E_USAGE, "invalid --simulate key '%.*s': the item is too long",
                              VMOD_KEY_MAX, p);
        memcpy(item, p, n);
        item[n] = '\0';
        char *eq = strchr(item, '=');
        if (!eq || eq == item)
            return nt_err_set(err, NT_E_USAGE,
                              "invalid --simulate key '%s': expected key=value; valid keys are %s", item,
                              key_names(names));
        *eq = '\0';
        for (size_t i = 0; i < nseen; i++)
            if (!strcmp(seen[i], item))
                return nt_err_set(err, NT_E_USAGE, "invalid --simulate key '%s': given twice", item);
        if (nseen < VMOD_MAX_ITEMS && strlen(item) < VMOD_KEY_MAX)
            strcpy(seen[nseen++], item);
        arrive_given |= !strcmp(item, "arrive");
        nt_status st = parse_one(item, eq + 1, cfg, err);
        if (st != NT_OK)
            return st;
        p += n;
        if (*p != ',')
            break;
        p++;
    }
    for (unsigned i = 0; i < VMOD_MODULES_MAX; i++)
        if (cfg->module_arrive_set[i] && i >= cfg->modules)
            return nt_err_set(err, NT_E_USAGE,
                              "invalid --simulate key 'arrive': sim-%u is not one of the %u module(s); "
                              "raise modules=",
                              i + 1, cfg->modules);
    if (arrive_given && cfg->arrive_s >= 0 && cfg->start != VMOD_START_NONE)
        return nt_err_set(
            err, NT_E_USAGE,
            "invalid --simulate key 'arrive': it is for start=none (nothing attached at first)");
    return NT_OK;
}
