/* A stop request: the one flag through which a user's "stop" (a signal, a
 * key in the full-screen view) reaches every layer that polls for it (the
 * session at its safe points, a download, a sleep). Set from signal
 * handlers and other threads, so it is a lock-free C11 atomic. */
#ifndef NT_STOP_H
#define NT_STOP_H

#include <stdatomic.h>
#include <stdbool.h>

struct nt_stop {
    atomic_int requested; /* non-zero once a stop was asked for */
    atomic_int signal;    /* the signal that asked, 0 for any other source */
};

static inline void nt_stop_request(struct nt_stop *s, int sig)
{
    if (sig)
        atomic_store(&s->signal, sig);
    atomic_store(&s->requested, 1);
}

/* False for a NULL stop, so callers may pass none. */
static inline bool nt_stop_requested(const struct nt_stop *s)
{
    return s && atomic_load(&((struct nt_stop *)s)->requested) != 0;
}

static inline int nt_stop_signal(const struct nt_stop *s)
{
    return s ? atomic_load(&((struct nt_stop *)s)->signal) : 0;
}

#endif
