"""Telegram handlers for quizzes, reviews, progress pictures and /forget.

They run in handler group -1, before the browsing handlers: a button or text that
belongs to a quiz is handled here and stops there (ApplicationHandlerStop); anything
else falls through to the note-card handlers.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable
from functools import partial
from typing import cast

from telegram import Message, Update
from telegram.constants import ChatType
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from tutor.quizflow import AS_CHAT_REFUSAL, QuizFlow, Who
from tutor.render import split_message
from tutor.replies import Reply
from tutor.store import ChatKind
from tutor.telegram.handlers import (
    answer_once,
    command_name,
    deck_scope,
    dialog_of,
    edit_or_send,
    is_reply_to_bot,
    keyboard,
    reply_text,
)

logger = logging.getLogger(__name__)
QUIZ_GROUP = -1
REMINDER_GROUP = 2
"""After every other handler: show a waiting quiz question again below a command's reply."""
QUIZ_STATE_COMMANDS = frozenset({"quiz", "review", "stop", "forget"})
"""Commands that start or end a quiz, or ask before deleting it: no reminder after them."""
PHOTO_CAPTION_LIMIT = 1024


def flow_of(context: ContextTypes.DEFAULT_TYPE) -> QuizFlow:
    return cast(QuizFlow, context.bot_data["quiz"])


def who_of(update: Update) -> Who:
    """Who sent the update. A message sent on behalf of a chat (an anonymous group admin
    posts as the group; a channel as itself) arrives from a placeholder user that every
    such sender shares, so the sending chat is kept too."""
    user, chat = update.effective_user, update.effective_chat
    sender_chat = update.message.sender_chat if update.message else None
    return Who(
        user_id=user.id if user else chat.id,
        chat_id=chat.id,
        first_name=user.first_name if user else "",
        username=user.username if user else None,
        chat_kind=ChatKind(chat.type) if chat.type in set(ChatKind) else ChatKind.PRIVATE,
        chat_title=chat.title,
        sender_chat_id=sender_chat.id if sender_chat else None,
    )


Handler = Callable[[Update, ContextTypes.DEFAULT_TYPE], Awaitable[None]]


def personal(handler: Handler) -> Handler:
    """Refuse a personal feature (a quiz, progress, /forget) to a message sent as a chat."""

    @functools.wraps(handler)
    async def guarded(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if not who_of(update).posts_as_chat:
            return await handler(update, context)
        message = update.effective_message
        if message is not None and message.text and message.text.startswith("/"):
            await deliver([Reply(lines=(AS_CHAT_REFUSAL,))], context, message, update)
            raise ApplicationHandlerStop
        return None

    return guarded


async def deliver(
    replies: list[Reply], context: ContextTypes.DEFAULT_TYPE, message: Message, update: Update
) -> None:
    """Show replies: pop-up notices, in-place edits, pictures and ordinary messages."""
    query = update.callback_query
    notice = next((r.notice for r in replies if r.notice), None)
    if query is not None:
        await answer_once(query, context, notice)
    for reply in replies:
        if _notice_only(reply):
            continue
        if reply.edit and query is not None:
            await edit_or_send(message, reply, context, partial(_send, message, reply, context))
        elif reply.photo is not None:
            caption = reply_text(reply, context)[:PHOTO_CAPTION_LIMIT] or None
            await message.reply_photo(reply.photo, caption=caption, reply_markup=keyboard(reply))
        else:
            await _send(message, reply, context)


async def _send(message: Message, reply: Reply, context: ContextTypes.DEFAULT_TYPE) -> None:
    chunks = split_message(reply_text(reply, context))
    for number, chunk in enumerate(chunks, start=1):
        markup = keyboard(reply) if number == len(chunks) else None
        await message.get_bot().send_message(message.chat_id, chunk, reply_markup=markup)


def _notice_only(reply: Reply) -> bool:
    return not reply.lines and reply.card is None and not reply.title and reply.photo is None


@personal
async def quiz(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Starts a quiz: `/quiz [topic] [n]`."""
    replies = await flow_of(context).quiz(who_of(update), " ".join(context.args or []))
    await deliver(replies, context, update.effective_message, update)


@personal
async def review(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Starts a review of the questions that are due."""
    await deliver(
        await flow_of(context).review(who_of(update)), context, update.effective_message, update
    )


@personal
async def stop(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Ends the running quiz and shows the score."""
    await deliver(
        await flow_of(context).stop(who_of(update)), context, update.effective_message, update
    )


@personal
async def stats(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Shows progress figures and a chart."""
    await update.effective_message.reply_chat_action("upload_photo")
    await deliver(
        await flow_of(context).stats(who_of(update)), context, update.effective_message, update
    )


async def timeline(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Sends a timeline picture: `/timeline [FROM] [TO]`."""
    await update.effective_message.reply_chat_action("upload_photo")
    replies = await flow_of(context).timeline(" ".join(context.args or []))
    await deliver(replies, context, update.effective_message, update)


@personal
async def forget(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Asks for confirmation before deleting the student's data."""
    message = update.effective_message
    await deliver(flow_of(context).forget(who_of(update)), context, message, update)


@personal
async def typed_answer(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Grades a text message that answers the waiting question; else, during a quiz,
    answers it as a question and shows the quiz question again; without a quiz lets it pass."""
    message = update.effective_message
    if message.chat.type != ChatType.PRIVATE and not is_reply_to_bot(message, context):
        return
    deck_id = await deck_scope(context, message.chat_id)
    ask = partial(dialog_of(context).ask, deck_id=deck_id)
    replies = await flow_of(context).on_text(who_of(update), message.text or "", ask)
    if replies is None:
        return
    await deliver(replies, context, message, update)
    raise ApplicationHandlerStop


async def quiz_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Handles answer, chronology, stop, "Quiz me on this" and /forget buttons."""
    query = update.callback_query
    flow = flow_of(context)
    if not flow.owns_button(query.data):
        return
    message = query.message
    if not isinstance(message, Message):
        await answer_once(query, context)
        raise ApplicationHandlerStop
    replies = await flow.press(who_of(update), query.data or "")
    await deliver(replies, context, message, update)
    raise ApplicationHandlerStop


async def remind_after_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Shows the waiting quiz question again after another command in a private chat."""
    message = update.effective_message
    if command_name(message) in QUIZ_STATE_COMMANDS:
        return
    reminder = await flow_of(context).reminder(who_of(update))
    if reminder is not None:
        await _send(message, reminder, context)


def register_quiz_handlers(application: Application) -> None:
    commands = {
        "quiz": quiz,
        "review": review,
        "stop": stop,
        "stats": stats,
        "timeline": timeline,
        "forget": forget,
    }
    # Only new messages count: editing an old "/quiz" must not replace the running quiz,
    # nor an edited old message answer the pending question.
    new = filters.UpdateType.MESSAGE
    for name, callback in commands.items():
        application.add_handler(CommandHandler(name, callback, filters=new), group=QUIZ_GROUP)
    application.add_handler(CallbackQueryHandler(quiz_button), group=QUIZ_GROUP)
    typed = filters.TEXT & ~filters.COMMAND & ~filters.VIA_BOT & new
    application.add_handler(MessageHandler(typed, typed_answer), group=QUIZ_GROUP)
    private_commands = filters.COMMAND & filters.ChatType.PRIVATE & new
    application.add_handler(
        MessageHandler(private_commands, remind_after_command), group=REMINDER_GROUP
    )
