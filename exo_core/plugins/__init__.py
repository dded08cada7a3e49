"""Target plugins: hook specifications, discovery, the ``Target`` record and the built-in C target.

Plugin authors need ``Target`` and ``hookimpl`` (see ``hookspecs.py`` and docs/plugins.md);
tools use ``get_registry()``.
"""

from __future__ import annotations

from .hookspecs import ENTRY_POINT_GROUP, hookimpl, hookspec
from .host import BrokenPlugin, PluginInfo, Registry, get_registry, load_registry, reset_registry
from .target import Target

__all__ = [
    "Target", "hookimpl", "hookspec", "ENTRY_POINT_GROUP", "get_registry", "reset_registry", "load_registry",
    "Registry", "PluginInfo", "BrokenPlugin",
]
