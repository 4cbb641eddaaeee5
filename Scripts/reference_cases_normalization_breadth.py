"""Reference cases for BatchNorm3d, InstanceNorm1d/2d/3d, RMSNorm, LocalResponseNorm (imported by
make_reference_fixtures.py)."""
import torch

from reference_cases_normalization import randomize


def add_cases(add, out):
    """Appends cases with `add(name, module_name, args, make_inputs, random_grad=False, train=False)`
    (or `out.append(...)` with tensor constructor arguments, as in make_reference_fixtures.py)."""
    randn = lambda *s, dtype: torch.randn(*s, dtype=dtype)
    image = lambda *s: (lambda d: {"input": 2 * randn(*s, dtype=d) + 0.5})

    def norm(name, module_name, args, make_inputs, train):
        out.append((name, module_name, args, make_inputs, True, train, {}, randomize))

    # BatchNorm3d: train (state.running_mean/var written) and eval; no affine; cumulative average.
    for train, mode in [(True, "train"), (False, "eval")]:
        norm(f"batchnorm3d_{mode}", "BatchNorm3d", {"num_features": 3}, image(2, 3, 2, 3, 2), train)
    norm("batchnorm3d_affine_false_momentum_none_train", "BatchNorm3d",
         {"num_features": 2, "affine": False, "momentum": None, "eps": 1e-3}, image(2, 2, 2, 2, 3), True)
    norm("batchnorm3d_no_tracking_eval", "BatchNorm3d", {"num_features": 2, "track_running_stats": False},
         image(2, 2, 1, 2, 3), False)

    # InstanceNorm: defaults (no affine, no tracking), affine, tracking in train (running update) and
    # eval (running statistics), momentum None (no update), unbatched inputs, every rank.
    norm("instancenorm1d_default", "InstanceNorm1d", {"num_features": 3}, image(2, 3, 5), True)
    norm("instancenorm1d_affine_eval", "InstanceNorm1d", {"num_features": 3, "affine": True}, image(2, 3, 4), False)
    norm("instancenorm1d_unbatched", "InstanceNorm1d", {"num_features": 4, "affine": True, "eps": 0.01}, image(4, 6), False)
    for train, mode in [(True, "train"), (False, "eval")]:
        norm(f"instancenorm1d_tracked_{mode}", "InstanceNorm1d",
             {"num_features": 3, "track_running_stats": True, "momentum": 0.3}, image(3, 3, 4), train)
        norm(f"instancenorm2d_affine_tracked_{mode}", "InstanceNorm2d",
             {"num_features": 2, "affine": True, "track_running_stats": True}, image(2, 2, 3, 3), train)
    norm("instancenorm2d_default", "InstanceNorm2d", {"num_features": 3}, image(2, 3, 2, 4), True)
    norm("instancenorm2d_momentum_none_train", "InstanceNorm2d",
         {"num_features": 2, "track_running_stats": True, "momentum": None}, image(2, 2, 2, 3), True)
    norm("instancenorm2d_unbatched_tracked_eval", "InstanceNorm2d",
         {"num_features": 2, "track_running_stats": True, "affine": True}, image(2, 3, 2), False)
    norm("instancenorm3d_affine", "InstanceNorm3d", {"num_features": 2, "affine": True, "eps": 1e-3}, image(2, 2, 2, 2, 3), True)
    norm("instancenorm3d_tracked_train", "InstanceNorm3d",
         {"num_features": 2, "track_running_stats": True}, image(2, 2, 2, 3, 2), True)

    # RMSNorm: eps None (the dtype's machine epsilon), two dims with eps, no affine.
    norm("rmsnorm_default", "RMSNorm", {"normalized_shape": 5}, image(3, 5), False)
    norm("rmsnorm_two_dims_eps", "RMSNorm", {"normalized_shape": [3, 4], "eps": 1e-3}, image(2, 3, 4), True)
    norm("rmsnorm_no_affine", "RMSNorm", {"normalized_shape": [6], "elementwise_affine": False, "eps": None},
         image(2, 3, 6), False)

    # LocalResponseNorm: 3-D, 4-D and 5-D inputs, odd and even sizes, size larger than C.
    add("lrn_size3_3d", "LocalResponseNorm", {"size": 3, "alpha": 0.5, "beta": 0.6, "k": 1.5}, image(2, 5, 4), True)
    add("lrn_size2_4d", "LocalResponseNorm", {"size": 2, "alpha": 0.3}, image(2, 4, 2, 3), True)
    add("lrn_size4_5d", "LocalResponseNorm", {"size": 4, "alpha": 0.2, "beta": 1.2, "k": 2}, image(1, 3, 2, 2, 2), True)
    add("lrn_default", "LocalResponseNorm", {"size": 5}, image(2, 6, 3), True)
