"""Helpers for the config, subproc and backend-op tests: before/after agreement in the
interpreter and in compiled C, with configuration state (``ConfigState`` /
``JITFunction.config``) set up the same way on both sides."""

from __future__ import annotations

import numpy as np

from exo_core.interp import ConfigState, interpret
from exo_core.testing import copy_args, outputs_agree, random_args

from .checks import controls


def run(p, args: dict, cfg: dict | None = None):
    """Interpret ``p`` on a copy of ``args`` with config state ``cfg`` ({Config: {field: v}});
    returns (outputs, final ConfigState)."""
    st = ConfigState(cfg or {})
    out = copy_args(args)
    interpret(p, st, **out)
    return out, st


def run_c(fn, args: dict, cfg: dict | None = None):
    """Call the JIT function ``fn`` on a copy of ``args`` after setting ``cfg``; returns
    (outputs, {Config: {field: value}} of the fields in ``cfg``)."""
    for c, fields in (cfg or {}).items():
        view = fn.config(c)
        for f, v in fields.items():
            setattr(view, f, v)
    out = copy_args(args)
    fn(**out)
    final = {c: {f: getattr(fn.config(c), f) for f in fields} for c, fields in (cfg or {}).items()}
    return out, final


def agree(before, after, *, cfg=None, sizes=None, trials: int = 4, jit: bool = True, seed: int = 5,
          same_cfg=(), c_before: bool = False) -> None:
    """``after`` computes what ``before`` computes on random inputs: interpreter vs
    interpreter and interpreter vs compiled C. ``same_cfg``: (config, field) pairs whose
    final values must agree too (fields outside it may differ: equivalence modulo them).
    ``c_before``: also compile ``before`` and compare it with the interpreter."""
    rng = np.random.default_rng(seed)
    fa = after.jit() if jit else None
    fb = before.jit() if jit and c_before else None
    for _ in range(trials):
        args = random_args(before, rng, sizes=sizes)
        assert args is not None, "no random arguments satisfy the preconditions"
        want, st0 = run(before, args, cfg)
        got, st1 = run(after, args, cfg)
        diff = outputs_agree(want, got)
        assert diff is None, f"interpreter: {diff} with {controls(args)}\n{after}"
        for c, f in same_cfg:
            assert st0.get(c, f) == st1.get(c, f), f"{c.name()}.{f}: {st0.get(c, f)} vs {st1.get(c, f)}"
        for fn in (fa, fb):
            if fn is None:
                continue
            out, final = run_c(fn, args, cfg)
            diff = outputs_agree(want, out)
            assert diff is None, f"compiled C of {fn.__name__}: {diff} with {controls(args)}\n{fn.proc}"
            for c, f in same_cfg:
                if c in final and f in final[c]:
                    assert np.isclose(final[c][f], st0.get(c, f)), f"C {c.name()}.{f}"
