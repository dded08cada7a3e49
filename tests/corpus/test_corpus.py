"""Every kernel of the corpus: prints, round-trips, interprets, compiles and agrees with the interpreter."""

from __future__ import annotations

import zlib

import numpy as np
import pytest

from exo_core import ir
from exo_core.frontend import parse_source
from exo_core.ir.printer import proc_to_str, scope_of

from .kernels import CORPUS
from .randargs import random_args

NAMES = sorted(CORPUS)


def test_corpus_is_large_enough():
    assert len(CORPUS) >= 25


@pytest.mark.parametrize("name", NAMES)
def test_round_trip(name):
    p, _ = CORPUS[name]
    text = str(p)
    again = parse_source(text, scope_of(p._ir), filename=f"<{name}>")
    assert ir.alpha_equal(p._ir, again), f"printed text does not parse back equal:\n{text}\n---\n{proc_to_str(again)}"
    assert proc_to_str(again) == text


@pytest.mark.parametrize("name", NAMES)
def test_compiled_agrees_with_interpreter(name, tmp_path):
    p, sizes = CORPUS[name]
    rng = np.random.default_rng(zlib.crc32(name.encode()))
    for _trial in range(2):
        args = random_args(p._ir, sizes, rng)
        want = {k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in args.items()}
        p.interpret(**want)
        got = {k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in args.items()}
        p.jit(cache_dir=tmp_path)(**got)
        for k, v in want.items():
            if isinstance(v, np.ndarray):
                tol = 2e-2 if v.dtype == np.float16 else 1e-4
                if v.dtype.kind == "f":
                    np.testing.assert_allclose(got[k], v, rtol=tol, atol=tol, err_msg=f"{name}: argument {k}")
                else:
                    np.testing.assert_array_equal(got[k], v, err_msg=f"{name}: argument {k}")
        # the kernel must have done something: some output differs from its input
        assert any(
            isinstance(v, np.ndarray) and not np.array_equal(v, args[k], equal_nan=True) for k, v in want.items()
        ), f"{name}: no argument changed"
