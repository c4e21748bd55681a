"""Benchmark the daily push fan-out against the Bot API emulator (prints figures; no asserts).

    python benchmarks/bench_push.py [--subscribers 10000] [--students 1000] [--rate 200]
                                    [--database-url postgresql+asyncpg://...]

The emulator (in this process, on 127.0.0.1 only) enforces Telegram's flood limits
scaled up to --rate messages a second overall (1/s per chat, 20/min per group) and
answers 429 with retry_after beyond them; its garbage collector is paused during a run
(see `emulator_collector`; --emulator-gc keeps it). The bot runs in a subprocess, with the
production push (`register_daily`) and its AIORateLimiter set just under --rate. Each
run starts from a fresh database in which every subscriber is owed today's push:

- full: --subscribers class groups, one fan-out. A group's push is an invitation that
  needs no per-student database work, so this measures the fan-out itself: wall time
  (first push to last) against the bound subscribers/rate.
- stop: the same, with SIGTERM at half way (a redeploy) and a new process to finish.
- kill: the same, with SIGKILL at half way (a crash) and a new process. Pushes the
  killed process had marked "sending" without an outcome are not resent (at most once,
  see `tutor.push_ledger`), so up to --concurrency of its last pushes are missed by
  design; its claims never sent are released after --claim-lease and sent.
- students: --students private chats, each push a real daily quiz composed through
  `QuizService` (a session written, ~9 queries): the composition's own throughput.

For each: 429s received, duplicates (goal 0) and missed (goal 0 but for kill). Every
wait is bounded; with the defaults the benchmark takes about four minutes.

The default limit, 200 msg/s (Telegram's real one is 30), is what one bot process can
drive on a 2-vCPU machine: at about 4 ms of CPU a message in python-telegram-bot,
httpx and httpcore it tops out near 245 group pushes a second. Above that the run
measures the CPU, not the fan-out. Student pushes cost far more (see the last run).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import itertools
import json
import os
import signal
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from tutor.config import PROJECT_ROOT
from tutor.daily_schedule import owed_day
from tutor.store import (
    ChatKind,
    ChatSettings,
    Store,
    chats,
    create_engine,
    push_log,
    sqlite_url,
    subscriptions,
    users,
)

sys.path.insert(0, str(PROJECT_ROOT))
from tests.e2e.emulator import DEFAULT_TOKEN, BotApiEmulator, FloodLimits

ZONES = (
    "Europe/London",
    "America/New_York",
    "Asia/Kolkata",
    "Pacific/Auckland",
    "Australia/Adelaide",
    "America/Sao_Paulo",
    "Asia/Tokyo",
    "UTC",
)
FIRST_CHAT = 1_000_000
LIMITER_PERIOD = 0.02
LIMITER_SHARE = 0.97
"""The bot's limiter lets through a burst of rate × period, then rate per second: with the
burst, a sliding second may hold rate × (1 + period) messages. A small burst and 3%
headroom keep that under the emulator's limit despite jitter, since every 429 stops
all sending for at least a second."""
POLL_SECONDS = 0.05
SETTLE_SECONDS = 4.0


@dataclass(frozen=True, slots=True)
class Database:
    url: str
    schema: str | None

    def args(self) -> list[str]:
        return ["--database-url", self.url] + (["--schema", self.schema] if self.schema else [])


@dataclass(frozen=True, slots=True)
class Interruption:
    delivered: float
    """Share of the pushes delivered when the first process had exited."""
    exit_seconds: float
    totals: Counter[str]
    """The first process's own count of outcomes (empty when it was killed)."""


@dataclass(frozen=True, slots=True)
class RunResult:
    name: str
    count: int
    wall: float
    longest_gap: float
    bound: float
    rejections: int
    duplicates: int
    missed: int
    statuses: Counter[str]
    interrupted: Interruption | None


# ----- set-up ------------------------------------------------------------------------------


def local_time_due_by(now: datetime, zone: str) -> str:
    """A local "HH:MM" in `zone` whose push today fell due a minute or two before `now`."""
    local_now = now.astimezone(ZoneInfo(zone))
    earlier = local_now - timedelta(minutes=2)
    return "00:00" if earlier.date() != local_now.date() else f"{earlier:%H:%M}"


def chat_ids(kind: ChatKind, count: int) -> list[int]:
    """Positive ids are private chats; small negative ones are (basic) groups."""
    sign = 1 if kind is ChatKind.PRIVATE else -1
    return [sign * (FIRST_CHAT + n) for n in range(count)]


async def seed(database: Database, ids: list[int], kind: ChatKind, now: datetime) -> None:
    """Chats subscribed since yesterday, each owed today's push at `now`."""
    store = await Store.open(database.url, schema=database.schema)
    await store.close()
    engine = create_engine(database.url, schema=database.schema)
    yesterday = now - timedelta(days=1)
    times = {zone: local_time_due_by(now, zone) for zone in ZONES}
    for zone, local_time in times.items():
        assert owed_day(local_time, ZoneInfo(zone), now, yesterday), (zone, local_time)
    person = {"username": None, "time_zone": None, "created_at": yesterday}
    chat = {
        "kind": kind,
        "title": None,
        "time_zone": None,
        "settings": ChatSettings().to_json(),
        "paused": False,
        "paused_reason": None,
        "migrated_to": None,
        "created_at": yesterday,
        "updated_at": yesterday,
    }
    try:
        async with engine.begin() as conn:
            if kind is ChatKind.PRIVATE:
                await conn.execute(
                    users.insert(),
                    [
                        {"user_id": i, "first_name": f"S{i}", "last_seen_at": yesterday} | person
                        for i in ids
                    ],
                )
            await conn.execute(chats.insert(), [{"chat_id": i} | chat for i in ids])
            await conn.execute(
                subscriptions.insert(),
                [
                    {
                        "chat_id": i,
                        "local_time": times[ZONES[i % len(ZONES)]],
                        "time_zone": ZONES[i % len(ZONES)],
                        "active": True,
                        "paused_reason": None,
                        "created_at": yesterday,
                        "updated_at": yesterday,
                    }
                    for i in ids
                ],
            )
    finally:
        await engine.dispose()


async def push_statuses(database: Database) -> Counter[str]:
    engine = create_engine(database.url, schema=database.schema)
    try:
        async with engine.connect() as conn:
            rows = await conn.execute(
                sa.select(push_log.c.status, sa.func.count()).group_by(push_log.c.status)
            )
            return Counter({status: int(count) for status, count in rows})
    finally:
        await engine.dispose()


# ----- the bot process -----------------------------------------------------------------------


class Worker:
    """`python bench_push.py --worker ...`: the bot, in a process of its own."""

    def __init__(
        self, api_url: str, database: Database, options: argparse.Namespace, log: Path
    ) -> None:
        self._command = [
            sys.executable,
            __file__,
            "--worker",
            "--api-url",
            api_url,
            "--rate",
            str(options.rate),
            "--concurrency",
            str(options.concurrency),
            "--claim-lease",
            str(options.claim_lease),
            *database.args(),
        ]
        self._log = log
        self.process: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        with self._log.open("ab") as log:
            self.process = await asyncio.create_subprocess_exec(
                *self._command, stdout=asyncio.subprocess.PIPE, stderr=log, cwd=PROJECT_ROOT
            )

    async def reap(self) -> None:
        """Kill the worker if it is still running (the benchmark failed half way)."""
        if self.process is not None and self.process.returncode is None:
            self.process.kill()
            await self.process.communicate()

    async def stop(self, how: signal.Signals, timeout: float = 60.0) -> tuple[float, Counter[str]]:
        """Signal the worker and wait for it to exit: seconds it took, and its push
        totals (none when killed)."""
        assert self.process is not None and self.process.stdout is not None
        started = time.monotonic()
        self.process.send_signal(how)
        try:
            output, _ = await asyncio.wait_for(self.process.communicate(), timeout)
        except TimeoutError:
            self.process.kill()
            await self.process.wait()
            raise
        lines = output.decode().strip().splitlines()
        totals = Counter(json.loads(lines[-1])) if lines else Counter()
        return time.monotonic() - started, totals


async def run_worker(options: argparse.Namespace) -> None:
    """Build the app as production does, but with a limiter scaled to --rate; run until
    SIGTERM, then print the push totals as one JSON line."""
    from telegram.ext import AIORateLimiter, ApplicationBuilder

    from tutor import heap
    from tutor.content import load_library
    from tutor.logs import configure_logging
    from tutor.quiz import QuizService
    from tutor.quizflow import QuizFlow
    from tutor.telegram.push import PushSettings, register_daily

    configure_logging("INFO")
    library = load_library([PROJECT_ROOT / "content"])
    store = await Store.open(options.database_url, schema=options.schema)
    heap.settle()  # as the app's post_init does once the database is open
    limiter = AIORateLimiter(
        overall_max_rate=options.rate * LIMITER_SHARE * LIMITER_PERIOD / (1 + LIMITER_PERIOD),
        overall_time_period=LIMITER_PERIOD,
        max_retries=3,
    )
    application = (
        ApplicationBuilder()
        .token(DEFAULT_TOKEN)
        .base_url(f"{options.api_url}/bot")
        .base_file_url(f"{options.api_url}/file/bot")
        .rate_limiter(limiter)
        .build()
    )
    application.bot_data["quiz"] = QuizFlow(library, store, QuizService(library, store))
    settings = PushSettings(
        interval=1.0, first=0.2, concurrency=options.concurrency, claim_lease=options.claim_lease
    )
    pusher = register_daily(application, settings)
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    async with application:
        await application.start()
        await stop.wait()
        await application.stop()
    await store.close()
    print(json.dumps(dict(pusher.totals)), flush=True)


# ----- the runs ------------------------------------------------------------------------------


def delivered_total(emulator: BotApiEmulator) -> int:
    return sum(emulator.state.delivered.values())


async def wait_for_delivered(emulator: BotApiEmulator, target: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while delivered_total(emulator) < target and time.monotonic() < deadline:
        await asyncio.sleep(POLL_SECONDS)


async def wait_until_settled(emulator: BotApiEmulator, idle: float, timeout: float) -> None:
    """Wait until nothing arrived for `idle` seconds (so a late duplicate would show, and
    a restarted process has had time to start), at most `timeout`."""
    deadline = time.monotonic() + timeout
    seen, last_change = -1, time.monotonic()
    while time.monotonic() < deadline and time.monotonic() - last_change < idle:
        total = delivered_total(emulator)
        if total != seen:
            seen, last_change = total, time.monotonic()
        await asyncio.sleep(POLL_SECONDS)


@dataclass(frozen=True, slots=True)
class Scenario:
    name: str
    kind: ChatKind
    count: int
    interrupt: signal.Signals | None = None


async def one_run(
    scenario: Scenario,
    emulator: BotApiEmulator,
    database: Database,
    options: argparse.Namespace,
    log: Path,
) -> RunResult:
    ids = chat_ids(scenario.kind, scenario.count)
    count, bound = scenario.count, scenario.count / options.rate
    timeout = bound * 3 + 60
    emulator.state.ctl_reset()
    for chat_id in ids:
        emulator.state.ctl_add_chat(chat_id)
    await seed(database, ids, scenario.kind, datetime.now(UTC))
    workers = [Worker(emulator.url, database, options, log)]
    interrupted: Interruption | None = None
    try:
        await workers[0].start()
        if scenario.interrupt is not None:
            await wait_for_delivered(emulator, count // 2, timeout)
            seconds, totals = await workers[0].stop(scenario.interrupt)
            interrupted = Interruption(delivered_total(emulator) / count, seconds, totals)
            workers.append(Worker(emulator.url, database, options, log))
            await workers[-1].start()
        if scenario.interrupt is not signal.SIGKILL:  # after a kill a few are never resent
            await wait_for_delivered(emulator, count, timeout)
        await wait_until_settled(emulator, idle=SETTLE_SECONDS, timeout=timeout)
        await workers[-1].stop(signal.SIGTERM)
    finally:
        for worker in workers:
            await worker.reap()
    statuses = await push_statuses(database)
    return summarise(scenario.name, emulator, ids, bound, statuses, interrupted)


def summarise(
    name: str,
    emulator: BotApiEmulator,
    ids: list[int],
    bound: float,
    statuses: Counter[str],
    interrupted: Interruption | None,
) -> RunResult:
    sends = [c for c in emulator.state.calls if c.method == "sendMessage"]
    times = sorted(c.time for c in sends if c.ok)
    gaps = [later - earlier for earlier, later in itertools.pairwise(times)]
    counts = emulator.state.delivered
    return RunResult(
        name=name,
        count=len(ids),
        wall=times[-1] - times[0] if times else 0.0,
        longest_gap=max(gaps, default=0.0),
        bound=bound,
        rejections=sum(1 for c in sends if c.error_code == 429),
        duplicates=sum(n - 1 for n in counts.values() if n > 1),
        missed=sum(1 for chat_id in ids if counts[chat_id] == 0),
        statuses=statuses,
        interrupted=interrupted,
    )


def report(result: RunResult) -> None:
    over = (result.wall / result.bound - 1) * 100
    rate = result.count / result.wall if result.wall else 0.0
    print(f"\n[{result.name}] {result.count} subscribers")
    print(
        f"  wall time      {result.wall:7.1f} s   "
        f"(bound {result.bound:.1f} s at the flood limit: {over:+.1f}%; {rate:.0f} pushes/s)"
    )
    print(f"  429s received  {result.rejections:7d}")
    print(f"  duplicates     {result.duplicates:7d}")
    print(f"  missed         {result.missed:7d}")
    print(f"  push log       {dict(sorted(result.statuses.items()))}")
    stopped = result.interrupted
    if stopped is not None:
        print(
            f"  interrupted    at {stopped.delivered:.0%} delivered; exit took "
            f"{stopped.exit_seconds:.2f} s; its totals {dict(sorted(stopped.totals.items()))}"
        )
        print(f"  restart gap    {result.longest_gap:7.1f} s   (included in the wall time)")


async def new_database(options: argparse.Namespace, folder: Path, name: str) -> Database:
    if options.database_url is None:
        return Database(sqlite_url(folder / f"{name}.sqlite3"), None)
    return Database(options.database_url, f"bench_{name}_{uuid.uuid4().hex[:8]}")


async def drop(database: Database) -> None:
    if database.schema is None:
        return
    engine = create_engine(database.url)
    try:
        async with engine.begin() as conn:
            await conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{database.schema}" CASCADE'))
    finally:
        await engine.dispose()


@contextlib.contextmanager
def emulator_collector(*, paused: bool) -> Iterator[None]:
    """Pause this process's garbage collector (the emulator's) for one run.

    The emulator stands in for Telegram's servers and keeps every message it is sent, so
    its full collections grow to 40-80 ms every ~21 s. Requests that arrive during one
    are admitted together after it, which trips its exact one-second window: a 429 that
    Telegram would not send, each stalling the bot's sending for over a second. A run
    keeps at most a few hundred MiB, so collecting between runs is enough.
    `--emulator-gc` keeps the collector running, to see that effect."""
    if not paused:
        yield
        return
    gc.collect()
    gc.freeze()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
        gc.unfreeze()
        gc.collect()


async def main(options: argparse.Namespace) -> None:
    limits = FloodLimits(
        global_per_second=options.rate,
        per_chat_per_second=1.0,
        per_chat_burst=3,
        per_group_per_minute=20,
    )
    groups, students = options.subscribers, options.students
    scenarios = [
        Scenario("full", ChatKind.GROUP, groups),
        Scenario("stop", ChatKind.GROUP, groups, signal.SIGTERM),
        Scenario("kill", ChatKind.GROUP, groups, signal.SIGKILL),
        Scenario("students", ChatKind.PRIVATE, students),
    ]
    chosen = [s for s in scenarios if s.name in options.runs and s.count > 0]
    print(
        f"flood limit {options.rate} msg/s, "
        f"concurrency {options.concurrency}, claim lease {options.claim_lease} s, "
        f"database {'PostgreSQL' if options.database_url else 'SQLite'}, "
        f"emulator's collector {'running' if options.emulator_gc else 'paused'}"
    )
    with tempfile.TemporaryDirectory(prefix="bench-push-") as folder:
        log = Path(folder) / "workers.log"
        async with BotApiEmulator(flood_limits=limits) as emulator:
            for scenario in chosen:
                database = await new_database(options, Path(folder), scenario.name)
                try:
                    with emulator_collector(paused=not options.emulator_gc):
                        result = await one_run(scenario, emulator, database, options, log)
                    report(result)
                finally:
                    await drop(database)
        if options.show_log:
            print(log.read_text(errors="replace")[-4000:])


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--subscribers", type=int, default=10_000, help="class groups")
    parser.add_argument("--students", type=int, default=1_000, help="0 skips that run")
    parser.add_argument("--rate", type=int, default=200, help="flood limit, messages/s overall")
    parser.add_argument(
        "--concurrency",
        type=int,
        default=16,
        help="send slots: pushes in flight (16 as in production)",
    )
    parser.add_argument(
        "--claim-lease",
        type=float,
        default=2.0,
        help="seconds before a dead process's unsent claims are released (production: 60)",
    )
    parser.add_argument(
        "--runs",
        nargs="+",
        default=["full", "stop", "kill", "students"],
        choices=["full", "stop", "kill", "students"],
    )
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL"))
    parser.add_argument(
        "--emulator-gc",
        action="store_true",
        help="keep the emulator's garbage collector running during a run (see emulator_collector)",
    )
    parser.add_argument("--show-log", action="store_true", help="print the workers' log tail")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--api-url", help=argparse.SUPPRESS)
    parser.add_argument("--schema", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


if __name__ == "__main__":
    arguments = parse_args()
    asyncio.run(run_worker(arguments) if arguments.worker else main(arguments))
