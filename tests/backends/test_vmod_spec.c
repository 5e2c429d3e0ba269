/* Tests for the --simulate SPEC parser (README, "The virtual module"): defaults, every key,
 * and the messages for bad keys and values. */
#include "tap.h"
#include "vmod.h"

static nt_status parse(const char *spec, struct vmod_config *c, struct nt_err *e)
{
    vmod_config_defaults(c);
    nt_err_clear(e);
    return vmod_parse_spec(spec, c, e);
}

static void test_defaults(void)
{
    struct vmod_config c;
    vmod_config_defaults(&c);
    CHECK(c.speed == 1.0);
    CHECK_EQ_INT(c.start, VMOD_START_SDP);
    CHECK_EQ_INT(c.flash_size, 8 * 1024 * 1024);
    CHECK(!c.hab_closed);
    CHECK_EQ_INT(c.fault, VMOD_FAULT_NONE);
    CHECK_EQ_INT(c.fault_pct, 50);
    CHECK_EQ_STR(c.dump_path, "");
    CHECK_EQ_STR(c.stats_path, "");
    CHECK(c.enum_delay_s == 0.8);
    CHECK(c.arrive_s < 0);
    CHECK_EQ_INT(c.modules, 1);
    CHECK(c.rom_store_padding);
    CHECK(!c.wrap_beyond_flash);
    CHECK_EQ_INT(c.max_packet, 1012);
    CHECK_EQ_INT(c.version, 0x4D010000);
    CHECK_EQ_INT(c.jump_error, 0x000A0533);
    CHECK(c.sector_erase_ms == 45.0 && c.block_erase_ms == 150.0 && c.page_program_ms == 0.5);
}

static void test_empty_spec(void)
{
    struct vmod_config c;
    struct nt_err e;
    CHECK_EQ_INT(parse("", &c, &e), NT_OK);
    CHECK_EQ_INT(parse(NULL, &c, &e), NT_OK);
    CHECK(c.speed == 1.0);
}

static void test_spec_keys(void)
{
    struct vmod_config c;
    struct nt_err e;
    CHECK_EQ_INT(parse("speed=0.1,start=mboot,flash=16M,hab=closed,dump=/x/d.bin,stats=s.json", &c, &e),
                 NT_OK);
    CHECK(c.speed == 0.1);
    CHECK_EQ_INT(c.start, VMOD_START_MBOOT);
    CHECK_EQ_INT(c.flash_size, 16 * 1024 * 1024);
    CHECK(c.hab_closed);
    CHECK_EQ_STR(c.dump_path, "/x/d.bin");
    CHECK_EQ_STR(c.stats_path, "s.json");
    CHECK_EQ_INT(parse("flash=4096K,start=none,arrive=1.5,hab=open", &c, &e), NT_OK);
    CHECK_EQ_INT(c.flash_size, 4096 * 1024);
    CHECK_EQ_INT(c.start, VMOD_START_NONE);
    CHECK(c.arrive_s == 1.5);
    CHECK(!c.hab_closed);
    CHECK_EQ_INT(parse("flash=1048576,start=sdp,arrive=never", &c, &e), NT_OK);
    CHECK_EQ_INT(c.flash_size, 1048576);
    CHECK(c.arrive_s < 0);
    CHECK_EQ_INT(parse("enum_delay=0,modules=3,rom_padding=no,wrap=yes,max_packet=56", &c, &e), NT_OK);
    CHECK(c.enum_delay_s == 0);
    CHECK_EQ_INT(c.modules, 3);
    CHECK(!c.rom_store_padding);
    CHECK(c.wrap_beyond_flash);
    CHECK_EQ_INT(c.max_packet, 56);
    CHECK_EQ_INT(
        parse("version=0x4B020100,jump_error=0x33333333,sector_ms=400,block_ms=2000,page_ms=3", &c, &e),
        NT_OK);
    CHECK_EQ_INT(c.version, 0x4B020100);
    CHECK_EQ_INT(c.jump_error, 0x33333333);
    CHECK(c.sector_erase_ms == 400 && c.block_erase_ms == 2000 && c.page_program_ms == 3);
}

static void test_spec_faults(void)
{
    struct vmod_config c;
    struct nt_err e;
    CHECK_EQ_INT(parse("fault=unplug@write", &c, &e), NT_OK);
    CHECK_EQ_INT(c.fault, VMOD_FAULT_UNPLUG);
    CHECK_EQ_INT(c.fault_phase, VMOD_PHASE_WRITE);
    CHECK_EQ_INT(c.fault_pct, 50);
    CHECK_EQ_INT(parse("fault=silent@write:30", &c, &e), NT_OK);
    CHECK_EQ_INT(c.fault, VMOD_FAULT_SILENT);
    CHECK_EQ_INT(c.fault_pct, 30);
    CHECK_EQ_INT(parse("fault=status@configure", &c, &e), NT_OK);
    CHECK_EQ_INT(c.fault, VMOD_FAULT_STATUS);
    CHECK_EQ_INT(c.fault_phase, VMOD_PHASE_CONFIGURE);
    CHECK_EQ_INT(parse("fault=unplug@upload:0", &c, &e), NT_OK);
    CHECK_EQ_INT(c.fault_phase, VMOD_PHASE_UPLOAD);
    CHECK_EQ_INT(c.fault_pct, 0);
    CHECK_EQ_INT(parse("fault=silent@erase:100", &c, &e), NT_OK);
    CHECK_EQ_INT(c.fault_phase, VMOD_PHASE_ERASE);
    CHECK_EQ_INT(c.fault_pct, 100);
    CHECK_EQ_INT(parse("fault=unplug@reset", &c, &e), NT_OK);
    CHECK_EQ_INT(c.fault_phase, VMOD_PHASE_RESET);
    CHECK_EQ_INT(parse("fault=corrupt@write:70", &c, &e), NT_OK);
    CHECK_EQ_INT(c.fault, VMOD_FAULT_CORRUPT);
    CHECK_EQ_INT(c.fault_pct, 70);
    CHECK_EQ_INT(parse("fault=corrupt@erase", &c, &e), NT_E_USAGE); /* only the write programs bytes */
    CHECK_EQ_INT(parse("fault=corrupt", &c, &e), NT_E_USAGE);
    CHECK_EQ_INT(parse("nor=/tmp/x.bin,read_cmd_ms=2,read_report_ms=0.5", &c, &e), NT_OK);
    CHECK_EQ_STR(c.nor_path, "/tmp/x.bin");
    CHECK(c.read_cmd_ms == 2.0 && c.read_report_ms == 0.5);
    CHECK_EQ_INT(parse("chip=rt1010", &c, &e), NT_OK);
    CHECK(c.rt1010);
    CHECK_EQ_INT(parse("chip=rt1060", &c, &e), NT_OK);
    CHECK(!c.rt1010);
    CHECK_EQ_INT(parse("chip=rt1170", &c, &e), NT_E_USAGE);
    CHECK_EQ_INT(parse("fault=stale", &c, &e), NT_OK);
    CHECK_EQ_INT(c.fault, VMOD_FAULT_STALE);
    CHECK_EQ_INT(c.fault_phase, VMOD_PHASE_ANY);
    CHECK_EQ_INT(parse("fault=badjump", &c, &e), NT_OK);
    CHECK_EQ_INT(c.fault, VMOD_FAULT_BADJUMP);
    CHECK_EQ_INT(parse("fault=noenum", &c, &e), NT_OK);
    CHECK_EQ_INT(c.fault, VMOD_FAULT_NOENUM);
    CHECK_EQ_INT(parse("fault=none", &c, &e), NT_OK);
    CHECK_EQ_INT(c.fault, VMOD_FAULT_NONE);
}

static void bad(const char *spec, const char *key, const char *detail)
{
    struct vmod_config c;
    struct nt_err e;
    CHECK_EQ_INT(parse(spec, &c, &e), NT_E_USAGE);
    char head[64];
    snprintf(head, sizeof head, "invalid --simulate key '%s': ", key);
    CHECK(strncmp(e.msg, head, strlen(head)) == 0);
    CHECK_CONTAINS(e.msg, detail);
}

static void test_spec_rejections(void)
{
    bad("colour=red", "colour", "valid keys are speed, start, flash");
    bad("speed", "speed", "expected key=value");
    bad("=3", "=3", "expected key=value");
    bad("speed=fast", "speed", "'fast' is not a number from 0 to 100");
    bad("speed=-1", "speed", "'-1' is not a number from 0 to 100");
    bad("speed=1e9", "speed", "'1e9' is not a number from 0 to 100");
    bad("start=usb", "start", "'usb' is not sdp, mboot, app or none");
    bad("flash=8X", "flash", "'8X' is not a size");
    bad("flash=0", "flash", "64K..256M");
    bad("flash=1000", "flash", "in 64K steps");
    bad("flash=512M", "flash", "64K..256M");
    bad("hab=half", "hab", "'half' is not open or closed");
    bad("fault=explode", "fault", "unplug, status, silent");
    bad("fault=unplug", "fault", "these need @PHASE");
    bad("fault=stale@write", "fault", "'stale@write'");
    bad("fault=unplug@flash", "fault", "PHASE upload, configure");
    bad("fault=unplug@write:101", "fault", "PCT 0..100");
    bad("fault=unplug@write:x", "fault", "PCT 0..100");
    bad("fault=unplug@", "fault", "PHASE upload");
    bad("fault=@write", "fault", "KIND[@PHASE[:PCT]]");
    bad("fault=unplu", "fault", "KIND[@PHASE[:PCT]]");
    bad("fault=none@write", "fault", "'none@write'");
    bad("dump=", "dump", "is not a file name");
    bad("stats=", "stats", "is not a file name");
    bad("enum_delay=soon", "enum_delay", "seconds >= 0");
    bad("arrive=-2", "arrive", "or never");
    bad("modules=0", "modules", "1..8");
    bad("modules=9", "modules", "1..8");
    bad("rom_padding=maybe", "rom_padding", "'maybe' is not yes or no");
    bad("wrap=1", "wrap", "'1' is not yes or no");
    bad("max_packet=2000", "max_packet", "1..1012");
    bad("version=M1", "version", "32-bit number");
    bad("jump_error=0x100000000", "jump_error", "32-bit number");
    bad("sector_ms=-5", "sector_ms", "milliseconds >= 0");
    bad("block_ms=x", "block_ms", "milliseconds");
    bad("page_ms=", "page_ms", "milliseconds");
    bad("speed=0,start=sdp,bogus=1", "bogus", "unknown key");
}

/* A value too long for the message is cut short there, and the message
 * says so with "..." at its end. */
static void test_long_value_cut_short(void)
{
    char spec[400];
    struct vmod_config c;
    struct nt_err e;
    int n = snprintf(spec, sizeof spec, "app_marker=");
    memset(spec + n, 'x', 300);
    spec[n + 300] = '\0';
    CHECK_EQ_INT(parse(spec, &c, &e), NT_E_USAGE);
    CHECK_CONTAINS(e.msg, "invalid --simulate key 'app_marker': 'xxxxxxxx");
    size_t len = strlen(e.msg);
    CHECK(len > 3 && strcmp(e.msg + len - 3, "...") == 0);
}

/* Several modules: a fault aimed at one, arrivals per module, a file per module. */
static void test_spec_per_module(void)
{
    struct vmod_config c;
    struct nt_err e;
    CHECK_EQ_INT(parse("modules=4,fault=unplug@write:30@sim-2", &c, &e), NT_OK);
    CHECK_EQ_INT(c.fault, VMOD_FAULT_UNPLUG);
    CHECK_EQ_INT(c.fault_phase, VMOD_PHASE_WRITE);
    CHECK_EQ_INT(c.fault_pct, 30);
    CHECK_EQ_INT(c.fault_module, 2);
    CHECK_EQ_INT(parse("modules=2,fault=stale@sim-1", &c, &e), NT_OK);
    CHECK_EQ_INT(c.fault, VMOD_FAULT_STALE);
    CHECK_EQ_INT(c.fault_module, 1);
    CHECK_EQ_INT(parse("fault=stale", &c, &e), NT_OK);
    CHECK_EQ_INT(c.fault_module, 0);
    CHECK_EQ_INT(parse("modules=4,arrive=sim-2:3/sim-4:6.5", &c, &e), NT_OK);
    CHECK(!c.module_arrive_set[0]);
    CHECK(c.module_arrive_set[1]);
    CHECK(c.module_arrive_s[1] == 3.0);
    CHECK(!c.module_arrive_set[2]);
    CHECK(c.module_arrive_s[3] == 6.5);
    CHECK_EQ_INT(c.start, VMOD_START_SDP); /* the others are there at once */
    CHECK_EQ_INT(parse("modules=2,dump=nor-%d.bin,stats=st-%d.json", &c, &e), NT_OK);
    CHECK_EQ_STR(c.dump_path, "nor-%d.bin");
    bad("modules=2,fault=unplug@write@sim-9", "fault", "@sim-N with N 1..8");
    bad("modules=2,fault=unplug@write@sim-0", "fault", "@sim-N with N 1..8");
    bad("modules=2,fault=unplug@sim-2", "fault", "these need @PHASE");
    bad("arrive=sim-2:3", "arrive", "sim-2 is not one of the 1 module(s)");
    bad("modules=3,arrive=sim-2", "arrive", "is not sim-N:SECONDS");
    bad("modules=3,arrive=sim-2:1/sim-2:4", "arrive", "names a module twice");
    bad("modules=3,arrive=sim-2:1/", "arrive", "is not sim-N:SECONDS");
    bad("dump=nor-%s.bin", "dump", "may hold one %d");
    bad("stats=%d-%d", "stats", "may hold one %d");
}

static void test_spec_contradictions_rejected(void)
{
    struct vmod_config c;
    struct nt_err e;
    /* One value per key, one fault per run (README, "The virtual module"): no silent "last wins". */
    bad("speed=0,speed=2", "speed", "given twice");
    bad("fault=unplug@write,fault=status@erase", "fault", "given twice");
    bad("arrive=5", "arrive", "it is for start=none");
    CHECK_EQ_INT(parse("arrive=5,start=none", &c, &e), NT_OK);
    CHECK_EQ_INT(parse("speed=0,", &c, &e), NT_E_USAGE);
    CHECK_CONTAINS(e.msg, "an empty item");
    CHECK_EQ_INT(parse("speed=0,,start=sdp", &c, &e), NT_E_USAGE);
    CHECK_CONTAINS(e.msg, "an empty item");
    /* A rejected spec names only the first bad key. */
    CHECK_EQ_INT(parse("start=x,flash=y", &c, &e), NT_E_USAGE);
    CHECK_CONTAINS(e.msg, "'start'");
}

int main(void)
{
    RUN(test_defaults);
    RUN(test_empty_spec);
    RUN(test_spec_keys);
    RUN(test_spec_faults);
    RUN(test_spec_rejections);
    RUN(test_spec_contradictions_rejected);
    RUN(test_spec_per_module);
    RUN(test_long_value_cut_short);
    return check_finish();
}
