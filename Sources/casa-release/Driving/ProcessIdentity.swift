import Foundation
import ReleaseLedger
import ReleaseStateMachine

/// Who and where this process is: the actor of its events and the holder of its leases.
enum ProcessIdentity {
    /// The host name recorded in events and leases: `$CASA_RELEASE_HOST` where a host's own
    /// name says nothing lasting (a container's), else the machine's.
    static var host: String {
        if let named = ProcessInfo.processInfo.environment["CASA_RELEASE_HOST"], !named.isEmpty { return named }
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count) == 0 else { return "localhost" }
        return String(cString: buffer)
    }

    static var user: String {
        if let entry = getpwuid(geteuid()), let name = entry.pointee.pw_name { return String(cString: name) }
        return ProcessInfo.processInfo.environment["USER"] ?? "unknown"
    }

    /// How this process's sessions name themselves to a PostgreSQL ledger (`application_name`):
    /// what another writer waiting for the chain's lock is told of its holder.
    static var sessionName: String { "casa-release pid \(getpid()) on \(host)" }

    /// `user@host`, the actor recorded with every event.
    static var actor: String { "\(user)@\(host)" }

    static func leaseHolder(now: Date) -> LeaseHolder {
        LeaseHolder(
            pid: getpid(), host: host, since: Timestamps.iso8601(now), processStart: startTime(of: getpid()),
            bootID: bootID, pidNamespace: pidNamespace)
    }

    /// This boot of the kernel: pids and start times are counted from it.
    static let bootID: String? = (try? String(contentsOfFile: "/proc/sys/kernel/random/boot_id", encoding: .utf8))
        .map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.flatMap { $0.isEmpty ? nil : $0 }

    /// The inode of this process's pid namespace: the space its pids are numbers of.
    static let pidNamespace: UInt64? = {
        var info = stat()
        return stat("/proc/self/ns/pid", &info) == 0 ? UInt64(info.st_ino) : nil
    }()

    /// The process's start time in clock ticks since boot (field 22 of /proc/PID/stat), which tells
    /// a live holder from a recycled pid.
    static func startTime(of pid: Int32) -> UInt64? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = text.lastIndex(of: ")")
        else { return nil }
        // Fields after the command name (which may hold spaces) start at field 3.
        let fields = text[text.index(after: close)...].split(separator: " ")
        return fields.count > 19 ? UInt64(fields[19]) : nil
    }

    /// Whether the lease's holder is still running, judged by its pid. The ledger asks only
    /// about a holder of this host, boot and pid namespace (`LeaseHolder.sharesPIDSpace`); any
    /// other is judged by its heartbeat. One that reaches here from elsewhere all the same is
    /// taken as alive: refusing is safe, taking over might not be.
    static func isAlive(_ holder: LeaseHolder) -> Bool {
        guard holder.sharesPIDSpace(with: leaseHolder(now: Date())) else { return true }
        if kill(holder.pid, 0) != 0, errno == ESRCH { return false }
        if let recorded = holder.processStart, let current = startTime(of: holder.pid), recorded != current {
            return false
        }
        // A zombie has exited: it will never write again.
        if let text = try? String(contentsOfFile: "/proc/\(holder.pid)/stat", encoding: .utf8),
            let close = text.lastIndex(of: ")"), text[text.index(after: close)...].split(separator: " ").first == "Z"
        {
            return false
        }
        return true
    }
}
