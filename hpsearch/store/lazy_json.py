"""A stored JSON object read only when it is looked at: a study of 100,000 trials holds two
million curve points, and `show`, `best` or `zoom` look at the curves of one trial or none, so
parsing them all would be most of a command's time."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any


class LazyJson(Mapping[str, Any]):
    """The mapping in `text`, parsed on first use and kept; equal to the dict it holds, and
    pickled as that dict's text."""

    __slots__ = ("_text", "_value")

    def __init__(self, text: str) -> None:
        self._text = text
        self._value: dict[str, Any] | None = None

    @property
    def value(self) -> dict[str, Any]:
        """The parsed mapping (a plain dict)."""
        if self._value is None:
            self._value = json.loads(self._text)  # curves may hold Infinity and NaN
        return self._value

    def __getitem__(self, key: str) -> Any:
        return self.value[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.value)

    def __len__(self) -> int:
        return len(self.value)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, LazyJson):
            return self._text == other._text or self.value == other.value
        return self.value == other if isinstance(other, Mapping) else NotImplemented

    __hash__ = None  # type: ignore[assignment]  # a mapping, like dict

    def __repr__(self) -> str:
        return repr(self.value)

    def __reduce__(self) -> tuple[type[LazyJson], tuple[str]]:
        return LazyJson, (self._text,)
