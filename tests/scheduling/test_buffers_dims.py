"""resize_dim (and fold), expand_dim, rearrange_dim, divide_dim, mult_dim, unroll_buffer:
accepted rewrites agree with the original (interpreter and compiled C); rewrites that
would go out of bounds, or (fold) overwrite a value still to be read, are refused."""

from __future__ import annotations

from exo_core import proc
from exo_core.scheduling import (
    divide_dim,
    expand_dim,
    mult_dim,
    rearrange_dim,
    resize_dim,
    unroll_buffer,
)

from .checks import body, lines, refused, same_results


@proc
def shifted(n: size, x: f32[n, 8], y: f32[n, 8]):
    for i in seq(0, n):
        t: f32[12]
        for j in seq(0, 8):
            t[j + 2] = x[i, j]
        for j in seq(0, 8):
            y[i, j] = t[j + 2] * 2.0


@proc
def sliding(n: size, x: f32[n + 2], y: f32[n]):
    t: f32[n + 2]
    t[0] = x[0]
    t[1] = x[1]
    for i in seq(0, n):
        t[i + 2] = x[i + 2]
        y[i] = t[i] + t[i + 1] + t[i + 2]


@proc
def sliding_inner(n: size, x: f32[n + 2], y: f32[n]):
    t: f32[n + 2]
    for i in seq(0, n):
        for k in seq(0, 3):
            t[i + k] = x[i + k]
        y[i] = t[i] + t[i + 1] + t[i + 2]


@proc
def reads_old(n: size, x: f32[n], y: f32[n]):
    assert n >= 4
    t: f32[n]
    for i in seq(0, n):
        t[i] = x[i]
    for i in seq(0, n):
        y[i] = t[i] + t[0]


@proc
def few(x: f32[4], y: f32[4]):
    t: f32[4]
    t[0] = x[0]
    t[1] = x[1]
    t[2] = x[2] + x[3]
    y[0] = t[0] + t[1]
    y[1] = t[2]


@proc
def mat(n: size, x: f32[n, 8], y: f32[n, 8]):
    t: f32[n, 8]
    for i in seq(0, n):
        for j in seq(0, 8):
            t[i, j] = x[i, j] + 1.0
    for i in seq(0, n):
        for j in seq(0, 8):
            y[i, j] = t[i, j] * 2.0


@proc
def scalar_tmp(n: size, x: f32[n], y: f32[n]):
    for i in seq(0, n):
        t: f32
        t = x[i] * 2.0
        y[i] = t + 1.0


@proc
def scale(n: size, src: [f32][n], dst: [f32][n]):
    for i in seq(0, n):
        dst[i] = src[i] * 3.0


@proc
def rows(n: size, x: f32[n, 4], y: f32[n, 4]):
    t: f32[n, 4]
    for i in seq(0, n):
        for j in seq(0, 4):
            t[i, j] = x[i, j] * 2.0
    for i in seq(0, n):
        scale(4, t[i, 0:4], y[i, 0:4])


@proc
def col_window(n: size, x: f32[n, 4], y: f32[n, 4]):
    t: f32[n, 4]
    for i in seq(0, n):
        for j in seq(0, 4):
            t[i, j] = x[i, j] * 2.0
    scale(n, t[0:n, 1], y[0:n, 0])


@proc
def sum_dense(n: size, src: f32[n], dst: f32[n]):
    for i in seq(0, n):
        dst[i] += src[i]


@proc
def whole_dense(n: size, x: f32[n]):
    t: f32[n]
    for i in seq(0, n):
        t[i] = x[i]
    sum_dense(n, t, x)


@proc
def strided(n: size, x: f32[n, 8], y: f32[n, 8]):
    t: f32[n, 8]
    for i in seq(0, n):
        for j in seq(0, 8):
            t[i, j] = x[i, j]
    for i in seq(0, n):
        for j in seq(0, 8):
            if stride(t, 0) == 8:
                y[i, j] = t[i, j]


@proc
def window_stride(n: size, x: f32[n, 8], y: f32[n, 8]):
    t: f32[n, 8]
    for i in seq(0, n):
        for j in seq(0, 8):
            t[i, j] = x[i, j]
    tc = t[0:n, 2]
    for i in seq(0, n):
        if stride(tc, 0) == 8:
            y[i, 0] = tc[i]


# --------------------------------------------------------------------------- resize_dim


def test_resize_with_offset():
    p = resize_dim(shifted, "t", 0, 8, 2)
    assert body(p) == lines("""
        for i in seq(0, n):
            t: f32[8] @ DRAM
            for j in seq(0, 8):
                t[j + 2 - 2] = x[i, j]
            for j in seq(0, 8):
                y[i, j] = t[j + 2 - 2] * 2.0
    """)
    same_results(shifted, p)


def test_resize_with_expression_size():
    p = resize_dim(mat, "t", 0, "n", 0)
    same_results(mat, p)


def test_resize_window_dimension():
    p = resize_dim(rows, "t", 1, 6, -1)
    assert "scale(4, t[i, 1:5], y[i, 0:4])" in body(p)
    same_results(rows, p)


def test_refuse_resize_out_of_bounds():
    refused(resize_dim, shifted, "t", 0, 8, 3, words=["t\\[j \\+ 2 - 3\\]", "out of bounds", "-1"])
    refused(resize_dim, shifted, "t", 0, 7, 2, words="out of bounds")


def test_refuse_resize_non_positive():
    refused(resize_dim, shifted, "t", 0, 0, 2, words="non-positive extent")


def test_refuse_resize_whole_dense_argument():
    refused(resize_dim, whole_dense, "t", 0, "n", 0, words=["passed whole to sum_dense", "dense"])


def test_refuse_resize_stride_before_dim():
    refused(resize_dim, strided, "t", 1, 8, 0, words=["stride", "would change"])


def test_refuse_resize_stride_of_a_window():
    refused(resize_dim, window_stride, "t", 1, 4, 0, words=["stride of tc", "would change"])
    p = divide_dim(window_stride, "t", 1, 4)  # strides keep their values
    same_results(window_stride, p)


def test_refuse_resize_bad_dim():
    refused(resize_dim, shifted, "t", 1, 8, 2, words="no dimension 1")


# --------------------------------------------------------------------------- fold


def test_fold_sliding_window_with_prologue():
    p = resize_dim(sliding, "t", 0, 3, 0, fold=True)
    assert body(p) == lines("""
        t: f32[3] @ DRAM
        t[0] = x[0]
        t[1] = x[1]
        for i in seq(0, n):
            t[(i + 2) % 3] = x[i + 2]
            y[i] = t[i % 3] + t[(i + 1) % 3] + t[(i + 2) % 3]
    """)
    same_results(sliding, p)


def test_fold_sliding_window_inner_loop():
    p = resize_dim(sliding_inner, "t", 0, 3, 0, fold=True)
    same_results(sliding_inner, p)


def test_fold_when_locations_fit():
    p = resize_dim(few, "t", 0, 3, 0, fold=True)
    same_results(few, p)


def test_refuse_fold_too_small_window():
    refused(resize_dim, sliding, "t", 0, 2, 0, fold=True,
            words=["cannot fold t to size 2", "2 or more apart", "overwrite a value still to be read"])
    refused(resize_dim, few, "t", 0, 2, 0, fold=True, words="cannot fold t to size 2")


def test_refuse_fold_reading_an_old_value():
    # t[0] is read long after the locations congruent to it were overwritten
    refused(resize_dim, reads_old, "t", 0, 3, 0, fold=True,
            words=["cannot fold", "t\\[0\\] in dimension 0 does not advance by 1 with i"])


def test_refuse_fold_non_literal():
    refused(resize_dim, sliding, "t", 0, "n", 0, fold=True, words="integer literal")


# --------------------------------------------------------------------------- expand_dim


def test_expand_dim():
    p = expand_dim(shifted, "t", "n", "i")
    assert body(p).splitlines()[1:4] == ["    t: f32[n, 12] @ DRAM", "    for j in seq(0, 8):",
                                         "        t[i, j + 2] = x[i, j]"]
    same_results(shifted, p)


def test_expand_scalar():
    p = expand_dim(scalar_tmp, "t", 4, "i % 4")
    assert "t: f32[4] @ DRAM" in body(p)
    assert "t[i % 4] = x[i] * 2.0" in body(p)
    same_results(scalar_tmp, p)


def test_expand_window_gets_a_point():
    p = expand_dim(rows, "t", 2, 1)
    assert "scale(4, t[1, i, 0:4], y[i, 0:4])" in body(p)
    same_results(rows, p)


def test_refuse_expand_out_of_bounds():
    refused(expand_dim, shifted, "t", "n", "i + 1", words=["t\\[i \\+ 1, j \\+ 2\\]", "out of bounds"])


def test_refuse_expand_non_positive():
    refused(expand_dim, shifted, "t", 0, 0, words="non-positive")


# --------------------------------------------------------------------------- rearrange_dim


def test_rearrange():
    p = rearrange_dim(mat, "t", [1, 0])
    assert body(p).splitlines()[0] == "t: f32[8, n] @ DRAM"
    assert "t[j, i] = x[i, j] + 1.0" in body(p)
    same_results(mat, p)


def test_refuse_rearrange_not_permutation():
    refused(rearrange_dim, mat, "t", [0, 0], words="not a permutation")


def test_refuse_rearrange_whole_and_stride():
    refused(rearrange_dim, whole_dense, "t", [0], words="passed whole")
    refused(rearrange_dim, strided, "t", [1, 0], words="stride")


def test_rearrange_window_keeps_order():
    p = rearrange_dim(rows, "t", [1, 0])
    assert "scale(4, t[0:4, i], y[i, 0:4])" in body(p)
    same_results(rows, p)


# --------------------------------------------------------------------------- divide_dim


def test_divide_dim():
    p = divide_dim(mat, "t", 1, 4)
    assert body(p).splitlines()[0] == "t: f32[n, 2, 4] @ DRAM"
    assert "t[i, j / 4, j % 4] = x[i, j] + 1.0" in body(p)
    same_results(mat, p)


def test_refuse_divide_not_multiple():
    refused(divide_dim, mat, "t", 1, 3, words="not a multiple of 3")
    refused(divide_dim, mat, "t", 0, 2, words="not provably a multiple of 2")


def test_refuse_divide_by_one_and_windows():
    refused(divide_dim, mat, "t", 1, 1, words="quotient")
    refused(divide_dim, rows, "t", 1, 2, words=["window", "spans dimension 1"])


def test_divide_window_point_dimension():
    p = divide_dim(col_window, "t", 1, 2)
    assert "scale(n, t[0:n, 0, 1], y[0:n, 0])" in body(p)
    same_results(col_window, p)


# --------------------------------------------------------------------------- mult_dim


def test_mult_dim():
    p = mult_dim(divide_dim(mat, "t", 1, 4), "t", 1, 2)
    assert body(p).splitlines()[0] == "t: f32[n, 8] @ DRAM"
    same_results(mat, p)
    q = mult_dim(mat, "t", 0, 1)
    assert body(q).splitlines()[0] == "t: f32[8 * n] @ DRAM"
    assert "t[8 * i + j] = x[i, j] + 1.0" in body(q)
    same_results(mat, q)


def test_mult_dim_window():
    p = mult_dim(rows, "t", 0, 1)
    assert "scale(4, t[4 * i:4 * i + 4], y[i, 0:4])" in body(p)
    same_results(rows, p)


def test_refuse_mult_dim():
    refused(mult_dim, mat, "t", 1, 0, words="not an integer literal")
    refused(mult_dim, mat, "t", 1, 1, words="by itself")
    refused(mult_dim, col_window, "t", 0, 1, words=["window", "spans dimension 0"])


# --------------------------------------------------------------------------- unroll_buffer


def test_unroll_buffer():
    p = unroll_buffer(few, "t", 0)
    assert body(p) == lines("""
        t_0: f32 @ DRAM
        t_1: f32 @ DRAM
        t_2: f32 @ DRAM
        t_0 = x[0]
        t_1 = x[1]
        t_2 = x[2] + x[3]
        y[0] = t_0 + t_1
        y[1] = t_2
    """)
    same_results(few, p)


def test_refuse_unroll():
    refused(unroll_buffer, mat, "t", 1, words="'j', which is not an integer constant")
    refused(unroll_buffer, mat, "t", 0, words="extent of dimension 0 \\(n\\) is not an integer literal")


@proc
def unroll_rows(x: f32[2, 4], y: f32[2, 4]):
    t: f32[2, 4]
    for j in seq(0, 4):
        t[0, j] = x[0, j]
        t[1 + 0, j] = x[1, j] * 2.0
    scale(4, t[1, 0:4], y[0, 0:4])
    for j in seq(0, 4):
        y[1, j] = t[0, j]


def test_unroll_buffer_rows_and_windows():
    p = unroll_buffer(unroll_rows, "t", 0)
    assert body(p) == lines("""
        t_0: f32[4] @ DRAM
        t_1: f32[4] @ DRAM
        for j in seq(0, 4):
            t_0[j] = x[0, j]
            t_1[j] = x[1, j] * 2.0
        scale(4, t_1[0:4], y[0, 0:4])
        for j in seq(0, 4):
            y[1, j] = t_0[j]
    """)
    same_results(unroll_rows, p)
    refused(unroll_buffer, unroll_rows, "t", 1, words="the window 't\\[1, 0:4\\]'.*spans dimension 1")
