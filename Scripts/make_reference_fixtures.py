#!/usr/bin/env python3
"""Generates the PyTorch parity fixtures of `glassbox reference` (see Docs/Reference.md).

For each case, writes Tests/Fixtures/reference/<case>/:
  case.json             {"module": ..., "args": {...}, "train": false}
  weights.safetensors   module.state_dict() (PyTorch names)
  inputs.safetensors    input (+ target for losses, + optional grad_output)
  expected.safetensors  output, grad.<input> for each floating-point input, grad.<param>

Needs only torch, numpy and safetensors. Usage:
  python Scripts/make_reference_fixtures.py [OUT_DIR]
"""
import copy
import json
import os
import shutil
import sys

import torch
from safetensors.torch import save_file

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import reference_cases_activations  # noqa: E402
import reference_cases_attention  # noqa: E402
import reference_cases_convolution  # noqa: E402
import reference_cases_embedding  # noqa: E402
import reference_cases_embedding_bag  # noqa: E402
import reference_cases_losses  # noqa: E402
import reference_cases_normalization  # noqa: E402
import reference_cases_normalization_breadth  # noqa: E402
import reference_cases_convolution_nd  # noqa: E402
import reference_cases_padding  # noqa: E402
import reference_cases_pooling  # noqa: E402
import reference_cases_pooling_nd  # noqa: E402
import reference_cases_recurrent  # noqa: E402
import reference_cases_transformer  # noqa: E402
import reference_cases_two_inputs  # noqa: E402
import reference_cases_resampling  # noqa: E402
import reference_cases_variants  # noqa: E402

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "Tests", "Fixtures", "reference")


def run_case(module, inputs, grad_output=None):
    """Forward and backward as the contract specifies: grads of (output * grad_output).sum()."""
    floats = {k: v.clone().requires_grad_(True) for k, v in inputs.items() if v.is_floating_point()}
    args = [floats.get(k, inputs[k]) for k in inputs]
    output = module(*args)
    params = list(module.named_parameters())
    wrt = list(floats.values()) + [p for _, p in params]
    go = grad_output if grad_output is not None else torch.ones_like(output)
    grads = torch.autograd.grad(output, wrt, grad_outputs=go, allow_unused=True)
    grads = [torch.zeros_like(t) if g is None else g for t, g in zip(wrt, grads)]
    expected = {"output": output.detach()}
    names = [f"grad.{k}" for k in floats] + [f"grad.{n}" for n, _ in params]
    expected.update({n: g.detach() for n, g in zip(names, grads)})
    return expected


def write_case(name, module_name, args, module, inputs, train=False, grad_output=None):
    directory = os.path.join(OUT, name)
    os.makedirs(directory, exist_ok=True)
    module.train(train)
    weights = {k: v.detach().clone() for k, v in module.state_dict().items()}
    expected = run_case(module, inputs, grad_output)
    if train:  # buffers a training forward updates (BatchNorm's running statistics)
        expected.update({f"state.{k}": v.detach().clone() for k, v in module.named_buffers() if v.is_floating_point()})
    with open(os.path.join(directory, "case.json"), "w") as f:
        json.dump({"module": module_name, "args": args, "train": train}, f, sort_keys=True)
        f.write("\n")
    contiguous = lambda d: {k: v.detach().contiguous() for k, v in d.items()}
    save_file(contiguous(weights), os.path.join(directory, "weights.safetensors"))
    all_inputs = dict(inputs)
    if grad_output is not None:
        all_inputs["grad_output"] = grad_output
    save_file(contiguous(all_inputs), os.path.join(directory, "inputs.safetensors"))
    save_file(contiguous(expected), os.path.join(directory, "expected.safetensors"))


def cases():
    """(name, module name, args, make_inputs(dtype) -> dict, random grad_output?, train?, [tensor constructor
    arguments, [prepare(module)]])."""
    nn = torch.nn
    randn = lambda *s, dtype: torch.randn(*s, dtype=dtype)
    out = []

    def add(name, module_name, args, inputs, random_grad=False, train=False):
        out.append((name, module_name, args, inputs, random_grad, train))

    # Layers.
    add("linear_5_3", "Linear", {"in_features": 5, "out_features": 3}, lambda d: {"input": randn(4, 5, dtype=d)}, True)
    add("linear_7_2_nobias", "Linear", {"in_features": 7, "out_features": 2, "bias": False},
        lambda d: {"input": randn(3, 7, dtype=d)})
    add("linear_3_4_batched", "Linear", {"in_features": 3, "out_features": 4}, lambda d: {"input": randn(2, 3, 3, dtype=d)}, True)
    add("linear_1_1_vector", "Linear", {"in_features": 1, "out_features": 1}, lambda d: {"input": randn(1, dtype=d)})
    add("flatten_default", "Flatten", {}, lambda d: {"input": randn(2, 3, 4, dtype=d)}, True)
    add("flatten_0_1", "Flatten", {"start_dim": 0, "end_dim": 1}, lambda d: {"input": randn(2, 3, 2, dtype=d)})
    add("dropout_eval", "Dropout", {"p": 0.3}, lambda d: {"input": randn(3, 5, dtype=d)}, True)
    add("identity", "Identity", {}, lambda d: {"input": randn(2, 3, dtype=d)}, True)
    # Activations.
    add("relu", "ReLU", {}, lambda d: {"input": randn(3, 5, dtype=d)}, True)
    add("leaky_relu_0.2", "LeakyReLU", {"negative_slope": 0.2}, lambda d: {"input": randn(3, 5, dtype=d)}, True)
    add("leaky_relu_default", "LeakyReLU", {}, lambda d: {"input": randn(7, dtype=d)})
    add("elu_0.7", "ELU", {"alpha": 0.7}, lambda d: {"input": randn(3, 5, dtype=d)}, True)
    add("gelu", "GELU", {}, lambda d: {"input": 3 * randn(3, 5, dtype=d)}, True)
    add("gelu_tanh", "GELU", {"approximate": "tanh"}, lambda d: {"input": 3 * randn(3, 5, dtype=d)}, True)
    add("silu", "SiLU", {}, lambda d: {"input": 3 * randn(3, 5, dtype=d)}, True)
    add("sigmoid", "Sigmoid", {}, lambda d: {"input": 3 * randn(3, 5, dtype=d)}, True)
    add("tanh", "Tanh", {}, lambda d: {"input": 2 * randn(3, 5, dtype=d)}, True)
    add("softplus", "Softplus", {}, lambda d: {"input": 5 * randn(3, 5, dtype=d)}, True)
    add("softplus_beta2_threshold3", "Softplus", {"beta": 2, "threshold": 3.0}, lambda d: {"input": 3 * randn(4, 5, dtype=d)}, True)
    add("softmax_dim1", "Softmax", {"dim": 1}, lambda d: {"input": randn(3, 5, dtype=d)}, True)
    add("softmax_dim-1_3d", "Softmax", {"dim": -1}, lambda d: {"input": randn(2, 3, 4, dtype=d)}, True)
    add("log_softmax_dim0", "LogSoftmax", {"dim": 0}, lambda d: {"input": randn(4, 3, dtype=d)}, True)
    add("log_softmax_dim2", "LogSoftmax", {"dim": 2}, lambda d: {"input": randn(2, 3, 5, dtype=d)}, True)

    # Regression losses.
    for reduction in ["mean", "sum", "none"]:
        rg = reduction == "none"
        add(f"mse_{reduction}", "MSELoss", {"reduction": reduction},
            lambda d: {"input": randn(3, 4, dtype=d), "target": randn(3, 4, dtype=d)}, rg)
        add(f"l1_{reduction}", "L1Loss", {"reduction": reduction},
            lambda d: {"input": randn(3, 4, dtype=d), "target": randn(3, 4, dtype=d)}, rg)
        add(f"huber_0.5_{reduction}", "HuberLoss", {"reduction": reduction, "delta": 0.5},
            lambda d: {"input": randn(3, 5, dtype=d), "target": randn(3, 5, dtype=d)}, rg)
        add(f"smooth_l1_0.5_{reduction}", "SmoothL1Loss", {"reduction": reduction, "beta": 0.5},
            lambda d: {"input": randn(3, 5, dtype=d), "target": randn(3, 5, dtype=d)}, rg)
    add("huber_default", "HuberLoss", {}, lambda d: {"input": 2 * randn(7, dtype=d), "target": randn(7, dtype=d)})
    add("smooth_l1_beta0", "SmoothL1Loss", {"beta": 0.0}, lambda d: {"input": randn(2, 3, dtype=d), "target": randn(2, 3, dtype=d)})

    # Classification losses. Integer targets are I64.
    idx = lambda *s, c: torch.randint(0, c, s, dtype=torch.int64)

    def with_ignored(t, ignore):
        t = t.clone()
        t.view(-1)[::3] = ignore
        return t

    for reduction in ["mean", "sum", "none"]:
        add(f"cross_entropy_{reduction}", "CrossEntropyLoss", {"reduction": reduction},
            lambda d: {"input": randn(4, 5, dtype=d), "target": idx(4, c=5)}, reduction == "none")
        add(f"nll_{reduction}", "NLLLoss", {"reduction": reduction},
            lambda d: {"input": torch.log_softmax(randn(4, 5, dtype=d), 1), "target": idx(4, c=5)}, reduction == "none")
    add("cross_entropy_ignore_index", "CrossEntropyLoss", {"ignore_index": 2},
        lambda d: {"input": randn(6, 3, dtype=d), "target": torch.tensor([2, 0, 1, 2, 1, 0])})
    add("cross_entropy_ignore_-1", "CrossEntropyLoss", {"ignore_index": -1},
        lambda d: {"input": randn(6, 3, dtype=d), "target": with_ignored(idx(6, c=3), -1)})
    add("cross_entropy_smoothing", "CrossEntropyLoss", {"label_smoothing": 0.1},
        lambda d: {"input": randn(5, 4, dtype=d), "target": idx(5, c=4)})
    add("cross_entropy_3d_sum", "CrossEntropyLoss", {"reduction": "sum"},
        lambda d: {"input": randn(2, 4, 3, dtype=d), "target": idx(2, 3, c=4)})
    add("cross_entropy_unbatched", "CrossEntropyLoss", {},
        lambda d: {"input": randn(5, dtype=d), "target": torch.tensor(3, dtype=torch.int64)})
    add("cross_entropy_probabilities", "CrossEntropyLoss", {"label_smoothing": 0.2},
        lambda d: {"input": randn(3, 4, dtype=d), "target": torch.softmax(randn(3, 4, dtype=d), 1)})
    # With class weights (a `weight` entry in the weights file).
    out.append(("cross_entropy_weight", "CrossEntropyLoss", {}, lambda d: {"input": randn(5, 4, dtype=d), "target": idx(5, c=4)},
                False, False, {"weight": lambda d: torch.rand(4, dtype=d) + 0.5}))
    out.append(("cross_entropy_weight_smoothing_ignore", "CrossEntropyLoss", {"ignore_index": 0, "label_smoothing": 0.15},
                lambda d: {"input": randn(7, 3, dtype=d), "target": with_ignored(idx(7, c=3), 0)},
                False, False, {"weight": lambda d: torch.rand(3, dtype=d) + 0.5}))
    out.append(("cross_entropy_weight_none", "CrossEntropyLoss", {"reduction": "none"},
                lambda d: {"input": randn(5, 4, dtype=d), "target": idx(5, c=4)},
                True, False, {"weight": lambda d: torch.rand(4, dtype=d) + 0.5}))
    out.append(("nll_weight_ignore", "NLLLoss", {"ignore_index": 1},
                lambda d: {"input": torch.log_softmax(randn(6, 4, dtype=d), 1), "target": with_ignored(idx(6, c=4), 1)},
                False, False, {"weight": lambda d: torch.rand(4, dtype=d) + 0.5}))
    for reduction in ["mean", "sum", "none"]:
        add(f"bce_{reduction}", "BCELoss", {"reduction": reduction},
            lambda d: {"input": torch.sigmoid(randn(3, 4, dtype=d)), "target": torch.rand(3, 4, dtype=d)}, reduction == "none")
        add(f"bce_logits_{reduction}", "BCEWithLogitsLoss", {"reduction": reduction},
            lambda d: {"input": 3 * randn(3, 4, dtype=d), "target": torch.rand(3, 4, dtype=d)}, reduction == "none")
    out.append(("bce_weight", "BCELoss", {}, lambda d: {"input": torch.sigmoid(randn(3, 4, dtype=d)), "target": torch.rand(3, 4, dtype=d)},
                False, False, {"weight": lambda d: torch.rand(4, dtype=d)}))
    out.append(("bce_logits_pos_weight", "BCEWithLogitsLoss", {},
                lambda d: {"input": 3 * randn(3, 4, dtype=d), "target": torch.rand(3, 4, dtype=d)},
                False, False, {"pos_weight": lambda d: torch.rand(4, dtype=d) * 3}))
    out.append(("bce_logits_weight_pos_weight_sum", "BCEWithLogitsLoss", {"reduction": "sum"},
                lambda d: {"input": 3 * randn(2, 5, dtype=d), "target": (torch.rand(2, 5) > 0.5).to(d)},
                False, False, {"weight": lambda d: torch.rand(2, 1, dtype=d), "pos_weight": lambda d: torch.rand(5, dtype=d) * 3}))

    # Vision and sequence layers, one file per area.
    for area in (reference_cases_convolution, reference_cases_pooling, reference_cases_normalization, reference_cases_embedding,
                 reference_cases_two_inputs, reference_cases_embedding_bag):
        area.add_cases(add, out)
    reference_cases_normalization_breadth.add_cases(add, out)
    reference_cases_resampling.add_cases(add, out)
    reference_cases_activations.add_cases(add, out)
    reference_cases_losses.add_cases(add, out)
    reference_cases_variants.add_cases(add, out)
    for area in (reference_cases_padding, reference_cases_convolution_nd, reference_cases_pooling_nd):  # issue 19, share B: padding, N-d conv, pooling
        area.add_cases(add, out)
    return out


def construct(module_name, args, tensor_args):
    args = {k: tuple(v) if isinstance(v, list) else v for k, v in args.items()}  # JSON lists are PyTorch's tuples
    return getattr(torch.nn, module_name)(**args, **tensor_args)


def make_state_dict_fixture():
    """A PyTorch nn.Sequential(Linear, ReLU, Linear) state_dict and its input/output, for
    Module.load(from:) (Tests/Fixtures/state_dict/)."""
    directory = os.path.join(OUT, "..", "state_dict")
    os.makedirs(directory, exist_ok=True)
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(5, 7), torch.nn.ReLU(), torch.nn.Linear(7, 3)).double()
    x = torch.randn(4, 5, dtype=torch.float64)
    save_file(model.state_dict(), os.path.join(directory, "torch_sequential.safetensors"))
    with torch.no_grad():
        save_file({"input": x, "output": model(x)}, os.path.join(directory, "torch_sequential_io.safetensors"))


def main():
    make_state_dict_fixture()
    if os.path.isdir(OUT):
        shutil.rmtree(OUT)
    count = 0
    for entry in cases():
        name, module_name, args, make_inputs, random_grad, train = entry[:6]
        tensor_args = entry[6] if len(entry) > 6 else {}
        prepare = entry[7] if len(entry) > 7 else None  # sets parameters and buffers after construction
        for dtype, suffix in [(torch.float64, "f64"), (torch.float32, "f32")]:
            torch.manual_seed(sum(map(ord, name + suffix)) * 7919 % 2**31)  # stable across runs
            made_tensor_args = {k: f(dtype) for k, f in tensor_args.items()}
            module = construct(module_name, args, made_tensor_args).to(dtype)
            if prepare is not None:
                with torch.no_grad():
                    prepare(module)
            inputs = make_inputs(dtype)
            grad_output = None
            if random_grad:
                with torch.no_grad():  # on a copy: a training forward would update buffers
                    shape = copy.deepcopy(module)(*inputs.values()).shape
                grad_output = torch.randn(shape, dtype=dtype)
            write_case(f"{name}_{suffix}", module_name, args, module, inputs, train, grad_output)
            count += 1
    count += reference_cases_recurrent.write_cases(OUT)  # several outputs, optional states: written by the area script
    count += reference_cases_attention.write_cases(OUT)  # several inputs and outputs, masks: likewise
    count += reference_cases_transformer.write_cases(OUT)  # layer stacks described by nested args
    count += reference_cases_losses.write_cases(OUT)  # SoftMarginLoss: its target is not differentiable
    print(f"wrote {count} cases to {os.path.relpath(OUT)}")


if __name__ == "__main__":
    main()
