import Foundation

/// A hash function fed in pieces: a value, so that a copy goes on hashing on its own and
/// `finalize()` leaves the hasher as it was (the digest of what it was given so far).
public protocol HashFunction {
    init()
    mutating func update(bufferPointer: UnsafeRawBufferPointer)
    /// The digest of everything given so far.
    func finalize() -> [UInt8]
}

extension HashFunction {
    /// Feeds `data`, region by region.
    public mutating func update<Bytes: DataProtocol>(data: Bytes) {
        for region in data.regions {
            region.withUnsafeBytes { update(bufferPointer: $0) }
        }
    }

    /// The digest of `data`.
    public static func hash<Bytes: DataProtocol>(data: Bytes) -> [UInt8] {
        var hasher = Self()
        hasher.update(data: data)
        return hasher.finalize()
    }
}
