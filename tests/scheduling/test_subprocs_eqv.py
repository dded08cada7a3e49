"""call_eqv: swapping a callee for a procedure scheduled from it (or from a common
ancestor), with the provenance followed through every procedure's history, equivalence
modulo config fields (recorded by the config primitives), and the call checked against
the new callee's signature."""

from __future__ import annotations

from fake_accel import FakeScratch

from exo_core import config, proc
from exo_core.scheduling import (
    call_eqv,
    delete_config,
    divide_loop,
    rename,
    set_memory,
    set_precision,
    set_window,
    simplify,
    write_config,
)

from .checks import body, refused
from .test_configs_util import agree


@config
class EqCfg:
    gain: f32
    n: index


@proc
def dbl(n: size, x: [f32][n]):
    for i in seq(0, n):
        x[i] = x[i] * 2.0


@proc
def dbl_twin(n: size, x: [f32][n]):
    for i in seq(0, n):
        x[i] = x[i] * 2.0


@proc
def rows(m: size, X: f32[m, 8]):
    for j in seq(0, m):
        dbl(8, X[j, 0:8])


@proc
def whole(X: f32[8]):
    dbl(8, X)


def test_swap_for_a_scheduled_version_and_back():
    fast = divide_loop(dbl, "i", 4, ["io", "ii"], tail="cut")
    p = call_eqv(rows, "dbl(_)", fast)
    assert "dbl(8, X[j, 0:8])" in body(p) and p._ir.body[0].body[0].proc is fast._ir
    agree(rows, p)
    # back to the original, from the scheduled callee
    q = call_eqv(p, "dbl(_)", dbl)
    assert q._ir.body[0].body[0].proc is dbl._ir
    # siblings: both scheduled from dbl
    other = simplify(rename(divide_loop(dbl, "i", 2, ["io", "ii"], tail="guard"), "dbl"))
    r = call_eqv(p, "dbl(_)", other)
    agree(rows, r)


def test_provenance_survives_dropping_the_scheduled_callee():
    import gc

    p = call_eqv(rows, "dbl(_)", simplify(divide_loop(dbl, "i", 4, ["io", "ii"], tail="cut")))
    gc.collect()
    q = call_eqv(p, "dbl(_)", dbl)
    assert q._ir.body[0].body[0].proc is dbl._ir
    agree(rows, q)


def test_unrelated_procedure_refused():
    refused(call_eqv, rows, "dbl(_)", dbl_twin, words=["not known to be equivalent"])


def test_precision_change_breaks_equivalence():
    lower = set_precision(divide_loop(dbl, "i", 4, ["io", "ii"], tail="cut"), "x", "f64")
    refused(call_eqv, rows, "dbl(_)", lower, words=["not known to be equivalent", "set_precision"])


def test_signature_must_fit_the_call():
    scratch = set_memory(dbl, "x", FakeScratch)
    refused(call_eqv, rows, "dbl(_)", scratch, words=["memory FakeScratch", "in memory DRAM"])
    dense = set_window(dbl, "x", False)
    refused(call_eqv, rows, "dbl(_)", dense, words=["dense tensor", "window"])
    # a dense buffer may go to a window parameter and the other way round is fine too
    agree(whole, call_eqv(whole, "dbl(_)", dense))


# --------------------------------------------------------------------------- modulo configs


@proc
def leaves_gain(n: size, x: [f32][n]):
    for i in seq(0, n):
        x[i] = x[i] * 2.0


@proc
def caller_reads_after(X: f32[8], y: f32[2]):
    EqCfg.gain = 1.0
    leaves_gain(8, X)
    y[0] = EqCfg.gain


@proc
def caller_overwrites(X: f32[8], y: f32[2]):
    leaves_gain(8, X)
    EqCfg.gain = 1.0
    y[0] = EqCfg.gain


@proc
def caller_in_loop(m: size, X: f32[m, 8], y: f32[m]):
    for j in seq(0, m):
        leaves_gain(8, X[j, 0:8])
        EqCfg.gain = 3.0
        y[j] = EqCfg.gain


def _sets_gain():
    return write_config(leaves_gain, leaves_gain.find_loop("i").after(), EqCfg, "gain", 5.0)


def test_equivalent_modulo_a_config_field():
    v = _sets_gain()
    p = call_eqv(caller_overwrites, "leaves_gain(_)", v)
    agree(caller_overwrites, p, same_cfg=[(EqCfg, "gain")])
    p = call_eqv(caller_in_loop, "leaves_gain(_)", v)
    agree(caller_in_loop, p, same_cfg=[(EqCfg, "gain")])


def test_modulo_field_read_after_the_call_refused():
    refused(call_eqv, caller_reads_after, "leaves_gain(_)", _sets_gain(),
            words=["EqCfg.gain", "read after"])


def test_modulo_fields_compose_along_the_history():
    v = _sets_gain()
    v2 = divide_loop(v, "i", 2, ["io", "ii"], tail="cut")
    refused(call_eqv, caller_reads_after, "leaves_gain(_)", v2, words=["EqCfg.gain"])
    # deleting the write again gives a procedure equal to the original: still modulo gain
    # through the history (the smallest set found along the derivation)
    back = delete_config(v2, v2.find("EqCfg.gain = _"))
    refused(call_eqv, caller_reads_after, "leaves_gain(_)", back, words=["EqCfg.gain"])
    agree(caller_overwrites, call_eqv(caller_overwrites, "leaves_gain(_)", back))


def test_visible_change_propagates_to_the_caller():
    # the caller's own change of the final gain is recorded: a caller of the caller that
    # reads the gain afterwards cannot swap it in
    @proc
    def no_overwrite(X: f32[8]):
        leaves_gain(8, X)

    @proc
    def outer(X: f32[8], y: f32[2]):
        EqCfg.gain = 1.0
        no_overwrite(X)
        y[0] = EqCfg.gain

    swapped = call_eqv(no_overwrite, "leaves_gain(_)", _sets_gain())
    refused(call_eqv, outer, "no_overwrite(_)", swapped, words=["EqCfg.gain", "read after"])
