/* nt_flash entry point: parse the command line, set up signals, the bus
 * (USB or the virtual module), the download backend and a front end, run
 * the session, and turn its result into an exit code (exit_code.c). The
 * only place that exits. */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "exit_code.h"
#include "fetch.h"
#include "firmware.h"
#include "list.h"
#include "log_file.h"
#include "multi.h"
#include "nt_err.h"
#include "out.h"
#include "outfile.h"
#include "pkg.h"
#include "probe.h"
#include "running.h"
#include "sess_thread.h"
#include "session.h"
#include "signals.h"
#include "summary.h"
#include "ui.h"
#include "usb.h"
#include "vmod.h"

/* The session's download hook: fetch_url with the command line's settings. */
static nt_status download(void *user, const char *url, nt_progress_fn progress, void *progress_user,
                          uint8_t **data, size_t *len, char *name, size_t name_cap, struct nt_err *err)
{
    return fetch_url(url, user, progress, progress_user, data, len, name, name_cap, err);
}

/* The virtual module's bus when vc is given (--simulate), else USB. */
/* How long the line front ends wait for an event before looking again. */
#define LINES_WAIT_MS 100

static nt_status open_bus(const struct vmod_config *vc, struct tp_bus **bus, double *tscale,
                          struct nt_err *err)
{
    if (vc) {
        *tscale = vc->speed;
        return vmod_bus_new(vc, bus, err);
    }
    *tscale = 1.0;
    return usb_bus_new(bus, err);
}

/* Open and validate a local package as the session will, and close it. */
static nt_status check_package(const char *path, struct nt_err *err)
{
    struct pkg *p = NULL;
    nt_status st = pkg_open_file(path, NULL, &p, err);

    pkg_free(p);
    return st;
}

/* The --log file's last lines (an error the session never saw, the exit
 * code); returns code. */
static int end_log(struct log_file *l, const char *error, int code)
{
    char line[NT_ERR_MSG_MAX + 16];

    if (error) {
        snprintf(line, sizeof line, "error: %s", error);
        log_file_note(l, line);
    }
    snprintf(line, sizeof line, "exit %d", code);
    log_file_note(l, line);
    log_file_close(l);
    return code;
}

static int fail(const char *msg, int code)
{
    out_print(stderr, "nt_flash: %s", msg);
    if (code == EXIT_USAGE)
        out_print(stderr, "Try 'nt_flash --help' for more information.");
    return code;
}

/* The exit code once everything was written: output that did not arrive
 * (a full disk, a closed pipe) turns a success into exit 1, as does a
 * trace, dump or stats file that could not be written; a run that failed
 * keeps its own code. */
static int finish(int code, bool written)
{
    if (!outfile_stdout_ok()) {
        out_print(stderr,
                  "nt_flash: cannot write the output (standard output): check the free space "
                  "or the pipe it goes to");
        written = false;
    }
    return code == EXIT_OK && !written ? EXIT_USAGE : code;
}

static int run_list(const struct vmod_config *vc, unsigned sysex_id)
{
    struct tp_bus *bus = NULL;
    struct probe_opts po = { .tscale = 1, .sysex_id = sysex_id };
    struct nt_err err;
    nt_status st;

    nt_err_clear(&err);
    st = open_bus(vc, &bus, &po.tscale, &err);
    if (st == NT_OK) {
        st = list_print(stdout, bus, &po, &err);
        bus->ops->destroy(bus);
    }
    /* No USB subsystem means nothing can be attached: say why, and list nothing. */
    if (st == NT_E_UNSUPPORTED) {
        out_print(stdout, "%s", LIST_NO_DEVICES_LINE);
        out_print(stderr, "nt_flash: %s", err.msg);
        return EXIT_OK;
    }
    return st == NT_OK ? EXIT_OK : fail(err.msg, EXIT_FLASH);
}

/* The exit code of a failure while reading the release list: a stop
 * request there ends a download, as during the package's. */
static int release_exit_code(nt_status st)
{
    struct sess_result r = { .phase = SESS_PH_DOWNLOAD };

    return exit_code_for(st, &r);
}

/* --releases: the official releases, newest first, then exit. */
static int run_releases(const struct cli_opts *o, const struct fetch_opts *fo)
{
    struct fw_ctx fw;
    struct rel_list rl;
    struct nt_err err;
    nt_status st;

    nt_err_clear(&err);
    fw_ctx_init(&fw, o->release_page, fo, o->offline, o->refresh, stderr);
    st = fw_load(&fw, &rl, &err);
    if (st != NT_OK)
        return fail(err.msg, release_exit_code(st));
    fw_print(stdout, &rl, o->verbose > 0);
    rel_list_free(&rl);
    return EXIT_OK;
}

/* Batch and --machine runs: render events as lines. */
static nt_status run_lines(const struct out_format *fmt, const struct cli_opts *o, struct sess_config *sc,
                           struct log_file *logf, struct sess_result *res, struct nt_err *err)
{
    struct out_state out;
    struct sess_thread *th;
    struct sess_event ev;
    nt_status st;

    out_init(&out, fmt, stdout, stderr, o->verbose);
    st = sess_thread_start(sc, NULL, logf->f ? log_file_sink : NULL, logf, &th, err);
    if (st != NT_OK)
        return st;
    while (!sess_thread_ended(th))
        if (sess_thread_next(th, LINES_WAIT_MS, &ev))
            out_sink(&out, &ev);
    return sess_thread_join(th, res, err);
}

int main(int argc, char **argv)
{
    struct cli_opts opts;
    struct nt_err err, bus_err;
    struct sess_config sc;
    struct fetch_opts fo;
    struct fw_ctx fw;
    struct rel_list rl = { NULL, 0 };
    char latest[REL_VERSION_MAX];
    struct vmod_config vc;
    struct tp_bus *bus = NULL;
    struct sess_result res;
    struct nt_stop *stop;
    FILE *trace = NULL;
    double tscale = 1;
    struct log_file logf = { 0 };
    bool interactive, multi, human, written = true;
    char why[160];
    const char *problem;
    int multi_code = EXIT_OK;
    nt_status st;
    int code;

    /* Before any file is opened, so none can become stdout or stderr. */
    if (!outfile_std_fds_open())
        return EXIT_USAGE;
    setvbuf(stdout, NULL, _IOLBF, 0);
    nt_err_clear(&err);
    nt_err_clear(&bus_err);
    if (cli_parse(argc, argv, &opts, &err) != NT_OK)
        return fail(err.msg, EXIT_USAGE);
    if (opts.help) {
        cli_print_usage(stdout);
        return finish(EXIT_OK, true);
    }
    if (opts.version) {
        out_print(stdout, "nt_flash %s", PACKAGE_VERSION);
        return finish(EXIT_OK, true);
    }
    /* Parsed up front: a bad SPEC is a usage error even when no device will
     * be touched (--dry-run). */
    vmod_config_defaults(&vc);
    if (opts.simulate && vmod_parse_spec(opts.simulate_spec, &vc, &err) != NT_OK)
        return fail(err.msg, EXIT_USAGE);
    stop = signals_install();
    if (opts.list)
        return finish(run_list(opts.simulate ? &vc : NULL, opts.sysex_id), true);

    /* Checked before anything is downloaded or touched: a FIFO would hang,
     * and a trace must never overwrite the package it is a trace of. */
    if (opts.cafile && outfile_check_input(opts.cafile, "--cacert", &err) != NT_OK)
        return fail(err.msg, EXIT_USAGE);
    if (opts.trace && outfile_check_trace(opts.trace, opts.package, opts.cafile, &err) != NT_OK)
        return fail(err.msg, EXIT_USAGE);

    fetch_opts_init(&fo);
    fo.cafile = opts.cafile;
    fo.stop = stop;
    if (fetch_opts_from_env(&fo, &err) != NT_OK)
        return fail(err.msg, EXIT_USAGE);
    if (opts.releases)
        return finish(run_releases(&opts, &fo), true);

    multi = (opts.all || opts.loop) && !opts.dry_run;
    /* One log file per run; several modules at once would interleave theirs. */
    if (multi && opts.log)
        return fail("--log records one module's run: it cannot be combined with --all or --loop", EXIT_USAGE);
    /* --dry-run prints its summary as text, on a terminal too. */
    problem = ui_terminal_problem(why, sizeof why);
    /* --all and --loop have a full-screen view too: one row per module. */
    interactive = !opts.batch && !opts.machine && !opts.dry_run && !problem;
    /* On a terminal without the full-screen view: lines for a person.
     * Pipes, --batch and --machine keep the token lines. */
    human = !opts.batch && !opts.machine && !multi && !interactive && isatty(STDIN_FILENO) &&
        isatty(STDOUT_FILENO);
    /* On a terminal the view runs the modules and says whether it did
     * (uc.multi_ran). */
    if (interactive)
        multi = false;
    if (!opts.package && !opts.url && !opts.latest && !opts.firmware && !opts.flashloader_from &&
        !interactive) {
        snprintf(err.msg, sizeof err.msg,
                 "no package given: name a PACKAGE.zip, a VERSION or --latest, or use --url URL (the "
                 "device monitor needs the full-screen view%s%s)",
                 human ? ", and " : ", which needs a terminal", human ? problem : "");
        return fail(err.msg, EXIT_USAGE);
    }
    if (human && problem)
        out_print(stderr, "nt_flash: no full-screen view: %s; showing progress lines instead", problem);

    memset(&sc, 0, sizeof sc);
    sc.package_path = opts.package;
    sc.url = opts.url;
    sc.download = download;
    sc.download_user = &fo;
    /* An official release: resolved from the release list, downloaded
     * through the cache. */
    memset(&fw, 0, sizeof fw);
    if (opts.latest || opts.firmware) {
        fw_ctx_init(&fw, opts.release_page, &fo, opts.offline, opts.refresh, stderr);
        st = fw_load(&fw, &rl, &err);
        if (st == NT_OK)
            st = fw_resolve(&fw, &rl, opts.firmware, &err);
        if (st != NT_OK) {
            rel_list_free(&rl);
            return fail(err.msg, release_exit_code(st));
        }
        if (opts.verbose)
            out_print(stderr, "nt_flash: firmware %s (%s) from %s", fw.release->version,
                      fw.release->date[0] ? fw.release->date : "no date", fw.release->url);
        fw_check_cached(&fw);
        sc.url = fw.release->url;
        sc.download = fw_download;
        sc.download_user = &fw;
    }
    sc.dry_run = opts.dry_run;
    sc.no_verify = opts.no_verify;
    sc.full = opts.full;
    sc.sha256_pin = opts.pin ? opts.sha256 : NULL;
    sc.backup_path = opts.backup;
    if (opts.backup && opts.flashloader_from) {
        /* Backup only: the package lends its flashloader, nothing is flashed. */
        sc.package_path = opts.flashloader_from;
        sc.backup_only = true;
    }
    sc.port = opts.port;
    sc.wait_timeout_s = opts.timeout_s;
    sc.stop = stop;
    sc.enter_bootloader = opts.enter_bootloader;
    sc.sysex_id = opts.sysex_id;
    sc.wait_restart_s = opts.no_wait_restart ? 0 : RUNNING_RESTART_DEFAULT_S;

    /* Created on its first line, when a device is first talked to. */
    if (opts.trace && !opts.dry_run && !(trace = outfile_trace_open(opts.trace, opts.package, opts.cafile)))
        return fail("out of memory setting up the trace", EXIT_USAGE);
    if (opts.log && !log_file_open(&logf, opts.log)) {
        if (trace)
            fclose(trace);
        rel_list_free(&rl);
        snprintf(err.msg, sizeof err.msg, "cannot write the log file '%s': choose a writable path", opts.log);
        return fail(err.msg, EXIT_USAGE);
    }
    /* The log's sink is called on the session's thread as each event happens. */
    if (logf.f)
        log_file_header(&logf, PACKAGE_VERSION, argc, argv);
    if (!opts.dry_run) {
        st = open_bus(opts.simulate ? &vc : NULL, &bus, &tscale, &bus_err);
        if (st != NT_OK && interactive) {
            if (trace)
                fclose(trace);
            rel_list_free(&rl);
            return end_log(&logf, bus_err.msg, fail(bus_err.msg, EXIT_NODEVICE));
        }
        /* Without a usable bus (no USB subsystem) the package is still
         * downloaded and validated first; the session then reports the bus. */
        if (st != NT_OK)
            sc.bus_error = &bus_err;
    }
    sc.bus = bus;
    sc.tscale = tscale;
    sc.trace = trace;

    memset(&res, 0, sizeof res);
    if (multi) {
        /* --all, --loop: one session per module (multi.c), its own exit code. */
        struct multi_config mc = { .opts = &opts, .sess = &sc, .bus = bus, .bus_error = sc.bus_error };
        multi_code = multi_run(&mc);
        st = NT_OK;
    } else if (interactive && opts.package && check_package(opts.package, &err) != NT_OK) {
        /* A package that cannot be used is a plain command-line error: the
         * full-screen view opens only for a job that can reach a module. */
        char line[NT_ERR_MSG_MAX + 16];
        out_print(stderr, "nt_flash: %s", err.msg);
        snprintf(line, sizeof line, "error: %s", err.msg);
        log_file_note(&logf, line);
        st = err.status;
        res.phase = SESS_PH_EXTRACT; /* not a download: the package itself */
    } else if (interactive) {
        struct ui_config uc = { .bus = bus,
                                .sess = &sc,
                                .stop = stop,
                                .wait_until_quit = !opts.timeout_given,
                                .verbose = opts.verbose,
                                .probe = bus != NULL,
                                .tscale = tscale,
                                .log_sink = logf.f ? log_file_sink : NULL,
                                .log_user = &logf,
                                .all = opts.all,
                                .loop = opts.loop && !opts.dry_run,
                                .ports = (const char *const *)opts.ports,
                                .nports = opts.nports,
                                .exit_code = exit_code_for };
        /* The monitor: say when a running module is older than the newest
         * release the cache knows (no network for that). */
        if (!opts.package && !opts.url && !fw.release &&
            fw_cached_latest(opts.release_page, &fo, latest, sizeof latest))
            uc.latest_release = latest;
        if (fw.release) {
            uc.release_version = fw.release->version;
            uc.release_date = fw.release->date;
            uc.release_changes = (const char *const *)fw.release->changes;
            uc.release_n_changes = fw.release->n_changes;
        }
        /* Several modules may share one download (--all, --loop, or 'a' in
         * the picker); one module alone downloads just once anyway. */
        struct multi_dl *shared_dl = sc.url ? multi_dl_share(&sc) : NULL;
        st = ui_run(&uc, &res, &err);
        multi_dl_free(shared_dl);
        if (uc.multi_ran) {
            multi = true;
            multi_code = uc.multi_code;
        }
    } else {
        st = run_lines(opts.machine ? &out_machine_format
                           : human  ? &out_human_format
                                    : &out_lines_format,
                       &opts, &sc, &logf, &res, &err);
        /* --machine keeps stdout to machine lines; the summary goes beside them. */
        if (st == NT_OK && opts.dry_run && res.pkg)
            summary_print(opts.machine ? stderr : stdout, res.pkg);
    }

    if (fw.late_warning[0])
        out_print(stderr, "nt_flash: warning: %s", fw.late_warning);
    rel_list_free(&rl);
    pkg_free(res.pkg);
    code = exit_code_for(st, &res);
    if (bus && opts.simulate && vmod_bus_save(bus, &err) != NT_OK) {
        out_print(stderr, "nt_flash: %s", err.msg);
        written = false;
    }
    if (bus)
        bus->ops->destroy(bus);
    if (trace) {
        char what[NT_ERR_MSG_MAX / 2];
        snprintf(what, sizeof what, "the trace file '%.200s'", opts.trace);
        if (outfile_close(trace, what, &err) != NT_OK) {
            out_print(stderr, "nt_flash: %s", err.msg);
            written = false;
        }
    }
    return end_log(&logf, NULL, finish(multi ? multi_code : code, written));
}
