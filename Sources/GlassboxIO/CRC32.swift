/// The CRC-32 checksum of zip, gzip and PNG (ISO 3309, reflected polynomial 0xEDB88320).
///
/// Feed bytes with ``update(_:)`` and read ``value``, or use ``checksum(_:)`` for one buffer.
public struct CRC32: Sendable {
    /// The checksum of all bytes fed so far.
    public private(set) var value: UInt32 = 0

    /// Creates a checksum of no bytes (value 0).
    public init() {}

    /// Adds `bytes` to the checksum.
    public mutating func update<C: Collection>(_ bytes: C) where C.Element == UInt8 {
        var crc = ~value
        let table = CRC32.table
        for byte in bytes {
            crc = table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8)
        }
        value = ~crc
    }

    /// The CRC-32 of `bytes`.
    public static func checksum<C: Collection>(_ bytes: C) -> UInt32 where C.Element == UInt8 {
        var crc = CRC32()
        crc.update(bytes)
        return crc.value
    }

    private static let table: [UInt32] = (0..<256).map { index -> UInt32 in
        var entry = UInt32(index)
        for _ in 0..<8 {
            entry = entry & 1 == 1 ? 0xEDB8_8320 ^ (entry >> 1) : entry >> 1
        }
        return entry
    }
}
