

/// How software may access a register.
public enum RegisterAccess: String, Sendable {
    case readWrite = "rw"
    case readOnly = "ro"
    case writeOnly = "wo"
}

/// A device register declared as data: what `describe` and unmodelled-access
/// reports show, and what the device's read/write switch is keyed on.
public struct RegisterDescriptor: Sendable {
    public var offset: UInt64
    public var name: String
    public var access: RegisterAccess
    public var resetValue: UInt64
    /// `false` for registers the device accepts but does not act on.
    public var modelled: Bool
    public var doc: String

    public init(_ offset: UInt64, _ name: String, _ access: RegisterAccess, reset: UInt64 = 0,
                modelled: Bool = true, doc: String) {
        self.offset = offset
        self.name = name
        self.access = access
        self.resetValue = reset
        self.modelled = modelled
        self.doc = doc
    }
}

/// A device's register table with lookup by offset and reporting of
/// accesses the model does not implement.
public struct RegisterMap: Sendable {
    public let registers: [RegisterDescriptor]

    public init(_ registers: [RegisterDescriptor]) { self.registers = registers }

    /// The register at `offset`, if declared.
    public func register(at offset: UInt64) -> RegisterDescriptor? {
        registers.first { $0.offset == offset }
    }

    /// Reports (once per register and direction) accesses to undeclared or
    /// unmodelled registers and to the wrong direction of one-way registers.
    /// Returns the register when the access should be handled normally.
    public func check(_ offset: UInt64, write: Bool, device: SimObject) -> RegisterDescriptor? {
        guard let r = register(at: offset) else {
            (device.root as? Machine)?.warn("\(device.path): \(write ? "write to" : "read from") unknown register at offset 0x\(String(offset, radix: 16))")
            return nil
        }
        if r.modelled && (r.access == .readWrite || (write ? r.access == .writeOnly : r.access == .readOnly)) {
            return r  // the common case: no warning, no walk to the root
        }
        let machine = device.root as? Machine
        if !r.modelled {
            machine?.warn("\(device.path): \(r.name) is not modelled (\(write ? "write ignored" : "reads as 0x\(String(r.resetValue, radix: 16))"))")
        } else if write && r.access == .readOnly {
            machine?.warn("\(device.path): write to read-only register \(r.name) ignored")
            return nil
        } else if !write && r.access == .writeOnly {
            machine?.warn("\(device.path): read from write-only register \(r.name) returns 0")
            return nil
        }
        return r
    }
}
