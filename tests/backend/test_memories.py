"""Memories: allocation hooks, free placement, globals, readability, callee compatibility."""

from __future__ import annotations

import re

import numpy as np
import pytest
from ir.irb import ProcBuilder

from exo_core.backend import compile_procs_to_strings
from exo_core.errors import MemGenError
from exo_core.ir import F32, I32
from exo_core.memory import DRAM, DRAM_STACK, DRAM_STATIC, DRAM_STATIC_HUGE, Memory

from .cbuild import Lib, compile_check


class SCRATCH(DRAM):
    """Readable, with its own global text."""

    @classmethod
    def global_(cls):
        return "#include <stdlib.h>\n// scratch memory support\n"


class AAA_MEM(DRAM):
    @classmethod
    def global_(cls):
        return "#include <stdlib.h>\n// aaa memory support\n"


class REG(Memory):
    """A register-like memory: only instrs may touch it."""

    @classmethod
    def alloc(cls, new_name, prim_type, shape, srcinfo):
        return f"{prim_type} {new_name}[{shape[0] if shape else 1}];"

    @classmethod
    def can_read(cls):
        return False


def test_static_and_stack_allocations(tmp_path):
    b = ProcBuilder("prefix")
    x, y = b.tensor("x", I32, [8]), b.tensor("y", I32, [8])
    acc = b.alloc("acc", I32, [1], DRAM_STATIC)
    tmp = b.alloc("tmp", I32, [2, 4], DRAM_STACK)
    b.assign(acc[0], 0)
    with b.loop("i", 0, 8) as i:
        b.reduce(acc[0], x[i])
        b.assign(tmp[i // 4, i % 4], acc[0])
    with b.loop("i", 0, 8) as i:
        b.assign(y[i], tmp[i // 4, i % 4])
    lib = Lib([b.build()], tmp_path)
    assert "static int32_t acc[1];" in lib.c and "int32_t tmp[8];" in lib.c
    assert "malloc" not in lib.c.split("void prefix(")[1]
    x = np.arange(8, dtype=np.int32)
    y = np.zeros(8, np.int32)
    lib.prefix(x, y)
    np.testing.assert_array_equal(y, np.cumsum(x))


def test_static_huge_allocations(tmp_path):
    """2 MiB-aligned static arrays, advised for huge pages once (the flag per buffer), the
    helper emitted once; the results are those of any other memory, call after call."""
    b = ProcBuilder("rev_huge")
    n = 1 << 19  # 2 MiB of f32
    x, y = b.tensor("x", F32, [n]), b.tensor("y", F32, [n])
    big = b.alloc("big", F32, [n], DRAM_STATIC_HUGE)
    small = b.alloc("small", F32, [2, 4], DRAM_STATIC_HUGE)
    with b.loop("i", 0, n) as i:
        b.assign(big[n - 1 - i], x[i])
    with b.loop("i", 0, 8) as i:
        b.assign(small[i // 4, i % 4], big[i])
    with b.loop("i", 0, n) as i:
        b.assign(y[i], big[i])
    with b.loop("i", 0, 8) as i:
        b.reduce(y[i], small[i // 4, i % 4])
    lib = Lib([b.build()], tmp_path)
    assert "static float big[524288] __attribute__((aligned(2097152)));" in lib.c
    assert "static float small[8] __attribute__((aligned(2097152)));" in lib.c
    assert "exo_static_huge_pages(big, sizeof big, &big_advised);" in lib.c
    assert lib.c.count("static inline void exo_static_huge_pages(") == 1
    assert "malloc" not in lib.c.split("void rev_huge(")[1]
    x = np.arange(n, dtype=np.float32)
    for _ in range(2):
        y = np.zeros(n, np.float32)
        lib.rev_huge(x, y)
        want = x[::-1].copy()
        want[:8] *= 2
        np.testing.assert_array_equal(y, want)


def test_header_says_which_functions_are_not_reentrant():
    """A public function whose code (or a callee's) allocates in a memory shared across calls
    gets a comment naming the buffer above its prototype; one without, none."""
    def with_buffer(name, mem):
        b = ProcBuilder(name)
        x = b.tensor("x", F32, [4])
        t = b.alloc("t", F32, [4], mem)
        with b.loop("i", 0, 4) as i:
            b.assign(t[i], x[i])
            b.assign(x[i], t[i])
        return b.build()

    static, stack = with_buffer("uses_static", DRAM_STATIC), with_buffer("uses_stack", DRAM_STACK)
    b = ProcBuilder("calls_static")
    b.call(static, b.tensor("x", F32, [4]))
    _, h = compile_procs_to_strings([static, stack, b.build()], "x.h")
    lines = h.splitlines()
    notes = {lines[i + 1].split("(")[0].removeprefix("// "): line for i, line in enumerate(lines)
             if line.startswith("// Not reentrant")}
    assert notes == {
        "uses_static": "// Not reentrant: buffer t in DRAM_STATIC is shared by every call; make one call at a time.",
        "calls_static": "// Not reentrant: buffer t in DRAM_STATIC (in uses_static) is shared by every call; "
                        "make one call at a time.",
    }
    assert DRAM_STATIC.shared_across_calls() and DRAM_STATIC_HUGE.shared_across_calls()
    assert not DRAM.shared_across_calls() and not DRAM_STACK.shared_across_calls()


def test_free_after_last_use_in_allocating_block(tmp_path):
    b = ProcBuilder("frees")
    n = b.size("n")
    x = b.tensor("x", F32, [n])
    t = b.alloc("t", F32, [n])
    u = b.alloc("u", F32, [n])
    with b.loop("i", 0, n) as i:
        b.assign(t[i], x[i] * 2.0)
    w = b.bind_window("w", u[0:n])  # u stays alive while its window is used
    with b.loop("i", 0, n) as i:
        b.assign(w[i], t[i])
    b.assign(x[0], 5.0)
    with b.loop("i", 0, n) as i:
        b.reduce(x[i], w[i])
    with b.loop("i", 0, n) as i:
        s = b.alloc("s", F32)
        b.assign(s.read(), x[i])
        b.assign(x[i], s.read() + 1.0)
    lib = Lib([b.build()], tmp_path)
    body = lib.c.split("void frees(")[1]
    lines = [ln.strip() for ln in body.splitlines()]
    assert "float *t = (float*) malloc((n) * sizeof(*t));" in lines
    # t is last used by the loop copying it into w: freed right after that loop's `}`
    i_free_t = lines.index("free(t);")
    assert lines[i_free_t - 1] == "}" and lines[i_free_t - 2] == "w.data[i] = t[i];"
    i_free_u = lines.index("free(u);")
    assert lines[i_free_u - 2] == "x[i] += w.data[i];"
    assert lines.index("x[0] = 5.0f;") < i_free_u
    assert body.count("free(") == 2  # the scalar s needs no free
    x = np.arange(4, dtype=np.float32)
    lib.frees(4, x)
    np.testing.assert_array_equal(x, [1 + 5, 1 + 1 + 2, 1 + 2 + 4, 1 + 3 + 6])


def test_unused_allocation_is_freed_and_compiles(tmp_path):
    b = ProcBuilder("unused")
    t = b.alloc("t", F32, [4])
    s = b.alloc("s", F32)
    z = b.alloc("z", F32, [4], DRAM_STACK)
    b.assign(s.read(), 1.0)
    b.assign(z[0], 2.0)
    c, _ = compile_check([b.build()], tmp_path)
    assert "float *t = (float*) malloc(4 * sizeof(*t));\n    (void) t;\n    free(t);" in c
    assert "(void) s;" in c and "(void) z;" in c


def test_memory_globals_once_and_sorted(tmp_path):
    b = ProcBuilder("mems")
    x = b.tensor("x", F32, [4], SCRATCH)
    t = b.alloc("t", F32, [4], AAA_MEM)
    t2 = b.alloc("t2", F32, [4], SCRATCH)
    with b.loop("i", 0, 4) as i:
        b.assign(t[i], x[i])
        b.assign(t2[i], t[i])
        b.assign(x[i], t2[i])
    c, _ = compile_check([b.build()], tmp_path)
    assert c.count("// scratch memory support") == 1
    assert c.index("// aaa memory support") < c.index("// scratch")
    assert "@SCRATCH" in c


def test_unreadable_memory_read_is_an_error():
    b = ProcBuilder("reads_reg")
    x = b.tensor("x", F32, [4])
    r = b.alloc("r", F32, [4], REG)
    with b.loop("i", 0, 4) as i:
        b.assign(x[i], r[i]); line = _line()  # noqa: E702
    with pytest.raises(MemGenError, match=rf"test_memories.py:{line}:.*'r'.*REG"):
        compile_procs_to_strings([b.build()], "x.h")


def test_write_to_memory_without_write_hook_is_an_error():
    b = ProcBuilder("writes_reg")
    r = b.alloc("r", F32, [4], REG)
    b.assign(r[0], 1.0); line = _line()  # noqa: E702
    with pytest.raises(MemGenError, match=rf"test_memories.py:{line}:.*REG"):
        compile_procs_to_strings([b.build()], "x.h")


def _callee_in(mem):
    b = ProcBuilder(f"fill_{mem.name().lower()}")
    x = b.tensor("x", F32, [4], mem)
    with b.loop("i", 0, 4) as i:
        b.assign(x[i], 1.0)
    return b.build()


def test_callee_memory_must_match():
    callee = _callee_in(SCRATCH)
    b = ProcBuilder("caller")
    x = b.tensor("x", F32, [4])
    b.call(callee, x); line = _line()  # noqa: E702
    with pytest.raises(MemGenError, match=rf"test_memories.py:{line}:.*'x'.*SCRATCH.*DRAM"):
        compile_procs_to_strings([b.build()], "x.h")


def test_callee_memory_may_be_a_superclass(tmp_path):
    callee = _callee_in(DRAM)
    b = ProcBuilder("caller")
    t = b.alloc("t", F32, [4], DRAM_STACK)
    x = b.tensor("x", F32, [4])
    b.call(callee, t)
    with b.loop("i", 0, 4) as i:
        b.assign(x[i], t[i])
    lib = Lib([b.build()], tmp_path)
    x = np.zeros(4, np.float32)
    lib.caller(x)
    assert (x == 1).all()


@pytest.mark.parametrize("mem", [DRAM_STATIC, DRAM_STATIC_HUGE, DRAM_STACK])
def test_static_memory_needs_constant_extents(mem):
    b = ProcBuilder("bad_static")
    n = b.size("n")
    b.alloc("t", F32, [n], mem)
    with pytest.raises(MemGenError, match=f"{mem.name()} needs constant extents"):
        compile_procs_to_strings([b.build()], "x.h")


def _line():
    import sys

    return sys._getframe(1).f_lineno


def test_free_order_is_reverse_of_allocation(tmp_path):
    b = ProcBuilder("nested")
    x = b.tensor("x", F32, [2])
    a1 = b.alloc("a1", F32, [2])
    a2 = b.alloc("a2", F32, [2])
    b.assign(a1[0], 1.0)
    b.assign(a2[0], 2.0)
    b.assign(x[0], a1[0] + a2[0])
    c, _ = compile_check([b.build()], tmp_path)
    assert re.search(r"free\(a2\);\n\s*free\(a1\);", c)
