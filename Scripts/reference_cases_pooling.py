"""Reference cases for MaxPool2d, AvgPool2d, AdaptiveAvgPool2d, Upsample (imported by make_reference_fixtures.py)."""
import torch


def add_cases(add, out):
    """Appends cases with `add(name, module_name, args, make_inputs, random_grad=False, train=False)`
    (or `out.append(...)` with tensor constructor arguments, as in make_reference_fixtures.py)."""
    randn = lambda *s, dtype: torch.randn(*s, dtype=dtype)
    image = lambda *s: (lambda d: {"input": randn(*s, dtype=d)})

    # Max pooling: the 2x2 fast paths (8-lane groups for wide rows, 4-lane for 4..7 outputs, scalar
    # below), stride != kernel, padding, dilation, ceil mode, rectangular arguments, unbatched.
    add("maxpool_k2", "MaxPool2d", {"kernel_size": 2}, image(2, 3, 6, 6), True)
    add("maxpool_k2_wide", "MaxPool2d", {"kernel_size": 2}, image(1, 1, 18, 19), True)
    add("maxpool_k2_11x11", "MaxPool2d", {"kernel_size": 2}, image(2, 2, 11, 11), True)
    add("maxpool_k3_s2_p1", "MaxPool2d", {"kernel_size": 3, "stride": 2, "padding": 1}, image(2, 2, 7, 7), True)
    add("maxpool_k2_s1_overlap", "MaxPool2d", {"kernel_size": 2, "stride": 1}, image(1, 2, 5, 6), True)
    add("maxpool_ceil", "MaxPool2d", {"kernel_size": 2, "ceil_mode": True}, image(1, 2, 5, 7), True)
    add("maxpool_k3_s2_p1_ceil", "MaxPool2d", {"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True},
        image(1, 3, 6, 6), True)
    add("maxpool_dilation_rect", "MaxPool2d",
        {"kernel_size": [3, 2], "stride": [2, 1], "padding": [1, 1], "dilation": [2, 1]}, image(2, 2, 8, 6), True)
    add("maxpool_unbatched", "MaxPool2d", {"kernel_size": 2, "stride": 1}, image(3, 4, 5), True)

    # Average pooling.
    add("avgpool_k2", "AvgPool2d", {"kernel_size": 2}, image(2, 3, 6, 6), True)
    add("avgpool_k3_s2_p1", "AvgPool2d", {"kernel_size": 3, "stride": 2, "padding": 1}, image(2, 2, 7, 7), True)
    add("avgpool_exclude_pad", "AvgPool2d", {"kernel_size": 3, "stride": 2, "padding": 1, "count_include_pad": False},
        image(2, 2, 7, 7), True)
    add("avgpool_ceil", "AvgPool2d", {"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True}, image(1, 2, 6, 6), True)
    add("avgpool_ceil_exclude_pad", "AvgPool2d",
        {"kernel_size": 2, "stride": 2, "padding": 1, "ceil_mode": True, "count_include_pad": False}, image(1, 2, 6, 5), True)
    add("avgpool_divisor_override", "AvgPool2d", {"kernel_size": 2, "stride": 1, "divisor_override": 3}, image(1, 2, 5, 5), True)
    add("avgpool_rect_unbatched", "AvgPool2d", {"kernel_size": [3, 2], "stride": [1, 2], "padding": [1, 0]}, image(2, 5, 6), True)

    # Adaptive average pooling: global, non-divisible, None (keep), larger than the input, unbatched.
    add("adaptive_avgpool_1", "AdaptiveAvgPool2d", {"output_size": 1}, image(2, 3, 5, 7), True)
    add("adaptive_avgpool_3x4", "AdaptiveAvgPool2d", {"output_size": [3, 4]}, image(2, 2, 7, 5), True)
    add("adaptive_avgpool_none", "AdaptiveAvgPool2d", {"output_size": [None, 2]}, image(1, 2, 5, 7), True)
    add("adaptive_avgpool_larger", "AdaptiveAvgPool2d", {"output_size": [5, 6]}, image(1, 2, 3, 4), True)
    add("adaptive_avgpool_unbatched", "AdaptiveAvgPool2d", {"output_size": 2}, image(3, 5, 5), True)

    # Nearest upsampling: by scale (integer, fractional, per axis, downsampling, recomputed) and by size.
    add("upsample_scale2", "Upsample", {"scale_factor": 2}, image(1, 2, 3, 4), True)
    add("upsample_scale3_nearest", "Upsample", {"scale_factor": 3, "mode": "nearest"}, image(2, 1, 2, 3), True)
    add("upsample_scale1.7", "Upsample", {"scale_factor": 1.7}, image(1, 2, 3, 4), True)
    add("upsample_scale_pair", "Upsample", {"scale_factor": [1.5, 2.5]}, image(2, 1, 4, 3), True)
    add("upsample_scale_down", "Upsample", {"scale_factor": 0.35}, image(1, 1, 10, 10), True)
    add("upsample_recompute", "Upsample", {"scale_factor": 1.55, "recompute_scale_factor": True}, image(1, 1, 4, 6), True)
    add("upsample_size", "Upsample", {"size": [5, 7]}, image(1, 2, 3, 4), True)
    add("upsample_size_int", "Upsample", {"size": 6}, image(1, 1, 4, 5), True)
