import Foundation

/// One value as the ledger's SQL binds it and reads it back, whichever store holds the ledger:
/// SQLite's storage classes, plus PostgreSQL's booleans (SQLite has none and answers 0 or 1).
public enum SQLValue: Equatable, Sendable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case bool(Bool)
    case blob(Data)

    /// The value as a person reads it: text unquoted, NULL as NULL.
    var plain: String {
        switch self {
        case .null: return "NULL"
        case .text(let text): return text
        case .integer(let number): return String(number)
        case .real(let number): return String(number)
        case .bool(let flag): return flag ? "1" : "0"
        case .blob(let data): return "\(data.count) bytes"
        }
    }

    /// The same value to the byte. `==` takes two texts for equal when they spell the same
    /// characters differently (Swift compares strings by canonical equivalence: "é" and "e"
    /// followed by a combining accent), so a projection edited from one spelling to the other
    /// would pass a check that used it; the stores keep, and the hash chain covers, bytes.
    func isIdentical(to other: SQLValue) -> Bool {
        switch (self, other) {
        case (.text(var a), .text(var b)):
            // Compared with memcmp: `utf8.elementsEqual` went byte by byte, a thirtieth of
            // `verify`'s CPU time (docs/benchmarks.md). A native string's bytes are contiguous.
            return a.utf8.count == b.utf8.count
                && a.withUTF8 { x in
                    b.withUTF8 { y in x.count == 0 || memcmp(x.baseAddress!, y.baseAddress!, x.count) == 0 }
                }
        default: return self == other
        }
    }

    /// The same value as SQLite would hold it: a boolean is the integer 0 or 1, so that a value
    /// read from PostgreSQL compares equal to SQLite's.
    var asSQLite: SQLValue {
        if case .bool(let flag) = self { return .integer(flag ? 1 : 0) }
        return self
    }
}

/// A Swift value that can be bound to a statement's `?`.
public protocol SQLBindable {
    var sqlValue: SQLValue { get }
}

extension SQLValue: SQLBindable { public var sqlValue: SQLValue { self } }
extension String: SQLBindable { public var sqlValue: SQLValue { .text(self) } }
extension Int: SQLBindable { public var sqlValue: SQLValue { .integer(Int64(self)) } }
extension Int64: SQLBindable { public var sqlValue: SQLValue { .integer(self) } }
extension Int32: SQLBindable { public var sqlValue: SQLValue { .integer(Int64(self)) } }
extension Double: SQLBindable { public var sqlValue: SQLValue { .real(self) } }
extension Bool: SQLBindable { public var sqlValue: SQLValue { .bool(self) } }

/// A statement's arguments, in the order of its `?`; nil is NULL.
public typealias SQLArguments = [(any SQLBindable)?]

extension Array where Element == (any SQLBindable)? {
    var sqlValues: [SQLValue] { map { $0?.sqlValue ?? .null } }
}

extension Array where Element: SQLBindable {
    /// The values as a statement's arguments (`IN (?, ?, …)`).
    var sqlArguments: SQLArguments { map { $0 } }
}

/// A Swift type a column can be read as. `fromSQL` is nil when the value cannot be one (NULL
/// for a non-optional type); an optional type reads NULL as nil.
public protocol SQLReadable {
    static func fromSQL(_ value: SQLValue) -> Self?
}

extension String: SQLReadable {
    public static func fromSQL(_ value: SQLValue) -> String? {
        switch value {
        case .text(let text): return text
        case .integer(let number): return String(number)
        case .real(let number): return String(number)
        case .blob(let data): return String(data: data, encoding: .utf8)
        case .bool, .null: return nil
        }
    }
}

extension Int64: SQLReadable {
    public static func fromSQL(_ value: SQLValue) -> Int64? {
        switch value {
        case .integer(let number): return number
        case .bool(let flag): return flag ? 1 : 0
        case .real(let number): return Int64(exactly: number)
        // PostgreSQL's NUMERIC (a SUM of integers) comes as its decimal text.
        case .text(let text): return Int64(text)
        case .null, .blob: return nil
        }
    }
}

extension Int: SQLReadable {
    public static func fromSQL(_ value: SQLValue) -> Int? { Int64.fromSQL(value).map(Int.init) }
}

extension Double: SQLReadable {
    public static func fromSQL(_ value: SQLValue) -> Double? {
        switch value {
        case .real(let number): return number
        case .integer(let number): return Double(number)
        case .text(let text): return Double(text)
        case .null, .blob, .bool: return nil
        }
    }
}

extension Bool: SQLReadable {
    public static func fromSQL(_ value: SQLValue) -> Bool? {
        switch value {
        case .bool(let flag): return flag
        case .integer(let number): return number != 0
        default: return nil
        }
    }
}

extension SQLValue: SQLReadable {
    public static func fromSQL(_ value: SQLValue) -> SQLValue? { value }
}

extension Optional: SQLReadable where Wrapped: SQLReadable {
    public static func fromSQL(_ value: SQLValue) -> Wrapped?? {
        if case .null = value { return .some(nil) }
        return Wrapped.fromSQL(value).map { .some($0) }
    }
}
