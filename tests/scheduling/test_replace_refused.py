"""replace: refused replacements, each naming the instr and the failed condition in words
(wrong stride, wrong memory, violated precondition -- Exo #758 --, different code,
different loop extent, precision, aliasing, bounds...); replace_all skips such blocks, and
its failures cost no formatting."""

from __future__ import annotations

import pytest

from exo_core import DRAM, DRAM_STACK, config, instr, proc
from exo_core.errors import SchedulingError
from exo_core.scheduling import replace, replace_all

from .checks import body, refused
from .test_replace_util import (
    AVX2,
    agree,
    load_n,
    mm256_fmadd_ps,
    mm256_loadu_ps,
    mm256_prefix_load_ps,
    mm256_storeu_ps,
)

# --------------------------------------------------------------------------- call-site checks


@proc
def column(n: size, A: f32[8, n], y: f32[8]):
    r: f32[8] @ AVX2
    for i in seq(0, 8):
        r[i] = A[i, n - 1]


def test_wrong_stride():
    refused(replace, column, column.find_loop("i"), mm256_loadu_ps,
            words=[r"mm256_loadu_ps requires stride\(src, 0\) == 1, but the window A\[0:8, n - 1\] passed as "
                   r"src has stride n"])


@proc
def in_dram(A: f32[8]):
    r: f32[8]
    for i in seq(0, 8):
        r[i] = A[i]


def test_wrong_memory():
    refused(replace, in_dram, in_dram.find_loop("i"), mm256_loadu_ps,
            words=["mm256_loadu_ps expects 'dst' in memory AVX2, but r is in memory DRAM"])
    assert str(replace_all(in_dram, [mm256_loadu_ps])) == str(in_dram)
    # Exo's intermediate states may break memories (the backend still refuses the C)
    p = replace_all(in_dram, [mm256_loadu_ps], mem_aware=False)
    assert body(p).splitlines()[-1] == "mm256_loadu_ps(r[0:8], A[0:8])"


class AVX2Sub(AVX2):
    """A register memory derived from AVX2: accepted where AVX2 is declared."""


@proc
def sub_memories(A: f32[8]):
    t: f32[8] @ DRAM_STACK
    r: f32[8] @ AVX2Sub
    for i in seq(0, 8):
        t[i] = A[i]
    for i in seq(0, 8):
        r[i] = t[i]


def test_memory_subclasses_are_accepted():
    p = replace(sub_memories, sub_memories.find_loop("i #1"), mm256_loadu_ps)
    assert body(p).splitlines()[-1] == "mm256_loadu_ps(r[0:8], t[0:8])"
    refused(replace, sub_memories, sub_memories.find_loop("i"), mm256_storeu_ps,
            words=["mm256_storeu_ps expects 'src' in memory AVX2, but A is in memory DRAM"])


@proc
def four_lanes(A: f32[8]):
    r: f32[8] @ AVX2
    for i in seq(0, 4):
        r[i] = A[i]


def test_violated_precondition_exo_758():
    refused(replace, four_lanes, four_lanes.find_loop("i"), load_n,
            words=["load_n requires n == 8, but n is 4"])


@proc
def zero_trip(n: size, x: f32[n], y: f32[n]):
    for i in seq(0, n - 3):
        y[i] = x[i + 3]


@proc
def copy_n(n: size, src: [f32][n], dst: [f32][n]):
    for i in seq(0, n):
        dst[i] = src[i]


def test_size_argument_must_be_positive():
    refused(replace, zero_trip, zero_trip.find_loop("i"), copy_n,
            words=["copy_n would get n - 3 for its size argument 'n', which may not be positive",
                   r"when n = [123]\b"])


@proc
def masked_copy(b: bool, src: [f32][8], dst: [f32][8]):
    for i in seq(0, 8):
        if b:
            dst[i] = src[i]


@proc
def guarded(k: index, flag: bool, x: f32[16], y: f32[8]):
    assert k >= 0
    for i in seq(0, 8):
        if k < 2:
            y[i] = x[8 * k + i]
    for i in seq(0, 8):
        if flag:
            y[i] = x[i + 8]


def test_window_out_of_bounds_and_bool_arguments():
    refused(replace, guarded, guarded.find_loop("i"), masked_copy,
            words=[r"the window x\[8 \* k:8 \* k \+ 8\] passed as 'src' to masked_copy may be out of the bounds "
                   r"of x in dimension 0", "when k = "])
    p = replace(guarded, guarded.find_loop("i #1"), masked_copy)
    assert "masked_copy(flag, x[8:16], y[0:8])" in body(p)
    agree(guarded, p)


@proc
def in_f64(A: f64[8]):
    r: f32[8] @ AVX2
    for i in seq(0, 8):
        r[i] = A[i]


def test_precision():
    refused(replace, in_f64, in_f64.find_loop("i"), mm256_loadu_ps,
            words=["mm256_loadu_ps expects 'src' of precision f32, but A has precision f64"])


@proc
def square_acc(A: f32[8]):
    r: f32[8] @ AVX2
    s: f32[8] @ AVX2
    for i in seq(0, 8):
        r[i] += r[i] * s[i]


def test_aliasing():
    refused(replace, square_acc, square_acc.find_loop("i"), mm256_fmadd_ps,
            words=["r would be passed to both 'dst' and 'src1' of mm256_fmadd_ps: arguments may not alias"])


@proc
def with_temp(t: [f32][1], x: [f32][8]):
    for i in seq(0, 8):
        x[i] = t[0]


@proc
def uses_alloc_later(x: f32[8], y: f32[8]):
    t: f32[1]
    for i in seq(0, 8):
        x[i] = t[0]
    y[0] = t[0]


@proc
def alloc_body(x: [f32][8]):
    t: f32[1]
    for i in seq(0, 8):
        x[i] = t[0]


def test_removed_allocation_used_later():
    refused(replace, uses_alloc_later, uses_alloc_later.body()[0].expand(0, 1), alloc_body,
            words=["t is allocated in the replaced statements but used after them"])


# --------------------------------------------------------------------------- configs


@config
class VecCfg:
    lanes: size
    on: bool


@instr("{dst_data} = _mm256_loadu_ps(&{src_data});")
def cfg_load(dst: [f32][8] @ AVX2, src: [f32][8] @ DRAM):
    assert VecCfg.lanes == 8
    for i in seq(0, 8):
        dst[i] = src[i]


@proc
def cfg_set(A: f32[8]):
    VecCfg.lanes = 8
    r: f32[8] @ AVX2
    for i in seq(0, 8):
        r[i] = A[i]


@proc
def cfg_changed(A: f32[8]):
    assert VecCfg.lanes == 8
    VecCfg.lanes = 4
    r: f32[8] @ AVX2
    for i in seq(0, 8):
        r[i] = A[i]


def test_config_precondition_at_the_call():
    p = replace(cfg_set, cfg_set.find_loop("i"), cfg_load)
    assert body(p).splitlines()[-1] == "cfg_load(r[0:8], A[0:8])"
    refused(replace, cfg_changed, cfg_changed.find_loop("i"), cfg_load,
            words=["cfg_load requires VecCfg.lanes == 8, which may not hold here", "VecCfg.lanes = 4"])


@proc
def set_then_copy(b: bool, src: [f32][8], dst: [f32][8]):
    VecCfg.on = True
    for i in seq(0, 8):
        if b:
            dst[i] = src[i]


@proc
def cfg_guarded(n: size, x: f32[8], y: f32[8]):
    VecCfg.lanes = 4
    for i in seq(0, VecCfg.lanes):
        y[i] = x[i]
    VecCfg.on = True
    for i in seq(0, 8):
        if VecCfg.on:
            y[i] = x[i]


def test_config_arguments():
    """A size argument read from a config field set before the block is proven; a bool
    argument reading a field the block itself writes would be read too early: refused."""
    p = replace(cfg_guarded, cfg_guarded.find_loop("i"), copy_n)
    assert "copy_n(VecCfg.lanes, x[0:VecCfg.lanes], y[0:VecCfg.lanes])" in body(p)
    agree(cfg_guarded, p)
    refused(replace, cfg_guarded, cfg_guarded.body()[2].expand(0, 1), set_then_copy,
            words=["an argument of set_then_copy reads a configuration field the replaced statements write"])


# --------------------------------------------------------------------------- unification


@proc
def doubled(A: f32[8]):
    r: f32[8] @ AVX2
    for i in seq(0, 8):
        r[i] = A[i] * 2.0


@proc
def add_not_mul(A: f32[8]):
    r: f32[8] @ AVX2
    s: f32[8] @ AVX2
    t: f32[8] @ AVX2
    for i in seq(0, 8):
        r[i] += s[i] + t[i]


def test_body_does_not_match():
    refused(replace, doubled, doubled.find_loop("i"), mm256_loadu_ps,
            words=["mm256_loadu_ps has 'src\\[i\\]' in 'dst\\[i\\] = src\\[i\\]' where 'r\\[i\\] = A\\[i\\] \\* 2.0'"])
    refused(replace, add_not_mul, add_not_mul.find_loop("i"), mm256_fmadd_ps,
            words=[r"\(operator \* vs \+\)"])


@proc
def n_lanes(n: size, A: f32[n]):
    assert n <= 8
    r: f32[8] @ AVX2
    for i in seq(0, n):
        r[i] = A[i]


@proc
def seq_and_shift(A: f32[16]):
    r: f32[8] @ AVX2
    for i in seq(8, 16):
        r[i - 8] = A[i]


def test_loop_extent_must_be_equal():
    refused(replace, four_lanes, four_lanes.find_loop("i"), mm256_loadu_ps,
            words=["the loop 'for i in seq\\(0, 8\\):' of mm256_loadu_ps ends at 8 but 'for i in seq\\(0, 4\\):' "
                   ".* ends at 4"])
    refused(replace, n_lanes, n_lanes.find_loop("i"), mm256_loadu_ps, words=["ends at n"])
    refused(replace, seq_and_shift, seq_and_shift.find_loop("i"), mm256_loadu_ps, words=["starts at 8"])


@proc
def par_loop(A: f32[8]):
    r: f32[8] @ AVX2
    for i in par(0, 8):
        r[i] = A[i]


def test_loop_mode():
    refused(replace, par_loop, par_loop.find_loop("i"), mm256_loadu_ps,
            words=["mm256_loadu_ps has a seq loop .* where the code has the par loop"])


@proc
def one_loop(A: f32[8], B: f32[8]):
    for i in seq(0, 8):
        A[i] = B[i]


@proc
def two_statements(x: [f32][8], y: [f32][8]):
    for i in seq(0, 8):
        x[i] = y[i]
    for i in seq(0, 8):
        x[i] += y[i]


@proc
def unused_size(n: size, x: [f32][8], y: [f32][8]):
    for i in seq(0, 8):
        x[i] = y[i]


def test_block_too_short_and_undetermined_argument():
    refused(replace, one_loop, one_loop.find_loop("i"), two_statements,
            words=["the block has 1 statement\\(s\\) .* but the body of two_statements has 2"])
    refused(replace, one_loop, one_loop.find_loop("i"), unused_size,
            words=["the argument 'n' of unused_size is not determined by the code"])


@proc
def diagonal(A: f32[8, 8]):
    r: f32[8] @ AVX2
    for i in seq(0, 8):
        r[i] = A[i, i]


def test_access_varying_in_too_many_dimensions():
    refused(replace, diagonal, diagonal.find_loop("i"), mm256_loadu_ps,
            words=["'src' of mm256_loadu_ps has 1 dimension\\(s\\), but 'A\\[i, i\\]' varies"])


@proc
def tail_needs_guard(n: size, x: f32[n]):
    for io in seq(0, (n + 7) / 8):
        w: f32[8] @ AVX2
        for i in seq(0, 8):
            if i + 8 * io < n:
                w[i] = x[8 * io + i]


def test_prefix_bound_precondition():
    """The bound n - 8 * io can exceed 8 for the early iterations: refused."""
    refused(replace, tail_needs_guard, tail_needs_guard.find_loop("i"), mm256_prefix_load_ps,
            words=["mm256_prefix_load_ps requires bound <= 8, but bound is n - 8 \\* io"])


def test_quiet_false_shows_both_codes():
    msg = refused(replace, doubled, doubled.find_loop("i"), mm256_loadu_ps, quiet=False)
    assert "def mm256_loadu_ps(" in msg and "r[i] = A[i] * 2.0" in msg
    msg = refused(replace, doubled, doubled.find_loop("i"), mm256_loadu_ps, quiet=True)
    assert "def mm256_loadu_ps(" not in msg


def test_bad_arguments():
    refused(replace, doubled, doubled.find_loop("i"), "mm256_loadu_ps", words=["expected a procedure"])
    refused(replace_all, doubled, [mm256_loadu_ps, 3], words=["expected a procedure"])


# --------------------------------------------------------------------------- cheap failures


@proc
def many_loops(A: f32[64], B: f32[64]):
    for k in seq(0, 8):
        for i in seq(0, 8):
            A[8 * k + i] = B[8 * k + i] * 2.0
        for i in seq(0, 8):
            A[8 * k + i] += B[8 * k + i] + 1.0
        for i in seq(0, 4):
            A[8 * k + i] = B[8 * k + i]


def test_replace_all_failures_format_nothing(monkeypatch):
    """Failures are control flow for replace_all: no code is printed for them."""
    import exo_core.ir.printer as printer
    import exo_core.rewrite.describe as describe
    import exo_core.rewrite.unify as unify
    import exo_core.rewrite.unify_call as unify_call

    def boom(*_a, **_k):
        raise AssertionError("formatted code on a failure path")

    for mod, names in ((printer, ("expr_to_str", "stmt_to_str", "proc_to_str")), (describe, ("where", "stmt_head")),
                       (unify, ("expr_to_str", "where", "stmt_head")), (unify_call, ("expr_to_str",))):
        for n in names:
            monkeypatch.setattr(mod, n, boom)
    p = replace_all(many_loops, [mm256_loadu_ps, mm256_storeu_ps, mm256_fmadd_ps])
    assert p._ir.body == many_loops._ir.body


def test_unreplaced_statements_are_left_alone():
    p = replace_all(column, [mm256_loadu_ps])
    assert str(p) == str(column)
    with pytest.raises(SchedulingError, match="stride"):
        replace(p, p.find_loop("i"), mm256_loadu_ps)
