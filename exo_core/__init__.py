"""exo-core: an exocompiler. See README.md for a tour."""

from __future__ import annotations

__version__ = "0.1.0"

from . import errors
from .config import Config, config
from .errors import *  # noqa: F403
from .errors import ExoError, ParseFragmentError, SchedulingError
from .extern import Extern
from .memory import DRAM, DRAM_STACK, DRAM_STATIC, DRAM_STATIC_HUGE, MemGenError, Memory
from .procedure import Procedure, instr, proc
from .textdiff import diff


def compile_procs(proc_list, basedir, c_file, h_file):
    """Write the C source and header for ``proc_list`` (and everything they call)."""
    from .backend import compile_procs as _compile

    return _compile(proc_list, basedir, c_file, h_file)


def compile_procs_to_strings(proc_list, h_file_name):
    """Return ``(c_source, header)`` for ``proc_list``."""
    from .backend import compile_procs_to_strings as _compile

    return _compile(proc_list, h_file_name)


def interpret(proc, **kwargs):
    """Run ``proc`` in the reference interpreter on numpy arrays and Python numbers."""
    from .interp import interpret as _interpret

    return _interpret(proc, **kwargs)


# The function, bound at import time so `exo_core.jit(proc)` works.
from .jit_compiler import jit  # noqa: E402

__all__ = [
    "proc", "instr", "config", "Procedure", "Config", "Memory", "Extern", "DRAM", "DRAM_STATIC",
    "DRAM_STATIC_HUGE", "DRAM_STACK", "compile_procs", "diff", "compile_procs_to_strings", "interpret", "jit", "SchedulingError",
    "ParseFragmentError", "ExoError", "MemGenError", "errors", "__version__",
]
