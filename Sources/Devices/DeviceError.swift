/// A refusal or a discovery failure, as one line naming the device and the reason.
public struct DeviceError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The line.
    public var description: String

    /// Creates an error.
    public init(_ description: String) { self.description = description }
}
