"""The one family of errors that hpsearch reports to a user as a message instead of a traceback."""


class HpsearchError(Exception):
    """A mistake the user can fix; the CLI prints the message and exits with `exit_code`.

    `option` names the argument the message begins with, in the library's words (`top`,
    `round`), so that the command line can say it as its own flag (`--top`)."""

    exit_code = 2

    def __init__(self, message: str, *, option: str | None = None) -> None:
        super().__init__(message)
        self.option = option


class ConfigError(HpsearchError):
    """The study's YAML file, or an option given on the command line, is not valid."""


class DataError(HpsearchError):
    """A dataset cannot be loaded or split as asked. `key` names the `data:` setting it is about
    (`target`, `features`, `dev`…; None: the dataset itself), so that a study file's line can be
    named."""

    def __init__(self, message: str, *, key: str | None = None, option: str | None = None) -> None:
        super().__init__(message, option=option)
        self.key = key


class StoreError(HpsearchError):
    """The study store refuses an operation (missing study, changed config, concurrent run)."""


class DamagedStore(StoreError):
    """A study's store whose bytes are damaged (a page, its header, a truncation):
    `hpsearch recover` keeps what can still be read."""


class ModelError(HpsearchError):
    """A model file cannot be read or applied as asked (not a model, damaged, of another form, or
    data that does not fit it)."""


class ExecutorError(HpsearchError):
    """Workers cannot run trials at all: they die before starting any, or their cluster cannot be
    reached or cannot load the trials."""


class Terminated(KeyboardInterrupt):
    """SIGTERM (`kill`, `systemd stop`, a batch scheduler's time limit, `docker stop`), raised
    where the program is, so that it stops as after Ctrl-C: finished trials kept, workers gone.
    A KeyboardInterrupt, so that every handler of Ctrl-C handles it too; exit code 143."""

    exit_code = 143
