"""Which deck a chat's questions are matched in: `/deck` privately, `/settings deck` in groups.

The choice is the chat's `deck_id` setting (`ChatSettings`, JSON on the chat's row, so
no migration is needed): a class group's admins set it with `/settings deck NAME`, a
student sets their private chat's with `/deck NAME`. A private chat's id is the
student's own id (as on Telegram), so the choice is theirs alone, is kept across
restarts, and `/forget` deletes it with the chat. With one deck loaded there is nothing
to choose, and the database is not read at all.
"""

from __future__ import annotations

from dataclasses import replace

from tutor.clock import Clock, utc_now
from tutor.dialog import ANY_DECK_WORDS, Dialog
from tutor.model import Deck
from tutor.quizflow import Who
from tutor.replies import STALE_BUTTON, Reply
from tutor.store import ChatKind, Store

DECK_BUTTON_PREFIX = "deck:"
GROUP_DECK_NOTICE = "In a group, admins choose the deck: /settings deck NAME (or any)."


class DeckChoice:
    """Reads and changes the deck a chat's questions are matched in."""

    def __init__(self, dialog: Dialog, store: Store, *, clock: Clock = utc_now) -> None:
        self.dialog = dialog
        self.store = store
        self._clock = clock

    async def scope(self, chat_id: int) -> str | None:
        """The deck the chat chose, or None for every deck (also for a deck since removed)."""
        if len(self.dialog.library.decks) < 2:
            return None
        deck_id = (await self.store.chat_settings(chat_id)).deck_id
        return deck_id if deck_id in self.dialog.deck_ids else None

    async def ask(self, who: Who, question: str) -> Reply:
        """The reply to a question, matched within the chat's deck."""
        return self.dialog.ask(question, deck_id=await self.scope(who.chat_id))

    async def command(self, who: Who, argument: str) -> Reply:
        """`/deck` lists the decks, `/deck NAME` chooses one, `/deck any` every deck."""
        argument = argument.strip()
        if who.chat_kind is not ChatKind.PRIVATE:
            return Reply(lines=(GROUP_DECK_NOTICE,))
        if not argument:
            return self.dialog.decks_reply(await self.scope(who.chat_id))
        if len(self.dialog.library.decks) < 2:
            return self.dialog.decks_reply(None)
        if argument.lower() in ANY_DECK_WORDS:
            return await self._choose(who, None)
        deck = self.dialog.find_deck(argument)
        if deck is None:
            return self.dialog.unknown_deck(argument, await self.scope(who.chat_id))
        return await self._choose(who, deck)

    @staticmethod
    def owns_button(data: str | None) -> bool:
        return (data or "").startswith(DECK_BUTTON_PREFIX)

    async def press(self, who: Who, data: str) -> Reply:
        """A deck button under `/deck`: choose it, and show the list again with the tick moved."""
        parsed = self.dialog.parse_button(data)
        if parsed is None or parsed[0] != "deck":
            return STALE_BUTTON
        if who.chat_kind is not ChatKind.PRIVATE:
            return Reply(notice=GROUP_DECK_NOTICE)
        deck = next((d for d in self.dialog.library.decks if d.id == parsed[1]), None)
        done = await self._choose(who, deck)
        listing = self.dialog.decks_reply(deck.id if deck else None)
        return replace(listing, lines=(*done.lines, *listing.lines[1:]), edit=True)

    async def _choose(self, who: Who, deck: Deck | None) -> Reply:
        now = self._clock()
        await self.store.upsert_user(
            who.user_id, first_name=who.first_name, username=who.username, now=now
        )
        await self.store.upsert_chat(who.chat_id, kind=who.chat_kind, title=who.chat_title, now=now)
        await self.store.update_chat_settings(who.chat_id, deck_id=deck.id if deck else None)
        return self.dialog.deck_chosen(deck)
