import Foundation

/// A statement's `$n` values as libpq takes them: a type, the bytes and their format for each.
///
/// The types are those the ledger's SQL was written against (text, bigint, double precision,
/// boolean, bytea), so the server infers no other; NULL has none (the server takes the column's).
/// Every value is sent as text but bytes, which go as they are.
struct PostgresParameters {
    private var types: [UInt32] = []
    private var bytes: [[CChar]?] = []
    private var lengths: [Int32] = []
    private var formats: [Int32] = []

    var count: Int { types.count }

    /// The values' types, part of the key of a statement prepared for them (a NULL has none,
    /// and the server infers its type from where it stands: another statement than with a value).
    var typeSignature: [UInt32] { types }

    init(_ values: [SQLValue]) {
        for value in values {
            switch value {
            case .null: append(type: 0, text: nil)
            case .text(let text): append(type: PostgresType.text, text: text)
            case .integer(let number): append(type: PostgresType.int8, text: String(number))
            case .real(let number): append(type: PostgresType.float8, text: Self.text(number))
            case .bool(let flag): append(type: PostgresType.bool, text: flag ? "t" : "f")
            case .blob(let data):
                types.append(PostgresType.bytea)
                bytes.append(data.map { CChar(bitPattern: $0) })
                lengths.append(Int32(data.count))
                formats.append(1)
            }
        }
    }

    private mutating func append(type: UInt32, text: String?) {
        types.append(type)
        bytes.append(text.map { Array($0.utf8CString) })
        lengths.append(0)
        formats.append(0)
    }

    /// A double as PostgreSQL reads one: Swift's shortest exact digits, and its names for the
    /// special values.
    private static func text(_ number: Double) -> String {
        if number.isNaN { return "NaN" }
        if number.isInfinite { return number < 0 ? "-Infinity" : "Infinity" }
        return String(number)
    }

    /// Calls `body` with the four arrays `PQsendQueryParams` takes, valid during the call. Each
    /// value is copied to memory of its own (an empty bytea too: a NULL pointer is SQL's NULL).
    func withUnsafeArguments<T>(
        _ body: (
            UnsafePointer<UInt32>?, UnsafePointer<UnsafePointer<CChar>?>?, UnsafePointer<Int32>?, UnsafePointer<Int32>?
        ) -> T
    ) -> T {
        let copies = bytes.map { value -> UnsafeMutablePointer<CChar>? in
            guard let value else { return nil }
            let copy = UnsafeMutablePointer<CChar>.allocate(capacity: max(value.count, 1))
            copy.initialize(from: value, count: value.count)
            return copy
        }
        defer { copies.forEach { $0?.deallocate() } }
        let pointers = copies.map { $0.map { UnsafePointer($0) } }
        return types.withUnsafeBufferPointer { types in
            pointers.withUnsafeBufferPointer { values in
                lengths.withUnsafeBufferPointer { lengths in
                    formats.withUnsafeBufferPointer { formats in
                        body(types.baseAddress, values.baseAddress, lengths.baseAddress, formats.baseAddress)
                    }
                }
            }
        }
    }
}

/// The type OIDs casa-release binds and reads (PostgreSQL's `pg_type`; fixed since 7.x).
enum PostgresType {
    static let bool: UInt32 = 16
    static let bytea: UInt32 = 17
    static let int8: UInt32 = 20
    static let int2: UInt32 = 21
    static let int4: UInt32 = 23
    static let text: UInt32 = 25
    static let float4: UInt32 = 700
    static let float8: UInt32 = 701
}
