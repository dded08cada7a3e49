"""BLAS levels 1 and 2 with AVX2: ``saxpy``/``daxpy`` (``y += alpha * x``), ``sdot``/``ddot``
(``result += x . y``) and ``sgemv``/``dgemv`` (``y += A @ x``, ``A`` row-major), for any
length, each scheduled from its naive loop nest with checked primitives and library ops.

One schedule per kernel, written once for a ``Vec`` (the lanes and instrs of one precision:
8 x f32 or 4 x f64 in a 256-bit register), so the f32 and f64 versions are the same rewrites:

* ``schedule_axpy``: ``i`` divided by the lane count ``VW``; ``alpha`` broadcast to a register
  once, before the loop; the full vectors ``UNROLL`` at a time (load ``x``, load ``y``, FMA,
  store ``y``), then the remaining full vectors one at a time, then the last ``n % VW``
  elements with the prefix-masked instrs (masked loads and stores touch only those lanes, so
  nothing past the end of ``x`` or ``y`` is read or written).
* ``schedule_dot``: ``i`` divided by ``VW`` with a guard; ``parallelize_reduction`` gives one
  partial sum per lane; the loop is cut at ``n / VW`` (the guards vanish from the full
  vectors; the last partial vector keeps them, as prefix-masked FMAs); the full vectors are
  divided by ``UNROLL`` and reduced into ``UNROLL`` independent registers (an FMA has a
  latency of 4 cycles: one chain of dependent FMAs would run at a quarter of the rate),
  added together at the end and summed across lanes into ``result``.
* ``schedule_gemv``: each row is a dot product; rows go ``ROWS`` at a time (``x`` is loaded
  once per vector for all of them, each row has its own accumulator register), the last
  ``M % ROWS`` rows one at a time, the columns as in ``schedule_dot`` (full vectors, then a
  prefix-masked one).

The partial sums of ``sdot`` and ``sgemv`` regroup the floating-point sum (the
reassociation the arithmetic policy allows ``parallelize_reduction``); ``saxpy`` computes
what the naive loop computes, up to the FMA's single rounding. No ``unsafe_*`` flag, no
``add_unsafe_guard``. Vectors (and the rows of ``A``) must have unit stride, which the
naive procs assert; ``A`` may have any row stride (a BLAS ``lda``), ``y`` of ``gemv`` any
stride. The scheduled procs (``saxpy_avx2`` ...) are built on first use, in well under a
second each. ``exocc examples/blas/blas.py`` compiles ``__all__`` (build with ``-mavx2
-mfma``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from exo_x86 import AVX2
from exo_x86.platform import (
    avx2_assoc_reduce_add_pd,
    avx2_assoc_reduce_add_ps,
    avx2_reduce_add_wide_pd,
    avx2_reduce_add_wide_ps,
    mm256_broadcast_sd_scalar,
    mm256_broadcast_ss_scalar,
    mm256_fmadd_pd,
    mm256_fmadd_ps,
    mm256_loadu_pd,
    mm256_loadu_ps,
    mm256_prefix_fmadd_pd,
    mm256_prefix_fmadd_ps,
    mm256_prefix_load_pd,
    mm256_prefix_load_ps,
    mm256_prefix_store_pd,
    mm256_prefix_store_ps,
    mm256_setzero_pd,
    mm256_setzero_ps,
    mm256_storeu_pd,
    mm256_storeu_ps,
)

from exo_core import DRAM, proc
from exo_core.cursors import IfCursor
from exo_core.stdlib.scheduling import (
    bind_expr,
    cleanup,
    cut_loop,
    divide_loop,
    expand_dim,
    expr_to_string,
    fission,
    hoist_stmt,
    lift_alloc,
    parallelize_reduction,
    rename,
    reorder_loops,
    replace_all,
    resize_dim,
    set_memory,
    simplify,
    stage_mem,
    unroll_loops,
)

__all__ = [  # noqa: F822 (the scheduled procs: module __getattr__)
    "saxpy_naive", "daxpy_naive", "sdot_naive", "ddot_naive", "sgemv_naive", "dgemv_naive",
    "saxpy_avx2", "daxpy_avx2", "sdot_avx2", "ddot_avx2", "sgemv_avx2", "dgemv_avx2",
]

# --------------------------------------------------------------------------- the algorithms


@proc
def saxpy_naive(n: size, alpha: f32, x: [f32][n] @ DRAM, y: [f32][n] @ DRAM):
    assert stride(x, 0) == 1
    assert stride(y, 0) == 1
    for i in seq(0, n):
        y[i] += alpha * x[i]


@proc
def daxpy_naive(n: size, alpha: f64, x: [f64][n] @ DRAM, y: [f64][n] @ DRAM):
    assert stride(x, 0) == 1
    assert stride(y, 0) == 1
    for i in seq(0, n):
        y[i] += alpha * x[i]


@proc
def sdot_naive(n: size, x: [f32][n] @ DRAM, y: [f32][n] @ DRAM, result: f32 @ DRAM):
    assert stride(x, 0) == 1
    assert stride(y, 0) == 1
    for i in seq(0, n):
        result += x[i] * y[i]


@proc
def ddot_naive(n: size, x: [f64][n] @ DRAM, y: [f64][n] @ DRAM, result: f64 @ DRAM):
    assert stride(x, 0) == 1
    assert stride(y, 0) == 1
    for i in seq(0, n):
        result += x[i] * y[i]


@proc
def sgemv_naive(M: size, N: size, A: [f32][M, N] @ DRAM, x: [f32][N] @ DRAM, y: [f32][M] @ DRAM):
    assert stride(A, 1) == 1
    assert stride(x, 0) == 1
    for i in seq(0, M):
        for j in seq(0, N):
            y[i] += A[i, j] * x[j]


@proc
def dgemv_naive(M: size, N: size, A: [f64][M, N] @ DRAM, x: [f64][N] @ DRAM, y: [f64][M] @ DRAM):
    assert stride(A, 1) == 1
    assert stride(x, 0) == 1
    for i in seq(0, M):
        for j in seq(0, N):
            y[i] += A[i, j] * x[j]


# --------------------------------------------------------------------------- one precision


@dataclass(frozen=True)
class Vec:
    """The lanes of one precision in an AVX2 register, and the instrs that move and combine them."""

    prec: str
    vw: int  # lanes per register
    load: object
    store: object
    bcast: object  # a scalar argument to every lane
    fma: object
    zero: object
    add: object  # register += register
    hsum: object  # scalar += the lanes of a register, in lane order
    pload: object  # the prefix-masked forms: lanes 0 <= l < bound only
    pstore: object
    pfma: object

    def instrs(self) -> list:
        return [self.zero, self.bcast, self.load, self.store, self.fma, self.add, self.hsum,
                self.pload, self.pstore, self.pfma]


F32 = Vec("f32", 8, mm256_loadu_ps, mm256_storeu_ps, mm256_broadcast_ss_scalar, mm256_fmadd_ps,
          mm256_setzero_ps, avx2_reduce_add_wide_ps, avx2_assoc_reduce_add_ps,
          mm256_prefix_load_ps, mm256_prefix_store_ps, mm256_prefix_fmadd_ps)
F64 = Vec("f64", 4, mm256_loadu_pd, mm256_storeu_pd, mm256_broadcast_sd_scalar, mm256_fmadd_pd,
          mm256_setzero_pd, avx2_reduce_add_wide_pd, avx2_assoc_reduce_add_pd,
          mm256_prefix_load_pd, mm256_prefix_store_pd, mm256_prefix_fmadd_pd)

UNROLL = 4  # vectors per trip of the main loop of axpy and dot
ROWS = 4  # rows of A per trip of gemv's row loop


# --------------------------------------------------------------------------- building blocks


class _Names:
    """Fresh buffer names (``xv0``, ``xv1``...): each staging step must name its own buffer."""

    def __init__(self):
        self.count = {}

    def __call__(self, stem: str) -> str:
        k = self.count.get(stem, 0)
        self.count[stem] = k + 1
        return f"{stem}{k}"


def _lanes(p, read, lane, name, vec: Vec, masked: bool):
    """The read ``read`` (one element per iteration of the lane loop ``lane``) becomes a read
    of a register ``name``, filled by its own lane loop just before: ``bind_expr``, one slot
    per lane (``expand_dim``), then the allocation out of the lane loop (and its guard) and
    the loop split (``fission``)."""
    lifts = 2 if masked else 1
    p = bind_expr(p, read, name)
    p = expand_dim(p, name, vec.vw, p.forward(lane).name())
    p = lift_alloc(p, name, n_lifts=lifts)
    return fission(p, p.find(f"{name}[_] = _").after(), n_lifts=lifts)


def _first_lane(index, lane) -> str:
    """The index expression ``index`` (a cursor) at the first iteration of the lane loop."""
    return re.sub(rf"\b{lane.name()}\b", "0", expr_to_string(index))


def _masked_tail(p, loop, vec: Vec):
    """``for l in seq(0, w)`` (``0 < w < VW``) -> ``for l in seq(0, VW): if l < w:`` (the shape
    of the prefix-masked instrs' bodies)."""
    p = divide_loop(p, loop, vec.vw, ["lt", "l"], tail="guard")
    return cleanup(p)


def _finish(p, vec: Vec, buffers):
    """Registers for the staged buffers, instrs for the lane loops, straight-line code for
    the loops of literal extent (the unrolled vectors, the rows of a group)."""
    for name in buffers:
        for alloc in p.find(f"{name} : _", many=True):
            p = set_memory(p, alloc, AVX2)
    p = replace_all(p, vec.instrs())
    return simplify(unroll_loops(p))


# --------------------------------------------------------------------------- axpy


def schedule_axpy(naive, vec: Vec, name: str):
    """``y += alpha * x``: broadcast ``alpha`` once, ``UNROLL`` vectors per trip, then single
    vectors, then one prefix-masked vector."""
    vw, names, regs = vec.vw, _Names(), []
    p = rename(naive, name)
    p = divide_loop(p, "i", vw, ["io", "l"], tail="cut_and_guard")
    p = _masked_tail(p, p.find(f"if n % {vw} > 0: _").body()[0], vec)
    main, tail = p.find_loop("io"), p.find(f"if n % {vw} > 0: _").body()[0]
    # alpha in every lane: staged in the lane loop, then the broadcast moved out of `io`
    for lane in (main.body()[0], tail):
        stmt = p.forward(lane).body()[0]
        regs.append(names("av"))
        p = stage_mem(p, stmt, "alpha", regs[-1])
        p = expand_dim(p, regs[-1], vw, p.forward(lane).name())
        p = lift_alloc(p, regs[-1])
        p = fission(p, p.forward(stmt).prev().after())
    p = hoist_stmt(p, p.find(f"{regs[0]}[_] = _").parent())
    # UNROLL vectors per trip of the main loop, the rest one per trip
    p = divide_loop(p, p.find_loop("io"), UNROLL, ["io", "iu"], tail="cut")
    for red in p.find("y[_] += _", many=True):
        red = p.forward(red)
        masked = isinstance(red.parent(), IfCursor)
        lane = red.parent().parent() if masked else red.parent()
        regs.append(names("xv"))
        p = _lanes(p, red.rhs().rhs(), lane, regs[-1], vec, masked)
        regs.append(names("yv"))
        lane = p.forward(red).parent().parent() if masked else p.forward(red).parent()
        lo = _first_lane(p.forward(red).idx()[0], lane)
        if masked:
            bound = expr_to_string(p.forward(red).parent().cond().rhs())
            p = stage_mem(p, lane, f"y[{lo}:{lo} + {bound}]", regs[-1])
            p = resize_dim(p, regs[-1], 0, vw, 0)
            for copy in (p.find(f"{regs[-1]}[_] = _").parent(), p.find(f"y[_] = {regs[-1]}[_]").parent()):
                p = _masked_tail(p, copy, vec)
        else:
            p = stage_mem(p, lane, f"y[{lo}:{lo} + {vw}]", regs[-1])
    return _finish(p, vec, regs)


# --------------------------------------------------------------------------- dot


def _lane_products(p, vec: Vec, names: _Names, regs: list):
    """Every ``acc[..] += a[..] * b[..]`` in a lane loop (guarded or not): both operands
    loaded into registers first."""
    for red in p.find("_ += _ * _", many=True):
        red = p.forward(red)
        masked = isinstance(red.parent(), IfCursor)
        lane = red.parent().parent() if masked else red.parent()
        for side in ("lhs", "rhs"):
            operand = getattr(p.forward(red).rhs(), side)()
            if operand.name() in regs:
                continue
            regs.append(names(f"{operand.name()}v"))
            p = _lanes(p, operand, lane, regs[-1], vec, masked)
    return p


def schedule_dot(naive, vec: Vec, name: str):
    """``result += x . y``: one partial sum per lane, ``UNROLL`` registers of them in the main
    loop, the last partial vector masked, the partial sums added up at the end."""
    vw, names = vec.vw, _Names()
    p = rename(naive, name)
    p = divide_loop(p, "i", vw, ["io", "l"], tail="guard")
    p = parallelize_reduction(p, p.find("result += _"), nth_loop=2)
    acc = p.find("result += _").rhs().name()
    p = cut_loop(p, p.find_loop("io"), f"n / {vw}")
    p = simplify(p)  # the full vectors need no guard
    p = divide_loop(p, p.find_loop("io"), UNROLL, ["io", "iu"], tail="cut")
    p = parallelize_reduction(p, p.find_loop("io").body()[0].body()[0].body()[0], nth_loop=3)
    accs = p.find_loop("io").body()[0].body()[0].body()[0].name()
    regs = [acc, accs]
    p = _lane_products(p, vec, names, regs)
    return _finish(p, vec, regs)


# --------------------------------------------------------------------------- gemv


def schedule_gemv(naive, vec: Vec, name: str):
    """``y += A @ x``: per row, a dot product as in ``schedule_dot`` (one register of partial
    sums); ``ROWS`` rows at a time, sharing the loads of ``x``."""
    vw, names = vec.vw, _Names()
    p = rename(naive, name)
    p = divide_loop(p, "j", vw, ["jo", "l"], tail="guard")
    p = parallelize_reduction(p, p.find("y[_] += _"), nth_loop=2)
    acc = p.find("y[_] += _").rhs().name()
    p = cut_loop(p, p.find_loop("jo"), f"N / {vw}")
    p = simplify(p)
    p = divide_loop(p, "i", ROWS, ["io", "r"], tail="cut")
    # the group of ROWS rows: one accumulator register per row, then each step of the row
    # loop split off (fission) and the column loops moved outside it
    rows = p.find_loop("r")
    p = expand_dim(p, acc, ROWS, "r")
    p = lift_alloc(p, acc)
    for k in (2, 1, 0):
        p = fission(p, p.forward(rows).body()[k].after())
    for jo in p.find_loop("io").find("for jo in _: _", many=True):  # r jo -> jo r
        p = reorder_loops(p, p.forward(jo).parent())
    # x loaded once per vector of columns, for all the rows
    main = p.find_loop("io").find("for jo in _: _")
    regs = [acc, names("xv")]
    p = stage_mem(p, main.body()[0], f"x[{vw} * jo:{vw} * jo + {vw}]", regs[-1])
    p = _lane_products(p, vec, names, regs)
    # each row's sum across lanes goes through a scalar (the instr adds into a scalar)
    for hsum in p.find(f"y[_] += {acc}[_]", many=True):
        loop = p.forward(hsum).parent()
        p = stage_mem(p, loop, expr_to_string(p.forward(hsum).idx()[0]).join(("y[", "]")), names("ys"))
    return _finish(p, vec, regs)


# --------------------------------------------------------------------------- the scheduled procs

_SCHEDULED = {
    "saxpy_avx2": (schedule_axpy, saxpy_naive, F32), "daxpy_avx2": (schedule_axpy, daxpy_naive, F64),
    "sdot_avx2": (schedule_dot, sdot_naive, F32), "ddot_avx2": (schedule_dot, ddot_naive, F64),
    "sgemv_avx2": (schedule_gemv, sgemv_naive, F32), "dgemv_avx2": (schedule_gemv, dgemv_naive, F64),
}


def __getattr__(name):
    """The scheduled procs are built on first use (well under a second each)."""
    if name in _SCHEDULED:
        schedule, naive, vec = _SCHEDULED[name]
        proc_ = schedule(naive, vec, name)
        globals()[name] = proc_
        return proc_
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
