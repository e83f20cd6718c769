"""Training paused at a rung and continued ends bit-identical to training straight on."""

import dataclasses
import io
import pickle
import zipfile

import numpy as np
import pytest
from sklearn.datasets import load_digits

from hpsearch.nn import HyperParams, train
from hpsearch.nn.checkpoint import Checkpoint
from tests.nn_engines import each_engine

SETTINGS = {  # every piece of state a checkpoint carries is exercised by one of these
    "adam, batchnorm, dropout, decay": dict(
        optimizer="adam", batchnorm=True, keep_prob=0.8, decay_schedule="inverse_time",
        learning_rate_decay=0.3, layers=2, hidden_units=32,
    ),
    "momentum, staircase": dict(
        optimizer="momentum", decay_schedule="staircase", decay_every=2,
        learning_rate_decay=0.5, hidden_units=16,
    ),
    "rmsprop, patience": dict(optimizer="rmsprop", patience=2, learning_rate=0.01),
    "gd": dict(optimizer="gd", learning_rate=0.1, hidden_units=8, layers=1),
}  # fmt: skip


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    X = ((X - X[:1200].mean(0)) / (X[:1200].std(0) + 1)).astype(np.float32)
    return X[:1200], y[:1200], X[1200:], y[1200:]


def _train(digits, hp, **options):
    return train(hp, *digits, n_classes=10, rng=np.random.default_rng(7), **options)


def _same(a, b):
    np.testing.assert_array_equal(a.network.flat_params, b.network.flat_params)
    for name, values in a.network.running.items():
        np.testing.assert_array_equal(values, b.network.running[name])
    assert (a.dev_error, a.dev_cost, a.epochs, a.best_epoch) == (
        b.dev_error, b.dev_cost, b.epochs, b.best_epoch,
    )  # fmt: skip
    assert a.curves == b.curves and a.state == b.state and a.message == b.message


@each_engine
@pytest.mark.parametrize("name", SETTINGS)
def test_rung_by_rung_equals_straight_training(digits, name, engine):
    hp = HyperParams(epochs=9, **SETTINGS[name])
    paused = _train(digits, hp, until=1, engine=engine)
    at_rung_1 = _train(digits, hp.model_copy(update={"epochs": 1}), engine=engine)
    _same(paused, at_rung_1)  # a rung's result is that of training straight to its epochs
    checkpoint = Checkpoint.from_bytes(paused.checkpoint.to_bytes())  # as it travels and waits
    second = train(
        hp, *digits, n_classes=10, rng=np.random.default_rng(999), engine=engine,
        until=3, resume=checkpoint,
    )  # fmt: skip
    _same(second, _train(digits, hp.model_copy(update={"epochs": 3}), engine=engine))
    if second.checkpoint is None:  # patience ended it before the rung
        return
    last = _train(digits, hp, resume=Checkpoint.from_bytes(second.checkpoint.to_bytes()))
    _same(last, _train(digits, hp, engine=engine))
    assert last.checkpoint is None  # the full budget: nothing to go on with


def test_no_checkpoint_when_patience_or_the_budget_ends_training(digits):
    hp = HyperParams(epochs=30, patience=1, learning_rate=0.5, optimizer="gd")
    result = _train(digits, hp, until=25)
    assert result.epochs < 25 and result.checkpoint is None
    assert _train(digits, HyperParams(epochs=2), until=2).checkpoint is None
    assert _train(digits, HyperParams(epochs=2), until=1).checkpoint.epoch == 1


class Payload:
    """Unpickled, it writes a file: what a crafted checkpoint would do."""

    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return (open, (str(self.path), "w"))


def test_a_checkpoint_is_an_archive_of_arrays_and_json_and_runs_no_code(digits, tmp_path):
    paused = _train(digits, HyperParams(epochs=3, batchnorm=True, patience=2), until=1)
    data = paused.checkpoint.to_bytes()
    with np.load(io.BytesIO(data), allow_pickle=False) as archive:  # no object arrays in it
        assert {archive[name].dtype.kind for name in archive.files} <= {"f", "U"}
    planted = tmp_path / "ran"
    crafted = [
        pickle.dumps(Payload(planted)),  # the old format: a pickle
        _npz(header=np.array([Payload(planted)], dtype=object)),  # an object array
        _npz(header=pickle.dumps(Payload(planted))),  # a raw pickle as an entry
        b"",
        data[: len(data) // 2],
        b"PK\x03\x04" + bytes(100),
        _npz(header=np.array('{"format": "other"}')),
    ]
    for bytes_ in crafted:
        with pytest.raises(ValueError, match=r"^not a training checkpoint: "):
            Checkpoint.from_bytes(bytes_)
    assert not planted.exists(), "reading a checkpoint ran code"


def _npz(**entries) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, value in entries.items():
            if isinstance(value, np.ndarray):
                member = io.BytesIO()
                np.save(member, value, allow_pickle=True)
                value = member.getvalue()
            archive.writestr(f"{name}.npy", value)
    return buffer.getvalue()


def test_a_checkpoint_of_another_network_is_refused_not_broadcast(digits):
    small = _train(digits, HyperParams(epochs=3, hidden_units=8), until=1).checkpoint
    with pytest.raises(ValueError, match="not shaped as this network's"):
        _train(digits, HyperParams(epochs=3, hidden_units=9), resume=small)


def test_the_divergence_check_goes_on_from_the_first_rungs_reference(digits):
    """Resumed training judges divergence against the cost of the run's first batch, not of the
    resumed one's: a checkpoint whose reference is tiny makes the very next batch diverge."""
    hp = HyperParams(epochs=3, optimizer="gd", learning_rate=0.1)
    paused = _train(digits, hp, until=1)
    assert paused.checkpoint.divergence_reference == pytest.approx(np.log(10), rel=0.5)
    tampered = dataclasses.replace(paused.checkpoint, divergence_reference=1e-6)
    result = _train(digits, hp, resume=tampered)
    assert result.state == "diverged"
    assert "(1e-06 → " in result.message and "in epoch 2, batch 1" in result.message
    assert _train(digits, hp, resume=paused.checkpoint).state == "complete"


@each_engine
def test_the_best_epochs_weights_survive_a_pause_under_cosine_and_adamw(digits, engine):
    """A trial that keeps its best epoch, paused at rungs and continued, ends with the weights,
    dev metric and curves of the same trial trained straight on; the cosine's α at each epoch
    is that of the full budget, whatever the rungs."""
    hp = HyperParams(
        epochs=9, optimizer="adamw", weight_decay=0.1, decay_schedule="cosine", warmup_epochs=1,
        learning_rate=0.08, label_smoothing=0.1, keep_prob=0.9, keep_best_epoch=True,
    )  # fmt: skip
    straight = _train(digits, hp, engine=engine)
    dev = straight.curves["dev_error"]
    assert straight.best_epoch < 9 and dev[-1] > min(dev)  # the best weights are not the last
    checkpoint = None
    for until in (1, 3, 9):
        paused = _train(digits, hp, engine=engine, until=until, resume=checkpoint)
        assert paused.dev_error == min(dev[:until])  # the best so far, at each rung
        checkpoint = paused.checkpoint and Checkpoint.from_bytes(paused.checkpoint.to_bytes())
    _same(paused, straight)
    assert paused.dev_error == min(dev) and paused.best_epoch == straight.best_epoch
