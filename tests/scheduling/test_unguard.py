"""unguard: ``if c: S`` -> ``S`` where the extra runs of ``S`` (``c`` false) only write dead
locations of local buffers. It works on masked register lanes, and it refuses every way an
extra run could be observed: writing an argument, writing a location a live run reads or
writes (in the same statement, another statement, or another iteration), reading out of
bounds, calls, configuration writes, windows, integer division, an ``else`` branch."""

from __future__ import annotations

from exo_core import DRAM, config, proc
from exo_core.scheduling import unguard

from .checks import body, check_equiv, lines, refused


@proc
def masked(w: size, x: f32[8], y: f32[8]):
    assert w <= 8
    t: f32[8]
    for j in seq(0, 8):
        if j < w:
            t[j] = x[j]
    for j in seq(0, 8):
        if j < w:
            t[j] = t[j] * 2.0
    for j in seq(0, 8):
        if j < w:
            y[j] = t[j]


def test_the_lanes_past_w_are_computed_and_dropped():
    p = unguard(masked, masked.find("if _: _ #1"))
    assert body(p) == lines("""
        t: f32[8] @ DRAM
        for j in seq(0, 8):
            if j < w:
                t[j] = x[j]
        for j in seq(0, 8):
            t[j] = t[j] * 2.0
        for j in seq(0, 8):
            if j < w:
                y[j] = t[j]
    """)
    check_equiv(masked, p, sizes={"w": 3})
    check_equiv(masked, p, sizes={"w": 8})
    # the load may run in full too (x has 8 elements): its extra lanes are read by no live run
    q = unguard(masked, masked.find("if _: _ #0"))
    check_equiv(masked, q, sizes={"w": 5})


def test_refuses_writing_an_argument():
    refused(unguard, masked, masked.find("if _: _ #2"), words=("writes y", "not a buffer this procedure allocates"))


def test_refuses_once_a_live_run_reads_the_lanes():
    """After the multiply runs on every lane, the load's extra lanes are read by it."""
    p = unguard(masked, masked.find("if _: _ #1"))
    refused(unguard, p, p.find("if _: _ #0"), words=("t\\[j\\] \\(line \\d+\\) reads", "would not be dead"))


@proc
def overlapping(w: size, x: f32[9], y: f32[8]):
    assert w <= 8
    t: f32[9]
    for j in seq(0, 8):
        if j < w:
            t[j] = x[j]
    for j in seq(0, 8):
        if j < w:
            y[j] = t[j + 1]


def test_refuses_when_a_live_run_reads_a_dead_runs_location():
    """The live reads t[j + 1] reach t[w], which only the dead run j = w writes."""
    refused(unguard, overlapping, overlapping.find("if _: _ #0"),
            words=("when the condition is false", "reads where it runs", "would not be dead"))


@proc
def self_overlap(w: size, x: f32[16], y: f32[16]):
    assert w <= 8
    t: f32[16]
    for j in seq(0, 16):
        t[j] = 0.0
    for k in seq(0, 2):
        for j in seq(0, 8):
            if j < w:
                t[8 * k + j] += x[8 * k + j]
    for j in seq(0, 16):
        y[j] = t[j]


def test_refuses_when_another_statement_touches_every_location():
    """The zeroing loop writes all of t: a dead run's write would land on a live location
    (the check does not order the runs: a dead write anywhere near a live one is refused)."""
    refused(unguard, self_overlap, self_overlap.find("if _: _"), words="would not be dead")


@proc
def self_clash(w: size, x: f32[8], y: f32[8]):
    assert w <= 4
    t: f32[8]
    for k in seq(0, 2):
        for j in seq(0, 4):
            if j < w:
                t[j + 2 * k] = x[j + 2 * k]
    for j in seq(0, 2):
        y[j] = t[j]


def test_refuses_a_dead_run_writing_what_another_iteration_writes_live():
    """With w = 2, the dead run k = 0, j = 2 writes t[2], which the live run k = 1, j = 0 writes."""
    refused(unguard, self_clash, self_clash.find("if _: _"), words=("would not be dead", "k = 0"))


@proc
def short(w: size, x: f32[w], y: f32[8]):
    assert w <= 8
    t: f32[8]
    for j in seq(0, 8):
        if j < w:
            t[j] = x[j]
    for j in seq(0, 8):
        if j < w:
            y[j] = t[j]


def test_refuses_reading_out_of_bounds():
    refused(unguard, short, short.find("if _: _ #0"), words=("where the condition is false", "x"))


@proc
def with_else(w: size, y: f32[8]):
    assert w <= 8
    t: f32[8]
    for j in seq(0, 8):
        if j < w:
            t[j] = 1.0
        else:
            t[j] = 2.0
    for j in seq(0, 8):
        y[j] = t[j]


def test_refuses_an_else_branch():
    refused(unguard, with_else, with_else.find("if _: _"), words="else branch")


@proc
def int_div(w: size, d: i32[8], x: i32[8], y: i32[8]):
    assert w <= 8
    t: i32[8]
    for j in seq(0, 8):
        if j < w:
            t[j] = x[j] / d[j]
    for j in seq(0, 8):
        if j < w:
            y[j] = t[j]


def test_refuses_integer_division():
    refused(unguard, int_div, int_div.find("if _: _ #0"), words="divides an integer")


@proc
def copy8(dst: [f32][8] @ DRAM, src: [f32][8] @ DRAM):
    for i in seq(0, 8):
        dst[i] = src[i]


@config
class Flags:
    hits: index


@proc
def with_call_and_config(w: size, x: f32[8], y: f32[8]):
    assert w <= 8
    t: f32[8]
    if w < 8:
        copy8(t, x)
    if w < 4:
        Flags.hits = 1
    for j in seq(0, 8):
        y[j] = 0.0


def test_refuses_calls_and_config_writes():
    refused(unguard, with_call_and_config, with_call_and_config.find("if _: _ #0"), words="calls copy8")
    refused(unguard, with_call_and_config, with_call_and_config.find("if _: _ #1"), words="writes Flags.hits")


def test_refuses_what_is_not_an_if():
    refused(unguard, masked, masked.find_loop("j"), words="expected an if statement")
