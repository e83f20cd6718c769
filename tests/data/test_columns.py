"""Each column's plan from the train rows, and encoding by it: pure functions, so the same train
rows give the same plan whatever else the file holds, and nothing is learnt from dev or test."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from hpsearch.data import DataSpec, load_dataset
from hpsearch.data.columns import Column, Rules, plan_columns
from hpsearch.data.encode import UNSEEN_BINARY, encode
from hpsearch.data.report import Filled
from hpsearch.data.scale import apply_scaling, fit_scaling
from hpsearch.data.table import Table
from hpsearch.errors import DataError


def table(numbers: dict[str, list[float]], texts: dict[str, list[str | None]]) -> Table:
    """A table as a reader makes it: numbers (NaN: missing), then text columns as codes."""
    n = len(next(iter({**numbers, **texts}.values())))
    X = np.array([numbers[name] for name in numbers], np.float32).T.reshape(n, len(numbers))
    codes, levels = [], []
    for cells in texts.values():
        found: dict[str, int] = {}
        codes.append([-1 if c is None else found.setdefault(c, len(found)) for c in cells])
        levels.append(tuple(found))
    return Table(
        X, np.zeros(n, np.int64), (), (*numbers, *texts), "t.csv", "label",
        texts=np.array(codes, np.int32).T.reshape(n, len(texts)), levels=tuple(levels),
        text_columns=tuple(range(len(numbers), len(numbers) + len(texts))),
    )  # fmt: skip


TRAIN = table(
    {"size": [1, 2, 3, np.nan, 10, 4]},
    {"colour": ["red", "red", "blue", "red", "blue", "green"],
     "shape": ["round", None, "square", "round", "square", "round"]},
)  # fmt: skip


def test_a_plan_is_taken_from_the_train_rows() -> None:
    plans, summaries = plan_columns(TRAIN, Rules(min_level_count=2))
    size, colour, shape = plans
    assert size == Column("size", "numeric", median=3.0, indicator=True)
    assert size.inputs == ("size", "size (missing)")
    # green is seen once, fewer than min_level_count rows: it joins (other)
    assert colour == Column("colour", "categorical", levels=("blue", "red"), other=True)
    assert colour.inputs == ("colour=blue", "colour=red", "colour=(other)")
    assert shape == Column("shape", "categorical", levels=("round", "square"), missing_level=True)
    assert [s.missing for s in summaries] == [pytest.approx(1 / 6), 0, pytest.approx(1 / 6)]
    assert summaries[1].treatment == "one-hot, 3 inputs; 1 rare level → (other)"


def test_without_gaps_in_train_there_is_no_flag_and_no_missing_level() -> None:
    train = table({"size": [1.0, 2.0, 3.0]}, {"shape": ["a", "b", "a"]})
    size, shape = plan_columns(train, Rules(min_level_count=1))[0]
    assert not size.indicator and size.inputs == ("size",)
    assert not shape.missing_level and not shape.other
    assert shape.inputs == ("shape=b",)  # two levels: one input


def test_encoding_fills_flags_and_one_hots_as_the_plan_says() -> None:
    plans, _ = plan_columns(TRAIN, Rules(min_level_count=2))
    rows = table(
        {"size": [np.nan, 7]},
        {"colour": ["purple", "blue"], "shape": [None, "oval"]},
    )  # fmt: skip
    X, filled = encode(rows, plans)
    assert X.tolist() == [
        [3.0, 1.0, 0, 0, 1, 0, 0, 1],  # median and flag; purple → (other); gap → (missing)
        [7.0, 0.0, 1, 0, 0, 0, 0, 0],  # oval: no slot of its own, no (other): all zeros
    ]
    assert filled == (
        Filled("size", gaps=1), Filled("colour", other=1), Filled("shape", gaps=1, other=1),
    )  # fmt: skip


def test_a_two_level_column_is_one_input_and_an_unseen_level_sits_between() -> None:
    column = Column("sex", "categorical", levels=("female", "male"))
    rows = table({}, {"sex": ["male", "female", "other", None]})
    X, _ = encode(rows, [column])
    assert X[:, 0].tolist() == [1.0, 0.0, UNSEEN_BINARY, UNSEEN_BINARY]


def test_listed_levels_are_kept_in_their_order_and_others_go_to_other() -> None:
    rules = Rules(categorical={"colour": ("red", "green")}, min_level_count=5)
    colour = plan_columns(TRAIN, rules)[0][1]
    assert colour.levels == ("red", "green") and colour.other  # blue is not listed


def test_a_column_of_numbers_read_as_text_is_numeric_by_its_train_rows() -> None:
    """A column read as text because some row elsewhere holds text is numeric when its train
    rows hold numbers only; a dev row's text is then an error at its place."""
    train = table({}, {"age": ["3", "4.5", None, "10"]})
    (age,), _ = plan_columns(train, Rules())
    assert age == Column("age", "numeric", median=4.5, indicator=True)
    dev = table({}, {"age": ["7", "n/k"]})
    with pytest.raises(DataError, match="'n/k' is not a number, but column 'age' is numeric"):
        encode(dev, [age])


def test_every_unusable_column_is_named_at_once() -> None:
    names = [f"name {i}" for i in range(30)]
    train = table({"empty": [np.nan] * 30}, {"name": names, "blank": [None] * 30})
    with pytest.raises(DataError) as caught:
        plan_columns(train, Rules())
    said = str(caught.value)
    assert "column 'empty' is empty in every train row; leave it out with `ignore: [empty]`" in said
    assert "column 'name' has 30 distinct values in 30 train rows" in said
    assert "column 'blank' is empty in every train row" in said


def test_robust_scaling_centres_on_the_median_and_clips_smoothly() -> None:
    X = np.array([[1.0, 0], [2, 1], [3, 0], [4, 1], [100, 1]], np.float32)
    scaling = fit_scaling(X, [True, False], "robust")
    assert scaling.center.tolist() == [3.0, 0.0] and scaling.scale.tolist() == [2.0, 1.0]
    assert scaling.clip.tolist() == [True, False]
    scaled = X.copy()
    apply_scaling(scaled, scaling)
    z = (X[:, 0] - 3) / 2
    assert np.allclose(scaled[:, 0], z / np.sqrt(1 + (z / 3) ** 2))
    assert scaled[:, 1].tolist() == X[:, 1].tolist()  # a 0/1 input stays as it is
    assert abs(scaled[-1, 0]) < 3  # the outlier 100 is clipped below 3


def test_a_column_round_trips_through_its_json_form() -> None:
    for column in plan_columns(TRAIN, Rules(min_level_count=2))[0]:
        assert Column.from_dict(column.to_dict()) == column


def test_no_statistic_comes_from_dev_or_test_rows(tmp_path: Path) -> None:
    """Rows that land in dev or test hold values train never has (a level, huge numbers,
    gaps): the plan must be the one the train rows alone give."""
    lines = ["id,weight,colour,label"]
    for i in range(300):
        weight = "" if i % 7 == 0 else str(i % 11)
        lines.append(f"{i},{weight},{'ab'[i % 2]},{'xy'[i % 3 == 0]}")
    path = tmp_path / "d.csv"
    path.write_text("\n".join(lines) + "\n")
    spec = DataSpec(dataset=str(path), target="label", numeric=["id"], seed=3)
    first = load_dataset(spec)
    ids = np.rint(first.X_train[:, 0] * first.std[0] + first.mean[0]).astype(int)
    held = sorted(set(range(300)) - set(ids.tolist()))
    for i in held:  # every dev and test row gets a value train never has
        lines[i + 1] = f"{i},{10_000 + i},zz,{'xy'[i % 3 == 0]}"
    path.write_text("\n".join(lines) + "\n")
    second = load_dataset(spec)
    assert second.columns == first.columns
    assert np.array_equal(second.X_train, first.X_train)
    assert np.array_equal(second.mean, first.mean) and np.array_equal(second.std, first.std)
    train_weights = [i % 11 for i in ids if i % 7]
    assert second.columns[1].median == float(np.median(train_weights))
    others = {part: f for part, done in second.report.filled for f in done if f.column == "colour"}
    assert others["dev"].other + others["test"].other == len(held)
