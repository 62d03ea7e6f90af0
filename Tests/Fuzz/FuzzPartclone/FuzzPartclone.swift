// libFuzzer target: partclone's torrent.info and `partclone -D` domain maps (scripts/fuzz).
// A thrown error is the expected answer to bad input; a trap, an ASan report, a hang or a
// broken invariant below is a bug.
import FuzzSupport
import Torrent

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    checkInfo(text)
    checkDomain(text)
    return 0
}

func checkInfo(_ text: String) {
    let info: PartcloneInfo
    do {
        info = try PartcloneInfo(text: text)
    } catch {
        requireOneLine(error)
        return
    }
    require(!info.extents.isEmpty && info.totalLength > 0, "accepted without data")
    require(info.pieceHashes.count == PieceLayout.pieceCount(totalLength: info.totalLength, pieceLength: PartcloneInfo.pieceLength),
            "\(info.pieceHashes.count) hashes for \(info.totalLength) bytes")
    for extent in info.extents {
        require(extent.offset >= 0 && extent.length >= 0 && Hex.parseInt64(extent.offsetText) == extent.offset, "extent \(extent)")
    }
    let map: ExtentMap
    do {
        map = try ExtentMap(deviceExtents: info.extents.map { ($0.offset, $0.length) })
    } catch {
        requireOneLine(error)
        return
    }
    require(map.totalLength == info.totalLength, "map holds \(map.totalLength) bytes of \(info.totalLength)")
    // The torrent EZIO's tools would make from it, when it is a valid torrent, maps the same.
    guard let (_, metainfo) = try? TorrentBuilder.partclone(info, name: "part").encode() else { return }
    require(metainfo.totalLength == info.totalLength && metainfo.pieceHashes == info.pieceHashes, "torrent differs from its torrent.info")
    do {
        let fromTorrent = try ExtentMap(metainfo: metainfo)
        require(fromTorrent == map, "the torrent's extent map differs from the torrent.info's")
    } catch {
        require(false, "the torrent of an accepted torrent.info has no extent map: \(error)")
    }
}

func checkDomain(_ text: String) {
    let runs: [(offset: Int64, length: Int64)]
    do {
        runs = try PartcloneDomain.usedRuns(text)
    } catch {
        requireOneLine(error)
        return
    }
    for (index, run) in runs.enumerated() {
        require(run.offset >= 0 && run.length > 0 && run.offset <= Int64.max - run.length, "run \(index): \(run)")
        if index > 0 {
            let previous = runs[index - 1]
            require(previous.offset + previous.length < run.offset, "runs \(index - 1) and \(index) overlap, touch or are out of order")
        }
    }
    guard !runs.isEmpty else { return }
    let map: ExtentMap
    do {
        map = try ExtentMap(deviceExtents: runs)
    } catch {
        requireOneLine(error)
        require(runs.contains { $0.offset + $0.length > 1 << 62 }, "sorted disjoint runs refused: \(error)")
        return
    }
    // Runs apart on the device stay apart: reading the whole stream gives back the runs.
    let back = map.runs(in: 0..<map.totalLength)
    require(back.map(\.deviceOffset) == runs.map(\.offset) && back.map { Int64($0.length) } == runs.map(\.length),
            "the map's runs differ from the domain's")
}
