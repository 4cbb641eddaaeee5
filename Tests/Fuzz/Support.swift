// Shared by every harness: the libFuzzer entry point calls `fuzz(_:)`, which each harness file
// defines. A harness treats a thrown error as the expected answer to a malformed input; a
// crash (trap, failed precondition, out-of-bounds access caught by AddressSanitizer) is a bug.

/// The cap on decompressed or decoded output the harnesses pass to the readers: above every
/// valid seed's size (the largest, 21915 bytes, is the gzip payload), far below the 8 MiB the
/// bomb seed would expand to, and small enough that inputs mutated into bombs stay fast.
let fuzzMaxOutputBytes = 1 << 16

/// Stops the run: the reader accepted an input but broke one of its own guarantees.
func violated(_ message: String) -> Never {
    fatalError("invariant violated: \(message)")
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let bytes = count > 0 && data != nil ? Array(UnsafeBufferPointer(start: data, count: count)) : []
    fuzz(bytes)
    return 0
}
