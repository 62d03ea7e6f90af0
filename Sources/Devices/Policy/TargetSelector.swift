/// Turns the TARGET of `ezio clone` into one device, or refuses with the reasons.
public struct TargetSelector: Sendable {
    /// What TARGET said.
    public enum Spec: Sendable, Equatable {
        /// A device or file path.
        case path(String)
        /// The one eligible whole disk large enough.
        case auto
        /// The disk with this serial number.
        case serial(String)
        /// The disk with this world-wide name.
        case wwn(String)
        /// The disk with this udev by-path id.
        case byPath(String)
        /// Eligible whole disks of at least this many bytes.
        case minimumSize(Int64)

        /// Parses TARGET: `auto`, `serial:TEXT`, `wwn:TEXT`, `path:TEXT`, `size>=SIZE`, or a path.
        public init(_ text: String, parseSize: (String) -> Int64?) throws(DeviceError) {
            if text == "auto" {
                self = .auto
            } else if text.hasPrefix("serial:") {
                self = .serial(String(text.dropFirst(7)))
            } else if text.hasPrefix("wwn:") {
                self = .wwn(String(text.dropFirst(4)))
            } else if text.hasPrefix("path:") {
                self = .byPath(String(text.dropFirst(5)))
            } else if text.hasPrefix("size>=") {
                guard let size = parseSize(String(text.dropFirst(6))) else { throw DeviceError("\(text): not a size") }
                self = .minimumSize(size)
            } else {
                self = .path(text)
            }
        }
    }

    /// How to choose among several eligible disks.
    public enum Pick: String, Sendable, CaseIterable {
        /// Smallest size first.
        case smallest
        /// Largest size first.
        case largest
        /// First by kernel name.
        case first
    }

    /// What was chosen.
    public enum Choice: Sendable, Equatable {
        /// A block device, checked.
        case device(BlockDeviceInfo)
        /// A regular file (or a path that does not exist yet): an image file target.
        case file(String)
    }

    /// The safety rules.
    public var policy: TargetPolicy
    /// Tie-break among several eligible disks.
    public var pick: Pick?
    /// Tells whether a disk refused only for its partitions or data in fact holds this image
    /// (or part of it): then it is taken without consent, with this sentence as the reason.
    public var recognise: (@Sendable (BlockDeviceInfo) -> String?)?

    /// A selector.
    public init(policy: TargetPolicy, pick: Pick? = nil, recognise: (@Sendable (BlockDeviceInfo) -> String?)? = nil) {
        self.policy = policy
        self.pick = pick
        self.recognise = recognise
    }

    /// What stops `device`, and whether it was taken because it holds this image. Consent to
    /// overwrite (`force`) reaches a disk chosen by a rule (auto, size...) only when it is
    /// internal: a USB stick left in a lab PC is never wiped by `auto`.
    private func judge(_ device: BlockDeviceInfo, named: Bool, head: (BlockDeviceInfo) -> [UInt8]?) -> (blocking: [TargetPolicy.Refusal], recognised: String?) {
        var rules = policy
        if !named, device.removable || device.transport == "usb" { rules.force = false }
        let blocking = rules.blocking(device, head: head(device))
        guard !blocking.isEmpty, blocking.allSatisfy(\.overridable), let recognise, let why = recognise(device) else { return (blocking, nil) }
        return ([], why)
    }

    /// Reads a device's first MiB, to tell whether it holds data.
    public static func readHead(_ device: BlockDeviceInfo) -> [UInt8]? {
        FileSystem.readHead(device.node, count: 1 << 20)
    }

    /// Chooses among `devices` (from discovery); `head` reads a device's first MiB.
    public func choose(_ spec: Spec, among devices: [BlockDeviceInfo], head: (BlockDeviceInfo) -> [UInt8]? = TargetSelector.readHead) throws(DeviceError) -> Choice {
        try chooseExplained(spec, among: devices, head: head).choice
    }

    /// Chooses as `choose` does, and says why in a line a person at the machine can read.
    public func chooseExplained(
        _ spec: Spec, among devices: [BlockDeviceInfo], head: (BlockDeviceInfo) -> [UInt8]? = TargetSelector.readHead
    ) throws(DeviceError) -> (choice: Choice, reason: String) {
        if case .path(let path) = spec {
            guard let device = devices.first(where: { $0.node == path || $0.node == FileSystem.resolve(path) }) else {
                if FileSystem.isBlockDevice(path) { throw DeviceError("\(path): refused: a block device discovery cannot see (no medium?)") }
                return (.file(path), "an image file")
            }
            let (blocking, recognised) = judge(device, named: true, head: head)
            guard blocking.isEmpty else {
                throw DeviceError("\(device.node): refused: \(blocking.map(\.reason).joined(separator: "; "))")
            }
            return (.device(device), recognised.map { "it holds this image: \($0)" } ?? "named as the target; it passed every safety check")
        }
        let candidates = devices.filter { device in
            guard device.kind == .disk || (device.kind == .loop && policy.allowLoop) else { return false }
            switch spec {
            case .auto, .path: return true
            case .serial(let serial): return device.serial == serial
            case .wwn(let wwn): return device.wwn == wwn
            case .byPath(let path): return device.byPath == path
            case .minimumSize(let size): return device.size >= size
            }
        }
        var eligible: [BlockDeviceInfo] = []
        var refused: [String] = []
        var recognisedBy: [String: String] = [:]
        for device in candidates {
            let (blocking, recognised) = judge(device, named: false, head: head)
            if blocking.isEmpty {
                eligible.append(device)
                recognisedBy[device.node] = recognised
            } else {
                refused.append("\(device.node) (\(blocking.map(\.reason).joined(separator: "; ")))")
            }
        }
        let described = Self.describe(spec)
        guard !eligible.isEmpty else {
            let detail = refused.isEmpty ? "no disk matches" : "refused: " + refused.joined(separator: ", ")
            throw DeviceError("\(described): no eligible disk; \(detail)")
        }
        let others = refused.isEmpty ? "" : "; refused: " + refused.joined(separator: ", ")
        if eligible.count == 1 {
            let why = recognisedBy[eligible[0].node].map { "it holds this image: \($0)" } ?? "the only disk that \(described) allows"
            return (.device(eligible[0]), why + " (\(candidates.count) considered)" + others)
        }
        guard let pick else {
            let list = eligible.map { "\($0.node) (\($0.size) bytes\($0.serial.map { ", serial \($0)" } ?? ""))" }.joined(separator: ", ")
            throw DeviceError("\(described): \(eligible.count) eligible disks, not choosing: \(list); use --pick smallest|largest|first (ezio.pick=) or name one")
        }
        let chosen: BlockDeviceInfo
        switch pick {
        case .first: chosen = eligible.min { $0.name < $1.name }!
        case .smallest: chosen = eligible.min { ($0.size, $0.name) < ($1.size, $1.name) }!
        case .largest: chosen = eligible.min { ($0.size, $1.name) > ($1.size, $0.name) }!
        }
        return (.device(chosen), "the \(pick.rawValue) of \(eligible.count) disks that \(described) allows" + others)
    }

    static func describe(_ spec: Spec) -> String {
        switch spec {
        case .auto: "auto"
        case .path(let path): path
        case .serial(let serial): "serial:\(serial)"
        case .wwn(let wwn): "wwn:\(wwn)"
        case .byPath(let path): "path:\(path)"
        case .minimumSize(let size): "size>=\(size)"
        }
    }
}
