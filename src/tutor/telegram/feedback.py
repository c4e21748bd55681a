"""The 👍 / 👎 "Not what I asked" pair under every card sent in answer to a question.

The question is remembered by the core gap log (`tutor.gaps`) without who asked it;
the buttons carry only its row id and the card id.
"""

from __future__ import annotations

import logging
from typing import cast

from telegram import InlineKeyboardMarkup, Update
from telegram.error import TelegramError
from telegram.ext import ApplicationHandlerStop, ContextTypes

from tutor.dialog import Dialog
from tutor.gaps import FEEDBACK_GONE, GapLog, press_feedback
from tutor.gaps import with_feedback as gaps_with_feedback
from tutor.replies import Reply

logger = logging.getLogger(__name__)


async def with_feedback(context: ContextTypes.DEFAULT_TYPE, question: str, reply: Reply) -> Reply:
    """Log the question in the gap log; a card reply gains the 👍/👎 pair."""
    gaps = cast(GapLog | None, context.bot_data.get("gaps"))
    if gaps is None:
        return reply
    dialog = cast(Dialog, context.bot_data["dialog"])
    return await gaps_with_feedback(gaps, question, reply, dialog.index, dialog.library)


async def feedback_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """👍 or 👎 under a card: thank the student, log a 👎 as a gap, remove the pair."""
    query = update.callback_query
    gaps = cast(GapLog | None, context.bot_data.get("gaps"))
    if gaps is None:
        await query.answer(FEEDBACK_GONE)
        raise ApplicationHandlerStop
    recorded, notice = await press_feedback(gaps, query.data or "")
    await query.answer(notice)
    message = query.message
    markup = getattr(message, "reply_markup", None)
    if recorded and markup is not None:
        rows = [
            row
            for row in markup.inline_keyboard
            if not any((b.callback_data or "").startswith("fb:") for b in row)
        ]
        try:
            await query.edit_message_reply_markup(InlineKeyboardMarkup(rows))
        except TelegramError as error:
            logger.info("could not remove the feedback buttons: %s", error)
    raise ApplicationHandlerStop
