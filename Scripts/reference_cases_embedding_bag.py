"""Reference cases for EmbeddingBag and Embedding with max_norm (imported by
make_reference_fixtures.py). Ids and offsets are I64; per_sample_weights floats (mode sum). The
computation runs in the floating inputs' dtype, else the weights'. max_norm renormalises the
rows read in place before the lookup (the weights file holds the weights before it)."""
import torch


def add_cases(add, out):
    """Appends cases with `add(name, module_name, args, make_inputs, random_grad=False, train=False)`."""
    i64 = lambda values: torch.tensor(values, dtype=torch.int64)
    ids = lambda *s, c: torch.randint(0, c, s, dtype=torch.int64)

    add("embedding_bag_sum_offsets_weights", "EmbeddingBag", {"num_embeddings": 10, "embedding_dim": 3, "mode": "sum"},
        lambda d: {"input": ids(8, c=10), "offsets": i64([0, 3, 3, 6]), "per_sample_weights": torch.randn(8, dtype=d)}, True)
    add("embedding_bag_mean_2d", "EmbeddingBag", {"num_embeddings": 6, "embedding_dim": 4},
        lambda d: {"input": ids(3, 4, c=6)}, True)
    add("embedding_bag_max_include_last_offset", "EmbeddingBag",
        {"num_embeddings": 9, "embedding_dim": 3, "mode": "max", "include_last_offset": True},
        lambda d: {"input": i64([1, 4, 0, 8, 2, 5, 7]), "offsets": i64([0, 2, 5, 7])}, True)
    add("embedding_bag_mean_padding_offsets", "EmbeddingBag", {"num_embeddings": 5, "embedding_dim": 2, "padding_idx": 1},
        lambda d: {"input": i64([1, 3, 1, 1, 4, 2, 0]), "offsets": i64([0, 2, 4])}, True)
    add("embedding_bag_max_padding_2d", "EmbeddingBag", {"num_embeddings": 7, "embedding_dim": 3, "mode": "max", "padding_idx": 0},
        lambda d: {"input": i64([[0, 3, 5], [6, 0, 2]])}, True)
    add("embedding_bag_max_norm_sum_2d", "EmbeddingBag",
        {"num_embeddings": 6, "embedding_dim": 4, "mode": "sum", "max_norm": 1.0}, lambda d: {"input": ids(2, 3, c=6)}, True)
    add("embedding_max_norm", "Embedding", {"num_embeddings": 7, "embedding_dim": 4, "max_norm": 1.0},
        lambda d: {"input": ids(3, 4, c=7)}, True)
    add("embedding_max_norm_p1_padding", "Embedding",
        {"num_embeddings": 6, "embedding_dim": 3, "max_norm": 1.5, "norm_type": 1.0, "padding_idx": 0},
        lambda d: {"input": i64([[0, 2, 5], [5, 3, 0]])}, True)
