"""Telegram handler for `/exam`: a student's exam countdown, or (group admins) a class's."""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CommandHandler, ContextTypes, filters

from tutor.telegram.push import may_change
from tutor.telegram.quiz_handlers import QUIZ_GROUP, deliver, flow_of, who_of


async def exam(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Shows, sets or clears the exam date: `/exam [DATE [topics] | off]`."""
    message = update.effective_message
    if message is None:
        return
    who, argument = who_of(update), " ".join(context.args or [])
    allowed = not argument or await may_change(context.bot, who)
    reply = await flow_of(context).exams.exam(who, argument, may_change=allowed)
    await deliver([reply], context, message, update)


def register_exam_handlers(application: Application) -> None:
    application.add_handler(
        CommandHandler("exam", exam, filters=filters.UpdateType.MESSAGE), group=QUIZ_GROUP
    )
