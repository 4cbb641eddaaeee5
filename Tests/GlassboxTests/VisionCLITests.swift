import Foundation
import Glassbox
import GlassboxIO
import Testing

/// Writes the first `count` images and labels of an embedded MNIST split as raw IDX files.
func writeIDX(_ data: ImageDataset<Float>, count: Int, prefix: String, to directory: String) throws {
    func header(_ type: UInt8, _ dims: [Int]) -> [UInt8] {
        [0, 0, 0x08, type] + dims.flatMap { d in (0..<4).reversed().map { UInt8((d >> (8 * $0)) & 0xFF) } }
    }
    try FileIO.writeAtomically(
        header(3, [count, 28, 28]) + Array(data.images[0..<(count * 784)]), toPath: "\(directory)/\(prefix)-images-idx3-ubyte")
    try FileIO.writeAtomically(
        header(1, [count]) + data.labels[0..<count].map { UInt8($0) }, toPath: "\(directory)/\(prefix)-labels-idx1-ubyte")
}

/// Whether this is a release build: these tests train convolutional networks through the
/// executable, which a debug build runs about 100× slower (minutes instead of seconds), so
/// they run in release builds only, like the other slow training tests (design.md).

/// Training images of the small data set.
private let trainCount = 192
/// The model of the resume test: the VGG, whose BatchNorm buffers and dropout random state
/// must come back too.
private let resumeModel = "vgg"

/// A directory with `trainCount` training and 32 test images (real MNIST), removed by the
/// caller.
private func smallMNIST() throws -> String {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("glassbox-vision-\(UUID())").path
    try FileIO.createDirectory(atPath: directory + "/data")
    try writeIDX(MNIST.embedded(split: .train), count: trainCount, prefix: "train", to: directory + "/data")
    try writeIDX(MNIST.embedded(split: .test), count: 32, prefix: "t10k", to: directory + "/data")
    return directory
}

@Suite(
    "glassbox train cnn|vgg, predict, explain",
    .serialized,
    .enabled(if: glassboxExecutable != nil, "the glassbox executable is not built next to the tests"),
    .slow)
struct VisionCLITests {
    /// The state dict of a checkpoint's `model.safetensors`, by name.
    static func weights(_ directory: String) throws -> [String: ArrayData] {
        try SafeTensors(contentsOf: directory + "/model.safetensors").tensorsByName
    }

    @Test("2 epochs, stop, resume 2 more: weights bitwise equal to 4 uninterrupted epochs")
    func resumeIsBitwiseExact() throws {
        let root = try smallMNIST()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let common = ["--data", root + "/data", "--epochs", "4", "--batch-size", "32", "--threads", "2"]
        let straight = try glassbox(["train", resumeModel] + common + ["--out", root + "/a"])
        #expect(straight.status == 0, "\(straight.err)")
        #expect(straight.out.contains("after 4 epochs"))

        let first = try glassbox(["train", resumeModel] + common + ["--out", root + "/b", "--stop-after", "2"])
        #expect(first.status == 0, "\(first.err)")
        #expect(first.out.contains("after 2 epochs"))
        #expect(try Checkpoint.metadata(in: root + "/b")["epoch"] == "2")
        let resumed = try glassbox(["train", resumeModel, "--data", root + "/data", "--threads", "1", "--out", root + "/b", "--resume"])
        #expect(resumed.status == 0, "\(resumed.err)")
        #expect(resumed.err.contains("resuming after epoch 2"))
        #expect(resumed.out.contains("after 4 epochs"))

        let a = try Self.weights(root + "/a"), b = try Self.weights(root + "/b")
        #expect(a.keys.sorted() == b.keys.sorted())
        #expect(a.keys.contains("1.running_mean"))
        for (name, array) in a { #expect(b[name] == array, "\(name) differs") }

        let done = try glassbox(["train", resumeModel, "--data", root + "/data", "--out", root + "/b", "--resume"])
        #expect(done.status == 1)
        #expect(lines(done.err).count == 1 && done.err.contains("already has 4 epochs"))
        let wrongModel = try glassbox(["train", "lenet", "--data", root + "/data", "--out", root + "/b", "--resume"])
        #expect(wrongModel.status == 1)
        #expect(lines(wrongModel.err) == ["glassbox: train lenet: the checkpoint in '\(root)/b' is of model '\(resumeModel)', not 'lenet'"])
    }

    @Test("predict reads IDX, PNG and PGM; explain writes three panels; bad input is one line and a non-zero exit")
    func predictAndExplain() throws {
        let root = try smallMNIST()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let trained = try glassbox(["train", "cnn", "--data", root + "/data", "--epochs", "1", "--out", root + "/cnn"])
        #expect(trained.status == 0, "\(trained.err)")

        let idx = try glassbox(["predict", "--checkpoint", root + "/cnn", "--images", root + "/data/t10k-images-idx3-ubyte", "--limit", "4"])
        #expect(idx.status == 0, "\(idx.err)")
        #expect(lines(idx.out).count == 4)
        #expect(lines(idx.out).allSatisfy { $0.contains("%") && $0.contains("(then ") })

        // The same first test image as PNG and as PGM gives the same line.
        let test = try MNIST.embedded(split: .test)
        try PNG.write(test.image(at: 0), to: root + "/digit.png")
        try PGM.write(test.image(at: 0), to: root + "/digit.pgm")
        let png = try glassbox(["predict", "--checkpoint", root + "/cnn", "--images", root + "/digit.png"])
        let pgm = try glassbox(["predict", "--checkpoint", root + "/cnn", "--images", root + "/digit.pgm"])
        #expect(png.status == 0 && pgm.status == 0)
        #expect(png.out == lines(idx.out)[0] + "\n")
        #expect(pgm.out == png.out)

        try PNG.write(Image(width: 20, height: 28, channels: 1, pixels: [UInt8](repeating: 0, count: 560)), to: root + "/small.png")
        let wrongSize = try glassbox(["predict", "--checkpoint", root + "/cnn", "--images", root + "/small.png"])
        #expect(wrongSize.status == 1)
        #expect(lines(wrongSize.err) == ["glassbox: predict: \(root)/small.png: image is 20×28, expected 28×28"])
        let noCheckpoint = try glassbox(["predict", "--checkpoint", root + "/nothing", "--images", root + "/digit.png"])
        #expect(noCheckpoint.status == 1 && lines(noCheckpoint.err).count == 1)
        #expect(noCheckpoint.err.contains("no such file"))
        let missingOption = try glassbox(["predict", "--checkpoint", root + "/cnn"])
        #expect(missingOption.status == 2)

        let out = root + "/explain.png"
        let explain = try glassbox(["explain", "--checkpoint", root + "/cnn", "--index", "3", "--data", root + "/data", "--out", out, "--scale", "2"])
        #expect(explain.status == 0, "\(explain.err)")
        #expect(explain.out.contains("integrated gradients: sum"))
        let image = try PNG.read(contentsOf: out)
        #expect(image.width == 3 * 56 + 4 * 4 && image.height == 56 + 2 * 4)
        let outOfRange = try glassbox(["explain", "--checkpoint", root + "/cnn", "--index", "32", "--data", root + "/data", "--out", root + "/x.png"])
        #expect(outOfRange.status == 2)
        #expect(lines(outOfRange.err) == ["glassbox: explain: --index 32 is out of range: the test set has 32 images"])
        #expect(!FileManager.default.fileExists(atPath: root + "/x.png"))
    }
}
