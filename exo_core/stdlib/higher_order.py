"""Higher-order scheduling operations (Exo's ``exo.stdlib.higher_order`` and the combinators
of ``exo.stdlib.scheduling``): ``repeat``, ``sched_seq``, ``attempt``, ``apply``,
``predicate``, ``make_pass``, ``lift_rc``, ``repeate``."""

from __future__ import annotations

import functools

from ..errors import InvalidCursorError, SchedulingError

_EXO_ERRORS = (ValueError, TypeError, SchedulingError, InvalidCursorError)


def repeat(sched, n_times=None, verbose=False):
    """``repeat(op)(proc, *args)``: apply ``op`` until it raises ``SchedulingError``,
    ``TypeError`` or ``ValueError`` and return the last success (``proc`` itself if the
    first attempt fails). With ``n_times``: apply it exactly that many times (errors
    propagate). It also stops when a step returns the procedure unchanged (no progress),
    where Exo would loop forever."""
    if n_times is not None and (isinstance(n_times, bool) or not isinstance(n_times, int) or n_times < 1):
        raise TypeError("expected n_times to be None or a positive int")

    @functools.wraps(sched)
    def repeated(proc, *args, **kwargs):
        if n_times is not None:
            for _ in range(n_times):
                proc = sched(proc, *args, **kwargs)
            return proc
        while True:
            try:
                new = sched(proc, *args, **kwargs)
            except (SchedulingError, TypeError, ValueError) as err:
                if verbose:
                    print("repeat ended with error", err)
                return proc
            if new is proc or _same_code(new, proc):
                return new
            proc = new

    repeated.__name__ = f"repeat_{getattr(sched, '__name__', 'op')}"
    return repeated


def _same_code(a, b) -> bool:
    return str(a) == str(b)


def sched_seq(proc, sched_list):
    """Apply a list of operations: each entry is a callable ``op(proc)`` or a tuple
    ``(op, arg, ...)`` called as ``op(proc, arg, ...)``."""
    for s in sched_list:
        if callable(s):
            proc = s(proc)
        elif isinstance(s, (list, tuple)) and s and callable(s[0]):
            proc = s[0](proc, *s[1:])
        else:
            raise TypeError("sched_seq(proc, sched_list): each entry must be a callable or a tuple "
                            "(op, arg, ...) starting with a scheduling operation")
    return proc


def attempt(op, errs=_EXO_ERRORS):
    """``attempt(op)(proc, *args)``: ``op``'s result, or ``proc`` unchanged if it raises one of
    ``errs``. With ``rs=True`` it returns ``(proc, succeeded)``."""
    errs = tuple(errs)

    def rewrite(p, *args, rs=False, **kwargs):
        try:
            res = op(p, *args, **kwargs), True
        except errs:
            res = p, False
        return res if rs else res[0]

    rewrite.__name__ = f"attempt_{getattr(op, '__name__', 'op')}"
    return rewrite


def apply(op):
    """``apply(op)(proc, cursors, *args)``: ``op(proc, c, *args)`` for each cursor in turn."""

    def rewrite(proc, cursors, *args, **kwargs):
        for c in cursors:
            proc = op(proc, c, *args, **kwargs)
        return proc

    return rewrite


def predicate(op, pred):
    """``op`` applied only when ``pred(proc, *args)`` holds."""

    def rewrite(proc, *args, **kwargs):
        if pred(proc, *args, **kwargs):
            proc = op(proc, *args, **kwargs)
        return proc

    return rewrite


def make_pass(op, trav_start=None):
    """``make_pass(op)(proc, block)``: ``op(proc, s)`` on every statement of ``block`` (the
    whole procedure by default) in the order of the traversal ``trav_start`` (``nlr_stmts``
    by default). Statements an earlier step removed are skipped."""
    from .inspection import _WHOLE, nlr_stmts

    trav = trav_start or nlr_stmts

    def rewrite(proc, block=_WHOLE, *args, **kwargs):
        for s in list(trav(proc, block)):
            try:
                s = proc.forward(s)
            except InvalidCursorError:
                continue
            proc = op(proc, s, *args, **kwargs)
        return proc

    return rewrite


def lift_rc(op, attr):
    """``op(..., rc=True)`` returning ``(proc, cursors.<attr>)``."""

    def rewrite(*args, **kwargs):
        proc, cursors = op(*args, **kwargs, rc=True)
        return proc, getattr(cursors, attr)

    return rewrite


def repeate(op):
    """``op`` applied until it fails (its errors are swallowed, as by ``attempt``)."""
    op_attempt = attempt(op)

    def rewrite(p, *args, **kwargs):
        while True:
            new, ok = op_attempt(p, *args, **kwargs, rs=True)
            if not ok or new is p or _same_code(new, p):
                return new
            p = new

    return rewrite


__all__ = ["repeat", "sched_seq", "attempt", "apply", "predicate", "make_pass", "lift_rc", "repeate"]
