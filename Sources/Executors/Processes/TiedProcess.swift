import CProcessControl
import Foundation

/// A tool started as a child that cannot outlive casa-release: its own process group, and
/// SIGKILL from the kernel when casa-release dies, however it dies (`PR_SET_PDEATHSIG`). A
/// killed casa-release therefore never leaves an apptainer or VBoxManage writing into the run's
/// files while a resumed run works on them.
///
/// The kernel ties the child to the *thread* that started it; casa-release starts tools from
/// the thread that drives the run, which lives as long as the run.
enum TiedProcess {
    /// Runs `command` to its end; returns its exit status (128 + the signal when killed by one).
    /// A descriptor given as -1 is `/dev/null`.
    static func run(
        _ command: [String], environment: [String: String], directory: String,
        input: Int32, output: Int32, error: Int32
    ) throws -> Int32 {
        let pid = try spawn(
            command, environment: environment, directory: directory, input: input, output: output, error: error)
        return wait(pid)
    }

    /// `/dev/null`, for the descriptors given as -1.
    static let devNull = open("/dev/null", O_RDWR | O_CLOEXEC)

    static func spawn(
        _ command: [String], environment: [String: String], directory: String,
        input: Int32, output: Int32, error: Int32
    ) throws -> pid_t {
        let (input, output, error) = (
            input >= 0 ? input : devNull, output >= 0 ? output : devNull, error >= 0 ? error : devNull
        )
        let arguments = command.map { strdup($0) } + [nil]
        let variables = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            arguments.forEach { free($0) }
            variables.forEach { free($0) }
        }
        let pid = casa_spawn_tied(command[0], arguments, variables, directory, input, output, error)
        guard pid > 0 else {
            throw ExecutorError(.unavailable, "cannot run \(command[0]): \(String(cString: strerror(errno)))")
        }
        return pid
    }

    /// Waits for the child, through interruptions by signals.
    static func wait(_ pid: pid_t) -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            if errno != EINTR { return 127 }
        }
        let signal = status & 0x7f
        return signal == 0 ? (status >> 8) & 0xff : 128 + signal
    }
}
