/* getopt_long parsing of the options in README, "Usage" into struct cli_opts. */
#include "cli.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "releases.h"
#include "sysex.h"

enum {
    OPT_MACHINE = 256,
    OPT_TRACE,
    OPT_SIMULATE,
    OPT_VERSION,
    OPT_CACERT,
    OPT_FIRMWARE,
    OPT_LATEST,
    OPT_RELEASES,
    OPT_RELEASE_PAGE,
    OPT_OFFLINE,
    OPT_REFRESH,
    OPT_NO_VERIFY,
    OPT_FULL,
    OPT_SHA256,
    OPT_BACKUP,
    OPT_FL_FROM,
    OPT_ENTER_BOOTLOADER,
    OPT_SYSEX_ID,
    OPT_NO_WAIT_RESTART,
    OPT_LOG,
    OPT_ALL,
    OPT_LOOP
};

static const struct option long_options[] = {
    { "url", required_argument, NULL, 'u' },
    { "timeout", required_argument, NULL, 't' },
    { "verbose", no_argument, NULL, 'v' },
    { "batch", no_argument, NULL, 'b' },
    { "list", no_argument, NULL, 'l' },
    { "port", required_argument, NULL, 'p' },
    { "dry-run", no_argument, NULL, 'n' },
    { "all", no_argument, NULL, OPT_ALL },
    { "loop", no_argument, NULL, OPT_LOOP },
    { "machine", no_argument, NULL, OPT_MACHINE },
    { "trace", required_argument, NULL, OPT_TRACE },
    { "log", required_argument, NULL, OPT_LOG },
    { "simulate", optional_argument, NULL, OPT_SIMULATE },
    { "cacert", required_argument, NULL, OPT_CACERT },
    { "firmware", required_argument, NULL, OPT_FIRMWARE },
    { "latest", no_argument, NULL, OPT_LATEST },
    { "releases", no_argument, NULL, OPT_RELEASES },
    { "release-page", required_argument, NULL, OPT_RELEASE_PAGE },
    { "offline", no_argument, NULL, OPT_OFFLINE },
    { "refresh", no_argument, NULL, OPT_REFRESH },
    { "no-verify", no_argument, NULL, OPT_NO_VERIFY },
    { "full", no_argument, NULL, OPT_FULL },
    { "sha256", required_argument, NULL, OPT_SHA256 },
    { "backup", required_argument, NULL, OPT_BACKUP },
    { "flashloader-from", required_argument, NULL, OPT_FL_FROM },
    { "version", no_argument, NULL, OPT_VERSION },
    { "help", no_argument, NULL, 'h' },
    { "enter-bootloader", no_argument, NULL, OPT_ENTER_BOOTLOADER },
    { "sysex-id", required_argument, NULL, OPT_SYSEX_ID },
    { "no-wait-restart", no_argument, NULL, OPT_NO_WAIT_RESTART },
    { NULL, 0, NULL, 0 },
};

void cli_print_usage(FILE *out)
{
    fputs("Usage: nt_flash [OPTIONS] PACKAGE.zip\n"
          "       nt_flash [OPTIONS] --url URL\n"
          "       nt_flash [OPTIONS] --latest | VERSION | --firmware VERSION\n"
          "       nt_flash --releases [-v]\n"
          "       nt_flash [OPTIONS] --backup FILE --flashloader-from PACKAGE.zip\n"
          "       nt_flash --list\n"
          "       nt_flash                      (on a terminal: the device monitor)\n"
          "\n"
          "Flash an Expert Sleepers Disting NT firmware package over USB.\n"
          "\n"
          "Options:\n"
          "  -u, --url URL         download the package (http or https) and flash it\n"
          "      --cacert FILE     also trust the CA certificates in FILE for https\n"
          "      --latest          download and flash the newest official release\n"
          "      --firmware VERSION  download and flash this official release (as does\n"
          "                        a VERSION such as 1.19.0 in place of PACKAGE.zip)\n"
          "      --releases        list the official releases, newest first, and exit:\n"
          "                        VERSION<TAB>DATE<TAB>FIRST CHANGE (-v: every change)\n"
          "      --release-page URL  read the releases from URL instead of the maker's page\n"
          "      --offline         use only the cache (~/.cache/nt_flash) for releases\n"
          "      --refresh         ask the site again, and accept a re-published package\n"
          "  -t, --timeout SECS    wait this long for the module in bootloader mode (default 60)\n"
          "  -v, --verbose         diagnostic detail on stderr (repeat for more)\n"
          "  -b, --batch           headless: plain progress lines, never the full-screen UI\n"
          "  -l, --list            list attached modules (bootloader modes and running) and exit\n"
          "  -p, --port PATH       use only the module at this USB port path (as --list prints);\n"
          "                        with --all or --loop, repeat it to choose a set of modules\n"
          "      --all             flash every module in bootloader mode at the start, in parallel\n"
          "      --loop            after each module, wait for the next one and flash it too;\n"
          "                        Ctrl-C between modules ends the loop (with --all: several at once)\n"
          "  -n, --dry-run         validate the package and show what would be flashed\n"
          "      --no-verify       do not read the flash back after writing it\n"
          "      --full            erase and write every sector, even those that already hold\n"
          "                        the new content\n"
          "      --sha256 HEX      refuse the package ZIP unless its SHA-256 is HEX\n"
          "      --backup FILE     first save the firmware on the module as a package FILE;\n"
          "                        without a package, only make the backup\n"
          "      --flashloader-from PACKAGE.zip\n"
          "                        the flashloader for --backup without a package\n"
          "      --machine         progress as STATUS:/PROGRESS:/ERROR: lines (nt_helper)\n"
          "      --trace FILE      log every HID report exchanged to FILE\n"
          "      --log FILE        write the run (times, events, errors) to FILE as it happens\n"
          "      --enter-bootloader  reboot a module that runs its firmware (1.15 or later)\n"
          "                        into bootloader mode over USB-MIDI (interrupts its patch)\n"
          "      --sysex-id N      the module's SysEx ID, 0-126 (default 0)\n"
          "      --no-wait-restart do not wait for the module to run its firmware again\n"
          "                        after the flash (default: up to 20 s, then RUNNING VERSION)\n"
          "      --simulate[=SPEC] flash a built-in virtual Disting NT instead of USB hardware\n"
          "                        (SPEC: key=value,... e.g. speed=0,fault=unplug@write:30)\n"
          "      --version         print the version and exit\n"
          "  -h, --help            show this help and exit\n"
          "\n"
          "With --all or --loop every progress line starts with the module's port path\n"
          "(\"1-1.2 WRITING 45%\") and each module ends with one line\n"
          "  RESULT <port> OK <version> <seconds>   or\n"
          "  RESULT <port> FAILED <exit code> <message>\n"
          "and the exit code is the highest among the modules that failed. On a terminal\n"
          "they show one row per module instead, and the RESULT lines when the view closes.\n"
          "\n"
          "Exit codes:\n"
          "  0 success   1 invalid arguments   2 package error   3 download failed\n"
          "  4 device not found before the timeout   5 flash error (after the device was found)\n"
          "  (1 also when output, the trace or a --simulate file could not be written)\n",
          out);
}

static nt_status parse_timeout(const char *s, double *out, struct nt_err *err)
{
    char *end;
    double v;

    errno = 0;
    v = strtod(s, &end);
    /* Plain decimal seconds only: strtod would also take " 5", "0x10" or "inf". */
    if (!(isdigit((unsigned char)s[0]) || s[0] == '.') || strpbrk(s, "xXpP") || *end != '\0' || errno != 0 ||
        !isfinite(v) || v < 0 || v > 86400)
        return nt_err_set(err, NT_E_USAGE, "invalid timeout '%s': give a number of seconds from 0 to 86400",
                          s);
    *out = v;
    return NT_OK;
}

/* --sha256: 64 hexadecimal digits, either case. */
static nt_status parse_sha256(const char *s, uint8_t out[32], struct nt_err *err)
{
    if (strlen(s) != 64 || strspn(s, "0123456789abcdefABCDEF") != 64)
        return nt_err_set(err, NT_E_USAGE,
                          "invalid --sha256 '%s': give the package's SHA-256 as 64 hexadecimal digits "
                          "(as sha256sum prints it)",
                          s);
    for (int i = 0; i < 32; i++) {
        char byte[3] = { s[2 * i], s[2 * i + 1], '\0' };
        out[i] = (uint8_t)strtoul(byte, NULL, 16);
    }
    return NT_OK;
}

/* Word the message for an option getopt_long refused: unknown, ambiguous
 * (a prefix of several long options), or given a value it does not take. */
static nt_status bad_option(const char *arg, int opt, struct nt_err *err)
{
    char names[160] = "";
    size_t len, n = 0;
    const struct option *lo;

    if (strncmp(arg, "--", 2) != 0)
        return nt_err_set(err, NT_E_USAGE, "unknown option '-%c'", opt > 0 && opt < 256 ? opt : '?');
    len = strcspn(arg + 2, "=");
    for (lo = long_options; lo->name; lo++) {
        if (strncmp(lo->name, arg + 2, len) != 0)
            continue;
        if (strlen(lo->name) == len && arg[2 + len] == '=')
            return nt_err_set(err, NT_E_USAGE, "option '--%s' takes no value", lo->name);
        snprintf(names + strlen(names), sizeof names - strlen(names), "%s--%s", n ? " or " : "", lo->name);
        n++;
    }
    if (n > 1)
        return nt_err_set(err, NT_E_USAGE, "ambiguous option '%.*s' (could be %s)", (int)(len + 2), arg,
                          names);
    if (n == 1 && arg[2 + len] == '=')
        return nt_err_set(err, NT_E_USAGE, "option '%s' takes no value", names);
    return nt_err_set(err, NT_E_USAGE, "unknown option '%s'", arg);
}

/* A URL must be http or https (README, "Usage"); anything else is a usage error
 * caught before any download line is printed. */
static bool is_http_url(const char *url)
{
    return strncasecmp(url, "http://", 7) == 0 || strncasecmp(url, "https://", 8) == 0;
}

/* An option that takes a value may be given once: a second one would
 * silently replace the first (a --simulate fault dropped, say). --port is
 * the exception: several choose a set of modules (--all). */
static nt_status given_once(int c, unsigned *seen, struct nt_err *err)
{
    static const struct {
        int c;
        const char *name, *hint;
    } valued[] = {
        { 'u', "url", "" },
        { 't', "timeout", "" },
        { OPT_TRACE, "trace", "" },
        { OPT_SIMULATE, "simulate", " (put all the keys in one SPEC: --simulate=KEY=VALUE,KEY=VALUE)" },
        { OPT_CACERT, "cacert", "" },
        { OPT_FIRMWARE, "firmware", "" },
        { OPT_RELEASE_PAGE, "release-page", "" },
        { OPT_SYSEX_ID, "sysex-id", "" },
    };
    for (unsigned i = 0; i < sizeof valued / sizeof valued[0]; i++) {
        if (valued[i].c != c)
            continue;
        if (*seen & (1u << i))
            return nt_err_set(err, NT_E_USAGE, "option '--%s' given twice: give it once%s", valued[i].name,
                              valued[i].hint);
        *seen |= 1u << i;
    }
    return NT_OK;
}

/* The official-release options against each other and the other sources. */
static nt_status check_release_options(struct cli_opts *o, struct nt_err *err)
{
    int sources;

    /* `nt_flash 1.19.0`: a version number in place of the package. */
    if (o->package && rel_is_version(o->package)) {
        if (o->firmware)
            return nt_err_set(err, NT_E_USAGE, "give the version once: either %s or --firmware %s",
                              o->package, o->firmware);
        o->firmware = o->package;
        o->package = NULL;
    }
    if (o->firmware && !rel_is_version(o->firmware))
        return nt_err_set(err, NT_E_USAGE,
                          "invalid --firmware '%s': give a version number such as 1.19.0 "
                          "(nt_flash --releases lists them)",
                          o->firmware);
    if (o->release_page && !is_http_url(o->release_page))
        return nt_err_set(err, NT_E_USAGE, "invalid --release-page '%s': give an http:// or https:// URL",
                          o->release_page);
    sources = !!o->package + !!o->url + !!o->firmware + !!o->latest;
    if (o->releases && (sources || o->list))
        return nt_err_set(err, NT_E_USAGE,
                          "--releases lists the releases and flashes nothing: give it alone");
    if (sources > 1)
        return nt_err_set(err, NT_E_USAGE,
                          "give one of PACKAGE.zip, --url, --latest or a version, not several");
    if (o->list && sources)
        return nt_err_set(err, NT_E_USAGE, "--list takes no package");
    /* The device monitor (no package at all) reads the cached release list
     * of --release-page to say when a running module is older. */
    if ((o->offline || o->refresh || (o->release_page && (sources || o->list))) && !o->releases &&
        !o->latest && !o->firmware)
        return nt_err_set(err, NT_E_USAGE,
                          "--offline, --refresh and --release-page go with --releases, --latest or a version "
                          "(--release-page also with the device monitor)");
    if (o->offline && o->refresh)
        return nt_err_set(err, NT_E_USAGE, "--offline and --refresh contradict each other: give one");
    return NT_OK;
}

nt_status cli_parse(int argc, char **argv, struct cli_opts *o, struct nt_err *err)
{
    unsigned seen = 0;
    int c;

    memset(o, 0, sizeof *o);
    o->timeout_s = 60;
    optind = 0; /* full re-initialisation, so tests can parse several times */
    opterr = 0; /* we word the messages ourselves */
    while ((c = getopt_long(argc, argv, ":u:t:vblp:nh", long_options, NULL)) != -1) {
        if (given_once(c, &seen, err) != NT_OK)
            return NT_E_USAGE;
        switch (c) {
        case 'u': o->url = optarg; break;
        case 't':
            if (parse_timeout(optarg, &o->timeout_s, err) != NT_OK)
                return NT_E_USAGE;
            o->timeout_given = true;
            break;
        case 'v': o->verbose++; break;
        case 'b': o->batch = true; break;
        case 'l': o->list = true; break;
        case 'p':
            if (optarg[0] == '\0')
                return nt_err_set(err, NT_E_USAGE,
                                  "empty --port: give a path such as 1-1.2, as --list prints it");
            if (o->nports == CLI_PORTS_MAX)
                return nt_err_set(err, NT_E_USAGE, "too many --port options (at most %d)", CLI_PORTS_MAX);
            if (!o->port)
                o->port = optarg;
            o->ports[o->nports++] = optarg;
            break;
        case 'n': o->dry_run = true; break;
        case 'h': o->help = true; break;
        case OPT_MACHINE: o->machine = true; break;
        case OPT_TRACE: o->trace = optarg; break;
        case OPT_LOG: o->log = optarg; break;
        case OPT_SIMULATE:
            o->simulate = true;
            o->simulate_spec = optarg;
            break;
        case OPT_CACERT: o->cafile = optarg; break;
        case OPT_ALL: o->all = true; break;
        case OPT_LOOP: o->loop = true; break;
        case OPT_FIRMWARE: o->firmware = optarg; break;
        case OPT_LATEST: o->latest = true; break;
        case OPT_RELEASES: o->releases = true; break;
        case OPT_RELEASE_PAGE: o->release_page = optarg; break;
        case OPT_OFFLINE: o->offline = true; break;
        case OPT_REFRESH: o->refresh = true; break;
        case OPT_NO_VERIFY: o->no_verify = true; break;
        case OPT_FULL: o->full = true; break;
        case OPT_BACKUP: o->backup = optarg; break;
        case OPT_FL_FROM: o->flashloader_from = optarg; break;
        case OPT_SHA256:
            if (parse_sha256(optarg, o->sha256, err) != NT_OK)
                return NT_E_USAGE;
            o->pin = true;
            break;
        case OPT_VERSION: o->version = true; break;
        case OPT_ENTER_BOOTLOADER: o->enter_bootloader = true; break;
        case OPT_NO_WAIT_RESTART: o->no_wait_restart = true; break;
        case OPT_SYSEX_ID: {
            char *end;
            long v;
            errno = 0;
            v = strtol(optarg, &end, 10);
            if (!isdigit((unsigned char)optarg[0]) || *end != '\0' || errno != 0 || v < 0 || v > SYSEX_ID_MAX)
                return nt_err_set(
                    err, NT_E_USAGE,
                    "invalid --sysex-id '%s': give the module's SysEx ID, a number from 0 to 126", optarg);
            o->sysex_id = (unsigned)v;
            break;
        }
        case ':': return nt_err_set(err, NT_E_USAGE, "option '%s' needs a value", argv[optind - 1]);
        default: return bad_option(argv[optind - 1], optopt, err);
        }
    }
    if (o->help || o->version)
        return NT_OK;
    if (optind < argc)
        o->package = argv[optind++];
    if (optind < argc) {
        /* `--simulate speed=0 pkg.zip`: the SPEC was taken for the package. */
        if (o->simulate && !o->simulate_spec && strchr(o->package, '='))
            return nt_err_set(err, NT_E_USAGE,
                              "unexpected argument '%s': --simulate takes its SPEC after '=', as in "
                              "--simulate=%s",
                              argv[optind], o->package);
        return nt_err_set(err, NT_E_USAGE, "unexpected argument '%s': give one package", argv[optind]);
    }
    if (o->url && !is_http_url(o->url))
        return nt_err_set(err, NT_E_USAGE, "invalid --url '%s': give an http:// or https:// URL", o->url);
    if (o->package && o->url)
        return nt_err_set(err, NT_E_USAGE, "give either a package file or --url, not both");
    if (o->machine && (o->all || o->loop))
        return nt_err_set(err, NT_E_USAGE,
                          "--machine reports one module; use --all and --loop with the progress lines");
    if (o->trace && (o->all || o->loop))
        return nt_err_set(err, NT_E_USAGE, "--trace records one module; leave it out with --all and --loop");
    if (o->nports > 1 && !o->all && !o->loop)
        return nt_err_set(err, NT_E_USAGE,
                          "several --port options need --all or --loop (one module otherwise)");
    if (check_release_options(o, err) != NT_OK)
        return NT_E_USAGE;
    if (o->flashloader_from && (!o->backup || o->package || o->url || o->firmware || o->latest))
        return nt_err_set(err, NT_E_USAGE,
                          "--flashloader-from is for --backup FILE without a package (a package given "
                          "with --backup lends its own flashloader)");
    if (o->backup && !o->package && !o->url && !o->firmware && !o->latest && !o->flashloader_from)
        return nt_err_set(err, NT_E_USAGE,
                          "--backup FILE without a package needs --flashloader-from PACKAGE.zip: the "
                          "flashloader nt_flash loads to read the module");
    if (o->backup && (o->dry_run || o->releases || o->list))
        return nt_err_set(err, NT_E_USAGE, "--backup reads the module; it goes with a flash or alone");
    return NT_OK;
}
