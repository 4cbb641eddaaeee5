"""Reference cases for MaxPool1d/3d, AvgPool1d/3d, AdaptiveAvgPool1d/3d, AdaptiveMaxPool1d/2d/3d, LPPool1d/2d/3d
(imported by make_reference_fixtures.py)."""
import torch


def add_cases(add, out):
    """Appends cases with `add(name, module_name, args, make_inputs, random_grad=False, train=False)`."""
    randn = lambda *s, dtype: torch.randn(*s, dtype=dtype)
    image = lambda *s: (lambda d: {"input": randn(*s, dtype=d)})
    positive = lambda *s: (lambda d: {"input": torch.rand(*s, dtype=d) + 0.1})

    add("maxpool1d_k3_s2_p1_ceil", "MaxPool1d", {"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True},
        image(2, 3, 8), True)
    add("maxpool1d_dilation_unbatched", "MaxPool1d", {"kernel_size": 2, "stride": 1, "dilation": 2}, image(3, 7), True)
    add("maxpool3d_k2", "MaxPool3d", {"kernel_size": 2}, image(2, 2, 4, 4, 5), True)
    add("maxpool3d_rect_padding_dilation_ceil", "MaxPool3d",
        {"kernel_size": [3, 2, 3], "stride": [2, 1, 2], "padding": [1, 1, 1], "dilation": [1, 2, 1], "ceil_mode": True},
        image(1, 2, 5, 6, 6), True)
    add("maxpool3d_unbatched", "MaxPool3d", {"kernel_size": [2, 3, 2], "stride": 1}, image(2, 3, 4, 3), True)
    add("avgpool1d_k3_s2_p1", "AvgPool1d", {"kernel_size": 3, "stride": 2, "padding": 1}, image(2, 3, 9), True)
    add("avgpool1d_ceil_exclude_pad", "AvgPool1d",
        {"kernel_size": 2, "stride": 2, "padding": 1, "ceil_mode": True, "count_include_pad": False}, image(2, 7), True)
    add("avgpool3d_k2", "AvgPool3d", {"kernel_size": 2}, image(2, 2, 4, 4, 5), True)
    add("avgpool3d_padding_ceil", "AvgPool3d",
        {"kernel_size": [3, 2, 3], "stride": [2, 1, 2], "padding": [1, 1, 1], "ceil_mode": True}, image(1, 2, 6, 5, 6), True)
    add("avgpool3d_exclude_pad", "AvgPool3d",
        {"kernel_size": 3, "stride": 2, "padding": 1, "count_include_pad": False}, image(1, 2, 5, 5, 5), True)
    add("avgpool3d_divisor_override_unbatched", "AvgPool3d",
        {"kernel_size": [2, 2, 3], "stride": 1, "divisor_override": 5}, image(2, 3, 4, 4), True)
    add("adaptive_avgpool1d", "AdaptiveAvgPool1d", {"output_size": 4}, image(2, 3, 7), True)
    add("adaptive_avgpool3d", "AdaptiveAvgPool3d", {"output_size": [2, 3, 2]}, image(2, 2, 5, 7, 3), True)
    add("adaptive_avgpool3d_none_unbatched", "AdaptiveAvgPool3d", {"output_size": [None, 2, 3]}, image(2, 3, 5, 4), True)
    add("adaptive_maxpool1d", "AdaptiveMaxPool1d", {"output_size": 3}, image(2, 3, 8), True)
    add("adaptive_maxpool2d", "AdaptiveMaxPool2d", {"output_size": [3, 4]}, image(2, 2, 7, 5), True)
    add("adaptive_maxpool2d_none_unbatched", "AdaptiveMaxPool2d", {"output_size": [None, 2]}, image(3, 4, 5), True)
    add("adaptive_maxpool3d", "AdaptiveMaxPool3d", {"output_size": 2}, image(1, 2, 5, 3, 4), True)
    add("adaptive_maxpool3d_larger", "AdaptiveMaxPool3d", {"output_size": [2, 5, 3]}, image(1, 2, 3, 4, 4), True)
    add("lppool1d_p2", "LPPool1d", {"norm_type": 2, "kernel_size": 3, "stride": 2}, image(2, 3, 8), True)
    add("lppool1d_p1.5_ceil", "LPPool1d", {"norm_type": 1.5, "kernel_size": 3, "ceil_mode": True}, positive(2, 8), True)
    add("lppool2d_p2", "LPPool2d", {"norm_type": 2, "kernel_size": 2}, image(2, 2, 4, 6), True)
    add("lppool2d_p3_rect_ceil", "LPPool2d", {"norm_type": 3.0, "kernel_size": [3, 2], "stride": [2, 1], "ceil_mode": True},
        positive(1, 2, 6, 5), True)
    add("lppool3d_p2", "LPPool3d", {"norm_type": 2, "kernel_size": [2, 1, 2], "stride": [1, 1, 2]}, positive(2, 2, 4, 3, 4), True)
    add("lppool3d_p1.5_ceil", "LPPool3d", {"norm_type": 1.5, "kernel_size": 2, "ceil_mode": True}, positive(1, 3, 3, 3, 5), True)
