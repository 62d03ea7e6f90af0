#if canImport(Glibc)
import Glibc
#endif
import Logging
import NIOCore
import NIOPosix
@testable import Swarm
import Testing

/// `/api/events` as a real HTTPServer on loopback serves it: the current state first, live
/// events after, a cap on followers, and a follower that stops reading dropped, not buffered for.
@Suite(.serialized)
struct HTTPEventStreamTests {
    /// A blocking TCP client with a receive timeout, enough to read an event stream.
    final class Client {
        let fd: Int32
        private(set) var received = ""

        init(port: Int, receiveBuffer: Int32? = nil) throws {
            fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var timeout = timeval(tv_sec: 5, tv_usec: 0)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            if var size = receiveBuffer { setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size)) }
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = in_port_t(UInt16(port).bigEndian)
            inet_pton(AF_INET, "127.0.0.1", &address.sin_addr)
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard connected == 0 else { throw IOError(errnoCode: errno, reason: "connect") }
        }

        func send(_ text: String) {
            _ = text.withCString { Glibc.send(fd, $0, strlen($0), 0) }
        }

        /// Reads until `text` has arrived (or the peer closed, or 5 s passed without a byte).
        @discardableResult
        func read(until text: String) -> Bool {
            var buffer = [UInt8](repeating: 0, count: 65_536)
            while !received.contains(text) {
                let count = recv(fd, &buffer, buffer.count, 0)
                if count <= 0 { return false }
                received += String(decoding: buffer[..<count], as: UTF8.self)
            }
            return true
        }

        deinit { close(fd) }
    }

    func withServer(_ stream: HTTPEventStream, _ body: (Int) async throws -> Void) async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let server = HTTPServer(host: "127.0.0.1", port: 0, group: group, logger: Logger(label: "test")) { request in
            request.path == "/events" ? .events(stream) : .notFound(request.path)
        }
        let port = try await server.start()
        do {
            try await body(port)
        } catch {
            await server.stop()
            try await group.shutdownGracefully()
            throw error
        }
        await server.stop()
        try await group.shutdownGracefully()
    }

    func waitFor(_ condition: () -> Bool) async throws {
        for _ in 0..<200 where !condition() { try await Task.sleep(for: .milliseconds(25)) }
    }

    @Test func aFollowerGetsTheStateFirstThenLiveEvents() async throws {
        let stream = HTTPEventStream { [#"{"event":"ready"}"#] }
        try await withServer(stream) { port in
            let client = try Client(port: port)
            client.send("GET /events HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(client.read(until: "data: {\"event\":\"ready\"}\n\n"))
            #expect(client.received.hasPrefix("HTTP/1.0 200 OK\r\nContent-Type: text/event-stream; charset=utf-8\r\n"))
            #expect(client.received.contains("Cache-Control: no-store\r\n"))
            #expect(!client.received.contains("Content-Length"), "a stream has no length")
            try await waitFor { stream.followers == 1 }
            stream.publish("{\"n\":1}")
            stream.publish("two\nlines")
            #expect(client.read(until: "data: two\ndata: lines\n\n"))
            let body = client.received.split(separator: "\r\n\r\n", maxSplits: 1).last.map(String.init) ?? ""
            #expect(body == "data: {\"event\":\"ready\"}\n\ndata: {\"n\":1}\n\ndata: two\ndata: lines\n\n")
        }
        #expect(stream.followers == 0, "a closed connection is no follower")
    }

    @Test func followersAreCapped() async throws {
        let stream = HTTPEventStream(maxFollowers: 1)
        try await withServer(stream) { port in
            let first = try Client(port: port)
            first.send("GET /events HTTP/1.0\r\n\r\n")
            #expect(first.read(until: "\r\n\r\n"))
            try await waitFor { stream.followers == 1 }
            let second = try Client(port: port)
            second.send("GET /events HTTP/1.0\r\n\r\n")
            second.read(until: "\n\n")
            #expect(second.received.hasPrefix("HTTP/1.0 503 Service Unavailable"), "\(second.received)")
            #expect(stream.followers == 1)
        }
    }

    @Test func aFollowerThatStopsReadingIsDropped() async throws {
        let stream = HTTPEventStream(maxMissed: 3)
        try await withServer(stream) { port in
            let reader = try Client(port: port)
            let stalled = try Client(port: port, receiveBuffer: 4096)
            for client in [reader, stalled] { client.send("GET /events HTTP/1.0\r\n\r\n") }
            #expect(reader.read(until: "\r\n\r\n"))
            try await waitFor { stream.followers == 2 }
            let event = String(repeating: "x", count: 256 << 10)
            var sent = 0
            while stream.followers == 2, sent < 400 {
                stream.publish(event)
                sent += 1
                // The reader keeps up; the stalled client never reads.
                var buffer = [UInt8](repeating: 0, count: 1 << 20)
                var drained = 0
                while drained < event.count {
                    let count = recv(reader.fd, &buffer, buffer.count, 0)
                    if count <= 0 { break }
                    drained += count
                }
                try await Task.sleep(for: .milliseconds(2))
            }
            #expect(stream.followers == 1, "the stalled follower is gone after \(sent) events of 256 KiB")
            #expect(sent < 400)
        }
    }
}
