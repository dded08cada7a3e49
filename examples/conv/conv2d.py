"""2-D convolution, NHWC, 3 x 3 filter, stride 1, 'valid' padding, single precision:
``out[n, h, w, co] += inp[n, h + r, w + s, ci] * wt[r, s, ci, co]`` for any sizes (``H``, ``W``
are the output's; the input is ``(H + 2) x (W + 2)``), scheduled from the seven-loop nest
``conv2d_naive`` with checked primitives only.

The schedule vectorizes over the output channels (the contiguous dimension of ``out`` and of
the weights) with the register tile of a GEMM micro-kernel: ``WT = 4`` output pixels of a
row by ``NR = 16`` channels (8 accumulator registers) stay in registers for the whole
reduction over ``r, s, ci``; each reduction step loads one row of 16 weights (2 registers),
broadcasts 4 input values (one per pixel) and issues 8 independent FMAs, enough to keep
both FMA units busy through their latency.

1. ``pack_weights``: once per call, the weights are copied into blocks of 16 output
   channels, ``wp[ceil(CO / 16), 3, 3, CI, 16]`` (``stage_mem``, ``divide_dim``,
   ``rearrange_dim``; vector copies). In place, consecutive weight rows of a block are ``CO``
   floats apart; when ``CO`` is a multiple of 256 they all fall into a few cache sets and a
   block does not stay in L1/L2 while the tiles of a row reuse it (half the speed at 28 x 28
   x 128 x 128 before this step).
2. Every output row ``(n, h)`` becomes a call of ``conv_row`` (``replace_all`` checks the
   loop nest is exactly its body), replaced by the row's schedule (``call_eqv``, checked by
   provenance). The row is scheduled as a procedure of its own, so the rewrites stay local
   (and ``EXO_CHECK=paranoid`` replays them on random rows, not whole images):

   a. ``tile_row``: the channels in sweeps over the row: blocks of 16, then one register of
      8 (0 or 1 times), then ``CO % 8`` lanes of a partial register (prefix-masked instrs);
      in each sweep the pixels in tiles of 4, the remaining ``W % 4`` in groups of 2 and 1;
      the reduction loops moved inside the tile loops (legal: each output element still
      sums its terms in the same order);
   b. ``use_tiles``: each tile nest becomes a call of a reference tile ``tile_ref(g, nr)``
      (``replace_all``), then of its vector version (``call_eqv``): ``schedule_tile`` stages
      the output tile in registers (``stage_mem``), loads the weight row once per step,
      broadcasts each input value and replaces every lane loop by its AVX2 instr.

Where it is weak: rows much narrower than the channel count (7 x 7 x 512 -> 512): a row is
then mostly 2- and 1-pixel edge tiles, which load a weight row per 4 or 2 FMAs, and the
weights (9 MB) are streamed from memory once per row; blocking ``ci`` (as the SGEMM blocks
``K``) or tiles spanning rows would be the next steps.

No ``unsafe_*`` flag, no ``add_unsafe_guard``. The sums are not regrouped (each output is
loaded, accumulated in ``r, s, ci`` order and stored), so the result is the naive loop's up
to the FMA's single rounding. ``conv2d_avx2`` is built on first use (about 2 s; 20 to 30 s
under ``EXO_CHECK=paranoid``); ``exocc examples/conv/conv2d.py`` compiles both procs (build
with ``-mavx2 -mfma``).
"""

from __future__ import annotations

import functools

from exo_x86 import AVX2
from exo_x86.platform import (
    mm256_broadcast_ss,
    mm256_fmadd_ps,
    mm256_loadu_ps,
    mm256_prefix_fmadd_ps,
    mm256_prefix_load_ps,
    mm256_prefix_store_ps,
    mm256_storeu_ps,
)

from exo_core import DRAM, proc
from exo_core.cursors import ForCursor
from exo_core.stdlib.scheduling import (
    bind_expr,
    call_eqv,
    cleanup,
    divide_dim,
    divide_loop,
    expand_dim,
    expr_to_string,
    fission,
    lift_alloc,
    lift_scope,
    rearrange_dim,
    rename,
    reorder_loops,
    replace,
    replace_all,
    resize_dim,
    set_memory,
    simplify,
    stage_mem,
    unroll_loops,
)

__all__ = ["conv2d_naive", "conv2d_avx2"]  # noqa: F822 (conv2d_avx2: module __getattr__)

VW = 8  # f32 lanes of an AVX2 register
WT = 4  # output pixels per tile
NR = 16  # output channels per tile (2 registers)


@proc
def conv2d_naive(N: size, H: size, W: size, CI: size, CO: size, inp: f32[N, H + 2, W + 2, CI] @ DRAM,
                 wt: f32[3, 3, CI, CO] @ DRAM, out: f32[N, H, W, CO] @ DRAM):
    for n in seq(0, N):
        for h in seq(0, H):
            for w in seq(0, W):
                for co in seq(0, CO):
                    for r in seq(0, 3):
                        for s in seq(0, 3):
                            for ci in seq(0, CI):
                                out[n, h, w, co] += inp[n, h + r, w + s, ci] * wt[r, s, ci, co]


# --------------------------------------------------------------------------- tiles

_REFS: dict = {}


def tile_ref(g: int, nr: int | None):
    """The meaning of one tile: ``g`` output pixels by ``nr`` channels (``None``: ``w <= 8``
    channels, a size argument), accumulated over ``r, s, ci`` from windows of the operands."""
    key = (g, nr)
    if key in _REFS:
        return _REFS[key]
    if nr is None:
        @proc
        def conv_tile(w: size, CI: size, inp: [f32][3, g + 2, CI] @ DRAM, wt: [f32][3, 3, CI, w] @ DRAM,
                      out: [f32][g, w] @ DRAM):
            assert w <= 8
            assert stride(wt, 3) == 1
            assert stride(out, 1) == 1
            for r in seq(0, 3):
                for s in seq(0, 3):
                    for ci in seq(0, CI):
                        for wi in seq(0, g):
                            for c in seq(0, w):
                                out[wi, c] += inp[r, wi + s, ci] * wt[r, s, ci, c]

        name = f"conv_tile_{g}xw"
    else:
        @proc
        def conv_tile(CI: size, inp: [f32][3, g + 2, CI] @ DRAM, wt: [f32][3, 3, CI, nr] @ DRAM,
                      out: [f32][g, nr] @ DRAM):
            assert stride(wt, 3) == 1
            assert stride(out, 1) == 1
            for r in seq(0, 3):
                for s in seq(0, 3):
                    for ci in seq(0, CI):
                        for wi in seq(0, g):
                            for c in seq(0, nr):
                                out[wi, c] += inp[r, wi + s, ci] * wt[r, s, ci, c]

        name = f"conv_tile_{g}x{nr}"
    _REFS[key] = rename(conv_tile, name)
    return _REFS[key]


def schedule_tile(ref, g: int, nr: int | None):
    """The vector version of ``tile_ref(g, nr)``: the output tile in ``g x nr/8`` registers for
    the whole reduction, per step one load of the weight row (``nr/8`` registers), one
    broadcast per pixel and ``g x nr/8`` FMAs; with ``nr=None`` one register per pixel and
    every lane loop limited to the first ``w`` lanes (prefix-masked instrs)."""
    p = rename(ref, ref.name().replace("conv_tile", "conv_avx2"))
    width = "w" if nr is None else nr
    p = stage_mem(p, p.find_loop("r"), f"out[0:{g}, 0:{width}]", "acc")
    p = stage_mem(p, p.find_loop("wi"), f"wt[r, s, ci, 0:{width}]", "wv")
    if nr is None:
        p = resize_dim(p, "acc", 1, VW, 0)
        p = resize_dim(p, "wv", 0, VW, 0)
        for loop in p.find("for _ in seq(0, w): _", many=True):
            p = divide_loop(p, loop, VW, ["lo", "l"], tail="guard")
        p = cleanup(p)
        # one input value in every lane, before the lane guard
        fma = p.find("acc[_] += _")
        p = stage_mem(p, fma.parent(), expr_to_string(fma.rhs().lhs()), "iv")
        lane = p.forward(fma).parent().parent()
        p = expand_dim(p, "iv", VW, lane.name())
        p = lift_alloc(p, "iv")
        p = fission(p, p.find("iv[_] = _").after())
        instrs = [mm256_prefix_load_ps, mm256_prefix_store_ps, mm256_broadcast_ss, mm256_prefix_fmadd_ps]
    else:
        p = divide_dim(p, "acc", 1, VW)
        p = divide_dim(p, "wv", 0, VW)
        for loop in [p.find("acc[_] = _").parent(), p.find("out[_] = _").parent(), p.find("wv[_] = _").parent(),
                     p.find("acc[_] += _").parent()]:
            p = divide_loop(p, loop, VW, ["jo", "l"], perfect=True)
        p = simplify(p)
        # one input value in every lane: staged with the lanes loop outside the registers loop
        fma = p.find("acc[_] += _")
        p = reorder_loops(p, fma.parent().parent())  # jo l -> l jo
        p = stage_mem(p, p.forward(fma).parent(), expr_to_string(p.forward(fma).rhs().lhs()), "iv")
        p = expand_dim(p, "iv", VW, "l")
        p = lift_alloc(p, "iv")
        p = fission(p, p.find("iv[_] = _").after())
        p = reorder_loops(p, p.forward(fma).parent().parent())  # l jo -> jo l
        instrs = [mm256_loadu_ps, mm256_storeu_ps, mm256_broadcast_ss, mm256_fmadd_ps]
    for buf in ("acc", "wv", "iv"):
        p = set_memory(p, buf, AVX2)
    p = replace_all(p, instrs)
    return simplify(unroll_loops(p))


# --------------------------------------------------------------------------- the schedule

GROUPS = (WT, 2, 1)  # pixels per tile: the full tiles, then the remainder in groups of 2 and 1


@proc
def conv_row(W: size, CI: size, CO: size, inp: [f32][3, W + 2, CI] @ DRAM,
             wp: [f32][(CO + NR - 1) / NR, 3, 3, CI, NR] @ DRAM, out: [f32][W, CO] @ DRAM):
    assert stride(wp, 4) == 1
    assert stride(out, 1) == 1
    for w in seq(0, W):
        for co in seq(0, CO):
            for r in seq(0, 3):
                for s in seq(0, 3):
                    for ci in seq(0, CI):
                        out[w, co] += inp[r, w + s, ci] * wp[co / NR, r, s, ci, co % NR]


def _outward(p, loop, names):
    """Move ``loop`` out of the enclosing loops named in ``names`` (``reorder_loops``)."""
    while isinstance(p.forward(loop).parent(), ForCursor) and p.forward(loop).parent().name() in names:
        p = reorder_loops(p, p.forward(loop).parent())
    return p


def _reduction_outward(p, nest, names):
    """``r``, ``s`` and ``ci`` (inside ``nest``) moved out of the loops named in ``names``."""
    for name in ("r", "s", "ci"):
        p = _outward(p, p.forward(nest).find(f"for {name} in _: _"), names)
    return p


def _split_channels(p, co, size, names):
    """Divide the channel loop ``co`` (inside ``for w``) by ``size`` with a guarded tail, and
    give the full blocks and the tail a loop nest each, outside ``w``: ``[for blk: for w: for
    c in seq(0, size)] [if rest > 0: for w: for c]``."""
    p = divide_loop(p, co, size, names, tail="cut_and_guard")
    p = fission(p, p.forward(co).after())
    p = reorder_loops(p, p.forward(co).parent())
    guard = p.forward(co).next().body()[0]
    p = lift_scope(p, guard)
    return p, p.forward(guard)


def tile_row(p):
    """In a row: ``co`` divided into blocks of ``NR`` channels (``cb``), the rest into one
    register of ``VW`` (``cv``, 0 or 1 times) and ``CO % NR % VW`` lanes of a partial
    register, each a sweep of the row of its own; in each sweep, ``w`` divided into tiles of
    ``WT`` pixels and the rest into groups of 2 and 1 (a literal ``wi`` loop each), and the
    reduction loops ``r, s, ci`` moved inside the tile loops, outside its pixel and channel
    loops."""
    p, guard = _split_channels(p, p.find_loop("co"), NR, ["cb", "c"])
    p, _ = _split_channels(p, guard.body()[0].body()[0], VW, ["cv", "c"])
    # r, s, ci out of the channel loop (once per sweep), then the pixel groups, then r, s, ci
    # out of each group's pixel loop
    for c in p.find_loop("c", many=True):
        p = _reduction_outward(p, p.forward(c).parent(), ("c",))
    for w in p.find_loop("w", many=True):
        p = divide_loop(p, w, WT, ["wo", "wi"], tail="cut")
        rest = p.forward(w).next()
        p = divide_loop(p, rest, 2, ["w2", "wi"], tail="cut")
        p = divide_loop(p, p.forward(rest).next(), 1, ["w1", "wi"], perfect=True)
    for wi in p.find_loop("wi", many=True):
        p = _reduction_outward(p, p.forward(wi).parent(), ("wi",))
    return simplify(p)


@proc
def copy_block(src: [f32][NR] @ DRAM, dst: [f32][NR] @ DRAM):
    assert stride(src, 0) == 1
    assert stride(dst, 0) == 1
    for c in seq(0, NR):
        dst[c] = src[c]


def schedule_copy_block():
    """``copy_block`` in whole registers: ``NR / VW`` loads and stores."""
    p = rename(copy_block, "copy_block_avx2")
    p = divide_loop(p, "c", VW, ["cj", "l"], perfect=True)
    p = bind_expr(p, p.find("dst[_] = _").rhs(), "v")
    p = expand_dim(p, "v", VW, "l")
    p = lift_alloc(p, "v")
    p = fission(p, p.find("v[_] = _").after())
    p = set_memory(p, "v", AVX2)
    p = replace_all(p, [mm256_loadu_ps, mm256_storeu_ps])
    return simplify(unroll_loops(p))


def pack_weights(p):
    """The weights copied once per call into blocks of ``NR`` output channels, ``wp[CO / NR
    rounded up, 3, 3, CI, NR]`` (``stage_mem``, then ``resize_dim``, ``divide_dim`` and
    ``rearrange_dim`` on the copy): a block is contiguous. The copy of each block row is a
    call of ``copy_block`` (``replace_all``), then of its vector version (``call_eqv``)."""
    p = stage_mem(p, p.body(), "wt[0:3, 0:3, 0:CI, 0:CO]", "wp")
    p = resize_dim(p, "wp", 3, f"{NR} * ((CO + {NR - 1}) / {NR})", 0)
    p = divide_dim(p, "wp", 3, NR)
    p = rearrange_dim(p, "wp", [3, 0, 1, 2, 4])
    p = divide_loop(p, p.find("wp[_] = _").parent(), NR, ["cb", "c"], tail="cut")
    p = simplify(p)
    p = replace(p, p.find_loop("c"), copy_block)
    return call_eqv(p, p.find("copy_block(_)"), schedule_copy_block())


def vector_tile(g: int, nr: int | None):
    """``schedule_tile(tile_ref(g, nr), g, nr)``, built once."""
    key = ("avx2", g, nr)
    if key not in _REFS:
        _REFS[key] = schedule_tile(tile_ref(g, nr), g, nr)
    return _REFS[key]


def use_tiles(p):
    """Every tile nest -> a call of its reference tile (``replace_all``) -> a call of the
    vector tile scheduled from it (``call_eqv``)."""
    for g in GROUPS:
        for nr in (NR, VW, None):
            p = replace_all(p, tile_ref(g, nr))
            for call in p.find(f"{tile_ref(g, nr).name()}(_)", many=True):
                p = call_eqv(p, call, vector_tile(g, nr))
    return p


@functools.cache
def schedule_row():
    """``conv_row`` -> ``conv_row_avx2``: channel sweeps, pixel tiles, vector tiles (built once)."""
    return use_tiles(tile_row(rename(conv_row, "conv_row_avx2")))


def schedule_conv2d(name: str = "conv2d_avx2"):
    """The whole schedule: the weights packed, then every output row of ``conv2d_naive`` -> a
    call of ``conv_row`` (``replace_all``) -> a call of its schedule (``call_eqv``)."""
    p = rename(conv2d_naive, name)
    p = pack_weights(p)
    p = replace_all(p, conv_row)
    return call_eqv(p, p.find("conv_row(_)"), schedule_row())


def __getattr__(name):
    """``conv2d_avx2`` is scheduled on first use."""
    if name == "conv2d_avx2":
        proc_ = schedule_conv2d(name)
        globals()[name] = proc_
        return proc_
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
