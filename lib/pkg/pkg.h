/* Firmware packages (doc/package.md): open the ZIP, find MANIFEST.json, the
 * flashloader and the firmware, and validate both images by their IVT before
 * any device is touched. */
#ifndef NT_PKG_H
#define NT_PKG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nt_err.h"

#define PKG_FLASH_BASE 0x60000000u           /* FlexSPI NOR, FCB at offset 0 */
#define PKG_FIRMWARE_ADDR 0x60001000u        /* IVT of disting_NT.bin */
#define PKG_FLASHLOADER_SPT_ADDR 0x20001C00u /* IVT (load and jump address) of SPT's flashloader */
#define PKG_SECTOR_SIZE 0x1000u
#define PKG_DEFAULT_FLASH_SIZE (8u * 1024 * 1024)
#define PKG_ENTRY_MAX (32u * 1024 * 1024) /* cap on any entry we read */

struct pkg_image {
    char name[256]; /* entry name inside the ZIP */
    uint8_t *data;
    size_t size;
    uint8_t sha256[32];
    uint32_t ivt_self; /* = load and jump address for the flashloader */
    uint32_t entry;
    uint32_t boot_start; /* boot data start */
    uint32_t boot_size;
};

struct pkg {
    char source[1024];  /* path or URL it came from (for display) */
    char version[64];   /* manifest version, firmware_version, file name, or "unknown" */
    char processor[32]; /* "" when the manifest has no processor key */
    bool has_manifest;
    char manifest[256];      /* its entry name when has_manifest */
    bool legacy_flashloader; /* self 0x20001E00 (Expert Sleepers' older file) */
    struct pkg_image flashloader;
    struct pkg_image firmware;
};

/* Open and validate a package from a file, or from an unzipped package
 * folder (same checks: its files are read as the ZIP's entries would be). `display_name` (may be NULL) is
 * used for the X.Y.Z fallback and messages instead of the path (downloads
 * pass the URL's last path segment). NT_E_PACKAGE with one line naming the
 * file and the problem. */
nt_status pkg_open_file(const char *path, const char *display_name, struct pkg **out, struct nt_err *err);
/* The same from a buffer in memory (a download); the buffer is not kept. */
nt_status pkg_open_memory(const void *data, size_t len, const char *display_name, struct pkg **out,
                          struct nt_err *err);
void pkg_free(struct pkg *p);

/* --sha256: does the package ZIP (a file, or a download in memory) have the
 * SHA-256 `want`? NT_E_PACKAGE naming both digests when not; a folder has no
 * digest to pin and is refused. */
nt_status pkg_check_pin_file(const char *path, const uint8_t want[32], struct nt_err *err);
nt_status pkg_check_pin_memory(const void *data, size_t len, const char *name, const uint8_t want[32],
                               struct nt_err *err);

/* Does the firmware fit a NOR of flash_size bytes (once the device reports it)? */
nt_status pkg_check_fits(const struct pkg *p, uint64_t flash_size, struct nt_err *err);

/* End (exclusive) of the erase range: firmware end rounded up to 4 KiB. */
uint32_t pkg_erase_end(const struct pkg *p);

/* --backup: write path as a package of this flashloader and the firmware
 * read from the module (MANIFEST.json: version "backup", source_port, date,
 * size, sha256), via path".part" renamed when complete. NT_E_IO when it
 * cannot be written (nothing is left behind then). */
nt_status pkg_write_backup(const char *path, const struct pkg_image *flashloader, const uint8_t *fw,
                           size_t fw_size, const char *port, const char *date, struct nt_err *err);

/* Lower-case hex of a SHA-256 into out[65]. */
void pkg_sha256_hex(const uint8_t sha[32], char out[65]);

#endif
