/// The QMP error class carried by every host-side error.
///
/// An open set: modules may add classes, but the QEMU ones come first so
/// that QMP clients written for QEMU understand the replies.
public struct ErrorClass: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public var description: String { rawValue }

    /// Anything without a more specific class (QEMU's `GenericError`).
    public static let generic = ErrorClass(rawValue: "GenericError")
    /// A path or name that names no object (QEMU's `DeviceNotFound`).
    public static let deviceNotFound = ErrorClass(rawValue: "DeviceNotFound")
    /// A monitor command that does not exist (QEMU's `CommandNotFound`).
    public static let commandNotFound = ErrorClass(rawValue: "CommandNotFound")
    /// The command is valid but not in the current state (QEMU's `DeviceNotActive`).
    public static let deviceNotActive = ErrorClass(rawValue: "DeviceNotActive")
}

/// Where a host-side error comes from: a file position, an object path, or both.
public struct ErrorLocation: Hashable, Sendable, CustomStringConvertible {
    public var file: String?
    public var line: Int?
    public var column: Int?
    public var objectPath: String?

    public init(file: String? = nil, line: Int? = nil, column: Int? = nil, objectPath: String? = nil) {
        self.file = file
        self.line = line
        self.column = column
        self.objectPath = objectPath
    }

    public var description: String {
        var parts: [String] = []
        if let file {
            var position = file
            if let line { position += ":\(line)" }
            if let column { position += ":\(column)" }
            parts.append(position)
        }
        if let objectPath { parts.append(objectPath) }
        return parts.joined(separator: ": ")
    }
}

/// The one error type of host-side failures: bad board files, bad property
/// values, bad commands, failed realize.
///
/// Guest-side events (undefined instructions, page faults) are never
/// `ChimeraError`s: the cores deliver those to the guest.
public struct ChimeraError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The QMP class a monitor reply carries.
    public var errorClass: ErrorClass
    /// A sentence a user can act on, without the location prefix.
    public var message: String
    /// Where the problem is, when known.
    public var location: ErrorLocation?

    public init(_ errorClass: ErrorClass = .generic, _ message: String, at location: ErrorLocation? = nil) {
        self.errorClass = errorClass
        self.message = message
        self.location = location
    }

    /// An error about the object at `path`.
    public static func object(_ path: String, _ message: String, class errorClass: ErrorClass = .generic) -> ChimeraError {
        ChimeraError(errorClass, message, at: ErrorLocation(objectPath: path))
    }

    /// The same error with an object path attached, unless one is already known.
    public func at(objectPath path: String) -> ChimeraError {
        var copy = self
        if copy.location == nil { copy.location = ErrorLocation(objectPath: path) }
        else if copy.location?.objectPath == nil { copy.location?.objectPath = path }
        return copy
    }

    /// The same error with a file position attached, unless one is already known.
    public func at(file: String, line: Int?, column: Int?) -> ChimeraError {
        var copy = self
        var location = copy.location ?? ErrorLocation()
        if location.file == nil {
            location.file = file
            location.line = line
            location.column = column
        }
        copy.location = location
        return copy
    }

    /// `location: message`, the form printed on stderr and in QMP `desc`.
    public var description: String {
        guard let location, !location.description.isEmpty else { return message }
        return "\(location): \(message)"
    }
}
