"""Reference cases for Conv1d, Conv3d, ConvTranspose1d, ConvTranspose3d and the padding modes of Conv1d/2d/3d
(imported by make_reference_fixtures.py)."""
import torch


def add_cases(add, out):
    """Appends cases with `add(name, module_name, args, make_inputs, random_grad=False, train=False)`."""
    randn = lambda *s, dtype: torch.randn(*s, dtype=dtype)
    image = lambda *s: (lambda d: {"input": randn(*s, dtype=d)})

    add("conv1d_k3", "Conv1d", {"in_channels": 3, "out_channels": 4, "kernel_size": 3}, image(2, 3, 7), True)
    add("conv1d_stride_padding_dilation", "Conv1d",
        {"in_channels": 4, "out_channels": 6, "kernel_size": 3, "stride": 2, "padding": 2, "dilation": 2, "groups": 2},
        image(2, 4, 9), True)
    add("conv1d_same_even_nobias", "Conv1d",
        {"in_channels": 2, "out_channels": 3, "kernel_size": 4, "padding": "same", "bias": False}, image(2, 2, 6), True)
    add("conv1d_valid_unbatched", "Conv1d", {"in_channels": 2, "out_channels": 2, "kernel_size": 2, "padding": "valid"},
        image(2, 5), True)
    add("conv1d_reflect", "Conv1d",
        {"in_channels": 2, "out_channels": 3, "kernel_size": 3, "padding": 2, "padding_mode": "reflect"}, image(2, 2, 5), True)
    add("conv1d_circular_same", "Conv1d",
        {"in_channels": 2, "out_channels": 2, "kernel_size": 4, "padding": "same", "padding_mode": "circular"},
        image(1, 2, 6), True)
    add("conv2d_replicate", "Conv2d",
        {"in_channels": 2, "out_channels": 3, "kernel_size": 3, "padding": [1, 2], "stride": 2, "padding_mode": "replicate"},
        image(2, 2, 5, 6), True)
    add("conv2d_reflect_same_dilated", "Conv2d",
        {"in_channels": 2, "out_channels": 2, "kernel_size": [2, 3], "padding": "same", "dilation": [2, 1],
         "padding_mode": "reflect"}, image(1, 2, 5, 5), True)
    add("conv2d_circular", "Conv2d",
        {"in_channels": 2, "out_channels": 2, "kernel_size": 3, "padding": 1, "padding_mode": "circular"},
        image(2, 4, 4), True)
    add("conv3d_k3", "Conv3d", {"in_channels": 2, "out_channels": 3, "kernel_size": 3}, image(2, 2, 4, 5, 4), True)
    add("conv3d_stride_padding_dilation_groups", "Conv3d",
        {"in_channels": 4, "out_channels": 2, "kernel_size": [2, 3, 2], "stride": [2, 1, 2], "padding": [1, 1, 0],
         "dilation": [1, 2, 1], "groups": 2}, image(1, 4, 5, 6, 5), True)
    add("conv3d_same_nobias", "Conv3d",
        {"in_channels": 2, "out_channels": 2, "kernel_size": [3, 2, 3], "padding": "same", "dilation": [2, 1, 1],
         "bias": False}, image(1, 2, 5, 4, 4), True)
    add("conv3d_unbatched_valid", "Conv3d", {"in_channels": 2, "out_channels": 2, "kernel_size": 2, "padding": "valid"},
        image(2, 3, 3, 4), True)
    add("conv3d_replicate", "Conv3d",
        {"in_channels": 1, "out_channels": 2, "kernel_size": 3, "padding": [1, 2, 1], "padding_mode": "replicate"},
        image(2, 1, 3, 4, 3), True)
    add("conv3d_circular", "Conv3d",
        {"in_channels": 2, "out_channels": 2, "kernel_size": [3, 2, 2], "padding": 1, "padding_mode": "circular"},
        image(1, 2, 3, 3, 4), True)
    add("conv_transpose1d", "ConvTranspose1d",
        {"in_channels": 3, "out_channels": 2, "kernel_size": 3, "stride": 2, "padding": 1, "output_padding": 1},
        image(2, 3, 5), True)
    add("conv_transpose1d_groups_dilation_nobias", "ConvTranspose1d",
        {"in_channels": 4, "out_channels": 2, "kernel_size": 2, "groups": 2, "dilation": 3, "bias": False},
        image(4, 4), True)
    add("conv_transpose3d", "ConvTranspose3d",
        {"in_channels": 2, "out_channels": 3, "kernel_size": 3, "stride": 2, "padding": 1, "output_padding": 1},
        image(2, 2, 2, 3, 2), True)
    add("conv_transpose3d_rect_groups_dilation", "ConvTranspose3d",
        {"in_channels": 4, "out_channels": 2, "kernel_size": [2, 3, 2], "stride": [1, 2, 2], "padding": [0, 1, 1],
         "output_padding": [0, 1, 0], "dilation": [2, 1, 1], "groups": 2}, image(1, 4, 3, 3, 3), True)
    add("conv_transpose3d_unbatched_nobias", "ConvTranspose3d",
        {"in_channels": 2, "out_channels": 2, "kernel_size": [3, 2, 2], "stride": [2, 1, 1], "padding": [1, 0, 0],
         "bias": False}, image(2, 3, 2, 3), True)
