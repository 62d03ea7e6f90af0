// libFuzzer target: the HTTP tracker codec, both sides: announce queries (what the embedded
// tracker receives), announce responses (what a tracker answers), compact peer lists and
// HOST:PORT text (scripts/fuzz). The input goes to every parser. A thrown error is the
// expected answer; a trap, an ASan report, a hang or a broken invariant below is a bug.
import FuzzSupport
import PeerProtocol
import Torrent

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let text = String(decoding: bytes, as: UTF8.self)
    checkQuery(text)
    checkResponse(bytes)
    checkCompact(bytes)
    checkAddress(text)
    return 0
}

/// An accepted announce has its numbers in range, and the URL we would send for it parses
/// back to the same announce.
func checkQuery(_ query: String) {
    if let fields = try? URLQuery.parse(query) {
        for (name, value) in fields {
            require((try? URLQuery.parse("x=" + URLQuery.percentEncode(value)))?["x"] == value, "value of \(name) does not survive percent-encoding")
        }
    }
    let request: AnnounceRequest
    do {
        request = try AnnounceRequest(query: query)
    } catch {
        requireOneLine(error)
        return
    }
    require((1...65535).contains(request.port) && (0...1000).contains(request.numWant), "port \(request.port), numwant \(request.numWant)")
    require(request.uploaded >= 0 && request.downloaded >= 0 && request.left >= 0, "negative byte counts")
    let url = request.url(base: "http://tracker.invalid/announce")
    guard let question = url.firstIndex(of: "?") else {
        require(false, "announce URL without a query: \(url)")
        return
    }
    do {
        let again = try AnnounceRequest(query: String(url[url.index(after: question)...]))
        require(again == request, "announce does not survive its own URL")
    } catch {
        require(false, "our own announce URL is refused: \(error)")
    }
}

/// An accepted response has bounded numbers, and encodes (list form, and compact form where
/// every peer is IPv4) to a body that parses to the same peers.
func checkResponse(_ bytes: [UInt8]) {
    let response: AnnounceResponse
    do {
        response = try AnnounceResponse(bencoded: bytes)
    } catch {
        requireOneLine(error)
        return
    }
    require((1...86_400).contains(response.interval), "interval \(response.interval)")
    require(response.minInterval.map { (0...86_400).contains($0) } ?? true, "min interval \(String(describing: response.minInterval))")
    for peer in response.peers {
        require((1...65535).contains(peer.port), "peer \(peer) with a port out of range")
    }
    do {
        let again = try AnnounceResponse(bencoded: response.encode(compact: false))
        require(again == response, "response does not survive re-encoding as a list")
    } catch {
        require(false, "our own response body is refused: \(error)")
    }
    do {
        let again = try AnnounceResponse(bencoded: response.encode(compact: true))
        // The compact form writes dotted quads canonically ("01.2.3.4" becomes "1.2.3.4").
        require(again.peers.map { $0.compact ?? Array($0.description.utf8) } == response.peers.map { $0.compact ?? Array($0.description.utf8) },
                "response does not survive re-encoding compact")
    } catch {
        require(false, "our own compact response body is refused: \(error)")
    }
    _ = AnnounceResponse.failure(String(decoding: bytes.prefix(64), as: UTF8.self))
}

func checkCompact(_ bytes: [UInt8]) {
    guard let peers = PeerAddress.parseCompact(bytes) else {
        require(bytes.count % 6 != 0, "compact list of \(bytes.count) bytes refused")
        return
    }
    require(peers.count * 6 == bytes.count, "\(peers.count) peers from \(bytes.count) bytes")
    require(peers.flatMap { $0.compact ?? [] } == bytes, "compact peers do not re-encode to their bytes")
}

func checkAddress(_ text: String) {
    guard let address = PeerAddress(text) else { return }
    require((1...65535).contains(address.port), "address \(address) with a port out of range")
    require(PeerAddress(address.description) == address, "\(address) does not survive its description")
}
