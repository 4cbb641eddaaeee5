#!/usr/bin/env python3
"""Generates the PyTorch parity fixtures for Glassbox's nn layer (losses, Linear, optimizers,
LR schedules, gradient clipping) as small float64 JSON files in Tests/GlassboxTests/Fixtures/nn/.

Run from the repository root:
    /work/main/.venv-torch/bin/python Scripts/make_nn_fixtures.py
The Swift tests (Tests/GlassboxTests/ParityTests.swift) only read the JSON; they never need Python.
"""
import json
import math
import os

import torch
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "GlassboxTests", "Fixtures", "nn")


def enc(t):
    t = t.detach().to(torch.float64)
    return {"shape": list(t.shape), "data": [float(v) for v in t.reshape(-1).tolist()]}


def enc_index(t):
    return {"shape": list(t.shape), "data": [int(v) for v in t.reshape(-1).tolist()]}


def write(name, payload):
    os.makedirs(OUT, exist_ok=True)
    path = os.path.join(OUT, name)
    with open(path, "w") as f:
        json.dump({"torch": torch.__version__, "cases": payload}, f, separators=(",", ":"))
    print(f"wrote {path} ({os.path.getsize(path)} bytes, {len(payload)} cases)")


def losses():
    g = torch.Generator().manual_seed(0)
    cases = []

    def case(name, fn, args, x, target, target_is_index=False, extra=None):
        x = x.clone().requires_grad_(True)
        t = target if target_is_index else target.clone().requires_grad_(fn in ("mse", "l1", "bce", "bce_logits", "huber", "smooth_l1"))
        kwargs = dict(args)
        for key in ("weight", "pos_weight"):
            if key in kwargs:
                kwargs[key] = torch.tensor(kwargs[key])
        out = {
            "mse": lambda: F.mse_loss(x, t, **kwargs),
            "l1": lambda: F.l1_loss(x, t, **kwargs),
            "huber": lambda: F.huber_loss(x, t, **kwargs),
            "smooth_l1": lambda: F.smooth_l1_loss(x, t, **kwargs),
            "cross_entropy": lambda: F.cross_entropy(x, t, **kwargs),
            "nll": lambda: F.nll_loss(x, t, **kwargs),
            "bce": lambda: F.binary_cross_entropy(x, t, **kwargs),
            "bce_logits": lambda: F.binary_cross_entropy_with_logits(x, t, **kwargs),
        }[fn]()
        grad_output = torch.rand(out.shape, generator=g) + 0.5
        out.backward(grad_output)
        c = {"name": name, "fn": fn, "args": args, "input": enc(x), "output": enc(out),
             "grad_output": enc(grad_output), "grad_input": enc(x.grad)}
        if target_is_index:
            c["target_index"] = enc_index(t)
        else:
            c["target"] = enc(t)
            if t.requires_grad:
                c["grad_target"] = enc(t.grad)
        cases.append(c)

    for r in ("mean", "sum", "none"):
        x = torch.randn(3, 4, generator=g)
        y = torch.randn(3, 4, generator=g)
        case(f"mse/{r}", "mse", {"reduction": r}, x, y)
        case(f"l1/{r}", "l1", {"reduction": r}, x, y)
        case(f"huber/{r}", "huber", {"reduction": r, "delta": 0.8}, x * 2, y)
        case(f"smooth_l1/{r}", "smooth_l1", {"reduction": r, "beta": 0.6}, x * 2, y)

        logits = torch.randn(5, 4, generator=g) * 2
        target = torch.tensor([1, 0, 3, 3, 2])
        with_ignore = torch.tensor([1, -100, 3, 3, -100])
        weight = [0.3, 1.2, 2.0, 0.7]
        case(f"cross_entropy/{r}", "cross_entropy", {"reduction": r}, logits, target, True)
        case(f"cross_entropy/weight/{r}", "cross_entropy", {"reduction": r, "weight": weight}, logits, target, True)
        case(f"cross_entropy/ignore/{r}", "cross_entropy", {"reduction": r}, logits, with_ignore, True)
        case(f"cross_entropy/smoothing/{r}", "cross_entropy", {"reduction": r, "label_smoothing": 0.15}, logits, target, True)
        case(f"cross_entropy/weight-ignore-smoothing/{r}", "cross_entropy",
             {"reduction": r, "weight": weight, "ignore_index": 3, "label_smoothing": 0.2}, logits, target, True)
        spatial = torch.randn(2, 3, 2, 2, generator=g)
        spatial_target = torch.tensor([[[0, 2], [-100, 1]], [[1, 1], [2, -100]]])
        case(f"cross_entropy/spatial-ignore-smoothing/{r}", "cross_entropy",
             {"reduction": r, "label_smoothing": 0.1, "weight": [1.0, 0.5, 2.0]}, spatial, spatial_target, True)
        probabilities = torch.softmax(torch.randn(5, 4, generator=g), dim=1)
        case(f"cross_entropy/probabilities/{r}", "cross_entropy", {"reduction": r, "label_smoothing": 0.1, "weight": weight},
             logits, probabilities)
        case(f"nll/weight-ignore/{r}", "nll", {"reduction": r, "weight": weight},
             torch.log_softmax(logits, dim=1), with_ignore, True)

        p = torch.rand(3, 4, generator=g) * 0.9 + 0.05
        t = torch.rand(3, 4, generator=g)
        case(f"bce/{r}", "bce", {"reduction": r}, p, t)
        case(f"bce/weight/{r}", "bce", {"reduction": r, "weight": [1.0, 0.5, 2.0, 1.5]}, p, t)
        z = torch.randn(3, 4, generator=g) * 3
        case(f"bce_logits/{r}", "bce_logits", {"reduction": r}, z, t)
        case(f"bce_logits/weight-pos_weight/{r}", "bce_logits",
             {"reduction": r, "weight": [1.0, 0.5, 2.0, 1.5], "pos_weight": [2.0, 0.5, 1.0, 3.0]}, z, t)
    # Unbatched input, and the default (mean) reduction with every target ignored but one.
    case("cross_entropy/unbatched", "cross_entropy", {"label_smoothing": 0.2}, torch.randn(6, generator=g), torch.tensor(4), True)
    write("losses.json", cases)


def linear():
    g = torch.Generator().manual_seed(1)
    cases = []
    for name, shape, bias in (("3d", (2, 3, 4), True), ("2d-no-bias", (5, 4), False), ("1d", (4,), True)):
        layer = torch.nn.Linear(4, 3, bias=bias)
        with torch.no_grad():
            layer.weight.copy_(torch.randn(3, 4, generator=g))
            if bias:
                layer.bias.copy_(torch.randn(3, generator=g))
        x = torch.randn(*shape, generator=g, requires_grad=True)
        y = layer(x)
        grad_output = torch.randn(y.shape, generator=g)
        y.backward(grad_output)
        c = {"name": name, "input": enc(x), "weight": enc(layer.weight), "output": enc(y),
             "grad_output": enc(grad_output), "grad_input": enc(x.grad), "grad_weight": enc(layer.weight.grad),
             "state_dict": list(layer.state_dict().keys())}
        if bias:
            c["bias"] = enc(layer.bias)
            c["grad_bias"] = enc(layer.bias.grad)
        cases.append(c)
    write("linear.json", cases)


def optimizers():
    g = torch.Generator().manual_seed(2)
    start = [torch.randn(2, 3, generator=g), torch.randn(3, generator=g)]
    steps = 6
    grads = [[torch.randn(2, 3, generator=g), torch.randn(3, generator=g)] for _ in range(steps)]
    grads[2][1] = None  # parameter 1 has no gradient at step 2: it must be skipped (its step count too)
    configs = [
        ("SGD", {"lr": 0.1}),
        ("SGD", {"lr": 0.1, "momentum": 0.9, "dampening": 0.1, "weight_decay": 0.01}),
        ("SGD", {"lr": 0.05, "momentum": 0.8, "nesterov": True, "weight_decay": 0.05}),
        ("SGD", {"lr": 0.05, "momentum": 0.5, "maximize": True}),
        ("Adam", {"lr": 0.01}),
        ("Adam", {"lr": 0.02, "betas": [0.8, 0.99], "eps": 1e-6, "weight_decay": 0.1, "amsgrad": True}),
        ("AdamW", {"lr": 0.01}),
        ("AdamW", {"lr": 0.03, "weight_decay": 0.1, "amsgrad": True}),
        ("RMSprop", {}),
        ("RMSprop", {"lr": 0.01, "alpha": 0.9, "eps": 1e-6, "weight_decay": 0.01, "momentum": 0.5, "centered": True}),
        ("RMSprop", {"lr": 0.02, "centered": True}),
    ]
    cases = []
    for name, args in configs:
        params = [p.clone().requires_grad_(True) for p in start]
        kwargs = dict(args)
        if "betas" in kwargs:
            kwargs["betas"] = tuple(kwargs["betas"])
        opt = getattr(torch.optim, name)(params, foreach=False, **kwargs)
        trajectory = []
        for k in range(steps):
            for p, gr in zip(params, grads[k]):
                p.grad = None if gr is None else gr.clone()
            opt.step()
            trajectory.append([enc(p) for p in params])
        state = {}
        for i, p in enumerate(params):
            for key, value in opt.state[p].items():
                state[f"state.{i}.{key}"] = enc(value if isinstance(value, torch.Tensor) else torch.tensor(float(value)))
        cases.append({"name": f"{name} {json.dumps(args, sort_keys=True)}", "optimizer": name, "args": args,
                      "start": [enc(p) for p in start],
                      "grads": [[None if gr is None else enc(gr) for gr in step] for step in grads],
                      "params_after_step": trajectory, "state": state})
    write("optimizers.json", cases)


def schedulers():
    from torch.optim import lr_scheduler as S

    def run(name, make, steps, lr=0.1):
        p = torch.zeros(1, requires_grad=True)
        opt = torch.optim.SGD([p], lr=lr)
        sched = make(opt)
        lrs = [sched.get_last_lr()[0]]
        for _ in range(steps):
            opt.step()
            sched.step()
            lrs.append(sched.get_last_lr()[0])
        return {"name": name, "lr": lr, "lrs": lrs}

    cases = [
        run("StepLR", lambda o: S.StepLR(o, step_size=3, gamma=0.5), 12),
        run("CosineAnnealingLR", lambda o: S.CosineAnnealingLR(o, T_max=10, eta_min=0.001), 15),
        run("LinearLR", lambda o: S.LinearLR(o, start_factor=0.25, total_iters=4), 8),
        run("LambdaLR", lambda o: S.LambdaLR(o, lambda e: 0.95 ** e), 8),
        run("SequentialLR", lambda o: S.SequentialLR(
            o, [S.LinearLR(o, start_factor=0.1, total_iters=3), S.CosineAnnealingLR(o, T_max=7)], milestones=[3]), 10),
    ]
    write("schedulers.json", cases)


def clipping():
    g = torch.Generator().manual_seed(3)
    grads = [torch.randn(2, 3, generator=g), torch.randn(4, generator=g) * 3]
    cases = []
    for max_norm, norm_type in ((1.0, 2.0), (100.0, 2.0), (0.5, math.inf), (0.3, 1.0), (0.5, 3.0)):
        params = [torch.zeros_like(gr, requires_grad=True) for gr in grads]
        for p, gr in zip(params, grads):
            p.grad = gr.clone()
        total = torch.nn.utils.clip_grad_norm_(params, max_norm, norm_type=norm_type)
        cases.append({"name": f"max_norm={max_norm} norm_type={norm_type}", "max_norm": max_norm,
                      "norm_type": "inf" if math.isinf(norm_type) else norm_type,
                      "grads": [enc(gr) for gr in grads], "total_norm": float(total),
                      "clipped": [enc(p.grad) for p in params]})
    params = [torch.zeros_like(gr, requires_grad=True) for gr in grads]
    for p, gr in zip(params, grads):
        p.grad = gr.clone()
    torch.nn.utils.clip_grad_value_(params, 0.7)
    cases.append({"name": "clip_grad_value 0.7", "clip_value": 0.7, "grads": [enc(gr) for gr in grads],
                  "clipped": [enc(p.grad) for p in params]})
    write("clipping.json", cases)


if __name__ == "__main__":
    losses()
    linear()
    optimizers()
    schedulers()
    clipping()
