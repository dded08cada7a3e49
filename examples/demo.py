"""The main demo: a kernel defined, printed, compiled to C, run through the JIT and checked.

Run with `nox -s demo` (or `python examples/demo.py` where exo-core is installed).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

from exo_core import DRAM, compile_procs_to_strings, interpret, proc


# A 1-D convolution over rows of an image, written as plain loops.
@proc
def conv_rows(n: size, m: size, k: size, img: f32[n, m + k - 1] @ DRAM, w: f32[k] @ DRAM,
              out: f32[n, m] @ DRAM):
    assert k <= 8
    for i in seq(0, n):
        for j in seq(0, m):
            out[i, j] = 0.0
            for r in seq(0, k):
                out[i, j] += w[r] * img[i, j + r]


# Matrix multiply through a window: C += A @ B, each row handled by a sub-procedure.
@proc
def axpy_row(m: size, alpha: f32, x: [f32][m] @ DRAM, y: [f32][m] @ DRAM):
    for j in seq(0, m):
        y[j] += alpha * x[j]


@proc
def matmul(n: size, m: size, p: size, A: f32[n, p] @ DRAM, B: f32[p, m] @ DRAM, C: f32[n, m] @ DRAM):
    for i in seq(0, n):
        for k in seq(0, p):
            a: f32 @ DRAM
            a = A[i, k]
            axpy_row(m, a, B[k, :], C[i, :])


def main() -> int:
    print("== the procedures, as the compiler sees them ==")
    print(conv_rows)
    print(matmul)

    t0 = time.perf_counter()
    c_src, header = compile_procs_to_strings([conv_rows, matmul], "demo.h")
    t_c = time.perf_counter() - t0
    out_dir = Path("demo-out")
    out_dir.mkdir(exist_ok=True)
    (out_dir / "demo.c").write_text(c_src)
    (out_dir / "demo.h").write_text(header)
    print(f"== C ({len(c_src.splitlines())} lines, emitted in {t_c * 1e3:.1f} ms; also in {out_dir}/) ==")
    print(c_src)

    rng = np.random.default_rng(0)
    ok = True

    n, m, k = 5, 13, 3
    img = rng.standard_normal((n, m + k - 1)).astype(np.float32)
    w = rng.standard_normal(k).astype(np.float32)
    want = np.stack([np.convolve(img[i], w[::-1], mode="valid") for i in range(n)])

    t0 = time.perf_counter()
    conv_c = conv_rows.jit()
    t_jit = time.perf_counter() - t0
    out = np.zeros((n, m), np.float32)
    conv_c(n, m, k, img, w, out)
    ok &= _report("conv_rows (JIT, C)", out, want)

    out_i = np.zeros((n, m), np.float32)
    interpret(conv_rows, n=n, m=m, k=k, img=img, w=w, out=out_i)
    ok &= _report("conv_rows (interpreter)", out_i, want)

    n, m, p = 7, 9, 11
    A = rng.standard_normal((n, p)).astype(np.float32)
    B = rng.standard_normal((p, m)).astype(np.float32)
    C = rng.standard_normal((n, m)).astype(np.float32)
    want = C + A @ B
    matmul.jit()(n, m, p, A, B, C)
    ok &= _report("matmul (JIT, C)", C, want)

    print(f"JIT build of conv_rows: {t_jit:.2f} s (cached on disk after the first run)")
    print("demo OK" if ok else "demo FAILED")
    return 0 if ok else 1


def _report(what, got, want) -> bool:
    err = float(np.max(np.abs(got - want)))
    good = np.allclose(got, want, rtol=1e-5, atol=1e-5)
    print(f"{what}: max |error| vs numpy = {err:.2e} {'OK' if good else 'MISMATCH'}")
    return good


if __name__ == "__main__":
    sys.exit(main())
