/* Command-line parsing (README, "Usage") into a plain options struct: no globals,
 * no printing; errors come back as NT_E_USAGE with one line of text. */
#ifndef NT_CLI_H
#define NT_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "nt_err.h"

/* Most --port options (a row of modules on hubs). */
#define CLI_PORTS_MAX 32

struct cli_opts {
    const char *package;              /* PACKAGE.zip argument */
    const char *url;                  /* --url */
    const char *firmware;             /* --firmware VERSION, or a PACKAGE that is a version number */
    bool latest;                      /* --latest */
    bool releases;                    /* --releases */
    const char *release_page;         /* --release-page URL */
    bool offline;                     /* --offline: the cache only */
    bool refresh;                     /* --refresh: ask the site; accept a changed package */
    const char *cafile;               /* --cacert FILE: extra CA certificates for https */
    double timeout_s;                 /* -t: wait for the module (default 60) */
    bool timeout_given;               /* -t was on the command line */
    int verbose;                      /* -v, repeatable */
    bool batch;                       /* -b */
    bool list;                        /* -l */
    const char *port;                 /* -p (the first one) */
    const char *ports[CLI_PORTS_MAX]; /* every -p, in order (with --all or --loop: the set) */
    int nports;
    bool all;                  /* --all: every module in bootloader mode, in parallel */
    bool loop;                 /* --loop: flash each module that arrives, until Ctrl-C */
    bool dry_run;              /* -n */
    bool no_verify;            /* --no-verify */
    bool full;                 /* --full */
    const char *backup;        /* --backup FILE */
    const char *flashloader_from; /* --flashloader-from PKG (--backup without a package) */
    bool pin;                  /* --sha256 given: */
    uint8_t sha256[32];        /* the package ZIP's digest */
    bool machine;              /* --machine */
    const char *trace;         /* --trace FILE */
    const char *log;           /* --log FILE */
    bool simulate;             /* --simulate[=SPEC] */
    const char *simulate_spec; /* may be NULL */
    bool help;
    bool version;
    bool enter_bootloader; /* --enter-bootloader */
    unsigned sysex_id;     /* --sysex-id N (default 0) */
    bool no_wait_restart;  /* --no-wait-restart */
};

nt_status cli_parse(int argc, char **argv, struct cli_opts *opts, struct nt_err *err);
void cli_print_usage(FILE *out);

#endif
