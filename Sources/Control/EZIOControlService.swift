import Appliance
import GRPCCore
import Logging

/// EZIO's gRPC service over the daemon's torrents. Where EZIO's answers were wrong for the
/// scripts that poll it, ours differ on purpose: unknown hashes are NOT_FOUND, a malformed
/// torrent is INVALID_ARGUMENT with the reason, `total` is always the image size, and
/// `UpdateRequest.hashes` filters.
public struct EZIOControlService: Ezio_EZIO.SimpleServiceProtocol {
    let manager: TorrentManager
    let version: String
    let logger: Logger

    /// A service over `manager`; `version` is what `GetVersion` answers.
    public init(manager: TorrentManager, version: String, logger: Logger) {
        self.manager = manager
        self.version = version
        self.logger = logger
    }

    public func shutdown(request: Ezio_Empty, context: ServerContext) async throws -> Ezio_Empty {
        logger.info("shutdown requested over gRPC")
        manager.requestShutdown()
        return Ezio_Empty()
    }

    public func getTorrentStatus(request: Ezio_UpdateRequest, context: ServerContext) async throws -> Ezio_UpdateStatus {
        let statuses = try call { () throws(DaemonError) in try manager.status(hashes: request.hashes) }
        var answer = Ezio_UpdateStatus()
        for status in statuses {
            answer.hashes.append(status.hash)
            answer.torrents[status.hash] = Ezio_Torrent(status)
        }
        return answer
    }

    public func addTorrent(request: Ezio_AddRequest, context: ServerContext) async throws -> Ezio_AddResponse {
        let add = AddTorrentRequest(
            torrent: Array(request.torrent), savePath: request.savePath, seedingMode: request.seedingMode,
            maxUploads: Int(request.maxUploads), maxConnections: Int(request.maxConnections), sequential: request.sequentialDownload)
        do {
            try await manager.add(add)
        } catch {
            throw Self.status(error, logger: logger)
        }
        var response = Ezio_AddResponse()
        response.result = true
        return response
    }

    public func pauseTorrent(request: Ezio_PauseTorrentRequest, context: ServerContext) async throws -> Ezio_PauseTorrentResponse {
        try call { () throws(DaemonError) in try manager.pause(hash: request.hash) }
        return Ezio_PauseTorrentResponse()
    }

    public func resumeTorrent(request: Ezio_ResumeTorrentRequest, context: ServerContext) async throws -> Ezio_ResumeTorrentResponse {
        try call { () throws(DaemonError) in try manager.resume(hash: request.hash) }
        return Ezio_ResumeTorrentResponse()
    }

    public func getVersion(request: Ezio_Empty, context: ServerContext) async throws -> Ezio_VersionResponse {
        var response = Ezio_VersionResponse()
        response.version = version
        return response
    }

    /// Runs a manager call, turning its refusal into the gRPC status the API promises.
    private func call<T>(_ body: () throws(DaemonError) -> T) throws(RPCError) -> T {
        do {
            return try body()
        } catch {
            throw Self.status(error, logger: logger)
        }
    }

    /// The gRPC status the API promises for a refusal.
    private static func status(_ error: DaemonError, logger: Logger) -> RPCError {
        logger.warning("request refused", metadata: ["reason": "\(error.description)"])
        switch error.kind {
        case .notFound: return RPCError(code: .notFound, message: error.description)
        case .invalidArgument: return RPCError(code: .invalidArgument, message: error.description)
        case .failedPrecondition: return RPCError(code: .failedPrecondition, message: error.description)
        case .permissionDenied: return RPCError(code: .permissionDenied, message: error.description)
        }
    }
}

extension Ezio_Torrent {
    /// The message for one torrent's status.
    init(_ status: TorrentStatus) {
        self.init()
        hash = status.hash
        name = status.name
        progress = status.progress
        downloadRate = status.downloadRate
        uploadRate = status.uploadRate
        activeTime = status.activeTime
        isFinished = status.isFinished
        numPeers = status.numPeers
        state = status.state.rawValue
        totalDone = status.totalDone
        total = status.total
        numPieces = status.numPieces
        finishedTime = status.finishedTime
        seedingTime = status.seedingTime
        totalPayloadDownload = status.totalPayloadDownload
        totalPayloadUpload = status.totalPayloadUpload
        isPaused = status.isPaused
        savePath = status.savePath
        lastUpload = status.lastUpload
        lastDownload = status.lastDownload
    }
}
