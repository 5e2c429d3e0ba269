/* The report a failed run leaves (lib/session/sess_report.c): advice per
 * cause, never "run nt_flash again" where that fails the same way, never
 * "the flashloader keeps running" once the module has left the bus, and
 * the same lines whatever the front end. */
#include <string.h>

#include "sdp.h"
#include "sess_report.h"
#include "tap.h"
#include "ui_testdev.h"

static void advice(enum sess_phase ph, nt_status st, uint32_t device_status, char *out, size_t cap)
{
    struct nt_err e;

    nt_err_set(&e, st, "x");
    e.device_status = device_status;
    sess_recovery_advice(ph, &e, out, cap);
}

static void test_hab_closed_needs_a_signed_package(void)
{
    char a[SESS_REPORT_MAX];

    advice(SESS_PH_UPLOAD, NT_E_STATUS, SDP_HAB_CLOSED, a, sizeof a);
    CHECK_CONTAINS(a, "Nothing was changed");
    CHECK_CONTAINS(a, "signed flashloader is needed");
    CHECK_CONTAINS(a, "fails the same way");
    CHECK(!strstr(a, "flashloader keeps running"));
}

static void test_refused_jump(void)
{
    char a[SESS_REPORT_MAX];

    advice(SESS_PH_UPLOAD, NT_E_STATUS, 0x000A0533u, a, sizeof a);
    CHECK_CONTAINS(a, "refused the flashloader (status 0x000a0533)");
    CHECK_CONTAINS(a, "flash was not changed");
    CHECK_CONTAINS(a, "fails the same way");
}

static void test_unplugged(void)
{
    char a[SESS_REPORT_MAX];

    advice(SESS_PH_WRITE, NT_E_DISCONNECT, 0, a, sizeof a);
    CHECK_CONTAINS(a, "left the USB bus with its firmware half written");
    CHECK_CONTAINS(a, "comes up in bootloader mode by itself");
    CHECK(!strstr(a, "keeps running"));
    advice(SESS_PH_CONFIGURE, NT_E_DISCONNECT, 0, a, sizeof a);
    CHECK_CONTAINS(a, "before its flash was changed");
    CHECK(!strstr(a, "keeps running"));
}

static void test_silent_device(void)
{
    char a[SESS_REPORT_MAX];

    advice(SESS_PH_ERASE, NT_E_TIMEOUT, 0, a, sizeof a);
    CHECK_CONTAINS(a, "stopped answering with the firmware half written");
    CHECK_CONTAINS(a, "Unplug the module and plug it in again");
    advice(SESS_PH_ENUM, NT_E_TIMEOUT, 0, a, sizeof a);
    CHECK_CONTAINS(a, "stopped answering before its flash was changed");
}

static void test_flash_status_errors(void)
{
    char a[SESS_REPORT_MAX];

    advice(SESS_PH_WRITE, NT_E_STATUS, 10200, a, sizeof a);
    CHECK_CONTAINS(a, "the flashloader is still running: run nt_flash again now");
    advice(SESS_PH_CONFIGURE, NT_E_STATUS, 10200, a, sizeof a);
    CHECK_CONTAINS(a, "The flash was not changed");
}

/* A stop by request leaves the flashloader running: run again now is right. */
static void test_stop_by_request_keeps_the_phase_advice(void)
{
    char a[SESS_REPORT_MAX];

    advice(SESS_PH_WRITE, NT_E_INTERRUPTED, 0, a, sizeof a);
    CHECK_EQ_STR(a, sess_recovery_hint(SESS_PH_WRITE));
    CHECK_CONTAINS(a, "run nt_flash again now");
}

static void test_report_lines(void)
{
    struct tp_devinfo d = ui_test_dev(TP_KIND_MBOOT, "sim-1");
    struct nt_err e;
    char r[SESS_REPORT_MAX];

    nt_err_set(&e, NT_E_INTERRUPTED, "stopped by request during the erase at 0x60010000");
    sess_failure_report("nt_flash: ", &e, SESS_PH_ERASE, &d, r, sizeof r);
    CHECK(strncmp(
              r,
              "nt_flash: stopped by request during the erase at 0x60010000\n"
              "nt_flash: the module at sim-1 stopped in the erase phase. The firmware in flash is incomplete",
              strlen("nt_flash: stopped by request during the erase at 0x60010000\n"
                     "nt_flash: the module at sim-1 stopped in the erase phase. The firmware in flash is "
                     "incomplete")) == 0);
    CHECK_EQ_INT(r[strlen(r) - 1], '\n');
    /* No module touched: the error alone. */
    nt_err_set(&e, NT_E_PACKAGE, "cannot open 'x.zip': No such file or directory");
    sess_failure_report("nt_flash: ", &e, SESS_PH_EXTRACT, NULL, r, sizeof r);
    CHECK_EQ_STR(r, "nt_flash: cannot open 'x.zip': No such file or directory\n");
}

int main(void)
{
    RUN(test_hab_closed_needs_a_signed_package);
    RUN(test_refused_jump);
    RUN(test_unplugged);
    RUN(test_silent_device);
    RUN(test_flash_status_errors);
    RUN(test_stop_by_request_keeps_the_phase_advice);
    RUN(test_report_lines);
    return check_finish();
}
