import json

import pytest
from typer.testing import CliRunner

from hpsearch import __version__
from hpsearch.cli.app import app
from hpsearch.config import StudyConfig
from hpsearch.data import BUILTIN_DATASETS
from tests.config_cases import PARAMETERS, VALID

runner = CliRunner()


def test_version() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.output == f"hpsearch {__version__}\n"


def test_the_installed_package_says_the_version_the_code_says() -> None:
    """pyproject.toml reads the version from hpsearch/version.py: one place to change it."""
    from importlib.metadata import version

    assert version("hpsearch") == __version__


def test_no_arguments_shows_help() -> None:
    result = runner.invoke(app, [])
    assert "Usage" in result.output


@pytest.fixture
def here(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_check_shows_settings_space_and_first_trials(here) -> None:
    (here / "quickstart.yaml").write_text(VALID)
    result = runner.invoke(app, ["check", "quickstart.yaml", "--draws", "3"])
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert out.startswith("✓ quickstart.yaml is valid: study quickstart\n")
    assert "  dataset: digits\n" in out and "  trials: 20\n" in out
    for cell in ("log_uniform", "0.0001 to 0.1", "one_minus_log_uniform", "relu (70%)", "fixed"):
        assert f"│ {cell}" in out
    assert "first 3 trials (random)" in out and "trial 2" in out and "trial 3" not in out
    assert [p.name for p in here.iterdir()] == ["quickstart.yaml"], "check writes nothing"


def test_what_a_user_wrote_is_printed_as_written_never_as_an_emoji(here) -> None:
    (here / "quickstart.yaml").write_text(
        VALID.replace("activation:", "optimizer: ':rocket:'\n  activation:", 1)
    )
    result = runner.invoke(app, ["check", "quickstart.yaml"])
    assert result.exit_code == 2 and "':rocket:'" in result.stderr and "🚀" not in result.stderr


def test_check_can_show_no_trials(here) -> None:
    (here / "quickstart.yaml").write_text(VALID)
    result = runner.invoke(app, ["check", "quickstart.yaml", "--draws", "0"])
    assert result.exit_code == 0 and "trials (random)" not in result.stdout


@pytest.mark.parametrize(("text", "message"), PARAMETERS)
def test_check_reports_each_mistake_on_stderr_with_exit_code_2(here, text, message) -> None:
    if text is not None:
        (here / "quickstart.yaml").write_text(text)
    result = runner.invoke(app, ["check", "quickstart.yaml"])
    assert result.exit_code == 2
    assert result.stderr == f"error: {message}\n"
    assert result.stdout == "" and "Traceback" not in result.output


def test_schema_prints_the_config_schema_as_json() -> None:
    result = runner.invoke(app, ["schema"])
    assert result.exit_code == 0
    assert json.loads(result.stdout) == json.loads(json.dumps(StudyConfig.model_json_schema()))


def test_datasets_lists_every_builtin_with_shape_and_classes() -> None:
    result = runner.invoke(app, ["datasets"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    lines = result.output.splitlines()
    for info in BUILTIN_DATASETS:
        row = next(line for line in lines if line.split()[:1] == [info.name])
        rows, features = info.shape
        classes = info.n_classes if info.task == "classification" else "–"
        assert f"{rows:,} × {features}" in row and f" {classes} " in row
        assert info.description in row
    assert "n_samples=600" in result.output and "synthetic" in result.output


def test_at_80_columns_each_description_goes_whole_under_its_dataset() -> None:
    result = runner.invoke(app, ["datasets"], env={"COLUMNS": "80"})
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert max(map(len, lines)) <= 80 and "…" not in result.output
    for info in BUILTIN_DATASETS:
        at = next(at for at, line in enumerate(lines) if line.split()[:1] == [info.name])
        below = " ".join(line.strip() for line in lines[at + 1 : at + 5])
        assert info.description in below, info.name
