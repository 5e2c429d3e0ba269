/* The --dry-run summary: what a package would put where, in a stable
 * line-oriented format that scripts may parse (see summary.c for the format). */
#ifndef NT_SUMMARY_H
#define NT_SUMMARY_H

#include <stdio.h>

#include "pkg.h"

void summary_print(FILE *out, const struct pkg *p);

#endif
