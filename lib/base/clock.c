/* Monotonic clock and interruptible sleeping. */
#include "clock.h"

#include <errno.h>
#include <time.h>

int64_t clock_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int64_t clock_now_ms(void) { return clock_now_us() / 1000; }

void clock_sleep_us(int64_t us, const struct nt_stop *stop)
{
    int64_t end = clock_now_us() + us;
    while (us > 0) {
        struct timespec ts = { (time_t)(us / 1000000), (long)(us % 1000000) * 1000 };
        if (nanosleep(&ts, NULL) == 0)
            return;
        if (errno != EINTR || nt_stop_requested(stop))
            return;
        us = end - clock_now_us();
    }
}

int clock_scale_ms(int ms, double scale, int floor_ms)
{
    double v = (double)ms * scale;
    if (v < floor_ms)
        return floor_ms;
    if (v > 2147483647.0)
        return 2147483647;
    return (int)v;
}
