import Foundation
import Testing
import TestSupport
@testable import Devices

@Suite struct BlockDeviceCatalogTests {
    @Test func kindsFromNames() {
        #expect(BlockDeviceCatalog.kind(name: "sda", devtype: "disk") == .disk)
        #expect(BlockDeviceCatalog.kind(name: "sda1", devtype: "partition") == .partition)
        #expect(BlockDeviceCatalog.kind(name: "loop7", devtype: "disk") == .loop)
        #expect(BlockDeviceCatalog.kind(name: "dm-0", devtype: "disk") == .dm)
        #expect(BlockDeviceCatalog.kind(name: "md127", devtype: "disk") == .md)
    }

    /// A loop device we attach shows up with its node, kind and exact size.
    @Test(.enabled(if: getuid() == 0, "attaching a loop device needs root"))
    func listsAnAttachedLoopDevice() throws {
        let scratch = ScratchFolder("devices")
        scratch.truncate("disk.img", to: 37 << 20)
        let attach = Process()
        attach.executableURL = URL(fileURLWithPath: "/usr/sbin/losetup")
        attach.arguments = ["--find", "--show", "--read-only", scratch.file("disk.img")]
        let output = Pipe()
        attach.standardOutput = output
        try attach.run()
        attach.waitUntilExit()
        let node = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        try #require(attach.terminationStatus == 0 && node.hasPrefix("/dev/loop"))
        defer {
            let detach = Process()
            detach.executableURL = URL(fileURLWithPath: "/usr/sbin/losetup")
            detach.arguments = ["--detach", node]
            try? detach.run()
            detach.waitUntilExit()
        }
        let devices = try BlockDeviceCatalog.list()
        let loop = try #require(devices.first { $0.node == node })
        #expect(loop.kind == .loop)
        #expect(loop.size == 37 << 20)
        #expect(loop.isReadOnly)
        #expect(loop.name == (node as NSString).lastPathComponent)
    }
}
