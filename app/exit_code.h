/* The exit codes of the README's "Exit codes" (exit_code.c). */
#ifndef NT_EXIT_CODE_H
#define NT_EXIT_CODE_H

#include "nt_err.h"
#include "session.h"

enum {
    EXIT_OK = 0,
    EXIT_USAGE = 1,
    EXIT_PACKAGE = 2,
    EXIT_DOWNLOAD = 3,
    EXIT_NODEVICE = 4,
    EXIT_FLASH = 5
};

/* The one place where a run's status becomes an exit code: from what
 * happened, whether a module had already been touched, and (for a stop
 * request) the phase it came in. res may be NULL for failures before any
 * session ran. */
int exit_code_for(nt_status st, const struct sess_result *res);

#endif
