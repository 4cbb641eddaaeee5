#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Glassbox
import GlassboxIO
import Testing

/// The shared full datasets (`../shared/data` from the project root), when present.
let sharedDataDirectory: String? = {
    let file = #filePath
    let root = file[..<file.range(of: "/Tests/GlassboxTests/")!.lowerBound]
    let directory = String(root) + "/../shared/data"
    return access(directory + "/mnist", R_OK) == 0 ? directory : nil
}()

/// An IDX file's bytes: magic `00 00 08 rank`, big-endian dimensions, then `payload`.
func idxBytes(shape: [Int], payload: [UInt8], typeCode: UInt8 = 0x08) -> [UInt8] {
    var bytes: [UInt8] = [0, 0, typeCode, UInt8(shape.count)]
    for dimension in shape { bytes += [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: dimension >> $0) } }
    return bytes + payload
}

@Suite("MNIST and image datasets")
struct MNISTTests {
    @Test("the embedded subset: 10 000 / 2 000 images of 28×28, first labels and class balance of the originals")
    func embedded() throws {
        let train = try MNIST.embedded(split: .train)
        let test = try MNIST.embedded(split: .test)
        #expect(train.count == 10_000 && test.count == 2_000)
        #expect(train.imageShape == [1, 28, 28] && test.imageShape == [1, 28, 28])
        #expect(train.images.count == 10_000 * 784)
        #expect(Array(train.labels.prefix(10)) == [5, 0, 4, 1, 9, 2, 1, 3, 1, 4])
        #expect(Array(test.labels.prefix(10)) == [7, 2, 1, 0, 4, 1, 4, 9, 5, 9])
        var histogram = [Int](repeating: 0, count: 10)
        for label in train.labels { histogram[label] += 1 }
        #expect(histogram == [1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978])
        #expect(train.classNames == ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"])
        #expect(train.normalization == .mnist)
        // A digit: mostly background, some full-ink pixels, all pixels of the border rows 0.
        let first = train.images[0..<784]
        #expect(first.filter { $0 == 0 }.count > 500 && first.contains(255))
        #expect(first.prefix(28).allSatisfy { $0 == 0 })
    }

    @Test("the embedded subset is the start of the full MNIST (when ../shared/data is present)")
    func matchesFullSet() throws {
        guard let shared = sharedDataDirectory else {
            print("MNISTTests: ../shared/data/mnist not found; skipping the comparison with the full set")
            return
        }
        let full = try MNIST.load(directory: shared + "/mnist", split: .test)
        let test = try MNIST.embedded(split: .test)
        #expect(full.count == 10_000)
        #expect(full.labels[0] == test.labels[0])
        #expect(Array(full.labels.prefix(2000)) == test.labels)
        #expect(Array(full.images.prefix(2000 * 784)) == test.images)
        let fullTrainLabels = try IDX.read(contentsOf: shared + "/mnist/train-labels-idx1-ubyte.gz")
        #expect(fullTrainLabels.shape == [60_000])
        let embeddedTrain = try MNIST.embedded(split: .train)
        #expect(fullTrainLabels.bytes.prefix(10_000).map(Int.init) == embeddedTrain.labels)
        let fashion = try MNIST.load(directory: shared + "/fashion-mnist", split: .test, variant: .fashionMNIST)
        #expect(fashion.count == 10_000 && fashion.imageShape == [1, 28, 28])
        #expect(fashion.classNames[9] == "Ankle boot" && fashion.normalization == .fashionMNIST)
        #expect(fashion.labels[0] == 9)  // the first Fashion-MNIST test image is an ankle boot
    }

    @Test("load(directory:) reads raw files, prefers them to .gz, and reports what is wrong with a directory")
    func directories() throws {
        var template = Array("/tmp/glassbox-mnist-test-XXXXXX".utf8CString)
        let directory = template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)!) }
        var written: [String] = []
        func write(_ name: String, _ bytes: [UInt8]) throws {
            try FileIO.writeAtomically(bytes, toPath: directory + "/" + name)
            written.append(directory + "/" + name)
        }
        defer {
            for file in written { unlink(file) }
            rmdir(directory)
        }
        func error(_ split: MNIST.Split = .test) -> String? {
            do {
                _ = try MNIST.load(directory: directory, split: split)
                return nil
            } catch {
                return String(describing: error)
            }
        }

        #expect(error() == "\(directory): neither t10k-images-idx3-ubyte nor t10k-images-idx3-ubyte.gz exists")
        let pixels = (0..<(3 * 2 * 4)).map { UInt8($0 * 10) }
        try write("t10k-images-idx3-ubyte", idxBytes(shape: [3, 2, 4], payload: pixels))
        #expect(error() == "\(directory): neither t10k-labels-idx1-ubyte nor t10k-labels-idx1-ubyte.gz exists")
        try write("t10k-labels-idx1-ubyte", idxBytes(shape: [3], payload: [2, 0, 9]))
        // A broken .gz beside the raw file is not read.
        try write("t10k-labels-idx1-ubyte.gz", [0x1F, 0x8B, 0])
        let data = try MNIST.load(directory: directory, split: .test, variant: .fashionMNIST)
        #expect(data.count == 3 && data.imageShape == [1, 2, 4])
        #expect(data.images == pixels && data.labels == [2, 0, 9])
        #expect(data.classNames[2] == "Pullover")
        #expect(data.image(at: 1) == Image(width: 4, height: 2, channels: 1, pixels: Array(pixels[8..<16])))

        try write("train-images-idx3-ubyte", idxBytes(shape: [2, 2, 2], payload: [UInt8](repeating: 0, count: 8)))
        try write("train-labels-idx1-ubyte", idxBytes(shape: [3], payload: [1, 2, 3]))
        let images = directory + "/train-images-idx3-ubyte"
        let labels = directory + "/train-labels-idx1-ubyte"
        #expect(error(.train) == "\(images) holds 2 images but \(labels) holds 3 labels")
        try write("train-labels-idx1-ubyte", idxBytes(shape: [2], payload: [1, 10]))
        #expect(error(.train) == "\(labels): label 1 is 10, outside 0...9")
        try write("train-labels-idx1-ubyte", idxBytes(shape: [2, 1], payload: [1, 1]))
        #expect(error(.train) == "\(labels): expected u8 labels [count], found u8 [2, 1]")
        try write("train-images-idx3-ubyte", idxBytes(shape: [2, 4], payload: [UInt8](repeating: 0, count: 8)))
        #expect(error(.train) == "\(images): expected u8 images [count, rows, columns], found u8 [2, 4]")
        try write("train-images-idx3-ubyte", [0, 0, 8])
        #expect(error(.train) == "\(images): IDX header needs 4 bytes, the file has 3")
    }

    @Test("batches: [B, 1, 28, 28] normalised bit-exactly as torchvision's ToTensor + Normalize")
    func normalization() throws {
        // (x / 255 − mean) / std in float32 for x = 0, 1, 128, 255, computed by PyTorch.
        let mnist: [Float] = [-0x1.b264e2p-2, -0x1.a55c4p-2, 0x1.347af4p+0, 0x1.69267ap+1]
        let fashion: [Float] = [-0x1.9ed252p-1, -0x1.992236p-1, 0x1.393c26p-1, 0x1.02e69ep+1]
        let pixels: [UInt8] = [0, 1, 128, 255]
        for (normalization, expected) in [(PixelNormalization.mnist, mnist), (.fashionMNIST, fashion)] {
            let data = ImageDataset<Float>(
                images: pixels, labels: [3], height: 2, width: 2, classCount: 10, normalization: normalization)
            let batch = data.batch([0])
            #expect(batch.features.shape == [1, 1, 2, 2])
            #expect(batch.features.scalars == expected)
            #expect(batch.labels == IndexTensor([3]))
            let image = Image(width: 2, height: 2, channels: 1, pixels: pixels)
            #expect(normalization.tensor(image, as: Float.self).scalars == expected)
        }
        let double = ImageDataset<Double>(
            ImageDataset<Float>(images: pixels, labels: [3], height: 2, width: 2, classCount: 10, normalization: .unit))
        #expect(double.batch([0]).features.scalars == pixels.map { Double($0) / 255 })

        let train = try MNIST.embedded(split: .test)
        let batch = train.batch([5, 0, 1999])
        #expect(batch.features.shape == [3, 1, 28, 28] && batch.indices == [5, 0, 1999])
        #expect(batch.labels.indices == [train.labels[5], train.labels[0], train.labels[1999]])
        let table = PixelNormalization.mnist.lookupTable(channels: 1, as: Float.self)
        #expect(Array(batch.features.scalars[784..<1568]) == train.images[0..<784].map { table[Int($0)] })
    }

    @Test("per-channel normalisation and CHW layout; image(at:) interleaves channels")
    func channels() {
        // Two 1×2 RGB images, CHW: image 0 has R = [0, 255], G = [10, 20], B = [30, 40].
        let images: [UInt8] = [0, 255, 10, 20, 30, 40] + [UInt8](repeating: 7, count: 6)
        let normalization = PixelNormalization(mean: [0, 0.5, 1], std: [1, 0.5, 2])
        let data = ImageDataset<Double>(
            images: images, labels: [0, 1], channels: 3, height: 1, width: 2, classCount: 2,
            classNames: ["cat", "dog"], normalization: normalization)
        let features = data.batch([0]).features
        #expect(features.shape == [1, 3, 1, 2])
        let expected = zip(images.prefix(6), [0, 0, 1, 1, 2, 2]).map { x, c in
            (Double(x) / 255 - normalization.mean[c]) / normalization.std[c]
        }
        #expect(features.scalars == expected)
        #expect(data.image(at: 0).pixels == [0, 10, 30, 255, 20, 40])
        #expect(data.classNames == ["cat", "dog"])
    }

    @Test("DataLoader over images: seeded order per epoch, every image once, dropLast, resumable")
    func loader() throws {
        let data = try MNIST.embedded(split: .test).subset(Array(0..<100))
        let loader = DataLoader(data, batchSize: 32, seed: 11)
        #expect(loader.batchCount == 4)
        let epoch2 = loader.batches(epoch: 2)
        #expect(epoch2.map(\.size) == [32, 32, 32, 4])
        #expect(epoch2.flatMap(\.indices).sorted() == Array(0..<100))
        #expect(epoch2.flatMap(\.indices) == loader.order(epoch: 2))
        // A fresh loader with the same seed (a resumed run) gives the same batches.
        let resumed = DataLoader(data, batchSize: 32, seed: 11).batches(epoch: 2)
        #expect(resumed[1].indices == epoch2[1].indices)
        #expect(resumed[1].features.scalars == epoch2[1].features.scalars)
        #expect(resumed[1].features.scalars == data.batch(epoch2[1].indices).features.scalars)
        #expect(loader.order(epoch: 3) != loader.order(epoch: 2))
        #expect(DataLoader(data, batchSize: 32, seed: 12).order(epoch: 2) != loader.order(epoch: 2))
        #expect(DataLoader(data, batchSize: 32, shuffle: false).order(epoch: 5) == Array(0..<100))
        #expect(DataLoader(data, batchSize: 32, seed: 11, dropLast: true).batches(epoch: 0).map(\.size) == [32, 32, 32])
    }

    @Test("validation split as Keras: the last fraction, unshuffled; subset copies")
    func validationSplit() throws {
        let data = try MNIST.embedded(split: .test)
        let (train, validation) = data.split(validationSplit: 0.1)
        #expect(train.count == 1800 && validation.count == 200)
        #expect(train.labels == Array(data.labels[..<1800]) && validation.labels == Array(data.labels[1800...]))
        #expect(validation.images == Array(data.images[(1800 * 784)...]))
        #expect(data.split(validationSplit: 0.25).validation.count == 500)
        #expect(data.split(validationSplit: 0).validation.count == 0)
        let seven = data.subset(Array(0..<7))
        // Keras: int(floor(7 * (1.0 - 0.3))) = int(floor(4.8999999999999995)) = 4.
        #expect(seven.split(validationSplit: 0.3).train.count == 4)
        let picked = data.subset([3, 1])
        #expect(picked.labels == [data.labels[3], data.labels[1]])
        #expect(picked.images == Array(data.images[(3 * 784)..<(4 * 784)] + data.images[784..<(2 * 784)]))
    }

    @Test("the image path and the feature-row path share DataLoader and evaluate")
    func sharedPath() throws {
        let data = try MNIST.embedded(split: .test).subset(Array(0..<64))
        var generator = RandomGenerator(seed: 3)
        let model = Sequential<Float>(Flatten(), Linear(inFeatures: 784, outFeatures: 10, generator: &generator))
        let accuracy = model.evaluate(data, batchSize: 16).accuracy
        // Accuracy by hand from the batches of an unshuffled loader.
        var correct = 0
        for batch in DataLoader(data, batchSize: 16, shuffle: false).batches(epoch: 0) {
            let predicted = withoutGrad { model(batch.features).argmax(dim: 1) }
            correct += zip(predicted.indices, batch.labels.indices).filter { $0 == $1 }.count
        }
        #expect(accuracy == Double(correct) / 64)
    }
}
