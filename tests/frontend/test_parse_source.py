"""parse_source: procedures from text (the printer's output), scopes, locations; speed."""

from __future__ import annotations

import pytest

from exo_core import DRAM_STATIC, config, instr, proc
from exo_core.errors import ParseError, TypeCheckError
from exo_core.extern import relu, select
from exo_core.frontend import parse_procedure, parse_source
from exo_core.ir import F32, INT, Const, For, InstrInfo, ProcDef, alpha_equal
from exo_core.ir.printer import proc_to_str, scope_of
from exo_core.memory import DRAM


@config
class Cfg:
    a: f32
    n: index


@instr("{x_data} = 0;")
def zero(n: size, x: [f32][n]):
    assert stride(x, 0) == 1
    for i in seq(0, n):
        x[i] = 0.0


@proc
def kernel(n: size, x: f32[n, 8] @ DRAM_STATIC, s: f32, b: bool):
    assert n > 2
    t: R[4]
    w = x[1, 2:6]
    for i in par(0, n - 1):
        if i < 2 and b or i == 3:
            x[i, 0] = -x[i + 1, 1] * 2.0 + select(s, 0.0, s, relu(x[0, 0]))
        else:
            x[i, i % 8] += s / 3.0
    zero(4, w)
    zero(8, x[0, :])
    Cfg.n = n - 1
    Cfg.a = t[0]
    t[3] = Cfg.a


def test_parse_source_basic():
    text = "def f(n: size, x: f32[n]):\n    for i in seq(0, n):\n        x[i] = 1.0\n"
    scope = {}
    p = parse_source(text, scope)
    assert isinstance(p, ProcDef) and p.name == "f"
    assert isinstance(p.body[0], For) and p.body[0].body[0].type is F32
    assert p.srcinfo.filename == "<string>" and p.body[0].body[0].srcinfo.line == 3
    assert scope == {}, "the caller's scope must not be modified"


def test_parse_source_ignores_decorators_and_indentation():
    text = '''
        @instr("{x} = 1;")
        def g(x: f32):
            x = 1.0
    '''
    p = parse_source(text, {}, "<g>", instr=InstrInfo("{x} = 1;"))
    assert p.instr == InstrInfo("{x} = 1;")
    assert p.body[0].srcinfo.line == 4 and p.body[0].srcinfo.col == 12


def test_parse_source_resolves_names_in_scope():
    text = "def f(x: f32[N] @ MEM):\n    x[0] = 0.0\n"
    p = parse_source(text, {"N": 4, "MEM": DRAM_STATIC})
    assert p.args[0].type.hi == (Const(4, INT),) and p.args[0].mem is DRAM_STATIC


def test_parse_source_builtin_memories_need_no_scope():
    p = parse_source("def f(x: f32 @ DRAM):\n    x = 0.0\n", {})
    assert p.args[0].mem is DRAM


def test_parse_source_errors_locate_the_text_line():
    text = "def f(n: size, x: f32[n]):\n    pass\n    x[0] = y\n"
    with pytest.raises(ParseError, match=r"^<text>:3:11: undefined variable 'y'"):
        parse_source(text, {}, "<text>")
    with pytest.raises(TypeCheckError, match=r"^<text>:2:"):
        parse_source("def f(x: f32[4]):\n    x[0] = x\n", {}, "<text>")


def test_parse_source_needs_exactly_one_def():
    with pytest.raises(ParseError, match="exactly one 'def'"):
        parse_source("x = 1\n", {})
    with pytest.raises(ParseError, match="exactly one 'def'"):
        parse_source("def f(x: f32):\n    pass\ndef g(x: f32):\n    pass\n", {})


def test_parse_source_syntax_error():
    with pytest.raises(ParseError, match=r"^<s>:2:"):
        parse_source("def f(x: f32):\n    x = = 1\n", {}, "<s>")


def test_parse_source_metaprogramming():
    text = "def f(x: f32[8]):\n    with python:\n        for k in range(K):\n            with exo:\n                x[k] = 0.0\n"
    p = parse_source(text, {"K": 3}, "<m>")
    assert len(p.body) == 3 and p.body[2].srcinfo.line == 5


@pytest.mark.parametrize("procedure", [zero, kernel], ids=lambda p: p.name())
def test_round_trip_through_the_printer(procedure):
    ir = procedure._ir
    text = proc_to_str(ir)
    again = parse_source(text, scope_of(ir), f"<{ir.name}>", instr=ir.instr)
    assert alpha_equal(ir, again), text
    assert proc_to_str(again) == text


def test_no_internal_exception_for_odd_inputs():
    for text in [
        "def f(x: f32[4]):\n    x[0] = x[0](1)\n",
        "def f(x: f32[4]):\n    x[0] = f'{x}'\n",
        "def f(x: f32[4]):\n    x[...] = 1.0\n",
        "def f(x: f32[4]):\n    x[0] = None\n",
        "def f(x: f32[4]):\n    x[0] = [1][0]\n",
        "def f(x: f32[4]):\n    x.y.z = 1.0\n",
        "def f(x: f32[4]):\n    y: f32[2:3]\n",
        "def f(x: f32[4]):\n    with python, exo:\n        pass\n",
        "def f(x: f32[4]):\n    x[0] = stride(x)\n",
        "def f(x: f32[4]):\n    x[0] = {1, 2}\n",
        "def f(x: f32[4]):\n    x[0] = lambda: 1\n",
        "def f(x: {3}[4]):\n    pass\n",
        "def f(x: f32[4] @ {3}):\n    pass\n",
        "def f(x: f32[4]):\n    x[0] = {1/0}\n",
        "def f(x: f32[4]):\n    x[0] = q.r\n",
        "def f(x: f32[4]):\n    for i in seq(0, 4):\n        x[i] = 0.0\n    for (a, b) in seq(0, 4):\n        pass\n",
        "async def f(x: f32[4]):\n    pass\n",
    ]:
        with pytest.raises((ParseError, TypeCheckError)):
            parse_source(text, {"q": 3})


def _thirty_line_kernel(M: size, N: size, K: size, A: f32[M, K], B: f32[K, N], C: f32[M, N], tmp: f32[16]):
    assert M > 0
    assert N > 0
    assert K % 4 == 0
    for i in seq(0, M):
        for j in seq(0, N):
            C[i, j] = 0.0
    for i in seq(0, M):
        for j in seq(0, N):
            for k in seq(0, K):
                C[i, j] += A[i, k] * B[k, j]
    for i in seq(0, M):
        for j in seq(0, N):
            if i < j:
                C[i, j] = C[i, j] * 2.0
            else:
                C[i, j] = C[i, j] + A[i, 0]
    for ko in seq(0, K / 4):
        for ki in seq(0, 4):
            tmp[ki] = A[0, 4 * ko + ki]
    for i in seq(0, 16):
        tmp[i] = tmp[i] + 1.0
    for i in seq(0, M):
        w = C[i, :]
        for j in seq(0, N):
            w[j] = w[j] + tmp[0]
    for i in seq(0, 4):
        tmp[i] = relu(tmp[i])
    for i in seq(0, 4):
        tmp[i + 4] = select(tmp[i], 0.0, tmp[i], tmp[i + 8])



def test_a_thirty_line_kernel_parses():
    p = parse_procedure(_thirty_line_kernel, caller_locals={}, instr=None)
    assert len(p.preds) == 3 and len(p.body) == 8
