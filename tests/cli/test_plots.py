import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from hpsearch.cli.plot_axes import position, spans
from hpsearch.cli.plots import (
    best_so_far_figure,
    coarse_to_fine_figure,
    learning_curves_figure,
    plot_study,
)
from hpsearch.errors import StoreError
from hpsearch.search.space import OneMinusLogUniform
from hpsearch.study.plot_data import plot_data, plot_data_of
from hpsearch.study.snapshot import read_snapshot
from hpsearch.trial import TrialState
from tests.results_cases import make_study


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    others = {1: TrialState.FAILED, 5: TrialState.DIVERGED}
    return plot_data(
        make_study(tmp_path_factory.mktemp("runs"), trials=14, zoomed=6, others=others)
    )


def panels(figure: Figure) -> dict[str, object]:
    return {ax.get_title(): ax for ax in figure.axes if ax.get_visible()}


def rendered(figure: Figure) -> None:
    figure.canvas.draw()  # tick labels exist only once drawn


def test_each_hyperparameter_is_drawn_on_its_own_scale(study) -> None:
    figure = coarse_to_fine_figure(study)
    rendered(figure)
    axes = panels(figure)
    assert list(axes) == ["learning_rate", "beta1", "hidden_units", "activation"]
    assert axes["learning_rate"].get_xscale() == "log"
    assert axes["learning_rate"].get_xlabel() == "learning_rate (log scale)"
    beta = axes["beta1"]
    assert beta.get_xscale() == "log" and beta.xaxis_inverted()  # β rises to the right
    assert beta.get_xlabel() == "beta1 (log scale of 1 − beta1)"
    labels = [t.get_text() for t in beta.get_xticklabels() if t.get_text()]
    assert {"0.9", "0.99", "0.999"} <= set(labels)
    assert axes["hidden_units"].get_xscale() == "linear"
    assert axes["hidden_units"].get_xlabel() == "hidden_units (integer)"
    activation = axes["activation"]
    assert [t.get_text() for t in activation.get_xticklabels()] == ["relu", "tanh"]
    assert axes["learning_rate"].get_ylabel().startswith("dev error (fraction misclassified")
    assert "(shaded: the range each round searched; × at the top: diverged or timed-out " in (
        figure.get_suptitle()
    )


def test_rounds_have_their_colours_and_their_shaded_regions(study) -> None:
    ax = panels(coarse_to_fine_figure(study))["learning_rate"]
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend[:3] == [  # complete trials by round, and those that gave no usable result
        "round 0: diverged or timed out (1)",
        "round 0 (12)",
        "round 1 (6)",
    ]
    assert legend[3].startswith("best: trial ")
    shaded = [patch.get_x() for patch in ax.patches]
    assert shaded == pytest.approx([1e-4, 1e-3])  # round 0 from 1e-4, round 1 from 1e-3
    edges = [line.get_xdata()[0] for line in ax.lines if line.get_linestyle() == "--"]
    assert edges == pytest.approx([1e-3, 1e-1])


def test_beta_is_placed_at_one_minus_beta() -> None:
    beta = OneMinusLogUniform(low=0.9, high=0.999)
    assert position(beta, 0.99) == pytest.approx(0.01)
    [(low, high)] = spans(beta, OneMinusLogUniform(low=0.95, high=0.999))
    assert (low, high) == pytest.approx((0.001, 0.05))


def test_a_category_kept_by_a_zoom_is_shaded_at_its_own_slot(study) -> None:
    ax = panels(coarse_to_fine_figure(study))["activation"]
    shaded = [(round(p.get_x(), 6), round(p.get_x() + p.get_width(), 6)) for p in ax.patches]
    assert shaded == [(-0.4, 0.4), (0.6, 1.4), (0.6, 1.4)]  # round 0: relu, tanh; round 1: tanh


def test_learning_curves_show_train_and_dev_of_the_top_trials(study) -> None:
    from dataclasses import replace

    figure = learning_curves_figure(replace(study, ranked=study.ranked[:3]))
    error_ax, cost_ax = figure.axes
    assert len(error_ax.lines) == 6 and len(cost_ax.lines) == 6  # dev and train of 3 trials
    assert {line.get_linestyle() for line in error_ax.lines} == {"-", "--"}
    assert (error_ax.get_xlabel(), cost_ax.get_yscale()) == ("epoch", "log")
    assert error_ax.get_ylabel() == "error (fraction misclassified)"
    legend = [t.get_text() for t in figure.legends[0].get_texts()]
    assert legend[0].startswith("#1: trial ") and legend[-2:] == ["dev", "train"]
    assert "best 3 trials" in figure.get_suptitle()


@pytest.mark.parametrize(
    "draw", [coarse_to_fine_figure, learning_curves_figure, best_so_far_figure]
)
def test_each_figure_is_laid_out_once_and_nothing_falls_off_it_or_overlaps(study, draw) -> None:
    figure = draw(study)
    assert figure.get_layout_engine() is None, "a layout engine measures every label twice"
    FigureCanvasAgg(figure).draw()
    renderer, page = figure.canvas.get_renderer(), figure.bbox
    panels = [ax for ax in figure.axes if ax.get_visible()]
    whole = [ax.get_tightbbox(renderer) for ax in panels] + [
        legend.get_window_extent(renderer) for legend in figure.legends
    ]
    for box in whole:  # labels, ticks and titles inside the page
        assert page.x0 <= box.x0 and box.x1 <= page.x1 and page.y0 <= box.y0 and box.y1 <= page.y1
    title = figure._suptitle.get_window_extent(renderer) if figure._suptitle else None
    for at, ax in enumerate(panels):
        drawn = ax.get_window_extent(renderer)  # the plotting area alone
        for other in panels[at + 1 :]:
            assert not drawn.overlaps(other.get_tightbbox(renderer))
        for legend in figure.legends:
            assert not drawn.overlaps(legend.get_window_extent(renderer))
        if title is not None:
            assert not ax.title.get_window_extent(renderer).overlaps(title)
    texts = [t.get_text() for ax in panels for t in ax.get_xticklabels() + ax.get_yticklabels()]
    assert not any("$" in text for text in texts), "log axes labelled without mathtext"


def test_best_so_far_never_rises_within_a_round(study) -> None:
    figure = best_so_far_figure(study)
    ax = figure.axes[0]
    steps = [line for line in ax.lines if line.get_label().startswith("round")]
    assert [line.get_label().split(":")[0] for line in steps] == ["round 0", "round 1"]
    for line in steps:
        values = list(line.get_ydata())
        assert values == sorted(values, reverse=True)
    assert ax.get_xlabel() == "trial number"
    assert ax.get_ylabel().startswith("best dev error (fraction misclassified")


def test_plot_writes_three_pngs_in_the_study_folder(tmp_path) -> None:
    folder = make_study(tmp_path, trials=9)
    paths = plot_study(plot_data(folder, top=2), folder)
    assert [p.name for p in paths] == [
        "dev-error-by-hyperparameter.png",
        "learning-curves.png",
        "best-so-far.png",
    ]
    for path in paths:
        assert path.parent == folder / "plots"
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and path.stat().st_size > 10_000


def test_a_study_without_complete_trials_has_nothing_to_plot(tmp_path) -> None:
    folder = make_study(tmp_path, trials=2, others=dict.fromkeys(range(2), TrialState.FAILED))
    with pytest.raises(StoreError) as error:
        plot_data(folder)
    assert str(error.value) == "study 'synthetic' has no complete trial yet; nothing to plot"


def test_a_narrow_figure_wraps_its_title_and_integers_are_jittered(tmp_path) -> None:
    snapshot = read_snapshot(make_study(tmp_path, trials=6))
    one = plot_data_of(
        "a-study-with-a-rather-long-name-as-people-give-them-in-their-projects",
        snapshot.spaces[:1],
        snapshot.records,
    )
    figure = coarse_to_fine_figure(one)
    assert all(len(line) <= 104 for line in figure.get_suptitle().splitlines())
    ax = panels(figure)["hidden_units"]
    xs = ax.collections[-2].get_offsets()[:, 0]  # the round's points, before the best's star
    assert any(x != round(x) for x in xs), "integers drawn a little apart"


def test_a_narrow_log_axis_labels_its_minor_ticks(tmp_path) -> None:
    from hpsearch.cli.plot_axes import set_scale
    from hpsearch.search.space import LogUniform

    figure = Figure()
    ax = figure.subplots()
    ax.scatter([2e-3, 8e-3], [0.1, 0.2])
    set_scale(ax, "learning_rate", LogUniform(low=2e-3, high=8e-3))
    ax.set_xlim(2e-3, 8e-3)
    rendered(figure)
    labels = [t.get_text() for t in ax.get_xticklabels(minor=True) if t.get_text()]
    assert len(labels) >= 3, labels


def test_stopped_trials_are_drawn_apart_with_their_rungs(tmp_path) -> None:
    from dataclasses import replace

    snapshot = read_snapshot(make_study(tmp_path, trials=8))
    records = list(snapshot.records)
    for i in (0, 1, 2):  # three trials stopped by a schedule, two at epoch 1 and one at 3
        epochs = 1 if i < 2 else 3
        curves = {k: v[:epochs] for k, v in records[i].curves.items()}
        records[i] = replace(records[i], state=TrialState.STOPPED, epochs=epochs, curves=curves)
    figure = learning_curves_figure(plot_data_of("s", snapshot.spaces, records, top=2))
    error_ax, _ = figure.axes
    grey = [line for line in error_ax.lines if line.get_color() == "0.72"]
    assert sorted(len(line.get_xdata()) for line in grey) == [1, 1, 3]
    rungs = [line.get_xdata()[0] for line in error_ax.lines if line.get_linestyle() == ":"]
    assert rungs == [1, 3]
    legend = [t.get_text() for t in figure.legends[0].get_texts()]
    assert legend[-2:] == ["3 stopped at a rung", "rungs"]
