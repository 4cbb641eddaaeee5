import GlassboxIO

extension ReferenceRegistry {
    /// `PReLU`, `ReLU6`, `Hardtanh`, `Hardswish`, `Hardsigmoid`, `Mish`, `SELU`, `CELU`, `GLU`,
    /// `LogSigmoid`, `Softsign`, `Softshrink`, `Hardshrink`, `Tanhshrink`, `Threshold`,
    /// `Softmin`, `Softmax2d`, `RReLU` (evaluation mode, or `lower == upper`).
    static func activationBuilders<Scalar: TensorScalar>(_: Scalar.Type) -> [String: Builder<Scalar>] {
        [
            "PReLU": { args, train in
                let count = try args.int("num_parameters", default: 1)
                let initial = try args.double("init", default: 0.25)
                guard count >= 1 else { throw ReferenceError.invalidArgument(module: "PReLU", name: "num_parameters", expected: "≥ 1") }
                let weight = Tensor<Scalar>.full(try args.parameterShape("weight", [count]), value: Scalar(initial))
                return .layer(PReLU(weight: weight), train: train) { shape in
                    guard count == 1 || (shape.count >= 2 && shape[1] == count) else {
                        throw ReferenceError.invalidInput(
                            name: "input", problem: "has shape \(shape), expected \(count) channels in dim 1 (num_parameters)")
                    }
                }
            },
            "ReLU6": { args, train in
                _ = try args.bool("inplace", default: false)
                return .layer(ReLU6<Scalar>(), train: train)
            },
            "Hardtanh": { args, train in
                let low = try args.double("min_val", default: -1)
                let high = try args.double("max_val", default: 1)
                _ = try args.bool("inplace", default: false)
                guard high > low else { throw ReferenceError.invalidArgument(module: "Hardtanh", name: "max_val", expected: "greater than min_val") }
                return .layer(Hardtanh<Scalar>(minVal: Scalar(low), maxVal: Scalar(high)), train: train)
            },
            "Hardswish": { args, train in
                _ = try args.bool("inplace", default: false)
                return .layer(Hardswish<Scalar>(), train: train)
            },
            "Hardsigmoid": { args, train in
                _ = try args.bool("inplace", default: false)
                return .layer(Hardsigmoid<Scalar>(), train: train)
            },
            "Mish": { args, train in
                _ = try args.bool("inplace", default: false)
                return .layer(Mish<Scalar>(), train: train)
            },
            "SELU": { args, train in
                _ = try args.bool("inplace", default: false)
                return .layer(SELU<Scalar>(), train: train)
            },
            "CELU": { args, train in
                let alpha = try args.double("alpha", default: 1)
                _ = try args.bool("inplace", default: false)
                guard alpha != 0 else { throw ReferenceError.invalidArgument(module: "CELU", name: "alpha", expected: "non-zero") }
                return .layer(CELU<Scalar>(alpha: Scalar(alpha)), train: train)
            },
            "GLU": { args, train in
                let dim = try args.int("dim", default: -1)
                return .layer(GLU<Scalar>(dim: dim), train: train) { shape in
                    let d = dim < 0 ? dim + shape.count : dim
                    guard (0..<shape.count).contains(d) else {
                        throw ReferenceError.invalidInput(name: "input", problem: "has shape \(shape): dim \(dim) out of range")
                    }
                    guard shape[d] % 2 == 0 else {
                        throw ReferenceError.invalidInput(name: "input", problem: "has shape \(shape): size \(shape[d]) along dim \(dim) is not even")
                    }
                }
            },
            "LogSigmoid": { _, train in .layer(LogSigmoid<Scalar>(), train: train) },
            "Softsign": { _, train in .layer(Softsign<Scalar>(), train: train) },
            "Tanhshrink": { _, train in .layer(Tanhshrink<Scalar>(), train: train) },
            "Softshrink": { args, train in
                let lambd = try args.double("lambd", default: 0.5)
                guard lambd >= 0 else { throw ReferenceError.invalidArgument(module: "Softshrink", name: "lambd", expected: "≥ 0") }
                return .layer(Softshrink<Scalar>(lambd: Scalar(lambd)), train: train)
            },
            "Hardshrink": { args, train in
                let lambd = try args.double("lambd", default: 0.5)
                return .layer(Hardshrink<Scalar>(lambd: Scalar(lambd)), train: train)
            },
            "Threshold": { args, train in
                let threshold = try args.requiredDouble("threshold")
                let value = try args.requiredDouble("value")
                _ = try args.bool("inplace", default: false)
                return .layer(Threshold<Scalar>(threshold: Scalar(threshold), value: Scalar(value)), train: train)
            },
            "Softmin": { args, _ in
                let dim = try args.optionalInt("dim")
                return ReferenceModel(inputNames: ["input"]) { inputs, _ in
                    guard case .floating(let input)? = inputs["input"] else { throw ReferenceError.missingInput("input") }
                    let rank = input.rank
                    let resolved = dim ?? ([0, 1, 3].contains(rank) ? 0 : 1)  // PyTorch's legacy implicit dim
                    let bound = Swift.max(rank, 1)
                    guard (-bound..<bound).contains(resolved) else {
                        throw ReferenceError.invalidInput(name: "input", problem: "has rank \(rank): dim \(resolved) out of range")
                    }
                    if rank == 0 { return input.reshaped([1]).softmin(dim: 0).reshaped([]) }
                    return input.softmin(dim: resolved)
                }
            },
            "Softmax2d": { _, train in
                .layer(Softmax2d<Scalar>(), train: train) { shape in
                    guard shape.count == 3 || shape.count == 4 else {
                        throw ReferenceError.invalidInput(name: "input", problem: "has shape \(shape), expected [N, C, H, W] or [C, H, W]")
                    }
                }
            },
            "RReLU": { args, train in
                let lower = try args.double("lower", default: 1.0 / 8)
                let upper = try args.double("upper", default: 1.0 / 3)
                _ = try args.bool("inplace", default: false)
                guard lower <= upper else { throw ReferenceError.invalidArgument(module: "RReLU", name: "upper", expected: "≥ lower") }
                if train && lower < upper {
                    throw ReferenceError.unsupported(
                        "RReLU: train=true with lower < upper draws random slopes (Glassbox's random stream differs from PyTorch's); use train=false")
                }
                // The slope in Double, as PyTorch computes (lower + upper) / 2 before the kernel.
                let layer = RReLU<Scalar>(lower: Scalar((lower + upper) / 2), upper: Scalar((lower + upper) / 2))
                return .layer(layer, train: train)
            },
        ]
    }
}

extension ReferenceArguments {
    /// A required number argument (`Threshold`'s `threshold` and `value`).
    mutating func requiredDouble(_ name: String) throws -> Double {
        guard let value = raw(name), value != .null else {
            throw ReferenceError.invalidArgument(module: module, name: name, expected: "given (a number)")
        }
        guard let number = value.doubleValue, number.isFinite else {
            throw ReferenceError.invalidArgument(module: module, name: name, expected: "a finite number")
        }
        return number
    }
}
