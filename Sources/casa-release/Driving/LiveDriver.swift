import Executors
import Foundation
import ReleaseDriver
import ReleaseLedger
import ReleaseStateMachine

extension RunDriver {
    /// The driver of a run in this process: real tools and servers, this process as the
    /// lease's holder, the terminal's output, and the failpoints of `CASA_RELEASE_FAILPOINT`.
    static func live(ledger: Ledger, runID: String, output: Output, transfers: TransferOptions) -> RunDriver {
        let progressShown = transfers.progressShown(json: output.json)
        ProgressLines.enabled = progressShown
        let effects = LiveStepEffects { state in
            // How this process reaches servers for this run: the options given now, and the ssh
            // key the run recorded when none is given.
            var settings = transfers.settings(recordedSSHKey: state.parameters?.publication?.sshKey)
            settings.showProgress = progressShown
            return settings
        }
        return RunDriver(
            ledger: ledger, runID: runID, effects: effects, reporter: output, identity: ThisProcess(),
            hooks: Failpoint())
    }
}

/// This process as the holder of leases (`ProcessIdentity`).
struct ThisProcess: HolderIdentity {
    func leaseHolder(now: Date) -> LeaseHolder { ProcessIdentity.leaseHolder(now: now) }
    var actor: String { ProcessIdentity.actor }
    func isAlive(_ holder: LeaseHolder) -> Bool { ProcessIdentity.isAlive(holder) }
}

/// The terminal's output says what the driver does; a person at the terminal answers its questions.
extension Output: RunReporter {
    var canAsk: Bool { OperatorPrompt.isInteractive(self) }
    func ask(_ question: String) -> Bool { OperatorPrompt.ask(question) }
}
