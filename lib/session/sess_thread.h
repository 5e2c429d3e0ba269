/* The session on its own thread: sess_run (or a stand-in with the same
 * signature) runs beside the front end, which owns the main thread, the
 * terminal and the keys. Each event the session emits is copied, with the
 * device, error and text it points to, into a queue the front end drains
 * when it likes; nothing the session owns is shared except the package,
 * which lives until the caller frees the result after the join. */
#ifndef NT_SESS_THREAD_H
#define NT_SESS_THREAD_H

#include <stdbool.h>

#include "session.h"

struct sess_thread;

/* The job runner: sess_run on the real program, a scripted one in tests. */
typedef nt_status (*sess_run_fn)(const struct sess_config *cfg, struct sess_result *res, struct nt_err *err);

/* Start run(cfg) (NULL: sess_run) on a new thread. cfg is copied; the
 * events go to the queue, and also, when tee is given, to tee(tee_user),
 * called on the session's thread as each event happens (a log file).
 * cfg->sink is not used; cfg->user still reaches cfg->confirm_reboot. The
 * thread blocks SIGINT and SIGTERM so that they reach the front end's
 * thread, whose waits they interrupt. */
nt_status sess_thread_start(const struct sess_config *cfg, sess_run_fn run, sess_sink_fn tee, void *tee_user,
                            struct sess_thread **out, struct nt_err *err);

/* The next event, waiting up to timeout_ms (0: only look). True with *ev a
 * copy whose pointers stay valid until the next call or the join; false
 * when none came in time or the session has ended and all were taken. */
bool sess_thread_next(struct sess_thread *t, int timeout_ms, struct sess_event *ev);

/* The session has returned and every event was taken. */
bool sess_thread_ended(struct sess_thread *t);

/* Seconds since the thread started (the session's clock, give or take the
 * thread's start-up), for showing time that moves between events. */
double sess_thread_elapsed(const struct sess_thread *t);

/* Wait for the session to return, take its status, result and error (res
 * and err may be NULL), drop any events left and free everything. Every
 * path that started a thread must join it. */
nt_status sess_thread_join(struct sess_thread *t, struct sess_result *res, struct nt_err *err);

#endif
