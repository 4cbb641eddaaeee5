#!/usr/bin/env python3
"""Checks that a state_dict saved by Glassbox (Module.save(to:)) loads unchanged into PyTorch.

ReferenceTests writes, when GLASSBOX_STATE_DICT_DIR is set, DIR/glassbox_sequential.safetensors
(the state_dict of Sequential(Linear(5, 7), ReLU(), Linear(7, 3)), F64) and
DIR/glassbox_sequential_io.safetensors (input, and Glassbox's output). This script loads the
state_dict into torch.nn.Sequential with strict=True, runs the input and compares outputs.

Usage: python Scripts/check_glassbox_state_dict.py DIR
"""
import os
import sys

import torch
from safetensors.torch import load_file

directory = sys.argv[1]
state = load_file(os.path.join(directory, "glassbox_sequential.safetensors"))
io = load_file(os.path.join(directory, "glassbox_sequential_io.safetensors"))
model = torch.nn.Sequential(torch.nn.Linear(5, 7), torch.nn.ReLU(), torch.nn.Linear(7, 3)).double()
result = model.load_state_dict(state, strict=True)
print("entries:", ", ".join(f"{k} {tuple(v.shape)} {v.dtype}" for k, v in state.items()))
print("load_state_dict(strict=True):", result)
with torch.no_grad():
    output = model(io["input"])
error = (output - io["output"]).abs().max().item()
print(f"max |torch output - glassbox output| = {error:.3e}")
sys.exit(0 if error <= 1e-12 else 1)
