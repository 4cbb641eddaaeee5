"""Reference cases for the padding layers ZeroPad/ConstantPad/ReflectionPad/ReplicationPad/CircularPad 1d/2d/3d
(imported by make_reference_fixtures.py)."""
import torch


def add_cases(add, out):
    """Appends cases with `add(name, module_name, args, make_inputs, random_grad=False, train=False)`."""
    randn = lambda *s, dtype: torch.randn(*s, dtype=dtype)
    image = lambda *s: (lambda d: {"input": randn(*s, dtype=d)})

    add("zeropad1d_int", "ZeroPad1d", {"padding": 2}, image(2, 3, 4), True)
    add("zeropad2d_crop", "ZeroPad2d", {"padding": [1, -1, 2, 0]}, image(2, 2, 3, 4), True)
    add("zeropad3d_unbatched", "ZeroPad3d", {"padding": [1, 0, 0, 2, 1, 1]}, image(2, 2, 3, 3), True)
    add("constantpad1d_value", "ConstantPad1d", {"padding": [3, 1], "value": 1.5}, image(2, 5), True)
    add("constantpad2d_crop_value", "ConstantPad2d", {"padding": [-1, 2, 1, -2], "value": -0.75}, image(1, 2, 4, 5), True)
    add("constantpad3d", "ConstantPad3d", {"padding": 1, "value": 2.0}, image(1, 2, 2, 3, 2), True)
    add("reflectionpad1d", "ReflectionPad1d", {"padding": [3, 1]}, image(2, 3, 5), True)
    add("reflectionpad2d", "ReflectionPad2d", {"padding": [1, 2, 2, 0]}, image(2, 2, 3, 4), True)
    add("reflectionpad2d_unbatched_int", "ReflectionPad2d", {"padding": 2}, image(2, 4, 3), True)
    add("reflectionpad3d", "ReflectionPad3d", {"padding": [1, 0, 2, 1, 1, 1]}, image(1, 2, 3, 3, 4), True)
    add("replicationpad1d", "ReplicationPad1d", {"padding": [4, 2]}, image(2, 2, 3), True)
    add("replicationpad2d", "ReplicationPad2d", {"padding": [0, 3, 2, 1]}, image(2, 2, 3, 4), True)
    add("replicationpad3d_unbatched", "ReplicationPad3d", {"padding": [2, 1, 0, 1, 1, 2]}, image(2, 2, 3, 3), True)
    add("circularpad1d", "CircularPad1d", {"padding": [2, 3]}, image(2, 2, 4), True)
    add("circularpad1d_crop", "CircularPad1d", {"padding": [-1, 2]}, image(1, 2, 5), True)
    add("circularpad2d", "CircularPad2d", {"padding": [1, 2, 3, 0]}, image(2, 2, 3, 4), True)
    add("circularpad3d", "CircularPad3d", {"padding": [1, 1, 0, 2, 2, 1]}, image(1, 2, 3, 3, 3), True)
