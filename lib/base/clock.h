/* Monotonic time and sleeping, in one place so that deadlines are computed
 * the same way everywhere (no fixed sleeps: callers sleep until a deadline). */
#ifndef NT_CLOCK_H
#define NT_CLOCK_H

#include <stdint.h>

#include "stop.h"

/* Milliseconds / microseconds on a monotonic clock (arbitrary origin). */
int64_t clock_now_ms(void);
int64_t clock_now_us(void);
/* Sleep for us microseconds (<= 0 returns at once); restarts after signals
 * unless a stop (may be NULL) was requested. */
void clock_sleep_us(int64_t us, const struct nt_stop *stop);
/* Scale a host timeout for simulated time: ms * scale, never below floor_ms. */
int clock_scale_ms(int ms, double scale, int floor_ms);

#endif
