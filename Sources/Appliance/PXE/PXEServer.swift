#if canImport(Glibc)
import Glibc
#endif
import BlockIO
import Logging
import NIOConcurrencyHelpers
import ServiceLifecycle
import Swarm

/// `serve --pxe` (proxy DHCP and TFTP) or `serve --tftp` (TFTP only): dnsmasq as a child that
/// ezio configures, starts, supervises (restarted if it dies) and stops with the service group.
/// Its answers come back as `PXEEvent`s from its log.
public final class PXEServer: Service, Sendable {
    /// Everything dnsmasq is told.
    public struct Settings: Sendable {
        /// By firmware: which file, which URL.
        public var configuration: PXEConfiguration
        /// The interface holding the advertised address.
        public var interface: LocalAddress.Interface
        /// The folder served over TFTP.
        public var tftpRoot: TFTPRoot
        /// Answer PXE as a proxy DHCP server (`--pxe`), or only serve TFTP (`--tftp`).
        public var proxyDHCP: Bool

        /// Settings.
        public init(configuration: PXEConfiguration, interface: LocalAddress.Interface, tftpRoot: TFTPRoot, proxyDHCP: Bool) {
            self.configuration = configuration
            self.interface = interface
            self.tftpRoot = tftpRoot
            self.proxyDHCP = proxyDHCP
        }

        /// dnsmasq's command line.
        public var arguments: [String] {
            configuration.dnsmasqArguments(
                interface: interface.name, network: interface.network, netmask: interface.netmask,
                tftpRoot: tftpRoot.path, proxyDHCP: proxyDHCP, pidFile: tftpRoot.path + ".dnsmasq.pid")
        }
    }

    /// Checks, before anything starts, what would keep dnsmasq from serving: that it is
    /// installed, that the advertised address is on an interface, and that DHCP's port 67 and
    /// TFTP's port 69 are free. Returns the interface.
    public static func preflight(address: String, proxyDHCP: Bool, dnsmasq: String = "dnsmasq") throws(JobError) -> LocalAddress.Interface {
        guard Subprocess.locate(dnsmasq) != nil else {
            throw JobError("--pxe/--tftp need dnsmasq, which is not installed (Debian: apt-get install dnsmasq-base)")
        }
        guard let interface = LocalAddress.interface(holding: address) else {
            throw JobError("no interface that is up holds the advertised address \(address); pass --advertise with an address of this machine")
        }
        if proxyDHCP, let problem = LocalAddress.udpPortProblem(67) {
            throw JobError("cannot answer DHCP: UDP port 67 on this machine: \(problem) (another DHCP or proxy DHCP server runs here?)")
        }
        if let problem = LocalAddress.udpPortProblem(69, host: address) {
            throw JobError("cannot serve TFTP: UDP port 69 on \(address): \(problem) (another TFTP server runs here?)")
        }
        return interface
    }

    let settings: Settings
    let logger: Logger
    let onEvent: @Sendable (PXEEvent) -> Void

    /// A server with these settings; `onEvent` gets each answer and transfer.
    public init(settings: Settings, logger: Logger, onEvent: @escaping @Sendable (PXEEvent) -> Void) {
        self.settings = settings
        self.logger = logger
        self.onEvent = onEvent
    }

    /// Runs dnsmasq until the group shuts down; restarts it when it dies (a second after,
    /// giving up after five failed starts in a row).
    public func run() async throws {
        var failedStarts = 0
        while !Task.isCancelled {
            let process: DnsmasqProcess
            do {
                process = try await DnsmasqProcess.launch(settings.arguments, tftpRoot: settings.tftpRoot.path, logger: logger, onEvent: onEvent)
                failedStarts = 0
            } catch {
                failedStarts += 1
                guard failedStarts < 5 else { throw error }
                logger.error("dnsmasq did not start; retrying", metadata: ["error": "\(error)"])
                try? await Task.sleep(for: .seconds(1))
                continue
            }
            logger.info(settings.proxyDHCP ? "proxy DHCP and TFTP running" : "TFTP running", metadata: [
                "interface": "\(settings.interface.name)", "network": "\(settings.interface.network)/\(settings.interface.netmask)",
                "tftp_root": "\(settings.tftpRoot.path)", "dnsmasq_pid": "\(process.child.pid)",
            ])
            let status = await cancelWhenGracefulShutdown { await process.exitStatus() }
            if Task.isCancelled || status == nil {
                process.child.stop()
                _ = process.child.waitForExit()
                logger.info("dnsmasq stopped")
                return
            }
            logger.error("dnsmasq exited; restarting it", metadata: [
                "status": "\(status ?? -1)", "last_line": "\(process.lastNotice ?? "")",
            ])
            try? await Task.sleep(for: .seconds(1))
        }
    }
}

/// One run of dnsmasq: its output read on a thread of its own, parsed into events.
final class DnsmasqProcess: Sendable {
    let child: Subprocess.Child
    private let log: NIOLockedValueBox<DnsmasqLog>
    private let exit: AsyncStream<Int32>

    private init(child: Subprocess.Child, log: DnsmasqLog, exit: AsyncStream<Int32>) {
        self.child = child
        self.log = NIOLockedValueBox(log)
        self.exit = exit
    }

    var lastNotice: String? { log.withLockedValue { $0.lastNotice } }

    /// Starts dnsmasq and waits until it says it runs; if it exits first (a port taken, a bad
    /// option), the error is its own last line.
    static func launch(_ arguments: [String], tftpRoot: String, logger: Logger, onEvent: @escaping @Sendable (PXEEvent) -> Void) async throws(JobError) -> DnsmasqProcess {
        let child = try Subprocess.Child.start(arguments)
        let (stream, continuation) = AsyncStream<Int32>.makeStream()
        let process = DnsmasqProcess(child: child, log: DnsmasqLog(tftpRoot: tftpRoot), exit: stream)
        WorkerThreads.detach {
            let status = child.readLines { line in
                let event = process.log.withLockedValue { $0.consume(line) }
                logger.trace("dnsmasq", metadata: ["line": "\(String(line.prefix(300)).filter { $0.isASCII && !$0.isNewline && $0 != "\u{1b}" })"])
                if let event { onEvent(event) }
            }
            continuation.yield(status)
            continuation.finish()
        }
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline {
            if process.log.withLockedValue({ $0.started }) { return process }
            if child.hasExited { break }
            try? await Task.sleep(for: .milliseconds(50))
        }
        if !child.hasExited { child.stop() }
        let status = child.waitForExit()
        // Let the reader take in the last lines.
        try? await Task.sleep(for: .milliseconds(100))
        throw JobError("dnsmasq did not start (status \(status)): \(process.lastNotice ?? "no message")")
    }

    /// Waits until dnsmasq exits; nil when cancelled first.
    func exitStatus() async -> Int32? {
        for await status in exit { return status }
        return nil
    }
}
