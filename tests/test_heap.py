"""Start-up memory hygiene: what the bot's process loads and freezes (tutor.heap)."""

from __future__ import annotations

import subprocess
import sys

from tutor.config import PROJECT_ROOT


def _modules_after(code: str) -> set[str]:
    """The top-level packages a fresh interpreter holds after running `code`."""
    listing = "import sys\nprint(' '.join({name.split('.')[0] for name in sys.modules}))"
    script = f"{code}\n{listing}"
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return set(result.stdout.split())


def test_the_bot_loads_neither_httpx_cli_nor_a_webhook_server_it_never_uses() -> None:
    loaded = _modules_after("import bot\nimport tutor.telegram.app")
    assert {"telegram", "httpx"} <= loaded  # the check sees what was imported
    assert not loaded & {"click", "pygments", "tornado"}


def test_without_the_guard_httpx_would_load_click() -> None:
    """The guard above is what keeps click out: uvicorn installs it, httpx picks it up."""
    assert "click" in _modules_after("import httpx")


def test_settle_freezes_what_is_alive() -> None:
    script = "import gc\nfrom tutor import heap\nheap.settle()\nprint(gc.get_freeze_count())"
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True
    )
    assert int(result.stdout) > 1000
