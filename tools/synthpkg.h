/* Synthetic Disting NT firmware packages (doc/package.md §4.4) for tests and the
 * demo: valid images with deterministic filler, and malformed variants, each
 * chosen by a kind name. Shared by tools/mkpkg and the C tests, which rebuild
 * the expected images with synth_firmware()/synth_flashloader(). */
#ifndef NT_SYNTHPKG_H
#define NT_SYNTHPKG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SYNTH_FW_DEFAULT_BYTES (256u * 1024)
#define SYNTH_FW_MIN_BYTES 0x2000u
#define SYNTH_FL_BYTES 87040u        /* SPT flashloader, ~85 KiB */
#define SYNTH_FL_LEGACY_BYTES 85007u /* the size of ES's ivt_flashloader_user.bin */
#define SYNTH_FW_ENTRY 0x60002401u
#define SYNTH_FL_ENTRY 0x20002101u
#define SYNTH_STACK_TOP 0x20020000u

/* Deterministic pseudo-random bytes (xorshift32), so flash contents written
 * from a synthetic package can be checked byte for byte. */
void synth_fill(uint8_t *buf, size_t len, uint32_t seed);

/* A valid firmware image of `size` bytes (>= SYNTH_FW_MIN_BYTES): IVT at
 * 0x60001000, vector table at file offset 0x1000, filler after it. */
void synth_firmware(uint8_t *buf, size_t size);

/* The version marker of synthetic images (doc/running.md §5): the text
 * "NTVER:" + version + NUL in the last SYNTH_VERSION_AREA bytes of the
 * firmware image, where the virtual module finds the version it runs after a
 * flash. synth_write puts it in when given a version (mkpkg --version). */
#define SYNTH_VERSION_MARKER "NTVER:"
#define SYNTH_VERSION_AREA 64u
void synth_mark_version(uint8_t *buf, size_t size, const char *version);

/* A valid flashloader image: SPT layout (IVT self 0x20001C00, vectors at
 * +0x400) or the legacy Expert Sleepers one (self 0x20001E00, vectors at +0x200). */
void synth_flashloader(uint8_t *buf, size_t size, bool legacy);

struct synth_kind {
    const char *name;
    bool good;        /* a valid package */
    const char *what; /* one line for --list */
};

/* All kinds, terminated by a NULL name. */
const struct synth_kind *synth_kinds(void);

/* Write a package of `kind` to `path`. fw_size 0 = default; version NULL =
 * "9.9.9". Returns 0, or -1 with a reason in why[]; 77 when this libzip
 * cannot build the kind (AES encryption missing). */
int synth_write(const char *path, const char *kind, size_t fw_size, const char *version, char *why,
                size_t why_size);

/* A "plain" package whose MANIFEST.json holds exactly `manifest` (any text,
 * valid JSON or not). Returns 0, or -1 with a reason in why[]. */
int synth_write_manifest(const char *path, const char *manifest, char *why, size_t why_size);

#endif
