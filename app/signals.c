/* Signals, owned here and nowhere else (htop's rule): the handlers only
 * record a stop request in the shared nt_stop; the session, the download
 * and the front ends poll it and act at their next safe point. */
#include "signals.h"

#include <signal.h>
#include <string.h>

static struct nt_stop app_stop;

static void on_stop_signal(int sig)
{
    nt_stop_request(&app_stop, sig);
}

/* No SA_RESTART, so blocking waits wake up and see the request. SIGHUP and
 * SIGPIPE never kill a flash in progress: an SSH session that drops must
 * not leave half-written flash behind. */
struct nt_stop *signals_install(void)
{
    struct sigaction sa;

    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGHUP, SIG_IGN);
    signal(SIGPIPE, SIG_IGN);
    return &app_stop;
}
