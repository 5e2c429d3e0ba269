/* nt_flash entry point: parse the command line, run the chosen job through
 * the core, render its outcome, and map the core's error value to the exit
 * codes of spec.md §3. The only place that exits. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "nt_err.h"

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

int main(int argc, char **argv)
{
    struct cli_opts opts;
    struct nt_err err;

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
    fprintf(stderr, "nt_flash: nothing to do yet\n");
    return exit_code_for(NT_E_USAGE);
}
