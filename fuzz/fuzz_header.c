/* Fuzz target: a server's response headers as libcurl hands them to the
 * download backend, one line per call: status lines (code and reason
 * phrase, kept for messages) and Content-Disposition (the file name that
 * names the package). The backend's header code is static, so this target
 * includes fetch.c itself rather than widening its interface for a test;
 * the input is split into header lines at each newline. */
#include "fetch.c"

#include "fuzz.h"

#define FUZZ_NAME_BYTES 256

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fetch_opts o;
    struct fetch_xfer x;
    char cause[NT_ERR_MSG_MAX], name[FUZZ_NAME_BYTES];
    size_t off = 0;

    fetch_opts_init(&o);
    memset(&x, 0, sizeof x);
    x.o = &o;
    while (off < size) {
        const uint8_t *nl = memchr(data + off, '\n', size - off);
        size_t n = nl ? (size_t)(nl - (data + off)) + 1 : size - off;
        char *line = malloc(n ? n : 1);

        if (!line)
            return 0;
        /* libcurl's header lines are not NUL-terminated: an exact copy. */
        memcpy(line, data + off, n);
        on_header(line, 1, n, &x);
        free(line);
        off += n;
    }
    describe_http(&x, cause, sizeof cause);
    /* With no curl handle the name comes from Content-Disposition only. */
    final_name(&x, name, sizeof name);
    return 0;
}
