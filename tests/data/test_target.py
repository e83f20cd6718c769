"""The target column: classes or numbers, each bad target one clear message, and the reading that
`hpsearch init` proposes (task and metric, in words). Real data: scikit-learn's diabetes and iris,
and an extract of ISLR's Caravan (tests/files/caravan.csv: 800 of its rows, 7.4% "Yes")."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from hpsearch.data import DataSpec, load_dataset, parse_spec
from hpsearch.data.target import imbalance_note, infer_target, is_imbalanced
from hpsearch.errors import DataError
from tests.data_cases import BadInput
from tests.target_cases import TARGET_INPUTS

CARAVAN = Path(__file__).parents[1] / "files" / "caravan.csv"


def diabetes_csv(folder: Path, target_cells=None) -> Path:
    """scikit-learn's diabetes data, its measurements as taken, as a CSV with a header."""
    from sklearn.datasets import load_diabetes

    bunch = load_diabetes(scaled=False)
    cells = target_cells if target_cells is not None else [f"{v:.1f}" for v in bunch.target]
    lines = [",".join([*bunch.feature_names, "progression"])]
    lines += [",".join([*map(str, row), cell]) for row, cell in zip(bunch.data, cells, strict=True)]
    path = folder / "diabetes.csv"
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.mark.parametrize("case", TARGET_INPUTS, ids=lambda case: case.id)
def test_each_bad_target_is_one_clear_data_error(case: BadInput, tmp_path: Path) -> None:
    spec = case.write(tmp_path)
    with pytest.raises(DataError) as caught:
        load_dataset(parse_spec(spec))
    assert str(caught.value) == case.expected(tmp_path)


def test_a_regression_target_is_read_in_its_units_and_scaled_on_train_only(tmp_path) -> None:
    from sklearn.datasets import load_diabetes

    data = load_dataset(DataSpec(dataset=str(diabetes_csv(tmp_path)), task="regression"))
    assert data.task == "regression" and data.classes == () and data.n_classes == 0
    for y in (data.y_train, data.y_dev, data.y_test):
        assert y.dtype == np.float64
    every = np.sort(np.concatenate([data.y_train, data.y_dev, data.y_test]))
    assert np.array_equal(every, np.sort(load_diabetes().target))  # each row once, in units
    assert (len(data.y_train), len(data.y_dev), len(data.y_test)) == (266, 88, 88)
    # the train split's statistics, never dev's or test's
    assert data.target_mean == pytest.approx(data.y_train.mean(), rel=1e-15)
    assert data.target_std == pytest.approx(data.y_train.std(), rel=1e-15)
    assert data.target_mean != pytest.approx(every.mean(), rel=1e-6)
    assert "a regression of progression" in data.describe()


def test_the_regression_split_is_shuffled_and_repeatable(tmp_path) -> None:
    path = str(diabetes_csv(tmp_path))
    first, again = (load_dataset(DataSpec(dataset=path, task="regression")) for _ in range(2))
    other = load_dataset(DataSpec(dataset=path, task="regression", seed=1))
    assert first.fingerprint == again.fingerprint != other.fingerprint
    assert np.array_equal(first.y_dev, again.y_dev) and not np.array_equal(first.y_dev, other.y_dev)


def test_a_quantity_without_a_task_is_refused_with_the_fix(tmp_path) -> None:
    """The issue's diabetes: 214 distinct values, as '151.0', is no 214-class classifier."""
    path = diabetes_csv(tmp_path)
    with pytest.raises(DataError) as caught:
        load_dataset(DataSpec(dataset=str(path)))
    message = str(caught.value)
    assert message.startswith(f"target 'progression' of {path} holds 214 distinct numbers")
    assert "set `task: regression` in `data:`" in message and caught.value.key == "target"


def test_rows_without_a_target_are_dropped_and_counted(tmp_path) -> None:
    from sklearn.datasets import load_diabetes

    cells = [f"{v:g}" for v in load_diabetes().target]
    cells[3], cells[10], cells[400] = "", "NA", "?"
    path = str(diabetes_csv(tmp_path, cells))
    data = load_dataset(DataSpec(dataset=path, task="regression", missing="drop"))
    assert data.report.dropped[0][1].unlabelled == 3
    assert len(data.y_train) + len(data.y_dev) + len(data.y_test) == 439


def test_integer_class_codes_stay_classes_with_a_task(tmp_path) -> None:
    """More than 20 distinct whole numbers look like a quantity, unless the study says not."""
    rows = "".join(f"{i},{i % 30}\n" for i in range(300))
    (tmp_path / "d.csv").write_text("a,code\n" + rows)
    data = load_dataset(DataSpec(dataset=str(tmp_path / "d.csv"), task="classification"))
    assert data.n_classes == 30 and data.classes[:3] == ("0", "1", "2")


def test_init_reads_a_quantity_as_a_regression() -> None:
    from sklearn.datasets import load_diabetes

    guess = infer_target([f"{v:.1f}" for v in load_diabetes().target], "progression")
    assert (guess.task, guess.metric, guess.balance) == ("regression", "rmse", None)
    assert guess.reason.startswith("progression holds 214 distinct numbers (more than 20")


def test_init_reads_class_names_as_a_classification() -> None:
    from sklearn.datasets import load_iris

    bunch = load_iris()
    guess = infer_target(bunch.target_names[bunch.target], "species")
    assert (guess.task, guess.metric) == ("classification", "error")
    assert guess.balance == "setosa 33.3%, versicolor 33.3%, virginica 33.3%"
    # class codes: a few whole numbers, as integers or written as floats
    assert infer_target(["0", "1.0", "2", "1", "NA", ""], "y").task == "classification"
    assert infer_target(["0.5", "1.5", "2"], "y").task == "regression"


def test_init_proposes_balanced_error_for_caravans_rare_buyers() -> None:
    purchase = [line.rsplit(",", 1)[1] for line in CARAVAN.read_text().splitlines()[1:]]
    guess = infer_target(purchase, "Purchase")
    assert (guess.task, guess.metric) == ("classification", "balanced_error")
    assert guess.balance == "No 92.6%, Yes 7.4%"
    assert "'Yes' holds only 7.4% of the rows" in guess.reason


def test_imbalance_is_a_third_of_an_even_share() -> None:
    assert is_imbalanced([94, 6]) and not is_imbalanced([80, 20])  # binary: below 16.7%
    assert is_imbalanced([45, 45, 10]) and not is_imbalanced([44, 36, 20])  # penguins: 20%
    assert imbalance_note({"a": 50, "b": 50}, "error") is None
    note = imbalance_note({"No": 741, "Yes": 59}, "error")
    assert note == (
        "imbalanced classes: No 92.6%, Yes 7.4%; answering 'No' for every row would score "
        "error 0.0737: `metric: balanced_error` weighs every class the same"
    )
    assert imbalance_note({"No": 741, "Yes": 59}, "balanced_error").endswith(
        "ranked by balanced error, which weighs every class the same"
    )
