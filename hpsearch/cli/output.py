"""Where the command line writes: rich consoles as wide as the terminal, or 100 columns where
no terminal says (a log file, CI), and `say` for prose, which wraps at words to that width.

Lines a user pastes or greps stay whole (commands, paths, YAML, a trial's progress line); prose
(summaries, readings, rules, notes) wraps, so that a log holds no line of 350 characters."""

from __future__ import annotations

import io
import os
import textwrap
from collections.abc import Mapping

from rich.console import Console, ConsoleDimensions
from rich.table import Table

UNKNOWN_WIDTH = 100  # columns where neither a terminal nor $COLUMNS tells the width


class Output(Console):
    """A console whose width, with no terminal on stdin, stdout or stderr and no $COLUMNS, is
    UNKNOWN_WIDTH instead of rich's 80. No emoji codes and no highlighting: what a user wrote
    (a `:rocket:` in a study file, a path) prints as it is."""

    def __init__(self, **options: object) -> None:
        super().__init__(highlight=False, emoji=False, soft_wrap=True, **options)  # type: ignore[arg-type]

    @property
    def size(self) -> ConsoleDimensions:
        size = Console.size.fget(self)  # type: ignore[attr-defined]
        if self._width is None and not width_known(self._environ):
            return ConsoleDimensions(UNKNOWN_WIDTH, size.height)
        return size

    @size.setter
    def size(self, new_size: tuple[int, int]) -> None:
        Console.size.fset(self, new_size)  # type: ignore[attr-defined]


def width_known(environ: Mapping[str, str]) -> bool:
    """Whether $COLUMNS or a terminal on stdin, stdout or stderr tells the width (piped into
    `less`, the terminal is still on stdin and stderr)."""
    if environ.get("COLUMNS", "").isdigit():
        return True
    for descriptor in (0, 1, 2):
        try:
            if os.get_terminal_size(descriptor).columns:
                return True
        except (OSError, ValueError):
            continue
    return False


def table_width(table: Table) -> int:
    """The columns `table` takes laid out without a limit, as the command line prints it."""
    return Console(width=10_000, file=io.StringIO(), emoji=False).measure(table).maximum


def say(console: Console, text: str, indent: int = 0) -> None:
    """A line of prose, wrapped at spaces to the console's width (every line `indent` spaces
    in). A command in backticks, a name marked `whole` and a word longer than the width (a path)
    stay whole: a command is pasted as one line."""
    margin = " " * indent
    lines = [
        wrapped.replace(KEPT_SPACE, " ")
        for line in text.split("\n")
        for wrapped in textwrap.wrap(
            _commands_kept(line),
            console.width,
            initial_indent=margin,
            subsequent_indent=margin,
            break_long_words=False,
            break_on_hyphens=False,
        )
        or [""]
    ]  # no trailing spaces, unlike rich's wrapping
    console.print("\n".join(lines), markup=False, highlight=False, soft_wrap=True)


KEPT_SPACE = "\x00"  # a space inside backticks or a `whole` name, where no line may break


def whole(name: str) -> str:
    """`name` (a column, a level) as `say` keeps it: on one line, though it holds spaces."""
    return name.replace(" ", KEPT_SPACE)


def _commands_kept(line: str) -> str:
    parts = line.split("`")
    return "`".join(p.replace(" ", KEPT_SPACE) if i % 2 else p for i, p in enumerate(parts))
