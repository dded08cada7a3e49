"""Hook specifications: the contract between exo-core and target plugins.

The docstrings in this module are the plugin author's reference (``docs/plugins.md``
walks through a complete plugin).

A plugin is an importable module (or any object) exposing functions named after the
hooks below. It is found through an entry point in the ``exo_core.targets`` group of its
distribution::

    # pyproject.toml of the plugin distribution
    [project.entry-points."exo_core.targets"]
    x86 = "exo_x86.plugin"          # entry point name = plugin name

    # exo_x86/plugin.py
    from exo_core.plugins import Target, hookimpl

    @hookimpl
    def exo_core_targets():
        return [Target("avx2", memories=[AVX2], instrs=[mm256_loadu_ps, ...],
                       cflags=["-O2", "-std=c11", "-mavx2", "-mfma"], cpu_flags=["avx2", "fma"])]

The ``@hookimpl`` marker (``pluggy.HookimplMarker("exo_core")``) is optional: a module-level
function whose name starts with ``exo_core_`` is taken as an implementation, as pytest does
for ``pytest_`` functions. A function with that prefix that matches no hook below makes the
plugin *broken* (a typo must not be silently ignored).

Loading rules (``exo_core.plugins.host``):

* The built-in C target (``c``, in ``exo_core.plugins.builtin``) always loads.
* ``EXO_DISABLE_PLUGIN_AUTOLOAD=1`` stops the automatic loading of third-party plugins.
* ``EXO_PLUGINS=name1,name2`` is an allow-list: only these plugins load (entry point names
  or distribution names). With autoloading disabled it names the plugins to load anyway.
* A plugin whose import fails, whose hook raises or whose hook returns something of the
  wrong type is recorded as *broken* (``exocc plugins`` and ``exocc --version`` show the
  error) and contributes nothing; other plugins are unaffected.
* Two plugins defining the same target, memory or instr name conflict: building the
  registry raises ``PluginError`` naming both distributions.

Hooks are called once per process (the registry is cached); they should be cheap and free
of side effects beyond defining the returned objects.
"""

from __future__ import annotations

import pluggy

PROJECT = "exo_core"
ENTRY_POINT_GROUP = "exo_core.targets"

hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec
def exo_core_targets():
    """Return the targets this plugin provides, as a list of ``exo_core.plugins.Target``.

    Each target names its memories (``Memory`` subclasses), configs (``@config`` objects),
    instrs (``@instr`` procedures), C compiler and flags, and how a built program runs on
    this host (``runner``: ``"native"``, an emulator command prefix such as
    ``["qemu-aarch64"]``, or a ``pathlib.Path`` to a host-side simulator's headers).

    Names must be unique across all installed plugins: target names, memory class names
    (``Memory.name()``) and instr names. Several targets of one plugin may share memories
    and instrs (e.g. ``avx2`` and ``avx512`` both listing ``AVX2``); that is not a conflict.

    The host fills in ``Target.distribution`` and ``Target.version``. Do not probe the host
    here (a missing compiler or CPU flag is not an error): put host checks in
    ``Target.cpu_flags`` / ``Target.check``, which ``Target.can_run()`` evaluates when the
    target is used.

    :return: a list (possibly empty) of ``Target``.
    """


@hookspec
def exo_core_compat_modules():
    """Return the Exo modules this plugin provides to the ``import exo`` shim.

    ``exo_core.compat`` lets unmodified Exo programs run (``python -m exo_core.compat
    script.py``). Platform libraries live in plugins, so a plugin maps the Exo module name to
    one of its own modules, which is imported only when the user imports the Exo name::

        @hookimpl
        def exo_core_compat_modules():
            return {"exo.platforms.x86": "exo_x86.platform"}

    Names a plugin offers in ``exo.libs.memories`` (such as ``AVX2``) need no entry here:
    every memory of every target is visible there. Modules exo-core itself maps
    (docs/compat.md: ``exo``, ``exo.libs.memories``...) cannot be replaced by a plugin.

    :return: a dict from a dotted ``exo.`` module name to an importable module name (or a
        module object). Two plugins offering the same Exo module conflict.
    """


__all__ = ["hookspec", "hookimpl", "exo_core_targets", "exo_core_compat_modules", "PROJECT", "ENTRY_POINT_GROUP"]
