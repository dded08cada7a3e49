"""The IDE stubs of exo_core.frontend.syntax do not change what a procedure means."""

from __future__ import annotations

from exo_core import proc
from exo_core.frontend.syntax import *  # noqa: F403
from exo_core.ir import F32, INDEX, SIZE, STRIDE, Read, StrideExpr


@proc
def scale(n: size, i: index, x: [f32][n], s: stride):
    assert stride(x, 0) == s
    for j in seq(0, n):
        x[j] = x[j] * 2.0
    for j in par(0, i):
        pass


def test_stub_names_exist_and_do_not_shadow_builtins():
    for name in ("size", "index", "stride", "R", "f16", "f32", "f64", "i8", "ui8", "ui16", "i32", "seq", "par", "DRAM"):
        assert name in globals(), name
    assert bool(1) is True  # 'bool' stays Python's
    assert repr(f32[4, 4] @ DRAM) == "f32"


def test_procedures_parse_the_same_with_stubs_imported():
    n, i, x, s = scale._ir.args
    assert (n.type, i.type, s.type) == (SIZE, INDEX, STRIDE)
    assert x.type.base is F32 and x.type.is_window
    pred = scale._ir.preds[0]
    assert pred.lhs == StrideExpr(x.name, 0, STRIDE) and pred.rhs == Read(s.name, (), STRIDE)
    assert scale._ir.body[1].loop_mode == "par"
