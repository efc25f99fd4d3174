import ArgumentParser
import Executors
import Foundation
import ReleaseLedger
import ReleaseStateMachine

/// Where runs keep their step logs and rendered definitions.
enum RunLogs {
    static func root(_ baseDirectory: String) -> String {
        (baseDirectory as NSString).appendingPathComponent("casa-release-logs")
    }
}
