/* The sector plan of "only what changed" (lib/session/sectors.c): which
 * sectors are erased and written for each mix of what the flash holds, with
 * the fail-safe order's rules (IVT sector, sector 0) and truthful totals. */
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "pkg.h"
#include "sectors.h"
#include "session.h"

#define FW_BYTES (5u * 4096 + 100) /* 6 firmware sectors, the last partial */
#define SECTORS 7u                 /* sector 0 (FCB) + 6 */

static struct pkg pkg;
static uint8_t fw[FW_BYTES];

static void setup(void)
{
    memset(&pkg, 0, sizeof pkg);
    for (size_t i = 0; i < FW_BYTES; i++)
        fw[i] = (uint8_t)(i * 13 + 1);
    pkg.firmware.data = fw;
    pkg.firmware.size = FW_BYTES;
}

static void plan_of(struct sect_plan *p, const enum sect_content *c, bool fcb_ok)
{
    memset(p, 0, sizeof *p);
    CHECK_EQ_INT(sect_plan_init(p, &pkg, NULL), NT_OK);
    sect_plan_decide(p, &pkg, c, fcb_ok);
}

static void test_full_plan(void)
{
    struct sect_plan p = { 0 };
    setup();
    CHECK_EQ_INT(sect_plan_init(&p, &pkg, NULL), NT_OK);
    CHECK_EQ_INT(p.count, SECTORS);
    CHECK_EQ_INT(p.skipped, 0);
    CHECK_EQ_INT(p.erase_bytes, SECTORS * 4096);
    CHECK_EQ_INT(p.write_bytes, FW_BYTES);
    CHECK_EQ_INT(sect_fw_bytes(&pkg, SECTORS - 1), 100);
    sect_plan_free(&p);
}

static void test_nothing_changed(void)
{
    enum sect_content c[SECTORS] = { SECT_SAME, SECT_SAME, SECT_SAME, SECT_SAME,
                                     SECT_SAME, SECT_SAME, SECT_SAME };
    struct sect_plan p;
    setup();
    plan_of(&p, c, true);
    CHECK_EQ_INT(p.skipped, SECTORS);
    CHECK_EQ_INT(p.erase_bytes, 0);
    CHECK_EQ_INT(p.write_bytes, 0);
    sect_plan_free(&p);
    /* Without its FCB, sector 0 is erased and the FCB programmed, nothing else. */
    plan_of(&p, c, false);
    CHECK_EQ_INT(p.erase[SECT_FCB], 1);
    CHECK_EQ_INT(p.write[SECT_FCB], 1);
    CHECK_EQ_INT(p.skipped, SECTORS - 1);
    CHECK_EQ_INT(p.write_bytes, 0);
    sect_plan_free(&p);
}

static void test_code_changed_keeps_the_ivt_rule(void)
{
    enum sect_content c[SECTORS] = { SECT_SAME,   SECT_SAME, SECT_SAME, SECT_DIFFERENT,
                                     SECT_ERASED, SECT_SAME, SECT_SAME };
    struct sect_plan p;
    setup();
    plan_of(&p, c, true);
    CHECK_EQ_INT(p.erase[SECT_FCB], 1);
    CHECK_EQ_INT(p.erase[SECT_IVT], 1); /* unchanged, yet erased first... */
    CHECK_EQ_INT(p.write[SECT_IVT], 1); /* ...and written last */
    CHECK_EQ_INT(p.erase[2], 0);
    CHECK_EQ_INT(p.write[2], 0);
    CHECK_EQ_INT(p.erase[3], 1);
    CHECK_EQ_INT(p.write[3], 1);
    CHECK_EQ_INT(p.erase[4], 0); /* erased already: written only */
    CHECK_EQ_INT(p.write[4], 1);
    CHECK_EQ_INT(p.skipped, 3);
    CHECK_EQ_INT(p.erase_bytes, 3 * 4096);
    CHECK_EQ_INT(p.write_bytes, 3 * 4096);
    sect_plan_free(&p);
}

static void test_match_and_diff(void)
{
    uint8_t buf[4096];
    bool same, erased;
    uint32_t first = 0;
    uint8_t got = 0, want = 0;
    setup();
    /* The last sector: 100 firmware bytes, then 0xFF. */
    memcpy(buf, fw + 5 * 4096, 100);
    memset(buf + 100, 0xFF, sizeof buf - 100);
    sect_match(&pkg, 6 * 4096, buf, sizeof buf, &same, &erased);
    CHECK(same);
    CHECK(!erased);
    buf[200] = 0x00;
    buf[300] = 0x00;
    CHECK_EQ_INT(sect_count_diff(&pkg, 6 * 4096, buf, sizeof buf, &first, &got, &want), 2);
    CHECK_EQ_INT(first, 6 * 4096 + 200);
    CHECK_EQ_INT(got, 0x00);
    CHECK_EQ_INT(want, 0xFF);
    memset(buf, 0xFF, sizeof buf);
    sect_match(&pkg, 4096, buf, sizeof buf, &same, &erased);
    CHECK(!same);
    CHECK(erased);
}

/* Every phase has a name and a recovery hint (the failure lines print both). */
static void test_every_phase_named(void)
{
    for (int ph = 0; ph < SESS_PH_COUNT; ph++) {
        CHECK(sess_phase_name((enum sess_phase)ph) != NULL);
        CHECK(strcmp(sess_phase_name((enum sess_phase)ph), "?") != 0);
        CHECK(sess_recovery_hint((enum sess_phase)ph)[0] != '\0');
    }
    CHECK_EQ_STR(sess_phase_name(SESS_PH_RESET), "reset");
    CHECK_EQ_STR(sess_phase_name(SESS_PH_BACKUP), "backup");
}

int main(void)
{
    RUN(test_every_phase_named);
    RUN(test_full_plan);
    RUN(test_nothing_changed);
    RUN(test_code_changed_keeps_the_ivt_rule);
    RUN(test_match_and_diff);
    return check_finish();
}
