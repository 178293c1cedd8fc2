"""The outbox: every effect a committed change owes an outside system (``store``), the seam to the
systems that deliver them (``adapters``), what an attempt came to (``outcome``) and how patiently
each queue retries (``retry``)."""
