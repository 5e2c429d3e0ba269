/* Fuzz target: the maker's release page, which comes from a server we do
 * not control, through the HTML reader (libxml2 plus our row and cell
 * rules), then the look-ups the command line makes on the result. */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "releases.h"

#define FUZZ_BASE_URL "https://example.invalid/firmware/updates.html"
#define FUZZ_NEAREST_BYTES 128

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct rel_list list;
    struct nt_err err;
    char nearest[FUZZ_NEAREST_BYTES];

    memset(&list, 0, sizeof list);
    if (rel_parse((const char *)data, size, FUZZ_BASE_URL, &list, &err) == NT_OK) {
        for (size_t i = 0; i < list.n; i++) {
            /* Every release found has a link and can be found by its version. */
            if (!list.r[i].url)
                abort();
            if (rel_find(&list, list.r[i].version) == NULL)
                abort();
        }
        rel_nearest(&list, "1.19.0", nearest, sizeof nearest);
    }
    rel_list_free(&list);
    return 0;
}
