"""Who administers a group: always asked of the Bot API, never read from a message.

The one exception is a message sent as the group itself (`sender_chat` is the group):
Telegram lets only the group's admins post that way ("Remain anonymous"), and such a
message arrives from a placeholder user (GroupAnonymousBot) that getChatMember knows
nothing about.
"""

from __future__ import annotations

import logging

from telegram import Bot
from telegram.constants import ChatMemberStatus
from telegram.error import TelegramError

from tutor.quizflow import Who

logger = logging.getLogger(__name__)
ADMIN_STATUSES = frozenset({ChatMemberStatus.OWNER, ChatMemberStatus.ADMINISTRATOR})


async def admin_of(bot: Bot, who: Who) -> bool:
    """Whether `who` administers their chat (False for a channel or another chat)."""
    if who.is_anonymous_admin:
        return True
    if who.posts_as_chat:
        return False
    return await is_admin(bot, who.chat_id, who.user_id)


async def is_admin(bot: Bot, chat_id: int, user_id: int) -> bool:
    """Whether the Bot API says the user administers the chat (False if it cannot tell)."""
    try:
        member = await bot.get_chat_member(chat_id, user_id)
    except TelegramError as error:
        logger.info("could not check admin rights in chat %s: %s", chat_id, error)
        return False
    return member.status in ADMIN_STATUSES
