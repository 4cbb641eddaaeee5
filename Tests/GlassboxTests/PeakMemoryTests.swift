import Glassbox
import Testing

/// `peakResidentMegabytes()` sees memory this process touched (on Linux through `VmHWM`; its
/// first version misparsed the tab after `VmHWM:` and fell back to `ru_maxrss`, which Linux
/// carries over from a large parent process across `execve`).
@Test func peakResidentMemoryCountsTouchedPages() {
    let megabytes = 96
    let count = megabytes << 20
    let buffer = UnsafeMutablePointer<UInt8>.allocate(capacity: count)
    defer { buffer.deallocate() }
    for i in stride(from: 0, to: count, by: 4096) { buffer[i] = UInt8(truncatingIfNeeded: i >> 12) }
    var checksum = 0
    for i in stride(from: 0, to: count, by: 4096) { checksum &+= Int(buffer[i]) }
    #expect(checksum > 0)
    let peak = peakResidentMegabytes()
    #expect(peak >= Double(megabytes), "peak RSS \(peak) MB after touching \(megabytes) MB")
    #expect(peak < Double(1 << 20), "peak RSS \(peak) MB is not a plausible figure in MiB")
}
