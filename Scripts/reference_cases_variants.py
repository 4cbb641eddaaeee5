"""Reference cases for the modules that are another module under a second name or with a fixed
argument: NLLLoss2d, TripletMarginWithDistanceLoss (default distance), Unflatten,
Dropout1d/3d, AlphaDropout, FeatureAlphaDropout in evaluation mode (imported by
make_reference_fixtures.py)."""
import torch


def add_cases(add, out):
    """Appends cases with `add(name, module_name, args, make_inputs, random_grad=False, train=False)`."""
    randn = lambda *s, dtype: torch.randn(*s, dtype=dtype)
    image = lambda *s: (lambda d: {"input": randn(*s, dtype=d)})

    add("nllloss2d_sum", "NLLLoss2d", {"reduction": "sum", "ignore_index": 1},
        lambda d: {"input": torch.log_softmax(randn(2, 3, 2, 2, dtype=d), 1), "target": torch.randint(0, 3, (2, 2, 2))}, False)
    add("triplet_distance_default", "TripletMarginWithDistanceLoss", {},
        lambda d: {"anchor": randn(4, 3, dtype=d), "positive": randn(4, 3, dtype=d), "negative": randn(4, 3, dtype=d)})
    add("triplet_distance_swap_none", "TripletMarginWithDistanceLoss", {"margin": 2.0, "swap": True, "reduction": "none"},
        lambda d: {"anchor": randn(5, 2, dtype=d), "positive": randn(5, 2, dtype=d), "negative": randn(5, 2, dtype=d)}, True)
    add("unflatten_dim1", "Unflatten", {"dim": 1, "unflattened_size": [2, 3]}, image(4, 6), True)
    add("unflatten_negative_dim", "Unflatten", {"dim": -1, "unflattened_size": [2, 2, 1]}, image(2, 3, 4), True)
    for module, shape in [("Dropout1d", (2, 3, 4)), ("Dropout3d", (1, 2, 2, 2, 3)), ("AlphaDropout", (3, 4)),
                          ("FeatureAlphaDropout", (2, 3, 2, 2))]:
        add(f"{module.lower()}_eval", module, {"p": 0.3}, image(*shape), True)
