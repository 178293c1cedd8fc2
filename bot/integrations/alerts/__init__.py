"""Alerts in: each sender's webhook checked (its signature or token) and read into the bot's
``Signal``s (``bot.incidents.alerts``), or refused with a one-line reason."""
