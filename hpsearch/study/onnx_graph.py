"""A model as an ONNX graph, so that any ONNX runtime predicts without hpsearch: raw features in
("X", float32, the model's feature order), the train split's standardization, each dense layer,
BatchNorm in its inference form (running statistics), the activations, and softmax (or, for two
classes, the sigmoid's [1 − p, p]) out as "probabilities", with the argmax as "label" (of the
probabilities over each class's train share, for a model ranked by balanced error); for a
regression, the linear output un-standardized (·std + mean) out as "value", in the target's
units. Feature and class names, the task and the target travel in the graph's metadata."""

from __future__ import annotations

import json

import numpy as np

from hpsearch.errors import ModelError
from hpsearch.nn.layers import BN_EPSILON, LEAKY_SLOPE
from hpsearch.study.model import Model

OPSET = 17
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
    x = graph.standardized(model)
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
    features = len(model.features)
    body = helper.make_graph(
        graph.nodes,
        "hpsearch_model",
        [helper.make_tensor_value_info("X", TensorProto.FLOAT, [None, features])],
        outputs,
        graph.initializers,
    )
    onnx_model = helper.make_model(
        body, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="hpsearch"
    )
    onnx_model.ir_version = 8  # what onnxruntime releases of the last years all read
    helper.set_model_props(onnx_model, _metadata(model))
    onnx.checker.check_model(onnx_model)
    return onnx_model.SerializeToString()


def _metadata(model: Model) -> dict[str, str]:
    info = model.info
    return {
        "features": json.dumps(list(info.features)),
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

    def constant(self, name: str, value: np.ndarray) -> str:
        self.initializers.append(self._numpy.from_array(np.asarray(value, np.float32), name))
        return name

    def node(self, op: str, inputs: list[str], outputs: list[str], **attributes) -> str:
        self.nodes.append(self._helper.make_node(op, inputs, outputs, **attributes))
        return outputs[0]

    def standardized(self, model: Model) -> str:
        centred = self.node("Sub", ["X", self.constant("input_mean", model.mean)], ["centred"])
        return self.node("Div", [centred, self.constant("input_std", model.std)], ["inputs"])

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
