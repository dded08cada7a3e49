/* A scalar model of the AVX-512 intrinsics the exo-x86 templates use, written from the
 * pseudo-code of Intel's Intrinsics Guide. The tests force-include it (x86_testutil's
 * emulated target, with <immintrin.h> switched off) so the AVX-512 templates run, and are
 * compared with the instr bodies, on CPUs without AVX-512. It checks the templates' plumbing -- operand
 * order, mask polarity, merge versus zero masking -- not the hardware. */
#ifndef EXO_X86_AVX512_EMU_H
#define EXO_X86_AVX512_EMU_H

#include <math.h>
#include <stdint.h>
#include <string.h>

#define _IMMINTRIN_H_INCLUDED 1 /* gcc */
#define __IMMINTRIN_H 1         /* clang */

#ifdef __AVX2__
/* Built with -mavx2 -mfma (code mixing AVX2 and AVX-512, as the AVX-512 sgemm's packing of
 * A does): the real SSE/AVX/AVX2/FMA intrinsics, taken piecewise, as <immintrin.h> would
 * include them, but without its AVX-512 part. */
#include <xmmintrin.h>
#include <emmintrin.h>
#include <pmmintrin.h>
#include <tmmintrin.h>
#include <smmintrin.h>
#include <avxintrin.h>
#include <avx2intrin.h>
#include <fmaintrin.h>
#endif
#ifndef _CMP_LT_OQ
#define _CMP_LT_OQ 0x11
#endif

typedef uint16_t __mmask16;
typedef uint8_t __mmask8;
typedef struct { float v[16]; } __m512;
typedef struct { double v[8]; } __m512d;
typedef union { int8_t b[64]; uint8_t ub[64]; int32_t d[16]; } __m512i;

#define EMU_BIT(k, i) (((k) >> (i)) & 1)

/* One definition per precision: P = ps/pd, T = element type, V = vector type, N = lanes, M = mask type. */
#define EMU_FLOAT(P, T, V, N, M, FMA)                                                          \
    static inline V _mm512_setzero_##P(void) { V r; for (int i = 0; i < N; i++) r.v[i] = 0; return r; } \
    static inline V _mm512_set1_##P(T x) { V r; for (int i = 0; i < N; i++) r.v[i] = x; return r; }    \
    static inline V _mm512_loadu_##P(void const *p) { V r; memcpy(r.v, p, sizeof r.v); return r; }    \
    static inline void _mm512_storeu_##P(void *p, V a) { memcpy(p, a.v, sizeof a.v); }               \
    static inline V _mm512_mask_loadu_##P(V src, M k, void const *p) {                          \
        const T *q = (const T *) p; V r = src;                                                  \
        for (int i = 0; i < N; i++) if (EMU_BIT(k, i)) r.v[i] = q[i];                           \
        return r;                                                                               \
    }                                                                                           \
    static inline void _mm512_mask_storeu_##P(void *p, M k, V a) {                              \
        T *q = (T *) p;                                                                         \
        for (int i = 0; i < N; i++) if (EMU_BIT(k, i)) q[i] = a.v[i];                           \
    }                                                                                           \
    static inline V _mm512_add_##P(V a, V b) { V r; for (int i = 0; i < N; i++) r.v[i] = a.v[i] + b.v[i]; return r; } \
    static inline V _mm512_sub_##P(V a, V b) { V r; for (int i = 0; i < N; i++) r.v[i] = a.v[i] - b.v[i]; return r; } \
    static inline V _mm512_mul_##P(V a, V b) { V r; for (int i = 0; i < N; i++) r.v[i] = a.v[i] * b.v[i]; return r; } \
    /* MAX(a, b) := a > b ? a : b (the second operand on NaN and on equal zeros) */            \
    static inline V _mm512_max_##P(V a, V b) { V r; for (int i = 0; i < N; i++) r.v[i] = a.v[i] > b.v[i] ? a.v[i] : b.v[i]; return r; } \
    static inline V _mm512_mask_add_##P(V src, M k, V a, V b) {                                 \
        V r = src; for (int i = 0; i < N; i++) if (EMU_BIT(k, i)) r.v[i] = a.v[i] + b.v[i];     \
        return r;                                                                               \
    }                                                                                           \
    static inline V _mm512_fmadd_##P(V a, V b, V c) { V r; for (int i = 0; i < N; i++) r.v[i] = FMA(a.v[i], b.v[i], c.v[i]); return r; } \
    /* mask_fmadd(a, k, b, c): masked-off lanes get a */                                       \
    static inline V _mm512_mask_fmadd_##P(V a, M k, V b, V c) {                                 \
        V r = a; for (int i = 0; i < N; i++) if (EMU_BIT(k, i)) r.v[i] = FMA(a.v[i], b.v[i], c.v[i]); \
        return r;                                                                               \
    }                                                                                           \
    /* mask3_fmadd(a, b, c, k): masked-off lanes get c */                                      \
    static inline V _mm512_mask3_fmadd_##P(V a, V b, V c, M k) {                                \
        V r = c; for (int i = 0; i < N; i++) if (EMU_BIT(k, i)) r.v[i] = FMA(a.v[i], b.v[i], c.v[i]); \
        return r;                                                                               \
    }                                                                                           \
    static inline V _mm512_mask_mov_##P(V src, M k, V a) {                                      \
        V r = src; for (int i = 0; i < N; i++) if (EMU_BIT(k, i)) r.v[i] = a.v[i];              \
        return r;                                                                               \
    }                                                                                           \
    /* mask_blend(k, a, b): b where k is set, else a */                                         \
    static inline V _mm512_mask_blend_##P(M k, V a, V b) {                                      \
        V r; for (int i = 0; i < N; i++) r.v[i] = EMU_BIT(k, i) ? b.v[i] : a.v[i];              \
        return r;                                                                               \
    }                                                                                           \
    static inline M _mm512_cmp_##P##_mask(V a, V b, const int imm) {                            \
        M k = 0;                                                                                \
        if (imm != _CMP_LT_OQ) return (M) 0xA5; /* only the predicate the templates use */     \
        for (int i = 0; i < N; i++) if (a.v[i] < b.v[i]) k |= (M) (1u << i);                    \
        return k;                                                                               \
    }

EMU_FLOAT(ps, float, __m512, 16, __mmask16, fmaf)
EMU_FLOAT(pd, double, __m512d, 8, __mmask8, fma)

static inline __m512i _mm512_setzero_si512(void) { __m512i r; memset(&r, 0, sizeof r); return r; }
static inline __m512i _mm512_loadu_si512(void const *p) { __m512i r; memcpy(&r, p, sizeof r); return r; }
static inline void _mm512_storeu_si512(void *p, __m512i a) { memcpy(p, &a, sizeof a); }
static inline __m512i _mm512_add_epi32(__m512i a, __m512i b) {
    __m512i r;
    for (int i = 0; i < 16; i++) r.d[i] = (int32_t) ((uint32_t) a.d[i] + (uint32_t) b.d[i]);
    return r;
}
/* dst.dword[j] := src.dword[j] + sum_k ZeroExtend(a.byte[4j+k]) * SignExtend(b.byte[4j+k]) (wrapping) */
static inline __m512i _mm512_dpbusd_epi32(__m512i src, __m512i a, __m512i b) {
    __m512i r;
    for (int j = 0; j < 16; j++) {
        uint32_t s = (uint32_t) src.d[j];
        for (int k = 0; k < 4; k++) s += (uint32_t) ((int32_t) a.ub[4 * j + k] * (int32_t) b.b[4 * j + k]);
        r.d[j] = (int32_t) s;
    }
    return r;
}

#endif
