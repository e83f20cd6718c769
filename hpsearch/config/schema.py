"""The JSON Schema of a study file, for completion and checking in editors (`hpsearch schema`).

pydantic's schema of `StudyConfig` knows the space only as "name → anything"; here every
`HyperParams` field becomes a key of its own, taking its fixed value or a distribution."""

from __future__ import annotations

from typing import Any

from pydantic import TypeAdapter

from hpsearch.config.study_defaults import NEW_STUDY
from hpsearch.nn.hyperparams import HyperParams
from hpsearch.search.space import Distribution


def hyperparameters_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """`schema`, StudyConfig's, with the `hyperparameters` section spelled out."""
    distributions = TypeAdapter(Distribution).json_schema(ref_template="#/$defs/{model}")
    fields = HyperParams.model_json_schema(ref_template="#/$defs/{model}")
    defs = schema.setdefault("$defs", {})
    defs.pop("SearchSpace", None)
    defs.update(distributions.pop("$defs", {}) | fields.pop("$defs", {}))
    defs["Distribution"] = distributions
    for name, value in NEW_STUDY.items():  # what a study file means where it is silent
        fields["properties"][name]["default"] = value
    searched = {"$ref": "#/$defs/Distribution"}
    schema["properties"]["hyperparameters"] = {
        "type": "object",
        "description": "any HyperParams field: a plain value is fixed, a mapping is searched",
        "additionalProperties": False,
        "properties": {
            name: {"anyOf": [field, searched], "description": field.get("description", "")}
            for name, field in fields["properties"].items()
        },
    }
    schema["required"] = [key for key in schema.get("required", []) if key != "name"]
    return schema
