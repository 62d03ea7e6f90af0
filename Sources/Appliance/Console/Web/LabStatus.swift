/// What the seeder's web console shows and `/api/status` answers: the image, the seeder, the
/// links clients need, the latest status (every client and the totals) and the throughput
/// history for the chart.
public struct LabStatus: Sendable, Codable, Equatable {
    /// The image being served.
    public var image: Image
    /// The seeder machine.
    public var seeder: Seeder
    /// The kernel command line, the torrent and iPXE URLs, the DHCP settings to copy.
    public var links: ServeJob.Links
    /// The latest status event (the same one `serve --json` prints).
    public var status: StatusEvent
    /// The lab's throughput over time, oldest first.
    public var history: [Sample]

    /// The served image.
    public struct Image: Sendable, Codable, Equatable {
        /// The torrent's name.
        public var name: String
        /// Bytes.
        public var size: Int64
        /// Info-hash, lowercase hex.
        public var infoHash: String
        /// Number of pieces.
        public var pieces: Int
        /// Bytes per piece.
        public var pieceLength: Int
        /// How the image was made: from which source, by what, when, and what it holds.
        public var origin: String

        enum CodingKeys: String, CodingKey {
            case name, size, pieces, origin
            case infoHash = "info_hash"
            case pieceLength = "piece_length"
        }
    }

    /// The seeder machine.
    public struct Seeder: Sendable, Codable, Equatable {
        /// The address clients reach it at.
        public var address: String
        /// Its BitTorrent port.
        public var peerPort: Int
        /// Its HTTP port (tracker, torrent, boot files, this console).
        public var httpPort: Int

        enum CodingKeys: String, CodingKey {
            case address
            case peerPort = "peer_port"
            case httpPort = "http_port"
        }
    }

    /// One point of the chart.
    public struct Sample: Sendable, Codable, Equatable {
        /// Seconds since the seeder started serving.
        public var t: Double
        /// Bytes per second all clients receive together.
        public var download: Int64
        /// Bytes per second the seeder sends.
        public var upload: Int64
    }
}

/// The `status` event: every client and the totals, sent every two seconds on standard output
/// (`serve --json`) and to `/api/events`.
public struct StatusEvent: Sendable, Codable, Equatable {
    /// Always `status`.
    public var event = "status"
    /// Seconds since the seeder started serving.
    public var t: Double
    /// Rows on the board.
    public var clients: Int
    /// Rows by state (booting, starting, downloading, seeding, checking, done, failed...).
    public var states: [String: Int]
    /// Done, failed, cloning and booting machines.
    public var totals: Totals
    /// Bytes per second the seeder sends.
    public var uploadRate: Int64
    /// Bytes the seeder sent since it started.
    public var uploaded: Int64
    /// `uploaded` as a multiple of the image.
    public var uploadRatio: Double
    /// Bytes per second all clients receive together.
    public var downloadRate: Int64
    /// Seconds until the slowest client that is downloading has the image, at its rate.
    public var eta: Int?
    /// Every client: unfinished first, least progress first.
    public var rows: [ClientRow]

    /// Machines by what an operator counts.
    public struct Totals: Sendable, Codable, Equatable {
        /// Finished, checked and reported done.
        public var done = 0
        /// Reported a failure.
        public var failed = 0
        /// Started, downloading, seeding or checking their disk.
        public var cloning = 0
        /// Seen network-booting, not yet a client.
        public var booting = 0
        /// Stopped or gone before they finished.
        public var lost = 0

        /// Counts `rows` by state.
        public init(_ rows: [ClientRow]) {
            for row in rows {
                switch row.state {
                case "done": done += 1
                case "failed": failed += 1
                case "booting": booting += 1
                case "stopped", "gone": lost += 1
                default: cloning += 1
                }
            }
        }
    }

    /// The event for `rows` at `t`.
    public init(t: Double, rows: [ClientRow], totalBytes: Int64, uploadRate: Int64, uploaded: Int64) {
        self.t = (t * 10).rounded() / 10
        self.clients = rows.count
        self.states = rows.reduce(into: [:]) { $0[$1.state, default: 0] += 1 }
        self.totals = Totals(rows)
        self.uploadRate = uploadRate
        self.uploaded = uploaded
        self.uploadRatio = totalBytes > 0 ? (Double(uploaded) / Double(totalBytes) * 1000).rounded() / 1000 : 0
        self.downloadRate = rows.filter { !$0.finished }.reduce(0) { $0 + $1.rate }
        self.eta = rows.compactMap(\.eta).max()
        self.rows = rows
    }

    enum CodingKeys: String, CodingKey {
        case event, t, clients, states, totals, uploaded, eta, rows
        case uploadRate = "upload_rate"
        case uploadRatio = "upload_ratio"
        case downloadRate = "download_rate"
    }
}
