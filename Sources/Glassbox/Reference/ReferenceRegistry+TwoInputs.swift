import GlassboxIO

extension ReferenceRegistry {
    /// Layers with two floating-point inputs: `CosineSimilarity` and `PairwiseDistance` (inputs
    /// `x1`, `x2`, broadcastable), `Bilinear` (inputs `input1`, `input2`; parameters `weight`,
    /// `bias`).
    static func twoInputBuilders<Scalar: TensorScalar>(_: Scalar.Type) -> [String: Builder<Scalar>] {
        [
            "CosineSimilarity": { args, _ in
                let dim = try args.int("dim", default: 1)
                let eps = try args.double("eps", default: 1e-8, in: 0...Double.greatestFiniteMagnitude)
                return ReferenceModel(inputNames: ["x1", "x2"]) { inputs, _ in
                    let (x1, x2) = try pair(inputs, "x1", "x2")
                    let shape = try broadcastShape("CosineSimilarity", x1.shape, x2.shape)
                    guard (-Swift.max(shape.count, 1)..<Swift.max(shape.count, 1)).contains(dim) else {
                        throw ReferenceError.invalidInput(name: "x1", problem: "has shape \(x1.shape): dim \(dim) is out of range")
                    }
                    return cosineSimilarity(x1, x2, dim: dim, eps: Scalar(eps))
                }
            },
            "PairwiseDistance": { args, _ in
                let p = try args.double("p", default: 2, in: Double.leastNonzeroMagnitude...Double.greatestFiniteMagnitude)
                let eps = try args.double("eps", default: 1e-6)
                let keepDim = try args.bool("keepdim", default: false)
                return ReferenceModel(inputNames: ["x1", "x2"]) { inputs, _ in
                    let (x1, x2) = try pair(inputs, "x1", "x2")
                    _ = try broadcastShape("PairwiseDistance", x1.shape, x2.shape)
                    return pairwiseDistance(x1, x2, p: Scalar(p), eps: Scalar(eps), keepDim: keepDim)
                }
            },
            "Bilinear": { args, _ in
                let in1 = try args.int("in1_features"), in2 = try args.int("in2_features")
                let outFeatures = try args.int("out_features")
                let hasBias = try args.bool("bias", default: true)
                for (name, size) in [("in1_features", in1), ("in2_features", in2), ("out_features", outFeatures)] where size <= 0 {
                    throw ReferenceError.invalidArgument(module: "Bilinear", name: name, expected: "> 0")
                }
                let layer = Bilinear<Scalar>(
                    weight: Tensor.zeros(try args.parameterShape("weight", [outFeatures, in1, in2]), requiresGrad: true),
                    bias: hasBias ? Tensor.zeros(try args.parameterShape("bias", [outFeatures]), requiresGrad: true) : nil)
                return ReferenceModel(parameters: layer.namedParameters(), inputNames: ["input1", "input2"]) { inputs, _ in
                    let (x1, x2) = try pair(inputs, "input1", "input2")
                    guard x1.rank >= 1, x1.shape.last == in1 else {
                        throw ReferenceError.invalidInput(name: "input1", problem: "has shape \(x1.shape), expected [..., \(in1)]")
                    }
                    guard x2.rank >= 1, x2.shape.last == in2, x2.shape.dropLast() == x1.shape.dropLast() else {
                        throw ReferenceError.invalidInput(
                            name: "input2", problem: "has shape \(x2.shape), expected \(Array(x1.shape.dropLast()) + [in2])")
                    }
                    return layer(x1, x2)
                }
            },
        ]
    }

    /// Two required floating-point inputs.
    private static func pair<Scalar>(
        _ inputs: [String: ReferenceValue<Scalar>], _ first: String, _ second: String
    ) throws -> (Tensor<Scalar>, Tensor<Scalar>) {
        var tensors: [Tensor<Scalar>] = []
        for name in [first, second] {
            guard case .floating(let tensor)? = inputs[name] else {
                throw ReferenceError.invalidInput(name: name, problem: "must be a floating-point tensor")
            }
            tensors.append(tensor)
        }
        return (tensors[0], tensors[1])
    }

    /// The broadcast shape of `x1` and `x2`, or an error naming `x2`.
    private static func broadcastShape(_ module: String, _ a: [Int], _ b: [Int]) throws -> [Int] {
        let rank = Swift.max(a.count, b.count)
        var out = [Int](repeating: 1, count: rank)
        for i in 0..<rank {
            let da = i < rank - a.count ? 1 : a[i - (rank - a.count)]
            let db = i < rank - b.count ? 1 : b[i - (rank - b.count)]
            guard da == db || da == 1 || db == 1 else {
                throw ReferenceError.invalidInput(name: "x2", problem: "has shape \(b), which does not broadcast with x1's \(a)")
            }
            out[i] = da == 1 ? db : da
        }
        return out
    }
}
