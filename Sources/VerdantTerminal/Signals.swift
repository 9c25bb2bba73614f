import CNcursesShim
import Glibc

/// Signals that end the dashboard (hang-up when SSH drops, TERM, INT) are only noted here, so
/// the loop can leave the screen cleanly at its next turn; the run is another process and is
/// not touched. Crashes restore the terminal before the default action, so a shell is never
/// left in raw mode with the cursor hidden.
public enum TerminalSignals {
    nonisolated(unsafe) private static var received: sig_atomic_t = 0

    /// The first ending signal received since `install`, or nil.
    public static var pending: Int32? { received == 0 ? nil : Int32(received) }

    public static func install() {
        for sig in [SIGHUP, SIGTERM, SIGINT] {
            signal(sig) { sig in
                if TerminalSignals.received == 0 { TerminalSignals.received = sig_atomic_t(sig) }
            }
        }
        // Writing to a terminal that went away must not kill the process before it cleans up.
        signal(SIGPIPE, SIG_IGN)
    }
}

enum CrashRestore {
    nonisolated(unsafe) private static var installed = false

    static func install() {
        guard !installed else { return }
        installed = true
        for sig in [SIGSEGV, SIGBUS, SIGILL, SIGTRAP, SIGABRT, SIGFPE] {
            signal(sig) { sig in
                // Not async-signal-safe, but the process is dying: a usable terminal is worth it.
                if verdant_curses_active() != 0 { verdant_curses_end() }
                signal(sig, SIG_DFL)
                raise(sig)
            }
        }
    }
}
