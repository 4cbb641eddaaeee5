import Glassbox
import GlassboxIO

/// `glassbox explain --checkpoint DIR --index N --out FILE.png`.
let explainCommand = Command(
    name: "explain",
    summary: "Write saliency and integrated-gradients maps of a test image",
    usage: ["explain --checkpoint DIR --index N --out FILE.png [--data DIR] [--target C] [--steps M] [--scale S]"],
    details: """
        Takes test image N (of the embedded MNIST subset, or of the test set in --data DIR), runs
        the classifier of the checkpoint, and writes one PNG of three panels: the input digit,
        the input-gradient saliency |dF_c/dx| (black-red-yellow-white) and the integrated
        gradients from an all-black baseline (blue negative, red positive), where F_c is the
        score (logit) of the predicted class, or of class C with --target. Prints the prediction
        and the completeness check of integrated gradients: their sum equals
        F_c(x) - F_c(baseline) up to the quadrature error of M steps.
        """,
    options: [
        .value("checkpoint", "DIR", "The checkpoint directory (from 'glassbox train cnn --out DIR')."),
        .value("index", "N", "Which test image (0-based)."),
        .value("out", "FILE", "The PNG file to write."),
        .value("data", "DIR", "Take the image from the test set in DIR instead of the embedded subset."),
        .value("target", "C", "Explain class C instead of the predicted class."),
        .value("steps", "M", "Integration steps of integrated gradients (default 64)."),
        .value("scale", "S", "Upscale each 28x28 panel S times (default 8)."),
    ],
    maxPositionals: 0,
    run: { arguments in
        guard let directory = try arguments.string("checkpoint") else { throw CLIError.usage("explain: --checkpoint DIR is required") }
        guard let index = try arguments.int("index", in: 0...Int.max) else { throw CLIError.usage("explain: --index N is required") }
        guard let out = try arguments.string("out") else { throw CLIError.usage("explain: --out FILE.png is required") }
        let target = try arguments.int("target", in: 0...9)
        let steps = try arguments.int("steps") ?? 64
        let scale = try arguments.int("scale", in: 1...64) ?? 8
        try failing("explain") { try FileIO.checkWritable(path: out) }  // before the work, not after
        let classifier = try CheckpointedClassifier(directory: directory, command: "explain")
        let test = try failing("explain") {
            if let data = try arguments.string("data") {
                return try MNIST.load(directory: data, split: .test, variant: classifier.variant)
            }
            return try MNIST.embedded(split: .test)
        }
        guard index < test.count else {
            throw CLIError.usage("explain: --index \(index) is out of range: the test set has \(test.count) images")
        }
        let image = test.image(at: index)
        let input = classifier.inputs(image.pixels, count: 1).squeezed(0)
        let probabilities = classifier.model.predict(input.unsqueezed(0)).softmax(dim: 1).scalars
        let predicted = probabilities.indices.max { probabilities[$0] < probabilities[$1] }!
        let explained = target ?? predicted
        let baseline = classifier.inputs([UInt8](repeating: 0, count: 784), count: 1).squeezed(0)
        let saliency = Attribution.saliency(classifier.model, input: input, target: explained).abs()
        let integrated = Attribution.integratedGradients(
            classifier.model, input: input, baseline: baseline, target: explained, steps: steps)
        let scores = classifier.model.predict(Tensor.stack([input, baseline])).scalars
        let difference = Double(scores[explained] - scores[10 + explained])

        // Colour scales end at the 99th percentile of the magnitudes, so that a few extreme
        // pixels do not wash out the rest (values beyond saturate).
        let saliencyTop = percentile(saliency.scalars, 0.99)
        let integratedTop = percentile(integrated.scalars.map(Swift.abs), 0.99)
        let panels = [
            image.upscaled(by: scale),
            Image(values: saliency.scalars, width: 28, height: 28, colorMap: .hot, range: 0...Swift.max(saliencyTop, 1e-12))
                .upscaled(by: scale),
            Image(
                values: integrated.scalars, width: 28, height: 28, colorMap: .blueWhiteRed,
                range: -Swift.max(integratedTop, 1e-12)...Swift.max(integratedTop, 1e-12)
            ).upscaled(by: scale),
        ]
        try failing("explain") { try PNG.write(Image.grid(panels, nrow: 3, padding: 4, padValue: 255), to: out) }
        let names = classifier.variant.classNames
        Console.out(
            "explain: test image \(index) (label \(names[test.labels[index]])), predicted \(names[predicted]) "
                + "\(percent(probabilities[predicted])); maps for class \(names[explained]) written to \(out) "
                + "(input | saliency | integrated gradients)")
        Console.out(
            "integrated gradients: sum \(TextFormat.fixed(Double(integrated.sum().item), decimals: 4)), "
                + "F(x) - F(baseline) \(TextFormat.fixed(difference, decimals: 4)) (\(steps) steps)")
        return 0
    })

/// The `q`-quantile (nearest rank) of `values`.
private func percentile(_ values: [Float], _ q: Double) -> Double {
    let sorted = values.sorted()
    return Double(sorted[Swift.min(sorted.count - 1, Int(q * Double(sorted.count)))])
}
