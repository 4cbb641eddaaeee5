"""Reference cases for TransformerEncoder, TransformerDecoder and Transformer (imported by
make_reference_fixtures.py, which calls `write_cases`).

A stack's `args` describe its layer as an object: {"encoder_layer": {<TransformerEncoderLayer
args>}, "num_layers": N, "norm": null or {<LayerNorm args>}} ("decoder_layer" for the decoder);
Transformer takes its own keywords. Inputs by PyTorch's forward names: src, mask,
src_key_padding_mask (encoder); tgt, memory, tgt_mask, memory_mask, tgt_key_padding_mask,
memory_key_padding_mask (decoder); src, tgt, src_mask, … (Transformer). Gradients are those of
(output * grad_output).sum() with a random grad_output.
"""
import json
import os

import torch
from safetensors.torch import save_file

from reference_cases_attention import bool_mask, causal, randomize

nn = torch.nn


def cases():
    """(name, module, args, train, make_inputs(dtype) -> dict)."""
    out = []

    def add(name, module, args, make, train=False):
        out.append((name, module, args, train, make))

    r = lambda *s, d: torch.randn(*s, dtype=d)
    add("transformer_encoder_2_norm", "TransformerEncoder",
        {"encoder_layer": {"d_model": 4, "nhead": 2, "dim_feedforward": 6}, "num_layers": 2, "norm": {"normalized_shape": 4}},
        lambda d: {"src": r(5, 2, 4, d=d)})
    add("transformer_encoder_3_gelu_norm_first_masks", "TransformerEncoder",
        {"encoder_layer": {"d_model": 6, "nhead": 3, "dim_feedforward": 5, "activation": "gelu", "norm_first": True,
                           "batch_first": True, "dropout": 0.0},
         "num_layers": 3, "norm": None, "enable_nested_tensor": False},
        lambda d: {"src": r(2, 4, 6, d=d), "mask": bool_mask(4, 4, every=5),
                   "src_key_padding_mask": torch.tensor([[False] * 4, [False, False, True, True]])}, True)
    add("transformer_decoder_2_norm_causal", "TransformerDecoder",
        {"decoder_layer": {"d_model": 4, "nhead": 2, "dim_feedforward": 6}, "num_layers": 2,
         "norm": {"normalized_shape": [4], "eps": 1e-6}},
        lambda d: {"tgt": r(3, 2, 4, d=d), "memory": r(5, 2, 4, d=d), "tgt_mask": causal(3, d)})
    add("transformer_decoder_nobias_norm_first_masks", "TransformerDecoder",
        {"decoder_layer": {"d_model": 4, "nhead": 1, "dim_feedforward": 3, "batch_first": True, "bias": False, "norm_first": True},
         "num_layers": 2, "norm": {"normalized_shape": 4, "bias": False}},
        lambda d: {"tgt": r(2, 3, 4, d=d), "memory": r(2, 4, 4, d=d), "memory_mask": bool_mask(3, 4, every=5),
                   "tgt_key_padding_mask": torch.tensor([[False, False, True], [False] * 3]),
                   "memory_key_padding_mask": torch.tensor([[False] * 4, [False, True, False, False]])})
    add("transformer_2_1_causal", "Transformer",
        {"d_model": 4, "nhead": 2, "num_encoder_layers": 2, "num_decoder_layers": 1, "dim_feedforward": 6},
        lambda d: {"src": r(5, 2, 4, d=d), "tgt": r(3, 2, 4, d=d), "tgt_mask": causal(3, d)})
    add("transformer_batch_first_gelu_norm_first_masks", "Transformer",
        {"d_model": 6, "nhead": 2, "num_encoder_layers": 1, "num_decoder_layers": 2, "dim_feedforward": 4, "activation": "gelu",
         "batch_first": True, "norm_first": True, "dropout": 0.0, "layer_norm_eps": 1e-4},
        lambda d: {"src": r(2, 4, 6, d=d), "tgt": r(2, 3, 6, d=d), "tgt_mask": causal(3, d),
                   "src_key_padding_mask": torch.tensor([[False] * 4, [False, False, False, True]]),
                   "memory_key_padding_mask": torch.tensor([[False] * 4, [False, False, False, True]])}, True)
    return out


def construct(module_name, args):
    if module_name == "Transformer":
        return nn.Transformer(**args)
    key = "encoder_layer" if module_name == "TransformerEncoder" else "decoder_layer"
    layer = (nn.TransformerEncoderLayer if key == "encoder_layer" else nn.TransformerDecoderLayer)(**args[key])
    norm = nn.LayerNorm(**args["norm"]) if args.get("norm") else None
    rest = {k: v for k, v in args.items() if k not in (key, "norm")}
    return getattr(nn, module_name)(layer, norm=norm, **rest)


def run(module_name, module, inputs):
    floats = {k: v.clone().requires_grad_(True) for k, v in inputs.items() if v.is_floating_point() and not k.endswith("mask")}
    value = lambda k: floats.get(k, inputs.get(k))
    masks = {k: v for k, v in inputs.items() if k.endswith("mask")}
    if module_name == "TransformerEncoder":
        output = module(value("src"), **masks)
    elif module_name == "TransformerDecoder":
        output = module(value("tgt"), value("memory"), **masks)
    else:
        output = module(value("src"), value("tgt"), **masks)
    grad = torch.randn_like(output)
    params = list(module.named_parameters())
    wrt = list(floats.values()) + [p for _, p in params]
    values = torch.autograd.grad(output, wrt, grad_outputs=grad, allow_unused=True)
    expected = {"output": output.detach()}
    names = [f"grad.{k}" for k in floats] + [f"grad.{n}" for n, _ in params]
    expected.update({n: (torch.zeros_like(t) if g is None else g).detach() for n, g, t in zip(names, values, wrt)})
    inputs["grad_output"] = grad
    return expected


def write_cases(out_dir):
    """Writes every case in F64 and F32 under out_dir; returns the number written."""
    count = 0
    for name, module_name, args, train, make in cases():
        for dtype, suffix in [(torch.float64, "f64"), (torch.float32, "f32")]:
            torch.manual_seed(sum(map(ord, name + suffix)) * 7919 % 2**31)  # stable across runs
            module = construct(module_name, args).to(dtype)
            randomize(module)
            module.train(train)
            inputs = make(dtype)
            expected = run(module_name, module, inputs)
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
