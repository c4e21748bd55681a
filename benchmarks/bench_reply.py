"""What a reply costs: the real bot beside a bare python-telegram-bot echo bot (prints figures).

    python benchmarks/bench_reply.py [--messages 2000] [--chats 20] [--compare DIR ...]

Both bots run as processes of their own (`reply_workers.py`), long polling the
project's Bot API emulator (in this process, 127.0.0.1 only, no flood limits); the real
bot is production's `bot.py` without its AIORateLimiter, so neither is held to 30/s.
Each gets the same questions (the deck's card titles and aliases, as students type
them) from --chats private chats at once, each chat sending its next message as soon
as the previous one was answered. After a warm-up, the bot process's CPU time (user +
system, from /proc) is read before the first message and after the last reply:

- CPU ms per reply, for the echo bot and the real bot, and their ratio (target <= 2x);
- peak resident memory (VmHWM) of each process (target <= 100 MiB for the real bot).

--compare DIR also runs the bot.py of another checkout (its src/ first on the path) in
the same run, e.g. the code before a change, so "before" and "after" share a machine
state. Replies to a question are a card (with its 👍/👎 pair) or suggestions; the bot's
SQLite database starts empty, so no quiz is pending: the common case.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tutor.config import PROJECT_ROOT
from tutor.content import load_library

sys.path.insert(0, str(PROJECT_ROOT))
from tests.e2e.emulator import BotApiEmulator

WORKERS = Path(__file__).with_name("reply_workers.py")
FIRST_CHAT = 500_000
REPLY_TIMEOUT = 30.0
QUIET_SECONDS = 0.3
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True, slots=True)
class Result:
    name: str
    messages: int
    cpu_seconds: float
    wall_seconds: float
    peak_rss_mib: float

    @property
    def cpu_ms_per_reply(self) -> float:
        return self.cpu_seconds * 1000 / self.messages


# ----- the bots ------------------------------------------------------------------------------


Launch = Callable[[BotApiEmulator], tuple[list[str], dict[str, str] | None, Path]]
"""A bot's command line, environment and working directory, given the emulator."""


def echo_bot(emulator: BotApiEmulator) -> tuple[list[str], dict[str, str] | None, Path]:
    return [sys.executable, str(WORKERS), "echo", emulator.url, emulator.token], None, PROJECT_ROOT


def tutor_bot(checkout: Path, data: Path) -> Launch:
    """The real bot.py of `checkout` (its src/ first on the path), on a fresh SQLite file."""

    def launch(emulator: BotApiEmulator) -> tuple[list[str], dict[str, str] | None, Path]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "TUTOR_"))}
        env.update(
            TELEGRAM_BOT_TOKEN=emulator.token,
            TELEGRAM_API_BASE_URL=emulator.base_url,
            TUTOR_DATA_DIR=str(data),
            TUTOR_LOG_LEVEL="WARNING",
            PYTHONPATH=str(checkout / "src"),
        )
        return [sys.executable, str(WORKERS), "tutor", str(checkout)], env, checkout

    return launch


# ----- measuring -----------------------------------------------------------------------------


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def peak_rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def wait_until_polling(emulator: BotApiEmulator, timeout: float = 60.0) -> None:
    """Until the bot has started long polling (post_init done: it set its commands)."""
    deadline = time.monotonic() + timeout
    while not any(call.method == "getUpdates" for call in emulator.state.calls):
        if time.monotonic() > deadline:
            raise TimeoutError("the bot did not start polling")
        await emulator._tick(0.1)


async def ask_in_turn(emulator: BotApiEmulator, chat_id: int, questions: list[str]) -> None:
    """One chat: send a question, wait for the bot's answer, send the next."""
    delivered = emulator.state.delivered
    for question in questions:
        before = delivered[chat_id]
        await emulator.send_text(chat_id, question)
        deadline = time.monotonic() + REPLY_TIMEOUT
        while delivered[chat_id] <= before:
            if time.monotonic() > deadline:
                raise TimeoutError(f"no reply in chat {chat_id} to {question!r}")
            await emulator._tick(REPLY_TIMEOUT)


async def until_quiet(emulator: BotApiEmulator) -> None:
    """Until nothing more has been delivered for a moment (late second parts of replies)."""
    seen = -1
    while (total := sum(emulator.state.delivered.values())) != seen:
        seen = total
        await asyncio.sleep(QUIET_SECONDS)


async def conversation(emulator: BotApiEmulator, questions: list[str], chats: int) -> None:
    per_chat = [questions[n::chats] for n in range(chats)]
    await asyncio.gather(
        *(ask_in_turn(emulator, FIRST_CHAT + n, mine) for n, mine in enumerate(per_chat) if mine)
    )
    await until_quiet(emulator)


async def measure(name: str, launch: Launch, options: argparse.Namespace) -> Result:
    questions = sample_questions(options.messages)
    async with BotApiEmulator() as emulator:
        command, env, cwd = launch(emulator)
        process = await asyncio.create_subprocess_exec(
            *command,
            env=env,
            cwd=cwd,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
        )
        try:
            await wait_until_polling(emulator)
            await conversation(emulator, questions[-options.warmup :], options.chats)
            started, cpu_before = time.monotonic(), cpu_seconds(process.pid)
            await conversation(emulator, questions, options.chats)
            cpu = cpu_seconds(process.pid) - cpu_before
            wall = time.monotonic() - started
            peak = peak_rss_mib(process.pid)
        finally:
            if process.returncode is None:
                process.send_signal(signal.SIGTERM)
                try:
                    await asyncio.wait_for(process.wait(), 30)
                except TimeoutError:
                    process.kill()
                    await process.wait()
    return Result(name, len(questions), cpu, wall, peak)


def sample_questions(count: int) -> list[str]:
    """Questions as students type them: card titles and aliases, lower case, repeated."""
    library = load_library([PROJECT_ROOT / "content"])
    texts = []
    for card in library.cards.values():
        texts.append(card.title.lower())
        texts.extend(alias.lower() for alias in card.aliases)
    return [texts[n % len(texts)] for n in range(count)]


def report(results: list[Result], chats: int) -> None:
    echo = results[0]
    print(f"\n{echo.messages} messages from {chats} chats at once, unthrottled")
    print(f"{'bot':<28} {'CPU ms/reply':>12} {'× echo':>7} {'replies/s':>10} {'peak RSS':>10}")
    for result in results:
        ratio = result.cpu_ms_per_reply / echo.cpu_ms_per_reply
        rate = result.messages / result.wall_seconds
        print(
            f"{result.name:<28} {result.cpu_ms_per_reply:12.2f} {ratio:6.2f}× {rate:10.0f} "
            f"{result.peak_rss_mib:7.0f} MiB"
        )


async def main(options: argparse.Namespace) -> None:
    results = [await measure("echo bot (PTB example)", echo_bot, options)]
    checkouts = [PROJECT_ROOT, *(Path(folder).resolve() for folder in options.compare)]
    for checkout in checkouts:
        with tempfile.TemporaryDirectory(prefix="bench-reply-") as data:
            label = "Revision Tutor" + ("" if checkout == PROJECT_ROOT else f" ({checkout})")
            results.append(await measure(label, tutor_bot(checkout, Path(data)), options))
    report(results, options.chats)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--chats", type=int, default=20, help="private chats asking at once")
    parser.add_argument("--warmup", type=int, default=100, help="messages before measuring")
    parser.add_argument(
        "--compare", nargs="*", default=[], help="other checkouts whose bot.py to run too"
    )
    return parser.parse_args(argv)


if __name__ == "__main__":
    asyncio.run(main(parse_args()))
