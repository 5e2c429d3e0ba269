/* The progress callback shared by the protocol layers: bytes (or erase units)
 * done out of total, reported as the device acknowledges them. */
#ifndef NT_PROGRESS_H
#define NT_PROGRESS_H

#include <stdint.h>

typedef void (*nt_progress_fn)(void *user, uint64_t done, uint64_t total);

#endif
