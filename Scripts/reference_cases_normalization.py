"""Reference cases for BatchNorm1d, BatchNorm2d, GroupNorm, LayerNorm, Dropout2d (imported by make_reference_fixtures.py)."""
import torch


def randomize(module):
    """Random parameters and running statistics (positive variances), and 3 batches already tracked,
    so that the cases test more than PyTorch's initial values."""
    for name, t in list(module.named_parameters()) + list(module.named_buffers()):
        if name == "num_batches_tracked":
            t.fill_(3)
        elif name == "running_var":
            t.copy_(torch.rand_like(t) + 0.5)
        else:
            t.copy_(torch.randn_like(t))


def add_cases(add, out):
    """Appends cases with `add(name, module_name, args, make_inputs, random_grad=False, train=False)`
    (or `out.append(...)` with tensor constructor arguments, as in make_reference_fixtures.py)."""
    randn = lambda *s, dtype: torch.randn(*s, dtype=dtype)
    image = lambda *s: (lambda d: {"input": 2 * randn(*s, dtype=d) + 0.5})

    def norm(name, module_name, args, make_inputs, train):
        out.append((name, module_name, args, make_inputs, True, train, {}, randomize))

    # BatchNorm: train (batch statistics; state.running_mean/var written) and eval (running statistics).
    for train, mode in [(True, "train"), (False, "eval")]:
        norm(f"batchnorm1d_2d_{mode}", "BatchNorm1d", {"num_features": 4}, image(6, 4), train)
        norm(f"batchnorm1d_3d_{mode}", "BatchNorm1d", {"num_features": 3}, image(4, 3, 5), train)
        norm(f"batchnorm2d_{mode}", "BatchNorm2d", {"num_features": 3}, image(3, 3, 4, 4), train)
        norm(f"batchnorm2d_affine_false_{mode}", "BatchNorm2d", {"num_features": 2, "affine": False}, image(2, 2, 3, 5), train)
        norm(f"batchnorm2d_no_tracking_{mode}", "BatchNorm2d", {"num_features": 2, "track_running_stats": False},
             image(2, 2, 3, 3), train)
    norm("batchnorm2d_momentum_none_train", "BatchNorm2d", {"num_features": 3, "momentum": None}, image(2, 3, 3, 4), True)
    norm("batchnorm1d_momentum_eps_train", "BatchNorm1d", {"num_features": 2, "momentum": 0.3, "eps": 1e-3}, image(5, 2, 3), True)

    # GroupNorm: one group, several groups, one group per channel, no affine, rank 3 and 5.
    norm("groupnorm_1_group", "GroupNorm", {"num_groups": 1, "num_channels": 4}, image(2, 4, 3, 3), False)
    norm("groupnorm_2_groups", "GroupNorm", {"num_groups": 2, "num_channels": 4}, image(2, 4, 3, 3), True)
    norm("groupnorm_6_groups", "GroupNorm", {"num_groups": 6, "num_channels": 6}, image(2, 6, 2, 3), False)
    norm("groupnorm_3_groups_no_affine", "GroupNorm", {"num_groups": 3, "num_channels": 6, "affine": False},
         image(2, 6, 5), False)
    norm("groupnorm_2_groups_eps_3d", "GroupNorm", {"num_groups": 2, "num_channels": 4, "eps": 0.01},
         image(1, 4, 2, 2, 3), False)

    # LayerNorm: last dimension, two trailing dimensions, no affine, no bias, eps, a [B, T, D] input.
    norm("layernorm_last", "LayerNorm", {"normalized_shape": 5}, image(3, 5), False)
    norm("layernorm_sequence", "LayerNorm", {"normalized_shape": [6]}, image(2, 3, 6), False)
    norm("layernorm_two_dims", "LayerNorm", {"normalized_shape": [3, 4]}, image(2, 3, 4), False)
    norm("layernorm_no_affine", "LayerNorm", {"normalized_shape": 4, "elementwise_affine": False}, image(3, 4), False)
    norm("layernorm_no_bias_eps", "LayerNorm", {"normalized_shape": 4, "bias": False, "eps": 0.01}, image(2, 2, 4), False)

    # Dropout2d: reproducible only in eval or with p = 0.
    add("dropout2d_eval", "Dropout2d", {"p": 0.3}, image(2, 3, 4, 4), True)
    add("dropout2d_p0_train", "Dropout2d", {"p": 0.0}, image(2, 3, 2, 2), True, True)
