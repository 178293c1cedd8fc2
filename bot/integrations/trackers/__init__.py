"""Trackers: follow-ups become tickets in Jira, GitHub or Linear (one small client each, behind one
``Tracker`` shape), made exactly once through the outbox, closed when done here, read back in
batches to learn what was done there."""
