/* A tiny accelerator emulated on the host, for the config/subproc scheduling tests.
 *
 * The "hardware" has a scratchpad (plain C arrays, reachable only through these
 * functions) and reads its configuration (a load stride and a store scale) from the
 * FakeCfg fields of the context struct, which the generated code passes in. */
#ifndef FAKE_ACCEL_H
#define FAKE_ACCEL_H

#include <stdint.h>

/* Load n elements, `stride` apart in DRAM, into consecutive scratchpad cells. */
static inline void fake_ld(int_fast32_t n, const float *src, int_fast32_t stride, float *dst) {
    for (int_fast32_t i = 0; i < n; i++)
        dst[i] = src[i * stride];
}

/* Store n scratchpad cells to DRAM, multiplied by the configured scale. */
static inline void fake_scale_store(int_fast32_t n, const float *src, float scale, float *dst) {
    for (int_fast32_t i = 0; i < n; i++)
        dst[i] = src[i] * scale;
}

/* Add two scratchpad rows. */
static inline void fake_add(int_fast32_t n, const float *a, const float *b, float *dst) {
    for (int_fast32_t i = 0; i < n; i++)
        dst[i] = a[i] + b[i];
}

/* Zero a scratchpad row. */
static inline void fake_zero(int_fast32_t n, float *dst) {
    for (int_fast32_t i = 0; i < n; i++)
        dst[i] = 0.0f;
}

/* A fence: no effect on data. */
static inline void fake_fence(void) {}

#endif
