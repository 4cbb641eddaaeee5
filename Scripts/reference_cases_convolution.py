"""Reference cases for Conv2d, ConvTranspose2d (imported by make_reference_fixtures.py)."""
import torch


def add_cases(add, out):
    """Appends cases with `add(name, module_name, args, make_inputs, random_grad=False, train=False)`
    (or `out.append(...)` with tensor constructor arguments, as in make_reference_fixtures.py)."""
    randn = lambda *s, dtype: torch.randn(*s, dtype=dtype)
    image = lambda *s: (lambda d: {"input": randn(*s, dtype=d)})

    add("conv2d_3_4_k3", "Conv2d", {"in_channels": 3, "out_channels": 4, "kernel_size": 3}, image(2, 3, 6, 5), True)
    add("conv2d_stride_padding", "Conv2d",
        {"in_channels": 3, "out_channels": 2, "kernel_size": [3, 2], "stride": [2, 1], "padding": [1, 2]},
        image(2, 3, 7, 6), True)
    add("conv2d_same_odd_dilated", "Conv2d",
        {"in_channels": 2, "out_channels": 3, "kernel_size": 3, "padding": "same", "dilation": 2}, image(2, 2, 7, 6), True)
    add("conv2d_same_even", "Conv2d", {"in_channels": 2, "out_channels": 2, "kernel_size": [2, 4], "padding": "same"},
        image(1, 2, 5, 6), True)
    add("conv2d_valid", "Conv2d", {"in_channels": 2, "out_channels": 3, "kernel_size": 3, "padding": "valid"},
        image(1, 2, 5, 5))
    add("conv2d_dilation", "Conv2d",
        {"in_channels": 2, "out_channels": 3, "kernel_size": 3, "dilation": [2, 1], "padding": 1}, image(2, 2, 7, 6), True)
    add("conv2d_groups", "Conv2d",
        {"in_channels": 4, "out_channels": 6, "kernel_size": 3, "groups": 2, "stride": 2, "padding": 1},
        image(2, 4, 5, 5), True)
    add("conv2d_depthwise_nobias", "Conv2d",
        {"in_channels": 3, "out_channels": 3, "kernel_size": 3, "groups": 3, "padding": 1, "bias": False},
        image(2, 3, 5, 5), True)
    add("conv2d_unbatched", "Conv2d", {"in_channels": 3, "out_channels": 2, "kernel_size": 2}, image(3, 5, 4), True)
    add("conv2d_seed_layer", "Conv2d", {"in_channels": 1, "out_channels": 8, "kernel_size": 3}, image(2, 1, 7, 7), True)
    add("conv_transpose2d_stride_output_padding", "ConvTranspose2d",
        {"in_channels": 3, "out_channels": 2, "kernel_size": 3, "stride": 2, "padding": 1, "output_padding": 1},
        image(2, 3, 3, 4), True)
    add("conv_transpose2d_groups_dilation", "ConvTranspose2d",
        {"in_channels": 4, "out_channels": 2, "kernel_size": [2, 3], "stride": [1, 2], "padding": [0, 1], "groups": 2,
         "dilation": 2}, image(1, 4, 3, 3), True)
    add("conv_transpose2d_unbatched_nobias", "ConvTranspose2d",
        {"in_channels": 2, "out_channels": 3, "kernel_size": 4, "stride": 2, "padding": 1, "bias": False},
        image(2, 3, 3), True)
    add("conv_transpose2d_dcgan", "ConvTranspose2d",
        {"in_channels": 4, "out_channels": 2, "kernel_size": 4, "stride": 2, "padding": 1}, image(2, 4, 4, 4), True)
    add("conv_transpose2d_output_padding_dilation", "ConvTranspose2d",
        {"in_channels": 2, "out_channels": 2, "kernel_size": 3, "stride": [2, 1], "output_padding": [1, 0], "dilation": 2},
        image(1, 2, 3, 4))
