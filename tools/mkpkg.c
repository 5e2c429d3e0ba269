/* mkpkg: write a synthetic Disting NT firmware package (good or deliberately
 * malformed) for tests and the demo; see synthpkg.h and doc/package.md §4.4. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "synthpkg.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: mkpkg [--kind KIND] [--fw-size BYTES] [--version V] OUT.zip\n"
            "       mkpkg --manifest JSON OUT.zip   (a plain package with this MANIFEST.json)\n"
            "       mkpkg --list\n"
            "Writes a synthetic Disting NT firmware package; --list shows the kinds.\n");
}

static void list_kinds(void)
{
    for (const struct synth_kind *k = synth_kinds(); k->name; k++)
        printf("%-24s %-4s %s\n", k->name, k->good ? "good" : "bad", k->what);
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        { "kind", required_argument, NULL, 'k' },
        { "fw-size", required_argument, NULL, 's' },
        { "version", required_argument, NULL, 'V' },
        { "manifest", required_argument, NULL, 'm' },
        { "list", no_argument, NULL, 'l' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    const char *kind = "plain", *version = NULL, *manifest = NULL;
    size_t fw_size = 0;
    char why[300];
    int c, rc;

    while ((c = getopt_long(argc, argv, "k:s:V:m:lh", longopts, NULL)) != -1) {
        char *end;
        switch (c) {
        case 'k': kind = optarg; break;
        case 's':
            fw_size = strtoul(optarg, &end, 0);
            if (*end || end == optarg) {
                fprintf(stderr, "mkpkg: bad --fw-size '%s'\n", optarg);
                return 1;
            }
            break;
        case 'V': version = optarg; break;
        case 'm': manifest = optarg; break;
        case 'l': list_kinds(); return 0;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 1;
        }
    }
    if (optind != argc - 1) {
        usage(stderr);
        return 1;
    }
    if (manifest)
        rc = synth_write_manifest(argv[optind], manifest, why, sizeof why);
    else
        rc = synth_write(argv[optind], kind, fw_size, version, why, sizeof why);
    if (rc != 0) {
        fprintf(stderr, "mkpkg: %s\n", why);
        return rc == 77 ? 77 : 1;
    }
    return 0;
}
