"""SGEMM (``C += A @ B``, row-major, any ``M, N, K``) scheduled for AVX2 + FMA, written only
against Exo's public API: it runs unchanged under Exo 1.0 (``pip install exo-lang``) and
under exo-core's ``import exo`` shim (``python -m exo_core.compat``). It is the size of a real
application schedule (a couple of hundred primitive calls) and is used to compare compile
times (``benchmarks/compile_vs_exo.py``).

The schedule, from the three-loop nest ``sgemm_avx2``:

1. ``k`` is blocked by ``KC`` (a guarded tail block for ``K % KC``), and the block loop goes
   outermost: two nests, the full blocks and the ``K`` tail.
2. In each nest, ``j`` is divided by ``NR = 16`` (a guarded column tail lifted out of the
   rows) and ``i`` by ``MR = 6`` (a cut row tail); the ``KC x 16`` panel of ``B`` is packed
   into a static buffer once per column tile and shared by every row tile.
3. The column tail (``N % 16`` columns) is cut in rows like the tiles, then specialized on
   ``N % 16 >= 8``: in that case its first 8 columns are one vector column (``cut_loop``,
   ``shift_loop``) and the rest is scalar; otherwise all of it is scalar.
4. Every tile nest is replaced by a call of a reference micro-kernel (``replace_all``), and
   each call is then swapped (``call_eqv``) for the register-blocked AVX2 kernel scheduled
   from that reference: the ``C`` tile in ``__m256`` registers, one row of ``B`` loaded and
   ``A`` broadcast per ``k`` step, FMAs (``k`` unrolled in the big kernel).

``build()`` returns the procs to compile (the scheduled ``sgemm_avx2``: the kernels are
emitted with it, as its callees).
"""

# ruff: noqa: F403, F405, F821

from __future__ import annotations

from exo import proc
from exo.libs.memories import DRAM_STATIC
from exo.platforms.x86 import *
from exo.stdlib.scheduling import *

MR, NR, VW = 6, 16, 8  # register tile: MR rows x NR columns = MR x NR/VW AVX2 registers
KC = 256  # K block: the packed B panel KC x NR (16 KB) stays in L1
KUNROLL = 2  # k steps per trip of the main kernel's loop


@proc
def sgemm_avx2(M: size, N: size, K: size, A: f32[M, K] @ DRAM, B: f32[K, N] @ DRAM, C: f32[M, N] @ DRAM):
    for i in seq(0, M):
        for j in seq(0, N):
            for k in seq(0, K):
                C[i, j] += A[i, k] * B[k, j]


# ----------------------------------------------------------------------------- micro-kernels
# The meaning of each tile update: what a kernel call computes. Rows of A, B and C are
# contiguous (the vector loads and stores need it).


@proc
def ukr_6x16(K: size, A: [f32][6, K] @ DRAM, B: [f32][K, 16] @ DRAM, C: [f32][6, 16] @ DRAM):
    assert stride(A, 1) == 1
    assert stride(B, 1) == 1
    assert stride(C, 1) == 1
    for k in seq(0, K):
        for i in seq(0, 6):
            for j in seq(0, 16):
                C[i, j] += A[i, k] * B[k, j]


@proc
def ukr_6x8(K: size, A: [f32][6, K] @ DRAM, B: [f32][K, 8] @ DRAM, C: [f32][6, 8] @ DRAM):
    assert stride(A, 1) == 1
    assert stride(B, 1) == 1
    assert stride(C, 1) == 1
    for k in seq(0, K):
        for i in seq(0, 6):
            for j in seq(0, 8):
                C[i, j] += A[i, k] * B[k, j]


@proc
def ukr_1x16(K: size, A: [f32][K] @ DRAM, B: [f32][K, 16] @ DRAM, C: [f32][16] @ DRAM):
    assert stride(A, 0) == 1
    assert stride(B, 1) == 1
    assert stride(C, 0) == 1
    for k in seq(0, K):
        for j in seq(0, 16):
            C[j] += A[k] * B[k, j]


@proc
def ukr_1x8(K: size, A: [f32][K] @ DRAM, B: [f32][K, 8] @ DRAM, C: [f32][8] @ DRAM):
    assert stride(A, 0) == 1
    assert stride(B, 1) == 1
    assert stride(C, 0) == 1
    for k in seq(0, K):
        for j in seq(0, 8):
            C[j] += A[k] * B[k, j]


def _registers(p, c_dim, b_stage_around):
    """``C_reg`` (its last dimension, ``c_dim``) and the ``j`` loops divided by the vector
    width; one row of ``B`` staged in ``B_reg`` around ``b_stage_around`` (a loop name)."""
    p = divide_dim(p, "C_reg", c_dim, VW)
    for copy in ("C_reg[_] = _", "C[_] = C_reg[_]"):
        p = divide_loop(p, p.find(copy).parent(), VW, ["vo", "vi"], perfect=True)
    p = divide_loop(p, "j", VW, ["jo", "ji"], perfect=True)
    nr = p.find_loop("jo").hi().value() * VW
    p = stage_mem(p, p.find_loop(b_stage_around), f"B[k, 0:{nr}]", "B_reg")
    p = divide_dim(p, "B_reg", 0, VW)
    p = divide_loop(p, p.find("B_reg[_] = _").parent(), VW, ["bo", "bi"], perfect=True)
    return simplify(p)


def _broadcast_a(p, a_expr):
    """``A[..]`` read once per row and broadcast into a register, outside the column loop."""
    p = bind_expr(p, p.find(a_expr), "A_reg")
    p = expand_dim(p, "A_reg", VW, "ji")
    p = lift_alloc(p, "A_reg", n_lifts=2)
    p = fission(p, p.find("A_reg[_] = _").after(), n_lifts=2)
    p = remove_loop(p, p.find("A_reg[_] = _").parent().parent())
    return p


def _to_instrs(p):
    for buf in ("C_reg", "B_reg", "A_reg"):
        p = set_memory(p, buf, AVX2)
    p = replace_all(p, [mm256_loadu_ps, mm256_storeu_ps, mm256_broadcast_ss, mm256_fmadd_ps])
    return simplify(p)


def _unroll(p, names):
    """Unroll every loop called one of ``names`` (constant trip counts over registers):
    straight-line code whose registers the C compiler can allocate."""
    for name in names:
        for loop in p.find_loop(name, many=True):
            p = unroll_loop(p, loop)
    return simplify(p)


def schedule_tile_kernel(ref, name, mr, nr, kunroll=1):
    """The AVX2 version of an ``mr x nr`` reference kernel."""
    p = rename(ref, name)
    p = stage_mem(p, p.find_loop("k"), f"C[0:{mr}, 0:{nr}]", "C_reg")
    p = simplify(p)
    p = _registers(p, 1, "i")
    p = _broadcast_a(p, "A[i, k]")
    p = _to_instrs(p)
    if kunroll > 1:
        p = divide_loop(p, "k", kunroll, ["ko", "ku"], tail="cut")
        p = unroll_loop(p, "ku")
        p = simplify(p)
    return _unroll(p, ["vo", "i0", "bo", "jo", "i"])


def schedule_row_kernel(ref, name, nr):
    """The AVX2 version of a one-row reference kernel (``1 x nr``)."""
    p = rename(ref, name)
    p = stage_mem(p, p.find_loop("k"), f"C[0:{nr}]", "C_reg")
    p = simplify(p)
    p = _registers(p, 0, "jo")
    p = _broadcast_a(p, "A[k]")
    p = _to_instrs(p)
    return _unroll(p, ["vo", "bo", "jo"])


# ----------------------------------------------------------------------------- the sgemm


def split_k(p):
    """``k`` blocked by ``KC``; the block loop outermost, the ``K % KC`` tail block guarded
    by an ``if`` lifted out of ``i`` and ``j``."""
    p = divide_loop(p, "k", KC, ["ko", "ki"], tail="cut_and_guard")
    p = fission(p, p.find_loop("ko").after(), n_lifts=2)
    p = reorder_loops(p, "j ko")
    p = reorder_loops(p, "i ko")
    p = lift_if(p, p.find(f"if K % {KC} > 0: _"), n_lifts=2)
    return simplify(p)


def tile_nest(p, i_loop, k_lo, k_hi, pack, k_tail=False):
    """Tile one ``for i: for j: for ki`` nest (``k`` running over ``k_lo:k_hi``, fewer than
    ``KC`` values in the ``k_tail`` block) into ``MR x NR`` tiles, a cut row tail and a
    guarded column tail; ``B``'s panel of each column tile packed into ``pack``."""
    i_loop = p.forward(i_loop)
    j_loop = i_loop.body()[0]
    p = divide_loop(p, j_loop, NR, ["jo", "ji"], tail="cut_and_guard")
    jo = p.forward(j_loop)
    p = fission(p, jo.after())
    col_tail = p.forward(i_loop).next().body()[0]
    p = lift_if(p, col_tail)  # for i: if N % 16 > 0: ... -> if N % 16 > 0: for i: ...
    p = reorder_loops(p, p.forward(i_loop))  # i jo -> jo i
    # rows: MR at a time, the M % MR rest row by row
    p = divide_loop(p, p.forward(jo).body()[0], MR, ["io", "ii"], tail="cut")
    io = p.forward(jo).body()[0]
    ii = io.body()[0]
    p = reorder_loops(p, ii.body()[0])  # ji ki -> ki ji
    p = reorder_loops(p, p.forward(ii))  # ii ki -> ki ii
    row_tail = p.forward(io).next()
    p = reorder_loops(p, row_tail.body()[0])  # ji ki -> ki ji
    p = stage_mem(p, p.forward(jo).body(), f"B[{k_lo}:{k_hi}, {NR} * jo:{NR} * jo + {NR}]", pack)
    if k_tail:  # a fixed size for the buffer: KC rows, of which K % KC are used
        p = resize_dim(p, pack, 0, KC, 0)
    p = set_memory(p, pack, DRAM_STATIC)
    p = simplify(p)
    return shape_col_tail(p, col_tail)


def shape_col_tail(p, guard):
    """The column tail (``if N % 16 > 0: for i: for ji in seq(0, N % 16): for ki``): rows
    by ``MR`` (cut), then specialized on ``N % 16 >= 8``: there the first 8 columns are a
    vector column and the rest is scalar; otherwise all of it is scalar. Scalar columns get
    ``ki`` outside (row-wise accesses)."""
    rows = p.forward(guard).body()[0]
    p = divide_loop(p, rows, MR, ["io", "ii"], tail="cut")
    p = specialize(p, p.forward(guard).body(), f"N % {NR} >= {VW}")
    wide = p.forward(guard).body()[0]
    narrow = wide.orelse()
    scalar = [narrow[0].body()[0].body()[0], narrow[1].body()[0]]
    for ii, full in ((wide.body()[0].body()[0], True), (wide.body()[1], False)):
        jt = p.forward(ii).body()[0]
        p = cut_loop(p, jt, VW)  # ji in [0, 8) and [8, N % 16)
        rest = p.forward(jt).next()
        p = shift_loop(p, rest, 0)
        scalar.append(rest)
        if full:
            p = fission(p, p.forward(jt).after())
            p = reorder_loops(p, p.forward(jt))  # ji ki -> ki ji
            p = reorder_loops(p, p.forward(ii))  # ii ki -> ki ii: a 6 x 8 tile
        else:
            p = reorder_loops(p, p.forward(jt))  # ji ki -> ki ji: a 1 x 8 tile
    for loop in scalar:
        p = reorder_loops(p, p.forward(loop))  # ji ki -> ki ji
    return simplify(p)


def use_kernels(p):
    """Each tile nest becomes a call of its reference kernel, then of the AVX2 kernel
    scheduled from that reference (``call_eqv`` checks they are equivalent)."""
    plan = [
        (ukr_6x16, schedule_tile_kernel(ukr_6x16, "sgemm_kernel_6x16", 6, 16, KUNROLL)),
        (ukr_6x8, schedule_tile_kernel(ukr_6x8, "sgemm_kernel_6x8", 6, 8)),
        (ukr_1x16, schedule_row_kernel(ukr_1x16, "sgemm_kernel_1x16", 16)),
        (ukr_1x8, schedule_row_kernel(ukr_1x8, "sgemm_kernel_1x8", 8)),
    ]
    for ref, fast in plan:
        p = replace_all(p, ref)
        for call in p.find(f"{ref.name()}(_)", many=True):
            p = call_eqv(p, call, fast)
    return simplify(p)


def schedule_sgemm(p):
    p = split_k(p)
    p = tile_nest(p, p.find_loop("ko").body()[0], f"{KC} * ko", f"{KC} * ko + {KC}", "Bp")
    p = tile_nest(p, p.find(f"if K % {KC} > 0: _").body()[0], f"K / {KC} * {KC}", "K", "Bt", k_tail=True)
    return use_kernels(p)


def build():
    """The procs to compile to C."""
    return [schedule_sgemm(sgemm_avx2)]


if __name__ == "__main__":
    import exo

    c_code, _header = exo.compile_procs_to_strings(build(), "sgemm_avx2.h")
    print(c_code)
