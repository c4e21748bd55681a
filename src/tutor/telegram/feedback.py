"""The 👍 / 👎 "Not what I asked" pair under every card sent in answer to a question.

The question is remembered by the core gap log (`tutor.gaps`) without who asked it;
the buttons carry only its row id and the card id.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import cast

from telegram import InlineKeyboardMarkup, Update
from telegram.error import TelegramError
from telegram.ext import ApplicationHandlerStop, ContextTypes

from tutor.dialog import Button, Dialog, Reply
from tutor.gaps import FEEDBACK_DATA, GapLog, log_question

logger = logging.getLogger(__name__)

THANKS_HELPFUL = "Thanks! Glad it helped."
THANKS_NOT_WANTED = "Thanks — I've passed your question on to the teachers (not your name)."
FEEDBACK_GONE = "Thanks — this one is too old to record."
HELPFUL_LABEL = "👍"
NOT_WANTED_LABEL = "👎 Not what I asked"


async def with_feedback(context: ContextTypes.DEFAULT_TYPE, question: str, reply: Reply) -> Reply:
    """Log the question in the gap log; a card reply gains the 👍/👎 pair."""
    gaps = cast(GapLog | None, context.bot_data.get("gaps"))
    if gaps is None or not question.strip():
        return reply
    dialog = cast(Dialog, context.bot_data["dialog"])
    gap_id = await log_question(gaps, question, reply.card, dialog.index, dialog.library)
    if gap_id is None or reply.card is None:
        return reply
    card_id = reply.card.id
    pair = (
        Button(HELPFUL_LABEL, f"fb:y:{gap_id}:{card_id}"),
        Button(NOT_WANTED_LABEL, f"fb:n:{gap_id}:{card_id}"),
    )
    return replace(reply, buttons=(*reply.buttons, pair))


async def feedback_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """👍 or 👎 under a card: thank the student, log a 👎 as a gap, remove the pair."""
    query = update.callback_query
    match = FEEDBACK_DATA.match(query.data or "")
    gaps = cast(GapLog | None, context.bot_data.get("gaps"))
    if match is None or gaps is None:
        await query.answer(FEEDBACK_GONE)
        raise ApplicationHandlerStop
    helpful = match.group(1) == "y"
    recorded = await gaps.feedback(int(match.group(2)), match.group(3), helpful=helpful)
    notice = (THANKS_HELPFUL if helpful else THANKS_NOT_WANTED) if recorded else FEEDBACK_GONE
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


