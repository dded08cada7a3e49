"""``Procedure``, the user's handle on a proc, and the ``@proc`` / ``@instr`` decorators.

A Procedure wraps an immutable ``ProcDef``. Scheduling returns new Procedures; the old
one is never changed.
"""

from __future__ import annotations

import sys
import weakref
from pathlib import Path

from .errors import ExoError
from .ir import InstrInfo, ProcDef

# id(ProcDef) -> WeakSet of the Procedures wrapping it. A ProcDef has no weakref slot, but
# its Procedures hold it: once it dies its set is empty, so a reused id finds no stale entry.
_WRAPPERS: dict = {}


def procedures_of(ir: ProcDef) -> list:
    """The live ``Procedure`` objects whose code is ``ir``."""
    ws = _WRAPPERS.get(id(ir))
    return [] if ws is None else [p for p in ws if p._ir is ir]


class Procedure:
    """A procedure of the language (or an instruction, when it carries a C template)."""

    __slots__ = ("_ir", "_parent", "_forward", "_trace", "_cache", "__weakref__")

    def __init__(self, ir: ProcDef, *, parent: Procedure | None = None, forward=None, trace: tuple = ()):
        self._ir = ir
        self._parent = parent
        self._forward = forward
        self._trace = trace
        self._cache: dict = {}
        # the provenance questions of call_eqv ask which Procedures wrap a ProcDef
        ws = _WRAPPERS.get(id(ir))
        if ws is None:
            if len(_WRAPPERS) > 4096:
                for k in [k for k, v in _WRAPPERS.items() if not v]:
                    del _WRAPPERS[k]
            ws = _WRAPPERS[id(ir)] = weakref.WeakSet()
        ws.add(self)

    # --- scheduling history ------------------------------------------------------------
    def _derive(self, ir: ProcDef, forward, step) -> Procedure:
        """The procedure a primitive produced from this one; ``forward`` maps this one's
        paths to the new one's, ``step`` is the ``(primitive name, call text)`` of the trace."""
        return Procedure(ir, parent=self, forward=forward, trace=self._trace + (step,))

    def forward(self, cursor):
        """Move a cursor taken on an earlier version of this procedure to this version.

        Raises ``InvalidCursorError`` when the cursor's code no longer exists, or when the
        cursor's procedure is not an ancestor of this one."""
        from .errors import InvalidCursorError

        src = cursor._proc
        if src is self or src is None:
            return cursor
        chain = []
        p = self
        while p is not src:
            if p._parent is None:
                raise InvalidCursorError("the cursor does not come from an earlier version of this procedure")
            chain.append(p)
            p = p._parent
        for step in reversed(chain):
            cursor = cursor._forwarded(step._forward, step)
        return cursor

    def history(self) -> list:
        """The primitive calls that produced this procedure, oldest first: ``(name, call)`` pairs."""
        return list(self._trace)

    def trace(self) -> str:
        """The history as a schedule script."""
        lines = [f"# starting from {self._root().name()}"]
        lines += [f"p = {call}" for _, call in self._trace]
        return "\n".join(lines)

    def _root(self) -> Procedure:
        p = self
        while p._parent is not None:
            p = p._parent
        return p

    def is_eq(self, other: Procedure) -> bool:
        """Same code up to renaming of binders."""
        from .ir import alpha_equal

        return alpha_equal(self._ir, other._ir)

    # --- finding code ----------------------------------------------------------------------
    def find(self, pattern: str, many: bool = False):
        """Cursor(s) to the code matching an Exo pattern (``"for i in _: _"``, ``"x = _ #2"``...)."""
        from .scheduling.args import find_cursors

        return find_cursors(self, pattern, many=many, kind="any")

    def find_loop(self, pattern: str, many: bool = False):
        """Cursor(s) to a loop: ``"i"``, ``"i #1"`` or a full pattern."""
        from .scheduling.args import find_cursors

        return find_cursors(self, pattern, many=many, kind="loop")

    def find_alloc_or_arg(self, pattern: str):
        """Cursor to the allocation or argument named by ``pattern`` (``"x"``, ``"x #1"``)."""
        from .scheduling.args import find_cursors

        return find_cursors(self, pattern, many=False, kind="alloc_or_arg")

    def find_all(self, pattern: str):
        """All matches of ``pattern``."""
        return self.find(pattern, many=True)

    # --- introspection -------------------------------------------------------------
    def name(self) -> str:
        return self._ir.name

    def is_instr(self) -> bool:
        return self._ir.instr is not None

    def instr(self) -> str | None:
        """The C template, for an instr."""
        return self._ir.instr.c_instr if self._ir.instr else None

    def c_global(self) -> str | None:
        return self._ir.instr.c_global if self._ir.instr else None

    get_instr = instr  # Exo's name

    # --- contracts -----------------------------------------------------------------
    def partial_eval(self, *args, **kwargs) -> Procedure:
        """This procedure with control parameters fixed to values (positional values bind
        the leading parameters, keywords by name) and removed from the signature. The
        result is a new procedure (no scheduling history), bounds-checked."""
        from .rewrite.contracts import partial_eval

        return Procedure(_at_call_site(partial_eval, self._ir, args, kwargs))

    def add_assertion(self, assertion, configs=()) -> Procedure:
        """This procedure with one more precondition (a string over its parameters, like an
        ``assert`` in its body), checked satisfiable with the others. Equivalent to this
        one wherever both may be called, so ``call_eqv`` can swap them (call sites are
        checked against the new precondition). ``configs``: config objects the assertion
        names, if they are not visible from the caller."""
        from .fragments import parse_expr_fragment
        from .rewrite import forward as fw
        from .rewrite.contracts import add_assertion

        scope = {**_caller_scope(1), **{c.name(): c for c in configs}}
        pred = parse_expr_fragment(self, assertion, None, expected="bool", call_site=scope)
        new = _at_call_site(add_assertion, self._ir, pred)
        return self._derive(new, fw.identity, ("add_assertion", f"{self.name()}.add_assertion({assertion!r})"))

    def unsafe_assert_eq(self, other) -> Procedure:
        """Not supported: equivalence is derived from the scheduling history, never declared."""
        from .errors import SchedulingError
        from .scheduling.primitive import user_call_site

        raise SchedulingError(f"{user_call_site()}: unsafe_assert_eq({self.name()}, "
                              f"{getattr(other, 'name', lambda: other)()}): "
                              "exo-core does not accept declared equivalences; derive one procedure from "
                              "the other by scheduling (call_eqv follows the history)")

    def args(self):
        """The parameters, as argument cursors."""
        from .cursors import args_of

        return args_of(self)

    def body(self):
        """The body, as a block cursor."""
        from .cursors import body_of

        return body_of(self)

    def INTERNAL_proc(self) -> ProcDef:
        """The underlying LoopIR (for tools and tests; not a stable API)."""
        return self._ir

    # --- printing ------------------------------------------------------------------
    def __str__(self) -> str:
        from .ir.printer import proc_to_str

        return proc_to_str(self._ir)

    def __repr__(self) -> str:
        kind = "instr" if self.is_instr() else "proc"
        return f"<{kind} {self.name()}>"

    def _repr_markdown_(self) -> str:
        return "```python\n" + str(self) + "\n```"

    # --- compilation ---------------------------------------------------------------
    def c_code_str(self) -> str:
        """The header and the C source of this procedure (and its callees), as one string."""
        from .backend import compile_procs_to_strings

        c, h = compile_procs_to_strings([self], "c_code_str.h")
        return f"{h}\n{c}"

    def compile_c(self, directory, filename: str) -> None:
        """Write ``directory/filename.c`` and ``directory/filename.h``."""
        from .backend import compile_procs

        compile_procs([self], Path(directory), f"{filename}.c", f"{filename}.h")

    def jit(self, target=None, **options):
        """A Python callable running the compiled procedure on numpy arrays and ints."""
        from .jit_compiler import jit

        return jit(self, target=target, **options)

    def interpret(self, **kwargs):
        """Run the procedure in the reference interpreter (arrays are updated in place)."""
        from .interp import interpret

        return interpret(self, **kwargs)


def _at_call_site(fn, *args):
    """``fn(*args)``, a SchedulingError prefixed with the user's ``file:line`` (as
    primitives do)."""
    from .errors import SchedulingError

    try:
        return fn(*args)
    except SchedulingError as err:
        from .scheduling.primitive import user_call_site

        raise SchedulingError(f"{user_call_site()}: {err}") from None


def _caller_scope(depth: int) -> dict:
    frame = sys._getframe(depth + 1)
    # Snapshot: with PEP 667 f_locals is a live proxy.
    return dict(frame.f_locals)


def _build(func, caller_locals: dict, instr: InstrInfo | None) -> Procedure:
    from .analysis.boundscheck import check_proc
    from .frontend import parse_procedure

    try:
        ir = parse_procedure(func, caller_locals=caller_locals, instr=instr)
        check_proc(ir)
    except ExoError as err:
        # The user's file:line is in the message; our frames would only hide it.
        raise err.with_traceback(None) from None
    return Procedure(ir)


def proc(func) -> Procedure:
    """Decorator: parse a Python function as a procedure of the language."""
    return _build(func, _caller_scope(1), None)


def instr(c_instr: str, c_global: str = ""):
    """Decorator: a procedure whose body is the meaning of the C template ``c_instr``."""
    if not isinstance(c_instr, str):
        raise TypeError("@instr takes the C template string: @instr(\"...\")")
    caller_locals = _caller_scope(1)

    def wrap(func) -> Procedure:
        return _build(func, caller_locals, InstrInfo(c_instr, c_global))

    return wrap
