"""Reference cases for Upsample (every mode), UpsamplingNearest2d, UpsamplingBilinear2d and
the shape layers (imported by make_reference_fixtures.py)."""
import torch


def add_cases(add, out):
    """Appends cases with `add(name, module_name, args, make_inputs, random_grad=False, train=False)`."""
    randn = lambda *s, dtype: torch.randn(*s, dtype=dtype)
    image = lambda *s: (lambda d: {"input": randn(*s, dtype=d)})

    def up(name, args, shape):
        add(f"upsample_{name}", "Upsample", args, image(*shape), True)

    # nearest and nearest-exact on 3-, 4- and 5-D inputs; sizes, scalar and per-dimension scale factors.
    up("nearest_3d_scale2.5", {"scale_factor": 2.5}, (2, 2, 3))
    up("nearest_5d_size", {"size": [3, 4, 5], "mode": "nearest"}, (1, 2, 2, 3, 2))
    up("nearest_4d_scale_list_recompute", {"scale_factor": [1.7, 0.6], "recompute_scale_factor": True}, (1, 2, 4, 5))
    up("nearest_exact_3d_size", {"size": 7, "mode": "nearest-exact"}, (2, 1, 5))
    up("nearest_exact_4d_scale", {"scale_factor": [1.7, 0.6], "mode": "nearest-exact"}, (1, 2, 4, 5))
    up("nearest_exact_5d_scale2", {"scale_factor": 2, "mode": "nearest-exact"}, (1, 1, 2, 2, 3))
    # linear (3-D).
    up("linear_size", {"size": 7, "mode": "linear"}, (2, 2, 4))
    up("linear_align_scale", {"scale_factor": 2.3, "mode": "linear", "align_corners": True}, (1, 3, 4))
    up("linear_down_recompute", {"scale_factor": 0.6, "mode": "linear", "recompute_scale_factor": True}, (2, 1, 7))
    up("linear_scale_list", {"scale_factor": [1.7], "mode": "linear", "align_corners": False}, (1, 2, 5))
    # bilinear (4-D).
    up("bilinear_size", {"size": [5, 7], "mode": "bilinear"}, (1, 2, 3, 4))
    up("bilinear_align_scale", {"scale_factor": [1.5, 2.5], "mode": "bilinear", "align_corners": True}, (2, 1, 3, 2))
    up("bilinear_scale_recompute", {"scale_factor": 1.7, "mode": "bilinear", "recompute_scale_factor": True}, (1, 2, 3, 3))
    up("bilinear_down", {"size": [2, 3], "mode": "bilinear"}, (1, 2, 5, 7))
    # bicubic (4-D).
    up("bicubic_size", {"size": [6, 5], "mode": "bicubic"}, (1, 2, 4, 3))
    up("bicubic_align_scale2", {"scale_factor": 2, "mode": "bicubic", "align_corners": True}, (1, 1, 3, 4))
    up("bicubic_scale_list", {"scale_factor": [0.75, 1.3], "mode": "bicubic"}, (2, 1, 5, 4))
    # trilinear (5-D).
    up("trilinear_scale2", {"scale_factor": 2, "mode": "trilinear"}, (1, 2, 2, 2, 3))
    up("trilinear_align_size", {"size": [3, 4, 2], "mode": "trilinear", "align_corners": True}, (1, 1, 2, 3, 4))
    up("trilinear_scale_list_recompute", {"scale_factor": [1.5, 2, 0.5], "mode": "trilinear", "recompute_scale_factor": True},
       (1, 1, 2, 3, 4))
    # area (adaptive average pooling) on 3-, 4- and 5-D inputs, down and up.
    up("area_3d_size", {"size": 4, "mode": "area"}, (2, 2, 7))
    up("area_4d_scale", {"scale_factor": [0.5, 0.7], "mode": "area"}, (1, 2, 6, 7))
    up("area_5d_up_down", {"size": [3, 2, 5], "mode": "area"}, (1, 1, 2, 5, 3))
    # The 2-d aliases.
    add("upsampling_nearest2d_scale", "UpsamplingNearest2d", {"scale_factor": 2}, image(1, 2, 2, 3), True)
    add("upsampling_nearest2d_size", "UpsamplingNearest2d", {"size": [5, 3]}, image(1, 1, 3, 2), True)
    add("upsampling_bilinear2d_size", "UpsamplingBilinear2d", {"size": [5, 6]}, image(1, 2, 3, 4), True)
    add("upsampling_bilinear2d_scale", "UpsamplingBilinear2d", {"scale_factor": 1.5}, image(2, 1, 3, 3), True)

    # Shape layers: PixelShuffle/PixelUnshuffle (with extra leading dimensions), ChannelShuffle, Unfold, Fold.
    add("pixel_shuffle_2", "PixelShuffle", {"upscale_factor": 2}, image(2, 8, 2, 3), True)
    add("pixel_shuffle_3_5d", "PixelShuffle", {"upscale_factor": 3}, image(2, 1, 9, 2, 1), True)
    add("pixel_unshuffle_2", "PixelUnshuffle", {"downscale_factor": 2}, image(1, 3, 4, 6), True)
    add("pixel_unshuffle_3_3d", "PixelUnshuffle", {"downscale_factor": 3}, image(2, 3, 6), True)
    add("channel_shuffle_3", "ChannelShuffle", {"groups": 3}, image(2, 6, 2, 2), True)
    add("channel_shuffle_2_3d", "ChannelShuffle", {"groups": 2}, image(2, 4, 3), True)
    add("unfold_3", "Unfold", {"kernel_size": 3}, image(2, 2, 4, 5), True)
    add("unfold_all_args", "Unfold", {"kernel_size": [2, 3], "dilation": [1, 2], "padding": [1, 2], "stride": [2, 1]},
        image(1, 2, 5, 6), True)
    add("unfold_unbatched", "Unfold", {"kernel_size": 2, "stride": 2}, image(3, 4, 4), True)
    add("fold_overlapping", "Fold", {"output_size": [3, 4], "kernel_size": 2}, image(2, 4, 6), True)
    add("fold_all_args", "Fold", {"output_size": [5, 6], "kernel_size": [2, 3], "dilation": [1, 2], "padding": [1, 2],
                                  "stride": [2, 1]}, image(1, 12, 18), True)
    add("fold_unbatched", "Fold", {"output_size": 4, "kernel_size": 2, "stride": 2}, image(8, 4), True)
