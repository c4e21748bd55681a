"""`bot.py` in a subprocess, for the tests of start-up, logging, console and webhook modes."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
from pathlib import Path

from tutor.config import PROJECT_ROOT

BOT_PY = PROJECT_ROOT / "bot.py"


def bot_env(**settings: str) -> dict[str, str]:
    """This process's environment without any bot setting, plus `settings`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "TUTOR_"))}
    env.update(settings, PYTHONUNBUFFERED="1")
    return env


class BotProcess:
    """`python bot.py` running in `cwd`; stdout and stderr are collected together."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self._output = bytearray()
        self._reader = asyncio.create_task(self._read())

    @classmethod
    async def start(
        cls, *args: str, env: dict[str, str], cwd: Path, stdin: bytes | None = None
    ) -> BotProcess:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            str(BOT_PY),
            *args,
            env=env,
            cwd=cwd,
            stdin=asyncio.subprocess.DEVNULL if stdin is None else asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        if stdin is not None and process.stdin is not None:
            process.stdin.write(stdin)
            await process.stdin.drain()
            process.stdin.close()
        return cls(process)

    async def _read(self) -> None:
        assert self.process.stdout is not None
        while chunk := await self.process.stdout.read(65536):
            self._output += chunk

    @property
    def output(self) -> str:
        return self._output.decode("utf-8", "replace")

    async def wait(self, timeout: float = 15.0) -> int:
        """The exit code, once the process has ended and its output is read."""
        code = await asyncio.wait_for(self.process.wait(), timeout)
        await asyncio.wait_for(self._reader, timeout)
        return code

    async def terminate(self, timeout: float = 15.0) -> int:
        """SIGTERM, as a service manager stops the bot; the exit code."""
        self.process.send_signal(signal.SIGTERM)
        return await self.wait(timeout)

    async def kill(self) -> None:
        if self.process.returncode is None:
            self.process.kill()
        with contextlib.suppress(Exception):
            await self.wait(5.0)


async def run_bot(
    *args: str, env: dict[str, str], cwd: Path, stdin: bytes | None = None, timeout: float = 15.0
) -> tuple[int, str]:
    """Run bot.py to its end: (exit code, stdout and stderr)."""
    process = await BotProcess.start(*args, env=env, cwd=cwd, stdin=stdin)
    try:
        return await process.wait(timeout), process.output
    finally:
        await process.kill()
