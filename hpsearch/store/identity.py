"""What changed between the config a study was made with and the one it is run with, said key by
key (`hyperparameters.hidden_units.high: 256 → 512`) rather than as whole sections."""

from __future__ import annotations

import json
from typing import Any

ABSENT = "(absent)"


def changes(stored: dict[str, Any], given: dict[str, Any]) -> list[str]:
    """Each changed leaf as `dotted.key: old → new`, in key order; nested dicts are walked, any
    other value (a list of choices, a number) is compared and shown whole."""
    return [
        f"{key}: {_said(old)} → {_said(new)}" for key, old, new in _walk(stored, given, prefix="")
    ]


def _walk(old: Any, new: Any, prefix: str) -> list[tuple[str, Any, Any]]:
    if isinstance(old, dict) and isinstance(new, dict):
        found = []
        for key in sorted(old.keys() | new.keys()):
            inner = f"{prefix}.{key}" if prefix else str(key)
            found += _walk(old.get(key, ABSENT), new.get(key, ABSENT), inner)
        return found
    return [] if _same(old, new) else [(prefix, old, new)]


def _same(old: Any, new: Any) -> bool:
    return json.dumps(old, sort_keys=True) == json.dumps(new, sort_keys=True)


def _said(value: Any) -> str:
    """A value as the study file writes it: `relu`, `0.001`, `[relu, tanh]`, `null`."""
    if value == ABSENT or isinstance(value, str):
        return str(value)
    if isinstance(value, list):
        return "[" + ", ".join(_said(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_said(v)}" for k, v in value.items()) + "}"
    return json.dumps(value)
