import Appliance
import ArgumentParser
import PeerProtocol
import Swarm

/// Engine options shared by `seed` and `clone`.
public struct SwarmOptions: ParsableArguments {
    /// Made by the argument parser.
    public init() {}

    @Option(help: "Port to listen on for peers (0: any free port).")
    var port: Int?

    @Option(name: .customLong("peer"), help: "Peer to connect to, HOST:PORT (repeatable).")
    var peers: [String] = []

    @Option(name: .customLong("max-connections"), help: "Most peer connections.")
    var maxConnections = 200

    @Option(name: .customLong("max-uploads"), help: "Most peers served at once (0: every interested peer).")
    var maxUploads = 0

    @Option(name: .customLong("socket-buffer"), help: "Socket send and receive buffer size.")
    var socketBuffer = "4M"

    @Option(name: .customLong("upload-limit"), help: "Most payload sent per second, for the whole process, like 50M (0: no limit).")
    var uploadLimit = "0"

    @Flag(name: .customLong("rarest-first"), help: "Fetch the rarest pieces first anywhere in the image.")
    var rarestFirst = false

    @Flag(help: "Fetch pieces strictly in order (default: rarest first inside a window of 32 pieces ahead of the in-order point).")
    var sequential = false

    @Flag(help: "Send block payloads with sendfile from the disk or image file (default: read into memory, which scripts/bench-transfer measured as cheaper over veth).")
    var sendfile = false

    /// Checks the options before anything runs (bad usage exits 2).
    public func validate() throws {
        if rarestFirst, sequential { throw ValidationError("--rarest-first and --sequential exclude each other") }
        if let port, !(0...65535).contains(port) { throw ValidationError("--port must be 0 to 65535") }
        for peer in peers where PeerAddress(peer) == nil { throw ValidationError("--peer '\(peer)' is not HOST:PORT") }
        guard maxConnections >= 1 else { throw ValidationError("--max-connections must be at least 1") }
        guard maxUploads >= 0 else { throw ValidationError("--max-uploads must be 0 or more") }
        guard ByteCount.parse(uploadLimit) != nil else { throw ValidationError("--upload-limit must be a size per second, like 50M, or 0") }
        guard let size = ByteCount.parse(socketBuffer), size >= 4096, size <= 1 << 30 else {
            throw ValidationError("--socket-buffer must be a size from 4K to 1G")
        }
    }

    func apply(to configuration: inout SwarmConfiguration, defaultPort: Int) {
        configuration.listenPort = port ?? defaultPort
        configuration.staticPeers = peers.compactMap(PeerAddress.init)
        configuration.maxConnections = maxConnections
        configuration.maxUploads = maxUploads
        configuration.uploadLimit = ByteCount.parse(uploadLimit) ?? 0
        configuration.socketBufferSize = Int(ByteCount.parse(socketBuffer)!)
        if rarestFirst { configuration.order = .rarestFirst }
        if sequential { configuration.order = .sequential }
        configuration.zeroCopySend = sendfile
    }
}
