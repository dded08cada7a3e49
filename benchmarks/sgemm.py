"""SGEMM benchmark: examples/sgemm's ``sgemm_avx2`` vs numpy (OpenBLAS, one thread) vs the naive
loop nest at -O3, against the machine's measured single-core FMA peak; the main micro-kernel
alone with its operands in L1; plus the seconds to parse + schedule the example and to emit
its C.

Run by ``nox -s bench`` (benchmarks/run.py calls ``main()``) or ``python benchmarks/sgemm.py
[--quick]``. Writes ``bench-results/sgemm.json`` and ``bench-results/sgemm.png``.

The measurement runs in a child process whose environment lacks ``OPENBLAS_CORETYPE`` and
``OPENBLAS_L2_SIZE`` (set on some hosts for old OpenBLAS builds; they slow a current one), so
numpy's OpenBLAS picks its own kernel; the JSON records which (threadpoolctl), and with
``OPENBLAS_NUM_THREADS=1`` (no idle worker threads spinning on the other core). Both sides are
called through thin C-call wrappers (ctypes for ours, ``np.matmul(out=)`` for numpy), timed
interleaved, best of several runs: the machine is shared, so the best run is the least
disturbed one.
"""

from __future__ import annotations

import ctypes
import importlib.util
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench-results"
SGEMM_PY = ROOT / "examples" / "sgemm" / "sgemm.py"
PEAK_C = Path(__file__).resolve().parent / "sgemm_peak.c"

SQUARE = [64, 128, 192, 256, 384, 512, 768, 1024, 1536, 2048]
ODD = [127, 255, 257, 383, 511, 513, 1000, 1023, 1025, 1535, 2047]
NAIVE_MAX = 1024
TILE = 48  # lcm of the AVX2 tile's MR = 6 and NR = 16: the sizes with no edge tiles
ENV_DROP = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")


def main(argv=None) -> int:
    """Run the benchmark in a child process with the OpenBLAS overrides removed."""
    argv = list(sys.argv[1:] if argv is None else argv)
    env = {k: v for k, v in os.environ.items() if k not in ENV_DROP}
    # one OpenBLAS thread from the start (threadpoolctl also limits it and reports it): idle
    # worker threads would otherwise spin on the second core while we measure
    env["OPENBLAS_NUM_THREADS"] = "1"
    return subprocess.call([sys.executable, str(Path(__file__).resolve()), "--child", *argv], env=env)


def _load(path: Path, name: str):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def measure_peak() -> float | None:
    """GFLOPS of the FMA-throughput loop in sgemm_peak.c, compiled now."""
    cc = os.environ.get("CC") or shutil.which("gcc") or shutil.which("cc")
    if cc is None:
        return None
    with tempfile.TemporaryDirectory() as d:
        exe = Path(d) / "peak"
        subprocess.run([cc, "-O2", "-o", str(exe), str(PEAK_C)], check=True)
        return max(float(subprocess.run([str(exe)], capture_output=True, text=True, check=True).stdout)
                   for _ in range(2))


def compile_side() -> tuple[object, dict]:
    """Seconds to parse the example (a fresh import: the naive proc and the kernel references),
    to schedule ``sgemm_avx2`` and ``sgemm_avx512`` (built on first use), and to emit C."""
    from exo_core import compile_procs_to_strings

    t0 = time.perf_counter()
    sg = _load(SGEMM_PY, "sgemm_bench_example")
    t_parse = time.perf_counter() - t0
    t0 = time.perf_counter()
    avx2 = sg.sgemm_avx2
    t_sched = time.perf_counter() - t0
    t0 = time.perf_counter()
    avx512 = sg.sgemm_avx512
    t_sched512 = time.perf_counter() - t0
    t0 = time.perf_counter()
    c_src, _ = compile_procs_to_strings([avx2], "sgemm.h")
    t_emit = time.perf_counter() - t0
    t0 = time.perf_counter()
    compile_procs_to_strings([sg.sgemm_naive, avx2, avx512], "sgemm_all.h")
    t_emit_all = time.perf_counter() - t0
    return sg, {
        "parse_seconds": round(t_parse, 3),
        "schedule_seconds_sgemm_avx2": round(t_sched, 3),
        "schedule_seconds_sgemm_avx512": round(t_sched512, 3),
        "emit_c_seconds_sgemm_avx2": round(t_emit, 3),
        "emit_c_seconds_all_three": round(t_emit_all, 3),
        "c_lines_sgemm_avx2": len(c_src.splitlines()),
        "primitive_calls_sgemm_avx2": len(avx2.trace().splitlines()),
    }


def measure_micro_kernel(sg, reps: int = 100_000) -> dict:
    """GFLOPS of the main micro-kernel alone (the ``MR x NR`` kernel of ``KUNROLL`` k steps per
    trip, as ``sgemm_avx2`` calls it, over one ``KC``-long block) with its operands in L1:
    called ``reps`` times from a loop proc on the same packed sliver of ``A``, tile of ``B``
    and tile of ``C``, best of five. Set against the FMA peak it splits the gap to the peak
    into the kernel's own share (its loop and its per-call prologue and epilogue) and the
    rest (packing, caches, edges)."""
    import numpy as np

    from exo_core import proc

    isa = sg.AVX2_ISA
    mr, nr, kc, ku = isa.mr, isa.nr, isa.kc, isa.kunroll
    ref = sg.kernel_ref(mr, nr, strides=(mr, nr), kmult=ku)
    kernel = sg.schedule_kernel(ref, isa, mr, nr, kunroll=ku)

    @proc
    def micro_kernel_loop(reps: size, K: size, A: f32[K, mr], B: f32[K, nr], C: f32[mr, nr]):  # noqa: F821
        assert K % ku == 0
        for _rep in seq(0, reps):  # noqa: F821
            kernel(K, A, B, C)

    # not inlined into the loop, as in sgemm_avx2 (there it has many callers); inlined, gcc
    # spills accumulators and the figure would not be the kernel's
    lib = ctypes.CDLL(micro_kernel_loop.jit(cflags=["-fno-inline"]).library_path)
    f = lib.micro_kernel_loop
    i64, ptr = ctypes.c_int64, ctypes.c_void_p
    f.argtypes, f.restype = [ptr, i64, i64, ptr, ptr, ptr], None
    rng = np.random.default_rng(0)
    A = (rng.standard_normal((kc, mr)) * 1e-3).astype(np.float32)
    B = (rng.standard_normal((kc, nr)) * 1e-3).astype(np.float32)
    C = np.zeros((mr, nr), np.float32)
    f(None, 1000, kc, A.ctypes.data, B.ctypes.data, C.ctypes.data)  # warm up: caches, frequency
    expected = 1000 * (A.astype(np.float64).T @ B.astype(np.float64))
    if not np.allclose(C, expected, rtol=1e-3, atol=1e-4):  # a figure for wrong code is no figure
        raise AssertionError(f"{kernel.name()} in micro_kernel_loop computed a wrong C tile")
    best = float("inf")
    for _ in range(5):
        t0 = time.perf_counter()
        f(None, reps, kc, A.ctypes.data, B.ctypes.data, C.ctypes.data)
        best = min(best, time.perf_counter() - t0)
    return {"kernel": kernel.name(), "k": kc, "calls": reps,
            "gflops_operands_in_l1": round(2.0 * mr * nr * kc * reps / best / 1e9, 2)}


class _Window(ctypes.Structure):
    """A 2-D window as the generated C passes it: data pointer and element strides."""
    _fields_ = [("data", ctypes.c_void_p), ("strides", ctypes.c_int64 * 2)]


def _c_function(jit_fn, name: str):
    """The C function straight through ctypes (no per-call argument checks, as numpy's
    matmul makes few). Operands (window structs, or pointers) are built once per array: the
    bench calls again and again on the same arrays."""
    f = getattr(ctypes.CDLL(jit_fn.library_path), name)
    i64, ptr = ctypes.c_int64, ctypes.c_void_p  # int_fast32_t is 64-bit on x86-64 Linux
    windows = [a.type.is_win() for a in jit_fn.proc.INTERNAL_proc().args[3:]]
    f.argtypes = [ptr, i64, i64, i64] + [_Window if w else ptr for w in windows]
    f.restype = None
    structs: dict = {}

    def arg(x, window: bool):
        # keyed by identity (the entry holds the array, so its id is not reused): reading
        # x.ctypes.data alone costs about 3 us, a tenth of a call at n = 64
        got = structs.get(id(x))
        if got is None or got[0] is not x:
            if len(structs) > 64:
                structs.clear()
            data = x.ctypes.data
            value = _Window(data, (ctypes.c_int64 * 2)(*(s // x.itemsize for s in x.strides))) if window else data
            got = structs[id(x)] = (x, value)
        return got[1]

    def call(M, N, K, *arrays):
        f(None, M, N, K, *[arg(x, w) for x, w in zip(arrays, windows)])

    return call


def _operands(shape):
    """Random ``A``, ``B`` and a zero ``C`` for ``shape`` (``n`` or ``(M, N, K)``)."""
    import numpy as np

    M, N, K = (shape, shape, shape) if isinstance(shape, int) else shape
    rng = np.random.default_rng(M * 7919 + N * 31 + K)
    return (rng.standard_normal((M, K)).astype(np.float32), rng.standard_normal((K, N)).astype(np.float32),
            np.zeros((M, N), np.float32))


def _time_interleaved(fns: dict, shape, budget: float, min_rounds: int = 3) -> tuple[dict, dict, dict]:
    """Best seconds of each ``fn(A, B, C)`` on operands of ``shape`` (``n`` or ``(M, N, K)``;
    or, per function, ``fns[name] = (fn, shape)``), calls interleaved (the order alternating
    round by round), and per function the median over the rounds of (its time / the first
    function's time): a ratio of two calls made moments apart, which a shared machine
    disturbs less than a ratio of two best times; and the per-round ratios themselves."""
    import numpy as np

    calls = {k: v if isinstance(v, tuple) else (v, shape) for k, v in fns.items()}
    # functions of one shape share its operands: where arrays land in memory moves a time
    # by 2 to 4 % (n = 384), which must not favour either side
    by_shape = {shp: _operands(shp) for _, shp in calls.values()}
    data = {k: by_shape[shp] for k, (_, shp) in calls.items()}
    for k, (fn, _) in calls.items():  # warm up: page in, build caches
        fn(*data[k])
    best = {k: float("inf") for k in fns}
    rounds = []
    t_end = time.perf_counter() + budget
    items = list(calls.items())
    while len(rounds) < min_rounds or (time.perf_counter() < t_end and len(rounds) < 400):
        times = {}
        for k, (fn, _) in (items if len(rounds) % 2 == 0 else items[::-1]):
            t0 = time.perf_counter()
            fn(*data[k])
            times[k] = time.perf_counter() - t0
            best[k] = min(best[k], times[k])
        rounds.append(times)
    first = items[0][0]
    ratios = {k: np.array([r[k] / r[first] for r in rounds]) for k in fns}
    return best, {k: float(np.median(v)) for k, v in ratios.items()}, ratios


def median_ci(ratios, level: float = 0.95, resamples: int = 4000, seed: int = 0) -> tuple[float, float]:
    """A bootstrap confidence interval of the median of ``ratios`` (percentile method): the
    per-round ratios are resampled with replacement, the median taken each time."""
    import numpy as np

    ratios = np.asarray(ratios, dtype=float)
    rng = np.random.default_rng(seed)
    medians = np.median(rng.choice(ratios, size=(resamples, ratios.size), replace=True), axis=1)
    lo, hi = np.quantile(medians, [(1 - level) / 2, (1 + level) / 2])
    return float(lo), float(hi)


def verdict(lo: float, hi: float) -> str:
    """``above`` / ``level`` / ``below`` 1.0, by where the ratio's interval lies."""
    return "above" if lo >= 1.0 else "below" if hi < 1.0 else "level"


def run(quick: bool = False) -> dict:
    import numpy as np
    from threadpoolctl import threadpool_info, threadpool_limits

    peak = measure_peak()
    sg, compile_info = compile_side()
    micro = measure_micro_kernel(sg, 20_000 if quick else 100_000)
    if peak:
        micro["pct_peak"] = round(100 * micro["gflops_operands_in_l1"] / peak, 1)
    print(f"micro-kernel {micro['kernel']}, operands in L1: {micro['gflops_operands_in_l1']:.1f} GFLOPS"
          + (f" ({micro['pct_peak']} % of the FMA peak)" if peak else ""), flush=True)
    ours = _c_function(sg.sgemm_avx2.jit(), "sgemm_avx2")
    naive = _c_function(sg.sgemm_naive.jit(target="c", cflags=["-O3"]), "sgemm_naive")

    def gf(n, s):
        return round(2.0 * n ** 3 / s / 1e9, 2)

    square = SQUARE[:6] if quick else SQUARE
    odd = ODD[:4] if quick else ODD
    rows, edge_shapes = [], []
    with threadpool_limits(limits=1, user_api="blas"):
        blas = [{k: i.get(k) for k in ("internal_api", "version", "architecture", "num_threads", "threading_layer")}
                for i in threadpool_info() if i.get("user_api") == "blas"]
        for n in sorted(set(square + odd + [_nearest_tile(n) for n in odd])):
            budget = 0.5 if quick else 1.5
            goal_size = _goal_size(n, square)
            # the goal's sizes get enough rounds for a median with a usable interval
            best, median, ratios = _time_interleaved(_pair(ours, np), n, budget * (3 if goal_size else 1),
                                                     min_rounds=5 if quick else 40 if goal_size else 3)
            row = {"n": n, "exo_core_gflops": gf(n, best["exo_core"]), "numpy_gflops": gf(n, best["numpy"])}
            if n <= NAIVE_MAX and (n in square) and not (quick and n > 256):
                row["naive_O3_gflops"] = gf(n, _time_interleaved(
                    {"naive": lambda A, B, C, n=n: naive(n, n, n, A, B, C)}, n, 0.2)[0]["naive"])
            row["vs_numpy"] = round(row["exo_core_gflops"] / row["numpy_gflops"], 3)
            row["vs_numpy_median"] = round(median["numpy"], 3)
            lo, hi = median_ci(ratios["numpy"])
            row["vs_numpy_median_ci95"] = [round(lo, 3), round(hi, 3)]
            row["rounds"] = int(ratios["numpy"].size)
            if peak:
                row["exo_core_pct_peak"] = round(100 * row["exo_core_gflops"] / peak, 1)
            rows.append(row)
            print(f"n={n:5d}  exo_core {row['exo_core_gflops']:7.2f}  numpy {row['numpy_gflops']:7.2f}  "
                  f"ratio {row['vs_numpy']:.3f} (median {row['vs_numpy_median']:.3f}, 95% CI {lo:.3f}..{hi:.3f}, "
                  f"{row['rounds']} rounds)"
                  + (f"  naive {row['naive_O3_gflops']:.2f}" if "naive_O3_gflops" in row else ""), flush=True)
        # the edges' cost: an odd n against the nearest shape without edge tiles, M and N
        # rounded to multiples of MR and NR (K, which has no tile, kept), the two timed
        # interleaved: the same work within a few %, so the ratio is the edge kernels' price
        isa = sg.AVX2_ISA
        call = _pair(ours, np)["exo_core"]
        for n in odd:
            shape = (_round_to(n, isa.mr), _round_to(n, isa.nr), n)
            best, median, _ = _time_interleaved({"shape": (call, shape), "odd": (call, n)}, None,
                                                0.5 if quick else 1.5)
            flops, flops_n = 2.0 * shape[0] * shape[1] * shape[2], 2.0 * n ** 3
            edge_shapes.append({"n": n, "shape": list(shape),
                                "exo_core_gflops": round(flops_n / best["odd"] / 1e9, 2),
                                "shape_exo_core_gflops": round(flops / best["shape"] / 1e9, 2),
                                "ratio_odd_to_shape": round(flops_n / best["odd"] / (flops / best["shape"]), 3),
                                "ratio_odd_to_shape_median": round(flops_n / flops / median["odd"], 3)})
    by_n = {r["n"]: r for r in rows}
    # GFLOPS at an odd size over GFLOPS at the nearest size without edge tiles; and the same
    # with both normalized by numpy's at that size (less sensitive to a disturbed run)
    odd_rows = [{"n": n, "tile_multiple": _nearest_tile(n),
                 "ratio_to_tile_multiple": round(by_n[n]["exo_core_gflops"] / by_n[_nearest_tile(n)]["exo_core_gflops"], 3),
                 "numpy_normalized_ratio": round(by_n[n]["vs_numpy"] / by_n[_nearest_tile(n)]["vs_numpy"], 3)}
                for n in odd]
    goal_rows = [r for r in rows if _goal_size(r["n"], square)]
    goal = [r["vs_numpy"] for r in goal_rows]
    goal_median = [r["vs_numpy_median"] for r in goal_rows]
    verdicts = {str(r["n"]): verdict(*r["vs_numpy_median_ci95"]) for r in goal_rows}
    return {
        "machine": {"processor": platform.processor() or platform.machine(), "system": platform.platform(),
                    "cpu_model": _cpu_model(), "python": platform.python_version(), "numpy": np.__version__},
        "single_core_fma_peak_gflops": peak,
        "numpy_blas": blas,
        "openblas_env_removed": list(ENV_DROP),
        "kernel": {"ours": f"sgemm_avx2 ({isa.mr}x{isa.nr} AVX2/FMA micro-kernel; {isa.mc}x{isa.kc} A panel and "
                           f"{isa.kc}x{isa.nc} B block packed)",
                   "naive": "sgemm_naive, built-in C target with -O3"},
        "compile": compile_info,
        "micro_kernel": micro,
        "sizes": rows,
        "odd_sizes_vs_tile_multiple": odd_rows,
        "odd_sizes_vs_nearest_tile_shape": edge_shapes,
        "summary": {
            "min_ratio_vs_numpy_256_2048": min(goal) if goal else None,
            "geomean_ratio_vs_numpy_256_2048": round(_geomean(goal), 3) if goal else None,
            "min_median_ratio_vs_numpy_256_2048": min(goal_median) if goal_median else None,
            "geomean_median_ratio_vs_numpy_256_2048": round(_geomean(goal_median), 3) if goal_median else None,
            # per size, where numpy's time over ours lies: its median's 95% interval wholly
            # >= 1 (above), wholly < 1 (below), else level (the machine's noise decides)
            "median_ratio_verdict_256_2048": verdicts,
            "min_odd_ratio_to_nearest_tile_shape": min(e["ratio_odd_to_shape"] for e in edge_shapes),
            "min_odd_median_ratio_to_nearest_tile_shape": min(e["ratio_odd_to_shape_median"] for e in edge_shapes),
            "min_odd_ratio_to_tile_multiple": min(r["ratio_to_tile_multiple"] for r in odd_rows),
            "min_odd_numpy_normalized_ratio": min(r["numpy_normalized_ratio"] for r in odd_rows),
            "best_pct_of_peak": max((r.get("exo_core_pct_peak", 0) for r in rows), default=None),
            "micro_kernel_pct_of_peak_operands_in_l1": micro.get("pct_peak"),
        },
    }


def _goal_size(n: int, square) -> bool:
    """The issue's goal covers the square sizes from 256 to 2048."""
    return n in square and 256 <= n <= 2048


def _pair(ours, np):
    """The two contenders, called on ``(A, B, C)``: ours first (the median ratios' reference)."""
    def call_ours(A, B, C):
        ours(A.shape[0], B.shape[1], A.shape[1], A, B, C)

    return {"exo_core": call_ours, "numpy": lambda A, B, C: np.matmul(A, B, out=C)}


def _round_to(n: int, step: int) -> int:
    return max(step, step * round(n / step))


def _nearest_tile(n: int) -> int:
    return max(TILE, TILE * round(n / TILE))


def _geomean(xs) -> float:
    import math

    return math.exp(sum(math.log(x) for x in xs) / len(xs))


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def plot(record: dict, path: Path) -> bool:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib not installed: no plot")
        return False
    rows = record["sizes"]
    odd = {r["n"] for r in record["odd_sizes_vs_tile_multiple"]}
    square = [r for r in rows if r["n"] in SQUARE]
    others = [r for r in rows if r["n"] in odd]
    fig, ax = plt.subplots(figsize=(8, 5))
    for key, style, label in (("exo_core_gflops", "o-", "exo-core sgemm_avx2"),
                              ("numpy_gflops", "s-", "numpy (OpenBLAS, 1 thread)")):
        line, = ax.plot([r["n"] for r in square], [r[key] for r in square], style, label=label)
        ax.plot([r["n"] for r in others], [r[key] for r in others], style[0], mfc="none", color=line.get_color(),
                label=f"{label.split(' (')[0]}, odd n")
    naive = [(r["n"], r["naive_O3_gflops"]) for r in rows if "naive_O3_gflops" in r]
    if naive:
        ax.plot(*zip(*naive), "^-", label="naive loop nest, -O3")
    if record["single_core_fma_peak_gflops"]:
        ax.axhline(record["single_core_fma_peak_gflops"], color="gray", ls="--", label="measured FMA peak")
    ax.set_xscale("log", base=2)
    ax.set_xlabel("n (C[n, n] += A[n, n] @ B[n, n])")
    ax.set_ylabel("GFLOPS (single core)")
    ax.set_title(f"SGEMM on {record['machine']['cpu_model']}")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    return True


def _child(argv) -> int:
    OUT.mkdir(exist_ok=True)
    record = run(quick="--quick" in argv)
    path = OUT / "sgemm.json"
    path.write_text(json.dumps(record, indent=2))
    print(json.dumps({k: record[k] for k in ("single_core_fma_peak_gflops", "numpy_blas", "compile", "summary")},
                     indent=2))
    print(f"wrote {path}")
    if plot(record, OUT / "sgemm.png"):
        print(f"wrote {OUT / 'sgemm.png'}")
    return 0


if __name__ == "__main__":
    if "--child" in sys.argv[1:]:
        sys.exit(_child([a for a in sys.argv[1:] if a != "--child"]))
    sys.exit(main())
