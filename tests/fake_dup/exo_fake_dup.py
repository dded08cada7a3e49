"""Defines target 'fake' and memory 'FakeMem' again (no @hookimpl: the exo_core_ prefix suffices)."""

from __future__ import annotations

from exo_core import DRAM
from exo_core.plugins import Target


class FakeMem(DRAM):
    pass


def exo_core_targets():
    return [Target("fake", description="a clash", memories=[FakeMem])]
