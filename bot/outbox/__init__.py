"""The outbox: every effect a committed change owes an outside system (``store``), each lane's
oldest pending effect (``heads``), the seam to the systems that deliver them (``adapters``), what
an attempt came to (``outcome``) and how patiently each queue retries (``retry``)."""
