import BlockIO
import Logging

extension PieceHasher {
    /// Hashes every piece the way the jobs do: logs what it is about to do, shows a progress
    /// bar when the caller gives one, and turns a failure to open the source into a JobError.
    func run(
        _ action: String, only wanted: [Bool]? = nil, logger: Logger, progress: (@Sendable (_ total: Int64) -> ProgressBar)?,
        stop: (@Sendable () -> Bool)? = nil
    ) throws(JobError) -> [Outcome] {
        logger.debug("\(action)", metadata: [
            "path": "\(path)", "pieces": "\(layout.pieceCount)", "piece_length": "\(layout.pieceLength)",
            "extents": "\(map.extents.count)", "threads": "\(threadCount)",
        ])
        let bar = progress?(map.totalLength)
        let outcomes: [Outcome]
        do {
            outcomes = try hashAll(only: wanted, progress: bar?.advancer, stop: stop)
        } catch {
            throw JobError("\(error)")
        }
        bar?.finish()
        return outcomes
    }
}
