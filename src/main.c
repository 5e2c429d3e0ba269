/* nt_flash entry point: parse the command line, run the chosen job through
 * the core, render its outcome, and map the core's error value to the exit
 * codes of spec.md §3. The only place that exits. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "nt_err.h"
#include "pkg.h"
#include "summary.h"

/* spec.md §3 */
enum { EXIT_OK = 0, EXIT_USAGE = 1, EXIT_PACKAGE = 2, EXIT_DOWNLOAD = 3, EXIT_NODEVICE = 4,
       EXIT_FLASH = 5 };

static int exit_code_for(nt_status st)
{
    switch (st) {
    case NT_OK: return EXIT_OK;
    case NT_E_USAGE:
    case NT_E_AMBIGUOUS: return EXIT_USAGE;
    case NT_E_PACKAGE: return EXIT_PACKAGE;
    case NT_E_DOWNLOAD: return EXIT_DOWNLOAD;
    case NT_E_NODEVICE: return EXIT_NODEVICE;
    default: return EXIT_FLASH;
    }
}

/* --dry-run (spec.md §4): validate the package and show what would be
 * flashed; touches no device. */
static int run_dry_run(const char *path)
{
    struct pkg *p = NULL;
    struct nt_err err;
    nt_status st;

    printf("EXTRACTING\n");
    st = pkg_open_file(path, NULL, &p, &err);
    if (st != NT_OK) {
        printf("ERROR %s\n", err.msg);
        fprintf(stderr, "nt_flash: %s\n", err.msg);
        return exit_code_for(st);
    }
    printf("PACKAGE_INFO %s\n", p->version);
    summary_print(stdout, p);
    pkg_free(p);
    return EXIT_OK;
}

int main(int argc, char **argv)
{
    struct cli_opts opts;
    struct nt_err err;

    /* Progress lines are read by other programs as they happen (spec.md §4). */
    setvbuf(stdout, NULL, _IOLBF, 0);
    nt_err_clear(&err);
    if (cli_parse(argc, argv, &opts, &err) != NT_OK) {
        fprintf(stderr, "nt_flash: %s\nTry 'nt_flash --help' for more information.\n", err.msg);
        return EXIT_USAGE;
    }
    if (opts.help) {
        cli_print_usage(stdout);
        return EXIT_OK;
    }
    if (opts.version) {
        printf("nt_flash %s\n", PACKAGE_VERSION);
        return EXIT_OK;
    }
    if (opts.dry_run && opts.package)
        return run_dry_run(opts.package);
    fprintf(stderr, "nt_flash: nothing to do yet\n");
    return exit_code_for(NT_E_USAGE);
}
