/* Tests for fetch_url against loopback HTTP and HTTPS servers (tests/httpd.py)
 * that this program starts on free ports and stops itself: every outcome, its
 * message, progress reports, and that no download ever leaves a file behind. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tap.h"
#include "fetch.h"

extern char **environ;

#define PAYLOAD_BYTES (300u * 1024)
#define SERVER_START_WAIT_MS 15000
#define SERVER_LIFETIME_S "120"
#define LIMIT_BYTES (1024L * 1024) /* the lowered cap for the size tests */
#define BIG_BYTES "2097152"        /* what /big sends: over LIMIT_BYTES */
#define STALL_WINDOW_S 1L

static char work[1024];      /* private directory inside $TMPDIR */
static char srvdir[1100];    /* server files: payload, certs, port files */
static char clientdir[1100]; /* TMPDIR and cwd while downloading: must stay empty */
static char srcdir[1024];
static uint8_t payload[PAYLOAD_BYTES];
static pid_t http_pid = -1, https_pid = -1;
static int http_port, https_port;

/* ---- processes ----------------------------------------------------------- */

static pid_t spawn(char *const argv[])
{
    pid_t pid;
    posix_spawn_file_actions_t fa;

    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    if (posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ) != 0)
        pid = -1;
    posix_spawn_file_actions_destroy(&fa);
    return pid;
}

static int run_wait(char *const argv[])
{
    int ws;
    pid_t pid = spawn(argv);

    if (pid < 0 || waitpid(pid, &ws, 0) != pid)
        return -1;
    return WIFEXITED(ws) ? WEXITSTATUS(ws) : -1;
}

static void sleep_ms(long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
    nanosleep(&ts, NULL);
}

static int start_server(const char *name, int tls, pid_t *pid, int *port)
{
    char portfile[1200], okfile[1200], cert[1200], key[1200], script[1100];
    char *argv[16];
    int n = 0, waited;
    FILE *f;

    snprintf(portfile, sizeof portfile, "%s/%s.port", srvdir, name);
    snprintf(okfile, sizeof okfile, "%s/ok.bin", srvdir);
    snprintf(cert, sizeof cert, "%s/server.pem", srvdir);
    snprintf(key, sizeof key, "%s/server.key", srvdir);
    snprintf(script, sizeof script, "%s/tests/httpd.py", srcdir);
    argv[n++] = "python3";
    argv[n++] = script;
    argv[n++] = "--port-file";
    argv[n++] = portfile;
    argv[n++] = "--ok-file";
    argv[n++] = okfile;
    argv[n++] = "--big";
    argv[n++] = BIG_BYTES;
    argv[n++] = "--lifetime";
    argv[n++] = SERVER_LIFETIME_S;
    if (tls) {
        argv[n++] = "--cert";
        argv[n++] = cert;
        argv[n++] = "--key";
        argv[n++] = key;
    }
    argv[n] = NULL;
    if ((*pid = spawn(argv)) < 0)
        return -1;
    for (waited = 0; waited < SERVER_START_WAIT_MS; waited += 50) {
        if ((f = fopen(portfile, "r")) != NULL) {
            int ok = fscanf(f, "%d", port) == 1;
            fclose(f);
            if (ok)
                return 0;
        }
        sleep_ms(50);
    }
    return -1;
}

static void stop_server(pid_t *pid)
{
    if (*pid > 0) {
        kill(*pid, SIGTERM);
        waitpid(*pid, NULL, 0);
        *pid = -1;
    }
}

/* ---- directory listing: proof that nothing is written ------------------- */

static char listing[65536];

static int list_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb, (void)flag, (void)ftw;
    strncat(listing, path, sizeof listing - strlen(listing) - 2);
    strcat(listing, "\n");
    return 0;
}

static void list_tree(const char *dir, char *out, size_t cap)
{
    listing[0] = '\0';
    nftw(dir, list_one, 16, FTW_PHYS);
    snprintf(out, cap, "%s", listing);
}

/* ---- one download ------------------------------------------------------- */

struct result {
    nt_status st;
    struct nt_err err;
    uint8_t *data;
    size_t len;
    char name[256];
    char url[256];
    int calls;
    int monotonic;
    uint64_t first_done, first_total, last_done, last_total;
    int nonzero_total_before_end; /* a call with total != 0 before the last one */
    int stop_after_calls;         /* >0: set the stop flag after this many calls */
    struct nt_stop stop;
};

static void on_progress(void *user, uint64_t done, uint64_t total)
{
    struct result *r = user;

    if (r->calls == 0) {
        r->first_done = done;
        r->first_total = total;
    } else {
        if (done < r->last_done)
            r->monotonic = 0;
        if (r->last_total)
            r->nonzero_total_before_end = 1;
    }
    r->calls++;
    r->last_done = done;
    r->last_total = total;
    if (r->stop_after_calls && r->calls >= r->stop_after_calls)
        nt_stop_request(&r->stop, 0);
}

static void fetch_full(const char *url, struct fetch_opts *o, struct result *r)
{
    char before[sizeof listing], after[sizeof listing];

    r->monotonic = 1;
    o->stop = &r->stop;
    snprintf(r->url, sizeof r->url, "%s", url);
    list_tree(work, before, sizeof before);
    nt_err_clear(&r->err);
    r->st = fetch_url(url, o, on_progress, r, &r->data, &r->len, r->name, sizeof r->name, &r->err);
    list_tree(work, after, sizeof after);
    CHECK_EQ_STR(before, after);
    if (r->st != NT_OK) {
        CHECK(r->data == NULL);
        CHECK_EQ_INT(r->len, 0);
        CHECK(strchr(r->err.msg, '\n') == NULL);
    }
}

/* GET path from the http (tls = 0) or https server with options o. */
static void fetch_path(int tls, const char *path, struct fetch_opts *o, struct result *r)
{
    char url[256];

    snprintf(url, sizeof url, "%s://127.0.0.1:%d%s", tls ? "https" : "http", tls ? https_port : http_port,
             path);
    fetch_full(url, o, r);
}

static void result_free(struct result *r)
{
    free(r->data);
    r->data = NULL;
}

/* Expect a failure with status st whose message names the URL and has cause. */
static void expect_fail(struct result *r, nt_status st, const char *cause)
{
    if (getenv("TEST_FETCH_VERBOSE"))
        fprintf(stderr, "  %s\n", r->err.msg);
    CHECK_EQ_STR(nt_status_name(r->st), nt_status_name(st));
    CHECK_CONTAINS(r->err.msg, r->url);
    CHECK_CONTAINS(r->err.msg, cause);
}

static void expect_payload(struct result *r)
{
    CHECK_EQ_INT(r->st, NT_OK);
    if (r->st != NT_OK)
        fprintf(stderr, "  error: %s\n", r->err.msg);
    CHECK_EQ_INT(r->len, PAYLOAD_BYTES);
    if (r->data && r->len == PAYLOAD_BYTES)
        CHECK_MEM(r->data, payload, PAYLOAD_BYTES);
}

static struct fetch_opts opts(void)
{
    struct fetch_opts o;
    fetch_opts_init(&o);
    return o;
}

static void srvfile(char *out, size_t cap, const char *name) { snprintf(out, cap, "%s/%s", srvdir, name); }

/* ---- cases --------------------------------------------------------------- */

static void test_http_ok(void)
{
    struct fetch_opts o = opts();
    struct result r = { 0 };

    fetch_path(0, "/ok.zip", &o, &r);
    expect_payload(&r);
    CHECK_EQ_STR(r.name, "ok.zip");
    CHECK(r.calls >= 3);
    CHECK(r.monotonic);
    CHECK_EQ_INT(r.first_done, 0);
    CHECK_EQ_INT(r.first_total, PAYLOAD_BYTES);
    CHECK_EQ_INT(r.last_done, PAYLOAD_BYTES);
    CHECK_EQ_INT(r.last_total, PAYLOAD_BYTES);
    result_free(&r);
}

static void test_user_agent(void)
{
    struct fetch_opts o = opts();
    struct result r = { 0 };
    char want[64];

    fetch_path(0, "/ua", &o, &r);
    CHECK_EQ_INT(r.st, NT_OK);
    snprintf(want, sizeof want, "nt_flash/%s", PACKAGE_VERSION);
    CHECK_EQ_INT(r.len, strlen(want));
    if (r.data && r.len == strlen(want))
        CHECK_MEM(r.data, want, r.len);
    result_free(&r);
}

static void test_https_untrusted(void)
{
    struct fetch_opts o = opts();
    struct result r = { 0 };

    fetch_path(1, "/ok.zip", &o, &r);
    expect_fail(&r, NT_E_DOWNLOAD, "certificate is not trusted");
    CHECK_CONTAINS(r.err.msg, "--cacert");
}

static void test_https_cafile(void)
{
    struct fetch_opts o = opts();
    struct result r = { 0 };
    char ca[1200];

    srvfile(ca, sizeof ca, "ca.pem");
    o.cafile = ca;
    fetch_path(1, "/ok.zip", &o, &r);
    expect_payload(&r);
    result_free(&r);
}

/* --cacert must add to the system store: with the server's CA standing in for
 * the system store and an unrelated --cacert, the server is still trusted. */
static void test_https_cafile_keeps_system_store(void)
{
    struct fetch_opts o = opts();
    struct result r = { 0 }, r2 = { 0 };
    char ca[1200], other[1200];

    srvfile(ca, sizeof ca, "ca.pem");
    srvfile(other, sizeof other, "other-ca.pem");
    o.system_cafile = ca;
    o.cafile = other;
    fetch_path(1, "/ok.zip", &o, &r);
    expect_payload(&r);
    result_free(&r);

    /* And the stand-in is real: a store without the server's CA refuses it. */
    o.system_cafile = other;
    o.cafile = NULL;
    fetch_path(1, "/ok.zip", &o, &r2);
    expect_fail(&r2, NT_E_DOWNLOAD, "certificate is not trusted");
}

static void test_cafile_unreadable(void)
{
    struct fetch_opts o = opts();
    struct result r = { 0 };
    char missing[1200];

    srvfile(missing, sizeof missing, "no-such-ca.pem");
    o.cafile = missing;
    fetch_path(1, "/ok.zip", &o, &r);
    CHECK_EQ_INT(r.st, NT_E_USAGE);
    CHECK_CONTAINS(r.err.msg, "cannot read the --cacert file");
    CHECK_CONTAINS(r.err.msg, missing);
}

/* An empty file and a file that is no PEM at all. */
static void test_cafile_not_pem(void)
{
    struct fetch_opts o = opts();
    struct result r = { 0 }, r2 = { 0 };
    char path[1200];
    FILE *f;

    srvfile(path, sizeof path, "empty.pem");
    CHECK((f = fopen(path, "w")) != NULL && fclose(f) == 0);
    o.cafile = path;
    fetch_path(1, "/ok.zip", &o, &r);
    CHECK_EQ_INT(r.st, NT_E_USAGE);
    CHECK_CONTAINS(r.err.msg, "holds no PEM certificate");
    CHECK_CONTAINS(r.err.msg, path);

    srvfile(path, sizeof path, "ok.bin");
    fetch_path(1, "/ok.zip", &o, &r2);
    CHECK_EQ_INT(r2.st, NT_E_USAGE);
    CHECK_CONTAINS(r2.err.msg, "holds no PEM certificate");
}

static void test_404(void)
{
    struct fetch_opts o = opts();
    struct result r = { 0 };
    char want[512];

    fetch_path(0, "/404", &o, &r);
    expect_fail(&r, NT_E_DOWNLOAD, "HTTP 404 Not Found");
    snprintf(want, sizeof want, "cannot download %s: the server answered HTTP 404 Not Found", r.url);
    CHECK_EQ_STR(r.err.msg, want);
}

static void test_500(void)
{
    struct fetch_opts o = opts();
    struct result r = { 0 };

    fetch_path(0, "/500", &o, &r);
    expect_fail(&r, NT_E_DOWNLOAD, "HTTP 500 Internal Server Error");
}

static void test_redirects(void)
{
    struct fetch_opts o = opts();
    struct result r = { 0 }, r6 = { 0 };

    fetch_path(0, "/redirect/5", &o, &r);
    expect_payload(&r);
    CHECK_EQ_STR(r.name, "ok.zip"); /* named after the final URL */
    result_free(&r);

    fetch_path(0, "/redirect/6", &o, &r6);
    expect_fail(&r6, NT_E_DOWNLOAD, "too many redirects (more than 5)");
}

static void test_redirect_loop(void)
{
    struct fetch_opts o = opts();
    struct result r = { 0 };

    fetch_path(0, "/loop", &o, &r);
    expect_fail(&r, NT_E_DOWNLOAD, "too many redirects");
}

static void test_redirect_to_ftp(void)
{
    struct fetch_opts o = opts();
    struct result r = { 0 };

    fetch_path(0, "/ftp", &o, &r);
    expect_fail(&r, NT_E_DOWNLOAD, "redirected to a URL that is not http or https");
}

static void test_truncated(void)
{
    struct fetch_opts o = opts();
    struct result r = { 0 };
    char cause[128];

    fetch_path(0, "/truncated", &o, &r);
    snprintf(cause, sizeof cause, "truncated: the server sent %u of %u bytes", PAYLOAD_BYTES,
             PAYLOAD_BYTES + 1000);
    expect_fail(&r, NT_E_DOWNLOAD, cause);
}

static void test_stalled(void)
{
    struct fetch_opts o = opts();
    struct result r = { 0 };

    o.low_speed_time_s = STALL_WINDOW_S;
    fetch_path(0, "/stall", &o, &r);
    expect_fail(&r, NT_E_DOWNLOAD, "too slow (under 1024 bytes/s for 1 s)");
}

static void test_too_large_declared(void)
{
    struct fetch_opts o = opts();
    struct result r = { 0 };

    o.max_bytes = LIMIT_BYTES;
    fetch_path(0, "/big", &o, &r);
    expect_fail(&r, NT_E_DOWNLOAD, "too large (over the 1048576 byte limit");
    CHECK_EQ_INT(r.calls, 0); /* refused on Content-Length, before any body */
}

static void test_too_large_streamed(void)
{
    struct fetch_opts o = opts();
    struct result r = { 0 };

    o.max_bytes = LIMIT_BYTES;
    fetch_path(0, "/bignolength", &o, &r);
    expect_fail(&r, NT_E_DOWNLOAD, "too large (over the 1048576 byte limit");
    CHECK(r.calls > 0);
    CHECK(r.last_done <= (uint64_t)LIMIT_BYTES);
}

static void test_no_length(void)
{
    struct fetch_opts o = opts();
    struct result r = { 0 };

    fetch_path(0, "/nolength", &o, &r);
    expect_payload(&r);
    CHECK(r.calls >= 3);
    CHECK(r.monotonic);
    CHECK_EQ_INT(r.first_done, 0);
    CHECK_EQ_INT(r.first_total, 0);
    CHECK(!r.nonzero_total_before_end);       /* total 0 while unknown ... */
    CHECK_EQ_INT(r.last_done, PAYLOAD_BYTES); /* ... then (len, len) at the end */
    CHECK_EQ_INT(r.last_total, PAYLOAD_BYTES);
    result_free(&r);
}

/* A loopback TCP socket on a free port; listening (but never accepting) or not. */
static int loopback_socket(int listening, int *port)
{
    struct sockaddr_in sa = { 0 };
    socklen_t sl = sizeof sa;
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0 ||
        getsockname(fd, (struct sockaddr *)&sa, &sl) != 0 || (listening && listen(fd, 8) != 0)) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    *port = ntohs(sa.sin_port);
    return fd;
}

static void test_refused(void)
{
    struct fetch_opts o = opts();
    struct result r = { 0 };
    char url[128];
    int port = 0, fd = loopback_socket(0, &port);

    /* A port that was free a moment ago and has no listener. */
    CHECK(fd >= 0);
    close(fd);
    snprintf(url, sizeof url, "http://127.0.0.1:%d/ok.zip", port);
    fetch_full(url, &o, &r);
    expect_fail(&r, NT_E_DOWNLOAD, "connection refused");
}

/* TCP connects (the kernel queues it) but no TLS handshake ever comes. */
static void test_connect_timeout(void)
{
    struct fetch_opts o = opts();
    struct result r = { 0 };
    char url[128];
    int port = 0, fd = loopback_socket(1, &port);

    CHECK(fd >= 0);
    o.connect_timeout_s = 1;
    snprintf(url, sizeof url, "https://127.0.0.1:%d/ok.zip", port);
    fetch_full(url, &o, &r);
    expect_fail(&r, NT_E_DOWNLOAD, "the connection timed out after 1 s");
    if (fd >= 0)
        close(fd);
}

static void test_bad_schemes(void)
{
    static const char *const urls[] = { "ftp://127.0.0.1/ok.zip", "file:///etc/hostname", "not a url" };
    struct fetch_opts o = opts();
    size_t i;

    for (i = 0; i < sizeof urls / sizeof urls[0]; i++) {
        struct result r = { 0 };
        fetch_full(urls[i], &o, &r);
        CHECK_EQ_INT(r.st, NT_E_USAGE);
        CHECK_CONTAINS(r.err.msg, urls[i]);
        CHECK_EQ_INT(r.calls, 0);
    }
}

static void test_names(void)
{
    struct fetch_opts o = opts();
    struct result r = { 0 }, r2 = { 0 };

    fetch_path(0, "/disposition", &o, &r);
    expect_payload(&r);
    CHECK_EQ_STR(r.name, "disting_NT_1.2.3.zip"); /* directories dropped */
    result_free(&r);

    fetch_path(0, "/name/disting%20NT_1.9.0.zip?x=1", &o, &r2);
    expect_payload(&r2);
    CHECK_EQ_STR(r2.name, "disting NT_1.9.0.zip");
    result_free(&r2);
}

static void test_stop(void)
{
    struct fetch_opts o = opts();
    struct result r = { 0 }, r2 = { 0 };

    nt_stop_request(&r.stop, 0); /* before anything happens */
    fetch_path(0, "/ok.zip", &o, &r);
    expect_fail(&r, NT_E_INTERRUPTED, "interrupted");

    /* During a stalled transfer: the stop must not wait for the stall window. */
    r2.stop_after_calls = 1;
    fetch_path(0, "/stall", &o, &r2);
    expect_fail(&r2, NT_E_INTERRUPTED, "interrupted");
}

static void test_env_overrides(void)
{
    struct fetch_opts o = opts();
    struct nt_err err;

    CHECK_EQ_INT(o.max_bytes, 64L * 1024 * 1024);
    CHECK_EQ_INT(o.max_redirects, 5);
    setenv("NT_FLASH_LOW_SPEED_TIME", "7", 1);
    setenv("NT_FLASH_MAX_BYTES", "4096", 1);
    CHECK_EQ_INT(fetch_opts_from_env(&o, &err), NT_OK);
    CHECK_EQ_INT(o.low_speed_time_s, 7);
    CHECK_EQ_INT(o.max_bytes, 4096);
    CHECK_EQ_INT(o.connect_timeout_s, FETCH_CONNECT_TIMEOUT_S_DEFAULT);
    setenv("NT_FLASH_CONNECT_TIMEOUT", "abc", 1);
    CHECK_EQ_INT(fetch_opts_from_env(&o, &err), NT_E_USAGE);
    CHECK_EQ_STR(err.msg,
                 "NT_FLASH_CONNECT_TIMEOUT='abc' is not a positive whole number; "
                 "fix or unset it (it is a test-only setting)");
    unsetenv("NT_FLASH_LOW_SPEED_TIME");
    unsetenv("NT_FLASH_MAX_BYTES");
    unsetenv("NT_FLASH_CONNECT_TIMEOUT");
}

/* ---- setup --------------------------------------------------------------- */

static int have(const char *prog, const char *arg)
{
    char *argv[] = { (char *)prog, (char *)arg, NULL };
    return run_wait(argv) == 0;
}

static int write_payload(void)
{
    char path[1200];
    uint32_t s = 0x12345678u;
    size_t i;
    FILE *f;

    for (i = 0; i < PAYLOAD_BYTES; i++) {
        s = s * 1103515245u + 12345u;
        payload[i] = (uint8_t)(s >> 16);
    }
    srvfile(path, sizeof path, "ok.bin");
    if (!(f = fopen(path, "wb")))
        return -1;
    i = fwrite(payload, 1, sizeof payload, f);
    return (fclose(f) == 0 && i == sizeof payload) ? 0 : -1;
}

static int prepare(void)
{
    const char *tmp = getenv("TMPDIR");
    const char *top = getenv("top_srcdir");
    char script[1100];
    char *argv[] = { "sh", script, srvdir, NULL };

    snprintf(srcdir, sizeof srcdir, "%s", top ? top : ".");
    snprintf(work, sizeof work, "%s/test_fetch.%ld", tmp ? tmp : ".", (long)getpid());
    snprintf(srvdir, sizeof srvdir, "%s/srv", work);
    snprintf(clientdir, sizeof clientdir, "%s/client", work);
    snprintf(script, sizeof script, "%s/tests/fetch_certs.sh", srcdir);
    if (mkdir(work, 0700) != 0 || mkdir(srvdir, 0700) != 0 || mkdir(clientdir, 0700) != 0)
        return -1;
    if (write_payload() != 0 || run_wait(argv) != 0)
        return -1;
    /* Anything libcurl might write would land here, in the listed tree. */
    setenv("TMPDIR", clientdir, 1);
    if (chdir(clientdir) != 0)
        return -1;
    if (start_server("http", 0, &http_pid, &http_port) != 0 ||
        start_server("https", 1, &https_pid, &https_port) != 0)
        return -1;
    return 0;
}

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb, (void)flag, (void)ftw;
    return remove(path);
}

int main(void)
{
    int rc;

    signal(SIGPIPE, SIG_IGN);
    if (!have("python3", "--version") || !have("openssl", "version")) {
        SKIP_ALL("python3 and openssl are needed for the download tests");
    }
    if (prepare() != 0) {
        fprintf(stderr, "test_fetch: cannot set up the test servers in %s\n", work);
        stop_server(&http_pid);
        stop_server(&https_pid);
        return 1;
    }
    RUN(test_http_ok);
    RUN(test_user_agent);
    RUN(test_https_untrusted);
    RUN(test_https_cafile);
    RUN(test_https_cafile_keeps_system_store);
    RUN(test_cafile_unreadable);
    RUN(test_cafile_not_pem);
    RUN(test_404);
    RUN(test_500);
    RUN(test_redirects);
    RUN(test_redirect_loop);
    RUN(test_redirect_to_ftp);
    RUN(test_truncated);
    RUN(test_stalled);
    RUN(test_too_large_declared);
    RUN(test_too_large_streamed);
    RUN(test_no_length);
    RUN(test_refused);
    RUN(test_connect_timeout);
    RUN(test_bad_schemes);
    RUN(test_names);
    RUN(test_stop);
    RUN(test_env_overrides);
    stop_server(&http_pid);
    stop_server(&https_pid);
    rc = check_finish();
    if (chdir("/") == 0 && rc == 0)
        nftw(work, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    return rc;
}
