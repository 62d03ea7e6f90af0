/// A failure to discover devices, as one line.
public struct DeviceError: Error, Sendable, CustomStringConvertible {
    /// The line.
    public var description: String

    init(_ description: String) { self.description = description }
}
