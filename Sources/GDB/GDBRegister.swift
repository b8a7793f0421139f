/// A register as gdb sees it, and where its value lives in a Chimera core.
///
/// gdb numbers registers in target description order and moves their
/// contents as little-endian bytes (`bitSize / 8` of them, rounded up).
/// The core names its registers differently and some gdb registers have
/// no single counterpart, so each register carries a `GDBRegisterSource`
/// saying how to assemble it; `bytes(scalar:vector:)` and `writes(for:)`
/// do that assembly so a server only moves `UInt64`s to and from the core.
public struct GDBRegister: Hashable, Sendable {
    /// gdb's name (`x0`, `cpsr`, `rax`, `xmm3`).
    public var name: String
    /// Width in bits (the `bitsize` attribute).
    public var bitSize: Int
    /// gdb's type name: a predefined type (`int`, `code_ptr`, `i387_ext`) or one defined in the feature.
    public var type: String
    /// The register group for `info registers GROUP` (`float`, `vector`, `system`), if any.
    public var group: String?
    /// Where the value comes from in the core.
    public var source: GDBRegisterSource

    /// A register with gdb's name, width and type, read from `source`.
    public init(_ name: String, bitSize: Int, type: String = "int", group: String? = nil, source: GDBRegisterSource) {
        self.name = name
        self.bitSize = bitSize
        self.type = type
        self.group = group
        self.source = source
    }

    /// Bytes of the register in a `g`/`p` reply.
    public var byteCount: Int { (bitSize + 7) / 8 }

    /// The register's bytes, reading the core through `scalar` (a core
    /// register by name, as `CPU.readRegister(_:)`) and `vector` (AArch64 V`n`
    /// as 64-bit halves); `nil` if the core lacks a register the source needs.
    public func bytes(scalar: (String) -> UInt64?,
                      vector: (Int) -> (low: UInt64, high: UInt64)? = { _ in nil }) -> [UInt8]? {
        switch source {
        case .scalar(let name):
            return scalar(name).map { GDBHex.littleEndian($0, byteCount: byteCount) }
        case .vector(let low, let high):
            guard let lo = scalar(low), let hi = scalar(high) else { return nil }
            return vectorBytes(lo, hi)
        case .aarch64Vector(let n):
            return vector(n).map { vectorBytes($0.low, $0.high) }
        case .composite(let fields):
            var value: UInt64 = 0
            for field in fields {
                guard let part = scalar(field.source) else { return nil }
                value |= (part & field.mask) << UInt64(field.shift)
            }
            return GDBHex.littleEndian(value, byteCount: byteCount)
        case .constant(let value):
            return GDBHex.littleEndian(value, byteCount: byteCount)
        }
    }

    /// The core writes that store `bytes` (as a `G` or `P` packet carries
    /// them); `nil` if `bytes` is not `byteCount` long. A `.constant`
    /// register yields no writes: what gdb writes there is dropped.
    public func writes(for bytes: [UInt8]) -> [GDBRegisterWrite]? {
        guard bytes.count == byteCount else { return nil }
        let low = GDBHex.littleEndianValue(bytes.prefix(8)) ?? 0
        let high = GDBHex.littleEndianValue(bytes.dropFirst(8).prefix(8)) ?? 0
        switch source {
        case .scalar(let name): return [.scalar(name, low)]
        case .vector(let lowName, let highName): return [.scalar(lowName, low), .scalar(highName, high)]
        case .aarch64Vector(let n): return [.aarch64Vector(n, low: low, high: high)]
        case .composite(let fields): return fields.map { .scalar($0.source, (low >> UInt64($0.shift)) & $0.mask) }
        case .constant: return []
        }
    }

    private func vectorBytes(_ low: UInt64, _ high: UInt64) -> [UInt8] {
        GDBHex.littleEndian(low, byteCount: 8) + GDBHex.littleEndian(high, byteCount: byteCount - 8)
    }
}

/// How a gdb register maps onto a core's registers.
public enum GDBRegisterSource: Hashable, Sendable {
    /// One core register by its `readRegister(_:)` name, truncated or zero-extended to the gdb width.
    case scalar(String)
    /// A 128-bit register held as two 64-bit core registers (x86 `xmm0_lo`, `xmm0_hi`).
    case vector(low: String, high: String)
    /// AArch64 V`n`, which the core exposes as `vector(n)` / `setVector(n, _:)` rather than by name.
    case aarch64Vector(Int)
    /// A register assembled from bit fields of several core registers.
    case composite([GDBRegisterField])
    /// State the core does not model; reads give this value and writes are dropped.
    case constant(UInt64)

    /// AArch64 `cpsr` as gdb shows it (PSTATE in SPSR layout): the core's
    /// `nzcv` (bits 31:28 already in place), `daif` (bits 9:6 in place),
    /// `el` (a number, placed at bits 3:2) and `spsel` (bit 0).
    public static let aarch64PSTATE = GDBRegisterSource.composite([
        GDBRegisterField("nzcv", mask: 0xF000_0000),
        GDBRegisterField("daif", mask: 0x3C0),
        GDBRegisterField("el", mask: 0x3, shift: 2),
        GDBRegisterField("spsel", mask: 0x1),
    ])

    /// AArch64 `CurrentEL` as the architecture reads it: the core's `el` at bits 3:2.
    public static let aarch64CurrentEL = GDBRegisterSource.composite([GDBRegisterField("el", mask: 0x3, shift: 2)])
}

/// One bit field of a `.composite` register: `(core register & mask) << shift`.
public struct GDBRegisterField: Hashable, Sendable {
    /// The core register's `readRegister(_:)` name.
    public var source: String
    /// The bits taken from the core register, before shifting.
    public var mask: UInt64
    /// Where those bits land in the gdb register.
    public var shift: Int

    /// A field taking `mask` bits of core register `source` to `shift`.
    public init(_ source: String, mask: UInt64, shift: Int = 0) {
        self.source = source
        self.mask = mask
        self.shift = shift
    }
}

/// One store into a core that a `G` or `P` packet implies.
public enum GDBRegisterWrite: Hashable, Sendable {
    /// `writeRegister(name, value)`.
    case scalar(String, UInt64)
    /// AArch64 `setVector(n, (low, high))`.
    case aarch64Vector(Int, low: UInt64, high: UInt64)
}
