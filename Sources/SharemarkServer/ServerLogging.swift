import Logging

/// Process-wide logging for the server command: lines to standard error at `level`.
public enum ServerLogging {
    public static func bootstrap(level: Logger.Level = .info) {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
    }

    public static func logger(_ label: String = "sharemark.serve") -> Logger { Logger(label: label) }
}
