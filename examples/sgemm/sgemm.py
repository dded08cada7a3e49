"""SGEMM, ``C += A @ B`` in single precision for any ``M, N, K``, scheduled from the
three-loop nest ``sgemm_naive`` with checked primitives only. The operands are row-major
windows with any row strides (BLAS's ``lda``, ``ldb``, ``ldc``): submatrices and padded
rows need no copy; the elements of a row are contiguous (``stride(A, 1) == 1``...).

The schedule (``docs/tutorial.md`` walks it step by step), for an ``Isa`` (tile ``MR x NR``
= 6 x 16 for AVX2, 6 x 32 for AVX-512; blocks ``MC x NC x KC`` = 2052 x 256 x 256 for AVX2):

1. ``merge_k_tail`` (AVX2): where ``0 < K % KC <= 128`` and ``K > KC``, the last K block
   takes the tail (``specialize``, ``cut_loop``); ``block_for_cache``: ``i``, ``j``, ``k``
   divided by ``MC``, ``NC``, ``KC`` with guarded tails; loop order ``ic, kc, jc`` (A panel
   per ``kc``, L2-sized B block per ``jc``; each kernel's ``MR x KC`` sliver of A stays in
   L1 while the column tiles of the block pass);
2. ``tile_for_registers``: each block divided into ``MR x NR`` tiles, ``k`` inside the tile;
3. ``shape_edges``: in the tail blocks, the column tail (one full register and a masked
   one) and the row tail (groups of 4, 2, 1 rows);
4. ``pack_panels``: the A panel and the B block copied into ``DRAM_STATIC_HUGE`` buffers laid out
   tile by tile, A k-major (``stage_mem``, ``divide_dim``, ``rearrange_dim``, vector copies
   and 6 x 8 transposes);
5. ``use_kernels``: every tile nest replaced by a call of a reference micro-kernel
   (``replace_all``), then ``call_eqv`` to the register-blocked vector version scheduled
   from it (``schedule_kernel``: ``C`` tile in registers, ``B`` row loaded, ``A``
   broadcast, FMAs; at the edges the same register tile, the lanes and rows past the edge
   computed and dropped, ``unguard``, so only the loads and stores of ``C`` are masked).
   The full-width kernels run ``KUNROLL`` steps of ``k`` per loop trip and take ``K`` a
   multiple of it; ``split_k_remainders`` gives the rest of a tile's ``K`` to a one-step
   kernel.

Nothing is unchecked: no ``unsafe_*`` flag, no ``add_unsafe_guard``. ``stage_mem(...,
accum=True)`` (the kernels accumulate the tile from zero and add it to ``C``) regroups the
floating-point sum, as Exo's does. ``exocc examples/sgemm/sgemm.py`` compiles
``sgemm_naive``, ``sgemm_avx2`` and ``sgemm_avx512`` (build the C with ``-mavx2 -mfma``, plus
``-mavx512f -mavx512vl -mavx512bw -mavx512dq`` for ``sgemm_avx512``); the two scheduled
procs are built on first use (4 to 8 s each on the development machine with the default
checks, several times that under ``EXO_CHECK=paranoid``).
"""

from __future__ import annotations

from dataclasses import dataclass

from exo_x86 import AVX2, AVX512
from exo_x86.platform import (
    avx2_fmadd_memu_ps,
    avx2_set0_ps,
    avx2_transpose_6x8_ps,
    mm256_broadcast_ss,
    mm256_fmadd_ps,
    mm256_loadu_ps,
    mm256_prefix_load_ps,
    mm256_prefix_store_ps,
    mm256_storeu_ps,
    mm512_fmadd_ps,
    mm512_loadu_ps,
    mm512_mask_storeu_ps,
    mm512_maskz_loadu_ps,
    mm512_set1_ps,
    mm512_storeu_ps,
    prefetch,
)

from exo_core import DRAM, DRAM_STATIC_HUGE, proc
from exo_core.cursors import ForCursor, IfCursor, LiteralCursor
from exo_core.stdlib.scheduling import (
    SchedulingError,
    bind_expr,
    call_eqv,
    cleanup,
    cut_loop,
    divide_dim,
    divide_loop,
    expand_dim,
    expr_to_string,
    fission,
    fuse,
    insert_noop_call,
    lift_alloc,
    lift_scope,
    rearrange_dim,
    rename,
    reorder_loops,
    reorder_stmts,
    replace,
    replace_all,
    resize_dim,
    set_memory,
    shift_loop,
    simplify,
    specialize,
    stage_mem,
    unguard,
    unroll_loop,
    unroll_loops,
)

__all__ = ["sgemm_naive", "sgemm_avx2", "sgemm_avx512"]  # noqa: F822 (the last two: module __getattr__)


@proc
def sgemm_naive(M: size, N: size, K: size, A: [f32][M, K] @ DRAM, B: [f32][K, N] @ DRAM, C: [f32][M, N] @ DRAM):
    assert stride(A, 1) == 1
    assert stride(B, 1) == 1
    assert stride(C, 1) == 1
    for i in seq(0, M):
        for j in seq(0, N):
            for k in seq(0, K):
                C[i, j] += A[i, k] * B[k, j]


@dataclass(frozen=True)
class Isa:
    """A vector ISA: its register memory, lanes, instrs, and the tile/block sizes used with it."""

    name: str
    mem: type
    vw: int  # f32 lanes per register
    load: object
    store: object
    bcast: object
    fma: object
    mload: object  # the masked (first N lanes) forms
    mstore: object
    mr: int = 6  # rows of the register tile
    nvec: int = 2  # registers per row of the tile (NR = nvec * vw)
    kc: int = 256  # K block: the kernel's A sliver MR x KC stays in L1
    nt: int = 16  # column tiles per B block: KC x NT*NR floats stay in L2
    mt: int = 128  # row tiles per A panel (MT*MR x KC floats, packed once per K block, in L3)
    kunroll: int = 2  # k iterations per loop trip in the main kernel
    kmerge: int = 0  # a K tail of at most this many is merged into the last K block (0: never)
    pack_a: object = None  # the instr packing an MR x 8 block of A k-major (None: scalar copies)
    tail_mr: int = 4  # register rows for a row tail of at most this many rows (MR for longer ones)
    zero: object = None  # with `addback`: the C tile is accumulated from zero and added to C at
    addback: object = None  # the end, so its loads (prefetched at the start) are off the critical path

    @property
    def nr(self) -> int:
        return self.nvec * self.vw

    @property
    def mc(self) -> int:
        return self.mt * self.mr

    @property
    def nc(self) -> int:
        return self.nt * self.nr

    def instrs(self) -> list:
        extra = [self.zero, self.addback] if self.addback is not None else []
        return [self.load, self.store, self.bcast, self.fma] + extra


# 6 x 16 tiles; KC x NC x MC = 256 x 256 x 2052: the kernel's A sliver (6 x 256, 6 KB) stays
# in L1 across the 16 column tiles of a B block (256 x 256, 256 KB, in L2), the A panel
# (2052 x 256, 2 MB, k-major slivers: one stream each) in L3; every n up to 2052 is one row
# block, so each block of B is packed once. Measured on the development host (Zen 3), side
# by side with KC x NC x MC = 512 x 128 x 1536: 5 to 12 % faster at n = 256 (there K = 256 was
# the tail of a 512 block, whose packed slivers and tiles used half of every slot), 1 to 3 %
# at 384 and 768, within 2 % either way from 512 to 2048 (512 halves the kernel calls and
# their loads and stores of C tiles; 1 to 3 % faster at 2048 in two long runs of three). MC =
# 1536 against 768: 3 to 5 % faster at n = 1024. The BLIS order (B panel in L3, A block in
# L2, B tile in L1) was no faster there: see docs/tutorial.md. Four k steps per trip of the
# main kernel's loop against two: 1 to 4 % faster from n = 256 to 2048. A K tail of at most
# 128 merged into the last block (KMERGE): 4 to 6 % faster at n = 384 (one block of 384, not
# 256 + 128), within 2 % either way at the other sizes.
AVX2_ISA = Isa("avx2", AVX2, 8, mm256_loadu_ps, mm256_storeu_ps, mm256_broadcast_ss, mm256_fmadd_ps,
               mm256_prefix_load_ps, mm256_prefix_store_ps,
               kc=256, nt=16, mt=342, kunroll=4, kmerge=128, zero=avx2_set0_ps, addback=avx2_fmadd_memu_ps, pack_a=avx2_transpose_6x8_ps)
# 6 x 32: 12 zmm accumulators, 2 loads of B and 6 broadcasts of A per 12 FMAs (the brief's
# 12-14 for a Zen 4 core: one 512-bit FMA per cycle, 4 cycles of latency). B block KC x NC =
# 256 x 512 floats (512 KB, half a Zen 4 L2). Not measured: the development host has no
# AVX-512. The plugin has no 512-bit add-to-memory instr, so the C tile is loaded up front.
AVX512_ISA = Isa("avx512", AVX512, 16, mm512_loadu_ps, mm512_storeu_ps, mm512_set1_ps, mm512_fmadd_ps,
                 mm512_maskz_loadu_ps, mm512_mask_storeu_ps,
                 nt=16, pack_a=avx2_transpose_6x8_ps)


# --------------------------------------------------------------------------- micro-kernels

_REFS: dict = {}


def _tile_ref(mr: int):
    """``C[i, j] += A[k, i] * B[k, j]`` over ``k < K``, ``i < r <= mr``, ``j < w``."""
    if mr not in _REFS:
        @proc
        def sgemm_tile(r: size, w: size, K: size, A: [f32][K, mr] @ DRAM, B: [f32][K, w] @ DRAM,
                       C: [f32][r, w] @ DRAM):
            assert r <= mr
            assert stride(A, 1) == 1
            assert stride(B, 1) == 1
            assert stride(C, 1) == 1
            for k in seq(0, K):
                for i in seq(0, r):
                    for j in seq(0, w):
                        C[i, j] += A[k, i] * B[k, j]

        _REFS[mr] = sgemm_tile
    return _REFS[mr]


def kernel_ref(mr: int, cols, rows: bool = False, strides: tuple[int, int] | None = None, kmult: int = 1):
    """The meaning of a tile update over ``K``: what a kernel call must compute. ``A`` is the
    packed ``mr``-row sliver, k-major (``A[k, i]``: the kernel reads it as one stream).

    ``cols``: an int (that many columns), or ``(lo, hi)``: ``w`` columns, ``lo < w <= hi``
    (a column tail). ``rows``: ``r <= mr`` rows (a row tail: ``A`` is still the whole
    sliver), else all ``mr``. ``strides``: the row strides of ``A`` and ``B`` (those of the
    packed buffers), asserted, so that the kernel's C indexes them with constants. ``kmult``:
    ``K`` is asserted a multiple of it (a kernel doing that many ``k`` steps per loop trip
    then has no remainder loop). Named ``sgemm_tile_6x16``, ``sgemm_tile_6xw8`` (``w <= 8``),
    ``sgemm_tile_r4xw16`` (``r <= 4``, ``8 < w <= 16``), ``sgemm_tile_6x16_k4`` (``K % 4 ==
    0``)..."""
    key = (mr, cols, rows, strides, kmult)
    if key not in _REFS:
        p = _tile_ref(mr)
        if strides is not None:
            p = p.add_assertion(f"stride(A, 0) == {strides[0]}").add_assertion(f"stride(B, 0) == {strides[1]}")
        if kmult > 1:
            p = p.add_assertion(f"K % {kmult} == 0")
        fixed = {} if rows else {"r": mr}
        if isinstance(cols, tuple):
            lo, hi = cols
            p = p.partial_eval(**fixed) if fixed else p
            p = p.add_assertion(f"w <= {hi}")
            if lo:
                p = p.add_assertion(f"w > {lo}")
            width = f"w{hi}"
        else:
            p = p.partial_eval(w=cols, **fixed)
            width = str(cols)
        suffix = f"_k{kmult}" if kmult > 1 else ""
        _REFS[key] = rename(p, f"sgemm_tile_{'r' if rows else ''}{mr}x{width}{suffix}")
    return _REFS[key]


def _lift_to_top(p, name):
    alloc = p.find_alloc_or_arg(name)
    while alloc.parent():
        p = lift_alloc(p, alloc)
        alloc = p.forward(alloc)
    return p


def _guard(stmt, size_name: str):
    """The ``if`` around ``stmt`` that tests the size ``size_name``."""
    c = stmt.parent()
    while not _cond_on(c, size_name):
        c = c.parent()
    return c


def schedule_kernel(ref, isa: Isa, mr: int, cols, rows: bool = False, kunroll: int = 1):
    """The register-blocked vector version of ``kernel_ref(mr, cols, rows)``: the ``C`` tile
    lives in ``mr`` rows of registers for the whole ``k`` loop; each ``k`` step loads one
    row of ``B``, broadcasts each ``A[k, i]`` and issues an FMA per register.

    Edges keep the full register tile: the lanes past ``w`` (a column tail) and the rows past
    ``r`` (a row tail) are computed and dropped (``unguard`` proves nothing reads them), so
    every kernel has all its accumulator chains and no blend on them; only the loads and
    stores of ``C`` and the loads of ``B`` are masked (lanes) or skipped (rows)."""
    vw, mem = isa.vw, isa.mem
    edge = isinstance(cols, tuple)
    width = cols[1] if edge else cols  # lanes per row of registers
    ncols = "w" if edge else width
    p = rename(ref, ref.name().replace("sgemm_tile", f"sgemm_{isa.name}"))
    accum = isa.addback is not None and not edge
    p = stage_mem(p, p.find_loop("k"), f"C[0:{'r' if rows else mr}, 0:{ncols}]", "C_reg", accum=accum)
    if rows:
        p = resize_dim(p, "C_reg", 0, mr, 0)
    elif accum:
        for i in range(mr):
            for j in sorted({0, width - 1}):
                p = insert_noop_call(p, p.find("C_reg : _").before(), prefetch, [f"C[{i}, {j}:{j + 1}]", 3])
    p = stage_mem(p, p.find_loop("i"), f"B[k, 0:{ncols}]", "b_vec")
    if edge:
        p = resize_dim(p, "C_reg", 1, width, 0)
        p = resize_dim(p, "b_vec", 0, width, 0)
    if rows:  # `for i in seq(0, r)` -> `for ii in seq(0, MR): if ii < r:`
        for loop in list(p.find("for _ in seq(0, r): _", many=True)):
            p = divide_loop(p, loop, mr, ["io", "ii"], tail="guard")
        p = cleanup(p)
    if edge:  # `for j in seq(0, w)` -> `for jo: for ji in seq(0, VW): if VW * jo + ji < w:`
        for loop in list(p.find("for _ in seq(0, w): _", many=True)):
            p = divide_loop(p, loop, vw, ["jo", "ji"], tail="guard")
        p = cleanup(p)
    one_reg = width == vw
    if not one_reg:
        p = divide_dim(p, "C_reg", 1, vw)
        p = divide_dim(p, "b_vec", 0, vw)
    if not edge:
        store = p.find("C[_] += _" if accum else "C[_] = _")
        for loop in [p.find("C_reg[_] = _").parent(), store.parent(), p.find("b_vec[_] = _").parent(),
                     p.find_loop("j")]:
            p = divide_loop(p, loop, vw, ["jo", "ji"], perfect=True)
    p = simplify(p)
    for size_name in ("r",) * rows + ("w",) * edge:
        p = unguard(p, _guard(p.find("C_reg[_] += _"), size_name))
    # A[k, i] broadcast once per row, to a register of its own
    row = "ii" if rows else "i"
    if one_reg:
        p = bind_expr(p, "A[_]", "a_vec")
        p = expand_dim(p, "a_vec", vw, "ji")
        p = _lift_to_top(p, "a_vec")
        p = fission(p, p.find("a_vec[_] = _").after())
    else:  # with `ji` outside `jo`: the broadcast is staged around `jo`, then split off
        p = reorder_loops(p, p.find("C_reg[_] += _").parent().parent())
        p = stage_mem(p, p.find("C_reg[_] += _").parent(), f"A[k, {row}]", "a_vec")
        p = expand_dim(p, "a_vec", vw, "ji")
        p = _lift_to_top(p, "a_vec")
        p = fission(p, p.find("a_vec[_] = _").after())
        p = reorder_loops(p, p.find("C_reg[_] += _").parent().parent())
    for buf in ("C_reg", "b_vec", "a_vec"):
        p = set_memory(p, buf, mem)
    if edge and not one_reg:  # one register of each row full, the last one masked
        for loop in list(p.find("for jo in _: _", many=True)):
            if isinstance(p.forward(loop).body()[0].body()[0], IfCursor):
                p = unroll_loop(p, loop)
        p = simplify(p)
    instrs = [isa.load, isa.store, isa.mload, isa.mstore, isa.bcast, isa.fma] if edge else isa.instrs()
    p = replace_all(p, instrs)
    if kunroll > 1:  # no remainder loop: with one, gcc spills an accumulator in the main loop
        p = divide_loop(p, p.find_loop("k"), kunroll, ["ko", "ku"], perfect=True)
        p = unroll_loop(p, p.find_loop("ku"))
    return simplify(unroll_loops(p))


# --------------------------------------------------------------------------- the sgemm schedule


def _loops(p, name):
    """The loops named ``name`` (none: ``[]``)."""
    try:
        return p.find_loop(name, many=True)
    except SchedulingError:  # find's "failed to find matches"
        return []


def _cond_on(cursor, size_name: str) -> bool:
    """Whether ``cursor`` is an ``if`` testing the size ``size_name`` (a guarded tail)."""
    return isinstance(cursor, IfCursor) and f"({size_name})" in expr_to_string(cursor.cond())


def _divide(p, loop, n, names, guard: bool = False):
    """``divide_loop`` by ``n``: perfect when the extent is a literal multiple, else a cut tail
    (with ``guard``, inside ``if extent % n > 0:``)."""
    hi = p.forward(loop).hi()
    exact = isinstance(hi, LiteralCursor) and hi.value() % n == 0
    return divide_loop(p, loop, n, names, tail="cut_and_guard" if guard and not exact else "cut", perfect=exact)


def _merged_k_start(isa: Isa) -> str:
    """Where the last K block starts when it takes the K tail (``merge_k_tail``)."""
    return f"{isa.kc} * (K / {isa.kc}) - {isa.kc}"


def merge_k_tail(p, isa: Isa):
    """With ``isa.kmerge``: where ``0 < K % KC <= KMERGE`` (and ``K > KC``), the last K block
    takes the tail, ``KC + K % KC`` long, instead of a tail block of its own: ``specialize``
    on that, then in its branch ``cut_loop`` ``k`` before the last block, ``divide_loop`` the
    part before it by ``KC`` (perfectly) and ``shift_loop`` the last block to start at 0.
    A short tail of its own would pass over ``C`` once more for little work, and half fill
    the packed buffers (``K = 384``: 4 to 6 % faster as one block than as 256 + 128)."""
    if not isa.kmerge:
        return p
    kc = isa.kc
    p = specialize(p, p.body(), f"K % {kc} > 0 and K % {kc} <= {isa.kmerge} and K > {kc}")
    k = p.find_loop("k")  # the first: in the branch that merges
    p = cut_loop(p, k, _merged_k_start(isa))
    p = divide_loop(p, p.forward(k), kc, ["kc", "kk"], perfect=True)
    return simplify(shift_loop(p, p.forward(k).next(), 0))


def block_for_cache(p, isa: Isa):
    """Block ``i`` by ``MC = MT*MR`` rows (``ic``), ``j`` by ``NC = NT*NR`` columns (``jc``) and
    ``k`` by ``KC`` (``kc``), each with a guarded tail (``if M % MC > 0:`` ...), and order
    the loops ``ic, kc, jc, ii, jj, kk``. Moving ``k`` out is legal: every ``C[i, j]`` still
    sums over ``k`` in increasing order; only different elements of ``C`` interleave. After
    ``merge_k_tail`` its branch has no K tail: the last K block follows the ``kc`` loop."""
    for i in _loops(p, "i"):
        p = divide_loop(p, i, isa.mc, ["ic", "ii"], tail="cut_and_guard")
    for ii in _loops(p, "ii"):
        p = divide_loop(p, p.forward(ii).body()[0], isa.nc, ["jc", "jj"], tail="cut_and_guard")
    for jc in _loops(p, "jc"):  # the column-block tail gets its own nest, then jc goes out
        p = fission(p, p.forward(jc).after())
        p = lift_scope(p, p.forward(jc).parent().next().body()[0])
        p = reorder_loops(p, p.forward(jc).parent())  # ii jc -> jc ii
    for jj in _loops(p, "jj"):
        if p.forward(jj).body()[0].name() == "k":  # not divided by merge_k_tail
            p = divide_loop(p, p.forward(jj).body()[0], isa.kc, ["kc", "kk"], tail="cut_and_guard")
    for kc in _loops(p, "kc"):  # kc out of jj, ii, and jc (or the column-block tail)
        p = fission(p, p.forward(kc).after(), n_lifts=3)
        while True:
            parent = p.forward(kc).parent()
            if isinstance(parent, ForCursor) and parent.name() in ("jj", "ii", "jc"):
                p = reorder_loops(p, parent)
            elif _cond_on(parent, "N"):
                p = lift_scope(p, kc)
            else:
                break
    for guard in p.find("if K % _ > 0: _", many=True):
        while not (isinstance(p.forward(guard).parent(), ForCursor) and p.forward(guard).parent().name() == "ic"
                   or _cond_on(p.forward(guard).parent(), "M")):
            p = lift_scope(p, guard)
    # per row block: [kc loop, K tail, kc loop (jc tail), K tail (jc tail)] -> one of each (a
    # merged last K block stays two nests: the column blocks and the column-block tail)
    for kc in [lp for lp in _loops(p, "kc") if isinstance(lp.body()[0], ForCursor)]:
        k_tail, kc2 = p.forward(kc).next(), p.forward(kc).next().next()
        p = reorder_stmts(p, p.forward(k_tail).as_block().expand(0, 1))
        p = fuse(p, p.forward(kc), p.forward(kc2))
        if isinstance(p.forward(k_tail), IfCursor):
            p = fuse(p, p.forward(k_tail), p.forward(k_tail).next())
    return p


def tile_for_registers(p, isa: Isa):
    """In every block, ``ii`` by ``MR`` (``it``, ``ir``) and ``jj`` by ``NR`` (``jt``, ``jl``);
    in tail blocks the rest (``M % MR`` rows, ``N % NR`` columns) is cut off into its own
    nest. The full tiles get the kernel's order ``it, jt, kk, ir, jl``."""
    for ii in _loops(p, "ii"):
        p = _divide(p, ii, isa.mr, ["it", "ir"], guard=True)  # the row tail's kernels take r > 0 rows
    for it in _loops(p, "it"):
        jj = p.forward(it).body()[0].body()[0]
        p = _divide(p, jj, isa.nr, ["jt", "jl"], guard=True)
        jt = p.forward(jj)
        if jt.next():
            p = fission(p, p.forward(jt).after(), n_lifts=2)
        p = reorder_loops(p, p.forward(it).body()[0])  # ir jt -> jt ir
        jl = p.forward(jt).body()[0].body()[0]
        p = reorder_loops(p, jl)  # jl kk -> kk jl
        p = reorder_loops(p, p.forward(jl).parent().parent())  # ir kk -> kk ir
    return p


def _down(cursor, n: int):
    for _ in range(n):
        cursor = cursor.body()[0]
    return cursor


def _split_col_tail(p, row_loop, isa: Isa, levels: int = 2):
    """``for it: for ir: if w > 0: for jl in seq(0, w): for kk`` (``w < NR`` columns;
    ``levels`` row loops, 1 for the row tail's ``for ir``) -> ``if w > 0: for it: for kk:
    for ir: for jl``, specialized on ``w > VW``: one masked register per row, or a full one
    and a masked one."""
    guard = _down(p.forward(row_loop), levels)
    for _ in range(levels):
        p = lift_scope(p, guard)
    jl = _down(p.forward(guard), levels + 1)
    p = reorder_loops(p, jl)  # jl kk -> kk jl
    p = reorder_loops(p, p.forward(jl).parent().parent())  # ir kk -> kk ir
    w = expr_to_string(p.forward(jl).hi())
    return specialize(p, p.forward(guard).body(), f"{w} > {isa.vw}")


def _shape_row_tail(p, rows, isa: Isa):
    """``for ir in seq(0, M % MC % MR): for jj: for kk`` -> kernel order, column tail split."""
    jj = p.forward(rows).body()[0]
    p = _divide(p, jj, isa.nr, ["jt", "jl"], guard=True)
    jt = p.forward(jj)
    col_tail = bool(jt.next())
    if col_tail:
        p = fission(p, p.forward(jt).after())
    p = reorder_loops(p, p.forward(jt).parent())  # ir jt -> jt ir
    jl = p.forward(jt).body()[0].body()[0]
    p = reorder_loops(p, jl)  # jl kk -> kk jl
    p = reorder_loops(p, p.forward(jl).parent().parent())  # ir kk -> kk ir
    if col_tail:
        p = _split_col_tail(p, p.forward(jt).next(), isa, levels=1)
    return p


def shape_edges(p, isa: Isa):
    """The edges, inside the tail blocks, in the kernels' loop order: the column tail of the
    full-row tiles (``N % NR`` columns: one masked register per row if at most ``VW``, else
    a full one and a masked one), the row tail (``M % MR`` rows) with its own column tail.
    Their kernels keep whole register tiles: lanes and rows past the edge are computed and
    dropped."""
    for it in [lp for lp in _loops(p, "it") if lp.body()[0].name() == "ir"]:
        p = _split_col_tail(p, it, isa)
    for rows in p.find(f"for ir in seq(0, M % {isa.mc} % {isa.mr}): _", many=True):
        p = _shape_row_tail(p, rows, isa)
    # a row tail of up to TAIL_MR rows runs on TAIL_MR register rows (2 * TAIL_MR accumulator
    # chains: enough for the FMA rate), a longer one on MR rows
    for guard in p.find(f"if M % {isa.mc} % {isa.mr} > 0: _", many=True):
        p = specialize(p, p.forward(guard).body(), f"M % {isa.mc} % {isa.mr} > {isa.tail_mr}")
    return p


def _fix_extents(p, name, extents):
    alloc = p.find_alloc_or_arg(name)
    for dim, (e, want) in enumerate(zip(alloc.shape(), extents)):
        if not (isinstance(e, LiteralCursor) and e.value() == want):
            p = resize_dim(p, name, dim, want, 0)
    return p


def _vector_copy(p, assign, isa: Isa, name: str):
    """The copy loop around ``assign`` (``dst[.., x] = src[.., x]``) in whole registers: ``x``
    divided by ``VW`` (a cut scalar tail unless the extent is a multiple), each group moved
    through a register by ``load``/``store`` instrs."""
    p = _divide(p, assign.parent(), isa.vw, [f"{name}o", f"{name}i"])
    assign = p.forward(assign)
    p = bind_expr(p, assign.rhs(), name)
    p = expand_dim(p, name, isa.vw, f"{name}i")
    p = lift_alloc(p, name)
    p = fission(p, p.forward(assign).prev().after())
    p = set_memory(p, name, isa.mem)
    store = p.forward(assign).parent()
    p = replace(p, store.prev(), isa.load)
    return replace(p, p.forward(store), isa.store)


def _transpose_copy(p, assign, isa: Isa, name: str):
    """The k-major copy ``for k: for il in seq(0, MR): Ap[.., k, il] = A[.. + il, .. + k]`` in
    ``MR x 8`` blocks, each transposed by ``isa.pack_a`` (a cut scalar tail of ``k``)."""
    k_loop = assign.parent().parent()
    p = _divide(p, k_loop, 8, [f"{name}o", f"{name}i"])
    return replace(p, p.forward(k_loop).body()[0], isa.pack_a)


def _range(block, loop_name, size_name, step):
    """The index range of the block (loop ``loop_name``) or of the guarded tail around it."""
    return f"{step} * {loop_name}:{step} * {loop_name} + {step}" if block else f"{step} * ({size_name} / {step}):{size_name}"


def _k_block(k_block, isa: Isa) -> tuple[str, int]:
    """The range of ``k`` in ``k_block`` and its largest extent: a ``kc`` loop, the K tail's
    guard, or else the row block around a last K block that took the tail (``merge_k_tail``)."""
    if isinstance(k_block, ForCursor) and k_block.name() == "kc":
        return _range(True, "kc", "K", isa.kc), isa.kc
    if _cond_on(k_block, "K"):
        return _range(False, "kc", "K", isa.kc), isa.kc
    return f"{_merged_k_start(isa)}:K", isa.kc + isa.kmerge


def pack_panels(p, isa: Isa):
    """Copy the operands of the blocks into static buffers laid out for the kernels:

    * per ``kc`` block (and K tail) of a row block, its ``MC x KC`` panel of ``A`` into
      ``Ap[MT, KC, MR]``: each kernel's ``MR x KC`` sliver is contiguous and k-major (one
      stream for the kernel; six rows 2 KB apart are six, which the hardware prefetchers
      follow less well when the panel comes from L3), copied ``MR x 8`` at a time by the
      ``isa.pack_a`` transpose;
    * per ``jc`` block (and column-block tail), its ``KC x NC`` block of ``B`` into
      ``Bp[NT, KC, NR]``: each kernel's ``KC x NR`` tile is contiguous.

    Tail blocks use the same extents (``resize_dim``: their accesses are proven within them),
    a last K block that took the tail ``KC + KMERGE``; the copies of ``B`` move whole
    registers."""
    mr, nr, kc, mt, nt = isa.mr, isa.nr, isa.kc, isa.mt, isa.nt
    kcs = [lp for lp in _loops(p, "kc") if isinstance(lp.body()[0], ForCursor)]
    # (the K block: its loop or guard, or the row block around a merged one; its statements)
    a_blocks = [(blk, blk.body()) for blk in kcs + p.find("if K % _ > 0: _", many=True)]
    a_blocks += [(lp.parent(), lp.next().as_block().expand(0, 1)) for lp in kcs
                 if isinstance(lp.next(), ForCursor)]  # merged: its jc loop and jc tail
    b_blocks = _loops(p, "jc") + p.find("if N % _ > 0: _", many=True)
    staged = []
    for n, (k_blk, stmts) in enumerate(a_blocks):
        k_blk = p.forward(k_blk)
        ks, k_extent = _k_block(k_blk, isa)
        row_blk = k_blk.parent() if k_extent == kc else k_blk
        rows = _range(isinstance(row_blk, ForCursor), "ic", "M", isa.mc)
        p = stage_mem(p, p.forward(stmts), f"A[{rows}, {ks}]", f"Ap{n}")
        staged.append((f"Ap{n}", [mt * mr, k_extent]))
    for n, blk in enumerate(b_blocks):
        blk = p.forward(blk)
        ks, k_extent = _k_block(blk.parent(), isa)
        cols = _range(isinstance(blk, ForCursor), "jc", "N", isa.nc)
        p = stage_mem(p, blk.body(), f"B[{ks}, {cols}]", f"Bp{n}")
        staged.append((f"Bp{n}", [k_extent, nt * nr]))
    p = simplify(p)
    for name, extents in staged:
        p = _fix_extents(p, name, extents)
        if name.startswith("Ap"):
            p = divide_dim(p, name, 0, mr)
            p = rearrange_dim(p, name, [0, 2, 1])  # [MT, KC, MR]: a sliver is k-major
            p = _divide(p, p.find(f"{name}[_] = _").parent().parent(), mr, ["ip", "il"])
            p = reorder_loops(p, p.find(f"{name}[_] = _").parent().parent())  # il k -> k il
        else:
            p = divide_dim(p, name, 1, nr)
            p = rearrange_dim(p, name, [1, 0, 2])
            p = _divide(p, p.find(f"{name}[_] = _").parent(), nr, ["jp", "jl"])
        p = set_memory(p, name, DRAM_STATIC_HUGE)  # huge pages: 1 to 1.5 % faster
    p = simplify(p)
    for name, _ in staged:
        if name.startswith("Bp"):
            p = _vector_copy(p, p.find(f"{name}[_] = _"), isa, name.lower().replace("p", "_"))
        elif isa.pack_a is not None:
            p = _transpose_copy(p, p.find(f"{name}[_] = _"), isa, name.lower())
    return p


def split_k_remainders(p, isa: Isa):
    """The full-width tiles' kernels do ``KUNROLL`` steps of ``k`` per loop trip and need
    ``K`` a multiple of it. Where a tile's ``K`` (``L``) is not a literal multiple, its ``k``
    loop is cut at ``L - L % KUNROLL``; the rest (``if L % KUNROLL > 0:``) is a tile nest of
    its own, for a kernel of one step per trip. (With the remainder loop inside the kernel,
    gcc spilled an accumulator in the main loop: 8 % slower at ``n = 384``.)"""
    ku = isa.kunroll
    if ku == 1:
        return p
    for kk in _loops(p, "kk") + _loops(p, "k"):
        kk = p.forward(kk)
        hi, cols = kk.hi(), _down(kk, 2)
        if isinstance(hi, LiteralCursor) or not (isinstance(cols.hi(), LiteralCursor) and cols.hi().value() == isa.nr):
            continue  # a literal K is a multiple (KC); the column tails' kernels do one step per trip
        n = expr_to_string(hi)
        p = cut_loop(p, kk, f"{n} - {n} % {ku}")
        rest = p.forward(kk).next()
        p = shift_loop(p, rest, 0)
        p = specialize(p, p.forward(rest), f"{n} % {ku} > 0")  # (a size is never 0)
        p = specialize(p, p.forward(kk), f"{n} >= {ku}")
    return simplify(p)


def use_kernels(p, isa: Isa):
    """Replace every tile nest by a call of its reference kernel, then call the vector
    kernel scheduled from that reference instead (``call_eqv`` checks the provenance)."""
    mr, nr, vw, ku = isa.mr, isa.nr, isa.vw, isa.kunroll
    p = split_k_remainders(p, isa)
    plan = []  # (register rows, columns, row tail?, K multiple); row tails of at most TAIL_MR rows match first
    for m, rows in ((mr, False), (isa.tail_mr, True), (mr, True)):
        plan += [(m, nr, rows, ku), (m, nr, rows, 1), (m, (0, vw), rows, 1), (m, (vw, nr), rows, 1)]
    for m, cols, rows, kmult in dict.fromkeys(plan):  # (KUNROLL 1: the first two are one)
        ref = kernel_ref(m, cols, rows, strides=(mr, nr), kmult=kmult)
        p = replace_all(p, ref)
        fast = schedule_kernel(ref, isa, m, cols, rows, kmult)
        for call in p.find(f"{ref.name()}(_)", many=True):
            p = call_eqv(p, call, fast)
    return p


def schedule_sgemm(isa: Isa, name: str):
    """The whole schedule: ``sgemm_naive`` -> ``name`` for ``isa``."""
    p = rename(sgemm_naive, name)
    p = merge_k_tail(p, isa)
    p = block_for_cache(p, isa)
    p = tile_for_registers(p, isa)
    p = shape_edges(p, isa)
    p = pack_panels(p, isa)
    return use_kernels(p, isa)


_SCHEDULED = {"sgemm_avx2": AVX2_ISA, "sgemm_avx512": AVX512_ISA}


def __getattr__(name):
    """``sgemm_avx2`` and ``sgemm_avx512`` are scheduled on first use (a few seconds each)."""
    if name in _SCHEDULED:
        proc_ = schedule_sgemm(_SCHEDULED[name], name)
        globals()[name] = proc_
        return proc_
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
