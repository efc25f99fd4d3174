import ArgumentParser
import Foundation
import ReleaseLedger
import ReleaseStateMachine

/// `casa-release log RUN`
struct Log: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "log", _superCommandName: DirectParse.superCommandName, abstract: "Show a run's events, in order.")

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The run id, or any unique prefix of it.", completion: ShellCompletion.runIDs)
    var runPrefix: String

    struct Entry: Encodable {
        var sequence: Int64
        var version: Int
        var type: String
        var recordedAt: String
        var actor: String
        var hash: String
        var payload: JSONValue
    }

    func run() throws {
        let ledger = try global.openLedgerForReading()
        let output = global.output
        let events = try ledger.events(of: try ledger.resolveRunID(runPrefix))
        if global.json {
            return try output.emitJSON(
                events.map {
                    Entry(
                        sequence: $0.sequence, version: $0.streamVersion, type: $0.type, recordedAt: $0.recordedAt,
                        actor: $0.actor, hash: $0.hash,
                        payload: (try? JSONParser.parse($0.payload)) ?? .string($0.payload))
                })
        }
        output.result(
            Table.render(
                [["SEQ", "VER", "TIME", "ACTOR", "EVENT", "STEP"]]
                    + events.map {
                        let decoded = try? $0.decoded()
                        return [
                            String($0.sequence), String($0.streamVersion), $0.recordedAt, $0.actor, $0.type,
                            decoded?.step?.rawValue ?? "",
                        ]
                    }))
    }
}
