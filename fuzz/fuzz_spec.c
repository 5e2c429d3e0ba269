/* Fuzz target: the --simulate SPEC parser on any text. */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "vmod.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct vmod_config vc;
    struct nt_err err;
    char *spec = malloc(size + 1);

    if (!spec)
        return 0;
    memcpy(spec, data, size);
    spec[size] = '\0';
    vmod_config_defaults(&vc);
    vmod_parse_spec(spec, &vc, &err);
    free(spec);
    return 0;
}
