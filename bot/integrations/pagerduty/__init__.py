"""PagerDuty's REST API: who is on call (for escalation targets that name a schedule or an
escalation policy), and the PagerDuty incidents the bot's incidents came from, acknowledged and
resolved with them."""
