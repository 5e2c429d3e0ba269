/* Several modules at once (--all) and a production loop (--loop): one
 * session thread per module, each on its own port (multi.c). */
#ifndef NT_MULTI_H
#define NT_MULTI_H

#include "cli.h"
#include "session.h"

struct multi_config {
    const struct cli_opts *opts;
    /* What every module's session shares: the package or URL, the download
     * hook, the host timeout scale and the stop request. Its port, bus,
     * sink and trace are set per module. */
    const struct sess_config *sess;
    struct tp_bus *bus;             /* NULL when it could not be opened, */
    const struct nt_err *bus_error; /* and then why */
};

/* Validate the package once, then flash the modules as --all and --loop
 * say, printing the per-module lines and RESULT lines on stdout. Returns
 * the exit code: 0 when every module succeeded, else the highest among the
 * failures (exit_code.c). */
int multi_run(const struct multi_config *mc);

#endif
