/* Unit tests for command-line parsing (README, "Usage"). */
#include "tap.h"
#include "cli.h"
#include "nt_err.h"

static nt_status parse(struct cli_opts *o, struct nt_err *e, int argc, const char **argv)
{
    return cli_parse(argc, (char **)argv, o, e);
}

static void test_cli_defaults_and_package(void)
{
    struct cli_opts o;
    struct nt_err e;
    const char *argv[] = { "nt_flash", "pkg.zip" };
    CHECK_EQ_INT(parse(&o, &e, 2, argv), NT_OK);
    CHECK_EQ_STR(o.package, "pkg.zip");
    CHECK(o.timeout_s == 60);
    CHECK(!o.batch && !o.dry_run && !o.simulate);
}

static void test_cli_combined(void)
{
    struct cli_opts o;
    struct nt_err e;
    const char *argv[] = { "nt_flash", "-bnvv", "-t",      "2.5",   "--simulate=speed=0",
                           "--port",   "1-1.2", "--trace", "t.log", "x.zip" };
    CHECK_EQ_INT(parse(&o, &e, 10, argv), NT_OK);
    CHECK(o.batch && o.dry_run);
    CHECK_EQ_INT(o.verbose, 2);
    CHECK(o.timeout_s == 2.5);
    CHECK(o.simulate);
    CHECK_EQ_STR(o.simulate_spec, "speed=0");
    CHECK_EQ_STR(o.port, "1-1.2");
    CHECK_EQ_STR(o.trace, "t.log");
    CHECK_EQ_STR(o.package, "x.zip");
}

/* The proof options: --no-verify, --full, --sha256, --backup, --flashloader-from. */
static void test_cli_proof_options(void)
{
    struct cli_opts o;
    struct nt_err e;
    const char *a1[] = { "nt_flash",
                         "--no-verify",
                         "--full",
                         "--sha256",
                         "00112233445566778899AABBCCDDEEFF00112233445566778899aabbccddeeff",
                         "x.zip" };
    const char *a2[] = { "nt_flash", "--backup", "b.zip", "--flashloader-from", "p.zip" };
    const char *a3[] = { "nt_flash", "--backup", "b.zip" };
    const char *a4[] = { "nt_flash", "--sha256", "0011", "x.zip" };
    const char *a5[] = { "nt_flash", "--flashloader-from", "p.zip", "x.zip" };
    CHECK_EQ_INT(parse(&o, &e, 6, a1), NT_OK);
    CHECK(o.no_verify && o.full && o.pin);
    CHECK_EQ_INT(o.sha256[0], 0x00);
    CHECK_EQ_INT(o.sha256[10], 0xAA);
    CHECK_EQ_INT(o.sha256[31], 0xFF);
    CHECK_EQ_INT(parse(&o, &e, 5, a2), NT_OK);
    CHECK_EQ_STR(o.backup, "b.zip");
    CHECK_EQ_STR(o.flashloader_from, "p.zip");
    CHECK(o.package == NULL);
    CHECK_EQ_INT(parse(&o, &e, 3, a3), NT_E_USAGE);
    CHECK_CONTAINS(e.msg, "needs --flashloader-from");
    CHECK_EQ_INT(parse(&o, &e, 4, a4), NT_E_USAGE);
    CHECK_CONTAINS(e.msg, "64 hexadecimal digits");
    CHECK_EQ_INT(parse(&o, &e, 4, a5), NT_E_USAGE);
}

static void test_cli_simulate_without_spec(void)
{
    struct cli_opts o;
    struct nt_err e;
    const char *argv[] = { "nt_flash", "--simulate", "x.zip" };
    CHECK_EQ_INT(parse(&o, &e, 3, argv), NT_OK);
    CHECK(o.simulate);
    CHECK(o.simulate_spec == NULL);
    CHECK_EQ_STR(o.package, "x.zip");
}

static void test_cli_errors(void)
{
    struct cli_opts o;
    struct nt_err e;
    const char *bad_t[] = { "nt_flash", "-t", "abc", "x.zip" };
    const char *neg_t[] = { "nt_flash", "-t", "-1", "x.zip" };
    const char *unknown[] = { "nt_flash", "--frobnicate" };
    const char *unknown_short[] = { "nt_flash", "-Z" };
    const char *missing[] = { "nt_flash", "--port" };
    const char *extra[] = { "nt_flash", "a.zip", "b.zip" };
    const char *both[] = { "nt_flash", "--url", "http://x/y.zip", "a.zip" };

    CHECK_EQ_INT(parse(&o, &e, 4, bad_t), NT_E_USAGE);
    CHECK_CONTAINS(e.msg, "invalid timeout 'abc'");
    CHECK_EQ_INT(parse(&o, &e, 4, neg_t), NT_E_USAGE);
    CHECK_CONTAINS(e.msg, "invalid timeout '-1'");
    CHECK_EQ_INT(parse(&o, &e, 2, unknown), NT_E_USAGE);
    CHECK_CONTAINS(e.msg, "unknown option '--frobnicate'");
    CHECK_EQ_INT(parse(&o, &e, 2, unknown_short), NT_E_USAGE);
    CHECK_CONTAINS(e.msg, "unknown option '-Z'");
    CHECK_EQ_INT(parse(&o, &e, 2, missing), NT_E_USAGE);
    CHECK_CONTAINS(e.msg, "'--port' needs a value");
    CHECK_EQ_INT(parse(&o, &e, 3, extra), NT_E_USAGE);
    CHECK_CONTAINS(e.msg, "unexpected argument 'b.zip'");
    CHECK_EQ_INT(parse(&o, &e, 4, both), NT_E_USAGE);
}

static void test_cli_error_wording(void)
{
    struct cli_opts o;
    struct nt_err e;
    const char *help_value[] = { "nt_flash", "--help=x" };
    const char *ambiguous[] = { "nt_flash", "--ver" };
    const char *abbrev[] = { "nt_flash", "--vers" };
    const char *spec_as_package[] = { "nt_flash", "--simulate", "speed=0", "x.zip" };
    const char *hex_t[] = { "nt_flash", "-t", "0x10", "x.zip" };
    const char *space_t[] = { "nt_flash", "-t", " 5", "x.zip" };
    const char *inf_t[] = { "nt_flash", "-t", "inf", "x.zip" };
    const char *empty_url[] = { "nt_flash", "--url", "" };
    const char *ftp_url[] = { "nt_flash", "--url", "ftp://example.org/x.zip" };
    const char *frac_t[] = { "nt_flash", "-t", ".5", "x.zip" };

    CHECK_EQ_INT(parse(&o, &e, 2, help_value), NT_E_USAGE);
    CHECK_EQ_STR(e.msg, "option '--help' takes no value");
    CHECK_EQ_INT(parse(&o, &e, 2, ambiguous), NT_E_USAGE);
    CHECK_EQ_STR(e.msg, "ambiguous option '--ver' (could be --verbose or --version)");
    CHECK_EQ_INT(parse(&o, &e, 2, abbrev), NT_OK); /* a unique prefix is fine */
    CHECK(o.version);
    CHECK_EQ_INT(parse(&o, &e, 4, spec_as_package), NT_E_USAGE);
    CHECK_CONTAINS(e.msg, "--simulate takes its SPEC after '=', as in --simulate=speed=0");
    CHECK_EQ_INT(parse(&o, &e, 4, hex_t), NT_E_USAGE);
    CHECK_EQ_INT(parse(&o, &e, 4, space_t), NT_E_USAGE);
    CHECK_EQ_INT(parse(&o, &e, 4, inf_t), NT_E_USAGE);
    CHECK_EQ_INT(parse(&o, &e, 3, empty_url), NT_E_USAGE);
    CHECK_EQ_STR(e.msg, "invalid --url '': give an http:// or https:// URL");
    CHECK_EQ_INT(parse(&o, &e, 3, ftp_url), NT_E_USAGE);
    CHECK_EQ_INT(parse(&o, &e, 4, frac_t), NT_OK);
    CHECK(o.timeout_s == 0.5);
}

/* A value option given twice would silently replace the first. */
static void test_cli_value_option_twice(void)
{
    struct cli_opts o;
    struct nt_err e;
    const char *sim[] = { "nt_flash", "--simulate=fault=unplug@write", "--simulate=speed=0", "x.zip" };
    const char *sim_bare[] = { "nt_flash", "--simulate", "--simulate=speed=0", "x.zip" };
    const char *url[] = { "nt_flash", "-u", "http://a/b.zip", "--url=http://a/c.zip" };
    const char *trace[] = { "nt_flash", "--trace", "a", "--trace=b", "x.zip" };
    const char *t[] = { "nt_flash", "-t", "1", "-t2", "x.zip" };
    const char *ca[] = { "nt_flash", "--cacert", "a", "--cacert", "b", "--url", "http://a/b.zip" };
    const char *flags[] = { "nt_flash", "-v", "-v", "-b", "-b", "x.zip" };
    const char *fw[] = { "nt_flash", "--firmware", "1.18.0", "--firmware=1.19.0" };

    CHECK_EQ_INT(parse(&o, &e, 4, sim), NT_E_USAGE);
    CHECK_EQ_STR(e.msg,
                 "option '--simulate' given twice: give it once (put all the keys in one SPEC: "
                 "--simulate=KEY=VALUE,KEY=VALUE)");
    CHECK_EQ_INT(parse(&o, &e, 4, sim_bare), NT_E_USAGE);
    CHECK_EQ_INT(parse(&o, &e, 4, url), NT_E_USAGE);
    CHECK_EQ_STR(e.msg, "option '--url' given twice: give it once");
    CHECK_EQ_INT(parse(&o, &e, 5, trace), NT_E_USAGE);
    CHECK_EQ_STR(e.msg, "option '--trace' given twice: give it once");
    CHECK_EQ_INT(parse(&o, &e, 5, t), NT_E_USAGE);
    CHECK_EQ_STR(e.msg, "option '--timeout' given twice: give it once");
    CHECK_EQ_INT(parse(&o, &e, 7, ca), NT_E_USAGE);
    CHECK_EQ_STR(e.msg, "option '--cacert' given twice: give it once");
    CHECK_EQ_INT(parse(&o, &e, 4, fw), NT_E_USAGE);
    CHECK_EQ_STR(e.msg, "option '--firmware' given twice: give it once");
    /* Flags may repeat (-v counts). */
    CHECK_EQ_INT(parse(&o, &e, 6, flags), NT_OK);
    CHECK_EQ_INT(o.verbose, 2);
}

/* A version number in place of the package names an official release; a
 * file name never does. */
static void test_cli_release_options(void)
{
    struct cli_opts o;
    struct nt_err e;
    const char *version[] = { "nt_flash", "1.19.0" };
    const char *beta[] = { "nt_flash",  "--firmware",     "1.13.0beta",
                           "--offline", "--release-page", "https://m/p" };
    const char *file[] = { "nt_flash", "1.19.0.zip" };
    const char *latest[] = { "nt_flash", "--latest", "--refresh", "-n" };
    const char *releases[] = { "nt_flash", "--releases", "-v" };
    const char *two[] = { "nt_flash", "--latest", "1.19.0" };
    const char *twice[] = { "nt_flash", "--firmware", "1.18.0", "1.19.0" };
    const char *bad[] = { "nt_flash", "--firmware", "latest" };
    const char *alone[] = { "nt_flash", "--releases", "x.zip" };
    const char *offline_file[] = { "nt_flash", "--offline", "x.zip" };

    CHECK_EQ_INT(parse(&o, &e, 2, version), NT_OK);
    CHECK_EQ_STR(o.firmware, "1.19.0");
    CHECK(o.package == NULL);
    CHECK_EQ_INT(parse(&o, &e, 6, beta), NT_OK);
    CHECK_EQ_STR(o.firmware, "1.13.0beta");
    CHECK(o.offline);
    CHECK_EQ_STR(o.release_page, "https://m/p");
    CHECK_EQ_INT(parse(&o, &e, 2, file), NT_OK);
    CHECK_EQ_STR(o.package, "1.19.0.zip");
    CHECK(o.firmware == NULL);
    CHECK_EQ_INT(parse(&o, &e, 4, latest), NT_OK);
    CHECK(o.latest && o.refresh && o.dry_run);
    CHECK_EQ_INT(parse(&o, &e, 3, releases), NT_OK);
    CHECK(o.releases);
    CHECK_EQ_INT(parse(&o, &e, 3, two), NT_E_USAGE);
    CHECK_CONTAINS(e.msg, "not several");
    CHECK_EQ_INT(parse(&o, &e, 4, twice), NT_E_USAGE);
    CHECK_CONTAINS(e.msg, "give the version once");
    CHECK_EQ_INT(parse(&o, &e, 3, bad), NT_E_USAGE);
    CHECK_CONTAINS(e.msg, "invalid --firmware 'latest'");
    CHECK_EQ_INT(parse(&o, &e, 3, alone), NT_E_USAGE);
    CHECK_CONTAINS(e.msg, "--releases");
    CHECK_EQ_INT(parse(&o, &e, 3, offline_file), NT_E_USAGE);
    CHECK_CONTAINS(e.msg, "--offline");
}

/* --all, --loop and a set of --port options (issue 12). */
static void test_cli_several_modules(void)
{
    struct cli_opts o;
    struct nt_err e;
    const char *all[] = { "nt_flash", "--all", "-p", "1-1.2", "--port", "1-1.3", "pkg.zip" };
    const char *loop[] = { "nt_flash", "--loop", "pkg.zip" };
    const char *machine[] = { "nt_flash", "--machine", "--all", "pkg.zip" };
    const char *machine_loop[] = { "nt_flash", "--loop", "--machine", "pkg.zip" };
    const char *trace[] = { "nt_flash", "--all", "--trace", "t.txt", "pkg.zip" };
    const char *two_ports[] = { "nt_flash", "-p", "1-1.2", "-p", "1-1.3", "pkg.zip" };
    CHECK_EQ_INT(parse(&o, &e, 7, all), NT_OK);
    CHECK(o.all);
    CHECK(!o.loop);
    CHECK_EQ_INT(o.nports, 2);
    CHECK_EQ_STR(o.port, "1-1.2");
    CHECK_EQ_STR(o.ports[0], "1-1.2");
    CHECK_EQ_STR(o.ports[1], "1-1.3");
    CHECK_EQ_INT(parse(&o, &e, 3, loop), NT_OK);
    CHECK(o.loop);
    CHECK(!o.all);
    CHECK_EQ_INT(o.nports, 0);
    CHECK_EQ_INT(parse(&o, &e, 4, machine), NT_E_USAGE);
    CHECK_CONTAINS(e.msg, "--machine reports one module");
    CHECK_EQ_INT(parse(&o, &e, 4, machine_loop), NT_E_USAGE);
    CHECK_EQ_INT(parse(&o, &e, 5, trace), NT_E_USAGE);
    CHECK_CONTAINS(e.msg, "--trace records one module");
    CHECK_EQ_INT(parse(&o, &e, 6, two_ports), NT_E_USAGE);
    CHECK_CONTAINS(e.msg, "several --port options need --all or --loop");
}

int main(void)
{
    RUN(test_cli_defaults_and_package);
    RUN(test_cli_combined);
    RUN(test_cli_simulate_without_spec);
    RUN(test_cli_proof_options);
    RUN(test_cli_errors);
    RUN(test_cli_error_wording);
    RUN(test_cli_value_option_twice);
    RUN(test_cli_release_options);
    RUN(test_cli_several_modules);
    return check_finish();
}
