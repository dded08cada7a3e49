"""Kernels benchmark: examples/blas (saxpy/daxpy, sdot/ddot, sgemv/dgemv) and examples/conv
(conv2d, NHWC 3 x 3) against numpy's OpenBLAS on one thread.

Run by ``nox -s bench`` (benchmarks/run.py calls ``main()``) or ``python
benchmarks/kernels.py [--quick]``. Writes ``bench-results/kernels.json``.

Three numbers per size where they exist:

* ``exo_core``: our scheduled kernel, called through ctypes;
* ``openblas``: the same BLAS routine (``cblas_saxpy``, ``cblas_sdot``, ``cblas_sgemv`` ...)
  from the OpenBLAS library numpy itself loaded (found through threadpoolctl), also called
  through ctypes, so both sides pay the same call overhead (about a microsecond, which
  matters for the smallest level-1 sizes only);
* ``numpy``: what a numpy user writes (``y += a * x``, ``np.dot``, ``A @ x``); for the
  convolution, im2col (a copy of the 3 x 3 windows) and one ``matmul`` (OpenBLAS sgemm).

Level 1 is memory bound: it is reported in GB/s (bytes of the operands read and written),
level 2 and the convolution in GFLOPS. The measurement runs in a child process without
``OPENBLAS_CORETYPE``/``OPENBLAS_L2_SIZE`` and with one OpenBLAS thread (as the SGEMM
benchmark does); calls are timed interleaved, best of several runs (a shared machine).
"""

from __future__ import annotations

import ctypes
import functools
import json
import platform
import sys
import time
from pathlib import Path

from bench_common import ENV_DROP, load_module, run_child

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench-results"
BLAS_PY = ROOT / "examples" / "blas" / "blas.py"
CONV_PY = ROOT / "examples" / "conv" / "conv2d.py"

LEVEL1 = [4_096, 4_099, 65_536, 65_539, 1_048_576, 1_000_003, 16_777_216]
GEMV = [(64, 64), (256, 256), (255, 257), (1024, 1024), (1023, 1025), (2048, 2048), (4096, 4096),
        (64, 16_384), (16_384, 64)]
CONV = [(1, 56, 56, 64, 64), (1, 28, 28, 128, 128), (1, 14, 14, 256, 256), (1, 7, 7, 512, 512),
        (1, 112, 112, 3, 32), (1, 55, 55, 61, 67), (8, 14, 14, 64, 64)]

I64, PTR = ctypes.c_int64, ctypes.c_void_p  # int_fast32_t is 64-bit on x86-64 Linux


def main(argv=None) -> int:
    """Run the benchmark in a child process (one OpenBLAS thread, its overrides removed)."""
    return run_child(__file__, list(sys.argv[1:] if argv is None else argv))


# --------------------------------------------------------------------------- calling C


@functools.cache
def _win(ndim: int):
    """The C struct of a window argument: data pointer and ``ndim`` strides (in elements)."""
    return type(f"Win{ndim}", (ctypes.Structure,), {"_fields_": [("data", PTR), ("strides", I64 * ndim)]})


def _window(arr):
    w = _win(arr.ndim)()
    w.data = arr.ctypes.data
    for k, s in enumerate(arr.strides):
        w.strides[k] = s // arr.itemsize
    return w


def _ours(proc):
    """Our kernel's C function (built by the JIT) as a ctypes function."""
    jit_fn = proc.jit()
    return getattr(ctypes.CDLL(jit_fn.library_path), proc.name())


class OpenBLAS:
    """The cblas routines of the OpenBLAS numpy loaded (``scipy_cblas_saxpy64_`` in numpy's
    wheels, ``cblas_saxpy`` in a system build), with the integer width of its interface."""

    ROW_MAJOR, NO_TRANS = 101, 111

    def __init__(self, info: list):
        self.lib, self.int = None, ctypes.c_int
        paths = [i["filepath"] for i in info if i.get("internal_api") == "openblas"]
        paths.sort(key=lambda p: "numpy" not in p)  # numpy's own first
        for path in paths:
            lib = ctypes.CDLL(path)
            for prefix, suffix, int_t in (("scipy_cblas_", "64_", ctypes.c_int64), ("cblas_", "64_", ctypes.c_int64),
                                          ("scipy_cblas_", "", ctypes.c_int), ("cblas_", "", ctypes.c_int)):
                if hasattr(lib, f"{prefix}saxpy{suffix}"):
                    self.lib, self.path, self.int = lib, path, int_t
                    self.prefix, self.suffix = prefix, suffix
                    return

    def fn(self, name: str, restype, argtypes):
        if self.lib is None:
            return None
        f = getattr(self.lib, f"{self.prefix}{name}{self.suffix}")
        f.restype, f.argtypes = restype, argtypes
        return f


def _time_interleaved(fns: dict, budget: float, min_reps: int = 3) -> dict:
    """Best seconds of each zero-argument ``fn``, the calls interleaved (after one warm-up each)."""
    for fn in fns.values():
        fn()
    best = {k: float("inf") for k in fns}
    t_end = time.perf_counter() + budget
    reps = 0
    while reps < min_reps or (time.perf_counter() < t_end and reps < 2000):
        for k, fn in fns.items():
            t0 = time.perf_counter()
            fn()
            best[k] = min(best[k], time.perf_counter() - t0)
        reps += 1
    return best


# --------------------------------------------------------------------------- the kernels


def _level1_case(ours, cblas, n, dt, budget) -> dict:
    """Best seconds of axpy and dot at length ``n``: ours, OpenBLAS's, numpy's."""
    import numpy as np

    axpy, dot = ours
    rng = np.random.default_rng(n)
    x, y = rng.standard_normal(n).astype(dt), rng.standard_normal(n).astype(dt)
    alpha, r = np.array([1e-3], dt), np.zeros(1, dt)
    a, xw, yw = float(alpha[0]), _window(x), _window(y)
    pa, pr, px, py = alpha.ctypes.data, r.ctypes.data, x.ctypes.data, y.ctypes.data
    fns = {"axpy_exo_core": lambda: axpy(None, n, pa, xw, yw),
           "axpy_numpy": lambda: np.add(y, a * x, out=y),
           "dot_exo_core": lambda: dot(None, n, xw, yw, pr),
           "dot_numpy": lambda: np.dot(x, y)}
    if cblas is not None:
        b_axpy, b_dot = cblas
        fns["axpy_openblas"] = lambda: b_axpy(n, a, px, 1, py, 1)
        fns["dot_openblas"] = lambda: b_dot(n, px, 1, py, 1)
    return _time_interleaved(fns, budget)


def bench_level1(bl, blas: OpenBLAS, sizes, budget) -> list:
    import numpy as np

    rows = []
    for pre, dt, ct in (("s", np.float32, ctypes.c_float), ("d", np.float64, ctypes.c_double)):
        axpy, dot = _ours(getattr(bl, f"{pre}axpy_avx2")), _ours(getattr(bl, f"{pre}dot_avx2"))
        axpy.argtypes = [PTR, I64, PTR, _win(1), _win(1)]
        dot.argtypes = [PTR, I64, _win(1), _win(1), PTR]
        cblas = None
        if blas.lib is not None:
            cblas = (blas.fn(f"{pre}axpy", None, [blas.int, ct, PTR, blas.int, PTR, blas.int]),
                     blas.fn(f"{pre}dot", ct, [blas.int, PTR, blas.int, PTR, blas.int]))
        for n in sizes:
            best = _level1_case((axpy, dot), cblas, n, dt, budget)
            size = np.dtype(dt).itemsize
            for kernel, nbytes in (("axpy", 3 * n * size), ("dot", 2 * n * size)):
                row = {"kernel": f"{pre}{kernel}", "n": n}
                for who in ("exo_core", "openblas", "numpy"):
                    if f"{kernel}_{who}" in best:
                        row[f"{who}_gbs"] = round(nbytes / best[f"{kernel}_{who}"] / 1e9, 2)
                row["vs_openblas"] = round(row["exo_core_gbs"] / row["openblas_gbs"], 3) if "openblas_gbs" in row else None
                rows.append(row)
                print(f"{pre}{kernel:4s} n={n:9d}  exo_core {row['exo_core_gbs']:7.1f} GB/s  openblas "
                      f"{row.get('openblas_gbs', float('nan')):7.1f}  numpy {row['numpy_gbs']:7.1f}", flush=True)
    return rows


def _gemv_case(gemv, b_gemv, M, N, dt, budget) -> dict:
    import numpy as np

    rng = np.random.default_rng(M * 7 + N)
    A = rng.standard_normal((M, N)).astype(dt)
    x, y, tmp = rng.standard_normal(N).astype(dt), np.zeros(M, dt), np.zeros(M, dt)
    Aw, xw, yw = _window(A), _window(x), _window(y)
    pA, px, py = A.ctypes.data, x.ctypes.data, y.ctypes.data

    def with_numpy():
        np.matmul(A, x, out=tmp)
        np.add(y, tmp, out=y)

    fns = {"exo_core": lambda: gemv(None, M, N, Aw, xw, yw), "numpy": with_numpy}
    if b_gemv is not None:  # y = 1 * A @ x + 1 * y
        fns["openblas"] = lambda: b_gemv(OpenBLAS.ROW_MAJOR, OpenBLAS.NO_TRANS, M, N, 1.0, pA, N, px, 1, 1.0, py, 1)
    return _time_interleaved(fns, budget)


def bench_gemv(bl, blas: OpenBLAS, shapes, budget) -> list:
    import numpy as np

    rows = []
    for pre, dt, ct in (("s", np.float32, ctypes.c_float), ("d", np.float64, ctypes.c_double)):
        gemv = _ours(getattr(bl, f"{pre}gemv_avx2"))
        gemv.argtypes = [PTR, I64, I64, _win(2), _win(1), _win(1)]
        i = blas.int
        b_gemv = blas.fn(f"{pre}gemv", None, [ctypes.c_int, ctypes.c_int, i, i, ct, PTR, i, PTR, i, ct, PTR, i])
        for M, N in shapes:
            best = _gemv_case(gemv, b_gemv, M, N, dt, budget)
            row = {"kernel": f"{pre}gemv", "M": M, "N": N}
            for who, t in best.items():
                row[f"{who}_gflops"] = round(2.0 * M * N / t / 1e9, 2)
            row["vs_openblas"] = round(row["exo_core_gflops"] / row["openblas_gflops"], 3) if "openblas_gflops" in row else None
            rows.append(row)
            print(f"{pre}gemv {M:6d} x {N:6d}  exo_core {row['exo_core_gflops']:6.2f} GFLOPS  openblas "
                  f"{row.get('openblas_gflops', float('nan')):6.2f}  numpy {row['numpy_gflops']:6.2f}", flush=True)
    return rows


def _conv_case(conv, shape, budget) -> dict:
    import numpy as np
    from numpy.lib.stride_tricks import sliding_window_view

    N, H, W, CI, CO = shape
    rng = np.random.default_rng(H * CI + CO)
    inp = rng.standard_normal((N, H + 2, W + 2, CI)).astype(np.float32)
    wt = rng.standard_normal((3, 3, CI, CO)).astype(np.float32)
    out = np.zeros((N, H, W, CO), np.float32)
    wt2, tmp = wt.reshape(9 * CI, CO), np.zeros((N * H * W, CO), np.float32)
    pi, pw, po = inp.ctypes.data, wt.ctypes.data, out.ctypes.data

    def im2col_matmul():
        cols = sliding_window_view(inp, (3, 3), axis=(1, 2)).transpose(0, 1, 2, 4, 5, 3)
        np.matmul(np.ascontiguousarray(cols).reshape(N * H * W, 9 * CI), wt2, out=tmp)
        np.add(out, tmp.reshape(out.shape), out=out)

    return _time_interleaved({"exo_core": lambda: conv(None, N, H, W, CI, CO, pi, pw, po),
                              "numpy": im2col_matmul}, budget)


def bench_conv(cv, shapes, budget) -> list:
    conv = _ours(cv.conv2d_avx2)
    conv.argtypes = [PTR, I64, I64, I64, I64, I64, PTR, PTR, PTR]
    rows = []
    for shape in shapes:
        N, H, W, CI, CO = shape
        best = _conv_case(conv, shape, budget)
        flops = 2.0 * N * H * W * CO * 9 * CI
        row = {"kernel": "conv2d", "N": N, "H": H, "W": W, "CI": CI, "CO": CO,
               "exo_core_gflops": round(flops / best["exo_core"] / 1e9, 2),
               "numpy_im2col_matmul_gflops": round(flops / best["numpy"] / 1e9, 2)}
        row["vs_numpy"] = round(row["exo_core_gflops"] / row["numpy_im2col_matmul_gflops"], 3)
        rows.append(row)
        print(f"conv2d {N}x{H}x{W}x{CI} -> {CO}  exo_core {row['exo_core_gflops']:6.1f} GFLOPS  numpy "
              f"(im2col + matmul) {row['numpy_im2col_matmul_gflops']:6.1f}", flush=True)
    return rows


def run(quick: bool = False) -> dict:
    import numpy as np
    from threadpoolctl import threadpool_info, threadpool_limits

    t0 = time.perf_counter()
    bl = load_module(BLAS_PY, "kernels_bench_blas")
    procs = [getattr(bl, f"{pre}{k}_avx2") for pre in "sd" for k in ("axpy", "dot", "gemv")]
    t_blas = time.perf_counter() - t0
    t0 = time.perf_counter()
    cv = load_module(CONV_PY, "kernels_bench_conv")
    conv_proc = cv.conv2d_avx2
    t_conv = time.perf_counter() - t0
    for p in procs + [conv_proc]:
        p.jit()
    budget = 0.2 if quick else 1.0
    with threadpool_limits(limits=1, user_api="blas"):
        info = threadpool_info()
        blas = OpenBLAS(info)
        level1 = bench_level1(bl, blas, LEVEL1[:4] if quick else LEVEL1, budget)
        gemv = bench_gemv(bl, blas, GEMV[:4] if quick else GEMV, budget)
        conv = bench_conv(cv, CONV[:2] if quick else CONV, 2 * budget)

    def summary(rows, key, ref):
        ratios = [r[key] / r[ref] for r in rows if r.get(ref)]
        return {"min": round(min(ratios), 3), "max": round(max(ratios), 3)} if ratios else None

    return {
        "machine": {"processor": platform.processor() or platform.machine(), "system": platform.platform(),
                    "python": platform.python_version(), "numpy": np.__version__},
        "numpy_blas": [{k: i.get(k) for k in ("internal_api", "version", "architecture", "num_threads", "filepath")}
                       for i in info if i.get("user_api") == "blas"],
        "openblas_called_directly": getattr(blas, "path", None),
        "openblas_env_removed": list(ENV_DROP),
        "schedule_seconds": {"blas_six_kernels": round(t_blas, 3), "conv2d": round(t_conv, 3)},
        "level1_gbs": level1,
        "gemv_gflops": gemv,
        "conv2d_gflops": conv,
        "summary": {
            "axpy_vs_openblas": summary([r for r in level1 if "axpy" in r["kernel"]], "exo_core_gbs", "openblas_gbs"),
            "dot_vs_openblas": summary([r for r in level1 if "dot" in r["kernel"]], "exo_core_gbs", "openblas_gbs"),
            "gemv_vs_openblas": summary(gemv, "exo_core_gflops", "openblas_gflops"),
            "conv2d_vs_numpy_im2col_matmul": summary(conv, "exo_core_gflops", "numpy_im2col_matmul_gflops"),
        },
    }


def _child(argv) -> int:
    OUT.mkdir(exist_ok=True)
    record = run(quick="--quick" in argv)
    path = OUT / "kernels.json"
    path.write_text(json.dumps(record, indent=2))
    print(json.dumps(record["summary"], indent=2))
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    if "--child" in sys.argv[1:]:
        sys.exit(_child([a for a in sys.argv[1:] if a != "--child"]))
    sys.exit(main())
