/* Unzipped package folders (Expert Sleepers' own scripts take the folder):
 * every regular file under the folder becomes an entry of a ZIP archive built
 * in memory, stored uncompressed, named by its path relative to the folder.
 * That archive then goes through the very checks a downloaded ZIP gets
 * (pkg.c), so a folder is accepted or refused for the same reasons. Symbolic
 * links and special files are not followed or read; a file larger than the
 * entry cap is cut one byte past it, so the size check refuses it as it would
 * in a ZIP. Also --sha256: the digest pin of a package file or download. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/stat.h>

#include "pkg_int.h"
#include "sha256.h"

#define DIR_DEPTH_MAX 8
#define DIR_ENTRIES_MAX 10000 /* as for a ZIP: a real package has a dozen files */
#define PATH_BYTES 4096
#define PIN_READ_BYTES 65536

struct walk {
    zip_t *za;
    const char *zipname;
    size_t files;
};

static nt_status add_file(struct walk *w, const char *full, const char *rel, struct nt_err *err)
{
    struct stat sb;
    zip_source_t *src;
    zip_int64_t idx;
    zip_int64_t len;

    if (stat(full, &sb) != 0)
        return nt_err_set(err, NT_E_PACKAGE, "%s: cannot read %s (%s)", w->zipname, rel, strerror(errno));
    if (++w->files > DIR_ENTRIES_MAX)
        return nt_err_set(err, NT_E_PACKAGE,
                          "%s: more than %d files; this is not a Disting NT firmware package", w->zipname,
                          DIR_ENTRIES_MAX);
    len = sb.st_size > (off_t)PKG_ENTRY_MAX ? (zip_int64_t)PKG_ENTRY_MAX + 1 : -1;
    src = zip_source_file(w->za, full, 0, len);
    if (!src)
        return nt_err_set(err, NT_E_PACKAGE, "%s: cannot read %s (%s)", w->zipname, rel, zip_strerror(w->za));
    idx = zip_file_add(w->za, rel, src, ZIP_FL_ENC_UTF_8);
    if (idx < 0) {
        zip_source_free(src);
        return nt_err_set(err, NT_E_PACKAGE, "%s: cannot take %s (%s)", w->zipname, rel, zip_strerror(w->za));
    }
    zip_set_file_compression(w->za, (zip_uint64_t)idx, ZIP_CM_STORE, 0);
    return NT_OK;
}

static nt_status walk_dir(struct walk *w, const char *full, const char *rel, int depth, struct nt_err *err)
{
    DIR *d;
    struct dirent *de;
    nt_status st = NT_OK;

    if (depth > DIR_DEPTH_MAX)
        return NT_OK; /* a package is at most a few folders deep */
    d = opendir(full);
    if (!d)
        return nt_err_set(err, NT_E_PACKAGE, "%s: cannot read the folder %s (%s)", w->zipname,
                          *rel ? rel : ".", strerror(errno));
    while (st == NT_OK && (de = readdir(d)) != NULL) {
        char fpath[PATH_BYTES], rpath[PATH_BYTES];
        struct stat sb;
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
            continue;
        if ((size_t)snprintf(fpath, sizeof fpath, "%s/%s", full, de->d_name) >= sizeof fpath ||
            (size_t)snprintf(rpath, sizeof rpath, "%s%s%s", rel, *rel ? "/" : "", de->d_name) >= sizeof rpath)
            continue;
        if (lstat(fpath, &sb) != 0)
            continue;
        if (S_ISDIR(sb.st_mode))
            st = walk_dir(w, fpath, rpath, depth + 1, err);
        else if (S_ISREG(sb.st_mode))
            st = add_file(w, fpath, rpath, err);
    }
    closedir(d);
    return st;
}

nt_status pkg__open_dir(const char *path, const char *zipname, struct pkg **out, struct nt_err *err)
{
    zip_error_t ze;
    zip_source_t *mem;
    zip_t *za;
    struct walk w = { NULL, zipname, 0 };
    nt_status st;

    zip_error_init(&ze);
    mem = zip_source_buffer_create(NULL, 0, 0, &ze);
    if (!mem) {
        zip_error_fini(&ze);
        return nt_err_set(err, NT_E_NOMEM, "%s: out of memory", zipname);
    }
    zip_source_keep(mem); /* it outlives the writing archive and holds the result */
    w.za = zip_open_from_source(mem, ZIP_TRUNCATE, &ze);
    if (!w.za) {
        zip_source_free(mem);
        zip_error_fini(&ze);
        return nt_err_set(err, NT_E_NOMEM, "%s: cannot build the package in memory", zipname);
    }
    st = walk_dir(&w, path, "", 0, err);
    if (st != NT_OK) {
        zip_discard(w.za);
        zip_source_free(mem);
        zip_error_fini(&ze);
        return st;
    }
    if (zip_close(w.za) != 0) {
        st = nt_err_set(err, NT_E_PACKAGE, "%s: cannot read the folder's files (%s)", zipname,
                        zip_strerror(w.za));
        zip_discard(w.za);
        zip_source_free(mem);
        zip_error_fini(&ze);
        return st;
    }
    za = zip_open_from_source(mem, ZIP_RDONLY, &ze);
    if (!za) {
        zip_source_free(mem);
        zip_error_fini(&ze);
        /* An empty folder makes an empty archive, which libzip may not reopen. */
        return nt_err_set(err, NT_E_PACKAGE, "%s: the folder holds no package files", zipname);
    }
    zip_error_fini(&ze);
    st = pkg__open_archive(za, path, zipname, out, err);
    zip_discard(za); /* drops the last reference to mem */
    return st;
}

/* ---- --sha256 ----------------------------------------------------------- */

static nt_status pin_compare(const char *name, const uint8_t got[32], const uint8_t want[32],
                             struct nt_err *err)
{
    char g[65], w[65];
    if (memcmp(got, want, SHA256_DIGEST_BYTES) == 0)
        return NT_OK;
    pkg_sha256_hex(got, g);
    pkg_sha256_hex(want, w);
    return nt_err_set(err, NT_E_PACKAGE,
                      "%s: SHA-256 %s is not the %s given with --sha256; the file is not the one "
                      "pinned (download it again, or check the digest)",
                      name, g, w);
}

nt_status pkg_check_pin_file(const char *path, const uint8_t want[32], struct nt_err *err)
{
    struct sha256_ctx c;
    uint8_t buf[PIN_READ_BYTES], got[SHA256_DIGEST_BYTES];
    struct stat sb;
    size_t n;
    FILE *f;

    if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode))
        return nt_err_set(err, NT_E_PACKAGE,
                          "%s: --sha256 pins a package ZIP, and this is a folder; give the ZIP, or "
                          "leave out --sha256",
                          path);
    f = fopen(path, "rb");
    if (!f)
        return nt_err_set(err, NT_E_PACKAGE, "%s: cannot open the package (%s)", path, strerror(errno));
    sha256_init(&c);
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        sha256_update(&c, buf, n);
    if (ferror(f)) {
        fclose(f);
        return nt_err_set(err, NT_E_PACKAGE, "%s: cannot read the package", path);
    }
    fclose(f);
    sha256_final(&c, got);
    return pin_compare(path, got, want, err);
}

nt_status pkg_check_pin_memory(const void *data, size_t len, const char *name, const uint8_t want[32],
                               struct nt_err *err)
{
    uint8_t got[SHA256_DIGEST_BYTES];
    sha256(data, len, got);
    return pin_compare(name, got, want, err);
}
