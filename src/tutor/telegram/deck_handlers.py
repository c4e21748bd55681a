"""Telegram side of `/deck`: which deck a student's questions are matched in.

The handlers run in group -5, before every other group: a deck button stops there;
`/deck` goes on, so a waiting quiz question is shown again below its reply, as after any
other command. In a class group the deck is a group setting (`/settings deck NAME`, admins only),
so `/deck` there only says so, and a deck button pressed in a group changes nothing.
"""

from __future__ import annotations

from typing import cast

from telegram import Message, Update
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    filters,
)

from tutor.deckchoice import DECK_BUTTON_PREFIX, DeckChoice
from tutor.telegram.handlers import answer_once, edit_or_send, send
from tutor.telegram.quiz_handlers import deliver, personal, who_of

DECK_GROUP = -5
"""Before the dashboard (-4), group (-3), daily (-2), quiz (-1) and browsing (0) handlers."""


def decks_of(context: ContextTypes.DEFAULT_TYPE) -> DeckChoice | None:
    return cast(DeckChoice | None, context.bot_data.get("decks"))


@personal
async def deck_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Lists the decks with buttons, or chooses one: `/deck NAME`, `/deck any`."""
    decks = decks_of(context)
    if decks is None:
        return
    reply = await decks.command(who_of(update), " ".join(context.args or []))
    await deliver([reply], context, update.effective_message, update)


async def deck_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Chooses the pressed deck and shows the list again, ticked, in place."""
    query = update.callback_query
    decks = decks_of(context)
    message = query.message
    if decks is None or not isinstance(message, Message):
        await answer_once(query, context)
        raise ApplicationHandlerStop
    reply = await decks.press(who_of(update), query.data or "")
    await answer_once(query, context, reply.notice or None)
    if reply.lines:
        await edit_or_send(message, reply, context, lambda: send(message, reply, context))
    raise ApplicationHandlerStop


def register_deck_handlers(application: Application) -> None:
    new = filters.UpdateType.MESSAGE
    application.add_handler(CommandHandler("deck", deck_command, filters=new), group=DECK_GROUP)
    application.add_handler(
        CallbackQueryHandler(deck_button, pattern=f"^{DECK_BUTTON_PREFIX}"), group=DECK_GROUP
    )
