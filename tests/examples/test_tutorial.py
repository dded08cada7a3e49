"""docs/tutorial.md runs as written: its python blocks, joined into one script file (procs
need a real source file), run from the repository root."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TUTORIAL = ROOT / "docs" / "tutorial.md"

pytest.importorskip("exo_x86", reason="the tutorial schedules with the x86 plugin (plugins/exo_x86)")


def _python_blocks(text: str) -> list[str]:
    return [textwrap.dedent(b) for b in re.findall(r"```python\n(.*?)```", text, flags=re.S)]


def test_tutorial_runs(tmp_path):
    blocks = _python_blocks(TUTORIAL.read_text())
    assert len(blocks) >= 10
    script = tmp_path / "tutorial.py"
    script.write_text("\n".join(blocks))
    # the schedule's steps are already run under EXO_CHECK=paranoid by test_sgemm.py: run the
    # tutorial with the default checks only (it repeats the AVX2 schedule)
    env = {k: v for k, v in os.environ.items() if k != "EXO_CHECK"}
    r = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, cwd=ROOT, timeout=900,
                       env=env)
    assert r.returncode == 0, r.stderr[-4000:]
    out = r.stdout
    assert "def sgemm(M: size, N: size, K: size" in out
    assert out.count("refused:") == 2 and "cannot prove that 'M' is divisible by 2052" in out
    assert "Ap0: f32[342, 256, 6] @ DRAM_STATIC_HUGE" in out
    assert "avx2_transpose_6x8_ps(Ap0[ip, 8 * ap0o:8 * ap0o + 8, 0:6]" in out
    assert "mm256_fmadd_ps(C_reg[5, 1, 0:8], a_vec[0:8], b_vec[1, 0:8])" in out
    assert "_mm256_fmadd_ps" in out  # the kernel's C
    assert "sgemm_avx2_6x16_k4(256, Ap0[it, 0:256, 0:6]" in out
    assert "if K % 256 > 0 and K % 256 <= 128 and K > 256:" in out  # merge_k_tail
    assert "if K % 256 % 4 > 0:" in out  # split_k_remainders
    assert "if M % 2052 % 6 > 4:" in out and "if N % 256 % 16 > 8:" in out  # the edges, specialized
    assert "mm256_prefix_load_ps(w - 8, C_reg[0, 1, 0:8], C[0, 8:w])" in out  # the 6 x (8 + w) kernel
    assert "sgemm_avx2 agrees with numpy" in out or "not run here:" in out
