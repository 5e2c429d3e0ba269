/* Error values with messages: the one way failures travel up the layers. */
#include "nt_err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

nt_status nt_err_set(struct nt_err *err, nt_status st, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        err->status = st;
        err->device_status = 0;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
    }
    return st;
}

nt_status nt_err_prefix(struct nt_err *err, const char *fmt, ...)
{
    char head[NT_ERR_MSG_MAX];
    char old[NT_ERR_MSG_MAX];
    va_list ap;

    if (!err)
        return NT_E_INTERNAL;
    va_start(ap, fmt);
    vsnprintf(head, sizeof head, fmt, ap);
    va_end(ap);
    memcpy(old, err->msg, sizeof old);
    /* Truncation is acceptable here: the head is what matters most. */
    {
        size_t n = strlen(head);
        if (n > sizeof err->msg - 3)
            n = sizeof err->msg - 3;
        memcpy(err->msg, head, n);
        memcpy(err->msg + n, ": ", 2);
        n += 2;
        size_t rest = strlen(old);
        if (rest > sizeof err->msg - 1 - n)
            rest = sizeof err->msg - 1 - n;
        memcpy(err->msg + n, old, rest);
        err->msg[n + rest] = '\0';
    }
    return err->status;
}

void nt_err_clear(struct nt_err *err)
{
    if (err) {
        err->status = NT_OK;
        err->device_status = 0;
        err->msg[0] = '\0';
    }
}

const char *nt_status_name(nt_status st)
{
    switch (st) {
    case NT_OK: return "ok";
    case NT_E_USAGE: return "usage";
    case NT_E_AMBIGUOUS: return "ambiguous";
    case NT_E_PACKAGE: return "package";
    case NT_E_DOWNLOAD: return "download";
    case NT_E_NODEVICE: return "no-device";
    case NT_E_TIMEOUT: return "timeout";
    case NT_E_DISCONNECT: return "disconnect";
    case NT_E_PROTOCOL: return "protocol";
    case NT_E_STATUS: return "status";
    case NT_E_IO: return "io";
    case NT_E_ACCESS: return "access";
    case NT_E_INTERRUPTED: return "interrupted";
    case NT_E_NOMEM: return "nomem";
    case NT_E_UNSUPPORTED: return "unsupported";
    case NT_E_INTERNAL: return "internal";
    }
    return "unknown";
}
