"""Reference cases for the two-input layers CosineSimilarity, PairwiseDistance (inputs x1, x2)
and Bilinear (input1, input2) (imported by make_reference_fixtures.py)."""
import torch


def add_cases(add, out):
    """Appends cases with `add(name, module_name, args, make_inputs, random_grad=False, train=False)`."""
    r = lambda *s, d: torch.randn(*s, dtype=d)
    pair = lambda a, b, n1="x1", n2="x2": (lambda d: {n1: r(*a, d=d), n2: r(*b, d=d)})

    add("cosine_similarity_default", "CosineSimilarity", {}, pair((4, 5), (4, 5)), True)
    add("cosine_similarity_dim0_eps", "CosineSimilarity", {"dim": 0, "eps": 1e-6}, pair((3, 4), (3, 4)), True)
    add("cosine_similarity_dim-1_broadcast", "CosineSimilarity", {"dim": -1}, pair((2, 3, 5), (3, 5)), True)
    add("pairwise_distance_default", "PairwiseDistance", {}, pair((4, 5), (4, 5)), True)
    add("pairwise_distance_p1_keepdim", "PairwiseDistance", {"p": 1.0, "keepdim": True}, pair((3, 4), (3, 4)), True)
    add("pairwise_distance_p3_eps_broadcast", "PairwiseDistance", {"p": 3.0, "eps": 1e-3}, pair((2, 3, 4), (4,)), True)
    add("pairwise_distance_p0.5_1d", "PairwiseDistance", {"p": 0.5}, pair((5,), (5,)), True)
    add("bilinear_3_4_2", "Bilinear", {"in1_features": 3, "in2_features": 4, "out_features": 2},
        pair((5, 3), (5, 4), "input1", "input2"), True)
    add("bilinear_nobias_batched", "Bilinear", {"in1_features": 2, "in2_features": 3, "out_features": 4, "bias": False},
        pair((2, 3, 2), (2, 3, 3), "input1", "input2"), True)
    add("bilinear_1d", "Bilinear", {"in1_features": 3, "in2_features": 3, "out_features": 2},
        pair((3,), (3,), "input1", "input2"))
