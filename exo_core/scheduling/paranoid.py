"""``EXO_CHECK=paranoid``: every rewrite is also checked by running both versions."""

from __future__ import annotations

import numpy as np

from ..errors import SchedulingError
from ..testing import outputs_agree, random_args, run_interpreter

TRIALS = 3


def compare_before_after(before, after, name: str, site: str) -> None:
    rng = np.random.default_rng(12345)
    for _ in range(TRIALS):
        args = random_args(before, rng)
        if args is None:
            return
        want, err = run_interpreter(before, args)
        if err is not None:
            continue  # the original itself fails on these inputs: nothing to compare
        got, err = run_interpreter(after, args)
        if err is not None:
            raise SchedulingError(f"{site}: {name}: paranoid check: the rewritten procedure fails where "
                                  f"the original ran: {err}")
        diff = outputs_agree(want, got)
        if diff is not None:
            controls = {k: v for k, v in args.items() if not isinstance(v, np.ndarray)}
            raise SchedulingError(f"{site}: {name}: paranoid check: the rewrite changed the result "
                                  f"({diff}; with {controls})")
