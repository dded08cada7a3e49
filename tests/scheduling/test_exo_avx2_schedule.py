"""The schedule of Exo's examples/avx2_matmul, up to its first instruction replacement,
run through the `import exo` shim on our API (issue: "runs unchanged on our API")."""

from __future__ import annotations

import numpy as np
import pytest

from exo_core import compat
from exo_core.testing import outputs_agree, random_args, run_interpreter

compat.install()

from exo import proc  # noqa: E402
from exo.stdlib.scheduling import (  # noqa: E402
    divide_dim,
    divide_loop,
    rename,
    reorder_loops,
    repeat,
    simplify,
    stage_mem,
)


@proc
def rank_k_reduce_6x16(K: size, A: f32[6, K] @ DRAM, B: f32[K, 16] @ DRAM, C: f32[6, 16] @ DRAM):
    for i in seq(0, 6):
        for j in seq(0, 16):
            for k in seq(0, K):
                C[i, j] += A[i, k] * B[k, j]


def schedule(p):
    # the same calls, with the same arguments, as the example
    p = rename(p, "rank_k_reduce_6x16_scheduled")
    p = reorder_loops(p, "j k")
    p = reorder_loops(p, "i k")
    p = divide_loop(p, "for j in _: _", 8, ["jo", "ji"], perfect=True)
    p = stage_mem(p, "for k in _:_", "C[0:6, 0:16]", "C_reg")
    p = simplify(p)
    p = divide_dim(p, "C_reg:_", 1, 8)
    p = repeat(divide_loop)(p, "for i1 in _: _", 8, ["i2", "i3"], perfect=True)
    p = simplify(p)
    return p


def test_schedule_runs_and_preserves_meaning():
    p = schedule(rank_k_reduce_6x16)
    text = str(p)
    assert "C_reg: f32[6, 2, 8]" in text.replace(" @ DRAM", "")
    rng = np.random.default_rng(7)
    for _ in range(3):
        args = random_args(rank_k_reduce_6x16, rng)
        want, _ = run_interpreter(rank_k_reduce_6x16, args)
        got, err = run_interpreter(p, args)
        assert err is None and outputs_agree(want, got) is None
    # and the compiled C agrees with numpy
    K = 13
    A = rng.standard_normal((6, K)).astype(np.float32)
    B = rng.standard_normal((K, 16)).astype(np.float32)
    C = rng.standard_normal((6, 16)).astype(np.float32)
    want = C + A @ B
    p.jit()(K, A, B, C)
    np.testing.assert_allclose(C, want, rtol=1e-5, atol=1e-5)


@pytest.fixture(autouse=True, scope="module")
def _uninstall_shim():
    yield
    compat.uninstall()
