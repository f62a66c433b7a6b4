"""The event log: every change to a conversation numbered per workspace, written in the
changing transaction and announced once it commits; live views and webhooks read it from cursors
of their own."""
