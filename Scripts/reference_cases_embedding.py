"""Reference cases for Embedding (imported by make_reference_fixtures.py). Ids are I64; the
computation runs in the weights' dtype."""
import torch


def add_cases(add, out):
    """Appends cases with `add(name, module_name, args, make_inputs, random_grad=False, train=False)`."""
    ids = lambda *s, c: (lambda d: {"input": torch.randint(0, c, s, dtype=torch.int64)})

    def with_padding(*s, c, pad):
        def make(d):
            t = torch.randint(0, c, s, dtype=torch.int64)
            t.view(-1)[::3] = pad
            return {"input": t}
        return make

    add("embedding_7_4", "Embedding", {"num_embeddings": 7, "embedding_dim": 4}, ids(3, 5, c=7), True)
    add("embedding_1d", "Embedding", {"num_embeddings": 5, "embedding_dim": 3}, ids(6, c=5), True)
    add("embedding_padding_0", "Embedding", {"num_embeddings": 6, "embedding_dim": 3, "padding_idx": 0},
        with_padding(2, 6, c=6, pad=0), True)
    add("embedding_padding_negative", "Embedding", {"num_embeddings": 6, "embedding_dim": 2, "padding_idx": -1},
        with_padding(4, 3, c=6, pad=5), True)
