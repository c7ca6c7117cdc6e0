"""The append-only, hash-chained history of every change. Importing this package installs the
capture on every session, so no write path can skip it."""

from audit import capture, chain  # noqa: F401  (installs the session listeners)
