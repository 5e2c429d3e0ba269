/* getopt_long parsing of the options in spec.md §2 into struct cli_opts. */
#include "cli.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum { OPT_MACHINE = 256, OPT_TRACE, OPT_SIMULATE, OPT_VERSION, OPT_CACERT };

static const struct option long_options[] = {
    { "url", required_argument, NULL, 'u' },
    { "timeout", required_argument, NULL, 't' },
    { "verbose", no_argument, NULL, 'v' },
    { "batch", no_argument, NULL, 'b' },
    { "list", no_argument, NULL, 'l' },
    { "port", required_argument, NULL, 'p' },
    { "dry-run", no_argument, NULL, 'n' },
    { "machine", no_argument, NULL, OPT_MACHINE },
    { "trace", required_argument, NULL, OPT_TRACE },
    { "simulate", optional_argument, NULL, OPT_SIMULATE },
    { "cacert", required_argument, NULL, OPT_CACERT },
    { "version", no_argument, NULL, OPT_VERSION },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 },
};

void cli_print_usage(FILE *out)
{
    fputs("Usage: nt_flash [OPTIONS] PACKAGE.zip\n"
          "       nt_flash [OPTIONS] --url URL\n"
          "       nt_flash --list\n"
          "       nt_flash                      (on a terminal: the device monitor)\n"
          "\n"
          "Flash an Expert Sleepers Disting NT firmware package over USB.\n"
          "\n"
          "Options:\n"
          "  -u, --url URL         download the package (http or https) and flash it\n"
          "      --cacert FILE     also trust the CA certificates in FILE for https\n"
          "  -t, --timeout SECS    wait this long for the module in bootloader mode (default 60)\n"
          "  -v, --verbose         diagnostic detail on stderr (repeat for more)\n"
          "  -b, --batch           headless: plain progress lines, never the full-screen UI\n"
          "  -l, --list            list attached NXP bootloader devices and exit\n"
          "  -p, --port PATH       use only the module at this USB port path (as --list prints)\n"
          "  -n, --dry-run         validate the package and show what would be flashed\n"
          "      --machine         progress as STATUS:/PROGRESS:/ERROR: lines (nt_helper)\n"
          "      --trace FILE      log every HID report exchanged to FILE\n"
          "      --simulate[=SPEC] flash a built-in virtual Disting NT instead of USB hardware\n"
          "                        (SPEC: key=value,... e.g. speed=0,fault=unplug@write:30)\n"
          "      --version         print the version and exit\n"
          "  -h, --help            show this help and exit\n"
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

/* A URL must be http or https (spec.md §2); anything else is a usage error
 * caught before any download line is printed. */
static bool is_http_url(const char *url)
{
    return strncasecmp(url, "http://", 7) == 0 || strncasecmp(url, "https://", 8) == 0;
}

/* An option that takes a value may be given once: a second one would
 * silently replace the first (a --simulate fault dropped, say). */
static nt_status given_once(int c, unsigned *seen, struct nt_err *err)
{
    static const struct {
        int c;
        const char *name, *hint;
    } valued[] = {
        { 'u', "url", "" },
        { 't', "timeout", "" },
        { 'p', "port", "" },
        { OPT_TRACE, "trace", "" },
        { OPT_SIMULATE, "simulate", " (put all the keys in one SPEC: --simulate=KEY=VALUE,KEY=VALUE)" },
        { OPT_CACERT, "cacert", "" },
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
            break;
        case 'v': o->verbose++; break;
        case 'b': o->batch = true; break;
        case 'l': o->list = true; break;
        case 'p':
            if (optarg[0] == '\0')
                return nt_err_set(err, NT_E_USAGE,
                                  "empty --port: give a path such as 1-1.2, as --list prints it");
            o->port = optarg;
            break;
        case 'n': o->dry_run = true; break;
        case 'h': o->help = true; break;
        case OPT_MACHINE: o->machine = true; break;
        case OPT_TRACE: o->trace = optarg; break;
        case OPT_SIMULATE:
            o->simulate = true;
            o->simulate_spec = optarg;
            break;
        case OPT_CACERT: o->cafile = optarg; break;
        case OPT_VERSION: o->version = true; break;
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
    if (o->list && (o->package || o->url))
        return nt_err_set(err, NT_E_USAGE, "--list takes no package");
    return NT_OK;
}
