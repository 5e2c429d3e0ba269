/* Package downloads with libcurl (fetch.h): http(s) only, verified TLS, a size
 * cap, stall detection, and one-line messages for every way a download fails.
 * The body is kept in memory only; nothing is ever written to disk. */
#include "config.h"

#include "fetch.h"

#include <curl/curl.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define FETCH_USER_AGENT "nt_flash/" PACKAGE_VERSION
/* A CA file larger than this is not a PEM bundle anyone meant to give us. */
#define FETCH_CA_FILE_MAX_BYTES (16L * 1024 * 1024)
/* First allocation when the server sends no Content-Length. */
#define FETCH_INITIAL_BUF_BYTES (64u * 1024)

enum fetch_abort { FETCH_ABORT_NONE, FETCH_ABORT_TOO_LARGE, FETCH_ABORT_NOMEM, FETCH_ABORT_STOP };

/* State shared with libcurl's callbacks during one transfer. */
struct fetch_xfer {
    const struct fetch_opts *o;
    nt_progress_fn progress;
    void *user;
    CURL *h;
    uint8_t *buf;
    size_t len, cap;
    uint64_t total;   /* Content-Length of the response being received, 0 if none */
    int body_started; /* the first body byte of the final response has arrived */
    int status;       /* from the last status line seen */
    char reason[64];
    char disposition[256]; /* Content-Disposition filename of the last response */
    enum fetch_abort abort;
};

static pthread_once_t fetch_init_once = PTHREAD_ONCE_INIT;
static CURLcode fetch_init_rc = CURLE_FAILED_INIT;

static void fetch_global_init(void) { fetch_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT); }

void fetch_opts_init(struct fetch_opts *o)
{
    memset(o, 0, sizeof *o);
    o->max_bytes = FETCH_MAX_BYTES_DEFAULT;
    o->connect_timeout_s = FETCH_CONNECT_TIMEOUT_S_DEFAULT;
    o->low_speed_limit_bps = FETCH_LOW_SPEED_LIMIT_BPS_DEFAULT;
    o->low_speed_time_s = FETCH_LOW_SPEED_TIME_S_DEFAULT;
    o->max_redirects = FETCH_MAX_REDIRECTS_DEFAULT;
}

static nt_status env_long(const char *name, long *out, struct nt_err *err)
{
    const char *s = getenv(name);
    char *end;
    long v;

    if (!s || !*s)
        return NT_OK;
    errno = 0;
    v = strtol(s, &end, 10);
    if (errno || *end || v <= 0)
        return nt_err_set(err, NT_E_USAGE,
                          "%s='%s' is not a positive whole number; fix or unset it "
                          "(it is a test-only setting)",
                          name, s);
    *out = v;
    return NT_OK;
}

nt_status fetch_opts_from_env(struct fetch_opts *o, struct nt_err *err)
{
    nt_status st;

    if ((st = env_long("NT_FLASH_MAX_BYTES", &o->max_bytes, err)) != NT_OK ||
        (st = env_long("NT_FLASH_CONNECT_TIMEOUT", &o->connect_timeout_s, err)) != NT_OK ||
        (st = env_long("NT_FLASH_LOW_SPEED_LIMIT", &o->low_speed_limit_bps, err)) != NT_OK ||
        (st = env_long("NT_FLASH_LOW_SPEED_TIME", &o->low_speed_time_s, err)) != NT_OK)
        return st;
    return NT_OK;
}

static int fetch_stopped(const struct fetch_xfer *x) { return nt_stop_requested(x->o->stop); }

/* ---- callbacks ---------------------------------------------------------- */

static void copy_trimmed(char *dst, size_t cap, const char *src, size_t n)
{
    while (n && (src[n - 1] == '\r' || src[n - 1] == '\n' || src[n - 1] == ' '))
        n--;
    while (n && *src == ' ') {
        src++;
        n--;
    }
    if (n >= cap)
        n = cap - 1;
    memcpy(dst, src, n);
    dst[n] = '\0';
}

/* filename="x" or filename=x from a Content-Disposition value. */
static void parse_disposition(struct fetch_xfer *x, const char *v, size_t n)
{
    static const char key[] = "filename=";
    char line[512];
    char *p, *end;

    copy_trimmed(line, sizeof line, v, n);
    for (p = line; *p; p++)
        if (strncasecmp(p, key, sizeof key - 1) == 0 && (p == line || p[-1] == ';' || p[-1] == ' '))
            break;
    if (!*p)
        return;
    p += sizeof key - 1;
    if (*p == '"') {
        p++;
        end = strchr(p, '"');
    } else {
        end = strchr(p, ';');
    }
    if (end)
        *end = '\0';
    copy_trimmed(x->disposition, sizeof x->disposition, p, strlen(p));
}

/* The status code after a status line's protocol: three digits read within
 * the line's n bytes, since libcurl's header lines are not NUL-terminated
 * (atoi could read past the end of one that has no line break). */
static int status_code(const char *s, size_t n)
{
    int v = 0;
    for (size_t i = 0; i < n && i < 3 && s[i] >= '0' && s[i] <= '9'; i++)
        v = v * 10 + (s[i] - '0');
    return v;
}

static size_t on_header(char *data, size_t size, size_t nmemb, void *userp)
{
    struct fetch_xfer *x = userp;
    size_t n = size * nmemb;
    static const char cd[] = "content-disposition:";

    if (n > 5 && memcmp(data, "HTTP/", 5) == 0) {
        /* A new response (after a redirect, or a 100 Continue): forget the last. */
        const char *sp = memchr(data, ' ', n);
        x->status = 0;
        x->reason[0] = '\0';
        x->disposition[0] = '\0';
        if (sp && (size_t)(sp - data) + 4 <= n) {
            x->status = status_code(sp + 1, n - (size_t)(sp + 1 - data));
            if ((size_t)(sp - data) + 5 <= n)
                copy_trimmed(x->reason, sizeof x->reason, sp + 5, n - (size_t)(sp - data) - 5);
        }
    } else if (n > sizeof cd - 1 && strncasecmp(data, cd, sizeof cd - 1) == 0) {
        parse_disposition(x, data + sizeof cd - 1, n - (sizeof cd - 1));
    }
    return n;
}

static void report(struct fetch_xfer *x, uint64_t done, uint64_t total)
{
    if (x->progress)
        x->progress(x->user, done, total);
}

/* Make room for n more bytes within the cap; sets x->abort when impossible. */
static int reserve(struct fetch_xfer *x, size_t n)
{
    size_t need = x->len + n, cap;
    uint8_t *nb;

    if (need > (size_t)x->o->max_bytes) {
        x->abort = FETCH_ABORT_TOO_LARGE;
        return -1;
    }
    if (need <= x->cap)
        return 0;
    cap = x->cap ? x->cap : FETCH_INITIAL_BUF_BYTES;
    while (cap < need)
        cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    if (cap > (size_t)x->o->max_bytes)
        cap = (size_t)x->o->max_bytes;
    nb = realloc(x->buf, cap);
    if (!nb) {
        x->abort = FETCH_ABORT_NOMEM;
        return -1;
    }
    x->buf = nb;
    x->cap = cap;
    return 0;
}

static int start_body(struct fetch_xfer *x)
{
    curl_off_t cl = -1;

    x->body_started = 1;
    x->len = 0;
    if (curl_easy_getinfo(x->h, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &cl) != CURLE_OK || cl < 0)
        cl = 0;
    x->total = (uint64_t)cl;
    /* CURLOPT_MAXFILESIZE already refuses a declared length over the cap;
     * this is the same rule for servers it may not catch. */
    if (x->total > (uint64_t)x->o->max_bytes) {
        x->abort = FETCH_ABORT_TOO_LARGE;
        return -1;
    }
    if (x->total && reserve(x, (size_t)x->total) != 0)
        return -1;
    report(x, 0, x->total);
    return 0;
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *userp)
{
    struct fetch_xfer *x = userp;
    size_t n = size * nmemb;

    if (fetch_stopped(x)) {
        x->abort = FETCH_ABORT_STOP;
        return 0;
    }
    if (!x->body_started && start_body(x) != 0)
        return 0;
    if (reserve(x, n) != 0)
        return 0;
    memcpy(x->buf + x->len, data, n);
    x->len += n;
    report(x, x->len, x->total);
    return n;
}

/* Polled by libcurl even while nothing arrives, so a stop request is seen
 * during a slow connect or a stalled transfer too. */
static int on_xferinfo(void *userp, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                       curl_off_t ulnow)
{
    struct fetch_xfer *x = userp;

    (void)dltotal, (void)dlnow, (void)ultotal, (void)ulnow;
    if (fetch_stopped(x)) {
        x->abort = FETCH_ABORT_STOP;
        return 1;
    }
    return 0;
}

/* ---- setup --------------------------------------------------------------- */

/* Only http and https: an ftp:// or file:// URL can only come from the command
 * line, so it is a usage error rather than a failed download. */
static nt_status check_scheme(const char *url, struct nt_err *err)
{
    CURLU *u = curl_url();
    char *scheme = NULL;
    nt_status st = NT_OK;

    if (!u)
        return nt_err_set(err, NT_E_NOMEM, "out of memory parsing the URL %s", url);
    if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK)
        st = nt_err_set(err, NT_E_USAGE, "'%s' is not a valid URL; give a full http:// or https:// address",
                        url);
    else if (strcasecmp(scheme, "http") != 0 && strcasecmp(scheme, "https") != 0)
        st = nt_err_set(err, NT_E_USAGE,
                        "cannot download %s: the %s scheme is not supported; use an http:// "
                        "or https:// URL, or give a local file as PACKAGE.zip",
                        url, scheme);
    curl_free(scheme);
    curl_url_cleanup(u);
    return st;
}

/* Append the file at path to the PEM text in *buf, then a newline that keeps
 * the last block of one file apart from the first of the next. */
static int slurp(const char *path, char **buf, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char chunk[8192];
    size_t n;
    int rc = 0;

    if (!f)
        return -1;
    do {
        char *nb;
        n = fread(chunk, 1, sizeof chunk, f);
        if (*len + n + 1 > (size_t)FETCH_CA_FILE_MAX_BYTES) {
            errno = EFBIG;
            rc = -1;
            break;
        }
        if (!(nb = realloc(*buf, *len + n + 1))) {
            rc = -1;
            break;
        }
        *buf = nb;
        memcpy(*buf + *len, chunk, n);
        *len += n;
    } while (n > 0);
    if (rc == 0 && ferror(f))
        rc = -1;
    fclose(f);
    if (rc == 0)
        (*buf)[(*len)++] = '\n'; /* room was reserved by the last realloc */
    return rc;
}

/* Append the --cacert file to pem, refusing one without a PEM certificate:
 * libcurl would skip it silently and the user would only see "not trusted". */
static nt_status read_user_cafile(const char *path, char **pem, size_t *len, struct nt_err *err)
{
    static const char marker[] = "-----BEGIN CERTIFICATE-----";
    size_t start = *len;

    if (slurp(path, pem, len) != 0)
        return nt_err_set(err, NT_E_USAGE,
                          "cannot read the --cacert file %s: %s; give a "
                          "readable PEM file of CA certificates",
                          path, strerror(errno));
    if (!memmem(*pem + start, *len - start, marker, sizeof marker - 1))
        return nt_err_set(err, NT_E_USAGE,
                          "the --cacert file %s holds no PEM certificate "
                          "(%s); give the CA certificate in PEM form",
                          path, marker);
    return NT_OK;
}

/* --cacert adds to the system store, it does not replace it. With OpenSSL,
 * CURLOPT_CAINFO (and CURLOPT_CAINFO_BLOB) replace libcurl's default bundle
 * file, so we hand libcurl one in-memory bundle: the system bundle followed by
 * the user's file. The default CURLOPT_CAPATH directory stays in effect too. */
static nt_status setup_ca(CURL *h, const struct fetch_opts *o, struct nt_err *err)
{
    const char *sys = o->system_cafile;
    char *pem = NULL;
    size_t len = 0;
    nt_status st = NT_OK;

    if (!o->cafile && !sys)
        return NT_OK;
#if LIBCURL_VERSION_NUM >= 0x075400 /* 7.84: CURLINFO_CAINFO */
    if (!sys)
        curl_easy_getinfo(h, CURLINFO_CAINFO, &sys);
#endif
    if (o->system_cafile) {
        /* Tests: this file is the whole system store. */
        curl_easy_setopt(h, CURLOPT_CAPATH, NULL);
        if (slurp(sys, &pem, &len) != 0)
            st = nt_err_set(err, NT_E_USAGE, "cannot read the CA file %s: %s", sys, strerror(errno));
    } else if (sys && slurp(sys, &pem, &len) != 0) {
        /* No readable bundle file: the CAPATH directory is the system store. */
        len = 0;
    }
    if (st == NT_OK && o->cafile)
        st = read_user_cafile(o->cafile, &pem, &len, err);
    if (st == NT_OK) {
        int in_memory = 0;
#if LIBCURL_VERSION_NUM >= 0x074d00 /* 7.77: CURLOPT_CAINFO_BLOB */
        struct curl_blob blob = { pem, len, CURL_BLOB_COPY };
        in_memory = curl_easy_setopt(h, CURLOPT_CAINFO_BLOB, &blob) == CURLE_OK;
#endif
        /* Without blobs (old libcurl, some TLS backends) the file replaces
         * the bundle; the CAPATH directory still holds the system store. */
        if (!in_memory)
            curl_easy_setopt(h, CURLOPT_CAINFO, o->cafile ? o->cafile : sys);
    }
    free(pem);
    return st;
}

static void setup_limits(CURL *h, const struct fetch_opts *o)
{
#if LIBCURL_VERSION_NUM >= 0x075500 /* 7.85: the string forms */
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
#else
    curl_easy_setopt(h, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
    curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(h, CURLOPT_MAXREDIRS, (long)o->max_redirects);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, o->connect_timeout_s);
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, o->low_speed_limit_bps);
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, o->low_speed_time_s);
    curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)o->max_bytes);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_easy_setopt(h, CURLOPT_FAILONERROR, 1L);
    curl_easy_setopt(h, CURLOPT_USERAGENT, FETCH_USER_AGENT);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
}

static nt_status setup(struct fetch_xfer *x, const char *url, char *errbuf, struct nt_err *err)
{
    CURL *h = x->h;

    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, x);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, x);
    curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_xferinfo);
    curl_easy_setopt(h, CURLOPT_XFERINFODATA, x);
    curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
    setup_limits(h, x->o);
    return setup_ca(h, x->o, err);
}

/* ---- outcome ------------------------------------------------------------- */

/* For servers that send no reason phrase (HTTP/2 has none). */
static const char *reason_phrase(int code)
{
    switch (code) {
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 410: return "Gone";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default: return "";
    }
}

/* libcurl's error buffer, or its generic text when the buffer is empty. */
static const char *detail(CURLcode rc, const char *errbuf)
{
    return errbuf[0] ? errbuf : curl_easy_strerror(rc);
}

static void describe_http(const struct fetch_xfer *x, char *cause, size_t cap)
{
    long code = 0;
    const char *reason = x->reason;

    curl_easy_getinfo(x->h, CURLINFO_RESPONSE_CODE, &code);
    if (!reason[0] || x->status != code)
        reason = reason_phrase((int)code);
    snprintf(cause, cap, "the server answered HTTP %ld%s%s", code, reason[0] ? " " : "", reason);
}

static void describe_connect(const struct fetch_xfer *x, CURLcode rc, const char *errbuf, char *cause,
                             size_t cap)
{
    long oserr = 0;

    curl_easy_getinfo(x->h, CURLINFO_OS_ERRNO, &oserr);
    if (oserr == ECONNREFUSED)
        snprintf(cause, cap, "connection refused (is the server running, and the port right?)");
    else
        snprintf(cause, cap, "could not connect (%s)", detail(rc, errbuf));
}

static void describe_timeout(const struct fetch_xfer *x, char *cause, size_t cap)
{
    curl_off_t tcp = 0, tls = 0;
    const char *eff = NULL;
    int https;

    /* CURLOPT_CONNECTTIMEOUT covers the TLS handshake as well as TCP. */
    curl_easy_getinfo(x->h, CURLINFO_CONNECT_TIME_T, &tcp);
    curl_easy_getinfo(x->h, CURLINFO_APPCONNECT_TIME_T, &tls);
    curl_easy_getinfo(x->h, CURLINFO_EFFECTIVE_URL, &eff);
    https = eff && strncasecmp(eff, "https:", 6) == 0;
    if (tcp == 0 || (https && tls == 0))
        snprintf(cause, cap, "the connection timed out after %ld s", x->o->connect_timeout_s);
    else
        snprintf(cause, cap,
                 "the transfer was too slow (under %ld bytes/s for %ld s) after "
                 "%zu bytes; try again later",
                 x->o->low_speed_limit_bps, x->o->low_speed_time_s, x->len);
}

/* One cause phrase for a failed transfer; returns the status to report. */
static nt_status describe(const struct fetch_xfer *x, CURLcode rc, const char *errbuf, char *cause,
                          size_t cap)
{
    if (x->abort == FETCH_ABORT_STOP || rc == CURLE_ABORTED_BY_CALLBACK) {
        snprintf(cause, cap, "interrupted");
        return NT_E_INTERRUPTED;
    }
    /* Every download failure is a download error (exit 3), whatever the
     * cause. libcurl also says "out of memory" when a server sends a header
     * line over its limit (100 KB), so that case names the server. */
    if (x->abort == FETCH_ABORT_NOMEM) {
        snprintf(cause, cap, "out of memory after %zu bytes", x->len);
        return NT_E_DOWNLOAD;
    }
    if (rc == CURLE_OUT_OF_MEMORY) {
        snprintf(cause, cap,
                 "the server's response could not be handled (%s); a header line may be too long: check "
                 "the URL, or try another server",
                 detail(rc, errbuf));
        return NT_E_DOWNLOAD;
    }
    if (x->abort == FETCH_ABORT_TOO_LARGE || rc == CURLE_FILESIZE_EXCEEDED) {
        snprintf(cause, cap, "the file is too large (over the %ld byte limit for a package)",
                 x->o->max_bytes);
        return NT_E_DOWNLOAD;
    }
    switch (rc) {
    case CURLE_HTTP_RETURNED_ERROR: describe_http(x, cause, cap); break;
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
        snprintf(cause, cap,
                 "the host name could not be resolved (DNS failure: %s); check "
                 "the URL and the network",
                 detail(rc, errbuf));
        break;
    case CURLE_COULDNT_CONNECT: describe_connect(x, rc, errbuf, cause, cap); break;
    case CURLE_OPERATION_TIMEDOUT: describe_timeout(x, cause, cap); break;
    case CURLE_SSL_CACERT_BADFILE:
        snprintf(cause, cap,
                 "the CA certificates could not be loaded (%s); check that the "
                 "--cacert file holds PEM certificates",
                 detail(rc, errbuf));
        break;
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_ISSUER_ERROR:
        snprintf(cause, cap,
                 "the server's TLS certificate is not trusted (%s); if it is "
                 "signed by your own CA, pass that CA with --cacert FILE",
                 detail(rc, errbuf));
        break;
    case CURLE_PARTIAL_FILE:
        snprintf(cause, cap,
                 "the download was truncated: the server sent %zu of %" PRIu64
                 " bytes and closed the connection; try again",
                 x->len, x->total);
        break;
    case CURLE_TOO_MANY_REDIRECTS:
        snprintf(cause, cap, "too many redirects (more than %d)", x->o->max_redirects);
        break;
    case CURLE_UNSUPPORTED_PROTOCOL:
        snprintf(cause, cap, "redirected to a URL that is not http or https (%s)", detail(rc, errbuf));
        break;
    default: snprintf(cause, cap, "%s", detail(rc, errbuf)); break;
    }
    return NT_E_DOWNLOAD;
}

static void sanitize_name(char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f || *s == '/' || *s == '\\')
            *s = '_';
}

/* The display name: Content-Disposition's filename, else the last segment of
 * the final URL's path, percent-decoded. */
static void final_name(const struct fetch_xfer *x, char *out, size_t cap)
{
    const char *src = x->disposition, *eff = NULL, *seg;
    char *path = NULL, *dec = NULL;
    CURLU *u;

    if (!out || !cap)
        return;
    out[0] = '\0';
    if (src[0]) {
        /* Only the base name: a server has no say over directories. */
        const char *slash = strrchr(src, '/'), *bslash = strrchr(src, '\\');
        if (bslash && (!slash || bslash > slash))
            slash = bslash;
        snprintf(out, cap, "%s", slash ? slash + 1 : src);
    }
    if (!out[0] && curl_easy_getinfo(x->h, CURLINFO_EFFECTIVE_URL, &eff) == CURLE_OK && eff &&
        (u = curl_url()) != NULL) {
        if (curl_url_set(u, CURLUPART_URL, eff, 0) == CURLUE_OK &&
            curl_url_get(u, CURLUPART_PATH, &path, 0) == CURLUE_OK) {
            seg = strrchr(path, '/');
            seg = seg ? seg + 1 : path;
            dec = curl_easy_unescape(x->h, seg, 0, NULL);
            snprintf(out, cap, "%s", dec ? dec : seg);
        }
        curl_free(dec);
        curl_free(path);
        curl_url_cleanup(u);
    }
    sanitize_name(out);
}

static nt_status run(struct fetch_xfer *x, const char *url, struct nt_err *err)
{
    char errbuf[CURL_ERROR_SIZE];
    char cause[NT_ERR_MSG_MAX];
    nt_status st;
    CURLcode rc;
    long code = 0;

    errbuf[0] = '\0';
    if ((st = setup(x, url, errbuf, err)) != NT_OK)
        return st;
    if (fetch_stopped(x))
        return nt_err_set(err, NT_E_INTERRUPTED, "download interrupted (%s); nothing was flashed", url);
    rc = curl_easy_perform(x->h);
    errbuf[strcspn(errbuf, "\r\n")] = '\0';
    if (rc != CURLE_OK) {
        st = describe(x, rc, errbuf, cause, sizeof cause);
        if (st == NT_E_INTERRUPTED)
            return nt_err_set(err, st, "download interrupted (%s); nothing was flashed", url);
        return nt_err_set(err, st, "cannot download %s: %s", url, cause);
    }
    /* FAILONERROR covers >= 400; anything else that is not a 2xx (a 3xx
     * without Location, say) is no package either. */
    curl_easy_getinfo(x->h, CURLINFO_RESPONSE_CODE, &code);
    if (code < 200 || code > 299) {
        describe_http(x, cause, sizeof cause);
        return nt_err_set(err, NT_E_DOWNLOAD, "cannot download %s: %s", url, cause);
    }
    return NT_OK;
}

/* fetch_url, and fetch_page's final URL when final is not NULL. */
static nt_status fetch(const char *url, const struct fetch_opts *o, nt_progress_fn progress, void *user,
                       uint8_t **data, size_t *len, char *name_out, size_t name_cap, char *final,
                       size_t final_cap, struct nt_err *err)
{
    struct fetch_xfer x;
    nt_status st;

    *data = NULL;
    *len = 0;
    if (name_out && name_cap)
        name_out[0] = '\0';
    if (final && final_cap)
        snprintf(final, final_cap, "%s", url);
    if (o->max_bytes <= 0 || o->max_redirects < 0)
        return nt_err_set(err, NT_E_INTERNAL,
                          "fetch_url: bad options (max_bytes %ld, "
                          "max_redirects %d)",
                          o->max_bytes, o->max_redirects);
    if ((st = check_scheme(url, err)) != NT_OK)
        return st;
    pthread_once(&fetch_init_once, fetch_global_init);
    if (fetch_init_rc != CURLE_OK)
        return nt_err_set(err, NT_E_UNSUPPORTED, "cannot start libcurl: %s",
                          curl_easy_strerror(fetch_init_rc));
    memset(&x, 0, sizeof x);
    x.o = o;
    x.progress = progress;
    x.user = user;
    if (!(x.h = curl_easy_init()))
        return nt_err_set(err, NT_E_NOMEM, "cannot start a download of %s: out of memory", url);
    st = run(&x, url, err);
    if (st == NT_OK && !x.buf && !(x.buf = malloc(1)))
        st = nt_err_set(err, NT_E_NOMEM, "out of memory after downloading %s", url);
    if (st == NT_OK) {
        const char *eff = NULL;
        final_name(&x, name_out, name_cap);
        if (final && final_cap && curl_easy_getinfo(x.h, CURLINFO_EFFECTIVE_URL, &eff) == CURLE_OK && eff)
            snprintf(final, final_cap, "%s", eff);
        report(&x, x.len, x.len);
        *data = x.buf;
        *len = x.len;
    } else {
        free(x.buf);
    }
    curl_easy_cleanup(x.h);
    return st;
}

nt_status fetch_url(const char *url, const struct fetch_opts *o, nt_progress_fn progress, void *user,
                    uint8_t **data, size_t *len, char *name_out, size_t name_cap, struct nt_err *err)
{
    return fetch(url, o, progress, user, data, len, name_out, name_cap, NULL, 0, err);
}

nt_status fetch_page(const char *url, const struct fetch_opts *o, uint8_t **data, size_t *len, char *final,
                     size_t final_cap, struct nt_err *err)
{
    return fetch(url, o, NULL, NULL, data, len, NULL, 0, final, final_cap, err);
}
