/* The project-wide error model: every layer returns an nt_status and fills an
 * nt_err with one human sentence; only main.c turns a status into an exit code. */
#ifndef NT_ERR_H
#define NT_ERR_H

#include <stdint.h>

typedef enum nt_status {
    NT_OK = 0,
    NT_E_USAGE,       /* bad or missing arguments (exit 1) */
    NT_E_AMBIGUOUS,   /* several modules and no --port (exit 1) */
    NT_E_PACKAGE,     /* package missing, unreadable or invalid (exit 2) */
    NT_E_DOWNLOAD,    /* download failed (exit 3) */
    NT_E_NODEVICE,    /* no module in bootloader mode before the deadline (exit 4) */
    NT_E_TIMEOUT,     /* a transfer or an answer did not come in time */
    NT_E_DISCONNECT,  /* the device left the bus */
    NT_E_PROTOCOL,    /* an answer that breaks the protocol */
    NT_E_STATUS,      /* the device answered with an error status */
    NT_E_IO,          /* any other transport failure */
    NT_E_ACCESS,      /* no permission to open the device */
    NT_E_INTERRUPTED, /* stopped by the user (signal, 'q') */
    NT_E_NOMEM,       /* out of memory */
    NT_E_UNSUPPORTED, /* a facility this machine or device lacks */
    NT_E_INTERNAL     /* a bug: an impossible state */
} nt_status;

#define NT_ERR_MSG_MAX 512

struct nt_err {
    nt_status status;
    uint32_t device_status; /* MCUboot/SDP status word when status == NT_E_STATUS */
    char msg[NT_ERR_MSG_MAX];
};

#if defined(__GNUC__)
#define NT_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define NT_PRINTF(a, b)
#endif

/* Record an error (err may be NULL) and return st, so callers can write
 * `return nt_err_set(err, NT_E_IO, "...", ...);`. */
nt_status nt_err_set(struct nt_err *err, nt_status st, const char *fmt, ...) NT_PRINTF(3, 4);

/* Put context in front of an existing message: "writing firmware: <old>".
 * Returns err->status. */
nt_status nt_err_prefix(struct nt_err *err, const char *fmt, ...) NT_PRINTF(2, 3);

void nt_err_clear(struct nt_err *err);

/* Stable lower-case name of a status, for -v output and tests. */
const char *nt_status_name(nt_status st);

#endif
