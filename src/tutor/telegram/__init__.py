"""The Telegram adapter: python-telegram-bot handlers over the core."""
