"""Atlassian Statuspage: the Comms Lead's publications made on the public status page, exactly once
through the outbox, and the page's components listed for the publish form."""
