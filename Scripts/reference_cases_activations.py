"""Reference cases for the activations PReLU, ReLU6, Hardtanh, Hardswish, Hardsigmoid, Mish, SELU, CELU, GLU,
LogSigmoid, Softsign, Softshrink, Hardshrink, Tanhshrink, Threshold, Softmin, Softmax2d, RReLU (eval)
(imported by make_reference_fixtures.py)."""
import torch


def add_cases(add, out):
    """Appends cases with `add(name, module_name, args, make_inputs, random_grad=False, train=False)`
    (or `out.append(...)` with tensor constructor arguments, as in make_reference_fixtures.py)."""
    randn = lambda *s, dtype: torch.randn(*s, dtype=dtype)
    x = lambda *s, scale=2.0: (lambda d: {"input": scale * randn(*s, dtype=d)})

    def random_weight(module):
        module.weight.copy_(torch.rand_like(module.weight) * 0.6 - 0.1)

    # PReLU: one shared slope, one per channel (random slopes), a non-default init.
    out.append(("prelu_default", "PReLU", {}, x(4, 5), True, False, {}, None))
    out.append(("prelu_3_channels", "PReLU", {"num_parameters": 3}, x(2, 3, 4), True, False, {}, random_weight))
    out.append(("prelu_init_0.1_image", "PReLU", {"num_parameters": 2, "init": 0.1}, x(2, 2, 3, 3), True, False))
    add("relu6", "ReLU6", {}, x(4, 5, scale=5.0), True)
    add("hardtanh_default", "Hardtanh", {}, x(4, 5), True)
    add("hardtanh_-0.5_1.5", "Hardtanh", {"min_val": -0.5, "max_val": 1.5}, x(3, 6), True)
    add("hardswish", "Hardswish", {}, x(4, 6, scale=3.0), True)
    add("hardsigmoid", "Hardsigmoid", {}, x(4, 6, scale=3.0), True)
    add("mish", "Mish", {}, x(4, 5), True)
    add("selu", "SELU", {}, x(4, 5), True)
    add("celu_default", "CELU", {}, x(3, 5), True)
    # alpha exact in float: PyTorch's CELU backward rounds 1/alpha through float (1.0 / alpha.toFloat()).
    add("celu_0.75", "CELU", {"alpha": 0.75}, x(3, 5), True)
    add("glu_default", "GLU", {}, x(3, 6), True)
    add("glu_dim1", "GLU", {"dim": 1}, x(2, 4, 3), True)
    add("logsigmoid", "LogSigmoid", {}, x(4, 5), True)
    add("softsign", "Softsign", {}, x(4, 5), True)
    add("softshrink_default", "Softshrink", {}, x(4, 5, scale=1.0), True)
    add("softshrink_1.2", "Softshrink", {"lambd": 1.2}, x(4, 5), True)
    add("hardshrink_default", "Hardshrink", {}, x(4, 5, scale=1.0), True)
    add("hardshrink_0.8", "Hardshrink", {"lambd": 0.8}, x(4, 5), True)
    add("tanhshrink", "Tanhshrink", {}, x(4, 5), True)
    add("threshold_0.3_-2", "Threshold", {"threshold": 0.3, "value": -2.0}, x(4, 5), True)
    add("softmin_dim1", "Softmin", {"dim": 1}, x(3, 5), True)
    add("softmin_dim-1_3d", "Softmin", {"dim": -1}, x(2, 3, 4), True)
    add("softmax2d_4d", "Softmax2d", {}, x(2, 3, 2, 2), True)
    add("softmax2d_3d", "Softmax2d", {}, x(4, 2, 3), True)
    add("rrelu_eval", "RReLU", {"lower": 0.05, "upper": 0.4}, x(4, 5), True)
    add("rrelu_default_eval", "RReLU", {}, x(3, 4), True)
    add("rrelu_equal_bounds_train", "RReLU", {"lower": 0.2, "upper": 0.2}, x(3, 4), True, True)
