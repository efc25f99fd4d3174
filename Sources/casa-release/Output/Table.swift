import ArgumentParser
import Foundation
import ReleaseLedger
import ReleaseStateMachine

/// Plain text tables with aligned columns.
enum Table {
    static func render(_ rows: [[String]]) -> String {
        guard let header = rows.first else { return "" }
        let widths = header.indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
        return rows.map { row in
            row.enumerated().map { column, cell in
                // Padded by characters, as the widths are counted: NSString's `padding(toLength:)`
                // counted UTF-16 units, so a cell with an emoji came out one space short.
                column == row.count - 1 ? cell : cell + String(repeating: " ", count: widths[column] - cell.count)
            }.joined(separator: "  ")
        }.joined(separator: "\n")
    }
}
