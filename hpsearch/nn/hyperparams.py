"""What a network accepts: the one typed, validated description of every hyperparameter.

The study config reads field names, types and ranges from here, so a YAML mistake is reported
with the same rule that the network enforces. Names are the course's words; they are what a user
writes in YAML."""

from __future__ import annotations

from typing import Annotated, Literal, Self

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    model_validator,
)

# Strict types: a float field takes an integer (learning_rate: 1) but never a boolean or a string.
Float = StrictFloat
Fraction = Annotated[StrictFloat, Field(gt=0, le=1)]
Units = Annotated[StrictInt, Field(ge=1)]


class HyperParams(BaseModel):
    """Every setting of one network and its training; the defaults train digits well."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    layers: Annotated[StrictInt, Field(ge=0, description="number of hidden layers")] = 2
    hidden_units: Units | tuple[Units, ...] = Field(
        64, description="units per hidden layer: one size for all, or one per layer"
    )
    activation: Literal["relu", "leaky_relu", "tanh", "sigmoid"] = "relu"
    init: Literal["auto", "he", "xavier"] = Field(
        "auto", description="auto: He for relu/leaky_relu, Xavier for tanh/sigmoid"
    )
    batchnorm: StrictBool = True
    bn_momentum: Annotated[Float, Field(ge=0, lt=1)] = Field(
        0.9, description="running = m·running + (1−m)·batch; PyTorch's momentum is 1−m"
    )
    keep_prob: Fraction | tuple[Fraction, ...] = Field(
        1.0, description="inverted dropout keep probability, one value or one per hidden layer"
    )
    l2: Annotated[Float, Field(ge=0, description="L2 regularization strength λ")] = 0.0
    optimizer: Literal["gd", "momentum", "rmsprop", "adam", "adamw"] = Field(
        "adam", description="gd, momentum, rmsprop, adam, or adamw (Adam with weight_decay)"
    )
    weight_decay: Annotated[Float, Field(ge=0)] = Field(
        0.01,
        description="adamw only: decoupled weight decay λ_w, every step W −= α·λ_w·W before "
        "Adam's update (torch.optim.AdamW's weight_decay, default 0.01); W's only, as l2",
    )
    learning_rate: Annotated[Float, Field(gt=0, description="α (α0 when decayed)")] = 1e-3
    beta1: Annotated[Float, Field(ge=0, lt=1, description="momentum β, Adam β1")] = 0.9
    beta2: Annotated[Float, Field(ge=0, lt=1, description="RMSprop β, Adam β2")] = 0.999
    epsilon: Annotated[Float, Field(gt=0)] = 1e-8
    decay_schedule: Literal["none", "inverse_time", "exponential", "staircase", "cosine"] = Field(
        "none",
        description="α per epoch: none, inverse_time, exponential, staircase (with "
        "learning_rate_decay), or cosine: α0·(1 + cos(π·epoch/epochs))/2, after warmup_epochs",
    )
    learning_rate_decay: Annotated[Float, Field(ge=0)] = Field(
        0.0,
        description="inverse_time: α0/(1+decay·epoch); exponential: α0·decay^epoch; "
        "staircase: α0·decay^⌊epoch/decay_every⌋",
    )
    decay_every: Annotated[StrictInt, Field(ge=1, description="epochs per staircase step")] = 10
    warmup_epochs: Annotated[StrictInt, Field(ge=0)] = Field(
        0,
        description="cosine only: epochs whose α rises linearly, α0·(epoch + 1)/(warmup_epochs "
        "+ 1), before the cosine runs over the remaining epochs",
    )
    label_smoothing: Annotated[Float, Field(ge=0, lt=1)] = Field(
        0.0,
        description="a classifier's targets become (1 − s)·one-hot + s/classes (PyTorch's "
        "CrossEntropyLoss(label_smoothing=s)); a regression has none",
    )
    keep_best_epoch: StrictBool = Field(
        False,
        description="report, save and export the weights of the epoch with the lowest dev "
        "metric, not the last epoch's (a study file's default: true)",
    )
    batch_size: Annotated[StrictInt, Field(ge=1)] = 64
    epochs: Annotated[StrictInt, Field(ge=1)] = 20
    patience: Annotated[StrictInt, Field(ge=1)] | None = Field(
        None, description="early stopping: epochs without a better dev metric before stopping"
    )

    @model_validator(mode="after")
    def _per_layer_lists_match_layers(self) -> Self:
        for name in ("hidden_units", "keep_prob"):
            value = getattr(self, name)
            if isinstance(value, tuple) and len(value) != self.layers:
                raise ValueError(
                    f"{name} has {len(value)} values but layers is {self.layers}; "
                    f"give one value per hidden layer, or a single value for all"
                )
        return self

    @model_validator(mode="after")
    def _decay_fits_schedule(self) -> Self:
        multiplicative = self.decay_schedule in ("exponential", "staircase")
        if multiplicative and not 0 < self.learning_rate_decay <= 1:
            raise ValueError(
                f"learning_rate_decay must be in (0, 1] with decay_schedule={self.decay_schedule} "
                f"(α = α0·decay^epoch), but got {self.learning_rate_decay}"
            )
        return self

    @model_validator(mode="after")
    def _warmup_fits_schedule(self) -> Self:
        if self.warmup_epochs and self.decay_schedule != "cosine":
            raise ValueError(
                f"warmup_epochs applies to decay_schedule: cosine, but decay_schedule is "
                f"{self.decay_schedule}; set warmup_epochs: 0, or decay_schedule: cosine"
            )
        if self.warmup_epochs >= self.epochs:
            raise ValueError(
                f"warmup_epochs must be below epochs, so that the cosine has an epoch to run, "
                f"but got warmup_epochs={self.warmup_epochs}, epochs={self.epochs}"
            )
        return self

    @model_validator(mode="after")
    def _batchnorm_has_a_batch(self) -> Self:
        if self.batchnorm and self.layers > 0 and self.batch_size < 2:
            raise ValueError(
                "batch_size must be at least 2 with batchnorm (a batch of one has zero variance, "
                f"so batch normalization erases every input), but got {self.batch_size}; "
                "raise batch_size or set batchnorm: false"
            )
        return self

    def units_per_layer(self) -> tuple[int, ...]:
        """Hidden layer sizes, one per layer."""
        return _per_layer(self.hidden_units, self.layers)

    def keep_prob_per_layer(self) -> tuple[float, ...]:
        """Dropout keep probabilities, one per hidden layer."""
        return _per_layer(self.keep_prob, self.layers)


def _per_layer(value, layers: int) -> tuple:
    return value if isinstance(value, tuple) else (value,) * layers
