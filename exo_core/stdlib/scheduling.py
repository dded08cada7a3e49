"""Exo's ``exo.stdlib.scheduling``: every primitive, plus the user-level operations built on
them. Everything here uses only the public API, as a user's own library would."""

from __future__ import annotations

from ..errors import SchedulingError
from ..scheduling import *  # noqa: F403
from ..scheduling import __all__ as _primitives


def repeat(op):
    """``repeat(op)(proc, *args)``: apply ``op`` until it raises ``SchedulingError``; the
    result of the last success (``proc`` itself if the first attempt fails)."""

    def run(proc, *args, **kwargs):
        while True:
            try:
                proc = op(proc, *args, **kwargs)
            except SchedulingError:
                return proc

    return run


def attempt(op, errs=(SchedulingError,)):
    """``attempt(op)(proc, *args)``: ``op``'s result, or ``proc`` unchanged if it fails."""

    def run(proc, *args, **kwargs):
        try:
            return op(proc, *args, **kwargs)
        except errs:
            return proc

    return run


__all__ = list(_primitives) + ["repeat", "attempt", "SchedulingError"]
