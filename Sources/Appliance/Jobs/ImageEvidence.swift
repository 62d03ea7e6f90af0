import BlockIO
import Torrent

/// Whether a disk already holds this image, or part of it (a clone cut short by a power
/// failure, last term's deployment of the same image): then it is resumed without the
/// operator's consent to overwrite, since what is on it is this image.
///
/// The proof is a sample of pieces hashed in place, and only pieces that prove something
/// count: a piece whose content appears more than once in the image (zeros, a repeated
/// pattern) or that is all zeros or all 0xFF (a blank or erased region of any disk) is never
/// evidence. Of the rest, the first few (a clone writes near-sequentially, so an early power
/// cut has those) and others spread evenly over the image are read; the disk holds the image
/// when at least two of them, and at least one in eight, match in place.
///
/// Every clone onto a disk pays for the sample, blank disks included, so it is small: 8
/// pieces, or one in fifty for a large image, 24 at most (a 1 GiB image of 16 MiB pieces
/// reads 128 MiB; a 100 GiB one 384 MiB, 0.4 %).
public struct ImageEvidence: Sendable {
    /// Pieces sampled at most.
    public static let sampleSize = 24
    /// Pieces sampled at least (when there are that many candidates).
    public static let minimumSampleSize = 8

    /// How many of `candidates` pieces to read.
    static func sampleCount(_ candidates: Int) -> Int {
        min(candidates, min(sampleSize, max(minimumSampleSize, candidates / 50)))
    }

    /// What the sample showed.
    public struct Finding: Sendable, Equatable {
        /// Evidence pieces read.
        public var sampled: Int
        /// Of those, the ones whose content on the disk matched.
        public var matched: Int

        /// The disk holds (part of) this image.
        public var holdsImage: Bool { sampled > 0 && matched >= min(2, sampled) && matched * 8 >= sampled }

        /// The sentence the client's screen shows.
        public var description: String {
            "\(matched) of \(sampled) sampled pieces of this image are already on it"
        }
    }

    /// The pieces that may serve as evidence, in order.
    public static func candidates(_ metainfo: Metainfo) -> [Int] {
        var seen: [SHA1Digest: Int] = [:]
        for hash in metainfo.pieceHashes { seen[hash, default: 0] += 1 }
        let layout = PieceLayout(pieceLength: metainfo.pieceLength, totalLength: metainfo.totalLength)
        var uniform: Set<SHA1Digest> = []
        for length in Set([layout.pieceLength, metainfo.pieceCount > 0 ? layout.length(ofPiece: metainfo.pieceCount - 1) : 0]) where length > 0 {
            uniform.insert(SHA1Digest.hash([UInt8](repeating: 0, count: length)))
            uniform.insert(SHA1Digest.hash([UInt8](repeating: 0xFF, count: length)))
        }
        return metainfo.pieceHashes.indices.filter { seen[metainfo.pieceHashes[$0]] == 1 && !uniform.contains(metainfo.pieceHashes[$0]) }
    }

    /// Which candidates to read: half of them the first of the image (a clone fills the image
    /// from its start, in a window of pieces ahead of the first missing one, so a clone cut short
    /// has those), the rest evenly spread over it.
    public static func sample(_ candidates: [Int]) -> [Int] {
        let count = sampleCount(candidates.count)
        guard candidates.count > count else { return candidates }
        let leading = count / 2
        var chosen = Array(candidates.prefix(leading))
        let rest = Array(candidates.dropFirst(leading))
        let spread = count - leading
        for step in 0..<spread {
            chosen.append(rest[step * rest.count / spread])
        }
        return chosen
    }

    /// Reads the sample from `path` (laid out by `map`) and compares it with the torrent.
    public static func examine(path: String, map: ExtentMap, metainfo: Metainfo) -> Finding {
        let sampled = sample(candidates(metainfo))
        guard !sampled.isEmpty else { return Finding(sampled: 0, matched: 0) }
        var wanted = [Bool](repeating: false, count: metainfo.pieceCount)
        for index in sampled { wanted[index] = true }
        guard let outcomes = try? PieceHasher(path: path, map: map, pieceLength: metainfo.pieceLength).hashAll(only: wanted) else {
            return Finding(sampled: sampled.count, matched: 0)
        }
        let matched = sampled.filter { outcomes[$0] == .digest(metainfo.pieceHashes[$0]) }.count
        return Finding(sampled: sampled.count, matched: matched)
    }
}
