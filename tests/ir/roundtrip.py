"""``assert_round_trip(p)``: printing a proc and parsing the text back gives the same proc.

Usable on any ``Procedure`` or ``ProcDef`` of the suite::

    from ir.roundtrip import assert_round_trip   # tests/ is on sys.path under pytest
    assert_round_trip(my_proc)
"""

from __future__ import annotations

import ast

from exo_core.ir import InstrInfo, ProcDef, alpha_equal
from exo_core.ir.printer import proc_to_str, scope_of


def _instr_of(text: str) -> InstrInfo | None:
    """The ``@instr("...", c_global="...")`` decorator of printed text (parse_source skips it)."""
    (fdef,) = ast.parse(text).body
    for dec in fdef.decorator_list:
        if isinstance(dec, ast.Call) and isinstance(dec.func, ast.Name) and dec.func.id == "instr":
            kw = {k.arg: ast.literal_eval(k.value) for k in dec.keywords}
            return InstrInfo(*(ast.literal_eval(a) for a in dec.args), **kw)
    return None


def round_trip(procedure) -> ProcDef:
    """Parse the printed text of ``procedure`` back (with ``scope_of`` as the scope)."""
    from exo_core.frontend import parse_source

    pd = procedure if isinstance(procedure, ProcDef) else procedure._ir
    text = proc_to_str(pd)
    again = parse_source(text, scope_of(pd), f"<printed {pd.name}>", instr=_instr_of(text))
    return again if isinstance(again, ProcDef) else again._ir


def assert_round_trip(procedure) -> None:
    """The text parses back ``alpha_equal`` to the proc, and printing is a fixpoint."""
    pd = procedure if isinstance(procedure, ProcDef) else procedure._ir
    text = proc_to_str(pd)
    again = round_trip(pd)
    again_text = proc_to_str(again)
    assert alpha_equal(pd, again), f"the printed proc parses back different:\n{text}\n--- parsed back:\n{again_text}"
    assert again_text == text, f"printing is not a fixpoint:\n{text}\n--- second print:\n{again_text}"
