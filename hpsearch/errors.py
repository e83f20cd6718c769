"""The one family of errors that hpsearch reports to a user as a message instead of a traceback."""


class HpsearchError(Exception):
    """A mistake the user can fix; the CLI prints the message and exits with `exit_code`."""

    exit_code = 2


class ConfigError(HpsearchError):
    """The study's YAML file, or an option given on the command line, is not valid."""


class DataError(HpsearchError):
    """A dataset cannot be loaded or split as asked."""


class StoreError(HpsearchError):
    """The study store refuses an operation (missing study, changed config, concurrent run)."""


class ExecutorError(HpsearchError):
    """Workers cannot run trials at all: they die before starting any, or their cluster cannot be
    reached or cannot load the trials."""
