"""Loop interchange, fission, fusion, loop-carried dependences, sinking allocations."""

from __future__ import annotations

from exo_core import config, proc
from exo_core.analysis.sched import (
    check_fission,
    check_fuse_loops,
    check_no_loop_carried,
    check_reorder_loops,
    check_sink_alloc,
)

from .util import P, S, fails


@config
class LC:
    k: index
    b: bool


@proc
def zero_row(n: size, y: [f32][n]):
    for j in seq(0, n):
        y[j] = 0.0


# ---------------------------------------------------------------------- reorder_loops


def test_reorder_independent_nest():
    @proc
    def p(n: size, m: size, A: f32[n, m], B: f32[n, m]):
        for i in seq(0, n):
            for j in seq(0, m):
                A[i, j] = B[i, j] + 1.0

    check_reorder_loops(p, P(0))


def test_reorder_accumulation_is_fine():
    @proc
    def p(n: size, m: size, A: f32[n, m], x: f32[n]):
        for i in seq(0, n):
            for j in seq(0, m):
                x[i] += A[i, j]

    check_reorder_loops(p, P(0))


def test_reorder_refuses_reversed_dependence():
    @proc
    def p(n: size, m: size, A: f32[n + 1, m + 1]):
        for i in seq(0, n):
            for j in seq(0, m):
                A[i + 1, j] = A[i, j + 1]

    msg = fails(check_reorder_loops, p, P(0), match=["cannot reorder the loops over i and j", "A[i + 1, j]"])
    assert "iteration i = " in msg and "j = " in msg, msg


def test_reorder_keeps_forward_dependence():
    @proc
    def p(n: size, m: size, A: f32[n + 1, m + 1]):
        for i in seq(0, n):
            for j in seq(0, m):
                A[i + 1, j + 1] = A[i, j]

    check_reorder_loops(p, P(0))


def test_reorder_triangular_bounds_refused():
    # Exo bug #314: the inner bound reads the outer iterator
    @proc
    def p(n: size, A: f32[n, n]):
        for i in seq(0, n):
            for j in seq(0, i):
                A[i, j] = 0.0

    fails(check_reorder_loops, p, P(0), match=["triangular", "depend on i"])

    @proc
    def q(n: size, A: f32[n, n + 4]):
        for io in seq(0, n / 4):
            for ii in seq(0, 4):
                for jo in seq(0, (4 * io + ii + 1) / 4):
                    A[4 * io + ii, jo] = 0.0

    fails(check_reorder_loops, q, P(0, 0), match="triangular")


def test_reorder_needs_perfect_nest():
    @proc
    def p(n: size, A: f32[n, n]):
        for i in seq(0, n):
            A[i, 0] = 1.0
            for j in seq(0, n):
                A[i, j] = 0.0

    fails(check_reorder_loops, p, P(0), match="not exactly one loop")


def test_reorder_bounds_written_by_body():
    @proc
    def p(n: size, A: f32[n, 8]):
        for i in seq(0, n):  # noqa: B007
            for j in seq(0, LC.k):  # noqa: B007
                LC.k = 3

    fails(check_reorder_loops, p, P(0), match="LC.k")


def test_reorder_scalar_temporary_refused():
    @proc
    def p(n: size, A: f32[n, n], B: f32[n, n]):
        t: f32
        for i in seq(0, n):
            for j in seq(0, n):
                t = A[i, j]
                B[j, i] = t

    # (i, j) and (i', j') share t: the write of one iteration feeds the next statement
    # only within an iteration, but iterations also overwrite each other's t
    fails(check_reorder_loops, p, P(1), match="t")


# ---------------------------------------------------------------------- fission


def test_fission_independent_parts():
    @proc
    def p(n: size, x: f32[n], y: f32[n]):
        for i in seq(0, n):
            x[i] = 1.0
            y[i] = x[i] * 2.0

    check_fission(p, P(0), 0)


def test_fission_backward_dependence_refused():
    @proc
    def p(n: size, x: f32[n + 1], y: f32[n]):
        for i in seq(0, n):
            x[i] = 1.0
            y[i] = x[i + 1]

    msg = fails(check_fission, p, P(0), 0, match=["x[i + 1]", "loop over i"])
    assert "iteration i = " in msg, msg


def test_fission_after_lift_alloc_refused():
    # t was lifted out of the loop (sound by itself); fission must now see that every
    # iteration reuses t (Exo's lift/sink of allocations across loop-carried uses)
    @proc
    def p(n: size, x: f32[n], y: f32[n]):
        t: f32
        for i in seq(0, n):
            t = x[i]
            y[i] = t

    fails(check_fission, p, P(1), 0, match="t")

    @proc
    def q(n: size, x: f32[n], y: f32[n]):
        for i in seq(0, n):
            t: f32
            t = x[i]
            y[i] = t

    fails(check_fission, q, P(0), 1, match="t is allocated before the split")


def test_fission_private_alloc_ok():
    @proc
    def p(n: size, x: f32[n], y: f32[n]):
        for i in seq(0, n):
            t: f32
            t = x[i]
            x[i] = t
            y[i] = 1.0

    check_fission(p, P(0), 2)


def test_fission_loop_bounds_written():
    @proc
    def p(x: f32[8]):
        for i in seq(0, LC.k):  # noqa: B007
            LC.k = 2
            x[0] = 1.0

    fails(check_fission, p, P(0), 0, match="LC.k")


def test_fission_of_if_changing_its_condition():
    # Exo did no check here (anatomy 9.2 #4)
    @proc
    def p(x: f32[8]):
        if LC.k == 0:
            LC.k = 1
            x[0] = 2.0

    fails(check_fission, p, P(0), 0, match=["LC.k", "condition"])

    @proc
    def q(x: f32[8]):
        if LC.k == 0:
            x[1] = 1.0
            x[0] = 2.0

    check_fission(q, P(0), 0)


def test_fission_if_else_branch_writes_condition():
    @proc
    def p(x: f32[8]):
        if LC.b:
            x[1] = 1.0
            x[0] = 2.0
        else:
            LC.b = True

    fails(check_fission, p, P(0), 0, match="LC.b")


def test_fission_edges():
    @proc
    def p(n: size, x: f32[n]):
        for i in seq(0, n):
            x[i] = 1.0

    fails(check_fission, p, P(0), 0, match="edge")


def test_fission_nested_second_iteration_query():
    @proc
    def p(n: size, A: f32[n, 4], y: f32[n]):
        for i in seq(0, n):
            for j in seq(0, 4):
                A[i, j] = 1.0
            for j in seq(0, 4):
                y[i] += A[i, j]

    check_fission(p, P(0), 0)


# ---------------------------------------------------------------------- fuse


def test_fuse_same_bounds():
    @proc
    def p(n: size, x: f32[n], y: f32[n]):
        for i in seq(0, n):
            x[i] = 1.0
        for j in seq(0, n):
            y[j] = x[j]

    check_fuse_loops(p, P(0), P(1))


def test_fuse_lower_bounds_differ():
    # Exo compared only the upper bounds (anatomy 9.2 #2)
    @proc
    def p(n: size, x: f32[n], y: f32[n]):
        for i in seq(0, n):
            x[i] = 1.0
        for j in seq(1, n):
            y[j] = 2.0

    fails(check_fuse_loops, p, P(0), P(1), match="lower bounds")


def test_fuse_reads_ahead_refused():
    @proc
    def p(n: size, x: f32[n + 1], y: f32[n]):
        for i in seq(0, n + 1):
            x[i] = 1.0
        for j in seq(0, n + 1):
            if j < n:
                y[j] = x[j + 1]

    msg = fails(check_fuse_loops, p, P(0), P(1), match=["cannot fuse", "x[j + 1]"])
    assert "iteration i = " in msg and "iteration j = " in msg, msg


# ---------------------------------------------------------------------- loop-carried


def test_no_loop_carried():
    @proc
    def p(n: size, A: f32[n, 8], x: f32[n]):
        for i in seq(0, n):
            zero_row(8, A[i, :])
            for j in seq(0, 8):
                x[i] += A[i, j]

    check_no_loop_carried(p, P(0))


def test_loop_carried_reduction_races():
    @proc
    def p(n: size, x: f32[n], s: f32):
        for i in seq(0, n):
            s += x[i]

    fails(check_no_loop_carried, p, P(0), match=["s", "not independent"])


def test_nested_par_race():
    # Exo never race-checked par loops nested in another loop (anatomy 9.2 #1)
    @proc
    def p(n: size, A: f32[n, n + 1]):
        for i in seq(0, n):
            for j in par(0, n):
                A[i, j + 1] = A[i, j]

    msg = fails(check_no_loop_carried, p, P(0, 0), match="loop over j")
    assert "iteration j = " in msg, msg
    check_no_loop_carried(p, P(0))


def test_call_region_conflict():
    @proc
    def p(n: size, A: f32[n + 1, 8]):
        for i in seq(0, n):
            zero_row(8, A[i, :])
            zero_row(8, A[i + 1, :])

    fails(check_no_loop_carried, p, P(0), match="zero_row")


# ---------------------------------------------------------------------- sink_alloc


def test_sink_alloc_fresh_per_iteration():
    @proc
    def p(n: size, x: f32[n], y: f32[n]):
        t: f32
        for i in seq(0, n):
            t = x[i]
            y[i] = t

    check_sink_alloc(p, P(0))


def test_sink_alloc_carried_value_refused():
    @proc
    def p(n: size, x: f32[n], y: f32[n]):
        t: f32
        for i in seq(0, n):
            y[i] = t
            t = x[i]

    fails(check_sink_alloc, p, P(0), match=["carries values", "t"])

    @proc
    def q(n: size, x: f32[n], y: f32):
        t: f32
        for i in seq(0, n):
            t += x[i]
        y = t

    fails(check_sink_alloc, q, P(0), match="used after")


def test_sink_alloc_into_if():
    @proc
    def p(n: size, x: f32[n]):
        t: f32
        if n > 2:
            t = 1.0
            x[0] = t

    check_sink_alloc(p, P(0))
    assert S(("body", 0)) == P(0)
