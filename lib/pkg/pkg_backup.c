/* --backup: write the firmware read from a module as a package nt_flash can
 * flash back (README "Backup"): MANIFEST.json (version "backup", the source
 * port, the date, the image's size and SHA-256), the flashloader and the
 * firmware, in the layout the package check prefers. Written with libzip to
 * FILE.part and renamed to FILE only once complete, so FILE is never a half
 * backup. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <zip.h>

#include "pkg.h"
#include "sha256.h"

#define BACKUP_FLASHLOADER "bootable_images/unsigned_MIMXRT1060_flashloader.bin"
#define BACKUP_FIRMWARE "bootable_images/disting_NT.bin"
#define BACKUP_TMP_SUFFIX ".part"
#define BACKUP_PATH_MAX 4096

static bool add_buffer(zip_t *za, const char *name, const void *data, size_t len)
{
    zip_source_t *src = zip_source_buffer(za, data, len, 0);
    zip_int64_t idx;
    if (!src)
        return false;
    idx = zip_file_add(za, name, src, ZIP_FL_ENC_UTF_8 | ZIP_FL_OVERWRITE);
    if (idx < 0) {
        zip_source_free(src);
        return false;
    }
    return true;
}

static char *manifest_text(size_t fw_size, const uint8_t sha[32], const char *port, const char *date)
{
    char hex[65];
    cJSON *o = cJSON_CreateObject();
    char *text;

    if (!o)
        return NULL;
    pkg_sha256_hex(sha, hex);
    cJSON_AddStringToObject(o, "version", "backup");
    cJSON_AddStringToObject(o, "processor", "MIMXRT1060");
    cJSON_AddStringToObject(o, "app_firmware", BACKUP_FIRMWARE);
    cJSON_AddStringToObject(o, "source_port", port);
    cJSON_AddStringToObject(o, "date", date);
    cJSON_AddNumberToObject(o, "size", (double)fw_size);
    cJSON_AddStringToObject(o, "sha256", hex);
    text = cJSON_Print(o);
    cJSON_Delete(o);
    return text;
}

nt_status pkg_write_backup(const char *path, const struct pkg_image *flashloader, const uint8_t *fw,
                           size_t fw_size, const char *port, const char *date, struct nt_err *err)
{
    char tmp[BACKUP_PATH_MAX];
    uint8_t sha[SHA256_DIGEST_BYTES];
    char *manifest;
    zip_t *za;
    int code = 0;
    bool ok;

    if ((size_t)snprintf(tmp, sizeof tmp, "%s%s", path, BACKUP_TMP_SUFFIX) >= sizeof tmp)
        return nt_err_set(err, NT_E_USAGE, "the backup path '%s' is too long", path);
    sha256(fw, fw_size, sha);
    manifest = manifest_text(fw_size, sha, port, date);
    if (!manifest)
        return nt_err_set(err, NT_E_NOMEM, "out of memory writing the backup");
    za = zip_open(tmp, ZIP_CREATE | ZIP_TRUNCATE, &code);
    if (!za) {
        cJSON_free(manifest);
        return nt_err_set(err, NT_E_IO, "cannot create the backup '%s': %s; choose a writable path", tmp,
                          code == ZIP_ER_OPEN || code == ZIP_ER_TMPOPEN ? strerror(errno) : "libzip error");
    }
    ok = add_buffer(za, "MANIFEST.json", manifest, strlen(manifest)) &&
        add_buffer(za, BACKUP_FLASHLOADER, flashloader->data, flashloader->size) &&
        add_buffer(za, BACKUP_FIRMWARE, fw, fw_size);
    if (!ok || zip_close(za) != 0) {
        nt_status st = nt_err_set(err, NT_E_IO,
                                  "cannot write the backup '%s' (%s); choose a writable path with "
                                  "room for it",
                                  tmp, zip_strerror(za));
        zip_discard(za);
        remove(tmp);
        cJSON_free(manifest);
        return st;
    }
    cJSON_free(manifest);
    if (rename(tmp, path) != 0) {
        nt_status st =
            nt_err_set(err, NT_E_IO, "cannot rename the backup '%s' to '%s': %s", tmp, path, strerror(errno));
        remove(tmp);
        return st;
    }
    return NT_OK;
}
