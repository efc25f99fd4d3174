import Foundation

/// One row of an answer, its columns by name or by position, read as the type asked for
/// (`let run: String = row["run_id"]`), whichever store answered.
public struct SQLRow: Sendable {
    /// The answer's column names, shared by all its rows.
    public let columns: [String]
    public let values: [SQLValue]

    public init(columns: [String], values: [SQLValue]) {
        self.columns = columns
        self.values = values
    }

    /// A row made by hand, as `[column: value]` in a fixed column order.
    init(_ pairs: KeyValuePairs<String, (any SQLBindable)?>) {
        columns = pairs.map(\.key)
        values = pairs.map { $0.value?.sqlValue ?? .null }
    }

    /// The raw value of `column`; NULL for a column the answer does not have.
    public func value(_ column: String) -> SQLValue {
        guard let index = columns.firstIndex(of: column) else { return .null }
        return values[index]
    }

    /// `column` as `T`. A value that cannot be a `T` (NULL for a non-optional type) is a
    /// programming error, as in GRDB: the ledger's own schema says what each column holds.
    public subscript<T: SQLReadable>(_ column: String) -> T {
        guard let index = columns.firstIndex(of: column) else {
            preconditionFailure("no column \(column) in the answer")
        }
        return Self.read(values[index], as: T.self, column: column)
    }

    public subscript<T: SQLReadable>(_ position: Int) -> T {
        Self.read(values[position], as: T.self, column: columns[position])
    }

    private static func read<T: SQLReadable>(_ value: SQLValue, as type: T.Type, column: String) -> T {
        guard let read = T.fromSQL(value) else {
            preconditionFailure("column \(column) holds \(value), not a \(T.self)")
        }
        return read
    }
}
