"""Benchmarks (run by `nox -s bench`). Writes bench-results/<name>.json and prints a summary.

Speed goals live here, never in tests.
"""

from __future__ import annotations

import json
import platform
import statistics
import sys
import time
from pathlib import Path

from bench_common import load_module

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench-results"


def _best(fn, reps=5):
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times), statistics.median(times)


def bench_frontend_and_backend() -> dict:
    """Seconds to define (parse, type check, bounds check) and to emit C for the demo and the corpus."""
    from exo_core import compile_procs_to_strings

    results = {}
    demo = ROOT / "examples" / "demo.py"
    corpus = ROOT / "tests" / "corpus" / "kernels.py"
    sys.path.insert(0, str(ROOT))
    for label, path in (("demo", demo), ("corpus", corpus)):
        best, median = _best(lambda path=path, label=label: load_module(path, f"bench_{label}"))
        module = load_module(path, f"bench_{label}")
        procs = [v for v in vars(module).values() if type(v).__name__ == "Procedure" and not v.is_instr()]
        c_best, c_median = _best(lambda procs=procs, label=label: compile_procs_to_strings(procs, f"{label}.h"))
        results[label] = {
            "procs": len(procs),
            "define_seconds_best": best,
            "define_seconds_median": median,
            "emit_c_seconds_best": c_best,
            "emit_c_seconds_median": c_median,
        }
    return results


def bench_interpreter() -> dict:
    import numpy as np

    module = load_module(ROOT / "tests" / "corpus" / "kernels.py", "bench_kernels")
    n = 32
    rng = np.random.default_rng(0)
    A, B = (rng.standard_normal((n, n)).astype(np.float32) for _ in range(2))
    C = np.zeros((n, n), np.float32)
    best, median = _best(lambda: module.matmul.interpret(n=n, m=n, p=n, A=A, B=B, C=C), reps=3)
    return {"matmul_32_interpret_seconds_best": best, "matmul_32_interpret_seconds_median": median}


def main() -> int:
    OUT.mkdir(exist_ok=True)
    record = {
        "machine": {"python": platform.python_version(), "processor": platform.processor(), "system": platform.platform()},
        "compiler": bench_frontend_and_backend(),
        "interpreter": bench_interpreter(),
    }
    path = OUT / "compiler.json"
    path.write_text(json.dumps(record, indent=2))
    print(json.dumps(record, indent=2))
    print(f"wrote {path}")
    load_module(Path(__file__).resolve().parent / "sgemm.py", "bench_sgemm").main([])  # SGEMM GFLOPS, bench-results/sgemm.json
    load_module(Path(__file__).resolve().parent / "compile_vs_exo.py", "bench_compile_vs_exo").main([])  # vs Exo 1.0: bench-results/compile_vs_exo.json
    load_module(Path(__file__).resolve().parent / "kernels.py", "bench_blas_conv").main([])  # BLAS 1/2 and conv2d vs OpenBLAS: bench-results/kernels.json
    return 0


if __name__ == "__main__":
    sys.exit(main())
