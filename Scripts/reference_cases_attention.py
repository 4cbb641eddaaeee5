"""Reference cases for MultiheadAttention, TransformerEncoderLayer and TransformerDecoderLayer
(imported by make_reference_fixtures.py, which calls `write_cases`).

Inputs by the contract's names (query/key/value, src, tgt/memory) and optional masks: BOOL (true
hides a key) or additive floats. MultiheadAttention's forward arguments `need_weights`,
`average_attn_weights` and `is_causal` are given in args. Outputs: `output` (and `attn_weights`
with need_weights); gradients are those of the sum of (out * grad_<out>).sum() over the outputs,
with random grad_output / grad_attn_weights in the inputs file. Dropout is 0 (or the case runs
in eval mode). The `contract_*` cases give only grad_output: attn_weights is then not
differentiated (the contract's rule for outputs without a seed).
"""
import json
import os

import torch
from safetensors.torch import save_file

nn = torch.nn
FORWARD_ARGS = ("need_weights", "average_attn_weights", "is_causal")


def randomize(module):
    """Parameters from N(0, 0.5²) (biases and layer norms included, so that none is trivial)."""
    with torch.no_grad():
        for p in module.parameters():
            p.normal_(0, 0.5)


def bool_mask(*shape, every=3):
    m = torch.zeros(*shape, dtype=torch.bool)
    m.view(-1)[1::every] = True
    return m


def causal(n, dtype):
    return torch.triu(torch.full((n, n), float("-inf"), dtype=dtype), diagonal=1)


def cases():
    """(name, module, args, train, make_inputs(dtype) -> dict)."""
    out = []

    def add(name, module, args, make, train=False):
        out.append((name, module, args, train, make))

    r = lambda *s, d: torch.randn(*s, dtype=d)
    # MultiheadAttention: self and cross, batch_first both ways, unbatched, kdim/vdim, masks, weights.
    add("mha_self_weights", "MultiheadAttention", {"embed_dim": 6, "num_heads": 2},
        lambda d: (lambda x: {"query": x, "key": x, "value": x})(r(4, 2, 6, d=d)))
    add("mha_cross_batch_first_no_weights", "MultiheadAttention",
        {"embed_dim": 8, "num_heads": 4, "batch_first": True, "need_weights": False},
        lambda d: {"query": r(2, 3, 8, d=d), "key": r(2, 5, 8, d=d), "value": r(2, 5, 8, d=d)})
    add("mha_kdim_vdim_heads_weights", "MultiheadAttention",
        {"embed_dim": 4, "num_heads": 2, "kdim": 3, "vdim": 5, "average_attn_weights": False},
        lambda d: {"query": r(3, 2, 4, d=d), "key": r(5, 2, 3, d=d), "value": r(5, 2, 5, d=d)})
    add("mha_bool_masks", "MultiheadAttention", {"embed_dim": 6, "num_heads": 3, "batch_first": True},
        lambda d: {"query": r(2, 4, 6, d=d), "key": r(2, 5, 6, d=d), "value": r(2, 5, 6, d=d),
                   "attn_mask": bool_mask(4, 5, every=4), "key_padding_mask": torch.tensor([[False] * 5, [False, False, False, True, True]])})
    add("mha_float_mask_per_head_nobias", "MultiheadAttention", {"embed_dim": 4, "num_heads": 2, "bias": False},
        lambda d: {"query": r(3, 2, 4, d=d), "key": r(3, 2, 4, d=d), "value": r(3, 2, 4, d=d),
                   "attn_mask": r(4, 3, 3, d=d)})
    add("mha_unbatched_causal", "MultiheadAttention", {"embed_dim": 4, "num_heads": 1, "need_weights": False, "is_causal": True},
        lambda d: (lambda x: {"query": x, "key": x, "value": x, "attn_mask": causal(5, d)})(r(5, 4, d=d)))
    add("contract_mha_weights_unseeded", "MultiheadAttention", {"embed_dim": 6, "num_heads": 2, "average_attn_weights": False},
        lambda d: {"query": r(3, 2, 6, d=d), "key": r(4, 2, 6, d=d), "value": r(4, 2, 6, d=d)})
    # Encoder layer: post-norm relu, pre-norm gelu, masks, batch_first.
    add("encoder_layer_relu", "TransformerEncoderLayer", {"d_model": 6, "nhead": 2, "dim_feedforward": 8},
        lambda d: {"src": r(4, 2, 6, d=d)})
    add("encoder_layer_gelu_norm_first_masks", "TransformerEncoderLayer",
        {"d_model": 4, "nhead": 2, "dim_feedforward": 6, "activation": "gelu", "norm_first": True, "batch_first": True, "dropout": 0.0},
        lambda d: {"src": r(2, 5, 4, d=d), "src_mask": causal(5, d),
                   "src_key_padding_mask": torch.tensor([[False] * 5, [False, False, False, False, True]])}, True)
    # Decoder layer: post-norm relu with a causal target, pre-norm gelu with memory masks.
    add("decoder_layer_relu_causal", "TransformerDecoderLayer", {"d_model": 6, "nhead": 3, "dim_feedforward": 8},
        lambda d: {"tgt": r(4, 2, 6, d=d), "memory": r(5, 2, 6, d=d), "tgt_mask": causal(4, d)})
    add("decoder_layer_gelu_norm_first_masks", "TransformerDecoderLayer",
        {"d_model": 4, "nhead": 2, "dim_feedforward": 5, "activation": "gelu", "norm_first": True, "batch_first": True},
        lambda d: {"tgt": r(2, 3, 4, d=d), "memory": r(2, 4, 4, d=d), "memory_mask": bool_mask(3, 4, every=5),
                   "tgt_key_padding_mask": torch.tensor([[False, False, True], [False] * 3]),
                   "memory_key_padding_mask": torch.tensor([[False] * 4, [False, True, False, False]])})
    return out


def run(module_name, args, module, inputs, seeds=True):
    floats = {k: v.clone().requires_grad_(True) for k, v in inputs.items() if v.is_floating_point() and not k.endswith("mask")}
    value = lambda k: floats.get(k, inputs.get(k))
    forward = {k: args[k] for k in FORWARD_ARGS if k in args}
    if module_name == "MultiheadAttention":
        result, weights = module(value("query"), value("key"), value("value"), key_padding_mask=inputs.get("key_padding_mask"),
                                 attn_mask=inputs.get("attn_mask"), **forward)
        outputs = {"output": result} if weights is None else {"output": result, "attn_weights": weights}
    elif module_name == "TransformerEncoderLayer":
        outputs = {"output": module(value("src"), src_mask=inputs.get("src_mask"),
                                    src_key_padding_mask=inputs.get("src_key_padding_mask"))}
    else:
        outputs = {"output": module(value("tgt"), value("memory"), tgt_mask=inputs.get("tgt_mask"),
                                    memory_mask=inputs.get("memory_mask"),
                                    tgt_key_padding_mask=inputs.get("tgt_key_padding_mask"),
                                    memory_key_padding_mask=inputs.get("memory_key_padding_mask"))}
    grads = {k: torch.randn_like(v) for k, v in outputs.items() if seeds or k == "output"}
    total = sum((outputs[k] * grads[k]).sum() for k in grads)
    params = list(module.named_parameters())
    wrt = list(floats.values()) + [p for _, p in params]
    values = torch.autograd.grad(total, wrt, allow_unused=True)
    expected = {k: v.detach() for k, v in outputs.items()}
    names = [f"grad.{k}" for k in floats] + [f"grad.{n}" for n, _ in params]
    expected.update({n: (torch.zeros_like(t) if g is None else g).detach() for n, g, t in zip(names, values, wrt)})
    for k, g in grads.items():
        inputs["grad_output" if k == "output" else f"grad_{k}"] = g
    return expected


def write_cases(out_dir):
    """Writes every case in F64 and F32 under out_dir; returns the number written."""
    count = 0
    for name, module_name, args, train, make in cases():
        for dtype, suffix in [(torch.float64, "f64"), (torch.float32, "f32")]:
            torch.manual_seed(sum(map(ord, name + suffix)) * 7919 % 2**31)  # stable across runs
            constructor = {k: v for k, v in args.items() if k not in FORWARD_ARGS}
            module = getattr(nn, module_name)(**constructor).to(dtype)
            randomize(module)
            module.train(train)
            inputs = make(dtype)
            expected = run(module_name, args, module, inputs, seeds=not name.startswith("contract_"))
            directory = os.path.join(out_dir, f"{name}_{suffix}")
            os.makedirs(directory, exist_ok=True)
            with open(os.path.join(directory, "case.json"), "w") as f:
                json.dump({"module": module_name, "args": args, "train": train}, f, sort_keys=True)
                f.write("\n")
            contiguous = lambda d: {k: v.detach().clone().contiguous() for k, v in d.items()}
            save_file(contiguous(module.state_dict()), os.path.join(directory, "weights.safetensors"))
            save_file(contiguous(inputs), os.path.join(directory, "inputs.safetensors"))
            save_file(contiguous(expected), os.path.join(directory, "expected.safetensors"))
            count += 1
    return count
