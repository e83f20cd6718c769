"""A model as an ONNX graph, so that any ONNX runtime predicts from raw rows without hpsearch.

In: "X" (float32, the numeric columns in the model's order, NaN where missing) and, when the
model has categorical columns, "categories" (strings, those columns in order; an empty string
or NA, N/A, null, ?, nan where missing). Then what the study did to its splits: a gap filled
with the train split's median and flagged, each level one-hot through ONNX-ML's LabelEncoder (a
level it has no input for → "(other)"), the inputs concatenated, scaled with the train split's
statistics and, with robust scaling, smoothly clipped; then each dense layer, BatchNorm in its
inference form (running statistics), the activations, and softmax (or, for two classes, the
sigmoid's [1 − p, p]) out as "probabilities", with the argmax as "label" (of the probabilities
over each class's train share, for a model ranked by balanced error); for a regression, the
linear output un-standardized (·std + mean) out as "value", in the target's units. Column, input
and class names, the task and the target travel in the graph's metadata."""

from __future__ import annotations

import json

import numpy as np

from hpsearch.data.columns import Column
from hpsearch.data.csvscan import GAPS
from hpsearch.data.encode import UNSEEN_BINARY
from hpsearch.errors import ModelError
from hpsearch.nn.layers import BN_EPSILON, LEAKY_SLOPE
from hpsearch.study.model import Model

OPSET = 17
ML_OPSET = 2  # ai.onnx.ml: LabelEncoder with string keys
ACTIVATIONS = {"relu": "Relu", "tanh": "Tanh", "sigmoid": "Sigmoid", "leaky_relu": "LeakyRelu"}


def onnx_bytes(model: Model) -> bytes:
    """The serialized ONNX model of `model`; needs the `onnx` extra."""
    try:
        import onnx
        from onnx import TensorProto, helper, numpy_helper
    except ImportError:
        raise ModelError(
            "format onnx needs the onnx package: pip install 'hpsearch[onnx]'", option="format"
        ) from None
    graph = _Graph(numpy_helper)
    x = graph.scaled(graph.encoded(model), model)
    network, last = model.network, len(model.network.sizes) - 1
    for layer in range(1, last):
        x = graph.hidden(x, network, layer)
    z = graph.dense(x, network.params[f"W{last}"], network.params[f"b{last}"], "logits")
    if network.n_classes is None:
        value = graph.unstandardized(z, network.target_mean, network.target_std)
        outputs = [helper.make_tensor_value_info(value, TensorProto.FLOAT, [None, 1])]
    else:
        probabilities = graph.output(z, network.n_classes)
        decided = probabilities
        if network.class_prior is not None:  # the class of the largest p(c) / π(c)
            prior = graph.constant("class_prior", network.class_prior)
            decided = graph.node("Div", [probabilities, prior], ["over_prior"])
        graph.node("ArgMax", [decided], ["label"], axis=1, keepdims=0)
        n_classes = len(model.classes)
        outputs = [
            helper.make_tensor_value_info(probabilities, TensorProto.FLOAT, [None, n_classes]),
            helper.make_tensor_value_info("label", TensorProto.INT64, [None]),
        ]
    numeric = sum(column.kind == "numeric" for column in model.columns)
    inputs = [helper.make_tensor_value_info("X", TensorProto.FLOAT, [None, numeric])]
    if len(model.categorical):
        inputs.append(helper.make_tensor_value_info(
            "categories", TensorProto.STRING, [None, len(model.categorical)]))  # fmt: skip
    body = helper.make_graph(
        graph.nodes,
        "hpsearch_model",
        inputs if numeric else inputs[1:],
        outputs,
        graph.initializers,
    )
    onnx_model = helper.make_model(
        body,
        opset_imports=[helper.make_opsetid("", OPSET), helper.make_opsetid("ai.onnx.ml", ML_OPSET)],
        producer_name="hpsearch",
    )
    onnx_model.ir_version = 8  # what onnxruntime releases of the last years all read
    helper.set_model_props(onnx_model, _metadata(model))
    onnx.checker.check_model(onnx_model)
    return onnx_model.SerializeToString()


def _metadata(model: Model) -> dict[str, str]:
    info = model.info
    numeric = [column.name for column in model.columns if column.kind == "numeric"]
    return {
        "features": json.dumps(list(info.features)),
        "numeric_columns": json.dumps(numeric),
        "categorical_columns": json.dumps(list(model.categorical)),
        "inputs": json.dumps(list(info.input_names)),
        "classes": json.dumps(list(info.classes)),
        "task": info.task,
        "target": info.target,
        "study": info.study,
        "trial": str(info.trial),
        "fingerprint": info.fingerprint,
        "hpsearch_version": info.hpsearch_version,
    }


class _Graph:
    """Nodes and constants of the graph as it is built, each name unique."""

    def __init__(self, numpy_helper) -> None:
        from onnx import helper

        self._helper, self._numpy = helper, numpy_helper
        self.nodes: list = []
        self.initializers: list = []

    def constant(self, name: str, value: np.ndarray, dtype: type = np.float32) -> str:
        self.initializers.append(self._numpy.from_array(np.asarray(value, dtype), name))
        return name

    def node(self, op: str, inputs: list[str], outputs: list[str], **attributes) -> str:
        self.nodes.append(self._helper.make_node(op, inputs, outputs, **attributes))
        return outputs[0]

    def encoded(self, model: Model) -> str:
        """The raw columns → the network's inputs, unscaled, as `data.encode` makes them."""
        numeric = [c for c in model.columns if c.kind == "numeric"]
        filled = gaps = ""
        if numeric:
            bad = self.node("IsNaN", ["X"], ["x_nan"])
            bad = self.node("Or", [bad, self.node("IsInf", ["X"], ["x_inf"])], ["x_gap"])
            medians = self.constant("medians", [[c.median for c in numeric]])
            filled = self.node("Where", [bad, medians, "X"], ["x_filled"])
            gaps = self.node("Cast", [bad], ["x_flags"], to=1)  # 1: FLOAT
        parts, at_number, at_text = [], 0, 0
        for column in model.columns:
            if column.kind == "numeric":
                index = self.constant(f"column{at_number}", [at_number], np.int64)
                parts.append(self.node("Gather", [filled, index], [f"{column.name}#value"],
                                       axis=1))  # fmt: skip
                if column.indicator:
                    parts.append(self.node("Gather", [gaps, index], [f"{column.name}#gap"],
                                           axis=1))  # fmt: skip
                at_number += 1
            else:
                parts.append(self.one_hot(column, at_text))
                at_text += 1
        return parts[0] if len(parts) == 1 else self.node("Concat", parts, ["encoded"], axis=1)

    def one_hot(self, column: Column, at: int) -> str:
        """A categorical column: its text → a slot (LabelEncoder) → one 0/1 input per slot, or
        one input for two (0.5 for a level without a slot)."""
        index = self.constant(f"text{at}", [at], np.int64)
        text = self.node("Gather", ["categories", index], [f"{column.name}#text"], axis=1)
        slots = column.slots
        other = len(slots) - 1 if column.other else -1
        missing = len(column.levels) if column.missing_level else other
        keys = {marker: missing for marker in _gap_markers()}
        keys.update({level: i for i, level in enumerate(column.levels)})
        slot = self.node(
            "LabelEncoder", [text], [f"{column.name}#slot"], domain="ai.onnx.ml",
            keys_strings=list(keys), values_int64s=list(keys.values()), default_int64=other,
        )  # fmt: skip
        if len(slots) == 2:
            one = self.node("Cast", [self.node("Equal", [slot, self.constant(
                f"one{at}", [1], np.int64)], [f"{column.name}#is1"])], [f"{column.name}#1"], to=1)
            none = self.node("Cast", [self.node("Equal", [slot, self.constant(
                f"none{at}", [-1], np.int64)], [f"{column.name}#is_none"])],
                [f"{column.name}#none"], to=1)  # fmt: skip
            half = self.node("Mul", [none, self.constant(f"half{at}", [UNSEEN_BINARY])],
                             [f"{column.name}#half"])  # fmt: skip
            return self.node("Add", [one, half], [f"{column.name}#inputs"])
        each = self.constant(f"slots{at}", np.arange(len(slots)), np.int64)
        hot = self.node("Equal", [slot, each], [f"{column.name}#hot"])
        return self.node("Cast", [hot], [f"{column.name}#inputs"], to=1)

    def scaled(self, x: str, model: Model) -> str:
        scaling = model.scaling
        centred = self.node("Sub", [x, self.constant("input_mean", scaling.center)], ["centred"])
        x = self.node("Div", [centred, self.constant("input_std", scaling.scale)], ["inputs"])
        if not scaling.clip.any():
            return x
        third = self.node("Div", [x, self.constant("three", [3.0])], ["third"])
        squared = self.node("Mul", [third, third], ["third_squared"])
        root = self.node("Sqrt", [self.node("Add", [squared, self.constant("one_", [1.0])],
                                            ["one_plus"])], ["root"])  # fmt: skip
        clipped = self.node("Div", [x, root], ["clipped"])
        mask = self.constant("input_clip", scaling.clip, bool)
        return self.node("Where", [mask, clipped, x], ["inputs_clipped"])

    def dense(self, x: str, W: np.ndarray, b: np.ndarray | None, name: str) -> str:
        z = self.node("MatMul", [x, self.constant(f"{name}_W", W)], [f"{name}_xW"])
        if b is None:
            return z
        return self.node("Add", [z, self.constant(f"{name}_b", b)], [name])

    def hidden(self, x: str, network, layer: int) -> str:
        p, hp = network.params, network.hp
        z = self.dense(x, p[f"W{layer}"], p.get(f"b{layer}"), f"z{layer}")
        if hp.batchnorm:
            inputs = [z, *(self.constant(f"{name}{layer}", value) for name, value in (
                ("gamma", p[f"gamma{layer}"]), ("beta", p[f"beta{layer}"]),
                ("running_mean", network.running[f"running_mean{layer}"]),
                ("running_var", network.running[f"running_var{layer}"]),
            ))]  # fmt: skip
            z = self.node("BatchNormalization", inputs, [f"bn{layer}"], epsilon=BN_EPSILON)
        extra = {"alpha": LEAKY_SLOPE} if hp.activation == "leaky_relu" else {}
        return self.node(ACTIVATIONS[hp.activation], [z], [f"a{layer}"], **extra)

    def unstandardized(self, z: str, mean: float, std: float) -> str:
        """A regression's output in the target's units: z·std + mean."""
        scaled = self.node("Mul", [z, self.constant("target_std", np.array([std]))], ["scaled"])
        return self.node("Add", [scaled, self.constant("target_mean", np.array([mean]))], ["value"])

    def output(self, z: str, n_classes: int) -> str:
        if n_classes > 2:
            return self.node("Softmax", [z], ["probabilities"], axis=1)
        p = self.node("Sigmoid", [z], ["p"])
        q = self.node("Sub", [self.constant("one", np.ones(1)), p], ["q"])
        return self.node("Concat", [q, p], ["probabilities"], axis=1)


def _gap_markers() -> list[str]:
    """The cells that mark a missing value, as a file writes them: each in lower, upper and
    title case (an ONNX runtime compares strings exactly)."""
    cases = (v for gap in sorted(GAPS) for v in (gap, gap.upper(), gap.title()))
    return list(dict.fromkeys([*cases, "NaN"]))
