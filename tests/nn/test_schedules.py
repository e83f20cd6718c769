import pytest

from hpsearch.nn import HyperParams
from hpsearch.nn.schedules import learning_rate


@pytest.mark.parametrize(
    ("schedule", "decay", "expected"),
    [
        ("none", 0.5, [0.2, 0.2, 0.2, 0.2, 0.2]),
        ("inverse_time", 1.0, [0.2, 0.1, 0.2 / 3, 0.05, 0.04]),  # α0/(1 + decay·epoch)
        ("exponential", 0.5, [0.2, 0.1, 0.05, 0.025, 0.0125]),  # α0·decay^epoch
        ("staircase", 0.5, [0.2, 0.2, 0.1, 0.1, 0.05]),  # α0·decay^⌊epoch/2⌋
    ],
)
def test_decay_schedules_from_the_first_epoch(schedule, decay, expected):
    hp = HyperParams(
        learning_rate=0.2, decay_schedule=schedule, learning_rate_decay=decay, decay_every=2
    )
    assert [learning_rate(hp, epoch) for epoch in range(5)] == pytest.approx(expected)
