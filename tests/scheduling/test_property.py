"""Property: every rewrite a primitive accepts computes what the original computed.

Random sequences of primitives with random arguments are applied to a corpus of small
float and integer kernels; each accepted result is compared with the original in the
reference interpreter on random inputs. Refusals (SchedulingError) are fine; a wrong
result, or any other exception, fails the test. The counts are written to
``$EXO_PROPERTY_REPORT`` (default: a file in the temp dir) for the record.
"""

from __future__ import annotations

import json
import os
import tempfile

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import exo_core.scheduling as S
from exo_core import DRAM, DRAM_STACK, config, instr, ir, proc
from exo_core.cursors import ForCursor, StmtCursor
from exo_core.errors import ExoError, SchedulingError
from exo_core.testing import outputs_agree, random_args, run_interpreter


@proc
def k_matmul(n: size, m: size, A: f32[n, 4], B: f32[4, m], C: f32[n, m]):
    for i in seq(0, n):
        for j in seq(0, m):
            C[i, j] = 0.0
            for k in seq(0, 4):
                C[i, j] += A[i, k] * B[k, j]


@proc
def k_stencil(n: size, x: f32[n + 2], y: f32[n]):
    for i in seq(0, n):
        y[i] = x[i] + x[i + 1] + x[i + 2]
    for i in seq(0, n):
        y[i] = y[i] * 0.5


@proc
def k_prefix(n: size, x: i32[n], y: i32[n]):
    y[0] = x[0]
    for i in seq(1, n):
        y[i] = y[i - 1] + x[i]


@proc
def k_int(n: size, a: i8[n, 8], b: i32[n]):
    for i in seq(0, n):
        b[i] = 0
        for j in seq(0, 8):
            b[i] += a[i, j] * 3
    for i in seq(0, n):
        b[i] = b[i] + 1


@proc
def k_tmp(n: size, x: f64[n], y: f64[n]):
    for i in seq(0, n):
        t: f64[2] @ DRAM
        t[0] = x[i] * 2.0
        t[1] = x[i] + 1.0
        y[i] = t[0] + t[1]


@proc
def k_nest(n: size, A: f32[n, 4], B: f32[n, 4]):
    for i in seq(0, n):
        for j in seq(0, 4):
            B[i, j] = A[i, j] * 2.0 + A[i, 3 - j]


@proc
def k_adjacent(n: size, x: f32[n], y: f32[n], z: f32[n]):
    for i in seq(0, n):
        y[i] = x[i] + 1.0
    for i in seq(0, n):
        z[i] = x[i] * 3.0 + y[i]


@proc
def k_cond(n: size, x: f32[n], flag: bool):
    for i in seq(0, n):
        if flag:
            x[i] = x[i] * 2.0
        else:
            x[i] = x[i] - 1.0


@proc
def k_halves(x: i32[8], y: i32[8]):
    for i in seq(0, 4):
        y[i] = x[i] + 1
    for i in seq(4, 8):
        y[i] = x[i] + 1


@instr("for (int_fast32_t q = 0; q < 4; q++) {dst}.data[q * {dst}.strides[0]] = 2.0f * {src}.data[q * {src}.strides[0]];")
def double4(dst: [f32][4] @ DRAM, src: [f32][4] @ DRAM):
    for q in seq(0, 4):
        dst[q] = src[q] * 2.0


@proc
def scale_row(m: size, a: [f32][m]):
    for j in seq(0, m):
        a[j] = a[j] * 3.0


@proc
def k_calls(n: size, A: f32[n, 4], B: f32[n, 4]):
    for i in seq(0, n):
        for j in seq(0, 4):
            B[i, j] = A[i, j] * 2.0
        scale_row(4, B[i, :])


@config
class PropCfg:
    gain: f32
    rows: index


@proc
def k_config(n: size, g: f32, x: f32[n]):
    PropCfg.gain = g
    for i in seq(0, n):
        x[i] = x[i] * PropCfg.gain


CORPUS = [k_matmul, k_stencil, k_prefix, k_int, k_tmp, k_nest, k_adjacent, k_cond, k_halves, k_calls,
          k_config]
INSTRS = [double4]
REPORT = {"sequences": 0, "steps_tried": 0, "steps_accepted": 0, "by_primitive": {}}


def _stmts(p):
    out = []

    def visit(block):
        for s in block:
            out.append(s)
            if hasattr(s, "body"):
                visit(s.body())
            if hasattr(s, "orelse") and s.orelse():
                visit(s.orelse())

    visit(p.body())
    return out


def _loops(p):
    return [s for s in _stmts(p) if isinstance(s, ForCursor)]


def _candidates(p, draw):
    """One random primitive call on ``p``: (name, callable) or None."""
    loops, stmts = _loops(p), _stmts(p)
    choice = draw(st.sampled_from([
        "divide_loop", "cut_loop", "shift_loop", "unroll_loop", "remove_loop", "reorder_loops",
        "fission", "fuse", "reorder_stmts", "lift_scope", "simplify", "add_loop", "parallelize_loop",
        "lift_alloc", "sink_alloc", "join_loops", "delete_pass", "insert_pass", "mult_loops",
        "specialize", "bind_expr", "commute_expr", "expand_dim", "divide_with_recompute",
        "eliminate_dead_code", "inline_assign", "replace_all", "inline", "extract_subproc",
        "set_memory", "write_config", "delete_config",
    ]))
    op = getattr(S, choice, None)
    if op is None:
        return None
    pick_loop = (lambda: draw(st.sampled_from(loops))) if loops else None
    pick_stmt = (lambda: draw(st.sampled_from(stmts))) if stmts else None
    q = draw(st.integers(2, 4))
    if choice == "divide_loop" and pick_loop:
        tail = draw(st.sampled_from(["guard", "cut", "cut_and_guard"]))
        return choice, lambda: op(p, pick_loop(), q, ["xo", "xi"], tail=tail, perfect=draw(st.booleans()))
    if choice == "cut_loop" and pick_loop:
        return choice, lambda: op(p, pick_loop(), draw(st.integers(0, 5)))
    if choice == "shift_loop" and pick_loop:
        return choice, lambda: op(p, pick_loop(), draw(st.integers(0, 3)))
    if choice in ("unroll_loop", "remove_loop", "reorder_loops", "parallelize_loop", "lift_scope",
                  "mult_loops") and pick_loop:
        return choice, lambda: op(p, pick_loop()) if choice != "mult_loops" else op(p, pick_loop(), "ij")
    if choice == "fission" and pick_stmt:
        inner = [t for t in stmts if t.next()]
        if not inner:
            return None
        return choice, lambda: op(p, draw(st.sampled_from(inner)).after())
    if choice == "specialize" and pick_stmt:
        cond = draw(st.sampled_from(["n > 2", "n == 1", "n < 4 or n > 6"]))
        return choice, lambda: op(p, pick_stmt(), [cond])
    if choice in ("bind_expr", "commute_expr"):
        exprs = [e for e in _data_binops(p)]
        if not exprs:
            return None
        if choice == "bind_expr":
            return choice, lambda: op(p, [draw(st.sampled_from(exprs))], "tmp")
        return choice, lambda: op(p, [draw(st.sampled_from(exprs))])
    if choice == "expand_dim":
        allocs = [t for t in stmts if type(t).__name__ == "AllocCursor"]
        if not allocs:
            return None
        return choice, lambda: op(p, draw(st.sampled_from(allocs)), draw(st.integers(1, 3)), "0")
    if choice == "divide_with_recompute" and pick_loop:
        return choice, lambda: op(p, pick_loop(), draw(st.integers(1, 3)), draw(st.integers(1, 4)), ["ro", "ri"])
    if choice == "eliminate_dead_code" and pick_stmt:
        return choice, lambda: op(p, pick_stmt())
    if choice == "inline_assign":
        assigns = [t for t in stmts if type(t).__name__ == "AssignCursor"]
        if not assigns:
            return None
        return choice, lambda: op(p, draw(st.sampled_from(assigns)))
    if choice in ("fuse", "join_loops"):
        pairs = [t for t in loops if isinstance(t.next(), ForCursor)]
        if not pairs:
            return None

        def call():
            s = draw(st.sampled_from(pairs))
            return op(p, s, s.next())
        return choice, call
    if choice == "reorder_stmts" and pick_stmt:
        return choice, lambda: op(p, pick_stmt().expand(0, 1))
    if choice == "add_loop" and pick_stmt:
        return choice, lambda: op(p, pick_stmt(), "extra", draw(st.integers(1, 3)), guard=draw(st.booleans()))
    if choice in ("lift_alloc", "sink_alloc"):
        allocs = [s for s in stmts if type(s).__name__ == "AllocCursor"]
        if allocs:
            return choice, lambda: op(p, draw(st.sampled_from(allocs)))
        return None
    if choice == "replace_all":
        return choice, lambda: op(p, INSTRS)
    if choice == "inline":
        calls = [t for t in stmts if type(t).__name__ == "CallCursor"]
        if not calls:
            return None
        return choice, lambda: op(p, draw(st.sampled_from(calls)))
    if choice == "extract_subproc" and pick_stmt:
        return choice, lambda: op(p, pick_stmt(), "extracted")[0]
    if choice == "set_memory":
        allocs = [t for t in stmts if type(t).__name__ == "AllocCursor"]
        if not allocs:
            return None
        return choice, lambda: op(p, draw(st.sampled_from(allocs)), draw(st.sampled_from([DRAM_STACK, DRAM])))
    if choice == "write_config" and pick_stmt:
        return choice, lambda: op(p, pick_stmt().before(), PropCfg, "rows", draw(st.sampled_from(["0", "n"])))
    if choice == "delete_config":
        writes = [t for t in stmts if type(t).__name__ == "AssignConfigCursor"]
        if not writes:
            return None
        return choice, lambda: op(p, draw(st.sampled_from(writes)))
    if choice in ("simplify", "delete_pass"):
        return choice, lambda: op(p)
    if choice == "insert_pass" and pick_stmt:
        return choice, lambda: op(p, pick_stmt().before())
    return None


def _data_binops(p):
    from exo_core.cursors import BinaryOpCursor

    out = []
    for t in _stmts(p):
        if hasattr(t, "rhs"):
            e = t.rhs()
            if isinstance(e, BinaryOpCursor) and e.type().is_numeric():
                out.append(e)
    return out


def _agree(original, candidate, seed):
    rng = np.random.default_rng(seed)
    for _ in range(2):
        args = random_args(original, rng)
        if args is None:
            return
        want, err = run_interpreter(original, args)
        if err is not None:
            continue
        got, err = run_interpreter(candidate, args)
        assert err is None, f"rewritten proc fails: {err}\n{candidate}\nhistory:\n{candidate.trace()}"
        diff = outputs_agree(want, got)
        assert diff is None, f"rewritten proc computes differently: {diff}\n{candidate}\nhistory:\n{candidate.trace()}"


@settings(max_examples=int(os.environ.get("EXO_PROPERTY_EXAMPLES", "120")), deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(st.data())
def test_random_schedules_preserve_meaning(data):
    original = data.draw(st.sampled_from(CORPUS))
    p = original
    REPORT["sequences"] += 1
    for _ in range(data.draw(st.integers(1, 4))):
        cand = _candidates(p, data.draw)
        if cand is None:
            continue
        name, call = cand
        REPORT["steps_tried"] += 1
        stats = REPORT["by_primitive"].setdefault(name, [0, 0])
        stats[0] += 1
        try:
            new = call()
        except (SchedulingError, ExoError) as err:
            assert not isinstance(err, AssertionError)
            continue
        stats[1] += 1
        REPORT["steps_accepted"] += 1
        _agree(original, new, seed=len(p.history()))
        p = new
    _write_report()


def _write_report():
    path = os.environ.get("EXO_PROPERTY_REPORT", os.path.join(tempfile.gettempdir(), "exo_property_report.json"))
    with open(path, "w") as f:
        json.dump(REPORT, f, indent=1)


def test_corpus_kernels_are_valid():
    for k in CORPUS:
        assert isinstance(k._ir, ir.ProcDef) and k.body()
        assert isinstance(k.body()[0], StmtCursor)
