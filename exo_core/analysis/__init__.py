"""Static analyses: the solver layer, normal forms, bounds/precondition, aliasing and race checks.

Public entry points (see docs/internals.md for where each runs):

* ``check_proc(proc)`` -- bounds, preconditions, shapes, aliasing (``boundscheck.py``)
* ``check_aliasing(proc)`` (``aliasing.py``), ``check_parallel_loops(proc)`` (``parallel.py``)
* ``to_affine(expr, env)`` / ``to_formula(expr, env)`` -- LoopIR control expressions in
  normal form (``affine.py``, ``logic.py``)
* ``SOLVER.prove(goal, assumptions)`` / ``SOLVER.is_satisfiable(formulas)`` (``solver.py``)
* ``facts_at(proc, stmt)`` -- what is known when a statement runs (``context.py``)

Submodules are imported lazily by their users; importing this package is cheap.
"""
