"""Bad programs: each must fail with its documented error class, at the offending line."""

from __future__ import annotations

from exo_core import DRAM, DRAM_STATIC, Memory, config, proc
from exo_core.errors import BoundsCheckError, MemGenError, ParseError, PrecisionError, TypeCheckError
from exo_core.extern import relu

from .helpers import expect_error

F = __file__
PARSE_OR_TYPE = (ParseError, TypeCheckError)


# ----------------------------------------------------------------- syntax the language lacks


def test_not_equal():
    with expect_error(ParseError, "ne", F):
        @proc
        def f(n: size, x: f32[n]):
            for i in seq(0, n):
                if i != 2:  # E:ne
                    x[i] = 0.0


def test_not():
    with expect_error(ParseError, "not", F):
        @proc
        def f(n: size, x: f32[n]):
            for i in seq(0, n):
                if not i < 2:  # E:not
                    x[i] = 0.0


def test_power():
    with expect_error(ParseError, "pow", F):
        @proc
        def f(n: size, x: f32[n]):
            for i in seq(0, n):
                x[i] = x[i] ** 2.0  # E:pow


def test_floordiv():
    with expect_error(ParseError, "floordiv", F):
        @proc
        def f(n: size, x: f32[n]):
            for i in seq(0, n):
                x[i // 2] = 0.0  # E:floordiv


def test_while():
    with expect_error(ParseError, "while", F):
        @proc
        def f(n: size, x: f32[n]):
            while n > 0:  # E:while
                pass


def test_return():
    with expect_error(ParseError, "return", F):
        @proc
        def f(n: size, x: f32[n]):
            return  # E:return


def test_default_argument():
    with expect_error(ParseError, "default", F):
        @proc
        def f(n: size, x: f32 = 1.0):  # E:default
            pass


def test_star_args():
    with expect_error(ParseError, "star", F):
        @proc
        def f(n: size, *xs: f32):  # E:star
            pass


def test_missing_annotation():
    with expect_error(ParseError, "noann", F):
        @proc
        def f(n: size, x):  # E:noann
            pass


def test_assert_in_body():
    with expect_error(ParseError, "midassert", F):
        @proc
        def f(n: size, x: f32[n]):
            x[0] = 1.0
            assert n > 2  # E:midassert


def test_minus_equals():
    with expect_error(ParseError, "minuseq", F):
        @proc
        def f(n: size, x: f32[n]):
            for i in seq(0, n):
                x[i] -= 1.0  # E:minuseq


def test_for_else():
    with expect_error(ParseError, "forelse", F):
        @proc
        def f(n: size, x: f32[n]):
            for i in seq(0, n):  # E:forelse
                x[i] = 0.0
            else:
                pass


def test_unknown_name():
    with expect_error(ParseError, "unknown", F, contains="y"):
        @proc
        def f(n: size, x: f32[n]):
            for i in seq(0, n):
                x[i] = y[i]  # E:unknown


def test_unknown_type():
    with expect_error(ParseError, "badtype", F):
        @proc
        def f(n: size, x: f33[n]):  # E:badtype
            pass


def test_range_loop():
    with expect_error(ParseError, "range", F):
        @proc
        def f(n: size, x: f32[n]):
            for i in range(n):  # E:range
                x[i] = 0.0


def test_ternary():
    with expect_error(ParseError, "ternary", F):
        @proc
        def f(n: size, x: f32[n]):
            for i in seq(0, n):
                x[i] = 1.0 if i < 2 else 0.0  # E:ternary


def test_bitwise():
    with expect_error(ParseError, "bitand", F):
        @proc
        def f(n: size, x: f32[n]):
            for i in seq(0, n):
                x[i & 1] = 0.0  # E:bitand


def test_undefined_callee():
    with expect_error(ParseError, "nocallee", F):
        @proc
        def f(n: size, x: f32[n]):
            nowhere(n, x)  # E:nocallee


def test_assert_message():
    with expect_error(ParseError, "assertmsg", F):
        @proc
        def f(n: size, x: f32[n]):
            assert n > 2, "too small"  # E:assertmsg
            pass


def test_return_in_python_block():
    with expect_error(ParseError, "pyreturn", F):
        @proc
        def f(n: size, x: f32[n]):
            with python:
                return  # E:pyreturn


def test_control_local():
    with expect_error(ParseError, "ctrllocal", F):
        @proc
        def f(n: size, x: f32[n]):
            k: size  # E:ctrllocal
            pass


# ----------------------------------------------------------------- type errors


def test_data_as_index():
    with expect_error(TypeCheckError, "dataidx", F):
        @proc
        def f(n: size, x: f32[n], y: f32[n]):
            for i in seq(0, n):
                x[y[i]] = 0.0  # E:dataidx


def test_nonaffine_product():
    with expect_error(TypeCheckError, "ixj", F):
        @proc
        def f(n: size, x: f32[n, n]):
            for i in seq(0, n):
                for j in seq(0, n):
                    x[i * j, 0] = 0.0  # E:ixj


def test_divide_by_variable():
    with expect_error(TypeCheckError, "divvar", F):
        @proc
        def f(n: size, x: f32[n]):
            for i in seq(0, n):
                x[i / n] = 0.0  # E:divvar


def test_modulo_by_zero():
    with expect_error(TypeCheckError, "modzero", F):
        @proc
        def f(n: size, x: f32[n]):
            for i in seq(0, n):
                x[i % 0] = 0.0  # E:modzero


def test_data_condition():
    with expect_error(TypeCheckError, "datacond", F):
        @proc
        def f(n: size, x: f32[n]):
            for i in seq(0, n):
                if x[i] < 1.0:  # E:datacond
                    x[i] = 0.0


def test_assign_size_arg():
    with expect_error(PARSE_OR_TYPE, "assignsize", F):
        @proc
        def f(n: size, x: f32[n]):
            n = 3  # E:assignsize


def test_too_few_indices_on_write():
    with expect_error(TypeCheckError, "fewidx", F):
        @proc
        def f(n: size, x: f32[n, n]):
            for i in seq(0, n):
                x[i] = 1.0  # E:fewidx


def test_too_many_indices():
    with expect_error(TypeCheckError, "manyidx", F):
        @proc
        def f(n: size, x: f32[n]):
            for i in seq(0, n):
                x[i, 0] = 1.0  # E:manyidx


def test_real_modulo():
    with expect_error(TypeCheckError, "realmod", F):
        @proc
        def f(n: size, x: f32[n]):
            for i in seq(0, n):
                x[i] = x[i] % 2.0  # E:realmod


@proc
def callee_vec(n: size, x: f32[n]):
    for i in seq(0, n):
        x[i] = 0.0


@proc
def callee_win(n: size, x: [f32][n]):
    for i in seq(0, n):
        x[i] = 0.0


@proc
def callee_two(n: size, x: [f32][n], y: [f32][n]):
    for i in seq(0, n):
        x[i] = y[i]


@proc
def callee_small(n: size, x: [f32][n]):
    assert n <= 8
    for i in seq(0, n):
        x[i] = 0.0


@proc
def callee_unit(n: size, x: [f32][n]):
    assert stride(x, 0) == 1
    for i in seq(0, n):
        x[i] = 0.0


@proc
def callee_f64(n: size, x: f64[n]):
    for i in seq(0, n):
        x[i] = 0.0


@proc
def callee_scalar(x: f32):
    x = 1.0


def test_call_arity():
    with expect_error(TypeCheckError, "arity", F):
        @proc
        def f(n: size, x: f32[n]):
            callee_vec(n)  # E:arity


def test_call_data_for_size():
    with expect_error(TypeCheckError, "datasize", F):
        @proc
        def f(n: size, x: f32[n], y: f32[n]):
            callee_vec(y[0], x)  # E:datasize


def test_window_for_dense():
    with expect_error(TypeCheckError, "winfordense", F):
        @proc
        def f(n: size, x: f32[n, n]):
            callee_vec(n, x[0, :])  # E:winfordense


def test_aliasing_arguments():
    with expect_error((TypeCheckError, BoundsCheckError), "alias", F):
        @proc
        def f(n: size, x: f32[n]):
            callee_two(n, x, x)  # E:alias


def test_stride_dim_out_of_range():
    with expect_error(TypeCheckError, "stridedim", F):
        @proc
        def f(n: size, x: [f32][n]):
            assert stride(x, 1) == 1  # E:stridedim
            pass


@config
class Cfg:
    scale: f32
    count: index


def test_unknown_config_field():
    with expect_error(PARSE_OR_TYPE, "cfgfield", F):
        @proc
        def f(n: size, x: f32[n]):
            Cfg.nope = 1.0  # E:cfgfield


def test_config_field_kind():
    with expect_error(TypeCheckError, "cfgkind", F):
        @proc
        def f(n: size, x: f32[n]):
            Cfg.count = x[0]  # E:cfgkind


def test_extern_arity():
    with expect_error(TypeCheckError, "externarity", F):
        @proc
        def f(n: size, x: f32[n]):
            for i in seq(0, n):
                x[i] = relu(x[i], x[i])  # E:externarity


def test_scalar_arg_not_a_name():
    with expect_error(TypeCheckError, "scalararg", F):
        @proc
        def f(n: size, x: f32[n]):
            callee_scalar(x[0])  # E:scalararg


def test_mixed_precision():
    with expect_error(PrecisionError, "mixprec", F):
        @proc
        def f(n: size, x: f32[n], y: f64[n]):
            for i in seq(0, n):
                x[i] = x[i] + y[i]  # E:mixprec


def test_call_precision():
    with expect_error(PrecisionError, "callprec", F):
        @proc
        def f(n: size, x: f32[n]):
            callee_f64(n, x)  # E:callprec


def test_bad_memory_object():
    with expect_error(PARSE_OR_TYPE, "badmem", F):
        @proc
        def f(n: size, x: f32[n] @ 5):  # E:badmem
            pass


def test_undefined_memory():
    with expect_error(ParseError, "nomem", F):
        @proc
        def f(n: size, x: f32[n] @ NOWHERE):  # E:nomem
            pass


# ----------------------------------------------------------------- bounds and preconditions


def test_read_past_end():
    with expect_error(BoundsCheckError, "pastend", F):
        @proc
        def f(n: size, x: f32[n], y: f32[n]):
            for i in seq(0, n):
                y[i] = x[i + 1]  # E:pastend


def test_write_before_start():
    with expect_error(BoundsCheckError, "beforestart", F):
        @proc
        def f(n: size, x: f32[n]):
            for i in seq(0, n):
                x[i - 1] = 0.0  # E:beforestart


def test_window_too_large():
    with expect_error(BoundsCheckError, "bigwin", F):
        @proc
        def f(n: size, x: f32[n]):
            callee_win(n + 1, x[0:n + 1])  # E:bigwin


def test_callee_precondition_violated():
    with expect_error(BoundsCheckError, "callpre", F):
        @proc
        def f(x: f32[16]):
            callee_small(16, x[0:16])  # E:callpre


def test_callee_stride_precondition_violated():
    with expect_error(BoundsCheckError, "callstride", F):
        @proc
        def f(n: size, x: f32[n, n]):
            callee_unit(n, x[:, 0])  # E:callstride


def test_unsatisfiable_precondition():
    with expect_error(BoundsCheckError, "unsat", F):
        @proc
        def f(n: size, x: f32[n]):
            assert n < 0  # E:unsat
            pass


def test_call_shape_mismatch():
    with expect_error(BoundsCheckError, "shape", F):
        @proc
        def f(n: size, x: f32[n + 1]):
            callee_vec(n, x)  # E:shape


def test_zero_extent_allocation():
    with expect_error(BoundsCheckError, "zeroalloc", F):
        @proc
        def f(n: size, x: f32[n]):
            t: f32[n - n] @ DRAM  # E:zeroalloc
            pass


def test_conditional_out_of_bounds():
    with expect_error(BoundsCheckError, "condoob", F):
        @proc
        def f(n: size, x: f32[8]):
            for i in seq(0, n):
                if i < 9:
                    x[i] = 0.0  # E:condoob


# ----------------------------------------------------------------- memories at code generation


class NoRead(Memory):
    @classmethod
    def alloc(cls, new_name, prim_type, shape, srcinfo):
        return f"{prim_type} {new_name}[16];"

    @classmethod
    def can_read(cls):
        return False


def test_static_memory_needs_constant_extents():
    @proc
    def f(n: size, x: f32[n]):
        t: f32[n] @ DRAM_STATIC  # E:staticvar
        for i in seq(0, n):
            t[i] = x[i]
        for i in seq(0, n):
            x[i] = t[i]

    with expect_error(MemGenError, "staticvar", F):
        f.c_code_str()


def test_unreadable_memory_read_in_c():
    @proc
    def f(x: f32[16] @ DRAM, y: f32[16] @ NoRead):
        for i in seq(0, 16):
            x[i] = y[i]  # E:noread

    with expect_error(MemGenError, "noread", F):
        f.c_code_str()


def test_dram_is_used():
    # keeps the DRAM import meaningful for readers: default memory of a tensor is DRAM
    @proc
    def f(n: size, x: f32[n] @ DRAM):
        pass

    assert f._ir.args[1].mem is DRAM
