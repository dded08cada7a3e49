"""Random small LoopIR statements for the property tests (built with the analysis test
builders, no source needed), and running procs in the interpreter.

Buffers ``x``, ``y`` (f32[24]), scalar ``s``, size ``n`` and config fields ``k`` (index,
kept in 0..3) and ``f`` (f32). Indices are a constant plus a random subset of the
enclosing iterators (each ranging over at most 0..3), or the config ``k`` plus a
constant, so every access is in bounds. Data values are small integers in f32, so
reductions are exact whatever their order.
"""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st
from ir.irb import F32, INDEX, SIZE, Var, assign, cfg, if_, loop, proc, reduce, ten, write_cfg

from exo_core.config import Config
from exo_core.interp import ConfigState, interpret

Cfg = Config("PropCfg", [("k", INDEX), ("f", F32)])
N = Var("n", SIZE)
X = Var("x", ten(F32, 24))
Y = Var("y", ten(F32, 24))
SC = Var("s", F32)
ARGS = [N, X, Y, SC]


@st.composite
def index(draw, its):
    kind = draw(st.sampled_from(["const", "iter", "iter", "cfg"] if its else ["const", "cfg"]))
    c = draw(st.integers(0, 8))
    if kind == "const":
        return c
    if kind == "cfg":
        return cfg(Cfg, "k") + c
    chosen = draw(st.lists(st.sampled_from(its), min_size=1, max_size=len(its), unique_by=id))
    out = chosen[0] + c
    for it in chosen[1:]:
        out = out + it
    return out


@st.composite
def location(draw, its):
    b = draw(st.sampled_from(["x", "y", "x", "y", "s"]))
    if b == "s":
        return SC
    return (X if b == "x" else Y)[draw(index(its))]


@st.composite
def value(draw, its):
    terms = []
    for _ in range(draw(st.integers(1, 2))):
        kind = draw(st.sampled_from(["read", "read", "const", "cfg"]))
        if kind == "read":
            terms.append(draw(location(its)))
        elif kind == "const":
            terms.append(float(draw(st.integers(-3, 3))))
        else:
            terms.append(cfg(Cfg, "f"))
    out = terms[0]
    for t in terms[1:]:
        out = out + t
    if isinstance(out, float):
        out = out + SC
    return out


@st.composite
def simple(draw, its=(), configs=True):
    kinds = ["assign", "reduce", "assign", "reduce"] + (["cfg_k", "cfg_f"] if configs else [])
    kind = draw(st.sampled_from(kinds))
    if kind == "cfg_k":
        return write_cfg(Cfg, "k", draw(st.integers(0, 3)))
    if kind == "cfg_f":
        return write_cfg(Cfg, "f", draw(value(its)))
    return (assign if kind == "assign" else reduce)(draw(location(its)), draw(value(its)))


@st.composite
def guarded(draw, its=(), configs=True):
    """A simple statement, sometimes under an ``if``."""
    s = draw(simple(its, configs))
    if not draw(st.integers(0, 3)):
        if its and draw(st.booleans()):
            cond = its[-1].lt(draw(st.integers(0, 4)))
        elif draw(st.booleans()):
            cond = N.gt(draw(st.integers(0, 4)))
        else:
            cond = cfg(Cfg, "k").eq(draw(st.integers(0, 3)))
        s = if_(cond, [s])
    return s


@st.composite
def statement(draw):
    shape = draw(st.sampled_from(["simple", "loop", "if"]))
    if shape == "simple":
        return draw(simple())
    if shape == "if":
        return draw(guarded())
    i = Var("i", INDEX)
    lo = draw(st.integers(0, 2))
    hi = draw(st.integers(lo, 4))
    return loop(i, lo, hi, [draw(guarded([i])) for _ in range(draw(st.integers(1, 2)))])


inputs = st.tuples(st.integers(1, 5), st.integers(0, 3), st.integers(-4, 4),
                   st.lists(st.integers(-4, 4), min_size=24, max_size=24),
                   st.lists(st.integers(-4, 4), min_size=24, max_size=24), st.integers(-4, 4))


def make(body, name="p"):
    return proc(name, ARGS, body)


def run(p, inp):
    n, k, f, xv, yv, s = inp
    state = ConfigState()
    state.set(Cfg, "k", k)
    state.set(Cfg, "f", float(f))
    xs, ys = np.array(xv, dtype=np.float32), np.array(yv, dtype=np.float32)
    ss = np.array([s], dtype=np.float32)
    interpret(p, state, n=n, x=xs, y=ys, s=ss)
    return xs, ys, ss, state.get(Cfg, "k"), float(state.get(Cfg, "f"))


def same(p, q, inp) -> None:
    r1, r2 = run(p, inp), run(q, inp)
    for u, v in zip(r1, r2):
        assert np.array_equal(u, v), (r1, r2)
