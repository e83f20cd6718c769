import io
import re

from rich.console import Console

from hpsearch.cli.cells import scientific
from hpsearch.cli.report import preview_table, render_check, space_table
from hpsearch.config import StudyConfig, parse_config
from hpsearch.data import load_dataset
from hpsearch.search.sampler import preview_trials
from hpsearch.study.check import Checked
from tests.config_cases import VALID


def text_of(renderable) -> str:
    """What the terminal shows: of a table, or of `hpsearch check` for a config."""
    console = Console(width=120, record=True, file=io.StringIO())
    if isinstance(renderable, StudyConfig):
        render_check(console, Checked(renderable, load_dataset(renderable.data), [], "numpy"))
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


def test_check_names_the_engine_and_how_to_get_the_other() -> None:
    config = parse_config("hyperparameters:\n", "q.yaml")
    console = Console(width=200, record=True, file=io.StringIO())
    render_check(console, Checked(config, load_dataset(config.data), [], "numpy"))
    assert console.export_text().endswith(
        "engine: numpy (install hpsearch[numba] for fused kernels: faster, the same results)\n"
    )
