"""Keeping a long-running process's memory small and its garbage collection short.

Python's cyclic collector walks every tracked object on a full (generation 2)
collection. The bot's content, search indexes, WordNet tables and imported modules live
as long as the process, so walking them finds nothing and only pauses the event loop:
about 55 ms every ~17 s during a push fan-out, long enough to bunch that second's
requests. `gc.freeze()` moves everything alive at that moment out of the collector's
generations (reference counting still frees it), and later full collections walk only
what was allocated since: about 5 ms.
"""

from __future__ import annotations

import gc
import sys


def settle() -> None:
    """Collect once, then freeze what survives. Call after start-up work is done (the
    content loaded and indexed, the database opened); calling it again later freezes
    what has been added since."""
    gc.collect()
    gc.freeze()


def skip_httpx_cli() -> None:
    """Keep httpx from loading its command-line client. httpx imports it (click,
    pygments, rich) whenever those happen to be installed, and uvicorn installs click:
    about 1.5 MiB the bot never uses. A module marked absent in `sys.modules` makes
    httpx take its own fallback for a missing CLI. Call before httpx is imported."""
    if "httpx" not in sys.modules:
        sys.modules.setdefault("httpx._main", None)  # type: ignore[assignment]
