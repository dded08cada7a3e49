"""Bounds, precondition, aliasing and race checks on @proc programs.

Each rejected program marks the line the error must point at with a ``# <- name`` comment.
"""

from __future__ import annotations

import os
import re

import pytest

from exo_core import config, instr, proc
from exo_core.analysis.parallel import check_parallel_loops
from exo_core.errors import BoundsCheckError, CodegenError, TypeCheckError

_LINES = open(__file__).read().splitlines()


def line_of(name: str) -> int:
    hits = [k for k, text in enumerate(_LINES, 1) if text.rstrip().endswith(f"# <- {name}")]
    assert len(hits) == 1, name
    return hits[0]


def where(err) -> tuple[str, int]:
    m = re.match(r"(.*?):(\d+):(\d+): ", str(err))
    assert m, str(err)
    return os.path.basename(m.group(1)), int(m.group(2))


def expect(info, name: str, *fragments: str) -> None:
    assert where(info.value) == (os.path.basename(__file__), line_of(name)), str(info.value)
    for f in fragments:
        assert f in str(info.value), str(info.value)


@config
class Cfg:
    k: index
    f: f32


@instr("{dst_data} = {src_data};")
def copy4(dst: [f32][4], src: [f32][4]):
    assert stride(src, 0) == 1
    assert stride(dst, 0) == 1
    for i in seq(0, 4):
        dst[i] = src[i]


@proc
def fill(m: size, y: [f32][m]):
    assert m <= 8
    for j in seq(0, m):
        y[j] = 1.0


@proc
def read_cfg(s: f32):
    s = Cfg.f


# ---------------------------------------------------------------------- accepted


def test_accepted_programs():
    @proc
    def kernel(n: size, A: f32[n, 16], x: f32[n]):
        assert n % 4 == 0
        for i in par(0, n / 4):
            fill(4, x[4 * i:4 * i + 4])
        for i in seq(0, n):
            row = A[i, :]
            fill(8, row[8:])
            t: f32[4]
            copy4(t, A[i, 0:4])
            copy4(row[4:8], t)
        Cfg.k = 3
        x[Cfg.k] = 2.0

    @proc
    def tiles(n: size, x: f32[n], y: f32[(n + 3) / 4]):
        for io in seq(0, n / 4):
            for ii in seq(0, 4):
                x[4 * io + ii] = 0.0
        for ii in seq(0, n % 4):
            x[n / 4 * 4 + ii] = 0.0
        for i in seq(0, n):
            y[i / 4] += x[i]
            if i < n - 1:
                x[i + 1] = x[i]
            else:
                x[i] = 0.0
        for i in seq(n, 0):
            x[i] = 1.0

    check_parallel_loops(kernel.INTERNAL_proc())


# ---------------------------------------------------------------------- accesses


def test_write_past_end():
    with pytest.raises(BoundsCheckError) as info:
        @proc
        def f(n: size, x: f32[n]):
            for i in seq(0, n):
                x[i + 1] = 0.0  # <- write_past_end
    expect(info, "write_past_end", "x[i + 1] may be out of bounds: index 0 can reach", "extent is")


def test_read_past_end():
    with pytest.raises(BoundsCheckError) as info:
        @proc
        def f(n: size, x: f32[n], y: f32[n]):
            for i in seq(0, n):
                y[i] = x[i + 2]  # <- read_past_end
    expect(info, "read_past_end", "x[i + 2] may be out of bounds")


def test_negative_index():
    with pytest.raises(BoundsCheckError) as info:
        @proc
        def f(n: size, x: f32[n]):
            for i in seq(0, n):
                x[i] = x[i - 1]  # <- negative_index
    expect(info, "negative_index", "can be -1")


def test_second_dimension():
    with pytest.raises(BoundsCheckError) as info:
        @proc
        def f(n: size, A: f32[n, 8]):
            for i in seq(0, n):
                for j in seq(0, 9):
                    A[i, j] = 0.0  # <- second_dimension
    expect(info, "second_dimension", "index 1 can reach 8, extent is 8")


def test_else_branch_uses_negated_condition():
    with pytest.raises(BoundsCheckError) as info:
        @proc
        def f(n: size, x: f32[n]):
            for i in seq(0, n):
                if i < n - 1:
                    x[i + 1] = 0.0
                else:
                    x[i + 1] = 1.0  # <- else_branch
    expect(info, "else_branch", "x[i + 1]")


def test_floor_division_rounding():
    with pytest.raises(BoundsCheckError) as info:
        @proc
        def f(n: size, x: f32[n], h: f32[n / 2]):
            for i in seq(0, n):
                h[i / 2] = x[i]  # <- div_rounding
    expect(info, "div_rounding", "h[i / 2]")


def test_config_value_is_tracked():
    with pytest.raises(BoundsCheckError) as info:
        @proc
        def f(x: f32[4]):
            Cfg.k = 4
            x[Cfg.k] = 0.0  # <- config_value
    expect(info, "config_value", "index 0 can reach 4, extent is 4")


def test_instr_body_is_checked():
    with pytest.raises(BoundsCheckError) as info:
        @instr("/* {dst_data} */")
        def bad4(dst: [f32][4], src: [f32][4]):
            for i in seq(0, 4):
                dst[i] = src[i + 1]  # <- instr_body
    expect(info, "instr_body", "src[i + 1]")


# ---------------------------------------------------------------------- preconditions, allocations


def test_unsatisfiable_precondition():
    with pytest.raises(BoundsCheckError) as info:
        @proc
        def f(n: size, x: f32[n]):
            assert n < 1  # <- unsat_pred
            x[0] = 0.0
    expect(info, "unsat_pred", "precondition n < 1 can never hold")


def test_contradicting_preconditions():
    with pytest.raises(BoundsCheckError) as info:
        @proc
        def f(n: size, x: f32[n]):
            assert n % 4 == 1
            assert n % 2 == 0  # <- contradicting
            x[0] = 0.0
    expect(info, "contradicting", "can never hold together with the preconditions before it")


def test_non_positive_allocation():
    with pytest.raises(BoundsCheckError) as info:
        @proc
        def f(n: size):
            t: f32[n - 4]  # noqa: F842  # <- alloc
            pass
    expect(info, "alloc", "may have a non-positive extent")


# ---------------------------------------------------------------------- windows


def test_window_past_end():
    with pytest.raises(BoundsCheckError) as info:
        @proc
        def f(n: size, x: f32[n]):
            for i in seq(0, n):
                w = x[i:i + 4]  # <- window_end
    expect(info, "window_end", "window x[i:i + 4] may be out of bounds: dimension 0 can end at")


def test_window_lo_above_hi():
    with pytest.raises(BoundsCheckError) as info:
        @proc
        def f(n: size, x: f32[n]):
            assert n >= 8
            w = x[4:2]  # <- window_inverted
    expect(info, "window_inverted", "may have lo > hi in dimension 0")


def test_access_outside_window():
    with pytest.raises(BoundsCheckError) as info:
        @proc
        def f(n: size, A: f32[n, 16]):
            w = A[0, 4:8]
            for j in seq(0, 5):
                w[j] = 0.0  # <- window_access
    expect(info, "window_access", "w[j] may be out of bounds", "extent is 4")


# ---------------------------------------------------------------------- calls


def test_callee_precondition():
    with pytest.raises(BoundsCheckError) as info:
        @proc
        def f(n: size, x: f32[n]):
            fill(n, x)  # <- callee_pred
    expect(info, "callee_pred", "precondition m <= 8 of fill may not hold at this call")


def test_callee_stride_precondition():
    with pytest.raises(BoundsCheckError) as info:
        @proc
        def f(n: size, A: f32[n, 16], x: f32[4]):
            assert n >= 4
            copy4(x, A[0:4, 3])  # <- stride_pred
    expect(info, "stride_pred", "precondition stride(src, 0) == 1 of copy4", "stride(src, 0) = 16")


def test_window_parameter_stride_is_unknown():
    with pytest.raises(BoundsCheckError) as info:
        @proc
        def f(W: [f32][4], x: f32[4]):
            copy4(x, W)  # <- opaque_stride
    expect(info, "opaque_stride", "stride(src, 0) == 1")

    @proc
    def ok(W: [f32][4], x: f32[4]):
        assert stride(W, 0) == 1
        copy4(x, W)


def test_argument_shape():
    with pytest.raises(BoundsCheckError) as info:
        @proc
        def f(n: size, x: f32[n]):
            assert n >= 8
            fill(4, x[0:5])  # <- shape
    expect(info, "shape", "has shape [5] but fill expects [4]")


def test_size_argument_positive():
    with pytest.raises(BoundsCheckError) as info:
        @proc
        def f(n: size, x: f32[n]):
            assert n <= 8
            fill(n - 1, x[1:n])  # <- size_arg
    expect(info, "size_arg", "for size parameter 'm' of fill may not be positive")


def test_aliased_arguments():
    with pytest.raises(TypeCheckError) as info:
        @proc
        def f(n: size, A: f32[n, 16]):
            row = A[0, :]
            copy4(row[0:4], A[1, 0:4])  # <- alias
    expect(info, "alias", "may not alias")


def test_config_field_alias():
    with pytest.raises(TypeCheckError) as info:
        @proc
        def f():
            read_cfg(Cfg.f)  # <- cfg_alias
    expect(info, "cfg_alias", "may not alias")


# ---------------------------------------------------------------------- races


def test_race_between_neighbours():
    @proc
    def f(n: size, x: f32[n]):
        for i in par(0, n - 1):  # <- race
            x[i] = x[i + 1]

    with pytest.raises(CodegenError) as info:
        check_parallel_loops(f.INTERNAL_proc())
    expect(info, "race", "parallel loop over i may race")


def test_race_in_nested_par_loop():
    @proc
    def f(n: size, A: f32[n, 16], s: f32):
        for i in seq(0, n):
            for j in par(0, 16):  # <- nested_race
                s += A[i, j]

    with pytest.raises(CodegenError) as info:
        check_parallel_loops(f.INTERNAL_proc())
    expect(info, "nested_race", "parallel loop over j may race", "s (reduce")


def test_race_through_call_windows():
    @proc
    def f(n: size, x: f32[n]):
        assert n >= 17
        for i in par(0, 4):  # <- call_race
            fill(5, x[4 * i:4 * i + 5])

    with pytest.raises(CodegenError) as info:
        check_parallel_loops(f.INTERNAL_proc())
    expect(info, "call_race", "passed to fill")
