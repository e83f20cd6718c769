import io
import re

from rich.console import Console

from hpsearch.cli.cells import scientific
from hpsearch.cli.report import preview_table, render_check, space_table
from hpsearch.config import StudyConfig, parse_config
from hpsearch.data import load_dataset
from hpsearch.search.sampler import preview_trials
from hpsearch.study.check import Checked, Engines, engines_of
from tests.config_cases import VALID


def text_of(renderable) -> str:
    """What the terminal shows: of a table, or of `hpsearch check` for a config."""
    console = Console(width=120, record=True, file=io.StringIO())
    if isinstance(renderable, StudyConfig):
        dataset = load_dataset(renderable.data)
        render_check(console, Checked(renderable, dataset, [], engines_of(renderable, dataset)))
    else:
        console.print(renderable)
    return console.export_text()


def rows(text: str) -> list[list[str]]:
    return [[c.strip() for c in line.split("│")[1:-1]] for line in text.splitlines() if "│" in line]


def test_the_space_table_has_a_row_per_hyperparameter() -> None:
    config = parse_config(VALID, "quickstart.yaml")
    assert rows(text_of(space_table(config))) == [
        ["beta1", "one_minus_log_uniform", "0.9 to 0.999", "one_minus_log"],
        ["hidden_units", "int_uniform", "32 to 128", "linear"],
        ["learning_rate", "log_uniform", "0.0001 to 0.1", "log"],
        ["activation", "choice", "relu (70%), tanh (30%)", "categorical"],
        ["epochs", "fixed", "20", ""],
        ["keep_best_epoch", "fixed", "true", ""],  # a new study's default, written in
    ]


def test_an_empty_space_says_that_defaults_are_used() -> None:
    config = StudyConfig.model_validate({"name": "q", "hyperparameters": {}})
    assert "search space: empty, so every hyperparameter keeps its default" in text_of(config)
    written = parse_config("hyperparameters:\n", "q.yaml")  # a new study file: the default shown
    assert rows(text_of(space_table(written))) == [["keep_best_epoch", "fixed", "true", ""]]


def test_the_trials_table_has_a_column_per_trial() -> None:
    config = parse_config(VALID, "quickstart.yaml")
    search = config.search
    trials = preview_trials(
        config.hyperparameters, search.method, seed=search.seed, trials=search.trials, count=2
    )
    table = rows(text_of(preview_table(config, trials)))
    assert [row[0] for row in table] == ["beta1", "hidden_units", "learning_rate", "activation"]
    assert table[1][1:] == [str(t.params["hidden_units"]) for t in trials]
    assert table[2][1:] == [scientific(t.params["learning_rate"]) for t in trials], "as in show"


def test_check_starts_with_the_verdict_and_the_resolved_settings() -> None:
    text = text_of(parse_config(VALID, "quickstart.yaml"))
    assert text.startswith("✓ quickstart is valid: study quickstart\nname: quickstart\ndata:\n")
    assert re.search(r"\nsearch:\n  method: random\n  trials: 20\n", text)
    assert "first" not in text


def engine_text(engines: Engines) -> str:
    config = parse_config("hyperparameters:\n", "q.yaml")
    console = Console(width=300, record=True, file=io.StringIO())
    render_check(console, Checked(config, load_dataset(config.data), [], engines))
    return console.export_text().splitlines()[-1]


def test_check_names_the_engine_the_trials_will_use_and_why() -> None:
    same = "the same results either way, bit for bit"
    small = Engines({"numpy": 24}, 24, 24, numba_installed=True, forced=None)
    assert engine_text(small) == (
        "engine: numpy for all 24 trials: each trains under 1e10 multiply-adds, too few to "
        f"repay numba's start-up (numba is installed and takes over from 1e10); {same}"
    )
    mixed = Engines({"numba": 300, "numpy": 700}, 1000, 5000, numba_installed=True, forced=None)
    assert engine_text(mixed) == (
        "engine: numba for 300 of the first 1,000 trials (those of 1e10 multiply-adds or more), "
        f"numpy for the other 700, too small to repay numba's start-up; {same}"
    )
    forced = Engines({"numba": 24}, 24, 24, numba_installed=True, forced="numba")
    assert engine_text(forced) == "engine: numba for every trial (set by HPSEARCH_ENGINE)"
    missing = Engines({"numpy": 24}, 24, 24, numba_installed=False, forced=None)
    assert engine_text(missing) == (
        "engine: numpy (install hpsearch[numba] for fused kernels, used by trainings of 1e10 "
        f"multiply-adds or more: faster, {same})"
    )


def test_check_counts_the_engine_of_each_trial_by_its_size(monkeypatch) -> None:
    monkeypatch.delenv("HPSEARCH_ENGINE", raising=False)
    monkeypatch.setattr("hpsearch.nn.engine.numba_installed", lambda: True)
    config = parse_config(
        "data: {dataset: digits}\nhyperparameters:\n"
        "  hidden_units: {distribution: choice, choices: [16, 1024]}\n"
        "  layers: 2\n  epochs: 40\nsearch: {trials: 30}\n",
        "q.yaml",
    )
    dataset = load_dataset(config.data)
    engines = engines_of(config, dataset)
    assert engines.drawn == engines.n_trials == 30 and engines.forced is None
    # 16 units: 3·(64·16 + 16² + 16·10)·1,079·40 ≈ 2e8; 1,024 units: ≈ 1.5e11 multiply-adds
    assert sum(engines.counts.values()) == 30 and set(engines.counts) == {"numpy", "numba"}
