/* Exit codes from neutral statuses. The core says what happened (a bad
 * package, no device, a timeout, a stop request...); whether that is a
 * package error or a flash error depends on whether a module was already
 * touched, which only the app weighs. */
#include "exit_code.h"

#include <stddef.h>

int exit_code_for(nt_status st, const struct sess_result *res)
{
    if (st == NT_OK)
        return EXIT_OK;
    /* Once a module was talked to, any failure may have changed it: the
     * caller must treat it as a flash error, whatever the cause. */
    if (res && res->module_touched)
        return EXIT_FLASH;
    /* Whatever stopped a download (the server, the network, a stop request,
     * memory), the download failed; only a usage error (a version the
     * release page does not list) stays one. */
    if (res && res->phase == SESS_PH_DOWNLOAD && st != NT_E_USAGE)
        return EXIT_DOWNLOAD;
    switch (st) {
    case NT_E_USAGE:
    case NT_E_AMBIGUOUS: return EXIT_USAGE;
    case NT_E_PACKAGE: return EXIT_PACKAGE;
    case NT_E_DOWNLOAD: return EXIT_DOWNLOAD;
    case NT_E_NODEVICE: return EXIT_NODEVICE;
    case NT_E_INTERRUPTED:
        /* Stopped before any module was touched or anything downloaded: no
         * module was found. */
        return EXIT_NODEVICE;
    default: return EXIT_FLASH;
    }
}
