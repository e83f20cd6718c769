"""What a new study file means where it is silent, beyond the network's own defaults.

`HyperParams` keeps the defaults every study was ever trained with, so that a study, a model
file or a chosen configuration from before a change reads as it was made. A default that came
later and changes how trials train (keeping each trial's best epoch) is written into a new
study's space where its file does not name it: the study then carries it (its space, identity,
trials' params and `best`'s configuration), and a study made before it resumes without it."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from hpsearch.nn.hyperparams import HyperParams
from hpsearch.search.space import SearchSpace

NEW_STUDY = {"keep_best_epoch": True}


def with_study_defaults(space: SearchSpace) -> tuple[SearchSpace, frozenset[str]]:
    """`space` with each new-study default it does not name, fixed, after its own entries; and
    the names added."""
    added = {name: value for name, value in NEW_STUDY.items() if name not in space.root}
    if not added:
        return space, frozenset()
    return SearchSpace({**space.root, **added}), frozenset(added)


def without(space: SearchSpace, names: Collection[str]) -> SearchSpace:
    """`space` without the entries `names`."""
    return SearchSpace({name: v for name, v in space.root.items() if name not in names})


def trained_with(params: dict[str, Any]) -> dict[str, Any]:
    """A trial's params, with each new-study default they lack set to the value the trial
    trained with: the network's own default (a study made before that default)."""
    missing = {
        name: HyperParams.model_fields[name].default for name in NEW_STUDY if name not in params
    }
    return {**params, **missing}
