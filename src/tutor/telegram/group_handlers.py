"""Telegram side of class groups: quiz rounds as polls, /leaderboard, /settings, /report,
and the bot's life in a group (added, removed, upgraded to a supergroup).

Handler group -3 runs before the daily (-2), quiz (-1) and browsing (0) handlers. Its
commands answer in groups only; a handled command stops there (ApplicationHandlerStop).
`/stop` goes on to the student's own quiz unless a round is running and an admin sent it.
Admin rights are always asked of the Bot API (getChatMember), never read from a message.
With privacy mode on the bot still gets all it needs: commands, answers to its own polls,
its membership changes and the service message of a supergroup upgrade.

Rounds are posted on time by `tutor.telegram.round_runner`.
"""

from __future__ import annotations

import logging
from dataclasses import replace

from telegram import Bot, ChatMember, Message, Update
from telegram.constants import ChatMemberStatus, ChatType
from telegram.error import BadRequest, Forbidden
from telegram.ext import (
    ApplicationHandlerStop,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    PollAnswerHandler,
    filters,
)

from tutor.group_replies import (
    LEADERBOARD_SIZE,
    leaderboard_reply,
    names_wanted,
)
from tutor.group_settings import ADMINS_ONLY
from tutor.groups import GroupRounds
from tutor.render import reply_html, split_message
from tutor.replies import Reply
from tutor.store import ChatKind
from tutor.telegram.admins import ADMIN_STATUSES, admin_of
from tutor.telegram.quiz_handlers import deliver, who_of
from tutor.telegram.round_runner import (
    RESUME_JOB,
    App,
    RoundRunner,
    full_names,
    options_of,
    post,
    rounds_of,
    runner_of,
)

logger = logging.getLogger(__name__)

GROUPS_GROUP = -3
"""Before the daily (-2), quiz (-1) and browsing (0) handlers."""
_SETTINGS_PATTERN = r"^gs:(q|o|n):[a-z0-9]{1,12}$"
_PRESENT_STATUSES = ADMIN_STATUSES | {ChatMemberStatus.MEMBER}
_GROUP_TYPES = frozenset({ChatType.GROUP, ChatType.SUPERGROUP})
ONLY_ADMINS_STOP = "Only this group's admins can stop the round."
ONLY_ADMINS_REPORT = "Only this group's admins can see the class report."
ANONYMOUS_REPORT = (
    "You're posting anonymously, so I can't tell who you are to send you the class report "
    "privately. Turn off “Remain anonymous” for a moment and send /report again."
)
SENT_PRIVATELY = "📬 I've sent you the class report in our private chat."
START_ME_FIRST = "To get reports privately next time, open a chat with me and press Start."


async def _send_privately(bot: Bot, user_id: int, reply: Reply, rounds: GroupRounds) -> bool:
    """Send to the user's private chat; False if they have not started the bot."""
    text = reply_html(reply.title, reply.lines, reply.card, rounds.library)
    try:
        for chunk in split_message(text):
            await bot.send_message(user_id, chunk)
    except Forbidden:
        return False
    except BadRequest as error:
        if "chat not found" not in error.message.lower():
            raise
        return False
    return True


# ----- handlers ------------------------------------------------------------------------------


async def quiz_round(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """`/quiz [topic] [n]` in a group: a round of quiz polls for everyone."""
    rounds, message = rounds_of(context.application), update.effective_message
    if rounds is None or message is None:
        return
    started = await rounds.start(who_of(update), " ".join(context.args or []))
    if isinstance(started, Reply):
        await deliver([started], context, message, update)
        raise ApplicationHandlerStop
    await deliver([started.intro], context, message, update)
    await runner_of(context.application).run(started.session_id)
    raise ApplicationHandlerStop


async def stop_round(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """An admin's `/stop` ends the round; anyone else's goes on to their own quiz."""
    rounds, message, who = rounds_of(context.application), update.effective_message, who_of(update)
    if rounds is None or message is None or not await rounds.running(who.chat_id):
        return
    if not await admin_of(context.bot, who):
        if await rounds.store.active_session(who.chat_id, who.user_id) is not None:
            return
        await deliver([Reply(lines=(ONLY_ADMINS_STOP,))], context, message, update)
        raise ApplicationHandlerStop
    await runner_of(context.application).stop(who.chat_id)
    raise ApplicationHandlerStop


async def leaderboard(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """`/leaderboard`: this week's and all-time scores of the group's rounds."""
    rounds, message = rounds_of(context.application), update.effective_message
    if rounds is None or message is None:
        return
    chat_id = message.chat_id
    board = await rounds.leaderboard(chat_id)
    top = (*board.week[:LEADERBOARD_SIZE], *board.all_time[:LEADERBOARD_SIZE])
    shown = [score.user_id for score in top]
    names = await full_names(context.bot, chat_id, names_wanted(board.display, shown))
    await deliver([leaderboard_reply(board, names)], context, message, update)
    raise ApplicationHandlerStop


async def settings_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """`/settings` shows the group's settings; `/settings KEY VALUE` (admins) changes one."""
    rounds, message, who = rounds_of(context.application), update.effective_message, who_of(update)
    if rounds is None or message is None:
        return
    argument = " ".join(context.args or [])
    if not argument.strip():
        reply = await rounds.settings.show(who.chat_id)
    elif not await admin_of(context.bot, who):
        reply = Reply(lines=(ADMINS_ONLY, "Anyone can see them with /settings."))
    else:
        reply = await rounds.settings.change(who, argument)
    await deliver([reply], context, message, update)
    raise ApplicationHandlerStop


async def settings_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A button under /settings: admins change the setting, others get a notice."""
    query, rounds = update.callback_query, rounds_of(context.application)
    if query is None or rounds is None or not isinstance(query.message, Message):
        if query is not None:
            await query.answer()
        raise ApplicationHandlerStop
    who = who_of(update)
    if await admin_of(context.bot, who):
        replies = [await rounds.settings.press(who, query.data or "")]
    else:
        replies = [Reply(notice=ADMINS_ONLY)]
    await deliver(replies, context, query.message, update)
    raise ApplicationHandlerStop


async def report(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """`/report` (admins): the class report, privately if the admin has started the bot."""
    rounds, message, who = rounds_of(context.application), update.effective_message, who_of(update)
    if rounds is None or message is None:
        return
    if not await admin_of(context.bot, who):
        await deliver([Reply(lines=(ONLY_ADMINS_REPORT,))], context, message, update)
        raise ApplicationHandlerStop
    if who.posts_as_chat:
        await deliver([Reply(lines=(ANONYMOUS_REPORT,))], context, message, update)
        raise ApplicationHandlerStop
    full = await rounds.report(who.chat_id, who.chat_title)
    if await _send_privately(context.bot, who.user_id, full, rounds):
        reply = Reply(lines=(SENT_PRIVATELY,))
    else:
        reply = replace(full, lines=(*full.lines, START_ME_FIRST))
    await deliver([reply], context, message, update)
    raise ApplicationHandlerStop


async def poll_answer(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A student answered a round's poll: score it and update their spaced repetition."""
    answer, rounds = update.poll_answer, rounds_of(context.application)
    if answer is None or answer.user is None or rounds is None:
        return
    user = answer.user
    await runner_of(context.application).posted()
    await rounds.answer(
        answer.poll_id,
        answer.option_ids,
        user_id=user.id,
        first_name=user.first_name,
        username=user.username,
    )


async def membership(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The bot was added to a group (introduce it) or removed (pause the group)."""
    change, rounds = update.my_chat_member, rounds_of(context.application)
    if change is None or rounds is None or change.chat.type not in _GROUP_TYPES:
        return
    chat = change.chat
    was_in, is_in = _present(change.old_chat_member), _present(change.new_chat_member)
    if is_in and not was_in:
        reply = await rounds.bot_joined(chat.id, ChatKind(chat.type), chat.title)
        await post(rounds, context.bot, chat.id, reply)
    elif was_in and not is_in:
        kicked = change.new_chat_member.status == ChatMemberStatus.BANNED
        await rounds.bot_left(chat.id, "kicked" if kicked else "left")
        logger.info("removed from group %s; its quizzes are paused", chat.id)


async def migrated(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A group became a supergroup: move its settings, rounds and scores to the new id."""
    message, rounds = update.effective_message, rounds_of(context.application)
    if message is None or rounds is None:
        return
    if message.migrate_to_chat_id:
        old_id, new_id = message.chat_id, message.migrate_to_chat_id
    elif message.migrate_from_chat_id:
        old_id, new_id = message.migrate_from_chat_id, message.chat_id
    else:
        return
    if await rounds.chat_migrated(old_id, new_id):
        logger.info("group %s is now supergroup %s; its data moved", old_id, new_id)


def register_group_handlers(application: App) -> RoundRunner:
    """Add the class-group handlers and the start-up job that resumes running rounds.

    Options default to `application.bot_data["group_options"]`, else `GroupOptions()`.
    """
    if application.job_queue is None:
        raise RuntimeError("group quiz rounds need python-telegram-bot[job-queue]")
    options = options_of(application)
    runner = RoundRunner(application, options)
    application.bot_data["group_runner"] = runner
    in_groups = filters.ChatType.GROUPS & filters.UpdateType.MESSAGE
    commands = {
        "quiz": quiz_round,
        "stop": stop_round,
        "leaderboard": leaderboard,
        "settings": settings_command,
        "report": report,
    }
    for name, callback in commands.items():
        application.add_handler(
            CommandHandler(name, callback, filters=in_groups), group=GROUPS_GROUP
        )
    application.add_handler(
        CallbackQueryHandler(settings_button, pattern=_SETTINGS_PATTERN), group=GROUPS_GROUP
    )
    application.add_handler(PollAnswerHandler(poll_answer), group=GROUPS_GROUP)
    application.add_handler(
        ChatMemberHandler(membership, ChatMemberHandler.MY_CHAT_MEMBER), group=GROUPS_GROUP
    )
    application.add_handler(
        MessageHandler(filters.StatusUpdate.MIGRATE, migrated), group=GROUPS_GROUP
    )
    application.job_queue.run_once(runner.resume, when=options.resume_after, name=RESUME_JOB)
    return runner


def _present(member: ChatMember) -> bool:
    """Whether the bot is in the chat with this membership."""
    if member.status in _PRESENT_STATUSES:
        return True
    return member.status == ChatMemberStatus.RESTRICTED and bool(
        getattr(member, "is_member", False)
    )
