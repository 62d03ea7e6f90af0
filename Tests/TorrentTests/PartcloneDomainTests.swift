import Testing
import Foundation
import Torrent

struct PartcloneDomainTests {
    /// The shape partclone.extfs -D writes (seen with partclone 0.3.23).
    let sample = """
        # Domain logfile created by unset_name v0.3.23
        # Source: /tmp/pcd.img
        # Offset: 0x00000000
        # current_pos  current_status
        0x04000000     ?
        #      pos        size  status
        0x00000000  0x00448400  +
        0x00448400  0x003B8000  ?
        0x00800400  0x00040800  +
        0x00840C00  0x007BF800  ?
        0x01000400  0x00400000  +
        0x01400400  0x00400000  +
        """

    @Test func usedRunsAreThePlusLinesMerged() throws {
        let runs = try PartcloneDomain.usedRuns(sample)
        #expect(runs.map(\.offset) == [0, 0x800400, 0x1000400])
        #expect(runs.map(\.length) == [0x448400, 0x40800, 0x800000])
    }

    /// A map saved with Windows line ends reads the same ("\r\n" is one Character in Swift).
    @Test func crlfLineEndsReadTheSame() throws {
        let runs = try PartcloneDomain.usedRuns(sample.replacingOccurrences(of: "\n", with: "\r\n"))
        #expect(runs.map(\.offset) == [0, 0x800400, 0x1000400])
        #expect(runs.map(\.length) == [0x448400, 0x40800, 0x800000])
        #expect(throws: PartcloneDomain.ParseError(line: 3, reason: "expected 'pos size status'")) {
            try PartcloneDomain.usedRuns("0x0 ?\r\n0x0 0x10 +\r\n0x10 zz +\r\n")
        }
    }

    @Test func malformedMapsNameTheLine() {
        #expect(throws: PartcloneDomain.ParseError(line: 1, reason: "no domain map in the output")) { try PartcloneDomain.usedRuns("# nothing\n") }
        #expect(throws: PartcloneDomain.ParseError(line: 3, reason: "expected 'pos size status'")) {
            try PartcloneDomain.usedRuns("0x0 ?\n0x0 0x10 +\n0x10 zz +\n")
        }
        #expect(throws: PartcloneDomain.ParseError(line: 3, reason: "runs overlap or are out of order")) {
            try PartcloneDomain.usedRuns("0x0 ?\n0x100 0x10 +\n0x0 0x10 +\n")
        }
    }
}
