"""Reference cases for KLDivLoss, PoissonNLLLoss, GaussianNLLLoss, HingeEmbeddingLoss, MarginRankingLoss, SoftMarginLoss,
MultiLabelMarginLoss, MultiLabelSoftMarginLoss, MultiMarginLoss, TripletMarginLoss, CosineEmbeddingLoss, CTCLoss, and more options
of NLLLoss / CrossEntropyLoss (imported by make_reference_fixtures.py).

Float labels that PyTorch does not differentiate (the ±1 targets of HingeEmbeddingLoss and CosineEmbeddingLoss) get
zero `grad.` entries through autograd's allow_unused; SoftMarginLoss's target, which PyTorch refuses to differentiate,
is written by write_cases with a zero `grad.target`."""
import json
import os

import torch
from safetensors.torch import save_file

REDUCTIONS = ["none", "mean", "sum"]


def add_cases(add, out):
    """Appends cases with `add(name, module_name, args, make_inputs, random_grad=False, train=False)`
    (or `out.append(...)` with tensor constructor arguments, as in make_reference_fixtures.py)."""
    randn = lambda *s, dtype: torch.randn(*s, dtype=dtype)
    rand = lambda *s, dtype: torch.rand(*s, dtype=dtype)
    sign = lambda *s, dtype: torch.where(torch.rand(*s) > 0.5, 1.0, -1.0).to(dtype)
    idx = lambda *s, c: torch.randint(0, c, s, dtype=torch.int64)

    for r in REDUCTIONS + ["batchmean"]:
        add(f"kl_div_{r}", "KLDivLoss", {"reduction": r},
            lambda d: {"input": torch.log_softmax(randn(3, 5, dtype=d), 1), "target": torch.softmax(randn(3, 5, dtype=d), 1)},
            r == "none")
    add("kl_div_log_target_batchmean", "KLDivLoss", {"reduction": "batchmean", "log_target": True},
        lambda d: {"input": torch.log_softmax(randn(4, 3, dtype=d), 1), "target": torch.log_softmax(randn(4, 3, dtype=d), 1)})
    add("kl_div_log_target_none_3d", "KLDivLoss", {"reduction": "none", "log_target": True},
        lambda d: {"input": torch.log_softmax(randn(2, 3, 4, dtype=d), 1), "target": torch.log_softmax(randn(2, 3, 4, dtype=d), 1)},
        True)

    for r in REDUCTIONS:
        add(f"poisson_nll_{r}", "PoissonNLLLoss", {"reduction": r},
            lambda d: {"input": randn(3, 4, dtype=d), "target": torch.poisson(3 * rand(3, 4, dtype=d))}, r == "none")
    add("poisson_nll_full", "PoissonNLLLoss", {"full": True},
        lambda d: {"input": randn(3, 5, dtype=d), "target": 4 * rand(3, 5, dtype=d) + 0.2})
    add("poisson_nll_linear_eps_full_sum", "PoissonNLLLoss", {"log_input": False, "eps": 1e-3, "full": True, "reduction": "sum"},
        lambda d: {"input": 2 * rand(4, 3, dtype=d) + 0.05, "target": 3 * rand(4, 3, dtype=d) + 0.1})

    for r in REDUCTIONS:
        add(f"gaussian_nll_{r}", "GaussianNLLLoss", {"reduction": r},
            lambda d: {"input": randn(4, 3, dtype=d), "target": randn(4, 3, dtype=d), "var": rand(4, 3, dtype=d) + 0.1},
            r == "none")
    add("gaussian_nll_var_per_sample_full", "GaussianNLLLoss", {"full": True},
        lambda d: {"input": randn(5, 2, dtype=d), "target": randn(5, 2, dtype=d), "var": rand(5, dtype=d) + 0.2})
    add("gaussian_nll_var_last1_none", "GaussianNLLLoss", {"reduction": "none"},
        lambda d: {"input": randn(3, 4, dtype=d), "target": randn(3, 4, dtype=d), "var": rand(3, 1, dtype=d) + 0.2}, True)
    add("gaussian_nll_var_first1_eps_clamped", "GaussianNLLLoss", {"eps": 0.05, "reduction": "sum"},
        lambda d: {"input": randn(3, 4, dtype=d), "target": randn(3, 4, dtype=d), "var": 0.1 * rand(1, 4, dtype=d)})

    for r in REDUCTIONS:
        add(f"hinge_embedding_{r}", "HingeEmbeddingLoss", {"reduction": r},
            lambda d: {"input": 2 * randn(3, 4, dtype=d), "target": sign(3, 4, dtype=d)}, r == "none")
        add(f"margin_ranking_{r}", "MarginRankingLoss", {"reduction": r, "margin": 0.3},
            lambda d: {"input1": randn(6, dtype=d), "input2": randn(6, dtype=d), "target": sign(6, dtype=d)}, r == "none")
        add(f"multilabel_soft_margin_{r}", "MultiLabelSoftMarginLoss", {"reduction": r},
            lambda d: {"input": 2 * randn(3, 5, dtype=d), "target": (rand(3, 5, dtype=d) > 0.5).to(d)}, r == "none")
        add(f"multi_margin_{r}", "MultiMarginLoss", {"reduction": r},
            lambda d: {"input": randn(4, 5, dtype=d), "target": idx(4, c=5)}, r == "none")
        add(f"multilabel_margin_{r}", "MultiLabelMarginLoss", {"reduction": r},
            lambda d: {"input": randn(3, 5, dtype=d), "target": torch.tensor([[3, 0, -1, 1, 1], [1, 2, 3, 4, -1], [4, 4, -1, 0, 2]])},
            r == "none")
        add(f"triplet_margin_{r}", "TripletMarginLoss", {"reduction": r},
            lambda d: {"anchor": randn(4, 6, dtype=d), "positive": randn(4, 6, dtype=d), "negative": randn(4, 6, dtype=d)},
            r == "none")
        add(f"cosine_embedding_{r}", "CosineEmbeddingLoss", {"reduction": r},
            lambda d: {"input1": randn(5, 4, dtype=d), "input2": randn(5, 4, dtype=d), "target": sign(5, dtype=d)}, r == "none")
    add("hinge_embedding_margin_0.5", "HingeEmbeddingLoss", {"margin": 0.5},
        lambda d: {"input": randn(7, dtype=d), "target": sign(7, dtype=d)})
    add("margin_ranking_default_2d", "MarginRankingLoss", {},
        lambda d: {"input1": randn(2, 3, dtype=d), "input2": randn(2, 3, dtype=d), "target": sign(2, 3, dtype=d)})
    add("multilabel_soft_margin_1d", "MultiLabelSoftMarginLoss", {"reduction": "sum"},
        lambda d: {"input": randn(6, dtype=d), "target": rand(6, dtype=d)})
    out.append(("multilabel_soft_margin_weight", "MultiLabelSoftMarginLoss", {},
                lambda d: {"input": randn(3, 4, dtype=d), "target": (rand(3, 4, dtype=d) > 0.5).to(d)},
                False, False, {"weight": lambda d: torch.rand(4, dtype=d) + 0.5}))
    out.append(("multi_margin_p2_margin_weight", "MultiMarginLoss", {"p": 2, "margin": 0.7},
                lambda d: {"input": randn(5, 4, dtype=d), "target": idx(5, c=4)},
                False, False, {"weight": lambda d: torch.rand(4, dtype=d) + 0.5}))
    out.append(("multi_margin_weight_none", "MultiMarginLoss", {"reduction": "none", "margin": 1.5},
                lambda d: {"input": randn(5, 4, dtype=d), "target": idx(5, c=4)},
                True, False, {"weight": lambda d: torch.rand(4, dtype=d) + 0.5}))
    add("multi_margin_1d", "MultiMarginLoss", {"reduction": "none"},
        lambda d: {"input": randn(6, dtype=d), "target": torch.tensor(2)})
    add("multilabel_margin_1d", "MultiLabelMarginLoss", {"reduction": "none"},
        lambda d: {"input": randn(5, dtype=d), "target": torch.tensor([2, 4, -1, 0, 0])})
    add("triplet_margin_p1_swap", "TripletMarginLoss", {"margin": 0.5, "p": 1.0, "swap": True},
        lambda d: {"anchor": randn(5, 3, dtype=d), "positive": randn(5, 3, dtype=d), "negative": randn(5, 3, dtype=d)})
    add("triplet_margin_p3_eps_1d", "TripletMarginLoss", {"margin": 2.0, "p": 3.0, "eps": 0.01},
        lambda d: {"anchor": randn(4, dtype=d), "positive": randn(4, dtype=d), "negative": randn(4, dtype=d)})
    add("cosine_embedding_margin_1d", "CosineEmbeddingLoss", {"margin": 0.2},
        lambda d: {"input1": randn(6, dtype=d), "input2": randn(6, dtype=d), "target": torch.tensor(-1.0, dtype=d)})
    add("cosine_embedding_margin_-0.3_sum", "CosineEmbeddingLoss", {"margin": -0.3, "reduction": "sum"},
        lambda d: {"input1": randn(6, 3, dtype=d), "input2": randn(6, 3, dtype=d), "target": sign(6, dtype=d)})

    # NLLLoss / CrossEntropyLoss: K-dimensional inputs with weights and ignore_index, every reduction.
    def ignored(t, value):
        t = t.clone()
        t.view(-1)[::4] = value
        return t

    for r in REDUCTIONS:
        out.append((f"nll_kdim_weight_ignore_{r}", "NLLLoss", {"reduction": r, "ignore_index": -1},
                    lambda d: {"input": torch.log_softmax(randn(2, 4, 3, 2, dtype=d), 1), "target": ignored(idx(2, 3, 2, c=4), -1)},
                    r == "none", False, {"weight": lambda d: torch.rand(4, dtype=d) + 0.5}))
        out.append((f"cross_entropy_kdim_weight_ignore_smoothing_{r}", "CrossEntropyLoss",
                    {"reduction": r, "ignore_index": 1, "label_smoothing": 0.1},
                    lambda d: {"input": randn(2, 3, 4, dtype=d), "target": ignored(idx(2, 4, c=3), 1)},
                    r == "none", False, {"weight": lambda d: torch.rand(3, dtype=d) + 0.5}))
        out.append((f"cross_entropy_probabilities_kdim_weight_{r}", "CrossEntropyLoss", {"reduction": r},
                    lambda d: {"input": randn(2, 3, 2, 2, dtype=d), "target": torch.softmax(randn(2, 3, 2, 2, dtype=d), 1)},
                    r == "none", False, {"weight": lambda d: torch.rand(3, dtype=d) + 0.5}))
    add("nll_unbatched", "NLLLoss", {}, lambda d: {"input": torch.log_softmax(randn(5, dtype=d), 0), "target": torch.tensor(1)})

    # CTCLoss: inputs log_probs [T, N, C] (log-softmax output), targets padded [N, S] or concatenated, lengths I64.
    lengths = lambda *v: torch.tensor(v, dtype=torch.int64)

    def ctc(t, n, c, targets, input_lengths, target_lengths):
        return lambda d: {"log_probs": torch.log_softmax(randn(t, n, c, dtype=d), 2), "targets": targets,
                          "input_lengths": input_lengths, "target_lengths": target_lengths}
    add("ctc_mean_padded", "CTCLoss", {},
        ctc(6, 3, 5, torch.tensor([[1, 2, 4], [3, 3, 0], [2, 0, 0]]), lengths(6, 5, 4), lengths(3, 2, 1)))
    add("ctc_sum_blank2_repeats", "CTCLoss", {"blank": 2, "reduction": "sum"},
        ctc(7, 2, 5, torch.tensor([[1, 1, 3], [4, 0, 4]]), lengths(7, 6), lengths(3, 3)))
    add("ctc_none_concatenated", "CTCLoss", {"reduction": "none"},
        ctc(5, 3, 4, torch.tensor([1, 2, 3, 3, 1]), lengths(5, 4, 5), lengths(2, 1, 2)), True)
    add("ctc_zero_infinity_mean", "CTCLoss", {"zero_infinity": True},
        ctc(5, 2, 4, torch.tensor([[1, 2, 3], [2, 1, 0]]), lengths(2, 5), lengths(3, 2)))
    add("ctc_unbatched_sum", "CTCLoss", {"reduction": "sum"},
        lambda d: {"log_probs": torch.log_softmax(randn(6, 4, dtype=d), 1), "targets": torch.tensor([3, 1, 1]),
                   "input_lengths": torch.tensor(6), "target_lengths": torch.tensor(3)})


def write_cases(out_dir):
    """Writes the SoftMarginLoss cases (target not differentiated, `grad.target` zero) in F64 and F32; returns the
    number written."""
    count = 0
    for r in REDUCTIONS:
        name = f"soft_margin_{r}"
        args = {"reduction": r}
        for dtype, suffix in [(torch.float64, "f64"), (torch.float32, "f32")]:
            torch.manual_seed(sum(map(ord, name + suffix)) * 7919 % 2**31)  # stable across runs
            x = (2 * torch.randn(3, 4, dtype=dtype)).requires_grad_(True)
            y = torch.where(torch.rand(3, 4) > 0.5, 1.0, -1.0).to(dtype)
            output = torch.nn.SoftMarginLoss(**args)(x, y)
            grad_output = torch.randn(output.shape, dtype=dtype) if r == "none" else None
            (grad,) = torch.autograd.grad(output, [x], grad_outputs=grad_output if grad_output is not None else torch.ones_like(output))
            inputs = {"input": x.detach(), "target": y}
            if grad_output is not None:
                inputs["grad_output"] = grad_output
            expected = {"output": output.detach(), "grad.input": grad, "grad.target": torch.zeros_like(y)}
            directory = os.path.join(out_dir, f"{name}_{suffix}")
            os.makedirs(directory, exist_ok=True)
            with open(os.path.join(directory, "case.json"), "w") as f:
                json.dump({"module": "SoftMarginLoss", "args": args, "train": False}, f, sort_keys=True)
                f.write("\n")
            save_file({}, os.path.join(directory, "weights.safetensors"))
            save_file({k: v.contiguous() for k, v in inputs.items()}, os.path.join(directory, "inputs.safetensors"))
            save_file({k: v.contiguous() for k, v in expected.items()}, os.path.join(directory, "expected.safetensors"))
            count += 1
    return count
