"""Compile time of the same schedule script under Exo 1.0 and under exo-core's ``import exo`` shim.

Every script in ``benchmarks/exo_scripts/`` uses only Exo's public API and defines ``build()``
(the procs to compile). Each is run in fresh child processes:

* **exo**: a virtual environment with ``exo-lang==1.0.0`` from pip, created once and cached
  in ``bench-results/.exo-venv`` (``--exo-python PATH`` uses another interpreter instead);
* **ours**: this interpreter, with ``exo_core.compat.install()`` first (so ``import exo`` is
  exo-core and its plugins).

The child times, in itself, four phases: ``import`` (``exo``, ``exo.stdlib.scheduling``,
``exo.libs.memories``, ``exo.platforms.x86``: the compiler and the instruction library),
``parse`` (executing the script module: its ``@proc`` definitions), ``schedule``
(``build()``) and ``emit`` (``exo.compile_procs_to_strings``), and reports JSON on stdout.
Runs of the two worlds are interleaved, at least ``--reps`` (3) rounds and, for a script whose
rounds are short, more (both worlds alike) while they fit in 20 s; the best is kept per phase.
The JSON also gives the median over rounds of the per-round compile ratio.
``compile`` is ``parse + schedule + emit``; ``speedup`` is Exo's seconds over ours.

Then both worlds' C is compiled (``gcc -c -O2 -mavx2 -mfma``) and, on an AVX2 + FMA host,
built into a shared library and run on random data against numpy.

Run by ``nox -s bench`` (``benchmarks/run.py`` calls ``main()``) or ``python
benchmarks/compile_vs_exo.py [--reps N] [--scripts a,b]``. Writes
``bench-results/compile_vs_exo.json``. The child runs without ``EXO_CHECK`` (exo-core's
default checking, not the paranoid mode of the tests).
"""

from __future__ import annotations

import argparse
import ctypes
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
OUT = ROOT / "bench-results"
SCRIPTS_DIR = HERE / "exo_scripts"
EXO_VENV = OUT / ".exo-venv"
EXO_REQUIREMENT = "exo-lang==1.0.0"
EXO_VERSION = EXO_REQUIREMENT.split("==")[1]
PHASES = ("import", "parse", "schedule", "emit")
IMPORTS = ("exo", "exo.stdlib.scheduling", "exo.libs.memories", "exo.platforms.x86")
GOAL = 20.0  # the project's goal: the compiler at least 20x faster than Exo on the same script
CFLAGS = ["-O2", "-mavx2", "-mfma", "-std=c11"]


# --------------------------------------------------------------------------- the child


def _count_calls(module) -> dict:
    """Wrap the functions of ``module`` (``exo.stdlib.scheduling``) to count the calls the
    script makes (outermost only: a library operation's own primitive calls do not count)."""
    import functools
    import inspect

    counts = {"calls": 0, "depth": 0}

    def wrap(fn):
        @functools.wraps(fn)
        def counted(*args, **kwargs):
            if counts["depth"] == 0:
                counts["calls"] += 1
            counts["depth"] += 1
            try:
                return fn(*args, **kwargs)
            finally:
                counts["depth"] -= 1

        return counted

    for name, value in list(vars(module).items()):
        # functions and callable objects (Exo's primitives are AtomicSchedulingOp instances);
        # not classes (cursors, errors, memories)
        if callable(value) and not inspect.isclass(value) and not name.startswith("_"):
            setattr(module, name, wrap(value))
    return counts


def child(world: str, script: str, emit_dir: str | None) -> dict:
    """Run ``script`` in this (fresh) process; return the phase times and facts about it."""
    import importlib
    import importlib.util

    path = Path(script)
    t0 = time.perf_counter()
    if world == "ours":
        import exo_core.compat

        exo_core.compat.install()
    modules = [importlib.import_module(m) for m in IMPORTS]
    exo = modules[0]
    t_import = time.perf_counter() - t0

    counts = _count_calls(modules[1])  # before the script's `from exo.stdlib.scheduling import *`
    name = f"exo_script_{path.stem}"
    t0 = time.perf_counter()
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    t_parse = time.perf_counter() - t0

    t0 = time.perf_counter()
    procs = module.build()
    t_schedule = time.perf_counter() - t0

    t0 = time.perf_counter()
    c_code, h_code = exo.compile_procs_to_strings(procs, f"{path.stem}.h")
    t_emit = time.perf_counter() - t0

    if emit_dir:
        Path(emit_dir, f"{path.stem}.c").write_text(c_code)
        Path(emit_dir, f"{path.stem}.h").write_text(h_code)
    if world == "ours":
        import exo_core

        version = exo_core.__version__
    else:
        from importlib.metadata import version as dist_version

        version = dist_version("exo-lang")
    import z3

    return {
        "world": world,
        "version": version,
        "z3": z3.get_version_string(),
        "python": platform.python_version(),
        "seconds": {"import": t_import, "parse": t_parse, "schedule": t_schedule, "emit": t_emit},
        "primitive_calls": counts["calls"],
        "procs": [p.name() for p in procs],
        "c_lines": len(c_code.splitlines()),
    }


# --------------------------------------------------------------------------- the parent


def _exo_python(venv: Path = EXO_VENV) -> Path:
    """The interpreter of a venv with Exo 1.0 (created and installed on first use)."""
    py = venv / "bin" / "python"
    check = [str(py), "-c", "import importlib.metadata as m; print(m.version('exo-lang'))"]
    if py.exists():
        r = subprocess.run(check, capture_output=True, text=True, env=_clean_env())
        if r.returncode == 0 and r.stdout.strip() == EXO_VERSION:
            return py
        shutil.rmtree(venv)
    print(f"creating {venv} with {EXO_REQUIREMENT} (once)", flush=True)
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run([str(py), "-m", "pip", "install", "-q", EXO_REQUIREMENT], check=True, env=_clean_env())
    r = subprocess.run(check, capture_output=True, text=True, check=True, env=_clean_env())
    if r.stdout.strip() != EXO_VERSION:
        raise RuntimeError(f"{venv}: exo-lang {r.stdout.strip()} installed, wanted {EXO_VERSION}")
    return py


def _clean_env(world: str = "exo") -> dict:
    """The environment of a child: no EXO_CHECK (exo-core's default mode); for the Exo world
    also no PYTHONPATH (it must not see exo-core). Bytecode is written and used in both
    worlds (pip compiled Exo's at install; an editable exo-core compiles its own on the
    warm-up run), as on a user's machine."""
    drop = ("EXO_CHECK", "PYTHONDONTWRITEBYTECODE") + (("PYTHONPATH", "PYTHONHOME") if world == "exo" else ())
    return {k: v for k, v in os.environ.items() if k not in drop}


def _run_child(python: str, world: str, script: Path, emit_dir: Path | None) -> dict:
    cmd = [python, str(Path(__file__).resolve()), "--child", world, str(script)]
    if emit_dir is not None:
        cmd += ["--emit", str(emit_dir)]
    r = subprocess.run(cmd, capture_output=True, text=True, env=_clean_env(world), cwd=tempfile.gettempdir())
    if r.returncode != 0:
        raise RuntimeError(f"{world} failed on {script.name}:\n{r.stderr[-4000:]}")
    return json.loads(r.stdout.strip().splitlines()[-1])


def _best(runs: list[dict]) -> dict:
    best = {ph: min(r["seconds"][ph] for r in runs) for ph in PHASES}
    best["compile"] = min(sum(r["seconds"][ph] for ph in PHASES[1:]) for r in runs)
    best["total"] = min(sum(r["seconds"].values()) for r in runs)
    return {k: round(v, 4) for k, v in best.items()}


def _median_ratio(exo_runs: list[dict], our_runs: list[dict]) -> float:
    """The median over interleaved rounds of Exo's compile seconds over ours."""
    def compile_s(r):
        return sum(r["seconds"][ph] for ph in PHASES[1:])

    ratios = sorted(compile_s(e) / compile_s(o) for e, o in zip(exo_runs, our_runs))
    n = len(ratios)
    return round((ratios[(n - 1) // 2] + ratios[n // 2]) / 2, 2)


def _gcc_check(c_dir: Path, stem: str) -> dict:
    cc = os.environ.get("CC") or shutil.which("gcc") or shutil.which("cc")
    if cc is None:
        return {"ok": None, "reason": "no C compiler"}
    src = c_dir / f"{stem}.c"
    r = subprocess.run([cc, *CFLAGS, "-c", str(src), "-o", str(c_dir / f"{stem}.o")], capture_output=True, text=True)
    return {"ok": r.returncode == 0, "cmd": " ".join([Path(cc).name, *CFLAGS, "-c"]),
            **({"stderr": r.stderr[-2000:]} if r.returncode else {})}


def _host_has_avx2_fma() -> bool:
    try:
        flags = Path("/proc/cpuinfo").read_text().split()
    except OSError:
        return False
    return "avx2" in flags and "fma" in flags


# How to call each script's entry proc from C: (function, args builder, numpy reference).
def _avx2_matmul_cases(rng):
    import numpy as np

    for K in (1, 7, 64):
        A = rng.standard_normal((6, K)).astype(np.float32)
        B = rng.standard_normal((K, 16)).astype(np.float32)
        C = rng.standard_normal((6, 16)).astype(np.float32)
        yield [K], [A, B, C], C + A @ B


def _sgemm_cases(rng):
    import numpy as np

    for M, N, K in ((6, 16, 256), (1, 1, 1), (5, 7, 3), (13, 37, 300), (48, 64, 512), (50, 75, 600)):
        A = rng.standard_normal((M, K)).astype(np.float32)
        B = rng.standard_normal((K, N)).astype(np.float32)
        C = rng.standard_normal((M, N)).astype(np.float32)
        yield [M, N, K], [A, B, C], C + (A.astype(np.float64) @ B.astype(np.float64))


HARNESS = {
    "avx2_matmul": ("rank_k_reduce_6x16_scheduled", _avx2_matmul_cases),
    "sgemm_avx2": ("sgemm_avx2", _sgemm_cases),
}


def _run_check(c_dir: Path, stem: str) -> dict:
    """Build the C into a shared library and compare its results with numpy."""
    if stem not in HARNESS:
        return {"ok": None, "reason": "no harness for this script"}
    if not _host_has_avx2_fma():
        return {"ok": None, "reason": "host has no AVX2 + FMA"}
    import numpy as np

    cc = os.environ.get("CC") or shutil.which("gcc") or shutil.which("cc")
    lib = c_dir / f"lib{stem}.so"
    r = subprocess.run([cc, *CFLAGS, "-shared", "-fPIC", str(c_dir / f"{stem}.c"), "-o", str(lib)],
                       capture_output=True, text=True)
    if r.returncode:
        return {"ok": False, "reason": r.stderr[-2000:]}
    fname, cases = HARNESS[stem]
    fn = getattr(ctypes.CDLL(str(lib)), fname)
    fn.restype = None
    worst = 0.0
    n = 0
    for sizes, arrays, want in cases(np.random.default_rng(7)):
        args = [None] + [ctypes.c_long(s) for s in sizes] + [a.ctypes.data_as(ctypes.c_void_p) for a in arrays]
        fn(*args)
        got = arrays[-1]
        scale = max(1.0, float(np.abs(want).max()))
        worst = max(worst, float(np.abs(got - want).max()) / scale)
        n += 1
    return {"ok": worst < 1e-4, "cases": n, "max_rel_error": worst}


def measure(scripts: list[Path], reps: int, exo_python: Path | None, budget: float = 20.0) -> dict:
    worlds = {"ours": sys.executable}
    if exo_python is not None:
        worlds = {"exo": str(exo_python), "ours": sys.executable}
    record = {}
    with tempfile.TemporaryDirectory(prefix="compile_vs_exo_") as tmp:
        for script in scripts:
            stem = script.stem
            runs = {w: [] for w in worlds}
            dirs = {w: Path(tmp, w, stem) for w in worlds}
            for d in dirs.values():
                d.mkdir(parents=True)
            for world, python in worlds.items():  # warm-up: bytecode caches, page cache
                _run_child(python, world, script, None)
            # interleaved: a disturbance hits both worlds alike. A short script gets more
            # rounds (both worlds the same number) while its rounds fit in ``budget`` seconds:
            # its best time is a few tens of milliseconds and one disturbance moves it a lot
            t_end = time.perf_counter() + budget
            rep = 0
            while rep < reps or (time.perf_counter() < t_end and rep < 4 * reps):
                for world, python in worlds.items():
                    runs[world].append(_run_child(python, world, script, dirs[world] if rep == 0 else None))
                rep += 1
            entry = {"procs": runs["ours"][0]["procs"]}
            for world in worlds:
                first = runs[world][0]
                entry[world] = {
                    "version": first["version"],
                    "z3": first["z3"],
                    "best_seconds": _best(runs[world]),
                    "runs_seconds": [{k: round(v, 4) for k, v in r["seconds"].items()} for r in runs[world]],
                    "primitive_calls": first["primitive_calls"],
                    "c_lines": first["c_lines"],
                    "gcc": _gcc_check(dirs[world], stem),
                    "run_vs_numpy": _run_check(dirs[world], stem),
                }
            if "exo" in worlds:
                ex, us = entry["exo"]["best_seconds"], entry["ours"]["best_seconds"]
                entry["speedup"] = {k: round(ex[k] / us[k], 2) if us[k] > 0 else None for k in ex}
                entry["rounds"] = rep
                entry["compile_speedup_median_of_rounds"] = _median_ratio(runs["exo"], runs["ours"])
                entry["goal_20x_compile"] = bool(entry["speedup"]["compile"] and entry["speedup"]["compile"] >= GOAL)
            record[stem] = entry
            _print_entry(stem, entry)
    return record


def _print_entry(stem: str, entry: dict) -> None:
    print(f"{stem}: {entry['ours']['primitive_calls']} primitive calls, procs {entry['procs']}")
    print(f"  {'phase':10s}" + "".join(f"{w:>12s}" for w in ("exo", "ours", "speedup") if w in entry or w == "ours"))
    for ph in (*PHASES, "compile", "total"):
        cells = []
        if "exo" in entry:
            cells.append(f"{entry['exo']['best_seconds'][ph]:11.3f}s")
        cells.append(f"{entry['ours']['best_seconds'][ph]:11.3f}s")
        if "speedup" in entry:
            cells.append(f"{entry['speedup'][ph]:11.2f}x")
        print(f"  {ph:10s}" + " ".join(cells))
    if "rounds" in entry:
        print(f"  {entry['rounds']} rounds; compile speedup, median of the rounds' ratios: "
              f"{entry['compile_speedup_median_of_rounds']:.2f}x")
    for world in ("exo", "ours"):
        if world in entry:
            print(f"  {world}: gcc {entry[world]['gcc']['ok']}, run vs numpy {entry[world]['run_vs_numpy'].get('ok')}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--scripts", default="", help="comma-separated stems (default: all)")
    parser.add_argument("--exo-python", default=None, help="an interpreter with exo-lang 1.0 (default: the cached venv)")
    parser.add_argument("--no-exo", action="store_true", help="measure only our side")
    args = parser.parse_args(list(sys.argv[1:] if argv is None else argv))
    scripts = sorted(p for p in SCRIPTS_DIR.glob("*.py") if not p.name.startswith("_"))
    if args.scripts:
        wanted = set(args.scripts.split(","))
        scripts = [p for p in scripts if p.stem in wanted]
    OUT.mkdir(exist_ok=True)
    exo_python, exo_error = None, None
    if not args.no_exo:
        try:
            exo_python = Path(args.exo_python) if args.exo_python else _exo_python()
        except (OSError, subprocess.CalledProcessError, RuntimeError) as exc:
            exo_error = f"{type(exc).__name__}: {exc}"
            print(f"Exo 1.0 unavailable ({exo_error}): measuring our side only", flush=True)
    record = {
        "machine": {"processor": platform.processor() or platform.machine(), "system": platform.platform(),
                    "python": platform.python_version(), "cpus": os.cpu_count()},
        "exo_requirement": EXO_REQUIREMENT,
        "exo_unavailable": exo_error,
        "reps": args.reps,
        "phases": {"import": "import exo, exo.stdlib.scheduling, exo.libs.memories, exo.platforms.x86",
                   "parse": "execute the script module (its @proc definitions)",
                   "schedule": "build()", "emit": "exo.compile_procs_to_strings(build(), ...)",
                   "compile": "parse + schedule + emit (best run)", "total": "all four (best run)"},
        "scripts": measure(scripts, args.reps, exo_python),
    }
    ratios = [e["speedup"]["compile"] for e in record["scripts"].values() if "speedup" in e]
    record["summary"] = {
        "compile_speedup_min": min(ratios) if ratios else None,
        "goal": f"compile (parse + schedule + emit) at least {GOAL:g}x faster than Exo {EXO_VERSION}",
        "goal_met": bool(ratios) and min(ratios) >= GOAL,
    }
    path = OUT / "compile_vs_exo.json"
    path.write_text(json.dumps(record, indent=2))
    print(json.dumps(record["summary"], indent=2))
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    if len(sys.argv) >= 4 and sys.argv[1] == "--child":
        emit = sys.argv[sys.argv.index("--emit") + 1] if "--emit" in sys.argv else None
        print(json.dumps(child(sys.argv[2], sys.argv[3], emit)))
        sys.exit(0)
    sys.exit(main())
