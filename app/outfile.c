/* Files beside the package (outfile.h): descriptors 0-2, the --trace file
 * and its delayed creation, --cacert, and write errors at exit. */
#include "outfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#define FOLDER_PATH_MAX 4096

bool outfile_std_fds_open(void)
{
    for (int fd = 0; fd <= 2; fd++) {
        int nfd;
        if (fcntl(fd, F_GETFD) != -1 || errno != EBADF)
            continue;
        /* The lowest free descriptor is the one that is closed. */
        nfd = open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY);
        if (nfd < 0)
            return false;
        if (nfd != fd) {
            if (dup2(nfd, fd) < 0)
                return false;
            close(nfd);
        }
    }
    return true;
}

/* Whether st is the same file as `other` (NULL or absent: no). */
static bool same_file(const struct stat *st, const char *other)
{
    struct stat ot;
    return other && stat(other, &ot) == 0 && ot.st_dev == st->st_dev && ot.st_ino == st->st_ino;
}

/* The refusal shared by the check at start and the one at creation. */
static nt_status check_existing(const char *path, const struct stat *st, const char *pkg, const char *cacert,
                                struct nt_err *err)
{
    if (same_file(st, pkg))
        return nt_err_set(err, NT_E_USAGE,
                          "the trace file '%s' is the package itself: give --trace a new file name", path);
    if (same_file(st, cacert))
        return nt_err_set(err, NT_E_USAGE,
                          "the trace file '%s' is the --cacert file: give --trace a new file name", path);
    if (!S_ISREG(st->st_mode))
        return nt_err_set(err, NT_E_USAGE,
                          "the trace file '%s' is not a regular file: give --trace a new file name or a "
                          "regular file",
                          path);
    return NT_OK;
}

nt_status outfile_check_trace(const char *path, const char *pkg, const char *cacert, struct nt_err *err)
{
    struct stat st;
    char dir[FOLDER_PATH_MAX];
    const char *slash;
    nt_status s;

    if (stat(path, &st) == 0) {
        if ((s = check_existing(path, &st, pkg, cacert, err)) != NT_OK)
            return s;
        if (access(path, W_OK) == 0)
            return NT_OK;
    } else if (errno == ENOENT && path[0]) {
        /* A new file: its folder must exist and take a new entry. */
        slash = strrchr(path, '/');
        if (!slash)
            snprintf(dir, sizeof dir, ".");
        else if (slash == path)
            snprintf(dir, sizeof dir, "/");
        else
            snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
        if (access(dir, W_OK | X_OK) == 0)
            return NT_OK;
    }
    return nt_err_set(err, NT_E_USAGE, "cannot write the trace file '%s': choose a writable path", path);
}

struct lazy {
    char *path, *pkg, *cacert;
    int fd; /* -1 until the first write */
    bool failed;
};

static int lazy_open(struct lazy *z)
{
    struct stat st;
    int fd, fl;

    /* O_NONBLOCK: should a FIFO have appeared since the check, the open
     * must not wait for a reader. Nothing is truncated before the checks. */
    fd = open(z->path, O_WRONLY | O_CREAT | O_NOCTTY | O_CLOEXEC | O_NONBLOCK, 0666);
    if (fd < 0)
        return -1;
    if (fstat(fd, &st) != 0 || check_existing(z->path, &st, z->pkg, z->cacert, NULL) != NT_OK ||
        (fl = fcntl(fd, F_GETFL)) < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) < 0 || ftruncate(fd, 0) != 0) {
        close(fd);
        errno = EINVAL;
        return -1;
    }
    z->fd = fd;
    return 0;
}

static ssize_t lazy_write(void *cookie, const char *buf, size_t n)
{
    struct lazy *z = cookie;
    size_t done = 0;

    if (z->failed || (z->fd < 0 && lazy_open(z) != 0)) {
        z->failed = true;
        return -1;
    }
    while (done < n) {
        ssize_t w = write(z->fd, buf + done, n - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            z->failed = true;
            return -1;
        }
        done += (size_t)w;
    }
    return (ssize_t)n;
}

static int lazy_close(void *cookie)
{
    struct lazy *z = cookie;
    int rc = 0;

    if (z->fd >= 0 && close(z->fd) != 0)
        rc = -1;
    if (z->failed)
        rc = -1;
    free(z->path);
    free(z->pkg);
    free(z->cacert);
    free(z);
    return rc;
}

FILE *outfile_trace_open(const char *path, const char *pkg, const char *cacert)
{
    cookie_io_functions_t io = { .read = NULL, .write = lazy_write, .seek = NULL, .close = lazy_close };
    struct lazy *z = calloc(1, sizeof *z);
    FILE *f;

    if (!z)
        return NULL;
    z->fd = -1;
    z->path = strdup(path);
    z->pkg = pkg ? strdup(pkg) : NULL;
    z->cacert = cacert ? strdup(cacert) : NULL;
    if (!z->path || (pkg && !z->pkg) || (cacert && !z->cacert) || !(f = fopencookie(z, "w", io))) {
        free(z->path);
        free(z->pkg);
        free(z->cacert);
        free(z);
        return NULL;
    }
    return f;
}

nt_status outfile_close(FILE *f, const char *what, struct nt_err *err)
{
    bool ok = fflush(f) == 0 && !ferror(f);

    ok = fclose(f) == 0 && ok;
    if (!ok)
        return nt_err_set(err, NT_E_IO, "cannot write %s: it is incomplete; check the free space", what);
    return NT_OK;
}

nt_status outfile_check_input(const char *path, const char *option, struct nt_err *err)
{
    struct stat st;

    if (stat(path, &st) != 0)
        return nt_err_set(err, NT_E_USAGE, "cannot read the %s file '%s' (%s)", option, path,
                          strerror(errno));
    if (!S_ISREG(st.st_mode))
        return nt_err_set(err, NT_E_USAGE, "the %s file '%s' is not a regular file: give a PEM file", option,
                          path);
    return NT_OK;
}

bool outfile_stdout_ok(void) { return fflush(stdout) == 0 && !ferror(stdout); }
