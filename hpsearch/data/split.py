"""Cutting a dataset into train, dev and test: how many rows each part gets (the course's rule by
default) and which rows, stratified so that every class appears in every part in about its share
of the data (a regression's rows are shuffled and cut)."""

from __future__ import annotations

import numpy as np

from hpsearch.data.files import count
from hpsearch.data.spec import EXAMPLE_SPLIT, PARTS, DataSpec
from hpsearch.errors import DataError

DEFAULT_SHARES = (0.6, 0.2, 0.2)
SMALL_DATA = 100_000  # past this many rows, dev and test get a fixed size instead of a share
HOLDOUT_ROWS = 10_000  # that size: enough to tell models apart (the course: 98/1/1 at 10⁶)


def part_sizes(n_rows: int, spec: DataSpec, source: str) -> dict[str, int]:
    """Rows for each part cut out of the dataset (`spec.split_parts`); may leave rows unused
    only when `split` gives counts that sum to less than the dataset."""
    parts = spec.split_parts
    if spec.split is None and n_rows > SMALL_DATA:
        held = {part: HOLDOUT_ROWS for part in parts if part != "train"}
        return {"train": n_rows - sum(held.values()), **held}
    asked = spec.shares or {part: DEFAULT_SHARES[PARTS.index(part)] for part in parts}
    if isinstance(next(iter(asked.values())), float):
        total = sum(asked.values())
        # Shares of the parts that are cut out, renormalised when a file gives the other part.
        held = {p: int(n_rows * share / total + 0.5) for p, share in asked.items() if p != "train"}
        return {"train": n_rows - sum(held.values()), **held}
    if sum(asked.values()) > n_rows:
        terms = " + ".join(f"{rows:,} {part}" for part, rows in asked.items())
        raise DataError(
            f"split asks for {terms} = {sum(asked.values()):,} rows, but {source} has "
            f"{n_rows:,}; lower the counts, or give fractions, {EXAMPLE_SPLIT}"
        )
    return {part: int(rows) for part, rows in asked.items()}


def shuffled_split(
    n_rows: int, sizes: dict[str, int], rng: np.random.Generator
) -> dict[str, np.ndarray]:
    """Row indices of each part, disjoint, in shuffled order: a regression's target has no
    classes to stratify by. The parts are cut from one permutation in the order dev, test,
    train, as `stratified_split` cuts each class."""
    shuffled, start, indices = rng.permutation(n_rows), 0, {}
    for part in ("dev", "test", "train"):
        if part in sizes:
            indices[part] = shuffled[start : start + sizes[part]]
            start += sizes[part]
    return indices


def stratified_split(
    y: np.ndarray, classes: tuple[str, ...], sizes: dict[str, int], rng: np.random.Generator
) -> dict[str, np.ndarray]:
    """Row indices of each part, disjoint, in shuffled order; each class is cut in the parts'
    proportions, with at least one row of it in every part."""
    counts = np.bincount(y, minlength=len(classes))
    quotas = _class_quotas(counts, classes, sizes)
    shuffled = rng.permutation(len(y))
    grouped = np.argsort(y[shuffled], kind="stable")  # shuffled positions, class by class
    by_class = y[shuffled][grouped]
    rank = np.arange(len(y)) - (np.cumsum(counts) - counts)[by_class]  # rank within its class
    low = np.zeros(len(classes), dtype=np.int64)
    indices = {}
    for part in ("dev", "test", "train"):
        if part not in quotas:
            continue
        high = low + quotas[part]
        chosen = (rank >= low[by_class]) & (rank < high[by_class])
        indices[part] = shuffled[np.sort(grouped[chosen])]
        low = high
    return indices


def _class_quotas(
    counts: np.ndarray, classes: tuple[str, ...], sizes: dict[str, int]
) -> dict[str, np.ndarray]:
    """Rows of each class for each part: one each first, the rest in proportion to the rows a
    class can spare, so a 3-row class still reaches train, dev and test."""
    _check_class_sizes(counts, classes, sizes)
    spare = counts - len(sizes)
    quotas = {p: 1 + _apportion(sizes[p] - len(classes), spare) for p in sizes if p != "train"}
    left = counts - sum(quotas.values(), np.zeros_like(counts))
    if sum(sizes.values()) == counts.sum():
        quotas["train"] = left
    else:  # counts that leave rows unused: train gets its count, cut like the others
        train = 1 + _apportion(sizes["train"] - len(classes), spare)
        quotas["train"] = np.minimum(train, left)
    short = np.flatnonzero(quotas["train"] < 1)
    if short.size:
        c = int(short[0])
        held = " and ".join(p for p in sizes if p != "train")
        raise DataError(
            f"class '{classes[c]}' has {count(counts[c], 'row')}, and {held} leave none of them "
            f"for train; lower the {held} share, {EXAMPLE_SPLIT}"
        )
    return quotas


def _check_class_sizes(counts: np.ndarray, classes: tuple[str, ...], sizes: dict[str, int]) -> None:
    parts = [p for p in PARTS if p in sizes]
    names = parts[0] if len(parts) == 1 else f"{', '.join(parts[:-1])} and {parts[-1]}"
    small = np.flatnonzero(counts < len(parts))
    if small.size:
        c = int(small[0])
        raise DataError(
            f"class '{classes[c]}' has {count(counts[c], 'row')}, too few to appear in {names}; "
            f"every class needs at least {len(parts)} rows, one for each"
        )
    for part in parts:
        if sizes[part] < len(classes):
            raise DataError(
                f"split gives {part} {count(sizes[part], 'row')}, fewer than the "
                f"{len(classes)} classes; every class needs a row in {part}, so give it at least "
                f"{len(classes)}"
            )


def _apportion(total: int, weights: np.ndarray) -> np.ndarray:
    """`total` split in proportion to `weights` into whole numbers (largest remainders)."""
    quota = total * weights / max(int(weights.sum()), 1)
    shares = np.floor(quota).astype(np.int64)
    extra = np.argsort(shares - quota, kind="stable")[: total - int(shares.sum())]
    shares[extra] += 1
    return shares
