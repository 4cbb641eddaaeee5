// Checkpoint harness: the input is written as DIR/checkpoint.safetensors (in /dev/shm when it
// exists, to keep file system time low) and loaded into a small model and its Adam optimizer,
// as `glassbox train --resume` does; then the metadata alone is read. Anything but a
// checkpoint of this model must come back as an error.
import Glassbox
import GlassboxIO

#if canImport(Glibc)
import Glibc
#endif

nonisolated(unsafe) let model = Sequential<Float>([
    Linear<Float>(inFeatures: 3, outFeatures: 4), BatchNorm1d<Float>(numFeatures: 4), ReLU<Float>(),
    Linear<Float>(inFeatures: 4, outFeatures: 2),
])
nonisolated(unsafe) let optimizer = Adam<Float>(model.parameters)
let directory: String = {
    let base = FileIO.exists(atPath: "/dev/shm") ? "/dev/shm" : "/tmp"
    let path = "\(base)/glassbox-fuzz-checkpoint-\(getpid())"
    try! FileIO.createDirectory(atPath: path)
    atexit {
        unlink(Checkpoint.path(in: directory))
        rmdir(directory)
    }
    return path
}()
let path = Checkpoint.path(in: directory)

func fuzz(_ bytes: [UInt8]) {
    // A plain write: the atomic one's fsync would cost more than the load under test.
    let file = fopen(path, "wb")!
    guard fwrite(bytes, 1, bytes.count, file) == bytes.count, fclose(file) == 0 else { fatalError("cannot write \(path)") }
    _ = try? Checkpoint.load(into: model, optimizer: optimizer, from: directory)
    _ = try? Checkpoint.metadata(in: directory)
}
