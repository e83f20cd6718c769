"""hpsearch's network against PyTorch's layers, losses and optimizers, in float64.

The mapping (docs/network.md): BatchNorm1d's momentum is 1 − bn_momentum and its running variance
is unbiased; SGD's momentum buffer has no (1 − β) factor, so its lr is α·(1 − β); RMSprop's alpha
is β2; the L2 term is added to PyTorch's loss by hand (weight_decay would also decay γ, β and b);
AdamW decays the Linear layers' weights only (a parameter group of their own); label smoothing is
CrossEntropyLoss's, and for one sigmoid unit BCEWithLogitsLoss of the smoothed target; the cosine
schedule is SequentialLR of LinearLR and CosineAnnealingLR."""

import numpy as np
import pytest

from hpsearch.nn import HyperParams, Network
from hpsearch.nn.optimizer_choice import make_optimizer
from tests.nn_engines import each_engine

torch = pytest.importorskip("torch")
nn = torch.nn

N_FEATURES, BATCH, STEPS = 6, 16, 10

CONFIGS = {
    "softmax-bn-dropout-l2": dict(
        layers=2,
        hidden_units=(7, 5),
        activation="relu",
        batchnorm=True,
        bn_momentum=0.8,
        keep_prob=(0.8, 0.6),
        l2=0.3,
    ),
    "sigmoid-dropout": dict(
        layers=2,
        hidden_units=6,
        activation="tanh",
        batchnorm=False,
        keep_prob=0.7,
        l2=0.1,
    ),
    "sigmoid-bn": dict(layers=1, hidden_units=5, activation="leaky_relu", batchnorm=True),
    "regression-bn-dropout-l2": dict(
        layers=2, hidden_units=(6, 4), activation="tanh", keep_prob=0.8, l2=0.2
    ),
    "regression": dict(layers=1, hidden_units=5, activation="relu", batchnorm=False),
    "softmax-smoothing-bn": dict(
        layers=2, hidden_units=(7, 5), activation="relu", keep_prob=0.8, label_smoothing=0.1
    ),
    "sigmoid-smoothing": dict(
        layers=1, hidden_units=6, activation="tanh", batchnorm=False, label_smoothing=0.2
    ),
}
# None: a regression, one linear output with nn.MSELoss
N_CLASSES = {
    "softmax-bn-dropout-l2": 4,
    "sigmoid-dropout": 2,
    "sigmoid-bn": 2,
    "regression-bn-dropout-l2": None,
    "regression": None,
    "softmax-smoothing-bn": 4,
    "sigmoid-smoothing": 2,
}
OPTIMIZERS = {
    "gd": dict(learning_rate=0.1),
    "momentum": dict(learning_rate=0.1, beta1=0.8),
    "rmsprop": dict(learning_rate=0.01, beta2=0.9, epsilon=1e-6),
    "adam": dict(learning_rate=0.01, beta1=0.8, beta2=0.95, epsilon=1e-6),
    "adamw": dict(learning_rate=0.01, beta1=0.8, beta2=0.95, epsilon=1e-6, weight_decay=0.5),
}


def _mirror(network: Network) -> tuple[nn.Sequential, list[nn.Dropout]]:
    """The same network in PyTorch, with the same initial weights."""
    torch.set_default_dtype(torch.float64)  # restored by the autouse fixture
    hp, p, r = network.hp, network.params, network.running
    modules, dropouts = [], []
    sizes = network.sizes
    activation = {
        "relu": nn.ReLU,
        "leaky_relu": lambda: nn.LeakyReLU(0.01),
        "tanh": nn.Tanh,
        "sigmoid": nn.Sigmoid,
    }[hp.activation]
    for layer, keep_prob in enumerate(hp.keep_prob_per_layer(), start=1):
        linear = nn.Linear(sizes[layer - 1], sizes[layer], bias=not hp.batchnorm)
        _set(linear.weight, p[f"W{layer}"].T)
        modules.append(linear)
        if hp.batchnorm:
            bn = nn.BatchNorm1d(sizes[layer], eps=1e-5, momentum=1 - hp.bn_momentum)
            _set(bn.weight, p[f"gamma{layer}"])
            _set(bn.bias, p[f"beta{layer}"])
            bn.running_mean.copy_(torch.from_numpy(r[f"running_mean{layer}"]))
            bn.running_var.copy_(torch.from_numpy(r[f"running_var{layer}"]))
            modules.append(bn)
        else:
            _set(linear.bias, p[f"b{layer}"])
        modules.append(activation())
        if keep_prob < 1:
            dropouts.append(nn.Dropout(1 - keep_prob))
            modules.append(dropouts[-1])
    last = len(sizes) - 1
    output = nn.Linear(sizes[-2], sizes[-1])
    _set(output.weight, p[f"W{last}"].T)
    _set(output.bias, p[f"b{last}"])
    modules.append(output)
    return nn.Sequential(*modules), dropouts


@pytest.fixture(autouse=True)
def _restore_default_dtype():
    default = torch.get_default_dtype()
    yield
    torch.set_default_dtype(default)


def _set(parameter, values: np.ndarray) -> None:
    with torch.no_grad():
        parameter.copy_(torch.from_numpy(np.ascontiguousarray(values)))


def _torch_loss(model: nn.Sequential, network: Network, X, y) -> "torch.Tensor":
    z, smoothing = model(X), network.hp.label_smoothing
    if network.n_classes is None:
        loss = nn.MSELoss()(z[:, 0], y)
    elif network.n_classes == 2:
        loss = nn.BCEWithLogitsLoss()(z[:, 0], y.double() * (1 - smoothing) + smoothing / 2)
        # the same as a softmax over the logits (0, z) with CrossEntropyLoss's smoothing
        pair = torch.stack([torch.zeros_like(z[:, 0]), z[:, 0]], dim=1)
        softmax = nn.CrossEntropyLoss(label_smoothing=smoothing)(pair, y)
        assert torch.allclose(loss, softmax, rtol=1e-12, atol=0)
    else:
        loss = nn.CrossEntropyLoss(label_smoothing=smoothing)(z, y)
    weights = [m.weight for m in model if isinstance(m, nn.Linear)]
    return loss + network.hp.l2 / (2 * len(y)) * sum((w**2).sum() for w in weights)


class _MaskRecorder:
    """Records the 0/1 masks PyTorch's dropout layers draw, to replay them in hpsearch's network.
    Where the input is 0 (a ReLU unit that is off) the mask does not matter: it records 1."""

    def __init__(self, dropouts: list[nn.Dropout]) -> None:
        self.recorded: list[np.ndarray] = []
        for dropout in dropouts:
            dropout.register_forward_hook(self._hook)

    def _hook(self, module, inputs, output) -> None:
        kept = output.detach().numpy() != 0
        self.recorded.append(np.where(inputs[0].detach().numpy() == 0, 1.0, kept))

    def take(self, keep_probs: tuple[float, ...]) -> list[np.ndarray | None]:
        """The last forward pass's masks, one per hidden layer (None where dropout is off)."""
        dropped = sum(p < 1 for p in keep_probs)
        recorded, self.recorded = iter(self.recorded[len(self.recorded) - dropped :]), []
        return [next(recorded) if p < 1 else None for p in keep_probs]


def _torch_optimizer(hp: HyperParams, parameters):
    match hp.optimizer:
        case "gd":
            return torch.optim.SGD(parameters, lr=hp.learning_rate)
        case "momentum":  # v_torch = v/(1 − β), so the same step needs lr·(1 − β)
            return torch.optim.SGD(
                parameters, lr=hp.learning_rate * (1 - hp.beta1), momentum=hp.beta1
            )
        case "rmsprop":
            return torch.optim.RMSprop(
                parameters, lr=hp.learning_rate, alpha=hp.beta2, eps=hp.epsilon
            )
        case "adam":
            return torch.optim.Adam(
                parameters, lr=hp.learning_rate, betas=(hp.beta1, hp.beta2), eps=hp.epsilon
            )
        case "adamw":  # the Linear layers' weights decay; biases, γ and β do not
            return torch.optim.AdamW(
                parameters, lr=hp.learning_rate, betas=(hp.beta1, hp.beta2), eps=hp.epsilon
            )


def _groups(model: nn.Sequential, hp: HyperParams):
    """AdamW's two parameter groups, the weights decayed and the rest not; one group else."""
    if hp.optimizer != "adamw":
        return model.parameters()
    weights = [m.weight for m in model if isinstance(m, nn.Linear)]
    others = [p for p in model.parameters() if all(p is not w for w in weights)]
    return [
        {"params": weights, "weight_decay": hp.weight_decay},
        {"params": others, "weight_decay": 0.0},
    ]


def _torch_values(model: nn.Sequential, network: Network, attribute: str) -> dict[str, np.ndarray]:
    """PyTorch's parameters (or their .grad) under hpsearch's names, W transposed back."""
    values, layer = {}, 0
    for module in model:
        if isinstance(module, nn.Linear):
            layer += 1
            values[f"W{layer}"] = getattr(module.weight, attribute).detach().numpy().T
            if module.bias is not None:
                values[f"b{layer}"] = getattr(module.bias, attribute).detach().numpy()
        elif isinstance(module, nn.BatchNorm1d):
            values[f"gamma{layer}"] = getattr(module.weight, attribute).detach().numpy()
            values[f"beta{layer}"] = getattr(module.bias, attribute).detach().numpy()
    assert values.keys() == network.params.keys()
    return values


def _assert_close(ours: np.ndarray, theirs: np.ndarray, what: str) -> None:
    scale = max(float(np.abs(theirs).max()), 1e-12)
    np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-5 * scale, err_msg=what)


def _running_var_from_torch(torch_var: np.ndarray, momentum: float, steps: int) -> np.ndarray:
    """PyTorch keeps the EWMA of the unbiased batch variance, hpsearch of the biased one (the
    σ² the batch is normalized with). Both start at 1 and see batches of BATCH examples, so
    torch − mᵗ = n/(n−1)·(ours − mᵗ)."""
    start = momentum**steps
    return start + (torch_var - start) * (BATCH - 1) / BATCH


@each_engine
@pytest.mark.parametrize("optimizer", OPTIMIZERS)
@pytest.mark.parametrize("config", CONFIGS)
def test_matches_pytorch(config: str, optimizer: str, engine: str) -> None:
    hp = HyperParams(**CONFIGS[config], optimizer=optimizer, **OPTIMIZERS[optimizer])
    n_classes = N_CLASSES[config]
    rng = np.random.default_rng(7)
    network = Network(hp, N_FEATURES, n_classes, rng, dtype=np.float64, engine=engine)
    for name, values in network.params.items():  # make b, γ, β non-trivial
        if not name.startswith("W"):
            values += rng.uniform(-0.3, 0.3, values.shape)
    model, dropouts = _mirror(network)
    recorder = _MaskRecorder(dropouts)
    ours_opt = make_optimizer(hp, engine, network.n_weights)
    theirs_opt = _torch_optimizer(hp, _groups(model, hp))
    X = rng.standard_normal((STEPS, BATCH, N_FEATURES))
    if n_classes is None:  # the standardized target of a regression
        y = rng.standard_normal((STEPS, BATCH))
    else:
        y = rng.integers(0, n_classes, (STEPS, BATCH))
    X[:, :, 0] += 2 * y  # something to learn

    model.eval()
    with torch.no_grad():
        z = model(torch.from_numpy(X[0]))
    _assert_close(network.logits(X[0]), z.numpy(), "prediction-mode output")
    if n_classes is not None:
        expected = (
            torch.sigmoid(z[:, 0]).numpy() if n_classes == 2 else torch.softmax(z, 1).numpy()
        )
        probabilities = network.predict_proba(X[0])
        _assert_close(probabilities[:, 1] if n_classes == 2 else probabilities, expected, "p")

    model.train()
    for step in range(STEPS):
        Xb, yb = torch.from_numpy(X[step]), torch.from_numpy(y[step])
        theirs_opt.zero_grad()
        loss = _torch_loss(model, network, Xb, yb)
        loss.backward()
        cost = network.loss_and_grads(
            X[step], y[step], masks=recorder.take(hp.keep_prob_per_layer())
        )
        if step == 0:
            assert cost == pytest.approx(loss.item(), rel=1e-10)
            grads = _torch_values(model, network, "grad")
            for name, grad in network.grads.items():
                _assert_close(grad, grads[name], f"d{name}")
        ours_opt.step(network.flat_params, network.flat_grads, hp.learning_rate)
        theirs_opt.step()

    for name, values in _torch_values(model, network, "data").items():
        _assert_close(network.params[name], values, f"{name} after {STEPS} steps")
    bns = [m for m in model if isinstance(m, nn.BatchNorm1d)]
    for layer, bn in enumerate(bns, start=1):
        _assert_close(network.running[f"running_mean{layer}"], bn.running_mean.numpy(), "mean")
        var = _running_var_from_torch(bn.running_var.numpy(), hp.bn_momentum, STEPS)
        _assert_close(network.running[f"running_var{layer}"], var, "running variance")
        bn.running_var.copy_(torch.from_numpy(network.running[f"running_var{layer}"]))
    model.eval()
    with torch.no_grad():
        _assert_close(network.logits(X[0]), model(torch.from_numpy(X[0])).numpy(), "trained")


@pytest.mark.parametrize(("epochs", "warmup"), [(10, 0), (10, 3), (7, 1), (2, 1), (1, 0)])
def test_the_cosine_schedule_is_pytorchs_epoch_by_epoch(epochs, warmup):
    """α per epoch equals SequentialLR(LinearLR, CosineAnnealingLR), stepped once per epoch
    (CosineAnnealingLR alone without a warm-up)."""
    from torch.optim import lr_scheduler

    from hpsearch.nn.schedules import learning_rate

    alpha = 0.3
    hp = HyperParams(
        learning_rate=alpha, decay_schedule="cosine", epochs=epochs, warmup_epochs=warmup
    )
    optimizer = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=alpha)
    scheduler = lr_scheduler.CosineAnnealingLR(optimizer, T_max=epochs - warmup)
    if warmup:
        linear = lr_scheduler.LinearLR(
            optimizer, start_factor=1 / (warmup + 1), end_factor=1.0, total_iters=warmup
        )
        scheduler = lr_scheduler.SequentialLR(optimizer, [linear, scheduler], milestones=[warmup])
    theirs = []
    for _ in range(epochs):
        theirs.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
        scheduler.step()
    ours = [learning_rate(hp, epoch) for epoch in range(epochs)]
    np.testing.assert_allclose(ours, theirs, rtol=1e-12)
    assert ours[-1] > 0  # the last epoch still trains
