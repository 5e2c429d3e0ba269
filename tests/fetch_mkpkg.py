#!/usr/bin/env python3
"""Write a small but valid Disting NT package (package.md section 4.4) to the
path given as the only argument: SPT layout, flashloader IVT at 0x20001C00,
firmware IVT at 0x60001000, manifest version 9.9.9. For the download tests."""

import json
import struct
import sys
import zipfile

FLASHLOADER_SELF = 0x20001C00
FLASHLOADER_ENTRY = 0x20002101
FLASHLOADER_BYTES = 85 * 1024
FIRMWARE_SELF = 0x60001000
FIRMWARE_ENTRY = 0x60002401
FIRMWARE_BYTES = 200 * 1024
INITIAL_SP = 0x20020000


def image(self_addr, start, entry, vector_off, size, size_field):
    buf = bytearray(size)
    # IVT: header (length big-endian), entry, reserved, dcd, boot_data, self, csf, reserved
    struct.pack_into("<BBBB", buf, 0, 0xD1, 0x00, 0x20, 0x40)
    struct.pack_into("<7I", buf, 4, entry, 0, 0, self_addr + 0x20, self_addr, 0, 0)
    struct.pack_into("<3I", buf, 0x20, start, size_field, 0)
    struct.pack_into("<2I", buf, vector_off, INITIAL_SP, entry)
    for i in range(vector_off + 8, size):
        buf[i] = (i * 7 + 3) & 0xFF
    return bytes(buf)


def main():
    flashloader = image(FLASHLOADER_SELF, FLASHLOADER_SELF, FLASHLOADER_ENTRY, 0x400,
                        FLASHLOADER_BYTES, FLASHLOADER_BYTES)
    firmware = image(FIRMWARE_SELF, 0x60000000, FIRMWARE_ENTRY, 0x1000,
                     FIRMWARE_BYTES, FIRMWARE_BYTES + 0x1000)
    manifest = {"processor": "MIMXRT1060",
                "app_firmware": "bootable_images/disting_NT.bin",
                "version": "9.9.9"}
    with zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("MANIFEST.json", json.dumps(manifest))
        z.writestr("bootable_images/unsigned_MIMXRT1060_flashloader.bin", flashloader)
        z.writestr("bootable_images/disting_NT.bin", firmware)
        z.writestr("write_image_mac.sh", "#!/bin/sh\nexit 1\n")
        z.writestr("write_image_win.bat", "exit 1\r\n")


if __name__ == "__main__":
    main()
