/* Downloading a firmware package over http or https (--url) with libcurl,
 * straight into memory: the package layer opens it with pkg_open_memory, so a
 * download can never leave a temporary file behind, whatever way it ends. */
#ifndef NT_FETCH_H
#define NT_FETCH_H

#include <stddef.h>
#include <stdint.h>

#include "nt_err.h"
#include "progress.h"
#include "stop.h"

#define FETCH_MAX_BYTES_DEFAULT (64L * 1024 * 1024)
#define FETCH_CONNECT_TIMEOUT_S_DEFAULT 20L
/* Abort when fewer than LIMIT bytes/s arrive for TIME seconds: a stalled
 * server ends the run with a message instead of hanging it. */
#define FETCH_LOW_SPEED_LIMIT_BPS_DEFAULT 1024L
#define FETCH_LOW_SPEED_TIME_S_DEFAULT 30L
#define FETCH_MAX_REDIRECTS_DEFAULT 5

struct fetch_opts {
    const char *cafile; /* --cacert: extra CAs, trusted on top of the system store */
    long max_bytes;     /* size cap, checked on Content-Length and while receiving */
    long connect_timeout_s;
    long low_speed_limit_bps;
    long low_speed_time_s;
    int max_redirects;
    const struct nt_stop *stop; /* requested: abandon the transfer (NT_E_INTERRUPTED) */
    /* Test-only: the file that stands for the system CA store (NULL = libcurl's
     * built-in bundle). Lets tests prove --cacert adds to the store. */
    const char *system_cafile;
};

/* The defaults above; cafile, stop and system_cafile NULL. */
void fetch_opts_init(struct fetch_opts *o);

/* Test-only overrides from the environment, for main to apply after
 * fetch_opts_init: NT_FLASH_MAX_BYTES, NT_FLASH_CONNECT_TIMEOUT,
 * NT_FLASH_LOW_SPEED_LIMIT, NT_FLASH_LOW_SPEED_TIME (positive integers).
 * NT_E_USAGE naming the variable when a value is not one. */
nt_status fetch_opts_from_env(struct fetch_opts *o, struct nt_err *err);

/* Download url into a malloc'd buffer (*data, *len; free() it). http and
 * https only: any other scheme is NT_E_USAGE, since it can only come from the
 * command line (a redirect to one is NT_E_DOWNLOAD). Redirects are followed
 * up to o->max_redirects; certificates are always verified.
 *
 * progress (may be NULL) gets (received, total) as bytes arrive, total being
 * the Content-Length or 0 when the server sends none, and one last call
 * (len, len) once the body is complete, so a front end shows 0% until the end
 * of a length-less download and then 100% (an empty body ends with (0, 0)).
 *
 * name_out (may be NULL) receives the file name for display and the version
 * fallback: Content-Disposition's filename if the server sends one, else the
 * percent-decoded last path segment of the final URL after redirects.
 *
 * Failures: NT_E_DOWNLOAD with one line naming the URL and the cause,
 * NT_E_USAGE for a bad URL or an unreadable --cacert file, NT_E_INTERRUPTED
 * when *o->stop became non-zero, NT_E_NOMEM. Nothing is returned on failure. */
nt_status fetch_url(const char *url, const struct fetch_opts *o, nt_progress_fn progress, void *user,
                    uint8_t **data, size_t *len, char *name_out, size_t name_cap, struct nt_err *err);

/* fetch_url without progress or a name, for a web page: final (final_cap
 * bytes) receives the URL the page came from after redirects, which is what
 * its relative links are relative to. */
nt_status fetch_page(const char *url, const struct fetch_opts *o, uint8_t **data, size_t *len, char *final,
                     size_t final_cap, struct nt_err *err);

#endif
