/* Fuzz target: the command-line parser. The input is split at NUL bytes
 * into arguments after "nt_flash". */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "fuzz.h"

#define FUZZ_ARGS_MAX 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *buf = malloc(size + 1);
    char *argv[FUZZ_ARGS_MAX + 2];
    int argc = 0;
    struct cli_opts o;
    struct nt_err err;

    if (!buf)
        return 0;
    memcpy(buf, data, size);
    buf[size] = '\0';
    argv[argc++] = (char *)"nt_flash";
    for (size_t i = 0; i <= size && argc <= FUZZ_ARGS_MAX;) {
        argv[argc++] = buf + i;
        i += strlen(buf + i) + 1;
    }
    argv[argc] = NULL;
    cli_parse(argc, argv, &o, &err);
    free(buf);
    return 0;
}
