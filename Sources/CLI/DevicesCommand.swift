import Appliance
import ArgumentParser
import Devices

/// `ezio devices`: the block devices and whether each may be a target, and why not.
public struct DevicesCommand: ParsableCommand {
    /// Made by the argument parser.
    public init() {}

    /// Name, summary and help of the subcommand.
    public static let configuration = CommandConfiguration(
        commandName: "devices",
        abstract: "List the block devices and whether each may be a clone target.",
        discussion: "Fields neither udev nor sysfs knows are listed as unknown. --watch prints devices as they come and go."
    )

    @Flag(help: "Print JSON: one object per device, with eligible and reasons.")
    var json = false

    @Flag(help: "Also list partitions, loop, dm and md devices.")
    var all = false

    @Flag(help: "Print add / remove / change events until interrupted.")
    var watch = false

    @Flag(name: .customLong("allow-loop"), help: "Judge loop devices as clone would with --allow-loop.")
    var allowLoop = false

    @Flag(help: "Judge as clone would with --force.")
    var force = false

    /// Runs the command (0 done, 1 failed).
    public func run() throws {
        if watch { return try watchEvents() }
        let policy = TargetPolicy(allowLoop: allowLoop, force: force)
        let devices = DeviceDiscovery().list()
            .filter { all || $0.kind == .disk || (allowLoop && $0.kind == .loop) }
            .map(policy.assess)
        if json {
            print(try JSONOutput.encode(devices))
            return
        }
        print(Self.table(devices))
    }

    static func table(_ devices: [BlockDeviceInfo]) -> String {
        var rows = [["DEVICE", "KIND", "SIZE", "TYPE", "MODEL", "SERIAL", "TARGET"]]
        for device in devices {
            rows.append([
                device.node, device.kind.rawValue, ByteCount.format(device.size), device.storage?.rawValue ?? "?",
                device.model ?? "?", device.serial ?? "?",
                device.eligible ? "eligible" : "no: " + device.reasons.joined(separator: "; "),
            ])
        }
        let widths = (0..<rows[0].count - 1).map { column in rows.map { $0[column].count }.max()! }
        return rows.map { row in
            (0..<row.count - 1).map { TextFormat.pad(row[$0], to: widths[$0]) }.joined(separator: "  ")
                + "  " + row[row.count - 1]
        }.joined(separator: "\n")
    }

    private func watchEvents() throws {
        let monitor = try DeviceMonitor()
        StandardOutput.write("watching block devices\n")
        while true {
            guard let event = monitor.next(timeout: 1000) else { continue }
            let line = json
                ? try JSONOutput.encode(event)
                : "\(event.action) \(event.node) \(event.size > 0 ? ByteCount.format(event.size) : "no medium")"
            StandardOutput.write(line + "\n")
        }
    }
}
