"""Reference cases for RNN, LSTM, GRU, the cells and a weight-normalised Linear (imported by
make_reference_fixtures.py, which calls `write_cases`).

These modules return several tensors and take optional states and lengths, so the cases are
written here rather than through `run_case`:
  inputs    input, optional h0 / c0 (hx of a cell), optional lengths (I64: a packed sequence,
            pack_padded_sequence(enforce_sorted=False) + pad_packed_sequence(total_length=T)),
            and random grad_output, grad_h_n, grad_c_n for the outputs
  expected  output, h_n, c_n (layers) or output (h') and c_n (c') for LSTMCell; grad.<input> for
            input, h0, c0; grad.<param> for every parameter — gradients of
            sum((out * grad_<out>).sum()) over the outputs
The `contract_*` cases give only grad_output (no grad_h_n / grad_c_n): their gradients are those
of (output * grad_output).sum() alone, the contract's rule for outputs without a seed.
"""
import json
import os

import torch
from safetensors.torch import save_file

nn = torch.nn


def cases():
    """(name, module name, args, T, B (None: unbatched), with h0/c0, lengths or None)."""
    out = []

    def add(name, module, args, steps, batch, states=False, lengths=None, seeds=True):
        out.append((name, module, args, steps, batch, states, lengths, seeds))

    add("rnn_tanh", "RNN", {"input_size": 3, "hidden_size": 4}, 5, 2)
    add("rnn_relu_h0", "RNN", {"input_size": 3, "hidden_size": 4, "nonlinearity": "relu"}, 4, 3, True)
    add("rnn_2layers_bidirectional_nobias", "RNN",
        {"input_size": 2, "hidden_size": 3, "num_layers": 2, "bidirectional": True, "bias": False}, 4, 2, True)
    add("rnn_relu_lengths_bidirectional_batch_first", "RNN",
        {"input_size": 3, "hidden_size": 3, "nonlinearity": "relu", "bidirectional": True, "batch_first": True},
        5, 3, True, [5, 2, 4])
    add("lstm", "LSTM", {"input_size": 3, "hidden_size": 4}, 5, 2)
    add("lstm_h0_c0_batch_first", "LSTM", {"input_size": 3, "hidden_size": 4, "batch_first": True}, 4, 3, True)
    add("lstm_2layers_bidirectional", "LSTM",
        {"input_size": 3, "hidden_size": 4, "num_layers": 2, "bidirectional": True}, 5, 2, True)
    add("lstm_2layers_dropout_eval", "LSTM", {"input_size": 2, "hidden_size": 3, "num_layers": 2, "dropout": 0.5}, 4, 2)
    add("lstm_lengths", "LSTM", {"input_size": 3, "hidden_size": 4}, 5, 3, False, [5, 2, 4])
    add("lstm_lengths_2layers_bidirectional_batch_first", "LSTM",
        {"input_size": 2, "hidden_size": 3, "num_layers": 2, "bidirectional": True, "batch_first": True},
        6, 4, True, [3, 6, 1, 4])
    add("lstm_unbatched", "LSTM", {"input_size": 3, "hidden_size": 2, "bidirectional": True}, 4, None, True)
    add("gru", "GRU", {"input_size": 3, "hidden_size": 4}, 5, 2)
    add("gru_h0_nobias", "GRU", {"input_size": 3, "hidden_size": 4, "bias": False}, 4, 2, True)
    add("gru_2layers_bidirectional_batch_first", "GRU",
        {"input_size": 3, "hidden_size": 5, "num_layers": 2, "bidirectional": True, "batch_first": True}, 4, 2, True)
    add("gru_lengths_bidirectional", "GRU", {"input_size": 2, "hidden_size": 4, "bidirectional": True}, 6, 3, True, [6, 1, 3])
    add("rnn_cell_tanh", "RNNCell", {"input_size": 3, "hidden_size": 4}, None, 3, True)
    add("rnn_cell_relu_nobias", "RNNCell", {"input_size": 3, "hidden_size": 4, "nonlinearity": "relu", "bias": False}, None, 2)
    add("lstm_cell", "LSTMCell", {"input_size": 3, "hidden_size": 4}, None, 3, True)
    add("lstm_cell_zero_state", "LSTMCell", {"input_size": 2, "hidden_size": 3}, None, 2)
    add("gru_cell", "GRUCell", {"input_size": 3, "hidden_size": 4}, None, 3, True)
    add("gru_cell_unbatched", "GRUCell", {"input_size": 3, "hidden_size": 5}, None, None, True)
    # The contract: only grad_output is given, so h_n and c_n are not differentiated.
    for batch_first in [False, True]:
        layout = "_batch_first" if batch_first else ""
        add(f"contract_rnn{layout}", "RNN", {"input_size": 3, "hidden_size": 4, "batch_first": batch_first}, 4, 2, seeds=False)
        add(f"contract_lstm{layout}", "LSTM", {"input_size": 3, "hidden_size": 4, "batch_first": batch_first}, 4, 2, seeds=False)
        add(f"contract_lstm_h0_c0{layout}", "LSTM",
            {"input_size": 2, "hidden_size": 3, "num_layers": 2, "batch_first": batch_first}, 3, 2, True, seeds=False)
        add(f"contract_gru{layout}", "GRU", {"input_size": 3, "hidden_size": 4, "batch_first": batch_first}, 4, 2, True, seeds=False)
    return out


def randomize(module):
    """Parameters from U(-0.7, 0.7): larger than PyTorch's initialisation, so gates saturate a little."""
    with torch.no_grad():
        for p in module.parameters():
            p.uniform_(-0.7, 0.7)


def recurrent_case(module_name, args, steps, batch, states, lengths, seeds, dtype):
    module = getattr(nn, module_name)(**args).to(dtype)
    randomize(module)
    module.eval()
    cell = module_name.endswith("Cell")
    lstm = module_name.startswith("LSTM")
    hidden, size = args["hidden_size"], args["input_size"]
    batch_first = args.get("batch_first", False)
    if cell:
        shape = [size] if batch is None else [batch, size]
        state_shape = [hidden] if batch is None else [batch, hidden]
    else:
        count = args.get("num_layers", 1) * (2 if args.get("bidirectional", False) else 1)
        shape = [steps, size] if batch is None else ([batch, steps, size] if batch_first else [steps, batch, size])
        state_shape = [count, hidden] if batch is None else [count, batch, hidden]
    inputs = {"input": torch.randn(*shape, dtype=dtype)}
    if states:
        inputs["h0"] = torch.randn(*state_shape, dtype=dtype)
        if lstm:
            inputs["c0"] = torch.randn(*state_shape, dtype=dtype)
    if lengths is not None:
        inputs["lengths"] = torch.tensor(lengths, dtype=torch.int64)

    leaves = {k: v.clone().requires_grad_(True) for k, v in inputs.items() if v.is_floating_point()}
    x = leaves["input"]
    state = ((leaves["h0"], leaves["c0"]) if lstm else leaves["h0"]) if states else None
    if cell:
        result = module(x, state)
        outputs = {"output": result[0], "c_n": result[1]} if lstm else {"output": result}
    else:
        if lengths is not None:
            packed = nn.utils.rnn.pack_padded_sequence(x, inputs["lengths"], batch_first=batch_first, enforce_sorted=False)
            y, final = module(packed, state)
            y, _ = nn.utils.rnn.pad_packed_sequence(y, batch_first=batch_first, total_length=steps)
        else:
            y, final = module(x, state)
        outputs = {"output": y, "h_n": final[0], "c_n": final[1]} if lstm else {"output": y, "h_n": final}
    grads = {k: torch.randn_like(v) for k, v in outputs.items() if seeds or k == "output"}
    total = sum((outputs[k] * grads[k]).sum() for k in grads)
    params = list(module.named_parameters())
    wrt = list(leaves.values()) + [p for _, p in params]
    values = torch.autograd.grad(total, wrt, allow_unused=True)
    expected = {k: v.detach() for k, v in outputs.items()}
    names = [f"grad.{k}" for k in leaves] + [f"grad.{n}" for n, _ in params]
    expected.update({n: (torch.zeros_like(t) if g is None else g).detach() for n, g, t in zip(names, values, wrt)})
    for k, g in grads.items():
        inputs["grad_output" if k == "output" else f"grad_{k}"] = g
    return module, inputs, expected


def weight_norm_case(args, dtype):
    linear = nn.Linear(args["in_features"], args["out_features"], bias=args.get("bias", True)).to(dtype)
    module = nn.utils.parametrizations.weight_norm(linear, dim=args.get("dim", 0))
    with torch.no_grad():  # g away from ‖v‖, so that the reparametrisation matters
        module.parametrizations.weight.original0.uniform_(0.5, 1.5)
    inputs = {"input": torch.randn(4, args["in_features"], dtype=dtype)}
    x = inputs["input"].clone().requires_grad_(True)
    y = module(x)
    grad = torch.randn_like(y)
    params = list(module.named_parameters())
    values = torch.autograd.grad(y, [x] + [p for _, p in params], grad_outputs=grad)
    expected = {"output": y.detach(), "grad.input": values[0].detach()}
    expected.update({f"grad.{n}": g.detach() for (n, _), g in zip(params, values[1:])})
    inputs["grad_output"] = grad
    return module, inputs, expected


def write(directory, module_name, args, module, inputs, expected):
    os.makedirs(directory, exist_ok=True)
    with open(os.path.join(directory, "case.json"), "w") as f:
        json.dump({"module": module_name, "args": args, "train": False}, f, sort_keys=True)
        f.write("\n")
    contiguous = lambda d: {k: v.detach().contiguous() for k, v in d.items()}
    save_file(contiguous(module.state_dict()), os.path.join(directory, "weights.safetensors"))
    save_file(contiguous(inputs), os.path.join(directory, "inputs.safetensors"))
    save_file(contiguous(expected), os.path.join(directory, "expected.safetensors"))


def write_cases(out_dir):
    """Writes every case in F64 and F32 under out_dir; returns the number written."""
    all_cases = [(name, module, args, (lambda d, c=(module, args, steps, batch, states, lengths, seeds): recurrent_case(*c, d)))
                 for name, module, args, steps, batch, states, lengths, seeds in cases()]
    for name, args in [("weight_norm_linear", {"in_features": 3, "out_features": 4}),
                       ("weight_norm_linear_dim1_nobias", {"in_features": 5, "out_features": 2, "bias": False, "dim": 1})]:
        all_cases.append((name, "WeightNormLinear", args, lambda d, a=args: weight_norm_case(a, d)))
    count = 0
    for name, module_name, args, make in all_cases:
        for dtype, suffix in [(torch.float64, "f64"), (torch.float32, "f32")]:
            torch.manual_seed(sum(map(ord, name + suffix)) * 7919 % 2**31)  # stable across runs
            module, inputs, expected = make(dtype)
            write(os.path.join(out_dir, f"{name}_{suffix}"), module_name, args, module, inputs, expected)
            count += 1
    return count
