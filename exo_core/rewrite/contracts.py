"""Changing a procedure's contract: ``partial_eval`` (fix control arguments to values) and
``add_assertion`` (a stronger precondition).

Neither is a scheduling rewrite of the same procedure: ``partial_eval`` makes a procedure
with fewer parameters (a new provenance root, as in Exo), and ``add_assertion`` one that
may be called in fewer places. Both results are checked like a procedure the user wrote:
the assertion must be a boolean over the parameters that can hold together with the
existing preconditions, and the partially evaluated body must stay in bounds for every
remaining argument value that meets the preconditions. Exo re-checks neither.
"""

from __future__ import annotations

from ..errors import BoundsCheckError, SchedulingError
from ..ir import BOOL, Const, ControlType, ProcDef, Tensor
from ..ir.subst import substitute
from ..ir.types import INT


def _fail(what: str, msg: str):
    raise SchedulingError(f"{what}: {msg}")


def partial_eval(p: ProcDef, args: tuple, kwargs: dict) -> ProcDef:
    """``p`` with the given control parameters replaced by constants and dropped from its
    signature. Positional values bind the leading parameters (which must all be control
    parameters), keywords bind parameters by name. Preconditions that the values decide
    are dropped when true and refused when false; the rest are kept."""
    what = f"partial_eval of {p.name}"
    values: dict = {}
    if len(args) > len(p.args):
        _fail(what, f"{len(args)} values for {len(p.args)} parameters")
    for fa, v in zip(p.args, args):
        values[fa.name.name] = (fa, v)
    by_name = {fa.name.name: fa for fa in p.args}
    for name, v in kwargs.items():
        fa = by_name.get(name)
        if fa is None:
            _fail(what, f"{p.name} has no parameter '{name}'")
        if name in values:
            _fail(what, f"parameter '{name}' is given twice")
        values[name] = (fa, v)
    env = {}
    for name, (fa, v) in values.items():
        t = fa.type
        if not isinstance(t, ControlType):
            _fail(what, f"'{name}' is a buffer or data parameter; only size, index, int and bool "
                        "parameters can be fixed")
        if t == BOOL:
            if not isinstance(v, bool):
                _fail(what, f"'{name}' is a bool parameter; got {v!r}")
            env[fa.name] = Const(v, BOOL, srcinfo=p.srcinfo)
            continue
        if isinstance(v, bool) or not isinstance(v, int):
            _fail(what, f"'{name}' is a {t.name} parameter; got {v!r} (an int is needed)")
        if t.name == "size" and v <= 0:
            _fail(what, f"'{name}' is a size and must be positive; got {v}")
        if t.name == "stride":
            _fail(what, f"'{name}' is a stride parameter; it cannot be fixed")
        env[fa.name] = Const(v, INT, srcinfo=p.srcinfo)
    new_args = []
    for fa in p.args:
        if fa.name in env:
            continue
        if isinstance(fa.type, Tensor):
            fa = fa.update(type=substitute(fa.type, env))
        new_args.append(fa)
    preds = []
    for pred in p.preds:
        pred2 = substitute(pred, env)
        verdict = _decided(pred2)
        if verdict is True:
            continue
        if verdict is False:
            from ..ir.printer import expr_to_str

            _fail(what, f"the precondition {expr_to_str(pred)} does not hold for "
                        + ", ".join(f"{k} = {v}" for k, (_, v) in values.items()))
        preds.append(pred2)
    new = ProcDef(p.name, tuple(new_args), tuple(preds), substitute(p.body, env), None, p.srcinfo)
    _checked(new, what)
    return new


def add_assertion(p: ProcDef, pred) -> ProcDef:
    """``p`` with the boolean control expression ``pred`` (over its parameters, typed)
    appended to its preconditions; refused if it can never hold together with them."""
    if pred.type != BOOL:
        _fail(f"add_assertion to {p.name}", "the assertion must be a boolean expression over the "
                                            "procedure's size, index, int, bool and stride parameters")
    new = p.update(preds=p.preds + (pred,))
    _checked(new, f"add_assertion to {p.name}")
    return new


def _decided(pred):
    """True/False when the precondition no longer depends on anything, else None."""
    from ..analysis import logic as L
    from ..analysis.affine import NonAffine

    try:
        f = L.to_formula(pred)
    except NonAffine:
        return None
    if f is L.TRUE:
        return True
    if f is L.FALSE:
        return False
    if f.leaves():
        return None
    from ..analysis.solver import SOLVER

    return SOLVER.prove(f, ())


def _checked(new: ProcDef, what: str) -> None:
    from ..analysis.boundscheck import check_proc

    try:
        check_proc(new)
    except BoundsCheckError as e:
        msg = str(e)
        if e.srcinfo is not None and msg.startswith(f"{e.srcinfo}: "):
            msg = msg[len(f"{e.srcinfo}: "):]  # the user's call site names the place instead
        raise SchedulingError(f"{what}: {msg}") from None


__all__ = ["partial_eval", "add_assertion"]
