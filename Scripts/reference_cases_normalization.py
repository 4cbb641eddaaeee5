"""Reference cases for BatchNorm1d, BatchNorm2d, GroupNorm, Dropout2d (imported by make_reference_fixtures.py)."""
import torch


def add_cases(add, out):
    """Appends cases with `add(name, module_name, args, make_inputs, random_grad=False, train=False)`
    (or `out.append(...)` with tensor constructor arguments, as in make_reference_fixtures.py)."""
    randn = lambda *s, dtype: torch.randn(*s, dtype=dtype)
