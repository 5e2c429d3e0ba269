/* Internals shared by the package files (pkg.c, pkg_dir.c). Not API. */
#ifndef NT_PKG_INT_H
#define NT_PKG_INT_H

#include <zip.h>

#include "pkg.h"

/* Find, read and validate everything in an opened archive (pkg.c). */
nt_status pkg__open_archive(zip_t *za, const char *source, const char *zipname, struct pkg **out,
                            struct nt_err *err);
/* An unzipped package folder: its files become the entries of an archive in
 * memory, which then gets exactly the checks a ZIP gets (pkg_dir.c). */
nt_status pkg__open_dir(const char *path, const char *zipname, struct pkg **out, struct nt_err *err);

#endif
