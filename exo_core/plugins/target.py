"""``Target``: everything exo-core needs to know about one compilation target.

A plugin builds ``Target`` objects and returns them from its ``exo_core_targets`` hook
(see ``hookspecs.py``). A target bundles the language-level pieces (memories, configs,
instrs) with the toolchain-level pieces (C compiler, flags, how to run a built program).
"""

from __future__ import annotations

import os
import shlex
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

RUNNER_KINDS = ("native", "emulator", "simulator")


def default_cc() -> list[str]:
    """The host C compiler: ``$CC`` (split like a shell word list), else ``cc``, else ``gcc``."""
    env = os.environ.get("CC", "").strip()
    if env:
        return shlex.split(env)
    for name in ("cc", "gcc", "clang"):
        if shutil.which(name):
            return [name]
    return ["cc"]


def cpu_flags() -> set[str]:
    """The host CPU's feature flags from ``/proc/cpuinfo`` (empty where that file is absent)."""
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return set()
    flags: set[str] = set()
    for line in text.splitlines():
        key, _, value = line.partition(":")
        # x86 says "flags", arm64 says "Features", riscv says "isa".
        if key.strip() in ("flags", "Features", "isa"):
            flags.update(value.split())
    return flags


@dataclass(eq=False)
class Target:
    """A compilation target offered by a plugin.

    Fields (all but ``name`` optional):

    * ``name`` -- unique across all installed plugins (``exocc plugins`` lists them); used by
      ``jit(proc, target="name")``.
    * ``description`` -- one line for ``exocc plugins``.
    * ``memories`` -- ``Memory`` subclasses the target defines (names must be unique across plugins).
    * ``configs`` -- ``Config`` objects (``@config`` classes) the target's instrs use.
    * ``instrs`` -- ``@instr`` procedures (names must be unique across plugins).
    * ``cc`` -- the C compiler command as a list (``["aarch64-linux-gnu-gcc"]``); ``None`` means
      the host compiler (``$CC``, else ``cc``). Cross targets should always set it.
    * ``cflags`` -- flags for every compilation (``["-O2", "-std=c11", "-mavx2"]``).
    * ``ldflags`` -- extra flags for linking (``["-lm"]``, ``["-static"]``).
    * ``include_dirs`` -- extra ``-I`` directories (e.g. headers of a simulator's C model).
    * ``runner`` -- how a built program runs on this host: ``"native"``; a list of strings, the
      command prefix of an emulator (``["qemu-aarch64", "-cpu", "max"]``); or a path
      (``pathlib.Path``), the include directory of a host-side simulator (code is built for the
      host with ``-I <dir>`` and runs natively).
    * ``cpu_flags`` -- host CPU flags (``/proc/cpuinfo``) a native target needs (``["avx2", "fma"]``).
    * ``check`` -- an optional extra host check ``() -> (ok, reason)``.
    * ``distribution`` / ``version`` -- filled in by the host from the entry point's distribution.
    """

    name: str
    description: str = ""
    memories: list = field(default_factory=list)
    configs: list = field(default_factory=list)
    instrs: list = field(default_factory=list)
    cc: Sequence[str] | None = None
    cflags: list[str] = field(default_factory=lambda: ["-O2", "-std=c11"])
    ldflags: list[str] = field(default_factory=list)
    include_dirs: list[str] = field(default_factory=list)
    runner: str | Sequence[str] | os.PathLike = "native"
    cpu_flags: list[str] = field(default_factory=list)
    check: Callable[[], tuple[bool, str]] | None = None
    distribution: str | None = None
    version: str | None = None

    def __post_init__(self):
        if not isinstance(self.name, str) or not self.name.isidentifier():
            raise ValueError(f"target name must be an identifier, got {self.name!r}")
        if isinstance(self.cc, str):
            self.cc = shlex.split(self.cc)
        if isinstance(self.runner, str) and self.runner != "native":
            raise ValueError(
                f"target {self.name}: runner must be 'native', a command prefix list or a Path, got {self.runner!r}"
            )

    # --- toolchain -----------------------------------------------------------------
    def compiler(self) -> list[str]:
        """The C compiler command (a fresh list)."""
        return list(self.cc) if self.cc else default_cc()

    def runner_kind(self) -> str:
        """``"native"``, ``"emulator"`` or ``"simulator"``."""
        if isinstance(self.runner, os.PathLike):
            return "simulator"
        if isinstance(self.runner, str):
            return "native"
        return "emulator"

    def runs_in_process(self) -> bool:
        """Whether code built for this target can be loaded into this Python process (the JIT)."""
        return self.runner_kind() in ("native", "simulator")

    def all_include_dirs(self) -> list[str]:
        dirs = [str(d) for d in self.include_dirs]
        if self.runner_kind() == "simulator":
            dirs.append(os.fspath(self.runner))
        return dirs

    def compile_command(self, sources: Sequence[str], output: str, *, shared: bool = False,
                        extra_flags: Sequence[str] = ()) -> list[str]:
        """The command building ``output`` (an executable, or a shared library) from C ``sources``."""
        cmd = self.compiler() + list(self.cflags) + list(extra_flags)
        cmd += [f"-I{d}" for d in self.all_include_dirs()]
        if shared:
            cmd += ["-shared", "-fPIC"]
        return cmd + ["-o", output, *sources] + list(self.ldflags)

    def run_command(self, program: str, *args: str) -> list[str]:
        """The command running a program built for this target on this host."""
        prefix = list(self.runner) if self.runner_kind() == "emulator" else []
        return prefix + [program, *args]

    # --- host check ------------------------------------------------------------------
    def can_run(self) -> tuple[bool, str]:
        """Whether this host can build and run code for the target, and if not, why not."""
        cc = self.compiler()
        if not shutil.which(cc[0]):
            return False, f"target {self.name}: C compiler '{cc[0]}' not found on PATH"
        kind = self.runner_kind()
        if kind == "emulator":
            prefix = list(self.runner)
            if not prefix or not shutil.which(prefix[0]):
                tool = prefix[0] if prefix else "(empty command)"
                return False, f"target {self.name}: emulator '{tool}' not found on PATH"
        elif kind == "simulator" and not Path(self.runner).is_dir():
            return False, f"target {self.name}: simulator include directory {os.fspath(self.runner)} does not exist"
        if self.cpu_flags and kind == "native":
            missing = sorted(set(self.cpu_flags) - cpu_flags())
            if missing:
                return False, f"target {self.name}: this CPU lacks {', '.join(missing)}"
        if self.check is not None:
            try:
                ok, reason = self.check()
            except Exception as exc:  # a plugin's check must not take the host down
                return False, f"target {self.name}: host check raised {type(exc).__name__}: {exc}"
            if not ok:
                return False, f"target {self.name}: {reason}"
        return True, ""

    # --- names -----------------------------------------------------------------------
    def memory_names(self) -> list[str]:
        return [m.name() for m in self.memories]

    def instr_names(self) -> list[str]:
        return [p.name() for p in self.instrs]

    def instr_defs(self) -> set:
        """The instrs' LoopIR (to recognise them by identity, not by name)."""
        return {p.INTERNAL_proc() for p in self.instrs}

    def config_names(self) -> list[str]:
        return [c.name() for c in self.configs]

    def __repr__(self) -> str:
        origin = f" from {self.distribution}" if self.distribution else ""
        return f"<Target {self.name}{origin}>"


__all__ = ["Target", "default_cc", "cpu_flags", "RUNNER_KINDS"]
