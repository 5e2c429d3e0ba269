/* Unit tests for exit_code_for: the README's exit codes from a status, the
 * phase a run ended in and whether a module was touched. */
#include "exit_code.h"
#include "tap.h"

static int code(nt_status st, enum sess_phase ph, bool touched)
{
    struct sess_result r = { .pkg = NULL, .module_touched = touched, .phase = ph };
    return exit_code_for(st, &r);
}

/* Whatever stopped a download, the download failed: libcurl's "out of
 * memory" for an oversized header, a stop request, an internal error. */
static void test_any_download_failure_is_3(void)
{
    CHECK_EQ_INT(code(NT_E_DOWNLOAD, SESS_PH_DOWNLOAD, false), EXIT_DOWNLOAD);
    CHECK_EQ_INT(code(NT_E_NOMEM, SESS_PH_DOWNLOAD, false), EXIT_DOWNLOAD);
    CHECK_EQ_INT(code(NT_E_INTERRUPTED, SESS_PH_DOWNLOAD, false), EXIT_DOWNLOAD);
    CHECK_EQ_INT(code(NT_E_INTERNAL, SESS_PH_DOWNLOAD, false), EXIT_DOWNLOAD);
    CHECK_EQ_INT(code(NT_E_TIMEOUT, SESS_PH_DOWNLOAD, false), EXIT_DOWNLOAD);
    /* A version the release page does not list is the user's mistake. */
    CHECK_EQ_INT(code(NT_E_USAGE, SESS_PH_DOWNLOAD, false), EXIT_USAGE);
}

static void test_other_phases(void)
{
    CHECK_EQ_INT(code(NT_OK, SESS_PH_RESET, true), EXIT_OK);
    CHECK_EQ_INT(code(NT_E_PACKAGE, SESS_PH_EXTRACT, false), EXIT_PACKAGE);
    CHECK_EQ_INT(code(NT_E_INTERRUPTED, SESS_PH_WAIT, false), EXIT_NODEVICE);
    CHECK_EQ_INT(code(NT_E_NODEVICE, SESS_PH_WAIT, false), EXIT_NODEVICE);
    CHECK_EQ_INT(code(NT_E_USAGE, SESS_PH_EXTRACT, false), EXIT_USAGE);
    /* Once a module was touched, any failure is a flash error. */
    CHECK_EQ_INT(code(NT_E_INTERRUPTED, SESS_PH_RESET, true), EXIT_FLASH);
    CHECK_EQ_INT(code(NT_E_PACKAGE, SESS_PH_CONFIGURE, true), EXIT_FLASH);
    CHECK_EQ_INT(exit_code_for(NT_E_USAGE, NULL), EXIT_USAGE);
}

int main(void)
{
    RUN(test_any_download_failure_is_3);
    RUN(test_other_phases);
    return check_finish();
}
