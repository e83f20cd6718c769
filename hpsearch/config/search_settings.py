"""The study file's `search:` section: how trials are chosen, sized and run. A module of its
own, below the study file and the schedule's checks that both read it."""

from __future__ import annotations

from typing import Annotated, Literal, Self

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictFloat,
    StrictInt,
    StrictStr,
    model_validator,
)

from hpsearch.config.execution import check_execution
from hpsearch.errors import ConfigError


class SearchSettings(BaseModel):
    """The `search:` section: how trials are chosen and run. Only `method` and `seed` decide
    which trials a study has; the rest may change between runs of the same study."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    method: Literal["random", "grid"] = Field(
        "random", description="random (the course's advice) or grid (kept to compare with it)"
    )
    trials: Annotated[StrictInt, Field(ge=1, le=1_000_000)] = Field(
        20, description="trials in the first round"
    )
    seed: Annotated[StrictInt, Field(ge=0, lt=2**63)] = Field(
        0, description="decides every trial's parameters and training seed"
    )
    workers: Annotated[StrictInt, Field(ge=1)] | None = Field(
        None,
        description="trials run at once; default: as many as the cores available hold at "
        "`threads` each, counted where the trials run; 1 runs in-process",
    )
    backend: Literal["local", "dask"] = "local"
    scheduler: StrictStr | None = Field(
        None, description="with backend dask: the scheduler's address, e.g. tcp://host:8786"
    )
    trial_timeout: Annotated[StrictFloat, Field(gt=0)] | None = Field(
        None, description="seconds; a trial past it is recorded as timed out"
    )
    keep_models: Annotated[StrictInt, Field(ge=0)] = Field(
        3, description="the weights of the best k trials are saved"
    )
    training_seed: Annotated[StrictInt, Field(ge=0, lt=2**63)] | None = Field(
        None,
        description="the seed `hpsearch train` trains with (default 0); `best --output` writes "
        "the chosen trial's, so that `hpsearch train` retrains it exactly",
    )
    threads: Annotated[StrictInt, Field(ge=1)] = Field(
        1,
        description="BLAS threads per trial; more lets one big trial use the cores (with "
        "workers × threads <= cores), but its results then depend on the count",
    )

    budget: Annotated[StrictInt, Field(ge=1)] | None = Field(
        None,
        description="the epochs the first round may train in all, instead of `trials`: plain "
        "runs budget ÷ epochs trials, a schedule as many configurations as the budget holds",
    )
    schedule: Literal["plain", "halving", "hyperband", "asha"] = Field(
        "plain",
        description="plain: every trial trains all its epochs; halving: successive halving; "
        "hyperband: several halving brackets; asha: asynchronous successive halving, each "
        "trial promoted as soon as the trials numbered before it are decided",
    )
    min_epochs: Annotated[StrictInt, Field(ge=1)] | None = Field(
        None,
        description="halving, hyperband, asha: the epochs of the first rung (default: about "
        "epochs / 9, so that the last step to the full budget is a full step of eta)",
    )
    eta: StrictInt = Field(
        2, description="halving, hyperband, asha: the best 1/eta of a rung go on"
    )
    brackets: Annotated[StrictInt, Field(ge=1)] | None = Field(
        None, description="hyperband: how many brackets (default: one per rung)"
    )

    @model_validator(mode="after")
    def _scheduler_needs_dask(self) -> Self:
        try:
            check_execution(
                self.workers, self.trial_timeout, self.backend, self.scheduler, self.threads
            )
        except ConfigError as error:
            raise ValueError(str(error)) from None
        return self
