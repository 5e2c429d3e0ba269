/* The files nt_flash is told to write or read besides the package: the
 * standard descriptors made safe to use, the --trace file checked at once
 * and created only when a device is first talked to, --cacert checked at
 * once, and every written stream checked at exit. */
#ifndef NT_OUTFILE_H
#define NT_OUTFILE_H

#include <stdbool.h>
#include <stdio.h>

#include "nt_err.h"

/* Open /dev/null on whichever of descriptors 0-2 is closed, so that no file
 * opened later (a trace, a dump) lands on one and receives the program's
 * output. False if that cannot be done. Call before anything is opened. */
bool outfile_std_fds_open(void);

/* NT_E_USAGE unless `path` can serve as the --trace file: a regular file or
 * a new name in a writable folder, and not the package (or the --cacert
 * file) itself, by any name or link: files are compared by device and inode.
 * `pkg` and `cacert` may be NULL. Nothing is created or changed. */
nt_status outfile_check_trace(const char *path, const char *pkg, const char *cacert, struct nt_err *err);

/* A stream that creates (or truncates) `path` on its first write, so a run
 * that never talks to a device leaves an existing trace as it was. The same
 * checks as outfile_check_trace are made again then, on the open file.
 * NULL when out of memory. Close it with outfile_close. */
FILE *outfile_trace_open(const char *path, const char *pkg, const char *cacert);

/* Close a stream from outfile_trace_open. NT_E_IO with a message naming
 * `what` when any write to it failed. */
nt_status outfile_close(FILE *f, const char *what, struct nt_err *err);

/* NT_E_USAGE unless `path` is a regular file that can be read (--cacert: a
 * FIFO or a device would block or never end). */
nt_status outfile_check_input(const char *path, const char *option, struct nt_err *err);

/* Flush stdout and say whether everything written to it arrived. */
bool outfile_stdout_ok(void);

#endif
