/* The program's one owner of signal handlers (signals.c). */
#ifndef NT_SIGNALS_H
#define NT_SIGNALS_H

#include "stop.h"

/* Install the handlers: SIGINT and SIGTERM request a stop at the next safe
 * point; SIGHUP and SIGPIPE are ignored. Returns the stop every layer polls. */
struct nt_stop *signals_install(void);

#endif
