/* Single-core f32 FMA throughput: 12 independent chains of 256-bit FMAs (enough to cover the
   FMA latency on two pipes), written in asm so the compiler keeps them in registers.
   Prints GFLOPS (2 flops x 8 lanes per FMA). Built and run by benchmarks/sgemm.py. */
#include <stdio.h>
#include <time.h>

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + 1e-9 * t.tv_nsec;
}

#define FMA(r) "vfmadd231ps %%ymm12, %%ymm13, %%ymm" #r "\n\t"

int main(void) {
    long n = 100000000L;
    double best = 1e30;
    for (int rep = 0; rep < 5; rep++) {
        long it = n;
        double t0 = now();
        __asm__ volatile(
            "vxorps %%ymm12, %%ymm12, %%ymm12\n\tvxorps %%ymm13, %%ymm13, %%ymm13\n\t"
            "1:\n\t"
            FMA(0) FMA(1) FMA(2) FMA(3) FMA(4) FMA(5) FMA(6) FMA(7) FMA(8) FMA(9) FMA(10) FMA(11)
            "dec %0\n\tjnz 1b\n\tvzeroupper\n\t"
            : "+r"(it)
            :
            : "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10",
              "xmm11", "xmm12", "xmm13", "cc");
        double t = now() - t0;
        if (t < best) best = t;
    }
    printf("%.3f\n", 2.0 * 8 * 12 * n / best / 1e9);
    return 0;
}
