import Foundation
import ReleaseStateMachine

/// Retries a transfer that failed for a reason that may pass (connection reset, refused or timed
/// out, a 5xx answer), a bounded number of times with exponential backoff; then gives up with a
/// temporary failure (exit 75); what that means for a run (recorded, resumable) or for a check
/// made before any run (nothing recorded) the caller says.
/// Any other failure is final at once.
public enum TransferRetry {
    /// `operation` gets the attempt number (1 for the first) and may resume from where the
    /// previous attempt stopped.
    public static func run<T>(_ what: String, settings: TransferSettings, _ operation: (Int) throws -> T) throws -> T {
        var attempt = 1
        while true {
            do {
                return try operation(attempt)
            } catch let failure as CurlFailure where failure.isTransient {
                guard attempt < settings.attempts else {
                    throw ExecutorError(
                        .temporary, "\(what) failed \(attempt) times, the last with: \(failure.message)")
                }
                let delay = settings.delay(beforeRetry: attempt)
                if settings.reportRetries {
                    StandardStreams.error(
                        "  \(what): \(failure.message); trying again in \(String(format: "%.1f", delay)) s (\(attempt + 1)/\(settings.attempts))\n"
                    )
                }
                Thread.sleep(forTimeInterval: delay)
                attempt += 1
            } catch let failure as CurlFailure {
                throw ExecutorError(failure.kind, "\(what): \(failure.message)")
            }
        }
    }
}
