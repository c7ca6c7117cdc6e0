"""The running service: settings, the Starlette app and the command line."""
