/// A snapshot of the AArch64 user-visible register file, read in one `uc_reg_read_batch` call.
public struct ARM64State: Equatable, Sendable {
    /// X0...X30, indexed by register number.
    public var x: [UInt64]
    /// The stack pointer.
    public var sp: UInt64
    /// The program counter.
    public var pc: UInt64
    /// The condition flags in bits 31:28.
    public var nzcv: UInt64
    /// The floating-point control register.
    public var fpcr: UInt64
    /// The floating-point status register.
    public var fpsr: UInt64
    /// V0...V31, indexed by register number.
    public var v: [Vector128]

    /// An all-zero state (31 X registers, 32 V registers).
    public init() {
        x = Array(repeating: 0, count: 31)
        sp = 0
        pc = 0
        nzcv = 0
        fpcr = 0
        fpsr = 0
        v = Array(repeating: Vector128(low: 0), count: 32)
    }

    /// Readable `NAME: 0x… vs 0x…` lines for every field that differs (self first), empty when equal.
    public func diff(against other: ARM64State) -> [String] {
        var lines: [String] = []
        for i in 0..<max(x.count, other.x.count) where x[safe: i] != other.x[safe: i] {
            lines.append(diffLine("X\(i)", x[safe: i], other.x[safe: i]))
        }
        if sp != other.sp { lines.append(diffLine("SP", sp, other.sp)) }
        if pc != other.pc { lines.append(diffLine("PC", pc, other.pc)) }
        if nzcv != other.nzcv {
            lines.append(diffLine("NZCV", nzcv, other.nzcv)
                + " (\(nzcvLetters(nzcv)) vs \(nzcvLetters(other.nzcv)))")
        }
        if fpcr != other.fpcr { lines.append(diffLine("FPCR", fpcr, other.fpcr)) }
        if fpsr != other.fpsr { lines.append(diffLine("FPSR", fpsr, other.fpsr)) }
        for i in 0..<max(v.count, other.v.count) where v[safe: i] != other.v[safe: i] {
            lines.append("V\(i): \(v[safe: i]?.description ?? "<absent>") vs \(other.v[safe: i]?.description ?? "<absent>")")
        }
        return lines
    }
}

/// A snapshot of the x86-64 user-visible register file, read in one `uc_reg_read_batch` call.
public struct X86State: Equatable, Sendable {
    /// RAX...R15 in hardware encoding order (RAX, RCX, RDX, RBX, RSP, RBP, RSI, RDI, R8...R15).
    public var gpr: [UInt64]
    /// The instruction pointer.
    public var rip: UInt64
    /// The flags register.
    public var rflags: UInt64
    /// The FS segment base.
    public var fsBase: UInt64
    /// The GS segment base.
    public var gsBase: UInt64
    /// The SSE control/status register.
    public var mxcsr: UInt64
    /// XMM0...XMM15.
    public var xmm: [Vector128]

    /// An all-zero state except RFLAGS = 0x2 and MXCSR = 0x1F80 (the architectural reset values).
    public init() {
        gpr = Array(repeating: 0, count: 16)
        rip = 0
        rflags = 0x2
        fsBase = 0
        gsBase = 0
        mxcsr = 0x1F80
        xmm = Array(repeating: Vector128(low: 0), count: 16)
    }

    /// The value of the general-purpose register `register` (0 for non-GPRs).
    public subscript(gpr register: X86Register) -> UInt64 {
        get { register.rawValue < gpr.count ? gpr[register.rawValue] : 0 }
        set { if register.rawValue < gpr.count { gpr[register.rawValue] = newValue } }
    }

    /// Readable `NAME: 0x… vs 0x…` lines for every field that differs (self first), empty when equal.
    public func diff(against other: X86State) -> [String] {
        var lines: [String] = []
        for i in 0..<max(gpr.count, other.gpr.count) where gpr[safe: i] != other.gpr[safe: i] {
            let name = X86Register.gpr(i)?.description ?? "GPR\(i)"
            lines.append(diffLine(name, gpr[safe: i], other.gpr[safe: i]))
        }
        if rip != other.rip { lines.append(diffLine("RIP", rip, other.rip)) }
        if rflags != other.rflags {
            lines.append(diffLine("RFLAGS", rflags, other.rflags)
                + " (\(rflagsLetters(rflags)) vs \(rflagsLetters(other.rflags)))")
        }
        if fsBase != other.fsBase { lines.append(diffLine("FS_BASE", fsBase, other.fsBase)) }
        if gsBase != other.gsBase { lines.append(diffLine("GS_BASE", gsBase, other.gsBase)) }
        if mxcsr != other.mxcsr { lines.append(diffLine("MXCSR", mxcsr, other.mxcsr)) }
        for i in 0..<max(xmm.count, other.xmm.count) where xmm[safe: i] != other.xmm[safe: i] {
            lines.append("XMM\(i): \(xmm[safe: i]?.description ?? "<absent>") vs \(other.xmm[safe: i]?.description ?? "<absent>")")
        }
        return lines
    }
}

extension Array {
    /// The element at `index`, or nil when out of bounds.
    fileprivate subscript(safe index: Int) -> Element? {
        indices.contains(index) ? self[index] : nil
    }
}

/// `NAME: 0x<16 digits> vs 0x<16 digits>`, with `<absent>` for a missing side.
private func diffLine(_ name: String, _ a: UInt64?, _ b: UInt64?) -> String {
    func render(_ v: UInt64?) -> String { v.map { "0x" + hexDigits($0) } ?? "<absent>" }
    return "\(name): \(render(a)) vs \(render(b))"
}

/// `NZCV` with clear flags in lower case, e.g. `nZCv`.
private func nzcvLetters(_ value: UInt64) -> String {
    zip("NZCV", [31, 30, 29, 28]).map { letter, bit in
        value & (1 << UInt64(bit)) != 0 ? String(letter) : letter.lowercased()
    }.joined()
}

/// The set arithmetic flags of RFLAGS, e.g. `CF|ZF`, or `-` when none is set.
private func rflagsLetters(_ value: UInt64) -> String {
    let names: [(String, UInt64)] = [("CF", 0), ("PF", 2), ("AF", 4), ("ZF", 6), ("SF", 7), ("DF", 10), ("OF", 11)]
    let set = names.filter { value & (1 << $0.1) != 0 }.map(\.0)
    return set.isEmpty ? "-" : set.joined(separator: "|")
}
