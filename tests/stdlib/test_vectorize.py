"""vectorize (every tail strategy; staging in DRAM or in a 4-lane register memory;
instructions defined in vec_instrs.py) and the instruction-replacement library:
replace_all, call_site_mem_aware_replace, checked_replace, replace_all_stmts."""

from __future__ import annotations

import pytest
from scheduling.checks import body

import exo_core.scheduling as S
from exo_core import DRAM
from exo_core.errors import SchedulingError
from exo_core.stdlib.scheduling import (
    call_site_mem_aware_replace,
    check_call_mem_types,
    check_call_site,
    checked_replace,
    divide_loop,
    replace_all,
    replace_all_stmts,
    vectorize,
)

from .kernels import axpy, axpy4, dot, prefix, three_stmts
from .util import check_refused, needs, same_results, show
from .vec_instrs import DRAM_INSTRS, PRED_INSTRS, VEC4, VEC_INSTRS, daxpy4, dscale4, vacc4

# --------------------------------------------------------------------------- vectorize: structure


@pytest.mark.parametrize("tail", ["cut", "cut_and_guard", "predicate", "cut_and_predicate"])
@pytest.mark.parametrize("kernel", [axpy, dot, three_stmts], ids=["axpy", "dot", "three_stmts"])
def test_vectorize_in_dram_without_instructions(kernel, tail):
    p, (outer,) = vectorize(kernel, kernel.find_loop("i"), 4, "f32", DRAM, tail=tail, rc=True)
    show(f"vectorize {kernel.name()} tail={tail}", p)
    assert outer.name() == "io"
    # every statement of the vector body has its own 4-lane loop
    for s in outer.body():
        assert type(s).__name__ in ("AllocCursor", "ForCursor")
        if type(s).__name__ == "ForCursor":
            assert s.hi().value() == 4 and len(s.body()) == 1
    same_results(kernel, p, trials=6)


def test_vectorize_perfect():
    p = vectorize(axpy4, axpy4.find_loop("i"), 4, "f32", DRAM, tail="perfect")
    show("vectorize perfect", p)
    assert "n % 4" not in body(p)
    same_results(axpy4, p, sizes={"n": 8})


def test_vectorize_refused():
    with pytest.raises(SchedulingError) as info:
        vectorize(prefix, prefix.find_loop("i"), 4, "f32", DRAM, tail="cut")
    check_refused(info, op="vectorize", prim="fission", words="would reorder them")
    with pytest.raises(SchedulingError) as info:
        vectorize(axpy, axpy.find_loop("i"), 4, "f32", DRAM, tail="sideways")
    check_refused(info, op="vectorize", prim=None, words="unknown tail strategy")


# --------------------------------------------------------------------------- vectorize: instructions


@needs("replace")
def test_vectorize_in_dram_with_instructions():
    p = vectorize(axpy, axpy.find_loop("i"), 4, "f32", DRAM, DRAM_INSTRS, tail="cut")
    show("vectorize DRAM instrs", p)
    assert "dscale4(var0[0:4], a, x[4 * io:4 * io + 4])" in body(p)
    assert "dacc4(y[4 * io:4 * io + 4], var0[0:4])" in body(p)
    same_results(axpy, p)


@needs("replace", "set_memory")
@pytest.mark.parametrize("kernel", [axpy, dot], ids=["axpy", "dot"])
def test_vectorize_into_registers(kernel):
    p = vectorize(kernel, kernel.find_loop("i"), 4, "f32", VEC4, VEC_INSTRS, tail="cut")
    show(f"vectorize {kernel.name()} VEC4", p)
    main = body(p).split("for ii in seq(0, n % 4)")[0]
    assert "@ VEC4" in main and "vld4(" in main and "vmul4(" in main
    assert "for ii in seq(0, 4):\n        " not in main  # the vector body is all instructions
    same_results(kernel, p)


@needs("replace", "set_memory")
@pytest.mark.parametrize("kernel", [axpy, dot], ids=["axpy", "dot"])
def test_vectorize_predicated_tail(kernel):
    p = vectorize(kernel, kernel.find_loop("i"), 4, "f32", VEC4, VEC_INSTRS + PRED_INSTRS)
    show(f"vectorize {kernel.name()} cut_and_predicate", p)
    text = body(p)
    assert "vld4_pred(n - 4 * io, " in text and "if " not in text
    same_results(kernel, p, trials=8)


# --------------------------------------------------------------------------- replace_all and friends


@needs("replace")
def test_replace_all_replaces_every_match():
    p = divide_loop(axpy4, "i", 4, ["io", "ii"], perfect=True)
    q = replace_all(p, [daxpy4])
    show("replace_all", q)
    assert body(q) == "for io in seq(0, n / 4):\n    daxpy4(y[4 * io:4 * io + 4], a, x[4 * io:4 * io + 4])"
    same_results(axpy4, q, sizes={"n": 8})
    assert str(replace_all(p, vacc4)) == str(p)  # its memories do not fit: left alone


@needs("replace")
def test_replace_all_fallback_without_the_primitive(monkeypatch):
    p = divide_loop(axpy4, "i", 4, ["io", "ii"], perfect=True)
    want = str(S.replace_all(p, [daxpy4])) if hasattr(S, "replace_all") else None
    monkeypatch.delattr(S, "replace_all", raising=False)
    q = replace_all(p, [dscale4, daxpy4])
    assert "daxpy4(" in str(q) and (want is None or str(q) == want)
    same_results(axpy4, q, sizes={"n": 8})


@needs("replace")
def test_replace_all_refused():
    with pytest.raises(SchedulingError) as info:
        replace_all(axpy, ["daxpy4"])
    check_refused(info, op="replace_all", prim=None, words="expected procedures")


@needs("replace")
def test_checked_and_mem_aware_replace():
    p = divide_loop(axpy4, "i", 4, ["io", "ii"], perfect=True)
    ii = p.find_loop("ii")
    q = checked_replace(p, ii, daxpy4)
    r = call_site_mem_aware_replace(p, ii, daxpy4)
    assert str(q) == str(r) and "daxpy4(" in str(q)
    call = q.find("daxpy4(_)")
    assert check_call_mem_types(call) and check_call_site(q, call)
    with pytest.raises(SchedulingError) as info:
        checked_replace(p, ii, vacc4)
    check_refused(info, op="checked_replace", prim="replace")
    assert "daxpy4(" in str(replace_all_stmts(p, [vacc4, daxpy4]))
