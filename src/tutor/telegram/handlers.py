"""Telegram handlers: small callbacks that ask the core and show its `Reply`."""

from __future__ import annotations

import contextlib
import html
import logging
from collections import deque
from collections.abc import Awaitable, Callable
from typing import cast

from telegram import (
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InputTextMessageContent,
    Message,
    Update,
)
from telegram.constants import ChatType, ParseMode
from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.ext import ApplicationHandlerStop, CommandHandler, ContextTypes

from tutor.commands import Place
from tutor.deckchoice import DeckChoice
from tutor.dialog import Dialog
from tutor.gaps import GapLog, press_choice
from tutor.render import card_html, reply_html, split_message
from tutor.replies import CHOICE_DATA, Reply
from tutor.search import SearchIndex
from tutor.telegram.feedback import with_feedback

logger = logging.getLogger(__name__)

INLINE_RESULTS = 5
INLINE_CACHE_SECONDS = 300
SORRY = "Sorry — something went wrong on my side. Please try again in a moment."
NOT_TEXT = (
    "I can only read text. Type a question (e.g. the name of an event or a person), "
    "or send /topics to browse and /help for everything I can do."
)


UNEDITABLE = (
    "message to edit not found",
    "message can't be edited",
    "message_id_invalid",
    "there is no text in the message to edit",
)
"""Bot API errors (lower case) that mean an edit cannot happen: deleted, too old, a photo."""
ANSWERED_KEY = "answered_queries"
ANSWERED_MEMORY = 1024
"""How many answered callback query ids are remembered (the error handler checks them)."""


def dialog_of(context: ContextTypes.DEFAULT_TYPE) -> Dialog:
    return cast(Dialog, context.bot_data["dialog"])


async def deck_scope(context: ContextTypes.DEFAULT_TYPE, chat_id: int) -> str | None:
    """The deck the chat's questions are matched in (None: every deck)."""
    decks = cast(DeckChoice | None, context.bot_data.get("decks"))
    return await decks.scope(chat_id) if decks is not None else None


def keyboard(reply: Reply) -> InlineKeyboardMarkup | None:
    if not reply.buttons:
        return None
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(b.label, callback_data=b.data) for b in row]
            for row in reply.buttons
        ]
    )


def reply_text(reply: Reply, context: ContextTypes.DEFAULT_TYPE) -> str:
    return reply_html(
        reply.title, reply.lines, reply.card, dialog_of(context).library, reply.choices
    )


async def send(message: Message, reply: Reply, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Reply to `message`; a text over 4096 characters goes in several messages."""
    chunks = split_message(reply_text(reply, context))
    for number, chunk in enumerate(chunks, start=1):
        markup = keyboard(reply) if number == len(chunks) else None
        quote = message.chat.type != ChatType.PRIVATE
        await message.reply_text(chunk, reply_markup=markup, do_quote=quote)


async def answer_once(
    query: CallbackQuery, context: ContextTypes.DEFAULT_TYPE, text: str | None = None
) -> None:
    """Answer a button press; Telegram takes one answer per query, so remember it."""
    answered: deque[str] = context.bot_data.setdefault(ANSWERED_KEY, deque(maxlen=ANSWERED_MEMORY))
    if query.id in answered:
        return
    answered.append(query.id)
    await query.answer(text)


def was_answered(query: CallbackQuery, context: ContextTypes.DEFAULT_TYPE) -> bool:
    return query.id in context.bot_data.get(ANSWERED_KEY, ())


async def edit_or_send(
    message: Message,
    reply: Reply,
    context: ContextTypes.DEFAULT_TYPE,
    send_new: Callable[[], Awaitable[object]],
) -> None:
    """Show `reply` in place of `message`; when Telegram cannot edit it, send it anew.

    "Message is not modified" (the same page pressed twice) needs nothing more; a
    deleted, too old or photo message gets the reply as a new message. Both are
    expected, so they are logged without a traceback.
    """
    try:
        await message.edit_text(reply_text(reply, context), reply_markup=keyboard(reply))
    except BadRequest as error:
        description = str(error).lower()
        if "not modified" in description:
            logger.debug("message %s unchanged by the edit", message.message_id)
            return
        if not any(expected in description for expected in UNEDITABLE):
            raise
        logger.warning(
            "could not edit message %s in chat %s (%s); sent the reply as a new message",
            message.message_id,
            message.chat_id,
            error,
        )
        await send_new()


def place_of(message: Message) -> Place:
    return Place.PRIVATE if message.chat.type == ChatType.PRIVATE else Place.GROUP


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Greets the student and shows how to ask, by example."""
    user = update.effective_user
    reply = dialog_of(context).start(user.first_name if user else "")
    await send(update.effective_message, reply, context)


async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Lists what the bot understands in this kind of chat."""
    message = update.effective_message
    await send(message, dialog_of(context).help(place_of(message)), context)


async def topics(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Shows the first page of topics as buttons."""
    await send(update.effective_message, dialog_of(context).topics(0), context)


async def card_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Opens the card whose title is closest to the command's argument."""
    name = " ".join(context.args or [])
    deck_id = await deck_scope(context, update.effective_chat.id)
    reply = dialog_of(context).card_by_name(name, deck_id=deck_id)
    await send(update.effective_message, reply, context)


async def ask_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answers `/ask QUESTION` (the way to ask in a group with privacy mode on)."""
    question = " ".join(context.args or [])
    if not question.strip():
        await send(update.effective_message, ask_usage(dialog_of(context)), context)
        return
    await answer_question(update, context, question)


def ask_usage(dialog: Dialog) -> Reply:
    """The usage line of /ask, with the first card of the first topic as the example."""
    library = dialog.library
    cards = [card for topic in library.topics for card in library.cards_in_topic(topic)]
    example = cards[0].title.lower() if cards else "why did Stalin win"
    return Reply(lines=(f"Usage: /ask QUESTION — for example /ask {example}",))


async def text_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Treats a private text message, or a reply to the bot in a group, as a question."""
    message = update.effective_message
    if message.chat.type != ChatType.PRIVATE and not is_reply_to_bot(message, context):
        return
    await answer_question(update, context, message.text or "")


def is_reply_to_bot(message: Message, context: ContextTypes.DEFAULT_TYPE) -> bool:
    replied = message.reply_to_message
    return bool(replied and replied.from_user and replied.from_user.id == context.bot.id)


async def answer_question(
    update: Update, context: ContextTypes.DEFAULT_TYPE, question: str
) -> None:
    """Replies with the card that answers `question` (within the chat's deck), a
    "Which did you mean?" between close cards, or topic suggestions."""
    if logger.isEnabledFor(logging.DEBUG):
        logger.debug("question in chat %s: %r", update.effective_chat.id, question)
    deck_id = await deck_scope(context, update.effective_chat.id)
    reply = dialog_of(context).ask(question, deck_id=deck_id)
    reply = await with_feedback(context, question, reply)
    if reply.card is not None:
        logger.info("answered with card %s", reply.card.id)
    elif reply.choices:
        logger.info("asked which of %s", ", ".join(card.id for card in reply.choices))
    else:
        logger.info("no card for a question of %d characters", len(question))
    await send(update.effective_message, reply, context)


async def not_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Explains kindly that stickers, photos, voice notes and the like can't be read."""
    await update.effective_message.reply_text(NOT_TEXT)


async def button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Handles a browsing button or a "Which did you mean?" choice: edit the message in
    place, or send a card below it."""
    query = update.callback_query
    if CHOICE_DATA.match(query.data or ""):
        gaps = cast(GapLog | None, context.bot_data.get("gaps"))
        reply = await press_choice(gaps, dialog_of(context), query.data or "")
    else:
        reply = dialog_of(context).press(query.data)
    if not reply.lines and reply.card is None and not reply.title:
        await answer_once(query, context, reply.notice or None)
        return
    await answer_once(query, context)
    message = query.message
    if not isinstance(message, Message):
        return
    if reply.edit:
        await edit_or_send(message, reply, context, lambda: send(message, reply, context))
        return
    await send(message, reply, context)


def command_name(message: Message) -> str:
    """ "/Quiz@TutorBot nep" -> "quiz"."""
    return (message.text or "/").split(maxsplit=1)[0][1:].split("@", 1)[0].lower()


async def unknown_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """In a private chat, answers a command no handler took instead of staying silent.

    "/foo" and "/quizz 5" get "I don't know /foo — did you mean /quiz?"; "/leaderboard"
    gets "/leaderboard works in a class group". Runs after the other handler groups.
    """
    if _handled_elsewhere(update, context):
        return
    message = update.effective_message
    reply = dialog_of(context).unknown_command(command_name(message), Place.PRIVATE)
    await send(message, reply, context)


def _handled_elsewhere(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    return any(
        isinstance(handler, CommandHandler) and handler.check_update(update)
        for handlers in context.application.handlers.values()
        for handler in handlers
    )


async def inline_query(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Offers the best cards for `@bot words`, to drop a card into any chat."""
    query = update.inline_query
    dialog = dialog_of(context)
    index: SearchIndex = dialog.index
    text = query.query.strip()[:256]
    hits = index.search(text, limit=INLINE_RESULTS) if text else []
    results = [
        InlineQueryResultArticle(
            id=hit.card.id,
            title=hit.card.title,
            description=_first_line(hit.card.body),
            input_message_content=InputTextMessageContent(
                split_message(card_html(hit.card, dialog.library))[0], parse_mode=ParseMode.HTML
            ),
        )
        for hit in hits
    ]
    await query.answer(results, cache_time=INLINE_CACHE_SECONDS, is_personal=False)


def _first_line(body: str) -> str:
    first = body.strip().splitlines()[0] if body.strip() else ""
    return first.lstrip("•-* ").strip()[:100]


async def error_handler(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Logs the error with its update id, then apologises to the user once."""
    update_id = update.update_id if isinstance(update, Update) else None
    if isinstance(context.error, Forbidden):
        logger.warning("update %s: cannot write to the chat: %s", update_id, context.error)
        return
    logger.error("error while handling update %s", update_id, exc_info=context.error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    query = update.callback_query
    if query is not None:
        if not was_answered(query, context):
            with contextlib.suppress(TelegramError):
                await answer_once(query, context, SORRY[:200])
        raise ApplicationHandlerStop  # one failure, one answer: no later handler answers too
    try:
        await context.bot.send_message(update.effective_chat.id, html.escape(SORRY))
    except TelegramError:
        logger.warning("could not send the apology for update %s", update_id)
