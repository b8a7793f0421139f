/// Legacy and REX prefixes of one instruction (SDM Vol. 2A, §2.1–2.2).
public struct Prefixes: Hashable, Sendable {
    /// 66: operand-size override.
    public var operandSize = false
    /// 67: address-size override (32-bit addressing).
    public var addressSize = false
    public var lock = false
    /// F3 (REP/REPE) and F2 (REPNE) as seen; `last` is the last of 66/F2/F3.
    public var rep = false
    public var repne = false
    /// 0xF2 or 0xF3: the last repeat prefix seen (0 if none); it selects SSE entries.
    public var lastRep: UInt8 = 0
    /// Segment override: 0 none, 1 FS, 2 GS (ES/CS/SS/DS are null in 64-bit mode).
    public var segment: UInt8 = 0
    /// The REX byte (0x40–0x4F) directly before the opcode, or 0.
    public var rex: UInt8 = 0

    public var rexW: Bool { rex & 8 != 0 }
    public var rexR: UInt8 { (rex >> 2) & 1 }
    public var rexX: UInt8 { (rex >> 1) & 1 }
    public var rexB: UInt8 { rex & 1 }

    /// Index into `OpcodeSlot.prefixed`: 0 none, 1 66, 2 F3, 3 F2 (F2/F3 win over 66).
    public var mandatoryIndex: Int {
        if lastRep == 0xF3 { return 2 }
        if lastRep == 0xF2 { return 3 }
        return operandSize ? 1 : 0
    }
}

/// One instruction split into its fields: the output of the small parsing
/// function every decoder path shares (prefixes, opcode, ModRM, SIB,
/// displacement, immediates), plus the opcode-map entry it selected.
public struct ParsedInstruction: Sendable {
    public var prefixes = Prefixes()
    public var map: OpcodeMap = .oneByte
    public var opcode: UInt8 = 0
    public var modrm: UInt8?
    public var sib: UInt8?
    public var displacement: Int64 = 0
    public var displacementBytes = 0
    /// First immediate (sign- or zero-extended as the operand notation says).
    public var immediate: UInt64 = 0
    /// Second immediate (ENTER's nesting level).
    public var immediate2: UInt64 = 0
    public var immediateBytes = 0
    public var length = 0
    public var entry: OpcodeEntry?
    /// Operand size in bytes (1, 2, 4, 8) after prefixes and attributes.
    public var operandSize = 4
    /// Address size in bytes (8, or 4 with 67).
    public var addressSize = 8

    public var mod: UInt8 { (modrm ?? 0) >> 6 }
    public var regField: UInt8 { ((modrm ?? 0) >> 3) & 7 }
    public var rmField: UInt8 { (modrm ?? 0) & 7 }
    /// Does the r/m operand name memory?
    public var hasMemoryOperand: Bool { modrm != nil && mod != 3 }
}

/// Why an instruction could not be parsed.
public enum ParseFailure: Error, Hashable, Sendable {
    /// No such instruction (#UD).
    case invalidOpcode
    /// Longer than 15 bytes (#GP(0)).
    case tooLong
    /// The bytes ran out after `available`: fetch more (the fetch may fault).
    case truncated(needed: Int)
}

extension OpcodeMaps {
    /// Parses one 64-bit-mode instruction from `bytes` (at most 15 are
    /// looked at). Exact length decoding: prefixes, REX, escape bytes,
    /// ModRM, SIB, displacement and immediates as the map entry requires.
    public func parse(_ bytes: UnsafeBufferPointer<UInt8>) -> Result<ParsedInstruction, ParseFailure> {
        var p = ParsedInstruction()
        var i = 0
        func next() throws(ParseFailure) -> UInt8 {
            guard i < 15 else { throw .tooLong }
            guard i < bytes.count else { throw .truncated(needed: i + 1) }
            let b = bytes[i]
            i += 1
            return b
        }
        func take(_ n: Int) throws(ParseFailure) -> UInt64 {
            var v: UInt64 = 0
            for k in 0..<n { v |= UInt64(try next()) << (8 * UInt64(k)) }
            return v
        }
        do throws(ParseFailure) {
            // Legacy prefixes, then an optional REX that must directly precede the opcode.
            var b = try next()
            prefixLoop: while true {
                switch b {
                case 0x66: p.prefixes.operandSize = true
                case 0x67: p.prefixes.addressSize = true
                case 0xF0: p.prefixes.lock = true
                case 0xF2: p.prefixes.repne = true; p.prefixes.lastRep = 0xF2
                case 0xF3: p.prefixes.rep = true; p.prefixes.lastRep = 0xF3
                case 0x2E, 0x36, 0x3E, 0x26: p.prefixes.segment = 0
                case 0x64: p.prefixes.segment = 1
                case 0x65: p.prefixes.segment = 2
                case 0x40...0x4F:
                    // REX counts only when the opcode follows; a legacy prefix after it cancels it.
                    p.prefixes.rex = b
                    b = try next()
                    switch b {
                    case 0x40...0x4F, 0x66, 0x67, 0xF0, 0xF2, 0xF3, 0x2E, 0x36, 0x3E, 0x26, 0x64, 0x65:
                        p.prefixes.rex = 0
                        continue prefixLoop
                    default:
                        break prefixLoop
                    }
                default: break prefixLoop
                }
                b = try next()
            }
            var table = oneByte
            if b == 0x0F {
                b = try next()
                if b == 0x38 { p.map = .threeByte38; table = threeByte38; b = try next() }
                else if b == 0x3A { p.map = .threeByte3A; table = threeByte3A; b = try next() }
                else { p.map = .twoByte; table = twoByte }
            }
            p.opcode = b
            var slot = table[Int(b)]
            let mandatory = p.prefixes.mandatoryIndex
            if slot.needsModRM(prefix: mandatory) { p.modrm = try next() }
            // Resolve groups, prefix variants and mod/rm splits down to one entry.
            resolve: while true {
                switch slot {
                case .invalid: throw .invalidOpcode
                case .entry(let e): p.entry = e; break resolve
                case .group(_, let cells): slot = cells[Int(p.regField)]
                case .modSplit(let mem, let reg): slot = p.mod == 3 ? reg : mem
                case .byRM(let cells): slot = cells[Int(p.rmField)]
                case .prefixed(let n, let p66, let f3, let f2):
                    switch mandatory {
                    case 0: slot = n
                    case 1: slot = p66
                    case 2: slot = f3
                    default: slot = f2
                    }
                }
            }
            guard let entry = p.entry else { throw .invalidOpcode }
            // An entry reached through the 66 column of a prefixed slot keeps its operand size.
            let sixtySixIsMandatory = entry.op == .sse
            // Operand size: SDM Vol. 1 §3.6.1 and the d64/f64 rules of table A-1.
            var osz: Int
            if entry.attributes.contains(.force64) { osz = 8 }
            else if p.prefixes.rexW { osz = 8 }
            else if p.prefixes.operandSize && !sixtySixIsMandatory { osz = 2 }
            else if entry.attributes.contains(.default64) { osz = 8 }
            else { osz = 4 }
            let isSkipped = { (o: Operand) -> Bool in
                switch o {
                case .Ib, .Ibs, .Iw, .Iz, .DX, .one, .CL: return true
                default: return false
                }
            }
            if let first = entry.operands.first(where: { !isSkipped($0) }) {
                switch first {
                case .Eb, .Gb, .Zb, .AL, .Ob, .Xb, .Yb, .Mb: osz = 1
                case .Ew where entry.op == .movSreg || entry.op == .lldt || entry.op == .ltr: osz = 2
                case .Gy, .Ey, .Ry: osz = p.prefixes.rexW ? 8 : 4
                case .Gd: osz = 4
                default: break
                }
            }
            if entry.op == .sse, entry.operands.contains(where: { $0 == .Ey || $0 == .Gy }) { osz = p.prefixes.rexW ? 8 : 4 }
            if entry.op == .movsxd, !p.prefixes.rexW { osz = p.prefixes.operandSize ? 2 : 4 }
            p.operandSize = osz
            p.addressSize = p.prefixes.addressSize ? 4 : 8
            // Operand constraints (memory-only, register-only).
            if let m = p.modrm {
                for o in entry.operands {
                    if o.isMemoryOnly && m >> 6 == 3 { throw .invalidOpcode }
                    if o.isRegisterOnly && m >> 6 != 3 { throw .invalidOpcode }
                }
                if m >> 6 != 3 {
                    var base = m & 7
                    if base == 4 {
                        p.sib = try next()
                        base = p.sib! & 7
                    }
                    let mod = m >> 6
                    if mod == 1 { p.displacementBytes = 1 }
                    else if mod == 2 || (mod == 0 && base == 5) { p.displacementBytes = 4 }
                    let raw = try take(p.displacementBytes)
                    p.displacement = p.displacementBytes == 1 ? Int64(Int8(truncatingIfNeeded: raw))
                        : p.displacementBytes == 4 ? Int64(Int32(truncatingIfNeeded: raw)) : 0
                }
            }
            // LOCK needs a lockable instruction with a memory destination.
            if p.prefixes.lock && (!entry.attributes.contains(.lockable) || !p.hasMemoryOperand) { throw .invalidOpcode }
            // Immediates.
            var immCount = 0
            for o in entry.operands {
                let n = o.immediateBytes(operandSize: osz, addressSize: p.addressSize)
                guard n > 0 else { continue }
                let raw = try take(n)
                var v = raw
                switch o {
                case .Ibs, .Jb: v = UInt64(bitPattern: Int64(Int8(truncatingIfNeeded: raw)))
                case .Iz where n == 4, .Jz: v = UInt64(bitPattern: Int64(Int32(truncatingIfNeeded: raw)))
                case .Iz: v = UInt64(bitPattern: Int64(Int16(truncatingIfNeeded: raw)))
                default: break
                }
                if immCount == 0 { p.immediate = v } else { p.immediate2 = v }
                immCount += 1
                p.immediateBytes += n
            }
            p.length = i
            return .success(p)
        } catch {
            return .failure(error)
        }
    }
}
