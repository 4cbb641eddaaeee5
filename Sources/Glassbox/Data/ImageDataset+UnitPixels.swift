extension ImageDataset {
    /// Images `indices` as pixels in [0, 1] (`byte / 255`, no normalisation),
    /// `[B, channels, height, width]`: what generative models train on.
    public func unitPixels(_ indices: some Collection<Int>) -> Tensor<Scalar> {
        let size = channels * height * width
        var values = [Scalar]()
        values.reserveCapacity(indices.count * size)
        for i in indices {
            for byte in images[(i * size)..<((i + 1) * size)] { values.append(Scalar(byte) / 255) }
        }
        return Tensor(values, shape: [indices.count, channels, height, width])
    }
}
