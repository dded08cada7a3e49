"""write_config, delete_config, bind_config on the fake accelerator (tests/fake_accel):
config writes hoisted out of loops, redundant writes deleted, needed ones kept; results
compared before/after in the interpreter and in compiled C (whose instrs read the config
fields from the context struct, like the hardware would)."""

from __future__ import annotations

import numpy as np
import pytest
from fake_accel import FakeCfg, FakeScratch, ld, scale_store  # noqa: F401

from exo_core import config, proc
from exo_core.errors import ParseFragmentError
from exo_core.scheduling import (
    bind_config,
    delete_config,
    fission,
    remove_loop,
    reorder_stmts,
    write_config,
)

from .checks import body, refused
from .test_configs_util import agree, run, run_c

CFG = {FakeCfg: {"stride": 1, "scale": 1.5}}


@config
class Knobs:
    n: index
    flag: bool
    gain: f32


# --------------------------------------------------------------------------- kernels


@proc
def rows(n: size, m: size, A: f32[n, m], B: f32[n, 8], s: f32):
    assert m >= 8
    buf: f32[8] @ FakeScratch
    for i in seq(0, n):
        FakeCfg.stride = stride(A, 1)
        FakeCfg.scale = s
        ld(8, A[i, 0:8], buf[0:8])
        scale_store(8, buf[0:8], B[i, 0:8])


@proc
def cols(n: size, A: f32[8, n], B: f32[n, 8]):
    buf: f32[8] @ FakeScratch
    for j in seq(0, n):
        FakeCfg.stride = stride(A, 0)
        FakeCfg.scale = 2.0
        ld(8, A[0:8, j], buf[0:8])
        scale_store(8, buf[0:8], B[j, 0:8])


@proc
def two_scales(n: size, A: f32[n, 8], B: f32[n, 8], C: f32[n, 8]):
    buf: f32[8] @ FakeScratch
    for i in seq(0, n):
        FakeCfg.stride = 1
        ld(8, A[i, 0:8], buf[0:8])
        FakeCfg.scale = 2.0
        scale_store(8, buf[0:8], B[i, 0:8])
        FakeCfg.scale = 3.0
        scale_store(8, buf[0:8], C[i, 0:8])


@proc
def set_twice(x: f32[4]):
    Knobs.gain = 2.0
    Knobs.gain = 2.0
    for i in seq(0, 4):
        x[i] = x[i] * Knobs.gain


@proc
def index_field(n: size, x: f32[n]):
    Knobs.n = n
    for i in seq(0, n):
        Knobs.n = n
        x[i] = 1.0
    Knobs.n = 3


@proc
def gain_loop(n: size, x: f32[n], g: f32):
    for i in seq(0, n):
        Knobs.gain = g
        x[i] = x[i] * Knobs.gain
        g = g + 1.0


@proc
def gated(n: size, x: f32[n], flag: bool, g: f32):
    for i in seq(0, n):
        if flag:
            x[i] = x[i] * g


@proc
def reads_gain(x: f32[4], g: f32):
    for i in seq(0, 4):
        x[i] = x[i] * g
        x[i] = x[i] * Knobs.gain


# --------------------------------------------------------------------------- the fake accelerator


def test_fake_accelerator_agrees_with_its_semantics():
    agree(rows, rows, cfg=CFG, c_before=True, same_cfg=[(FakeCfg, "stride"), (FakeCfg, "scale")])
    agree(cols, cols, cfg=CFG, c_before=True)
    agree(two_scales, two_scales, cfg=CFG, c_before=True)


def test_wrong_config_state_shows_in_c_and_in_the_interpreter():
    # The hardware reads its stride from the context: code leaving a wrong value there
    # (built here by hand, past the checks) loads the wrong elements in C, and fails the
    # precondition of ld in the interpreter.
    from exo_core.errors import InterpreterError
    from exo_core.ir import Const, WriteConfig
    from exo_core.ir.paths import replace_at
    from exo_core.procedure import Procedure

    path = cols.find("FakeCfg.stride = _")._path
    bad = Procedure(replace_at(cols._ir, path, WriteConfig(FakeCfg, "stride", Const(1, cols._ir.args[0].type))))
    args = {"n": 3, "A": np.arange(24, dtype=np.float32).reshape(8, 3), "B": np.zeros((3, 8), np.float32)}
    good, _ = run(cols, args, CFG)
    np.testing.assert_array_equal(good["B"][1], 2 * args["A"][:, 1])
    out, _ = run_c(bad.jit(), args, CFG)
    assert not np.array_equal(out["B"], good["B"])
    with pytest.raises(InterpreterError, match="precondition"):
        run(bad, args, CFG)


# --------------------------------------------------------------------------- hoisting


def _hoist(p, field, value, it="i"):
    p = write_config(p, p.find_loop(it).before(), FakeCfg, field, value)
    return delete_config(p, p.find(f"FakeCfg.{field} = _ #1"))


def test_hoist_config_writes_out_of_the_loop():
    p = _hoist(rows, "stride", "stride(A, 1)")
    p = _hoist(p, "scale", "s")
    assert body(p) == (
        "buf: f32[8] @ FakeScratch\n"
        "FakeCfg.stride = stride(A, 1)\n"
        "FakeCfg.scale = s\n"
        "for i in seq(0, n):\n"
        "    ld(8, A[i, 0:8], buf[0:8])\n"
        "    scale_store(8, buf[0:8], B[i, 0:8])"
    )
    agree(rows, p, cfg=CFG, same_cfg=[(FakeCfg, "stride"), (FakeCfg, "scale")])
    c = p.c_code_str()
    assert c.index("ctxt->FakeCfg.scale = *s;") < c.index("for (")


def test_hoist_column_stride_and_literal_scale():
    p = _hoist(cols, "stride", "stride(A, 0)", "j")
    p = _hoist(p, "scale", 2.0, "j")
    assert "for j in seq(0, n):\n    ld(" in body(p)
    agree(cols, p, cfg=CFG, same_cfg=[(FakeCfg, "stride"), (FakeCfg, "scale")])


def test_hoisting_refused_when_a_later_read_in_the_loop_sees_another_value():
    # scale is 2.0 for the first store and 3.0 for the second: every iteration must set it
    p = write_config(two_scales, two_scales.find_loop("i").before(), FakeCfg, "scale", 2.0)
    refused(delete_config, p, p.find("FakeCfg.scale = _ #1"),
            words=["FakeCfg.scale is read after this write", "not known to hold that value"])
    # the stride is the same in every iteration: that one goes
    p = write_config(two_scales, two_scales.find_loop("i").before(), FakeCfg, "stride", 1)
    p = delete_config(p, p.find("FakeCfg.stride = _ #1"))
    agree(two_scales, p, cfg=CFG, same_cfg=[(FakeCfg, "stride")])


def test_hoisting_refused_when_the_value_changes_between_iterations():
    p = write_config(gain_loop, gain_loop.find_loop("i").before(), Knobs, "gain", "g")
    refused(delete_config, p, p.find("Knobs.gain = _ #1"), words=["Knobs.gain is read after"])


def test_write_before_the_loop_refused_when_read_before_the_loop_writes():
    # the loop reads Knobs.gain before writing it: a new value before the loop would be seen
    refused(write_config, reads_gain, reads_gain.find_loop("i").before(), Knobs, "gain", "g",
            words=["Knobs.gain is read after this write"])


def test_hoist_through_fission_and_remove_loop():
    # the existing primitives treat config fields as locations: a write no later statement
    # of the loop reads can be split off into its own loop, which remove_loop then removes
    @proc
    def split_me(n: size, x: f32[n], g: f32):
        for i in seq(0, n):
            Knobs.gain = g
            x[i] = x[i] * 2.0
        for i in seq(0, n):
            x[i] = x[i] * Knobs.gain

    p = fission(split_me, split_me.find("Knobs.gain = _").after())
    p = remove_loop(p, p.find_loop("i"))
    assert body(p).startswith("Knobs.gain = g\nfor i in seq(0, n):\n    x[i] = x[i] * 2.0")
    agree(split_me, p, cfg={Knobs: {"gain": 1.0}}, same_cfg=[(Knobs, "gain")])
    # a write read by the rest of the loop cannot be split off
    refused(fission, gain_loop, gain_loop.find("Knobs.gain = _").after(), words=["Knobs.gain"])


def test_reorder_config_writes_with_config_fields_as_locations():
    p = reorder_stmts(rows, rows.find("FakeCfg.stride = _").expand(0, 1))
    assert body(p).startswith("buf: f32[8] @ FakeScratch\nfor i in seq(0, n):\n    FakeCfg.scale = s\n"
                              "    FakeCfg.stride = stride(A, 1)")
    agree(rows, p, cfg=CFG)
    refused(reorder_stmts, two_scales, two_scales.find("FakeCfg.scale = _").expand(0, 1),
            words=["FakeCfg.scale", "do not commute"])


# --------------------------------------------------------------------------- delete_config


def test_delete_redundant_write():
    p = delete_config(set_twice, set_twice.find("Knobs.gain = _ #1"))
    assert body(p).count("Knobs.gain = 2.0") == 1
    agree(set_twice, p, same_cfg=[(Knobs, "gain")])
    # the first one is not read before the second overwrites it: deletable too
    p = delete_config(set_twice, set_twice.find("Knobs.gain = _"))
    agree(set_twice, p, same_cfg=[(Knobs, "gain")])


def test_delete_needed_write_refused():
    p = delete_config(set_twice, set_twice.find("Knobs.gain = _"))
    refused(delete_config, p, p.find("Knobs.gain = _"), words=["Knobs.gain is read after this write"])


def test_delete_write_known_to_the_solver():
    # Knobs.n = n inside the loop: the solver knows Knobs.n == n there (an index field)
    p = delete_config(index_field, index_field.find("Knobs.n = _ #1"))
    agree(index_field, p, same_cfg=[(Knobs, "n")])
    # the last write is visible when the procedure returns: deletable, modulo Knobs.n
    p2 = delete_config(index_field, index_field.find("Knobs.n = _ #2"))
    agree(index_field, p2)


def test_delete_config_refuses_other_statements():
    refused(delete_config, rows, rows.find("ld(_)"), words=["not a config write"])


# --------------------------------------------------------------------------- write_config


def test_write_config_accepted_and_visible():
    p = write_config(gated, gated.find_loop("i").after(), Knobs, "gain", "g")
    assert body(p).endswith("Knobs.gain = g")
    agree(gated, p)


def test_write_config_types_and_bounds():
    with pytest.raises(ParseFragmentError, match="expected a bool expression"):
        write_config(gated, gated.find_loop("i").before(), Knobs, "flag", "g")
    refused(write_config, gated, gated.find_loop("i").before(), Knobs, "nope", "g", words=["no field"])
    @proc
    def copy(n: size, x: f32[n], y: f32[n]):
        for i in seq(0, n):
            y[i] = x[i]

    refused(write_config, copy, copy.find_loop("i").before(), Knobs, "gain", "x[n]",
            words=["x\\[n\\]", "cannot be evaluated there"])
    p = write_config(copy, copy.find_loop("i").before(), Knobs, "gain", "x[n - 1]")
    agree(copy, p)
    p = write_config(gated, gated.find_loop("i").before(), Knobs, "flag", "flag")
    agree(gated, p)


# --------------------------------------------------------------------------- bind_config


def test_bind_config_scalar_and_bool():
    p = bind_config(gated, gated.find("g"), Knobs, "gain")
    assert "    if flag:\n        Knobs.gain = g\n        x[i] = x[i] * Knobs.gain" in body(p)
    agree(gated, p)
    p = bind_config(gated, gated.find("flag"), Knobs, "flag")
    assert "    Knobs.flag = flag\n    if Knobs.flag:" in body(p)
    agree(gated, p)


def test_bind_config_refusals():
    refused(bind_config, gated, gated.find("g"), Knobs, "flag", words=["type"])
    refused(bind_config, gated, gated.find("x[i] * g"), Knobs, "gain", words=["expected a read"])
    refused(bind_config, index_field, index_field.find("n", many=True)[-1], Knobs, "n",
            words=["not a scalar data variable or a bool"])
    # Knobs.gain is read later in the loop: binding g to it would change that read
    refused(bind_config, reads_gain, reads_gain.find("g"), Knobs, "gain",
            words=["Knobs.gain is read after"])


@proc
def tiles(n: size, m: size, A: f32[n, m, 8], B: f32[n, m, 8], s: f32):
    buf: f32[8] @ FakeScratch
    for i in seq(0, n):
        for j in seq(0, m):
            FakeCfg.stride = 1
            FakeCfg.scale = s
            ld(8, A[i, j, 0:8], buf[0:8])
            scale_store(8, buf[0:8], B[i, j, 0:8])


def test_hoist_out_of_two_loops():
    p = tiles
    for field, value in (("stride", 1), ("scale", "s")):
        p = write_config(p, p.find_loop("i").before(), FakeCfg, field, value)
        p = delete_config(p, p.find(f"FakeCfg.{field} = _ #1"))
    assert body(p) == (
        "buf: f32[8] @ FakeScratch\n"
        "FakeCfg.stride = 1\n"
        "FakeCfg.scale = s\n"
        "for i in seq(0, n):\n"
        "    for j in seq(0, m):\n"
        "        ld(8, A[i, j, 0:8], buf[0:8])\n"
        "        scale_store(8, buf[0:8], B[i, j, 0:8])"
    )
    agree(tiles, p, cfg=CFG, same_cfg=[(FakeCfg, "stride"), (FakeCfg, "scale")])


def test_config_values_must_not_depend_on_loop_iterators():
    # the language's rule (Exo's): the final value of a field must not depend on the
    # order of iterations
    @proc
    def per_row(n: size, x: f32[n], S: f32[n]):
        for i in seq(0, n):
            x[i] = S[i]

    refused(write_config, per_row, per_row.find("x[i] = _").before(), Knobs, "gain", "S[i]",
            words=["depends on loop iterator 'i'"])
    refused(write_config, per_row, per_row.find("x[i] = _").before(), Knobs, "n", "i",
            words=["depends on loop iterator 'i'"])


def test_hoist_refused_when_the_value_is_written_in_the_loop():
    @proc
    def rescale(n: size, A: f32[n, 8], B: f32[n, 8], s: f32):
        buf: f32[8] @ FakeScratch
        FakeCfg.stride = 1
        for i in seq(0, n):
            FakeCfg.scale = s
            ld(8, A[i, 0:8], buf[0:8])
            scale_store(8, buf[0:8], B[i, 0:8])
            s = s * 2.0

    p = write_config(rescale, rescale.find_loop("i").before(), FakeCfg, "scale", "s")
    refused(delete_config, p, p.find("FakeCfg.scale = _ #1"), words=["FakeCfg.scale is read after"])


def test_bind_config_call_argument():
    from exo_core import proc as _proc

    @_proc
    def bump(s: f32, y: f32[2]):
        y[0] = y[0] + s

    @_proc
    def bump_written(s: f32):
        s = 2.0

    @_proc
    def caller(y: f32[2], g: f32):
        bump(g, y)
        bump_written(g)

    p = bind_config(caller, caller.find("g"), Knobs, "gain")
    assert body(p).startswith("Knobs.gain = g\nbump(Knobs.gain, y)")
    agree(caller, p)
    refused(bind_config, caller, caller.find("g #1"), Knobs, "gain",
            words=["bump_written writes", "Knobs.gain instead"])


def test_bind_config_forwards_the_expression_cursor():
    c = gated.find("g")
    p = bind_config(gated, c, Knobs, "gain")
    fwd = p.forward(c)
    assert fwd._node().__class__.__name__ == "ReadConfig"


def test_config_write_not_moved_past_a_precondition_that_reads_it():
    @proc
    def restride(n: size, A: f32[8, n], B: f32[8]):
        buf: f32[8] @ FakeScratch
        FakeCfg.scale = 1.0
        FakeCfg.stride = 1
        FakeCfg.stride = stride(A, 0)
        ld(8, A[0:8, 0], buf[0:8])
        scale_store(8, buf[0:8], B[0:8])

    msg = refused(reorder_stmts, restride, restride.find("FakeCfg.stride = _ #1").expand(0, 1),
                  words=["FakeCfg.stride"])
    assert "paranoid" not in msg
