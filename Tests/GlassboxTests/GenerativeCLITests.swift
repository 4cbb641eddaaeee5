import Foundation
import Glassbox
import GlassboxIO
import Testing

@Suite(
    "glassbox train autoencoder|vae|gan|wgan|wgan-gp|ddpm, sample, score",
    .serialized,
    .enabled(if: glassboxExecutable != nil, "the glassbox executable is not built next to the tests"),
    .slow)
struct GenerativeCLITests {
    /// A directory with 256 training and 64 test images (real MNIST), removed by the caller.
    static func smallMNIST() throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("glassbox-generative-\(UUID())").path
        try FileIO.createDirectory(atPath: directory + "/data")
        try writeIDX(MNIST.embedded(split: .train), count: 256, prefix: "train", to: directory + "/data")
        try writeIDX(MNIST.embedded(split: .test), count: 64, prefix: "t10k", to: directory + "/data")
        return directory
    }

    @Test("autoencoder with a 2-D latent: reconstructions grid, scatter plot, loss curve")
    func autoencoder() throws {
        let root = try Self.smallMNIST()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let trained = try glassbox([
            "train", "autoencoder", "--data", root + "/data", "--epochs", "2", "--latent", "2", "--out", root + "/ae",
            "--metrics", root + "/ae.json", "--threads", "2",
        ])
        #expect(trained.status == 0, "\(trained.err)")
        #expect(trained.out.contains("autoencoder: test loss") && trained.out.contains("nats/image"))
        let metrics = try JSONValue(parsing: FileIO.readBytes(atPath: root + "/ae.json"))
        #expect(metrics["test_losses"]?.arrayValue?.count == 2)
        #expect(try String(decoding: FileIO.readBytes(atPath: root + "/ae/loss.svg"), as: UTF8.self).contains("<polyline"))

        let sampled = try glassbox([
            "sample", "autoencoder", "--checkpoint", root + "/ae", "--out", root + "/ae.png", "--scatter", root + "/ae.svg",
        ])
        #expect(sampled.status == 0, "\(sampled.err)")
        let grid = try PNG.read(contentsOf: root + "/ae.png")
        #expect(grid.width == 8 * 30 + 2 && grid.height == 8 * 30 + 2)
        let svg = String(decoding: try FileIO.readBytes(atPath: root + "/ae.svg"), as: UTF8.self)
        // 2 000 embedded test digits and ten legend markers.
        #expect(svg.components(separatedBy: "<circle").count - 1 == 2010)

        let conv = try glassbox([
            "train", "autoencoder", "--arch", "conv", "--loss", "mse", "--data", root + "/data", "--epochs", "1", "--threads", "2",
            "--out", root + "/conv",
        ])
        #expect(conv.status == 0, "\(conv.err)")
        #expect(conv.out.contains("squared error/image"))
        let noScatter = try glassbox(["sample", "autoencoder", "--checkpoint", root + "/conv", "--scatter", root + "/x.svg"])
        #expect(noScatter.status == 2)
        #expect(lines(noScatter.err) == ["glassbox: sample autoencoder: --scatter needs a 2-D latent (train with --latent 2); this one has 32"])
        #expect(!FileIO.exists(atPath: root + "/x.svg"))
    }

    @Test("vae: train, prior samples, interpolations, 10-sample file; score against a CNN")
    func vaeAndScore() throws {
        let root = try Self.smallMNIST()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let trained = try glassbox(["train", "vae", "--data", root + "/data", "--epochs", "2", "--out", root + "/vae", "--threads", "2"])
        #expect(trained.status == 0, "\(trained.err)")
        #expect(trained.out.contains("vae: test loss"))
        #expect(lines(trained.err).contains { $0.contains("epoch 2, train loss") })

        let grid = try glassbox(["sample", "vae", "--checkpoint", root + "/vae", "--out", root + "/s.png"])
        #expect(grid.status == 0, "\(grid.err)")
        #expect(try PNG.read(contentsOf: root + "/s.png").width == 8 * 30 + 2)
        let interpolation = try glassbox(["sample", "vae", "--checkpoint", root + "/vae", "--out", root + "/i.png", "--interpolate"])
        #expect(interpolation.status == 0, "\(interpolation.err)")
        let lerp = try PNG.read(contentsOf: root + "/i.png")
        #expect(lerp.width == 10 * 30 + 2 && lerp.height == 8 * 30 + 2)

        let file = try glassbox(["sample", "vae", "--checkpoint", root + "/vae", "--out", root + "/s.safetensors", "--count", "10", "--seed", "3"])
        #expect(file.status == 0, "\(file.err)")
        let samples = try SafeTensors(contentsOf: root + "/s.safetensors")
        #expect(samples["samples"]?.shape == [10, 1, 28, 28])
        #expect(samples["samples"]!.asFloats().allSatisfy { $0 >= 0 && $0 <= 1 })
        let again = try glassbox(["sample", "vae", "--checkpoint", root + "/vae", "--out", root + "/t.safetensors", "--count", "10", "--seed", "3"])
        #expect(again.status == 0)
        #expect(try SafeTensors(contentsOf: root + "/t.safetensors")["samples"] == samples["samples"])
        let cooler = try glassbox([
            "sample", "vae", "--checkpoint", root + "/vae", "--out", root + "/c.safetensors", "--count", "10", "--seed", "3", "--temperature", "0.5",
        ])
        #expect(cooler.status == 0)
        #expect(try SafeTensors(contentsOf: root + "/c.safetensors")["samples"] != samples["samples"])

        let cnn = try glassbox(["train", "cnn", "--data", root + "/data", "--epochs", "1", "--out", root + "/cnn"])
        #expect(cnn.status == 0, "\(cnn.err)")
        let score = try glassbox(["score", "--samples", root + "/s.safetensors", "--classifier", root + "/cnn", "--data", root + "/data"])
        #expect(score.status == 0, "\(score.err)")
        let output = lines(score.out)
        #expect(output.count == 2)
        #expect(output[0].hasPrefix("samples (10): inception-style score ") && output[0].contains("Fréchet distance"))
        #expect(output[1].hasPrefix("test set (64): inception-style score ") && output[1].contains("128-d"))
    }

    @Test("gan, wgan, wgan-gp: one epoch each; progress grid, loss curve, samples reproducible for a seed")
    func gans() throws {
        let root = try Self.smallMNIST()
        defer { try? FileManager.default.removeItem(atPath: root) }
        for name in ["gan", "wgan", "wgan-gp"] {
            let out = root + "/" + name
            // 256 images in batches of 16: 16 discriminator steps, so 3 generator steps for the WGANs.
            let trained = try glassbox(["train", name, "--data", root + "/data", "--epochs", "1", "--batch-size", "16", "--out", out, "--threads", "2"])
            #expect(trained.status == 0, "\(trained.err)")
            #expect(trained.out.hasPrefix("\(name): discriminator loss "), "\(trained.out)")
            #expect(trained.out.contains("Wasserstein estimate") == (name != "gan"))
            #expect(lines(trained.err).contains { $0.contains("epoch 1, discriminator loss") })
            #expect(try PNG.read(contentsOf: out + "/samples.png").width == 8 * 30 + 2)
            #expect(try String(contentsOfFile: out + "/loss.svg", encoding: .utf8).contains("<svg"))
            // Only gan saves (and samples) a moving average of its generator.
            #expect(try String(contentsOfFile: out + "/model.json", encoding: .utf8).contains("\"generator_average_decay\":0.999") == (name == "gan"))

            let grid = try glassbox(["sample", name, "--checkpoint", out, "--out", root + "/\(name).png", "--count", "16"])
            #expect(grid.status == 0, "\(grid.err)")
            #expect(try PNG.read(contentsOf: root + "/\(name).png").height == 2 * 30 + 2)
            let file = try glassbox(["sample", name, "--checkpoint", out, "--out", root + "/a.safetensors", "--count", "12", "--seed", "2"])
            #expect(file.status == 0, "\(file.err)")
            let samples = try SafeTensors(contentsOf: root + "/a.safetensors")["samples"]
            #expect(samples?.shape == [12, 1, 28, 28])
            #expect(samples!.asFloats().allSatisfy { $0 >= 0 && $0 <= 1 })
            _ = try glassbox(["sample", name, "--checkpoint", out, "--out", root + "/b.safetensors", "--count", "12", "--seed", "2"])
            #expect(try SafeTensors(contentsOf: root + "/b.safetensors")["samples"] == samples)
        }
        let plain = try glassbox(["train", "gan", "--arch", "plain", "--data", root + "/data", "--epochs", "1", "--out", root + "/plain"])
        #expect(plain.status == 0, "\(plain.err)")
        #expect(try String(contentsOfFile: root + "/plain/model.json", encoding: .utf8).contains("plain"))
    }

    @Test("ddpm: one epoch, progress grid, DDIM and ancestral samples reproducible for a seed, --resume exact; --minutes stops early")
    func ddpm() throws {
        let root = try Self.smallMNIST()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let out = root + "/ddpm"
        let trained = try glassbox([
            "train", "ddpm", "--data", root + "/data", "--epochs", "1", "--batch-size", "64", "--out", out, "--threads", "2",
            "--metrics", root + "/ddpm.json",
        ])
        #expect(trained.status == 0, "\(trained.err)")
        #expect(trained.out.hasPrefix("ddpm: test ε-loss (EMA) "), "\(trained.out)")
        #expect(lines(trained.err).contains { $0.contains("epoch 1, train loss") })
        let metrics = try JSONValue(parsing: FileIO.readBytes(atPath: root + "/ddpm.json"))
        #expect(metrics["optimizer_steps"]?.doubleValue == 4)  // 256 images in batches of 64
        #expect(try PNG.read(contentsOf: out + "/samples.png").width == 8 * 30 + 2)
        #expect(try String(contentsOfFile: out + "/loss.svg", encoding: .utf8).contains("<svg"))

        let grid = try glassbox(["sample", "ddpm", "--checkpoint", out, "--out", root + "/d.png", "--count", "16", "--steps", "5"])
        #expect(grid.status == 0, "\(grid.err)")
        #expect(grid.err.contains("DDIM, 5 steps"))
        #expect(try PNG.read(contentsOf: root + "/d.png").height == 2 * 30 + 2)
        for (file, steps) in [("a", ["--steps", "3"]), ("b", ["--steps", "3"]), ("c", []), ("e", ["--steps", "3", "--eta", "1"])] {
            let drawn = try glassbox(
                ["sample", "ddpm", "--checkpoint", out, "--out", root + "/\(file).safetensors", "--count", "2", "--seed", "2"] + steps)
            #expect(drawn.status == 0, "\(drawn.err)")
        }
        let a = try SafeTensors(contentsOf: root + "/a.safetensors")["samples"]
        #expect(a?.shape == [2, 1, 28, 28])
        #expect(a!.asFloats().allSatisfy { $0 >= 0 && $0 <= 1 })
        #expect(try SafeTensors(contentsOf: root + "/b.safetensors")["samples"] == a)
        #expect(try SafeTensors(contentsOf: root + "/c.safetensors")["samples"] != a)  // ancestral, 1000 steps
        #expect(try SafeTensors(contentsOf: root + "/e.safetensors")["samples"] != a)  // DDIM with noise

        // --resume continues the 1-epoch run to 2 epochs exactly as one 2-epoch run trains.
        let resumed = try glassbox([
            "train", "ddpm", "--data", root + "/data", "--epochs", "2", "--resume", "--out", out, "--threads", "2",
            "--metrics", root + "/resumed.json",
        ])
        #expect(resumed.status == 0, "\(resumed.err)")
        #expect(resumed.err.contains("resuming after epoch 1"))
        let whole = try glassbox([
            "train", "ddpm", "--data", root + "/data", "--epochs", "2", "--batch-size", "64", "--out", root + "/whole", "--threads", "2",
        ])
        #expect(whole.status == 0, "\(whole.err)")
        #expect(try FileIO.readBytes(atPath: out + "/model.safetensors") == FileIO.readBytes(atPath: root + "/whole/model.safetensors"))
        let continued = try JSONValue(parsing: FileIO.readBytes(atPath: root + "/resumed.json"))
        #expect(continued["optimizer_steps"]?.doubleValue == 8 && continued["epochs"]?.doubleValue == 2)
        #expect(continued["test_losses"]?.arrayValue?.count == 2)
        let finished = try glassbox(["train", "ddpm", "--data", root + "/data", "--resume", "--out", out])
        #expect(finished.status == 1)
        #expect(finished.err.contains("the checkpoint already has 2 epochs; ask for more with --epochs N (N > 2)"), "\(finished.err)")

        let short = try glassbox([
            "train", "ddpm", "--arch", "plain", "--data", root + "/data", "--epochs", "3", "--batch-size", "64", "--minutes", "0.0001",
            "--metrics", root + "/short.json",
        ])
        #expect(short.status == 0, "\(short.err)")
        let stopped = try JSONValue(parsing: FileIO.readBytes(atPath: root + "/short.json"))
        #expect(stopped["optimizer_steps"]?.doubleValue == 1 && stopped["epochs"]?.doubleValue == 1)
    }
}
