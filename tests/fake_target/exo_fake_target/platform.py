"""What ``from exo.platforms.fake import *`` gives under the compat shim."""

from __future__ import annotations

from . import FakeMem, fake_axpy4

__all__ = ["FakeMem", "fake_axpy4"]
