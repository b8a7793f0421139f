import ChimeraCore

/// What a stub tells gdb about a core's registers: the `target.xml`
/// document it serves through `qXfer:features:read` (GDB manual, "Target
/// Descriptions"), and the register layout of `g`/`G`/`p`/`P` that follows
/// from it.
///
/// Register numbers are positions in `registers`: the features in order,
/// each feature's registers in order (the XML says so with `regnum`
/// attributes too). A `g` reply is every register's bytes in that order;
/// unavailable registers are sent as `xx` per byte, which gdb shows as
/// `<unavailable>`.
public struct GDBArchitectureDescription: Hashable, Sendable {
    /// gdb's BFD architecture name (`aarch64`, `i386:x86-64`).
    public var architecture: String
    /// The features, in register-number order.
    public var features: [GDBFeature]

    /// A description of `architecture` made of `features`.
    public init(architecture: String, features: [GDBFeature]) {
        self.architecture = architecture
        self.features = features
    }

    /// The description for a Chimera architecture, or `nil` if there is none.
    public init?(for architecture: Architecture) {
        switch architecture {
        case .aarch64: self = .aarch64
        case .x86_64: self = .x86_64
        default: return nil
        }
    }

    /// All registers, in register-number order.
    public var registers: [GDBRegister] { features.flatMap(\.registers) }

    /// Register number `number` (of a `p`/`P` packet), or `nil` if out of range.
    public func register(numbered number: Int) -> GDBRegister? {
        let all = registers
        return all.indices.contains(number) ? all[number] : nil
    }

    /// The size of a `g` reply in bytes (half its length in hex digits).
    public var registerFileByteCount: Int { registers.reduce(0) { $0 + $1.byteCount } }

    /// The `target.xml` document.
    public func xml() -> String {
        var lines = ["<?xml version=\"1.0\"?>", "<!DOCTYPE target SYSTEM \"gdb-target.dtd\">", "<target version=\"1.0\">",
                     "  <architecture>\(XML.escaped(architecture))</architecture>"]
        var number = 0
        for feature in features {
            lines.append(feature.xml(firstRegisterNumber: number))
            number += feature.registers.count
        }
        lines.append("</target>")
        return lines.joined(separator: "\n") + "\n"
    }

    /// The hex text of a `g` reply: each register's bytes from `value`, or
    /// `xx` per byte where `value` returns `nil`.
    public func encodeRegisters(_ value: (GDBRegister) -> [UInt8]?) -> String {
        registers.map { GDBArchitectureDescription.encode($0, value($0)) }.joined()
    }

    /// The hex text of a `p` reply for `register` holding `bytes` (`nil`: unavailable).
    ///
    /// `bytes` must be `register.byteCount` long (as `GDBRegister.bytes` makes
    /// them); anything else is a bug in the caller.
    public static func encode(_ register: GDBRegister, _ bytes: [UInt8]?) -> String {
        guard let bytes else { return String(repeating: "xx", count: register.byteCount) }
        precondition(bytes.count == register.byteCount,
                     "\(register.name) is \(register.byteCount) bytes, not \(bytes.count)")
        return GDBHex.encode(bytes)
    }

    /// The bytes of a `G` packet split per register, in register-number order.
    public func splitRegisters(_ bytes: [UInt8]) throws(ChimeraError) -> [[UInt8]] {
        guard bytes.count == registerFileByteCount else {
            throw ChimeraError(.generic, "G: \(bytes.count) bytes of register data, but \(architecture) has "
                               + "\(registerFileByteCount) in \(registers.count) registers")
        }
        var out: [[UInt8]] = []
        var offset = 0
        for register in registers {
            out.append(Array(bytes[offset..<offset + register.byteCount]))
            offset += register.byteCount
        }
        return out
    }
}
