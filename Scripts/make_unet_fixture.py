#!/usr/bin/env python3
"""Writes the PyTorch parity fixture of Glassbox's DDPM U-Net (Sources/Glassbox/Models/UNet.swift).

The same network, written here in PyTorch with the same attribute names, base channels 8 and
attention at 7x7, in float64 with PyTorch's default initialisation (seed 0). Written to
Tests/Fixtures/ddpm/:
  unet_state.safetensors  the state_dict, as PyTorch names and lays it out
  unet_io.safetensors     x [2, 1, 28, 28], steps [2] (as float64), weights w of the output,
                          output = unet(x, steps), and the gradients of sum(output * w) with
                          respect to x and to two parameters.

Usage: .venv-torch/bin/python Scripts/make_unet_fixture.py
"""
import math
import os

import torch
from safetensors.torch import save_file
from torch import nn


def timestep_embedding(steps, dim):
    h = dim // 2
    freqs = torch.exp(-math.log(10000.0) * torch.arange(h, dtype=torch.float64) / (h - 1))
    angles = steps.to(torch.float64)[:, None] * freqs[None, :]
    return torch.cat([torch.sin(angles), torch.cos(angles)], dim=1)


class TimeResidualBlock(nn.Module):
    def __init__(self, cin, cout, tdim, groups):
        super().__init__()
        self.norm1 = nn.GroupNorm(groups, cin)
        self.conv1 = nn.Conv2d(cin, cout, 3, padding=1)
        self.time_proj = nn.Linear(tdim, cout)
        self.norm2 = nn.GroupNorm(groups, cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1)
        self.skip = nn.Conv2d(cin, cout, 1) if cin != cout else None

    def forward(self, x, e):
        h = self.conv1(nn.functional.silu(self.norm1(x)))
        h = h + self.time_proj(nn.functional.silu(e))[:, :, None, None]
        h = self.conv2(nn.functional.silu(self.norm2(h)))
        return h + (self.skip(x) if self.skip is not None else x)


class SpatialSelfAttention(nn.Module):
    def __init__(self, channels, heads, groups):
        super().__init__()
        self.norm = nn.GroupNorm(groups, channels)
        self.attention = nn.MultiheadAttention(channels, heads, batch_first=True)

    def forward(self, x):
        n, c, h, w = x.shape
        tokens = self.norm(x).reshape(n, c, h * w).transpose(1, 2)
        out, _ = self.attention(tokens, tokens, tokens, need_weights=False)
        return x + out.transpose(1, 2).reshape(n, c, h, w)


class UNet(nn.Module):
    def __init__(self, c, attention=True):
        super().__init__()
        t, g = 4 * c, 8
        self.c = c
        self.time_mlp = nn.Sequential(nn.Linear(c, t), nn.SiLU(), nn.Linear(t, t))
        self.conv_in = nn.Conv2d(1, c, 3, padding=1)
        self.down1 = TimeResidualBlock(c, c, t, g)
        self.downsample1 = nn.Conv2d(c, c, 3, stride=2, padding=1)
        self.down2 = TimeResidualBlock(c, 2 * c, t, g)
        self.downsample2 = nn.Conv2d(2 * c, 2 * c, 3, stride=2, padding=1)
        self.mid1 = TimeResidualBlock(2 * c, 2 * c, t, g)
        self.mid_attention = SpatialSelfAttention(2 * c, 4, g) if attention else None
        self.mid2 = TimeResidualBlock(2 * c, 2 * c, t, g)
        self.upsample1 = nn.Sequential(nn.Upsample(scale_factor=2), nn.Conv2d(2 * c, 2 * c, 3, padding=1))
        self.up1 = TimeResidualBlock(4 * c, 2 * c, t, g)
        self.upsample2 = nn.Sequential(nn.Upsample(scale_factor=2), nn.Conv2d(2 * c, c, 3, padding=1))
        self.up2 = TimeResidualBlock(2 * c, c, t, g)
        self.norm_out = nn.GroupNorm(g, c)
        self.conv_out = nn.Conv2d(c, 1, 3, padding=1)

    def forward(self, x, steps):
        e = self.time_mlp(timestep_embedding(steps, self.c))
        s1 = self.down1(self.conv_in(x), e)
        s2 = self.down2(self.downsample1(s1), e)
        h = self.mid1(self.downsample2(s2), e)
        if self.mid_attention is not None:
            h = self.mid_attention(h)
        h = self.mid2(h, e)
        h = self.up1(torch.cat([self.upsample1(h), s2], dim=1), e)
        h = self.up2(torch.cat([self.upsample2(h), s1], dim=1), e)
        return self.conv_out(nn.functional.silu(self.norm_out(h)))


torch.manual_seed(0)
unet = UNet(8).double()
x = torch.randn(2, 1, 28, 28, dtype=torch.float64, requires_grad=True)
steps = torch.tensor([3, 700])
w = torch.rand(2, 1, 28, 28, dtype=torch.float64) + 0.5
output = unet(x, steps)
(output * w).sum().backward()
directory = os.path.join(os.path.dirname(__file__), "..", "Tests", "Fixtures", "ddpm")
os.makedirs(directory, exist_ok=True)
save_file({k: v.contiguous() for k, v in unet.state_dict().items()}, os.path.join(directory, "unet_state.safetensors"))
save_file(
    {
        "x": x.detach(),
        "steps": steps.to(torch.float64),
        "w": w,
        "output": output.detach(),
        "grad_x": x.grad,
        "grad_time_mlp.0.weight": unet.time_mlp[0].weight.grad,
        "grad_mid_attention.attention.in_proj_weight": unet.mid_attention.attention.in_proj_weight.grad,
    },
    os.path.join(directory, "unet_io.safetensors"),
)
print("parameters:", sum(p.numel() for p in unet.parameters()), "entries:", len(unet.state_dict()))
