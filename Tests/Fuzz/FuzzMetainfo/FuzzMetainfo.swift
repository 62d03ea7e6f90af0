// libFuzzer target: bencode, torrent files and the EZIO extent layout (scripts/fuzz).
// A thrown error is the expected answer to bad input; a trap, an ASan report, a hang or a
// broken invariant below is a bug.
import FuzzSupport
import Torrent

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    checkBencode(bytes)
    checkMetainfo(bytes)
    return 0
}

/// A decoded value re-encodes canonically, the canonical form is a fixed point, and the
/// recorded top-level ranges hold exactly the values decoded.
func checkBencode(_ bytes: [UInt8]) {
    let document: BencodeDecoder.Document
    do {
        document = try BencodeDecoder().decodeDocument(bytes)
    } catch {
        requireOneLine(error)
        return
    }
    let canonical = BencodeEncoder.encode(document.root)
    // Only canonical integers and lengths are accepted, so only the key order may differ.
    require(canonical.count == bytes.count, "canonical form is \(canonical.count) bytes, the input \(bytes.count)")
    guard let again = try? BencodeDecoder().decode(canonical) else {
        require(false, "canonical re-encoding does not decode")
        return
    }
    require(BencodeEncoder.encode(again) == canonical, "canonical form is not a fixed point")
    if let dictionary = document.root.dictionaryValue {
        require(document.topLevelRanges.count == dictionary.count, "\(document.topLevelRanges.count) ranges for \(dictionary.count) keys")
        for entry in dictionary.entries {
            guard let range = document.topLevelRanges[entry.key] else {
                require(false, "no range for a top-level key")
                return
            }
            require(range.lowerBound >= 0 && range.upperBound <= bytes.count, "range \(range) outside the input")
            require((try? BencodeDecoder().decode(Array(bytes[range]))) == entry.value, "range \(range) does not hold its key's value")
        }
    }
}

func checkMetainfo(_ bytes: [UInt8]) {
    let metainfo: Metainfo
    do {
        metainfo = try Metainfo(bytes: bytes)
    } catch {
        requireOneLine(error)
        return
    }
    checkLayout(metainfo)

    // Accepted means the canonical re-encoding is accepted too, with the same contents (and
    // the same info-hash when the input was canonical already).
    let canonical = BencodeEncoder.encode(try! BencodeDecoder().decode(bytes))
    guard let reparsed = try? Metainfo(bytes: canonical) else {
        require(false, "canonical re-encoding of an accepted torrent is rejected")
        return
    }
    requireSameContents(metainfo, reparsed, "canonical re-encoding")
    if canonical == bytes { require(reparsed.infoHash == metainfo.infoHash, "same bytes, another info-hash") }

    // What our own builder writes from the parsed torrent is accepted with the same contents.
    var builder = TorrentBuilder(
        name: metainfo.name, pieceLength: metainfo.pieceLength,
        files: metainfo.files.map { TorrentBuilder.File(path: $0.path.isEmpty ? [metainfo.name] : $0.path, length: $0.length) },
        pieceHashes: metainfo.pieceHashes)
    builder.trackers = metainfo.trackers
    builder.creator = metainfo.createdBy
    builder.creationDate = metainfo.creationDate
    builder.comment = metainfo.comment
    builder.isPrivate = metainfo.isPrivate
    builder.disk = metainfo.disk
    do {
        let (_, rebuilt) = try builder.encode()
        require(rebuilt.pieceHashes == metainfo.pieceHashes && rebuilt.totalLength == metainfo.totalLength
                && rebuilt.trackers == metainfo.trackers && rebuilt.disk == metainfo.disk && rebuilt.isPrivate == metainfo.isPrivate,
                "the builder's torrent differs from the one it was built from")
    } catch {
        require(false, "the builder refuses an accepted torrent: \(error)")
    }

    let map: ExtentMap
    do {
        map = try ExtentMap(metainfo: metainfo)
    } catch {
        requireOneLine(error)
        return
    }
    checkMap(map, metainfo, seed: bytes.count)
}

func requireSameContents(_ a: Metainfo, _ b: Metainfo, _ what: String) {
    require(a.name == b.name && a.layout == b.layout && a.pieceHashes == b.pieceHashes && a.files == b.files
            && a.isMultiFile == b.isMultiFile && a.isPrivate == b.isPrivate && a.trackers == b.trackers
            && a.createdBy == b.createdBy && a.creationDate == b.creationDate && a.comment == b.comment && a.disk == b.disk,
            "\(what) parses to other contents")
}

func checkLayout(_ metainfo: Metainfo) {
    let layout = metainfo.layout
    let count = layout.pieceCount
    require(count > 0 && count == metainfo.pieceHashes.count, "piece count \(count), \(metainfo.pieceHashes.count) hashes")
    require(layout.totalLength > 0 && layout.totalLength <= 1 << 62, "total length \(layout.totalLength)")
    var offset: Int64 = 0
    for file in metainfo.files {
        require(file.offset == offset && file.length >= 0, "file at \(file.offset) where \(offset) was expected")
        offset += file.length
    }
    require(offset == layout.totalLength, "files add up to \(offset), not \(layout.totalLength)")
    for index in Set([0, count / 2, count - 1]) {
        let range = layout.range(ofPiece: index)
        let length = layout.length(ofPiece: index)
        require(length > 0 && length <= layout.pieceLength, "piece \(index) is \(length) bytes")
        require(range.count == length && range.lowerBound == Int64(index) * Int64(layout.pieceLength), "piece \(index) range \(range)")
        require(index < count - 1 ? length == layout.pieceLength : range.upperBound == layout.totalLength, "piece \(index) range \(range) of \(layout.totalLength)")
    }
}

func checkMap(_ map: ExtentMap, _ metainfo: Metainfo, seed: Int) {
    require(map.totalLength == metainfo.totalLength, "map holds \(map.totalLength) bytes of \(metainfo.totalLength)")
    require(map.extents.count == metainfo.files.count, "\(map.extents.count) extents for \(metainfo.files.count) files")
    for extent in map.extents {
        require(extent.length == 0 || extent.deviceOffset + extent.length <= map.deviceEnd, "extent past the device end")
    }
    let layout = metainfo.layout
    let count = layout.pieceCount
    // The first piece, the last, a span picked from the input, and the whole torrent.
    let first = seed % count
    let last = min(count - 1, first + seed % 7)
    let ranges = [
        layout.range(ofPiece: 0), layout.range(ofPiece: count - 1),
        layout.range(ofPiece: first).lowerBound..<layout.range(ofPiece: last).upperBound,
        0..<layout.totalLength,
    ]
    for range in ranges {
        let runs = map.runs(in: range)
        var bufferOffset = 0
        for (index, run) in runs.enumerated() {
            require(run.length > 0 && run.bufferOffset == bufferOffset, "run \(index) of \(range): \(run)")
            require(run.deviceOffset >= 0 && run.deviceOffset + Int64(run.length) <= map.deviceEnd, "run \(run) past the device end \(map.deviceEnd)")
            if index > 0 {
                let previous = runs[index - 1]
                require(previous.deviceOffset + Int64(previous.length) != run.deviceOffset, "adjacent runs not merged")
            }
            bufferOffset += run.length
        }
        require(Int64(bufferOffset) == Int64(range.count), "runs of \(range) hold \(bufferOffset) bytes")
    }
}
