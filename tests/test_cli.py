from typer.testing import CliRunner

from hpsearch import __version__
from hpsearch.cli import app
from hpsearch.data import BUILTIN_DATASETS

runner = CliRunner()


def test_version() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.output == f"hpsearch {__version__}\n"


def test_no_arguments_shows_help() -> None:
    result = runner.invoke(app, [])
    assert "Usage" in result.output


def test_datasets_lists_every_builtin_with_shape_and_classes() -> None:
    result = runner.invoke(app, ["datasets"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    lines = result.output.splitlines()
    for info in BUILTIN_DATASETS:
        row = next(line for line in lines if line.split()[:1] == [info.name])
        rows, features = info.shape
        assert f"{rows:,} × {features}" in row and f" {info.n_classes} " in row
        assert info.description in row
    assert "n_samples=600" in result.output and "synthetic" in result.output
