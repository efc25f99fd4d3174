import Dashboard
import Foundation

extension GlobalOptions {
    /// The ledger opened for reading, as the dashboard reads it (serve, report): shown by its
    /// path, or by its URL without a password.
    func dashboardReader() throws -> DashboardReader {
        let location = try resolvedLedger
        return DashboardReader(
            ledger: try openLedgerForReading(), location: location.description,
            store: location.isFile ? "sqlite" : "postgresql")
    }
}
