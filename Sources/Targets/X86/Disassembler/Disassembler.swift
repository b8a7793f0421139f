/// Intel-syntax disassembly of parsed instructions, for traces, lockstep
/// failure reports and `GuestFault` messages.
public enum X86Disassembler {
    static let gpr64 = ["rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
                        "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15"]
    static let gpr32 = ["eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi",
                        "r8d", "r9d", "r10d", "r11d", "r12d", "r13d", "r14d", "r15d"]
    static let gpr16 = ["ax", "cx", "dx", "bx", "sp", "bp", "si", "di",
                        "r8w", "r9w", "r10w", "r11w", "r12w", "r13w", "r14w", "r15w"]
    static let gpr8 = ["al", "cl", "dl", "bl", "spl", "bpl", "sil", "dil",
                       "r8b", "r9b", "r10b", "r11b", "r12b", "r13b", "r14b", "r15b"]
    static let gpr8Legacy = ["al", "cl", "dl", "bl", "ah", "ch", "dh", "bh"]
    static let segmentNames = ["es", "cs", "ss", "ds", "fs", "gs", "?", "?"]

    /// Name of general register `r` at `size` bytes.
    public static func registerName(_ r: Int, size: Int, rex: Bool = true) -> String {
        switch size {
        case 8: return gpr64[r]
        case 4: return gpr32[r]
        case 2: return gpr16[r]
        default: return !rex && r < 8 ? gpr8Legacy[r] : gpr8[r]
        }
    }

    /// Disassembles the instruction at the start of `bytes` (located at `address`).
    public static func disassemble(_ bytes: [UInt8], address: UInt64 = 0) -> (text: String, length: Int) {
        let r = bytes.withUnsafeBufferPointer { OpcodeMaps.standard.parse($0) }
        switch r {
        case .success(let p): return (format(p, address: address), p.length)
        case .failure(.tooLong): return ("(bad: longer than 15 bytes)", min(bytes.count, 15))
        case .failure(.truncated): return ("(truncated)", bytes.count)
        case .failure(.invalidOpcode): return ("(bad)", 1)
        }
    }

    /// Formats a parsed instruction in Intel syntax.
    public static func format(_ p: ParsedInstruction, address: UInt64 = 0) -> String {
        guard let e = p.entry else { return "(bad)" }
        let osz = p.operandSize
        if p.map == .oneByte && p.opcode == 0x90 && p.prefixes.rexB != 0 {
            return "xchg " + registerName(8, size: osz) + ", " + registerName(0, size: osz)
        }
        var m = e.mnemonic
        let sizeSuffix = ["", "b", "w", "", "d", "", "", "", "q"][osz]
        switch e.op {
        case .movs, .stos, .lods, .scas, .cmps, .ins, .outs:
            if !m.hasSuffix("b") { m += sizeSuffix }
        case .convertA: m = osz == 2 ? "cbw" : osz == 4 ? "cwde" : "cdqe"
        case .convertD: m = osz == 2 ? "cwd" : osz == 4 ? "cdq" : "cqo"
        case .iret: m = osz == 8 ? "iretq" : osz == 4 ? "iretd" : "iret"
        case .pushf: m = osz == 8 ? "pushfq" : "pushf"
        case .popf: m = osz == 8 ? "popfq" : "popf"
        case .cmpxchg16b: m = p.prefixes.rexW ? "cmpxchg16b" : "cmpxchg8b"
        case .sysret: m = p.prefixes.rexW ? "sysretq" : "sysretl"
        case .sse where e.sub == SSEOp.movdFromXMM.rawValue || e.sub == SSEOp.movdToXMM.rawValue:
            m = p.prefixes.rexW ? "movq" : "movd"
        default: break
        }
        var prefix = ""
        if p.prefixes.lock { prefix += "lock " }
        switch e.op {
        case .movs, .stos, .lods, .ins, .outs:
            if p.prefixes.rep || p.prefixes.repne { prefix += "rep " }
        case .scas, .cmps:
            if p.prefixes.lastRep == 0xF3 { prefix += "repe " } else if p.prefixes.lastRep == 0xF2 { prefix += "repne " }
        default: break
        }
        let isString = [X86Op.movs, .stos, .lods, .scas, .cmps, .ins, .outs].contains(e.op)
        let ops = isString ? [] : e.operands.compactMap { operandText($0, p, e, address: address) }
        return prefix + m + (ops.isEmpty ? "" : " " + ops.joined(separator: ", "))
    }

    private static func hexImm(_ v: UInt64) -> String { "0x" + String(v, radix: 16) }

    private static func operandText(_ o: Operand, _ p: ParsedInstruction, _ e: OpcodeEntry, address: UInt64) -> String? {
        let osz = p.operandSize
        let rex = p.prefixes.rex != 0
        let regNum = Int(p.regField) | Int(p.prefixes.rexR) << 3
        let rmNum = Int(p.rmField) | Int(p.prefixes.rexB) << 3
        func rm(_ size: Int, xmm: Bool = false) -> String {
            if p.mod == 3 { return xmm ? "xmm\(rmNum)" : registerName(rmNum, size: size, rex: rex) }
            return memory(p, size: size)
        }
        switch o {
        case .Eb: return rm(1)
        case .Ew: return rm(2)
        case .Ed: return rm(4)
        case .Eq: return rm(8)
        case .Ev: return rm(e.op == .movzx || e.op == .movsx ? Int(e.sub) : osz)
        case .Ey: return rm(p.prefixes.rexW ? 8 : 4)
        case .Gb: return registerName(regNum, size: 1, rex: rex)
        case .Gw: return registerName(regNum, size: 2)
        case .Gd: return registerName(regNum, size: 4)
        case .Gq: return registerName(regNum, size: 8)
        case .Gv: return registerName(regNum, size: osz)
        case .Gy: return registerName(regNum, size: p.prefixes.rexW ? 8 : 4)
        case .Ib, .Iw, .Iz, .Iv, .Ibs:
            let v = (o == .Ib && e.op == .enter) ? p.immediate2 : p.immediate
            let mask: UInt64 = osz == 8 ? .max : (1 << (UInt64(osz) * 8)) - 1
            return hexImm(o == .Ib || o == .Iw ? v : v & mask)
        case .Jb, .Jz: return hexImm(address &+ UInt64(p.length) &+ p.immediate)
        case .M, .Mb, .Mw, .Md, .Mq, .Mdq:
            let size = [Operand.Mb: 1, .Mw: 2, .Md: 4, .Mq: 8, .Mdq: 16][o] ?? 0
            return memory(p, size: size)
        case .Zb: return registerName(Int(p.opcode & 7) | Int(p.prefixes.rexB) << 3, size: 1, rex: rex)
        case .Zv: return registerName(Int(p.opcode & 7) | Int(p.prefixes.rexB) << 3, size: osz)
        case .AL: return "al"
        case .rAX: return registerName(0, size: e.op == .inPort || e.op == .outPort ? min(osz, 4) : osz)
        case .CL: return "cl"
        case .DX: return "dx"
        case .one: return "1"
        case .Ob, .Ov:
            let seg = p.prefixes.segment == 1 ? "fs:" : p.prefixes.segment == 2 ? "gs:" : ""
            return "\(sizeName(o == .Ob ? 1 : osz)) ptr \(seg)[\(hexImm(p.immediate))]"
        case .Xb, .Xv, .Yb, .Yv: return nil
        case .Sw: return segmentNames[Int(p.regField)]
        case .Cq: return "cr\(regNum)"
        case .Dq: return "dr\(regNum)"
        case .Rq, .Ry: return registerName(rmNum, size: o == .Rq ? 8 : (p.prefixes.rexW ? 8 : 4))
        case .Vx, .Vss, .Vsd, .Vq, .Vd: return "xmm\(regNum)"
        case .Wx: return rm(16, xmm: true)
        case .Wss, .Wd: return rm(4, xmm: true)
        case .Wsd, .Wq: return rm(8, xmm: true)
        case .Ux, .Uq: return "xmm\(rmNum)"
        }
    }

    private static func sizeName(_ size: Int) -> String {
        switch size {
        case 1: return "byte"
        case 2: return "word"
        case 4: return "dword"
        case 8: return "qword"
        case 16: return "xmmword"
        default: return ""
        }
    }

    /// `qword ptr fs:[rax+rcx*4+0x10]`.
    static func memory(_ p: ParsedInstruction, size: Int) -> String {
        let wide = p.addressSize == 8
        let name = { (r: Int) in wide ? gpr64[r] : gpr32[r] }
        var parts: [String] = []
        let m = p.modrm ?? 0
        if let s = p.sib {
            let base = Int(s & 7) | Int(p.prefixes.rexB) << 3
            let index = Int((s >> 3) & 7) | Int(p.prefixes.rexX) << 3
            if !(s & 7 == 5 && m >> 6 == 0) { parts.append(name(base)) }
            if index != 4 { parts.append(name(index) + (s >> 6 == 0 ? "" : "*\(1 << (s >> 6))")) }
        } else if m & 7 == 5 && m >> 6 == 0 {
            parts.append(wide ? "rip" : "eip")
        } else {
            parts.append(name(Int(m & 7) | Int(p.prefixes.rexB) << 3))
        }
        var text = parts.joined(separator: "+")
        let d = p.displacement
        if d != 0 || parts.isEmpty {
            if parts.isEmpty { text = hexImm(UInt64(bitPattern: d) & (wide ? .max : 0xFFFF_FFFF)) }
            else { text += d < 0 ? "-" + hexImm(UInt64(-d)) : "+" + hexImm(UInt64(d)) }
        }
        let seg = p.prefixes.segment == 1 ? "fs:" : p.prefixes.segment == 2 ? "gs:" : ""
        let sn = sizeName(size)
        return (sn.isEmpty ? "" : sn + " ptr ") + seg + "[" + text + "]"
    }
}
