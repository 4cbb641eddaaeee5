#!/usr/bin/env python3
"""Writes the real-model ONNX fixtures: small PyTorch models exported by torch.onnx.export
(PyTorch 2.13, the TorchScript exporter, opset 17), their inputs and PyTorch's outputs.

For each model, Tests/GlassboxONNXTests/Fixtures/<name>/ holds
  model.onnx             the exported graph (float32 initializers)
  inputs.safetensors     the graph inputs by name (F32, or I64 for token ids)
  expected.safetensors   PyTorch's float32 outputs of the source module, by graph output name
and, for the gradients,
  inputs64.safetensors   the same inputs in F64 and `grad_output` (F64)
  expected64.safetensors the outputs in float64 by graph output name and
                         `grad.<name>` for every float graph input and initializer: the gradients
                         of sum(output_0 * grad_output) computed by PyTorch in float64 on the
                         source module (module.double(); its weights are the exported float32
                         values). Where the exporter lays a parameter out differently (the ONNX
                         LSTM's W, R, B), the script rebuilds the module's parameters from the
                         ONNX-layout tensors with differentiable torch ops and lets PyTorch's
                         autograd carry the gradient back to them.

Models are exported in evaluation mode with training=TrainingMode.PRESERVE and without constant
folding, so BatchNorm stays a BatchNormalization node and every parameter stays an initializer of
its own (`conv1.weight`), not folded into another.

The file names follow `glassbox onnx run --inputs X --out Y`, so that a run compares directly:

  glassbox onnx run Tests/GlassboxONNXTests/Fixtures/lstm/model.onnx \
      --inputs Tests/GlassboxONNXTests/Fixtures/lstm/inputs64.safetensors --out /tmp/y.safetensors --grad --dtype f64
  glassbox compare /tmp/y.safetensors Tests/GlassboxONNXTests/Fixtures/lstm/expected64.safetensors --rtol 0 --atol 1e-7

Usage: /path/to/venv/bin/python Scripts/make_onnx_model_fixtures.py
"""
import os

import onnx
import torch
from onnx import numpy_helper
from safetensors.torch import save_file
from torch import nn

OUT = os.path.join(os.path.dirname(__file__), "..", "Tests", "GlassboxONNXTests", "Fixtures")
OPSET = 17


class ResNetCNN(nn.Module):
    """Conv-BN-ReLU stem, one residual block (conv-BN-ReLU-conv-BN + identity, ReLU), max pool,
    global average pool, linear head."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 8, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(8)
        self.conv2 = nn.Conv2d(8, 8, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(8)
        self.conv3 = nn.Conv2d(8, 8, 3, padding=1, bias=False)
        self.bn3 = nn.BatchNorm2d(8)
        self.pool = nn.MaxPool2d(2)
        self.fc = nn.Linear(8, 10)

    def forward(self, x):
        x = torch.relu(self.bn1(self.conv1(x)))
        h = torch.relu(self.bn2(self.conv2(x)))
        x = torch.relu(self.bn3(self.conv3(h)) + x)
        x = self.pool(x)
        x = torch.flatten(nn.functional.adaptive_avg_pool2d(x, 1), 1)
        return self.fc(x)


class DepthwiseSeparable(nn.Module):
    """MobileNet-style block: depthwise 3x3 (stride 2) + BN + ReLU6, pointwise 1x1 + BN +
    Hardswish, average pool."""

    def __init__(self):
        super().__init__()
        self.depthwise = nn.Conv2d(4, 4, 3, stride=2, padding=1, groups=4, bias=False)
        self.bn1 = nn.BatchNorm2d(4)
        self.pointwise = nn.Conv2d(4, 8, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(8)
        self.pool = nn.AvgPool2d(2)

    def forward(self, x):
        x = nn.functional.relu6(self.bn1(self.depthwise(x)))
        x = nn.functional.hardswish(self.bn2(self.pointwise(x)))
        return self.pool(x)


class SmallUNet(nn.Module):
    """Two levels: conv-GroupNorm-ReLU, max pool, conv, ConvTranspose up, skip concat, bilinear
    Resize, output conv."""

    def __init__(self):
        super().__init__()
        self.enc = nn.Conv2d(2, 8, 3, padding=1)
        self.norm1 = nn.GroupNorm(2, 8)
        self.down = nn.MaxPool2d(2)
        self.mid = nn.Conv2d(8, 16, 3, padding=1)
        self.norm2 = nn.GroupNorm(4, 16)
        self.up = nn.ConvTranspose2d(16, 8, 2, stride=2)
        self.dec = nn.Conv2d(16, 4, 3, padding=1)
        self.resize = nn.Upsample(scale_factor=2, mode="bilinear", align_corners=False)
        self.out = nn.Conv2d(4, 1, 1)

    def forward(self, x):
        e = torch.relu(self.norm1(self.enc(x)))
        m = torch.relu(self.norm2(self.mid(self.down(e))))
        d = torch.relu(self.dec(torch.cat([self.up(m), e], dim=1)))
        return self.out(self.resize(d))


class GPTBlock(nn.Module):
    """Token and position embeddings, one pre-LayerNorm transformer block with causal
    self-attention (tril mask, masked_fill with -inf), a GELU MLP, final LayerNorm and head."""

    def __init__(self, vocab=16, d=16, heads=2, block=8):
        super().__init__()
        self.heads = heads
        self.wte = nn.Embedding(vocab, d)
        self.wpe = nn.Embedding(block, d)
        self.ln1 = nn.LayerNorm(d)
        self.qkv = nn.Linear(d, 3 * d)
        self.proj = nn.Linear(d, d)
        self.ln2 = nn.LayerNorm(d)
        self.fc = nn.Linear(d, 4 * d)
        self.fc_out = nn.Linear(4 * d, d)
        self.ln_f = nn.LayerNorm(d)
        self.head = nn.Linear(d, vocab, bias=False)
        self.register_buffer("mask", torch.tril(torch.ones(block, block)))

    def forward(self, ids):
        b, t = ids.shape
        pos = torch.arange(t, dtype=torch.long)
        x = self.wte(ids) + self.wpe(pos)
        h = self.ln1(x)
        q, k, v = self.qkv(h).split(h.shape[-1], dim=2)
        dh = h.shape[-1] // self.heads
        q = q.view(b, t, self.heads, dh).transpose(1, 2)
        k = k.view(b, t, self.heads, dh).transpose(1, 2)
        v = v.view(b, t, self.heads, dh).transpose(1, 2)
        att = (q @ k.transpose(-2, -1)) / dh**0.5
        att = att.masked_fill(self.mask[:t, :t] == 0, float("-inf"))
        y = torch.softmax(att, dim=-1) @ v
        x = x + self.proj(y.transpose(1, 2).reshape(b, t, -1))
        x = x + self.fc_out(nn.functional.gelu(self.fc(self.ln2(x))))
        return self.head(self.ln_f(x))


class TwoLayerLSTM(nn.Module):
    """nn.LSTM(4, 6, num_layers=2, batch_first=True); outputs (output, h_n)."""

    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(4, 6, num_layers=2, batch_first=True)

    def forward(self, x):
        y, (h, _) = self.lstm(x)
        return y, h


class BiGRU(nn.Module):
    """nn.GRU(4, 5, bidirectional=True, batch_first=True); outputs (output, h_n)."""

    def __init__(self):
        super().__init__()
        self.gru = nn.GRU(4, 5, bidirectional=True, batch_first=True)

    def forward(self, x):
        y, h = self.gru(x)
        return y, h


class Encoder(nn.Module):
    """nn.TransformerEncoder of two post-norm layers (d_model 16, 2 heads, feed-forward 32,
    ReLU, no dropout, batch_first)."""

    def __init__(self):
        super().__init__()
        layer = nn.TransformerEncoderLayer(16, 2, dim_feedforward=32, dropout=0.0, batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, num_layers=2, enable_nested_tensor=False)
        # The layers start as copies of one layer: make them differ, or the exporter would share
        # their equal initializers between the two layers.
        with torch.no_grad():
            for p in self.encoder.parameters():
                p.add_(torch.randn_like(p) * 0.1)

    def forward(self, src):
        return self.encoder(src)


def evaluation_batch_norm(x, running_mean, running_var, weight=None, bias=None, training=False,
                          momentum=0.1, eps=1e-5):
    """F.batch_norm in evaluation mode written out, so that autograd also differentiates the
    running statistics (initializers of the ONNX graph; torch's native kernel refuses them)."""
    assert not training
    shape = (1, -1) + (1,) * (x.dim() - 2)
    y = (x - running_mean.reshape(shape)) / torch.sqrt(running_var.reshape(shape) + eps)
    return y * weight.reshape(shape) + bias.reshape(shape)


def randomize_batchnorm(module, generator):
    """Running statistics and affine parameters away from 0 and 1, so the test sees them."""
    for m in module.modules():
        if isinstance(m, (nn.BatchNorm2d, nn.GroupNorm, nn.LayerNorm)):
            with torch.no_grad():
                m.weight.uniform_(0.5, 1.5, generator=generator)
                m.bias.uniform_(-0.5, 0.5, generator=generator)
                if isinstance(m, nn.BatchNorm2d):
                    m.running_mean.uniform_(-0.5, 0.5, generator=generator)
                    m.running_var.uniform_(0.5, 2.0, generator=generator)


def export(name, module, inputs, input_names, output_names):
    directory = os.path.join(OUT, name)
    os.makedirs(directory, exist_ok=True)
    path = os.path.join(directory, "model.onnx")
    torch.onnx.export(
        module, tuple(inputs), path, input_names=input_names, output_names=output_names,
        opset_version=OPSET, dynamo=False, do_constant_folding=False,
        training=torch.onnx.TrainingMode.PRESERVE)
    model = onnx.load(path)
    onnx.checker.check_model(model, full_check=True)
    shared = {i.name for i in model.graph.initializer} ^ {k for k in module.state_dict() if not k.endswith("num_batches_tracked")}
    if shared - {"mask"}:
        print(f"{name}: initializers differ from the state_dict: {sorted(shared)}")
    with torch.no_grad():
        outputs = module(*inputs)
    if isinstance(outputs, torch.Tensor):
        outputs = (outputs,)
    save_file({n: t.contiguous() for n, t in zip(input_names, inputs)}, os.path.join(directory, "inputs.safetensors"))
    save_file({n: o.contiguous() for n, o in zip(output_names, outputs)}, os.path.join(directory, "expected.safetensors"))
    ops = sorted({n.op_type for n in model.graph.node})
    print(f"{name}: {len(model.graph.node)} nodes ({', '.join(ops)}), "
          f"{len(model.graph.initializer)} initializers")
    return model


def write_gradients(name, module, model, inputs, input_names, output_names, initializer_to_params, generator):
    """float64 gradients of sum(output_0 * grad_output) w.r.t. the float graph inputs and every
    float initializer, through the source module."""
    module = module.double()
    leaves = {}
    for init in model.graph.initializer:
        array = numpy_helper.to_array(init)
        if array.dtype.kind == "f":
            leaves[init.name] = torch.tensor(array, dtype=torch.float64, requires_grad=True)
    params = initializer_to_params(leaves)
    xs = [x.double().requires_grad_(True) if x.is_floating_point() else x for x in inputs]
    batch_norm = nn.functional.batch_norm
    nn.functional.batch_norm = evaluation_batch_norm
    try:
        output = torch.func.functional_call(module, params, tuple(xs))
    finally:
        nn.functional.batch_norm = batch_norm
    outputs = (output,) if isinstance(output, torch.Tensor) else output
    grad_output = torch.randn(outputs[0].shape, generator=generator, dtype=torch.float64)
    (outputs[0] * grad_output).sum().backward()
    inputs64 = {"grad_output": grad_output}
    expected = {n: o.detach().contiguous() for n, o in zip(output_names, outputs)}
    for n, x in zip(input_names, xs):
        inputs64[n] = x.detach().contiguous()
        if x.is_floating_point():
            expected["grad." + n] = x.grad.contiguous()
    for n, leaf in leaves.items():
        expected["grad." + n] = (leaf.grad if leaf.grad is not None else torch.zeros_like(leaf)).contiguous()
    save_file(inputs64, os.path.join(OUT, name, "inputs64.safetensors"))
    save_file(expected, os.path.join(OUT, name, "expected64.safetensors"))
    print(f"{name}: f64 gradients of {len(expected) - len(outputs)} tensors")


def same_names(module):
    """Initializers that are the module's own parameters and buffers, by name."""
    state = dict(module.state_dict())

    def build(leaves):
        params = {k: v.double() for k, v in state.items()}
        for k, v in leaves.items():
            if k not in params:
                raise SystemExit(f"initializer {k} is not a parameter of the module")
            params[k] = v
        return params

    return build


def main():
    torch.manual_seed(0)
    generator = torch.Generator().manual_seed(0)

    cnn = ResNetCNN()
    randomize_batchnorm(cnn, generator)
    cnn.eval()
    x = torch.randn(2, 3, 8, 8, generator=generator)
    model = export("cnn", cnn, [x], ["input"], ["output"])
    write_gradients("cnn", cnn, model, [x], ["input"], ["output"], same_names(cnn), generator)

    dw = DepthwiseSeparable()
    randomize_batchnorm(dw, generator)
    dw.eval()
    x = torch.randn(2, 4, 8, 8, generator=generator) * 3
    model = export("depthwise", dw, [x], ["input"], ["output"])
    write_gradients("depthwise", dw, model, [x], ["input"], ["output"], same_names(dw), generator)

    unet = SmallUNet()
    randomize_batchnorm(unet, generator)
    unet.eval()
    x = torch.randn(1, 2, 8, 8, generator=generator)
    model = export("unet", unet, [x], ["input"], ["output"])
    write_gradients("unet", unet, model, [x], ["input"], ["output"], same_names(unet), generator)

    gpt = GPTBlock()
    randomize_batchnorm(gpt, generator)
    gpt.eval()
    ids = torch.randint(0, 16, (2, 5), generator=generator)
    model = export("gpt", gpt, [ids], ["ids"], ["logits"])
    write_gradients("gpt", gpt, model, [ids], ["ids"], ["logits"], same_names(gpt), generator)

    lstm = TwoLayerLSTM().eval()
    x = torch.randn(2, 5, 4, generator=generator)
    model = export("lstm", lstm, [x], ["input"], ["output", "h_n"])
    write_gradients("lstm", lstm, model, [x], ["input"], ["output", "h_n"], same_names(lstm), generator)

    gru = BiGRU().eval()
    x = torch.randn(2, 5, 4, generator=generator)
    model = export("gru", gru, [x], ["input"], ["output", "h_n"])
    write_gradients("gru", gru, model, [x], ["input"], ["output", "h_n"], same_names(gru), generator)

    encoder = Encoder()
    randomize_batchnorm(encoder, generator)
    encoder.eval()
    src = torch.randn(2, 5, 16, generator=generator)
    model = export("encoder", encoder, [src], ["src"], ["output"])
    write_gradients("encoder", encoder, model, [src], ["src"], ["output"], same_names(encoder), generator)


if __name__ == "__main__":
    main()
