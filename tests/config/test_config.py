import contextlib
import json
from pathlib import Path

import jsonschema
import numpy as np
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hpsearch.config import SearchSettings, StudyConfig, load_config, parse_config
from hpsearch.config.execution import Execution, available_cores
from hpsearch.data import DataSpec
from hpsearch.errors import ConfigError
from hpsearch.nn.hyperparams import HyperParams
from hpsearch.search.space import DISTRIBUTIONS, LogUniform, OneMinusLogUniform
from hpsearch.userinput.yaml_lines import read_yaml
from tests.config_cases import PARAMETERS, VALID

CONFIGS = sorted((Path(__file__).resolve().parents[2] / "configs").glob("*.yaml"))


@pytest.fixture
def here(tmp_path, monkeypatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.parametrize(("text", "message"), PARAMETERS)
def test_each_mistake_has_its_message(here, text, message) -> None:
    if text is not None:
        (here / "quickstart.yaml").write_text(text)
    with pytest.raises(ConfigError) as caught:
        load_config("quickstart.yaml")
    assert str(caught.value) == message


def test_the_valid_example_loads_as_written() -> None:
    config = parse_config(VALID, "quickstart.yaml")
    space = config.hyperparameters
    assert space.searched["learning_rate"] == LogUniform(low=1e-4, high=0.1)
    assert space.searched["beta1"] == OneMinusLogUniform(low=0.9, high=0.999)
    assert space.fixed == {"epochs": 20, "keep_best_epoch": True}  # a new study's default
    assert config.search == SearchSettings(method="random", trials=20, seed=0, workers=2)
    assert config.data == DataSpec(dataset="digits")


def test_every_problem_of_a_file_is_reported_at_once_in_file_order() -> None:
    text = VALID.replace("workers: 2", "workers: 0").replace("dataset: digits", "datset: x")
    text = text.replace("epochs: 20", "epochs: -1") + "target_error: -1\n"
    with pytest.raises(ConfigError) as caught:
        parse_config(text, "q.yaml")
    assert str(caught.value).splitlines() == [
        "q.yaml, line 3: data.datset: unknown key; did you mean 'dataset'?",
        "q.yaml, line 9: hyperparameters.epochs: must be at least 1, but got -1",
        "q.yaml, line 14: search.workers: must be at least 1, but got 0",
        "q.yaml, line 15: target_error: must be at least 0, but got -1",
    ]


def test_yaml_1_2_floats_are_numbers_and_quoted_ones_stay_text() -> None:
    document = read_yaml("a: 1e-4\nb: 1.0e4\nc: -2E+3\nd: '1e-4'\ne: 10\nf: .5\ng: 1e4x\n", "t")
    assert document.data == {
        "a": 1e-4, "b": 1e4, "c": -2e3, "d": "1e-4", "e": 10, "f": 0.5, "g": "1e4x"
    }  # fmt: skip
    assert type(document.data["e"]) is int


def test_lines_are_kept_for_keys_and_list_items() -> None:
    document = read_yaml("a:\n  b: [1,\n    2]\n  c:\n    - x\n    - y\n", "t")
    assert document.lines == {
        ("a",): 1, ("a", "b"): 2, ("a", "b", 0): 2, ("a", "b", 1): 3, ("a", "c"): 4,
        ("a", "c", 0): 5, ("a", "c", 1): 6,
    }  # fmt: skip
    assert document.line_of(("a", "c", 1, "missing")) == 6


def test_merge_keys_may_be_overridden_but_not_repeated() -> None:
    text = "base: &b {trials: 3, seed: 1}\nsearch:\n  <<: *b\n  seed: 2\n  seed: 4\n"
    document = read_yaml(text, "t")
    assert document.data["search"] == {"trials": 3, "seed": 2}
    (problem,) = document.problems
    assert (problem.location, problem.line) == (("search", "seed"), 5)


def test_an_alias_loop_is_a_problem_not_a_crash() -> None:
    with pytest.raises(ConfigError, match="an alias refers to a node that contains it"):
        parse_config("hyperparameters: &a\n  layers: *a\n", "q.yaml")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (b"name: \xff\n", "line 1: not UTF-8 text; save the file as UTF-8"),
        (b"name: !!int abc\n", "line 1: name: cannot read 'abc' as !!int; remove the tag or fix"),
        (b"name: a\x00\n", "line 1: invalid YAML: character #x0000 is not allowed in a YAML"),
    ],
)
def test_unreadable_values_are_config_errors(here, text, message) -> None:
    (here / "q.yaml").write_bytes(text)
    with pytest.raises(ConfigError, match=f"^q.yaml, {message}"):
        load_config("q.yaml")


def test_a_folder_is_not_a_config_file(here) -> None:
    (here / "study").mkdir()
    with pytest.raises(ConfigError, match=r"^study: is a folder; give the study's YAML file$"):
        load_config("study")


def test_name_defaults_to_the_file_name() -> None:
    assert parse_config("hyperparameters:\n", "configs/my-study.v2.yaml").name == "my-study.v2"
    with pytest.raises(ConfigError, match=r"^<config>: `name` is required$"):
        parse_config("hyperparameters:\n")
    with pytest.raises(ConfigError, match="name: must be up to 100 letters, digits"):
        parse_config("name: ../escape\n", "ok.yaml")


def test_relative_data_paths_are_read_from_the_config_folder(here) -> None:
    folder = here / "studies"
    folder.mkdir()
    text = "data: {dataset: data/x.npy, labels: ../y.npy, dev: /abs/dev.npz, test: ~/t.npz}\n"
    (folder / "s.yaml").write_text(text)
    data = load_config("studies/s.yaml").data
    assert data.dataset == str(folder / "data/x.npy")
    assert data.labels == str(here / "y.npy")
    assert data.dev == "/abs/dev.npz"
    assert data.test == str(Path.home() / "t.npz")
    assert load_config(here / "studies/s.yaml").data.dataset == str(folder / "data/x.npy")
    assert parse_config("data: {dataset: digits}\n", "q.yaml", folder=here).data.dataset == "digits"


def test_load_config_remembers_its_file(here) -> None:
    (here / "q.yaml").write_text(VALID)
    assert load_config("q.yaml").path == Path("q.yaml")
    assert parse_config(VALID, "q.yaml").path is None


def test_workers_default_to_the_available_cores_counted_where_trials_run() -> None:
    config = parse_config("hyperparameters:\n", "q.yaml")
    assert config.search.workers is None and config.data == DataSpec()
    assert Execution.of(config.search).workers == available_cores()


def test_a_scheduler_needs_the_dask_backend() -> None:
    with pytest.raises(ConfigError, match="scheduler is only used with backend: dask, but backend"):
        parse_config("search: {scheduler: 'tcp://h:8786'}\n", "q.yaml")
    text = "search: {backend: dask, scheduler: 'tcp://h:8786'}\n"
    assert parse_config(text, "q.yaml").search.scheduler == "tcp://h:8786"


def test_the_study_identity_ignores_how_and_how_many_trials_run() -> None:
    identity = parse_config(VALID, "quickstart.yaml").study_identity()
    assert json.loads(json.dumps(identity)) == identity
    assert set(identity) == {"name", "data", "hyperparameters", "method", "seed"}
    running = VALID.replace("trials: 20", "trials: 50").replace("workers: 2", "workers: 1")
    running += "  backend: dask\n  trial_timeout: 60\n  keep_models: 0\ntarget_error: 0.01\n"
    assert parse_config(running, "quickstart.yaml").study_identity() == identity
    for old, new in [("seed: 0", "seed: 1"), ("epochs: 20", "epochs: 21"), ("digits", "iris")]:
        changed = parse_config(VALID.replace(old, new), "quickstart.yaml")
        assert changed.study_identity() != identity


def test_a_study_made_before_task_and_metric_keeps_its_identity() -> None:
    """What the store holds of a study made before them: neither key, so it resumes."""
    identity = parse_config(VALID, "quickstart.yaml").study_identity()
    assert "task" not in identity["data"] and "metric" not in identity
    said = VALID + "metric: error\n"
    assert parse_config(said, "quickstart.yaml").study_identity() == identity
    stored = parse_config(VALID, "quickstart.yaml").model_dump(mode="json")
    del stored["metric"], stored["data"]["task"]
    assert StudyConfig.model_validate(stored).ranked_by.name == "error"


def test_the_metric_and_a_regression_are_part_of_the_identity() -> None:
    identity = parse_config(VALID, "quickstart.yaml").study_identity()
    balanced = parse_config(VALID + "metric: balanced_error\n", "q.yaml").study_identity()
    assert balanced["metric"] == "balanced_error" and balanced != identity
    diabetes = VALID.replace("dataset: digits", "dataset: diabetes")
    regression = parse_config(diabetes, "q.yaml").study_identity()
    assert regression["task"] == "regression" and "metric" not in regression  # rmse, the default
    said = diabetes.replace("dataset: diabetes", "dataset: diabetes\n  task: regression")
    assert parse_config(said, "q.yaml").study_identity() == regression


@pytest.mark.parametrize("path", CONFIGS, ids=lambda p: p.name)
def test_every_example_config_loads(path) -> None:
    config = load_config(path)
    if config.data.is_file:
        assert Path(config.data.dataset).is_file()
    HyperParams(**config.hyperparameters.sample(np.random.default_rng(0)))


def test_the_examples_are_the_promised_ones() -> None:
    assert {p.name for p in CONFIGS} >= {"quickstart.yaml", "reference.yaml"}
    quick = load_config(CONFIGS[0].with_name("quickstart.yaml"))
    # Small enough to finish in seconds (tests/test_run_cli.py runs it end to end).
    assert quick.search.trials <= 30 and quick.hyperparameters.fixed["epochs"] <= 20
    assert quick.hyperparameters.searched["hidden_units"].high <= 256
    csv_config = next(load_config(p) for p in CONFIGS if load_config(p).data.is_file)
    assert csv_config.data.target is not None


def test_the_reference_config_shows_every_setting() -> None:
    raw = read_yaml(CONFIGS[0].with_name("reference.yaml").read_text(), "reference.yaml").data
    assert set(raw) == set(StudyConfig.model_fields)
    assert set(raw["data"]) == set(DataSpec.model_fields)
    assert set(raw["search"]) == set(SearchSettings.model_fields)
    assert set(raw["hyperparameters"]) == set(HyperParams.model_fields)
    kinds = {v["distribution"] for v in raw["hyperparameters"].values() if isinstance(v, dict)}
    assert kinds == set(DISTRIBUTIONS)


def test_the_schema_accepts_the_examples_and_catches_mistakes() -> None:
    schema = json.loads(json.dumps(StudyConfig.model_json_schema()))
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    hyperparameters = schema["properties"]["hyperparameters"]["properties"]
    assert list(hyperparameters) == list(HyperParams.model_fields)
    for path in CONFIGS:
        raw = read_yaml(path.read_text(), path.name).data
        assert list(validator.iter_errors(raw)) == [], path.name
    raw = read_yaml(VALID, "q").data
    raw["hyperparameters"]["learning_rate"] = {"distribution": "log_uniform", "low": 1, "hihg": 2}
    raw["hyperparameters"]["learning_rat"] = 0.1
    raw["search"]["sheduler"] = "tcp://x"
    assert len(list(validator.iter_errors(raw))) == 3


# Fuzzing: whatever a file holds, loading it gives a config or a ConfigError, nothing else.
yaml_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=6,
)
PATHS = [
    (), ("name",), ("data",), ("data", "dataset"), ("data", "split"), ("data", "seed"),
    ("hyperparameters",), ("hyperparameters", "learning_rate"),
    ("hyperparameters", "learning_rate", "low"),
    ("hyperparameters", "learning_rate", "distribution"),
    ("hyperparameters", "activation", "choices"), ("hyperparameters", "activation", "weights"),
    ("hyperparameters", "hidden_units", "high"), ("hyperparameters", "layers"),
    ("hyperparameters", "keep_prob"), ("search",), ("search", "method"), ("search", "trials"),
    ("search", "workers"), ("search", "seed"), ("target_error",),
]  # fmt: skip


def loads_or_refuses(text: str) -> None:
    with contextlib.suppress(ConfigError):
        parse_config(text, "fuzz.yaml")


@settings(max_examples=300, deadline=None)
@given(path=st.sampled_from(PATHS), key=st.none() | st.text(max_size=8), value=yaml_values)
def test_any_value_under_any_key_gives_a_config_or_a_config_error(path, key, value) -> None:
    data = yaml.safe_load(VALID)
    target = data
    for part in path[:-1]:
        target = target.setdefault(part, {}) if isinstance(target, dict) else target
    where = (key if key is not None else path[-1]) if path else key or "x"
    if isinstance(target, dict):
        target[where] = value
    loads_or_refuses(yaml.safe_dump(data, allow_unicode=True))


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(raw=st.binary(max_size=200) | st.text(max_size=200).map(str.encode))
def test_any_bytes_give_a_config_or_a_config_error(tmp_path, raw) -> None:
    path = tmp_path / "fuzz.yaml"
    path.write_bytes(raw)
    with contextlib.suppress(ConfigError):
        load_config(path)


@settings(max_examples=200, deadline=None)
@given(line=st.integers(0, 15), junk=st.text(alphabet=":-[]{},&*!|>'\"%@` \t#?\n", max_size=6))
def test_yaml_punctuation_anywhere_gives_a_config_or_a_config_error(line, junk) -> None:
    lines = VALID.splitlines()
    lines.insert(line, junk + lines[line % len(lines)])
    loads_or_refuses("\n".join(lines))


def test_a_study_stored_before_the_column_settings_keeps_its_identity() -> None:
    """Studies stored before `categorical:`, `scaling:` … and `missing: impute` resume: their
    data identity is what it was, unless a new setting is given."""
    identity = parse_config(VALID, "quickstart.yaml").study_identity()["data"]
    assert identity == {
        "dataset": "digits", "target": None, "features": None, "missing": "error",
        "split": None, "seed": 0, "n_samples": None, "noise": None, "classes": None,
    }  # fmt: skip
    robust = VALID.replace("dataset: digits", "dataset: digits\n  scaling: robust")
    assert parse_config(robust, "quickstart.yaml").study_identity()["data"]["scaling"] == "robust"


def test_a_new_study_keeps_each_trials_best_epoch_unless_its_file_says_not() -> None:
    config = parse_config(VALID, "quickstart.yaml")
    assert config.hyperparameters.fixed["keep_best_epoch"] is True
    assert config.study_identity()["hyperparameters"]["keep_best_epoch"] is True
    said = VALID.replace("  epochs: 20\n", "  epochs: 20\n  keep_best_epoch: false\n")
    assert parse_config(said, "q.yaml").hyperparameters.fixed["keep_best_epoch"] is False
    assert list(StudyConfig.model_validate({"name": "x"}).hyperparameters.root) == []


def test_a_study_made_before_keep_best_epoch_resumes_without_it() -> None:
    """The identity stored by a study made before the default has no keep_best_epoch: the same
    file then means what it meant when the study was made; written out, it is a change."""
    made = StudyConfig.model_validate(
        {"name": "quickstart", "hyperparameters": {"learning_rate": 0.01, "epochs": 20}}
    ).study_identity()
    text = "hyperparameters:\n  learning_rate: 0.01\n  epochs: 20\n"
    config = parse_config(text, "quickstart.yaml")
    assert config.study_identity() != made
    resumed = config.as_made(made)
    assert resumed.study_identity() == made
    assert "keep_best_epoch" not in resumed.hyperparameters.root
    assert config.as_made(config.study_identity()) is config  # made with it: as it is
    written = parse_config(text + "  keep_best_epoch: true\n", "quickstart.yaml")
    assert written.as_made(made).study_identity() != made  # asked for: refused on resume


def test_label_smoothing_is_refused_for_a_regression_at_its_line() -> None:
    text = (
        "data: {dataset: diabetes}\nhyperparameters:\n"
        "  label_smoothing: {distribution: uniform, low: 0.0, high: 0.2}\n"
    )
    with pytest.raises(ConfigError) as caught:
        parse_config(text, "d.yaml")
    assert str(caught.value) == (
        "d.yaml, line 3: hyperparameters.label_smoothing: label smoothing smooths class labels, "
        "but this study is a regression, which has none; remove label_smoothing (or set it to 0)"
    )
    parse_config("data: {dataset: diabetes}\nhyperparameters: {label_smoothing: 0.0}\n", "d")
    parse_config("hyperparameters: {label_smoothing: 0.1}\n", "digits.yaml")


def test_baselines_are_on_by_default_and_not_part_of_the_identity() -> None:
    config = parse_config(VALID, "quickstart.yaml")
    off = parse_config(VALID + "baseline: false\n", "quickstart.yaml")
    assert config.baseline is True and off.baseline is False
    assert off.study_identity() == config.study_identity()
