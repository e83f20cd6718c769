import csv
import io
import json
import math

import pytest

from hpsearch.cli.row_formats import FIELDS, to_csv, to_json, to_markdown
from hpsearch.store.study_store import StudyStore
from hpsearch.study.overview import ShowOptions, view_study
from hpsearch.study.snapshot import read_snapshot
from hpsearch.trial import TrialState
from tests.results_cases import make_study

OTHERS = {1: TrialState.FAILED, 4: TrialState.DIVERGED}


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    return make_study(tmp_path_factory.mktemp("runs"), trials=10, zoomed=2, others=OTHERS)


@pytest.fixture(scope="module")
def stored(study):
    with StudyStore.open(study) as store:
        return {r.number: r for r in store.trials()}


def test_json_parses_back_to_the_stored_numbers(study, stored) -> None:
    view = view_study(read_snapshot(study), ShowOptions(top=None, all=True), summary=False)
    trials = json.loads(to_json(view))
    assert [t["trial"] for t in trials] == [row.record.number for row in view.rows]
    assert len(trials) == 12
    for trial in trials:
        record = stored[trial["trial"]]
        assert trial["params"] == {k: v for k, v in record.params.items() if k not in view.fixed}
        assert (trial["dev_error"], trial["train_error"]) == (record.dev_error, record.train_error)
        assert (trial["duration_s"], trial["epochs"]) == (record.duration_s, record.epochs)
        assert trial["best_epoch"] == record.best_epoch
        assert (trial["round"], trial["state"], trial["worker"], trial["message"]) == (
            record.round, str(record.state), record.worker, record.message,
        )  # fmt: skip
        assert trial["diagnosis"] in ("bias", "variance", "both", "fine", None)
    assert [t["rank"] for t in trials] == list(range(1, 13))


def test_csv_has_one_column_per_hyperparameter_and_parses_back(study, stored) -> None:
    view = view_study(read_snapshot(study), ShowOptions(top=None, all=True), summary=False)
    rows = list(csv.DictReader(io.StringIO(to_csv(view))))
    assert list(rows[0]) == [*FIELDS, "learning_rate", "beta1", "hidden_units", "activation"]
    for row in rows:
        record = stored[int(row["trial"])]
        assert float(row["learning_rate"]) == record.params["learning_rate"]
        assert float(row["beta1"]) == record.params["beta1"]
        assert int(row["hidden_units"]) == record.params["hidden_units"]
        assert row["activation"] == record.params["activation"]
        expected = "" if record.dev_error is None else record.dev_error
        assert (float(row["dev_error"]) if row["dev_error"] else "") == expected
        assert float(row["duration_s"]) == record.duration_s and row["state"] == record.state


def test_markdown_is_a_table_with_the_terminal_formatting(study) -> None:
    view = view_study(read_snapshot(study), ShowOptions(top=3), summary=False)
    lines = to_markdown(view).splitlines()
    assert lines[0] == (
        "| # | trial | round | dev error | train error | diagnosis | learning_rate | beta1 | "
        "hidden_units | activation | best epoch | epochs | time |"
    )  # the study's trials keep their best epoch: a new study's default
    assert lines[1] == "|---:|---:|---:|---:|---:|---|---:|---:|---:|---|---:|---:|---:|"
    first = view.rows[0]
    assert lines[2].startswith(
        f"| 1 | {first.record.number} | {first.record.round} | {first.record.dev_error:.4f} | "
    )
    assert len(lines) == 5


def test_values_that_are_not_finite_become_null(tmp_path) -> None:
    folder = make_study(tmp_path, trials=2, error=lambda p: math.inf)
    view = view_study(read_snapshot(folder), ShowOptions(top=None), summary=False)
    trials = json.loads(to_json(view))
    assert [t["dev_error"] for t in trials] == [None, None]


def test_every_format_the_cli_offers_has_a_writer() -> None:
    from hpsearch.cli.commands.show import FORMATS
    from hpsearch.cli.row_formats import WRITERS

    assert [*WRITERS] == [f for f in FORMATS if f != "table"]
