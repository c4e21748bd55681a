"""The store on SQLite and PostgreSQL: migrations, records, statistics and privacy."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import textwrap
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from tutor.exam_store import ExamStore
from tutor.store import (
    LATEST_VERSION,
    MIGRATIONS,
    Answer,
    ChatKind,
    ChatSettings,
    Memory,
    NameDisplay,
    NewSession,
    SchemaTooNewError,
    SessionKind,
    SessionStatus,
    Store,
    chats,
    create_engine,
    memory,
    metadata,
    migrate,
    schema_version,
    sqlite_url,
    users,
)

if TYPE_CHECKING:
    from conftest import Database

START = datetime(2025, 3, 10, 9, 0, tzinfo=UTC)
ALICE, BOB = 101, 202
GROUP, SUPERGROUP = -300, -1000300


async def add_people(store: Store, *user_ids: int) -> None:
    for user_id in user_ids:
        await store.upsert_user(user_id, first_name=f"User{user_id}", username=None, now=START)
        await store.upsert_chat(user_id, kind=ChatKind.PRIVATE, title=None, now=START)


def new_session(
    chat_id: int, user_id: int | None, kind: SessionKind = SessionKind.QUIZ
) -> NewSession:
    return NewSession(chat_id, user_id, kind, ("q1", "q2"), {"presented_at": "x"}, START)


def answer(
    session_id: int | None,
    user_id: int,
    *,
    chat_id: int | None = None,
    topic: str = "t1",
    correct: bool = True,
    at: datetime = START,
    question: str = "q1",
) -> Answer:
    return Answer(
        session_id=session_id,
        user_id=user_id,
        chat_id=chat_id if chat_id is not None else user_id,
        question_id=question,
        card_id="c1",
        topic_id=topic,
        verdict="correct" if correct else "wrong",
        correct=correct,
        response_ms=1500,
        answered_at=at,
        source="quiz",
    )


def remembered(user_id: int, question_id: str, due_at: datetime, reviewed: datetime) -> Memory:
    return Memory(user_id, question_id, {"state": 2, "due": due_at.isoformat()}, due_at, reviewed)


# schema and migrations


async def test_sqlite_file_and_parent_folders_are_created(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "er" / "tutor.sqlite3"
    store = await Store.open(sqlite_url(path))
    await store.close()
    assert path.is_file()
    engine = create_engine(sqlite_url(path))
    async with engine.connect() as conn:
        assert await conn.scalar(sa.text("PRAGMA journal_mode")) == "wal"
        assert await conn.scalar(sa.text("PRAGMA foreign_keys")) == 1
    await engine.dispose()


async def test_migrated_schema_matches_the_table_definitions(database: Database) -> None:
    store = await database.open()
    await store.close()
    engine = create_engine(database.url, schema=database.schema)
    async with engine.connect() as conn:
        found = await conn.run_sync(_columns_by_table)
    await engine.dispose()
    expected = {t.name: sorted(c.name for c in t.columns) for t in metadata.sorted_tables}
    assert found == expected


def _columns_by_table(conn: sa.Connection) -> dict[str, list[str]]:
    inspector = sa.inspect(conn)
    return {
        name: sorted(column["name"] for column in inspector.get_columns(name))
        for name in inspector.get_table_names()
    }


async def test_upgrade_from_version_1_keeps_the_data(database: Database) -> None:
    engine = create_engine(database.url, schema=database.schema)
    assert await migrate(engine, target=1, schema=database.schema) == 1
    async with engine.begin() as conn:
        await conn.execute(
            users.insert().values(
                user_id=ALICE, first_name="Alice", created_at=START, last_seen_at=START
            )
        )
        await conn.execute(
            chats.insert().values(
                chat_id=ALICE,
                kind="private",
                settings={"questions_per_round": 7},
                paused=False,
                created_at=START,
                updated_at=START,
            )
        )
        due = START + timedelta(days=3)
        await conn.execute(
            memory.insert().values(user_id=ALICE, question_id="q1", card={}, due_at=due)
        )
    await engine.dispose()

    store = await database.open()
    try:
        assert await store.schema_version() == LATEST_VERSION == len(MIGRATIONS)
        user = await store.get_user(ALICE)
        assert user is not None and user.first_name == "Alice"
        assert (await store.chat_settings(ALICE)).questions_per_round == 7
        assert await store.due_question_ids(ALICE, START + timedelta(days=3)) == ["q1"]
        subscription = await store.set_subscription(
            ALICE, local_time="07:30", time_zone="Europe/London", now=START
        )
        assert subscription.active
    finally:
        await store.close()


async def test_opening_twice_migrates_once_and_keeps_data(database: Database) -> None:
    first = await database.open()
    await add_people(first, ALICE)
    await first.close()
    second = await database.open()
    try:
        assert await second.get_user(ALICE) is not None
        exported = await second.export_all()
        assert exported["schema_version"] == LATEST_VERSION
    finally:
        await second.close()
    assert await _applied_versions(database) == list(range(1, LATEST_VERSION + 1))


async def _applied_versions(database: Database) -> list[int]:
    engine = create_engine(database.url, schema=database.schema)
    async with engine.connect() as conn:
        query = sa.select(schema_version.c.version).order_by(schema_version.c.version)
        versions = list((await conn.scalars(query)).all())
    await engine.dispose()
    return versions


OPEN_AND_CLOSE = textwrap.dedent(
    """
    import asyncio, sys
    from tutor.store import Store

    async def main():
        schema = sys.argv[2] or None
        store = await Store.open(sys.argv[1], schema=schema)
        await store.close()

    asyncio.run(main())
    """
)


async def test_processes_starting_together_migrate_once(database: Database) -> None:
    """Several processes open a fresh database at once: all succeed, each step runs once
    (a second run would fail on CREATE TABLE or on the version's primary key)."""
    command = [sys.executable, "-c", OPEN_AND_CLOSE, database.url, database.schema or ""]
    processes = [
        await asyncio.create_subprocess_exec(
            *command, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        for _ in range(4)
    ]
    results = [await process.communicate() for process in processes]
    for process, (_, stderr) in zip(processes, results, strict=True):
        assert process.returncode == 0, stderr.decode()
    assert await _applied_versions(database) == list(range(1, LATEST_VERSION + 1))


async def test_a_newer_schema_is_refused(database: Database) -> None:
    store = await database.open()
    await store.close()
    engine = create_engine(database.url, schema=database.schema)
    async with engine.begin() as conn:
        await conn.execute(
            schema_version.insert().values(version=99, description="future", applied_at=START)
        )
    await engine.dispose()
    with pytest.raises(SchemaTooNewError):
        await database.open()


# users, chats and times


async def test_upsert_user_refreshes_names_but_keeps_created_at(store: Store) -> None:
    await store.upsert_user(ALICE, first_name="Alice", username="al", now=START)
    later = START + timedelta(days=2)
    await store.upsert_user(ALICE, first_name="Alicia", username=None, now=later)
    user = await store.get_user(ALICE)
    assert user is not None
    assert (user.first_name, user.username) == ("Alicia", None)
    assert (user.created_at, user.last_seen_at) == (START, later)
    assert await store.get_user(BOB) is None


async def test_times_come_back_as_the_same_instant_in_utc(store: Store) -> None:
    paris_morning = datetime(2025, 6, 1, 9, 30, 15, 123456, tzinfo=ZoneInfo("Europe/Paris"))
    await store.upsert_user(ALICE, first_name="A", username=None, now=paris_morning)
    user = await store.get_user(ALICE)
    assert user is not None
    assert user.created_at == paris_morning
    assert user.created_at.tzinfo in (UTC, UTC)
    assert user.created_at.hour == 7


async def test_naive_datetimes_are_refused(store: Store) -> None:
    with pytest.raises(sa.exc.StatementError, match="naive datetime"):
        await store.upsert_user(ALICE, first_name="A", username=None, now=datetime(2025, 1, 1))


async def test_time_zone_of_the_student_then_of_the_chat(store: Store) -> None:
    await add_people(store, ALICE)
    await store.upsert_chat(GROUP, kind=ChatKind.GROUP, title="Year 12", now=START)
    assert await store.time_zone_for(GROUP, ALICE) is None
    await store.set_chat_time_zone(GROUP, "Europe/London")
    assert await store.time_zone_for(GROUP, ALICE) == "Europe/London"
    await store.set_user_time_zone(ALICE, "Asia/Tokyo")
    assert await store.time_zone_for(GROUP, ALICE) == "Asia/Tokyo"
    assert await store.time_zone_for(GROUP, None) == "Europe/London"


async def test_chat_settings_default_update_and_validate(store: Store) -> None:
    assert await store.chat_settings(GROUP) == ChatSettings()
    await store.upsert_chat(GROUP, kind=ChatKind.GROUP, title="Year 12", now=START)
    updated = await store.update_chat_settings(
        GROUP, topic_id="left", questions_per_round=10, name_display="anonymous"
    )
    assert updated.name_display is NameDisplay.ANONYMOUS
    assert await store.chat_settings(GROUP) == updated
    with pytest.raises(ValueError):
        await store.update_chat_settings(GROUP, questions_per_round=50)
    with pytest.raises(ValueError):
        await store.update_chat_settings(GROUP, colour="red")
    with pytest.raises(LookupError):
        await store.update_chat_settings(-1, questions_per_round=3)
    await store.upsert_chat(GROUP, kind=ChatKind.SUPERGROUP, title="Renamed", now=START)
    assert (await store.chat_settings(GROUP)).topic_id == "left"


async def test_chat_pause_and_resume(store: Store) -> None:
    await store.upsert_chat(GROUP, kind=ChatKind.GROUP, title="Year 12", now=START)
    await store.set_chat_paused(GROUP, "kicked", now=START)
    chat = await store.get_chat(GROUP)
    assert chat is not None and chat.paused and chat.paused_reason == "kicked"
    await store.set_chat_paused(GROUP, None, now=START)
    chat = await store.get_chat(GROUP)
    assert chat is not None and not chat.paused and chat.paused_reason is None


# subscriptions and the push log


async def test_subscription_set_change_and_deactivate(store: Store) -> None:
    await add_people(store, ALICE)
    with pytest.raises(ValueError):
        await store.set_subscription(ALICE, local_time="7:5", time_zone="UTC", now=START)
    await store.set_subscription(ALICE, local_time="07:30", time_zone="Europe/London", now=START)
    changed = await store.set_subscription(
        ALICE, local_time="18:00", time_zone="Asia/Tokyo", now=START
    )
    assert (changed.local_time, changed.time_zone, changed.active) == ("18:00", "Asia/Tokyo", True)
    await store.deactivate_subscription(ALICE, "unsubscribed", now=START)
    stopped = await store.get_subscription(ALICE)
    assert stopped is not None and not stopped.active and stopped.paused_reason == "unsubscribed"


async def test_a_daily_push_is_claimed_exactly_once(store: Store) -> None:
    await add_people(store, ALICE)
    day = date(2025, 3, 10)
    claims = await asyncio.gather(*(store.claim_push(ALICE, day, now=START) for _ in range(5)))
    assert sorted(claims) == [False, False, False, False, True]
    assert await store.claim_push(ALICE, day + timedelta(days=1), now=START)
    await store.mark_push(ALICE, day, "sent", now=START)
    rows = (await store.export_all())["push_log"]
    assert [(row["local_date"], row["status"]) for row in rows] == [
        ("2025-03-10", "sent"),
        ("2025-03-11", "claimed"),
    ]


# quiz sessions and answers


async def test_starting_a_session_stops_the_active_one(store: Store) -> None:
    await add_people(store, ALICE)
    first, replaced = await store.start_session(new_session(ALICE, ALICE))
    assert replaced is None and first.status is SessionStatus.ACTIVE
    second, replaced = await store.start_session(new_session(ALICE, ALICE))
    assert replaced is not None and replaced.id == first.id
    stopped = await store.get_session(first.id)
    assert stopped is not None and stopped.status is SessionStatus.STOPPED
    active = await store.active_session(ALICE, ALICE)
    assert active is not None and active.id == second.id


async def test_save_session_is_all_or_nothing_at_one_revision(store: Store) -> None:
    await add_people(store, ALICE)
    session, _ = await store.start_session(new_session(ALICE, ALICE))
    item = remembered(ALICE, "q1", START + timedelta(days=1), START)
    saves = await asyncio.gather(
        *(
            store.save_session(
                session,
                position=1,
                state={"n": n},
                status=SessionStatus.ACTIVE,
                now=START,
                answer=answer(session.id, ALICE),
                memory_update=item,
            )
            for n in range(3)
        )
    )
    assert sorted(saves) == [False, False, True]
    assert len(await store.session_answers(session.id)) == 1
    saved = await store.get_session(session.id)
    assert saved is not None and (saved.position, saved.revision) == (1, 1)
    assert saved.current_question_id == "q2"
    assert await store.get_memory(ALICE, "q1") == item


async def test_a_finished_session_takes_no_more_saves(store: Store) -> None:
    await add_people(store, ALICE)
    session, _ = await store.start_session(new_session(ALICE, ALICE))
    later = START + timedelta(minutes=5)
    assert await store.save_session(
        session, position=2, state={}, status=SessionStatus.FINISHED, now=later
    )
    finished = await store.get_session(session.id)
    assert finished is not None and finished.finished_at == later
    assert finished.current_question_id is None
    assert not await store.save_session(
        finished, position=2, state={}, status=SessionStatus.ACTIVE, now=later
    )
    assert await store.active_session(ALICE, ALICE) is None


# memory and statistics


async def test_due_questions_in_order_and_next_due(store: Store) -> None:
    await add_people(store, ALICE, BOB)
    for question, days in (("late", 3), ("overdue", -2), ("due", -1)):
        due = START + timedelta(days=days)
        await store.put_memory(remembered(ALICE, question, due, START - timedelta(days=days)))
    await store.put_memory(remembered(BOB, "other", START - timedelta(days=9), START))
    assert await store.due_question_ids(ALICE, START) == ["overdue", "due"]
    assert await store.count_due(ALICE, START) == 2
    assert await store.next_due_at(ALICE) == START - timedelta(days=2)
    assert await store.next_due_at(999) is None
    assert await store.reviewed_question_ids(ALICE) == ["late", "due", "overdue"]
    moved = remembered(ALICE, "late", START - timedelta(days=5), START)
    await store.put_memory(moved)
    assert await store.due_question_ids(ALICE, START) == ["late", "overdue", "due"]


async def test_topic_accuracy_and_daily_counts(store: Store) -> None:
    await add_people(store, ALICE, BOB)
    late_evening = datetime(2025, 3, 10, 23, 30, tzinfo=UTC)
    for topic, correct, at in (
        ("left", True, START),
        ("left", False, late_evening),
        ("right", True, late_evening),
    ):
        await store.record_answer(answer(None, ALICE, topic=topic, correct=correct, at=at))
    await store.record_answer(answer(None, BOB, topic="left", correct=False))
    accuracy = await store.topic_accuracy(ALICE)
    assert {t: (a.answered, a.correct) for t, a in accuracy.items()} == {
        "left": (2, 1),
        "right": (1, 1),
    }
    assert accuracy["left"].accuracy == 0.5
    assert await store.daily_answer_counts(ALICE, ZoneInfo("UTC")) == {date(2025, 3, 10): 3}
    assert await store.daily_answer_counts(ALICE, ZoneInfo("Europe/Berlin")) == {
        date(2025, 3, 10): 1,
        date(2025, 3, 11): 2,
    }


async def test_group_scores_come_from_group_sessions_only(store: Store) -> None:
    await add_people(store, ALICE, BOB)
    await store.upsert_chat(GROUP, kind=ChatKind.GROUP, title="Year 12", now=START)
    group, _ = await store.start_session(new_session(GROUP, None, SessionKind.GROUP))
    personal, _ = await store.start_session(new_session(GROUP, ALICE))
    for user_id, correct in ((ALICE, True), (ALICE, True), (BOB, True), (BOB, False)):
        await store.record_answer(answer(group.id, user_id, chat_id=GROUP, correct=correct))
    await store.record_answer(answer(personal.id, BOB, chat_id=GROUP))
    scores = await store.group_scores(GROUP)
    assert [(s.user_id, s.first_name, s.answered, s.correct) for s in scores] == [
        (ALICE, f"User{ALICE}", 2, 2),
        (BOB, f"User{BOB}", 2, 1),
    ]
    assert await store.group_scores(GROUP, since=START + timedelta(seconds=1)) == []


# privacy and chat migration


async def test_forget_user_deletes_everything_about_them_only(store: Store) -> None:
    await add_people(store, ALICE, BOB)
    await store.upsert_chat(GROUP, kind=ChatKind.GROUP, title="Year 12", now=START)
    for user_id in (ALICE, BOB):
        session, _ = await store.start_session(new_session(user_id, user_id))
        await store.record_answer(answer(session.id, user_id))
        await store.put_memory(remembered(user_id, "q1", START, START))
        await store.set_subscription(user_id, local_time="07:00", time_zone="UTC", now=START)
        await store.claim_push(user_id, date(2025, 3, 10), now=START)
        await ExamStore(store).set_exam(user_id, date(2025, 5, 20), [], user_id, START)
    group, _ = await store.start_session(new_session(GROUP, None, SessionKind.GROUP))
    await store.record_answer(answer(group.id, ALICE, chat_id=GROUP))
    await store.record_answer(answer(group.id, BOB, chat_id=GROUP))

    counts = await store.forget_user(ALICE)

    assert counts == {
        "answers": 2,
        "memory": 1,
        "quiz_sessions": 1,
        "subscriptions": 1,
        "push_log": 1,
        "exams": 1,
        "teacher_groups": 0,
        "chats": 1,
        "users": 1,
    }
    left = await store.export_user(ALICE)
    assert all(left[table] == [] for table in left if table != "schema_version")
    kept = await store.export_user(BOB)
    assert [len(kept[table]) for table in ("users", "chats", "answers", "memory")] == [1, 1, 2, 1]
    assert await store.get_session(group.id) is not None


async def test_exports_are_json(store: Store) -> None:
    await add_people(store, ALICE)
    session, _ = await store.start_session(new_session(ALICE, ALICE))
    await store.record_answer(answer(session.id, ALICE))
    await store.put_memory(remembered(ALICE, "q1", START, START))
    mine = json.loads(json.dumps(await store.export_user(ALICE)))
    assert mine["users"][0]["created_at"] == "2025-03-10T09:00:00+00:00"
    assert mine["quiz_sessions"][0]["question_ids"] == ["q1", "q2"]
    assert mine["answers"][0]["question_id"] == "q1"
    everything = json.loads(json.dumps(await store.export_all()))
    assert {name for name in everything} == {
        "schema_version",
        "users",
        "chats",
        "quiz_sessions",
        "answers",
        "memory",
        "subscriptions",
        "push_log",
        "group_polls",
        "round_poll_claims",
        "exams",
        "content_gaps",
        "teacher_groups",
    }


async def test_migrate_chat_moves_everything_to_the_supergroup(store: Store) -> None:
    await add_people(store, ALICE, BOB)
    await store.upsert_chat(GROUP, kind=ChatKind.GROUP, title="Year 12", now=START)
    await store.update_chat_settings(GROUP, topic_id="left")
    await store.set_chat_time_zone(GROUP, "Europe/London")
    await store.set_subscription(GROUP, local_time="08:00", time_zone="Europe/London", now=START)
    await store.claim_push(GROUP, date(2025, 3, 10), now=START)
    await ExamStore(store).set_exam(GROUP, date(2025, 5, 20), ["left"], ALICE, START)
    group, _ = await store.start_session(new_session(GROUP, None, SessionKind.GROUP))
    alice_quiz, _ = await store.start_session(new_session(GROUP, ALICE))
    bob_quiz, _ = await store.start_session(new_session(GROUP, BOB))
    await store.record_answer(answer(group.id, ALICE, chat_id=GROUP))
    # Bob already started a quiz in the supergroup before the migration message came in.
    await store.upsert_chat(SUPERGROUP, kind=ChatKind.SUPERGROUP, title="Year 12", now=START)
    bob_new, _ = await store.start_session(new_session(SUPERGROUP, BOB))

    assert await store.migrate_chat(GROUP, SUPERGROUP, now=START)

    new = await store.get_chat(SUPERGROUP)
    assert new is not None and new.kind is ChatKind.SUPERGROUP
    assert (new.settings.topic_id, new.time_zone) == ("left", "Europe/London")
    old = await store.get_chat(GROUP)
    assert old is not None and old.migrated_to == SUPERGROUP
    assert await store.get_subscription(SUPERGROUP) is not None
    assert await store.claim_push(SUPERGROUP, date(2025, 3, 10), now=START) is False
    moved = await store.active_session(SUPERGROUP, ALICE)
    assert moved is not None and moved.id == alice_quiz.id
    stopped = await store.get_session(bob_quiz.id)
    assert stopped is not None and stopped.status is SessionStatus.STOPPED
    assert stopped.chat_id == SUPERGROUP
    still_active = await store.active_session(SUPERGROUP, BOB)
    assert still_active is not None and still_active.id == bob_new.id
    assert len(await store.group_scores(SUPERGROUP)) == 1
    assert await store.group_scores(GROUP) == []
    exam = await ExamStore(store).exam_of_chat(SUPERGROUP)
    assert exam is not None and exam.topic_ids == ("left",)
    assert not await store.migrate_chat(-42, -43, now=START)


async def test_a_session_needs_a_known_chat_and_user(store: Store) -> None:
    with pytest.raises(sa.exc.IntegrityError):
        await store.start_session(new_session(ALICE, ALICE))


async def test_a_failing_statement_does_not_carry_students_data(database: Database) -> None:
    """A database error is logged with its traceback: the bound values stay out of it."""
    from tutor.store import users

    await (await database.open()).close()
    engine = create_engine(database.url, schema=database.schema)
    row = {"user_id": 1, "created_at": START, "last_seen_at": START}
    try:
        async with engine.begin() as conn:
            await conn.execute(users.insert().values(first_name="Anna", **row))
        with pytest.raises(sa.exc.IntegrityError) as raised:
            async with engine.begin() as conn:
                await conn.execute(users.insert().values(first_name="Zebedee Secretname", **row))
    finally:
        await engine.dispose()
    assert "Secretname" not in str(raised.value)
    assert "hidden due to hide_parameters" in str(raised.value)


# ----- the per-message caches (SQLite) and their invalidation ------------------------------


async def test_no_quiz_pending_is_cached_until_a_session_starts(store: Store) -> None:
    await add_people(store, ALICE)
    assert await store.active_session(ALICE, ALICE) is None
    assert await store.active_session(ALICE, ALICE) is None  # from memory on SQLite
    started, _ = await store.start_session(new_session(ALICE, ALICE))
    assert await store.active_session(ALICE, ALICE) == started
    await store.save_session(started, position=0, state={}, status=SessionStatus.STOPPED, now=START)
    assert await store.active_session(ALICE, ALICE) is None


async def test_a_read_racing_a_session_start_is_not_cached(store: Store) -> None:
    """The read began before the start committed: its None must not stick."""
    await add_people(store, ALICE)
    reads = [store.active_session(ALICE, ALICE) for _ in range(5)]
    started, (_, *_) = await asyncio.gather(
        store.start_session(new_session(ALICE, ALICE)), asyncio.gather(*reads)
    )
    session, _ = started
    assert await store.active_session(ALICE, ALICE) == session


async def test_forgetting_and_moving_chats_clear_the_cache(store: Store) -> None:
    await add_people(store, ALICE)
    await store.upsert_chat(GROUP, kind=ChatKind.GROUP, title=None, now=START)
    assert await store.active_session(SUPERGROUP, ALICE) is None
    await store.start_session(new_session(GROUP, ALICE))
    await store.migrate_chat(GROUP, SUPERGROUP, now=START)
    moved = await store.active_session(SUPERGROUP, ALICE)
    assert moved is not None and moved.chat_id == SUPERGROUP
    await store.forget_user(ALICE)
    await add_people(store, ALICE)  # a forgotten student's row is written again
    assert (await store.get_user(ALICE)) is not None


async def test_another_process_sees_a_new_session_on_postgres(database: Database) -> None:
    """Several processes share PostgreSQL, so nothing is cached there."""
    if database.schema is None:
        pytest.skip("one bot process per SQLite file: the cache is that process's")
    first, second = await database.open(), await database.open()
    try:
        await add_people(first, ALICE)
        assert await first.active_session(ALICE, ALICE) is None
        started, _ = await second.start_session(new_session(ALICE, ALICE))
        assert await first.active_session(ALICE, ALICE) == started
    finally:
        await first.close()
        await second.close()


async def test_an_unchanged_user_row_is_not_rewritten_on_every_message(store: Store) -> None:
    later = START + timedelta(minutes=1)
    await store.upsert_user(ALICE, first_name="Alice", username=None, now=START)
    await store.upsert_user(ALICE, first_name="Alice", username=None, now=later)
    user = await store.get_user(ALICE)
    assert user is not None
    expected = START if store.dialect == "sqlite" else later
    assert user.last_seen_at == expected
    await store.upsert_user(ALICE, first_name="Alice B", username="ab", now=later)
    user = await store.get_user(ALICE)
    assert user is not None and (user.first_name, user.last_seen_at) == ("Alice B", later)


def test_the_bot_starts_without_matplotlib_numpy_or_uvicorn(tmp_path: Path) -> None:
    """Heavy modules load when first needed (a picture, a name lookup, the web server),
    not at start-up: a student asking questions never pays their memory."""
    script = textwrap.dedent(
        """
        import asyncio, sys
        import bot
        from tutor.config import load_settings
        from tutor.content import load_library
        from tutor.dialog import Dialog
        from tutor.telegram.app import build_application

        async def start() -> None:
            token = "123456789:" + "A" * 35
            env = {"TELEGRAM_BOT_TOKEN": token, "TUTOR_DATA_DIR": sys.argv[1]}
            settings = load_settings(env, env_file=None)
            dialog = Dialog(load_library([settings.content_dir]))
            flow = await bot.open_quiz_flow(settings, dialog.library)
            build_application(settings, dialog, open_quiz=lambda: flow)
            await flow.store.close()

        asyncio.run(start())
        print(sorted(m for m in ("matplotlib", "numpy", "uvicorn", "PIL") if m in sys.modules))
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path)],
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parents[1],
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]", result.stderr
