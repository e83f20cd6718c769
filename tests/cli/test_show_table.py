import io
import re

import pytest
from rich.console import Console

from hpsearch.cli.cells import param_cell
from hpsearch.cli.show_table import render_view, summary_lines
from hpsearch.store.study_store import StudyStore
from hpsearch.study.overview import ShowOptions, view_study
from hpsearch.study.snapshot import read_snapshot
from hpsearch.trial import TrialState
from tests.results_cases import make_study

OTHERS = {2: TrialState.FAILED, 3: TrialState.DIVERGED, 7: TrialState.INTERRUPTED}
NAMES = ["learning_rate", "beta1", "hidden_units", "activation"]


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    return make_study(tmp_path_factory.mktemp("runs"), trials=16, zoomed=4, others=OTHERS)


def shown(study, width: int, terminal: bool = True, **options) -> str:
    """What `show` prints on a terminal of `width` columns, or (`terminal=False`) in a pipe."""
    console = Console(width=width, file=io.StringIO(), record=True, force_terminal=terminal)
    view = view_study(read_snapshot(study), ShowOptions(**options))
    render_view(console, view)
    return console.export_text()


def table_rows(text: str) -> list[list[str]]:
    """The cells of each table row (a line that starts with a rank and a trial number)."""
    return [line.split() for line in text.splitlines() if re.match(r"\s*\d+\s+\d+\s+\d", line)]


@pytest.mark.parametrize("width", [80, 160])
def test_the_table_fits_the_width_and_cuts_no_value(study, width) -> None:
    text = shown(study, width, top=None, all=True)
    assert max(len(line.rstrip()) for line in text.splitlines()) <= width
    assert "…" not in text
    view = view_study(read_snapshot(study), ShowOptions(top=None, all=True), summary=False)
    for row in view.rows:
        for name, distribution in view.distributions.items():
            assert param_cell(distribution, row.params[name]) in text


@pytest.mark.parametrize("terminal", [True, False])
def test_the_table_fits_and_prose_wraps_at_words_on_a_terminal_and_in_a_pipe(
    study, terminal
) -> None:
    text = shown(study, 80, terminal=terminal, top=None, all=True)
    lines = text.splitlines()
    assert max(len(line) for line in lines) <= 80
    note = next(at for at, line in enumerate(lines) if line.startswith("diagnosis: bias if"))
    assert " ".join(lines[note:]).startswith(
        "diagnosis: bias if train error − optimal error (0) > t, variance if dev error − train "
        "error > t, where t = max(0.01, 0.2 · dev error); the optimal error is assumed to be 0"
    )


def test_a_wide_terminal_has_a_column_per_hyperparameter(study) -> None:
    text = shown(study, 160)
    header = header_lines(text)
    assert "learning" in header[0] and "hidden" in header[0]
    assert re.search(r"#\s+trial\s+round\s+error\s+error\s+diagnosis\s+rate\s+beta1\s+units\s+"
                     r"activation\s+epoch\s+epochs trained\s+time", header[1])  # fmt: skip
    assert re.search(r"hidden\s+best\s*$", header[0])  # the epoch each trial kept
    view = view_study(read_snapshot(study), ShowOptions(), summary=False)
    rows = table_rows(text)
    assert [int(cells[1]) for cells in rows] == [row.record.number for row in view.rows]
    for cells, row in zip(rows, view.rows, strict=True):
        rank, _, round, dev, train, diagnosis, rate, beta1, units, activation = cells[:10]
        assert (int(rank), int(round), diagnosis) == (row.rank, row.record.round, row.diagnosis)
        assert (float(dev), float(train)) == (
            round_to(row.record.dev_error),
            round_to(row.record.train_error),
        )
        assert re.fullmatch(r"\d\.\d\de-\d", rate)  # α in scientific notation
        assert float(rate) == pytest.approx(row.params["learning_rate"], rel=5e-3)
        assert re.fullmatch(r"0\.9\d{3}", beta1) and float(beta1) == round_to(row.params["beta1"])
        assert (units, activation) == (str(row.params["hidden_units"]), row.params["activation"])


def header_lines(text: str) -> list[str]:
    """The two lines of column headers, above the rule."""
    lines = text.splitlines()
    rule = next(at for at, line in enumerate(lines) if line.startswith("─"))
    return lines[rule - 2 : rule]


def round_to(value: float, digits: int = 4) -> float:
    return float(f"{value:.{digits}f}")


def test_an_80_column_output_folds_the_hyperparameters_into_one_column(study) -> None:
    text = shown(study, 80)
    assert re.search(r"#\s+trial\s+round\s+error\s+error\s+diagnosis\s+hyperparameters", text)
    view = view_study(read_snapshot(study), ShowOptions(), summary=False)
    first = view.rows[0].params
    assert (
        f"learning_rate={param_cell(view.distributions['learning_rate'], first['learning_rate'])}"
        in text
    )
    assert f"hidden_units={first['hidden_units']}" in text
    assert len(table_rows(text)) == 10


def test_failed_trials_show_only_with_all_with_their_reason_and_worker(study) -> None:
    plain = shown(study, 120, top=None)
    assert "failed" not in plain.split("fixed:")[1] and "RuntimeError" not in plain
    every = shown(study, 120)
    with_all = shown(study, 120, top=None, all=True)
    assert len(table_rows(with_all)) == 20 and len(table_rows(every)) == 10
    assert "trial 2 failed on host:0: RuntimeError: broke" in with_all
    assert "trial 3 diverged on host:1: dev cost not finite at epoch 2" in with_all
    assert "trial 7 interrupted on host:1: the run was stopped" in with_all
    assert re.search(r"\n\s*19\s+2\s+0\s+–\s+–\s+(–\s+)?failed\s", with_all)


def test_the_summary_counts_names_the_best_and_says_what_matters(study) -> None:
    view = view_study(read_snapshot(study), ShowOptions())
    lines = summary_lines(view)
    assert lines[0] == (
        "study synthetic (2 rounds): 20 trials, 17 complete, 1 diverged, 1 failed, 1 interrupted"
    )
    best = view.best.record
    assert lines[1].startswith(
        f"best: trial {best.number} (round {best.round}), dev error {best.dev_error:.4f} at "
        f"epoch 5 of 5, train error {best.train_error:.4f} → "
    )
    assert lines[2].startswith("learning_rate explains the largest share of the variation in")
    assert lines[3] == "fixed: epochs=5, keep_best_epoch=true"


def test_the_engine_line_counts_one_trial_as_one(study) -> None:
    from dataclasses import replace

    view = replace(view_study(read_snapshot(study), ShowOptions()), engines={"numpy": 1})
    assert "engine: numpy (1 trial); numpy and numba give the same results, bit for bit" in (
        summary_lines(view)
    )
    view = replace(view, engines={"numba": 3, "numpy": 1})
    assert any(
        line.startswith("engine: numba (3 trials), numpy (1 trial);")
        for line in summary_lines(view)
    )


def test_a_reading_within_the_splits_noise_says_so_and_what_a_reading_needs(tmp_path) -> None:
    splits = {"train": 206, "dev": 68, "test": 68}
    folder = make_study(tmp_path, trials=8, error=lambda p: 2 / 68, splits=splits)
    text = shown(folder, 100)
    said = " ".join(text.split())
    # 2·√(p(1 − p)/n): bias √(1/68 · 67/68 / 206); variance adds 2/68 · 66/68 / 68 under it
    assert (
        "dev error 0.0294 at epoch 5 of 5, train error 0.0147 → within noise: train error − "
        "optimal error (0.0147) is within 2 standard errors of the splits' sampling noise "
        "(0.0168); dev error − train error (0.0147) is within 2 standard errors of the splits' "
        "sampling noise (0.0443); a reading would need about 617 dev and 1,868 train examples"
    ) in said
    rows = table_rows(text)
    assert len(rows) == 8 and all("noise" in row[4:6] for row in rows)  # after the errors
    assert (
        "; noise if such a gap is within 2 standard errors of the errors' sampling noise on "
        "206 train and 68 dev examples" in said
    )
    from hpsearch.cli.report import render_chosen
    from hpsearch.study.best import best_of

    console = Console(width=300, file=io.StringIO(), record=True)
    render_chosen(console, best_of(folder, tmp_path / "chosen.yaml"))
    assert "train error 0.0147 → within noise: train error − optimal error" in console.export_text()


def test_a_study_without_complete_trials_says_so(tmp_path) -> None:
    others = dict.fromkeys(range(3), TrialState.FAILED)
    folder = make_study(tmp_path, trials=3, others=others)
    text = shown(folder, 80)
    assert "study synthetic (1 round): 3 trials, 0 complete, 3 failed" in text
    assert "no complete trials yet; `--all` shows the others" in text
    assert "fewer" not in text and "Too few complete trials (0)" in text


def test_a_study_still_running_says_how_many_trials_are_planned(tmp_path) -> None:
    folder = make_study(tmp_path, trials=6, others={5: TrialState.RUNNING})
    with StudyStore.open(folder, writer=True) as store:
        store.extend_round(0, 10)
    text = shown(folder, 100, round=0)
    assert text.startswith(
        "study synthetic (1 round): 6 of 10 trials of round 0, 5 complete, 1 running\n"
    )


def test_a_long_table_is_printed_in_parts_that_read_as_one(study, monkeypatch) -> None:
    whole = shown(study, 200, top=None, all=True)
    import hpsearch.cli.show_table as show_table

    tables: list[object] = []
    console_print = Console.print
    monkeypatch.setattr(show_table, "CHUNK", 6)
    monkeypatch.setattr(
        Console, "print", lambda self, *a, **k: (tables.append(a), console_print(self, *a, **k))
    )
    parts = shown(study, 200, top=None, all=True)
    assert sum(type(a[0]).__name__ == "Table" for a in tables if a) == 4  # 20 rows, 6 a part
    rules = [line for line in parts.splitlines() if line and set(line.strip()) == {"─"}]
    assert table_rows(parts) == table_rows(whole) and len(rules) == 1  # one header
    lines = [line for line in parts.splitlines() if re.match(r"\s*\d+\s+\d+\s+\d", line)]
    assert len({len(line) for line in lines}) == 1, "the parts' columns line up"


def test_a_folded_table_in_parts_has_one_header_and_every_row(study, monkeypatch) -> None:
    import hpsearch.cli.show_table as show_table

    monkeypatch.setattr(show_table, "CHUNK", 6)
    text = shown(study, 80, top=None, all=True)
    assert text.count("hyperparameters") == 1 and text.count("best 20 of 20 trials") == 1
    assert sorted(int(cells[1]) for cells in table_rows(text)) == list(range(20))
