import Foundation
import Testing
import TestSupport

/// The seeder's HTTP port (tracker, torrent, reports) against a hostile LAN: a slow-loris
/// client, oversized requests, forged announces and reports.
@Suite(.enabled(if: Integration.enabled, "needs root, curl and the built ezio"), .serialized)
struct HostileHTTPTests {
    static let script = PXEServeTests.peers + "/hostile_http.py"

    /// 200 half-open requests from one address: at most 32 are held, the rest refused; a
    /// client from another address is still answered; the held ones are cut after the
    /// request deadline. Heads past 8 KiB (in one read or byte by byte) and report bodies past
    /// 16 KiB are refused.
    @Test func slowLorisAndOversizedRequests() throws {
        let scratch = ScratchFolder("hostile-http")
        let port = freePort()
        let tracker = try Background([Integration.ezio, "tracker", "--listen", "127.0.0.1:\(port)"], log: scratch.file("tracker.log"))
        try tracker.wait(for: "tracker listening")
        let loris = try Background(["/usr/bin/python3", Self.script, "slowloris", "127.0.0.1", "\(port)", "127.0.0.2", "200"], log: scratch.file("loris.log"))
        try loris.wait(for: "\"holding\"")
        let holding = try Self.json(loris.output, event: "holding")
        #expect(holding["held"] as? Int == 32, "\(holding)")
        #expect(holding["refused"] as? Int == 168, "\(holding)")
        let started = Date()
        let answer = try Command.run(["/usr/bin/curl", "-s", "-m", "5", "http://127.0.0.1:\(port)/announce?port=1"])
        #expect(answer.status == 0)
        #expect(answer.stdout.contains("failure reason"), "the tracker still answers: \(answer.stdout)")
        #expect(Date().timeIntervalSince(started) < 3)
        try loris.wait(for: "\"done\"", timeout: 40)
        let done = try Self.json(loris.output, event: "done")
        let closedAfter = try #require(done["closed_after"] as? Double, "held connections were never closed: \(done)")
        #expect(closedAfter < 13, "the request deadline is 10 s")

        let limits = try Command.check(["/usr/bin/python3", Self.script, "limits", "127.0.0.1", "\(port)"])
        let codes = try JSONSerialization.jsonObject(with: Data(limits.utf8)) as! [String: Any]
        #expect(codes["big_head"] as? Int == 431)
        #expect(codes["big_body"] as? Int == 413)
        #expect(codes["trickled_head"] as? Int == 431)
        #expect(tracker.process.isRunning)
    }

    /// The tracker takes a client's address from its connection (not `ip=`), and a peer ID
    /// from another address cannot stop it.
    @Test func forgedAnnouncesAreIgnored() throws {
        let scratch = ScratchFolder("hostile-tracker")
        let port = freePort()
        let tracker = try Background([Integration.ezio, "tracker", "--listen", "127.0.0.1:\(port)"], log: scratch.file("tracker.log"))
        try tracker.wait(for: "tracker listening")
        let hash = String(repeating: "%ab", count: 20)
        func announce(_ source: String, _ peer: String, _ extra: String = "") throws -> [UInt8] {
            let url = "http://127.0.0.1:\(port)/announce?info_hash=\(hash)&peer_id=\(peer)&port=7000&uploaded=0&downloaded=0&left=5&compact=1\(extra)"
            let result = try Command.run(["/usr/bin/curl", "-s", "-m", "5", "--interface", source, "-o", scratch.file("out"), url])
            #expect(result.status == 0)
            return Array(scratch.read("out"))
        }
        _ = try announce("127.0.0.3", "-EZ0100-victimvictim", "&event=started&ip=10.1.2.3")
        let stop = try announce("127.0.0.2", "-EZ0100-victimvictim", "&event=stopped")
        #expect(String(decoding: stop, as: UTF8.self).contains("belongs to another address"))
        let seen = try announce("127.0.0.4", "-EZ0100-observer0000")
        let victim: [UInt8] = [127, 0, 0, 3, 0x1b, 0x58]
        #expect(seen.firstRange(of: victim) != nil, "the victim is still listed, at its own address: \(seen)")
        #expect(seen.firstRange(of: [10, 1, 2, 3]) == nil, "ip= was not trusted")
    }

    /// `serve --until-complete 2`: three completed announces from one address and a forged
    /// report of "done" are one machine at most, so it keeps serving; the report's escape
    /// sequences never reach its output.
    @Test func forgedCompletionsDoNotEndServe() throws {
        let scratch = ScratchFolder("hostile-serve")
        scratch.write("src.img", patternBytes(4 << 20, seed: 93))
        let http = freePort()
        let serve = try Background(
            [Integration.ezio, "serve", scratch.file("src.img"), "--json", "--http", "127.0.0.1:\(http)", "--port", "\(freePort())",
             "--piece-size", "1M", "--state-dir", scratch.file("state"), "--until-complete", "2"],
            log: scratch.file("serve.log"))
        try serve.wait(for: "\"event\":\"ready\"")
        let ready = try Self.json(serve.output, event: "ready")
        let hex = try #require(ready["info_hash"] as? String)
        var hash = ""
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            hash += "%" + hex[index..<next]
            index = next
        }
        for n in 1...3 {
            let url = "http://127.0.0.1:\(http)/announce?info_hash=\(hash)&peer_id=-EZ0100-forged00000\(n)&port=700\(n)&uploaded=0&downloaded=0&left=0&compact=1&event=completed"
            try Command.check(["/usr/bin/curl", "-sf", "-m", "5", "--interface", "127.0.0.2", "-o", "/dev/null", url])
            try Command.check(["/usr/bin/curl", "-sf", "-m", "5", "--interface", "127.0.0.2", "-o", "/dev/null", url.replacingOccurrences(of: "completed", with: "stopped")])
        }
        let report = #"{"state":"done","error":"\u001b]0;owned\u0007\u001b[2J","seconds":1}"#
        try Command.check(["/usr/bin/curl", "-sf", "-m", "5", "--interface", "127.0.0.2", "--data-binary", report, "http://127.0.0.1:\(http)/report"])
        sleep(4)
        #expect(serve.process.isRunning, "serve ended on forged completions: \(serve.output)")
        #expect(!serve.output.utf8.contains(0x1b), "a raw escape reached the output")
        serve.stop()
    }

    static func json(_ output: String, event: String) throws -> [String: Any] {
        let line = try #require(output.split(separator: "\n").last { $0.contains("\"event\":\"\(event)\"") })
        return try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
    }
}
