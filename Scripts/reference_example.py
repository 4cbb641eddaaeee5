#!/usr/bin/env python3
"""The worked example of Docs/Reference.md: writes one reference case for torch.nn.Linear
(case.json, weights.safetensors, inputs.safetensors) and PyTorch's own results
(torch.safetensors) into DIR, for `glassbox reference` and `glassbox compare`.

Usage: python Scripts/reference_example.py DIR
"""
import json
import os
import sys

import torch
from safetensors.torch import save_file

directory = sys.argv[1]
os.makedirs(directory, exist_ok=True)
torch.manual_seed(0)

args = {"in_features": 6, "out_features": 4, "bias": True}
module = torch.nn.Linear(**args).double()
x = torch.randn(3, 6, dtype=torch.float64, requires_grad=True)
grad_output = torch.randn(3, 4, dtype=torch.float64)

with open(os.path.join(directory, "case.json"), "w") as f:
    json.dump({"module": "Linear", "args": args, "train": False}, f)
save_file(module.state_dict(), os.path.join(directory, "weights.safetensors"))
save_file({"input": x.detach(), "grad_output": grad_output}, os.path.join(directory, "inputs.safetensors"))

# PyTorch's own answer, under the names `glassbox reference` writes.
output = module(x)
grads = torch.autograd.grad(output, [x, module.weight, module.bias], grad_outputs=grad_output)
save_file(
    {"output": output.detach(), "grad.input": grads[0], "grad.weight": grads[1], "grad.bias": grads[2]},
    os.path.join(directory, "torch.safetensors"),
)
print("wrote", ", ".join(sorted(os.listdir(directory))))
