"""Index arithmetic: floor `/` and `%` on negative values, plain C operators when the
numerator is provably non-negative."""

from __future__ import annotations

import numpy as np
from ir.irb import E, ProcBuilder, lift

from exo_core.ir import F32, I32

from .cbuild import Lib


def test_floor_div_and_mod_of_negative_values(tmp_path):
    b = ProcBuilder("floors")
    off = b.index("off")
    src = b.tensor("src", I32, [16])
    q, r = b.tensor("q", I32, [8]), b.tensor("r", I32, [8])
    with b.loop("i", 0, 8) as i:
        b.assign(q[i], src[(i + off) // 4 + 4])
        b.assign(r[i], src[(i + off) % 4])
    lib = Lib([b.build()], tmp_path)
    assert "exo_floor_div(i + off, 4) + 4" in lib.c and "exo_floor_mod(i + off, 4)" in lib.c
    assert lib.c.index("static inline int_fast32_t exo_floor_div") < lib.c.index("void floors(")
    src = np.arange(16, dtype=np.int32)
    for off in (-9, -8, -1, 0, 3):
        q, r = np.zeros(8, np.int32), np.zeros(8, np.int32)
        lib.floors(off, src, q, r)
        np.testing.assert_array_equal(q, [(i + off) // 4 + 4 for i in range(8)])
        np.testing.assert_array_equal(r, [(i + off) % 4 for i in range(8)])


def test_negative_loop_bounds(tmp_path):
    b = ProcBuilder("neg_loop")
    src, dst = b.tensor("src", F32, [8]), b.tensor("dst", F32, [8])
    with b.loop("i", -5, 3) as i:
        b.assign(dst[i + 5], src[i // 2 + 3])
        with b.if_((i % 2).eq(1)):
            b.reduce(dst[i + 5], 100.0)
    lib = Lib([b.build()], tmp_path)
    assert "exo_floor_div(i, 2)" in lib.c and "exo_floor_mod(i, 2) == 1" in lib.c
    src = np.arange(8, dtype=np.float32)
    dst = np.zeros(8, np.float32)
    lib.neg_loop(src, dst)
    want = [src[i // 2 + 3] + (100 if i % 2 == 1 else 0) for i in range(-5, 3)]
    np.testing.assert_array_equal(dst, want)


def test_plain_operators_when_nonnegative(tmp_path):
    b = ProcBuilder("plain")
    n = b.size("n")
    off = b.index("off")
    b.assume(off >= 0)
    x = b.tensor("x", F32, [n])
    y = b.tensor("y", F32, [n, 3])
    with b.loop("i", 0, n) as i:
        b.assign(x[i // 2], y[(i + off) % n if False else (i + off) % 3, (n - 1 + i) % 3])
        b.assign(x[(i * 3 + 1) // 4], 1.0)
    lib = Lib([b.build()], tmp_path)
    assert "exo_floor" not in lib.c
    assert "x[i / 2] = y[(i + off) % 3 * 3 + (n - 1 + i) % 3];" in lib.c
    assert "x[(i * 3 + 1) / 4] = 1.0f;" in lib.c
    assert "EXO_ASSUME(off >= 0);" in lib.c


def test_unknown_sign_stays_floor(tmp_path):
    b = ProcBuilder("unknown")
    n = b.size("n")
    off = b.index("off")
    x = b.tensor("x", F32, [n])
    with b.loop("i", 0, n) as i:
        b.assign(x[(i - 1) // 2 + 1], 1.0)  # i - 1 can be -1
        b.assign(x[(i + n - 1) // 2], 2.0)  # n >= 1 so this is >= 0
        b.assign(x[(off * 2) % 1], 3.0)  # % 1 is always 0
    lib = Lib([b.build()], tmp_path)
    assert "exo_floor_div(i - 1, 2) + 1" in lib.c
    assert "x[(i + n - 1) / 2] = 2.0f;" in lib.c
    assert "x[0] = 3.0f;" in lib.c and "exo_floor_mod" not in lib.c


def test_constant_folding_and_precedence(tmp_path):
    b = ProcBuilder("folding")
    n = b.size("n")
    x = b.tensor("x", F32, [n, 4, 2])
    minus_one = -E(lift(1))
    with b.loop("i", 0, n) as i:
        b.assign(x[i - (2 - 1), 3 - (1 + 1), 0 * i], 1.0)
        b.assign(x[n - (i + 1), (7 // 2) % 3, -minus_one], 2.0)
    lib = Lib([b.build()], tmp_path)
    assert "x[(i - 1) * 8 + 2] = 1.0f;" in lib.c
    assert "x[(n - (i + 1)) * 8 + 0 * 2 + 1]" not in lib.c
    assert "x[(n - (i + 1)) * 8 + 1] = 2.0f;" in lib.c
