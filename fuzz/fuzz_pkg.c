/* Fuzz target: the package reader on raw bytes (a ZIP in memory, as a
 * download would give it): libzip's view of the archive, entry names, the
 * manifest's JSON and both IVT checks. */
#include "fuzz.h"
#include "pkg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct pkg *p = NULL;
    struct nt_err err;

    if (pkg_open_memory(data, size, "fuzz_1.2.3.zip", &p, &err) == NT_OK)
        pkg_free(p);
    return 0;
}
