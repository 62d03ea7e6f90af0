import Logging
#if canImport(Glibc)
import Glibc
#endif

/// Logging for the executable: swift-log to standard error (standard output for the daemon,
/// as EZIO), level from `EZIO_LOG_LEVEL` (trace, debug, info, warn, error; default info).
/// Libraries only ever receive a Logger.
public enum LogSetup {
    /// Sets up swift-log once, before any logger is made.
    public static func bootstrap(toStandardOutput: Bool = false) {
        let requested = getenv("EZIO_LOG_LEVEL").map { String(cString: $0).lowercased() }
        let level = requested.flatMap(Self.level(named:)) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = toStandardOutput ? StreamLogHandler.standardOutput(label: label) : StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        if let requested, Self.level(named: requested) == nil {
            Logger(label: "ezio").warning("EZIO_LOG_LEVEL=\(requested) is not trace/debug/info/warn/error; using info")
        }
    }

    static func level(named name: String) -> Logger.Level? {
        switch name {
        case "trace": .trace
        case "debug": .debug
        case "info": .info
        case "warn", "warning": .warning
        case "error": .error
        default: nil
        }
    }

    /// The logger commands use.
    public static var logger: Logger { Logger(label: "ezio") }
}
