"""A study file shared by a colleague cannot hang `hpsearch check`: an alias bomb and deep
nesting are refused at once, at their line."""

from __future__ import annotations

from typer.testing import CliRunner

from hpsearch.cli.app import app

runner = CliRunner()


def bomb(levels: int) -> str:
    """`levels` levels of ten aliases each of the level below: 10**levels values in all."""
    text = 'a0: &a0 ["x","x","x","x","x","x","x","x","x","x"]\n'
    for level in range(1, levels + 1):
        text += f"a{level}: &a{level} [" + ",".join([f"*a{level - 1}"] * 10) + "]\n"
    return text


def check(tmp_path, text: str):
    (tmp_path / "study.yaml").write_text(text)
    return runner.invoke(app, ["check", str(tmp_path / "study.yaml")])


def test_an_alias_bomb_is_refused_at_its_line_having_counted_only_that_far(tmp_path) -> None:
    """Stopped at the first line past the limit: 111,111 values counted of the 10**8 the file
    would expand to (counted, not timed, so that a loaded machine cannot fail it)."""
    text = bomb(8)  # 10**8 values; line 5 (a4) is the first to pass 100,000
    assert len(text) < 500
    result = check(tmp_path, text)
    assert (result.exit_code, result.stderr) == (
        2,
        f"error: {tmp_path / 'study.yaml'}, line 5: invalid YAML: its aliases expand to "
        "111,111 values, more than the 100,000 a study file may hold; write the values out, or "
        "use fewer aliases\n",
    )


def test_a_few_aliases_are_still_read(tmp_path) -> None:
    text = (
        "lr: &lr {distribution: log_uniform, low: 1e-4, high: 1e-1}\n"
        "hyperparameters:\n  learning_rate: *lr\n  epochs: 3\n"
    )
    result = check(tmp_path, text)
    assert "aliases expand" not in result.output


def test_nesting_too_deep_names_its_line(tmp_path) -> None:
    text = "name: deep\nhyperparameters: " + "[" * 1000 + "]" * 1000 + "\n"
    result = check(tmp_path, text)
    assert (result.exit_code, result.stderr) == (
        2,
        f"error: {tmp_path / 'study.yaml'}, line 2: invalid YAML: nested too deeply; a study "
        "file needs a few levels\n",
    )


def test_values_written_out_are_no_alias_bomb_however_many(tmp_path) -> None:
    """Only what aliases add counts against the limit: 100,000 choices written out are read,
    with an alias beside them too."""
    values = ", ".join(str(n) for n in range(1, 100_001))
    text = (
        "name: wide\ndata: {dataset: iris}\nhyperparameters:\n"
        f"  hidden_units: {{distribution: choice, choices: [{values}]}}\n"
        "  epochs: &two 2\nsearch: {trials: *two}\n"
    )
    from hpsearch.userinput.yaml_lines import read_yaml

    document = read_yaml(text, "wide.yaml")
    assert len(document.data["hyperparameters"]["hidden_units"]["choices"]) == 100_000
