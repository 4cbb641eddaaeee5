import GlassboxIO

/// The images of a `[N, …]` tensor of 28 × 28 gray pixels in [0, 1] each (clamped, rounded to
/// bytes), for a PNG grid.
public func digitImages(_ tensor: Tensor<Float>) -> [Image] {
    let values = tensor.scalars
    return (0..<tensor.shape[0]).map { index in
        Image(
            width: 28, height: 28, channels: 1,
            pixels: values[(index * 784)..<((index + 1) * 784)].map { UInt8((Swift.min(Swift.max($0, 0), 1) * 255).rounded()) })
    }
}

/// `count` samples `[count, 1, 28, 28]` drawn without gradients in batches of `batchSize`:
/// `draw(n, &generator)` gives `n` samples of 784 values each, the generator seeded with
/// `seed` and carried from batch to batch (so the result does not depend on the batch split's
/// timing, only on `batchSize`).
public func drawDigitSamples(
    count: Int, batchSize: Int = 100, seed: UInt64, draw: (_ count: Int, _ generator: inout RandomGenerator) -> Tensor<Float>
) -> Tensor<Float> {
    var generator = RandomGenerator(seed: seed)
    return withoutGrad {
        Tensor.concat(stride(from: 0, to: count, by: batchSize).map { start in
            draw(Swift.min(batchSize, count - start), &generator).reshaped([-1, 1, 28, 28])
        })
    }
}

/// Codes on the segments between consecutive pairs of `codes` (`[2 · pairs, latentSize]`
/// values, row-major): for each pair `(a, b)`, `steps` points `a + t (b − a)` with `t` evenly
/// from 0 to 1; the result is `[pairs · steps, latentSize]`.
///
/// - Precondition: `steps` ≥ 2 and `codes` holds `2 · pairs · latentSize` values.
public func interpolateCodes(_ codes: [Float], latentSize: Int, pairs: Int, steps: Int) -> Tensor<Float> {
    precondition(steps >= 2 && codes.count == 2 * pairs * latentSize, "interpolateCodes: \(codes.count) values for \(pairs) pairs of \(latentSize)")
    let points = (0..<pairs).flatMap { row in
        let a = codes[(2 * row * latentSize)..<((2 * row + 1) * latentSize)]
        let b = codes[((2 * row + 1) * latentSize)..<((2 * row + 2) * latentSize)]
        return (0..<steps).flatMap { step in
            let t = Float(step) / Float(steps - 1)
            return zip(a, b).map { $0 + t * ($1 - $0) }
        }
    }
    return Tensor(points, shape: [pairs * steps, latentSize])
}
