import NIOCore

/// Where and how the server listens, and the bounds it keeps.
public struct ServerSettings: Sendable {
    public var host: String
    public var port: Int
    /// How often the index file is checked for a rebuild.
    public var reloadInterval: Duration
    public var cacheEntries: Int
    public var cacheBytes: Int
    public var searchLimit: Int
    /// `Cache-Control` max-age of QR images, in seconds.
    public var imageMaxAge: Int
    /// One line per request (`AccessLogMiddleware`) to the server's access logger.
    public var accessLog: Bool
    /// Most connections open at once (nil: no limit); more are closed as soon as they are
    /// accepted (`ConnectionLimit`).
    public var maxConnections: Int?
    /// A connection is closed once it has been this long without a request in progress: idle
    /// keep-alive connections, and clients that do not finish sending a request head in time
    /// (nil: never).
    public var idleTimeout: Duration?
    /// Connections the kernel may queue before the server accepts them (the `listen` backlog;
    /// the kernel caps it at `net.core.somaxconn`).
    public var backlog: Int
    /// Ad-hoc `/v1/qr` images made at once (default: half the processors, at least one, so that
    /// the rest are left to the event loops), and how many more requests may wait for one
    /// (default 64 per slot: waiting costs a suspended task, not a thread); beyond, 503 with
    /// `Retry-After`.
    public var renderSlots: Int
    public var renderQueue: Int
    /// How long a share QR's asset file, once seen unchanged, is served without looking at the
    /// file again (zero: looked at on every request). A changed file is served at the latest
    /// this long after the change.
    public var assetRecheck: Duration

    public init(host: String = "127.0.0.1", port: Int = 8080, reloadInterval: Duration = .seconds(1),
                cacheEntries: Int = 4096, cacheBytes: Int = 64 << 20, searchLimit: Int = 50, imageMaxAge: Int = 300,
                accessLog: Bool = false, maxConnections: Int? = nil, idleTimeout: Duration? = .seconds(60),
                backlog: Int = 4096, renderSlots: Int = max(1, System.coreCount / 2), renderQueue: Int? = nil,
                assetRecheck: Duration = .seconds(1)) {
        self.assetRecheck = max(.zero, assetRecheck)
        self.renderSlots = max(1, renderSlots)
        self.renderQueue = renderQueue ?? 64 * max(1, renderSlots)
        self.host = host
        self.port = port
        self.reloadInterval = reloadInterval
        self.cacheEntries = cacheEntries
        self.cacheBytes = cacheBytes
        self.searchLimit = searchLimit
        self.imageMaxAge = imageMaxAge
        self.accessLog = accessLog
        self.maxConnections = maxConnections
        self.idleTimeout = idleTimeout
        self.backlog = backlog
    }
}
