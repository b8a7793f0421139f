/// The opcode maps of 64-bit mode as data (Intel SDM Vol. 2D, appendix A:
/// tables A-2 one-byte, A-3 two-byte `0F`, A-4/A-5 three-byte `0F 38`/`0F 3A`,
/// A-6 groups by ModRM.reg). The decoder, disassembler, random-instruction
/// generator of the lockstep tests and coverage reports all read these.
public struct OpcodeMaps: Sendable {
    public let oneByte: [OpcodeSlot]
    public let twoByte: [OpcodeSlot]
    public let threeByte38: [OpcodeSlot]
    public let threeByte3A: [OpcodeSlot]

    /// The maps, built once per decoder.
    public static let standard = OpcodeMaps()

    /// The map for `map`.
    public func slots(_ map: OpcodeMap) -> [OpcodeSlot] {
        switch map {
        case .oneByte: return oneByte
        case .twoByte: return twoByte
        case .threeByte38: return threeByte38
        case .threeByte3A: return threeByte3A
        }
    }

    init() {
        oneByte = OpcodeMaps.buildOneByte()
        twoByte = OpcodeMaps.buildTwoByte()
        var m38 = [OpcodeSlot](repeating: .invalid, count: 256)
        m38[0xF0] = .prefixed(none: .entry(E("movbe", "Gv,M", .movbe)), p66: .invalid, pF3: .invalid, pF2: .invalid)
        m38[0xF1] = .prefixed(none: .entry(E("movbe", "M,Gv", .movbe, sub: 1)), p66: .invalid, pF3: .invalid, pF2: .invalid)
        threeByte38 = m38
        threeByte3A = [OpcodeSlot](repeating: .invalid, count: 256)
    }

    /// Every (map, opcode, prefix, ModRM.reg, mod) path that ends in an entry,
    /// with the bytes that select it: for table tests and random streams.
    public func allEntries() -> [(bytes: [UInt8], prefix: UInt8?, entry: OpcodeEntry)] {
        var out: [(bytes: [UInt8], prefix: UInt8?, entry: OpcodeEntry)] = []
        func walk(_ slot: OpcodeSlot, _ bytes: [UInt8], _ prefix: UInt8?, modrm: UInt8?) {
            switch slot {
            case .invalid: return
            case .entry(let e):
                var b = bytes
                if e.hasModRM && modrm == nil {
                    // Pick a ModRM that satisfies the operand constraints.
                    let needsReg = e.operands.contains { $0.isRegisterOnly }
                    b.append(needsReg ? 0xC1 : 0x01)  // mod=3 rm=1, or [rcx]
                } else if let m = modrm { b.append(m) }
                out.append((b, prefix, e))
            case .group(_, let cells):
                for (r, c) in cells.enumerated() {
                    // Groups are reached with [rcx] (memory) unless the cell needs a register.
                    switch c {
                    case .entry(let e) where e.operands.contains(where: { $0.isRegisterOnly }):
                        walk(c, bytes, prefix, modrm: UInt8(0xC0 | r << 3 | 1))
                    case .modSplit(let mem, let reg):
                        walk(mem, bytes, prefix, modrm: UInt8(r << 3 | 1))
                        walk(reg, bytes, prefix, modrm: UInt8(0xC0 | r << 3 | 1))
                    case .byRM(let rms):
                        for (rm, s) in rms.enumerated() { walk(s, bytes, prefix, modrm: UInt8(0xC0 | r << 3 | rm)) }
                    default:
                        walk(c, bytes, prefix, modrm: UInt8(r << 3 | 1))
                    }
                }
            case .modSplit(let mem, let reg):
                walk(mem, bytes, prefix, modrm: modrm.map { $0 & 0x3F } ?? 0x01)
                walk(reg, bytes, prefix, modrm: modrm.map { $0 | 0xC0 } ?? 0xC1)
            case .byRM(let rms):
                for (rm, s) in rms.enumerated() { walk(s, bytes, prefix, modrm: UInt8(0xC0 | Int(modrm ?? 0) & 0x38 | rm)) }
            case .prefixed(let n, let p66, let f3, let f2):
                walk(n, bytes, prefix, modrm: modrm)
                walk(p66, bytes, 0x66, modrm: modrm)
                walk(f3, bytes, 0xF3, modrm: modrm)
                walk(f2, bytes, 0xF2, modrm: modrm)
            }
        }
        for map in OpcodeMap.allCases {
            for (op, slot) in slots(map).enumerated() {
                walk(slot, map.escape + [UInt8(op)], nil, modrm: nil)
            }
        }
        return out
    }
}

private func E(_ m: String, _ ops: String, _ op: X86Op, sub: UInt8 = 0, _ a: OpcodeAttributes = []) -> OpcodeEntry {
    OpcodeEntry(m, ops, op, sub: sub, a)
}

private func e(_ m: String, _ ops: String, _ op: X86Op, sub: UInt8 = 0, _ a: OpcodeAttributes = []) -> OpcodeSlot {
    .entry(OpcodeEntry(m, ops, op, sub: sub, a))
}

/// SSE entry: `sub` is the `SSEOp`.
private func s(_ m: String, _ ops: String, _ op: SSEOp) -> OpcodeSlot {
    .entry(OpcodeEntry(m, ops, .sse, sub: op.rawValue, []))
}

/// An entry that exists only with the 66 prefix (SSE2 integer ops).
private func only66(_ m: String, _ ops: String, _ op: SSEOp) -> OpcodeSlot {
    .prefixed(none: .invalid, p66: s(m, ops, op), pF3: .invalid, pF2: .invalid)
}

/// `ps`/`pd`/`ss`/`sd` quartet of SSE arithmetic.
private func fp4(_ base: String, _ ps: SSEOp, _ pd: SSEOp, _ ss: SSEOp, _ sd: SSEOp) -> OpcodeSlot {
    .prefixed(none: s(base + "ps", "Vx,Wx", ps), p66: s(base + "pd", "Vx,Wx", pd),
              pF3: s(base + "ss", "Vss,Wss", ss), pF2: s(base + "sd", "Vsd,Wsd", sd))
}

extension OpcodeMaps {
    /// ALU operation codes in `sub` (ModRM.reg order of group 1).
    public static let aluNames = ["add", "or", "adc", "sbb", "and", "sub", "xor", "cmp", "test"]
    /// Shift kinds in `sub` (group 2 order).
    public static let shiftNames = ["rol", "ror", "rcl", "rcr", "shl", "shr", "sal", "sar"]
    /// Condition-code suffixes (SDM Vol. 1, B.1).
    public static let conditionNames = ["o", "no", "b", "ae", "e", "ne", "be", "a", "s", "ns", "p", "np", "l", "ge", "le", "g"]

    static func buildOneByte() -> [OpcodeSlot] {
        var m = [OpcodeSlot](repeating: .invalid, count: 256)
        for alu in 0..<8 {
            let n = aluNames[alu], b = alu * 8, sub = UInt8(alu)
            let lock: OpcodeAttributes = alu == 7 ? [] : [.lockable]
            m[b + 0] = e(n, "Eb,Gb", .alu, sub: sub, lock)
            m[b + 1] = e(n, "Ev,Gv", .alu, sub: sub, lock)
            m[b + 2] = e(n, "Gb,Eb", .alu, sub: sub)
            m[b + 3] = e(n, "Gv,Ev", .alu, sub: sub)
            m[b + 4] = e(n, "AL,Ib", .alu, sub: sub)
            m[b + 5] = e(n, "rAX,Iz", .alu, sub: sub)
        }
        for r in 0..<8 {
            m[0x50 + r] = e("push", "Zv", .push, [.default64])
            m[0x58 + r] = e("pop", "Zv", .pop, [.default64])
            m[0xB0 + r] = e("mov", "Zb,Ib", .movImm)
            m[0xB8 + r] = e("mov", "Zv,Iv", .movImm)
        }
        m[0x63] = e("movsxd", "Gv,Ed", .movsxd)
        m[0x68] = e("push", "Iz", .pushImm, [.default64])
        m[0x69] = e("imul", "Gv,Ev,Iz", .imul2)
        m[0x6A] = e("push", "Ibs", .pushImm, [.default64])
        m[0x6B] = e("imul", "Gv,Ev,Ibs", .imul2)
        m[0x6C] = e("insb", "Yb,DX", .ins)
        m[0x6D] = e("ins", "Yv,DX", .ins)
        m[0x6E] = e("outsb", "DX,Xb", .outs)
        m[0x6F] = e("outs", "DX,Xv", .outs)
        for cc in 0..<16 { m[0x70 + cc] = e("j" + conditionNames[cc], "Jb", .jcc, sub: UInt8(cc), [.force64, .endsBlock]) }
        let g1: (String) -> OpcodeSlot = { ops in
            .group("1", (0..<8).map { r in e(aluNames[r], ops, .alu, sub: UInt8(r), r == 7 ? [] : [.lockable]) })
        }
        m[0x80] = g1("Eb,Ib")
        m[0x81] = g1("Ev,Iz")
        m[0x83] = g1("Ev,Ibs")
        m[0x84] = e("test", "Eb,Gb", .alu, sub: 8)
        m[0x85] = e("test", "Ev,Gv", .alu, sub: 8)
        m[0x86] = e("xchg", "Eb,Gb", .xchg, [.lockable])
        m[0x87] = e("xchg", "Ev,Gv", .xchg, [.lockable])
        m[0x88] = e("mov", "Eb,Gb", .mov)
        m[0x89] = e("mov", "Ev,Gv", .mov)
        m[0x8A] = e("mov", "Gb,Eb", .mov)
        m[0x8B] = e("mov", "Gv,Ev", .mov)
        m[0x8C] = e("mov", "Ev,Sw", .movFromSreg)
        m[0x8D] = e("lea", "Gv,M", .lea)
        m[0x8E] = e("mov", "Sw,Ew", .movSreg)
        m[0x8F] = .group("1A", [e("pop", "Ev", .pop, [.default64])] + Array(repeating: .invalid, count: 7))
        m[0x90] = .prefixed(none: e("nop", "", .nop), p66: e("nop", "", .nop), pF3: e("pause", "", .pause), pF2: e("nop", "", .nop))
        for r in 1..<8 { m[0x90 + r] = e("xchg", "Zv,rAX", .xchg) }
        m[0x98] = e("cbw", "", .convertA)
        m[0x99] = e("cwd", "", .convertD)
        m[0x9B] = e("fwait", "", .nop)
        m[0x9C] = e("pushf", "", .pushf, [.default64])
        m[0x9D] = e("popf", "", .popf, [.default64, .endsBlock])
        m[0x9E] = e("sahf", "", .sahf)
        m[0x9F] = e("lahf", "", .lahf)
        m[0xA0] = e("mov", "AL,Ob", .movMoffsLoad)
        m[0xA1] = e("mov", "rAX,Ov", .movMoffsLoad)
        m[0xA2] = e("mov", "Ob,AL", .movMoffsStore)
        m[0xA3] = e("mov", "Ov,rAX", .movMoffsStore)
        m[0xA4] = e("movsb", "Yb,Xb", .movs)
        m[0xA5] = e("movs", "Yv,Xv", .movs)
        m[0xA6] = e("cmpsb", "Xb,Yb", .cmps)
        m[0xA7] = e("cmps", "Xv,Yv", .cmps)
        m[0xA8] = e("test", "AL,Ib", .alu, sub: 8)
        m[0xA9] = e("test", "rAX,Iz", .alu, sub: 8)
        m[0xAA] = e("stosb", "Yb,AL", .stos)
        m[0xAB] = e("stos", "Yv,rAX", .stos)
        m[0xAC] = e("lodsb", "AL,Xb", .lods)
        m[0xAD] = e("lods", "rAX,Xv", .lods)
        m[0xAE] = e("scasb", "AL,Yb", .scas)
        m[0xAF] = e("scas", "rAX,Yv", .scas)
        let g2: (String) -> OpcodeSlot = { ops in
            .group("2", (0..<8).map { r in e(shiftNames[r], ops, .shift, sub: UInt8(r)) })
        }
        m[0xC0] = g2("Eb,Ib")
        m[0xC1] = g2("Ev,Ib")
        m[0xC2] = e("ret", "Iw", .ret, [.force64, .endsBlock])
        m[0xC3] = e("ret", "", .ret, [.force64, .endsBlock])
        m[0xC6] = .group("11", [e("mov", "Eb,Ib", .movImm)] + Array(repeating: .invalid, count: 7))
        m[0xC7] = .group("11", [e("mov", "Ev,Iz", .movImm)] + Array(repeating: .invalid, count: 7))
        m[0xC8] = e("enter", "Iw,Ib", .enter, [.default64])
        m[0xC9] = e("leave", "", .leave, [.default64])
        m[0xCC] = e("int3", "", .int3, [.endsBlock])
        m[0xCD] = e("int", "Ib", .intN, [.endsBlock])
        m[0xCF] = e("iret", "", .iret, [.endsBlock])
        m[0xD0] = g2("Eb,1")
        m[0xD1] = g2("Ev,1")
        m[0xD2] = g2("Eb,CL")
        m[0xD3] = g2("Ev,CL")
        m[0xD7] = e("xlatb", "", .xlat)
        m[0xE0] = e("loopne", "Jb", .loop, sub: 0, [.force64, .endsBlock])
        m[0xE1] = e("loope", "Jb", .loop, sub: 1, [.force64, .endsBlock])
        m[0xE2] = e("loop", "Jb", .loop, sub: 2, [.force64, .endsBlock])
        m[0xE3] = e("jrcxz", "Jb", .jrcxz, [.force64, .endsBlock])
        m[0xE4] = e("in", "AL,Ib", .inPort)
        m[0xE5] = e("in", "rAX,Ib", .inPort)
        m[0xE6] = e("out", "Ib,AL", .outPort, [.endsBlock])
        m[0xE7] = e("out", "Ib,rAX", .outPort, [.endsBlock])
        m[0xE8] = e("call", "Jz", .call, [.force64, .endsBlock])
        m[0xE9] = e("jmp", "Jz", .jmp, [.force64, .endsBlock])
        m[0xEB] = e("jmp", "Jb", .jmp, [.force64, .endsBlock])
        m[0xEC] = e("in", "AL,DX", .inPort)
        m[0xED] = e("in", "rAX,DX", .inPort)
        m[0xEE] = e("out", "DX,AL", .outPort, [.endsBlock])
        m[0xEF] = e("out", "DX,rAX", .outPort, [.endsBlock])
        m[0xF1] = e("int1", "", .int1, [.endsBlock])
        m[0xF4] = e("hlt", "", .hlt, [.privileged, .endsBlock])
        m[0xF5] = e("cmc", "", .cmc)
        let g3: (String, String) -> OpcodeSlot = { rm, imm in
            .group("3", [e("test", rm + "," + imm, .alu, sub: 8), .invalid,
                         e("not", rm, .not, [.lockable]), e("neg", rm, .neg, [.lockable]),
                         e("mul", rm, .mul), e("imul", rm, .imul1), e("div", rm, .div), e("idiv", rm, .idiv)])
        }
        m[0xF6] = g3("Eb", "Ib")
        m[0xF7] = g3("Ev", "Iz")
        m[0xF8] = e("clc", "", .clc)
        m[0xF9] = e("stc", "", .stc)
        m[0xFA] = e("cli", "", .cli)
        m[0xFB] = e("sti", "", .sti, [.endsBlock])
        m[0xFC] = e("cld", "", .cld)
        m[0xFD] = e("std", "", .std)
        m[0xFE] = .group("4", [e("inc", "Eb", .inc, [.lockable]), e("dec", "Eb", .dec, [.lockable])]
                            + Array(repeating: .invalid, count: 6))
        m[0xFF] = .group("5", [e("inc", "Ev", .inc, [.lockable]), e("dec", "Ev", .dec, [.lockable]),
                               e("call", "Ev", .callIndirect, [.force64, .endsBlock]), .invalid,
                               e("jmp", "Ev", .jmpIndirect, [.force64, .endsBlock]), .invalid,
                               e("push", "Ev", .push, [.default64]), .invalid])
        return m
    }

    static func buildTwoByte() -> [OpcodeSlot] {
        var m = [OpcodeSlot](repeating: .invalid, count: 256)
        m[0x00] = .group("6", [e("sldt", "Ew", .sldt), e("str", "Ew", .str),
                               e("lldt", "Ew", .lldt, [.privileged]), e("ltr", "Ew", .ltr, [.privileged]),
                               .invalid, .invalid, .invalid, .invalid])
        var rm7 = [OpcodeSlot](repeating: .invalid, count: 8)
        rm7[0] = e("swapgs", "", .swapgs, [.privileged])
        rm7[1] = e("rdtscp", "", .rdtscp)
        m[0x01] = .group("7", [
            .modSplit(memory: e("sgdt", "M", .sgdt), register: .invalid),
            .modSplit(memory: e("sidt", "M", .sidt), register: .invalid),
            .modSplit(memory: e("lgdt", "M", .lgdt, [.privileged]), register: .invalid),
            .modSplit(memory: e("lidt", "M", .lidt, [.privileged]), register: .invalid),
            e("smsw", "Ew", .smsw),
            .invalid,
            e("lmsw", "Ew", .lmsw, [.privileged, .endsBlock]),
            .modSplit(memory: e("invlpg", "Mb", .invlpg, [.privileged, .endsBlock]), register: .byRM(rm7)),
        ])
        m[0x05] = e("syscall", "", .syscall, [.endsBlock])
        m[0x06] = e("clts", "", .clts, [.privileged])
        m[0x07] = e("sysret", "", .sysret, [.privileged, .endsBlock])
        m[0x08] = e("invd", "", .wbinvd, [.privileged])
        m[0x09] = e("wbinvd", "", .wbinvd, [.privileged])
        m[0x0B] = e("ud2", "", .ud2, [.endsBlock])
        m[0x0D] = .modSplit(memory: e("prefetchw", "Mb", .nop), register: .invalid)
        m[0x10] = .prefixed(none: s("movups", "Vx,Wx", .movuLoad), p66: s("movupd", "Vx,Wx", .movuLoad),
                            pF3: s("movss", "Vss,Wss", .movssLoad), pF2: s("movsd", "Vsd,Wsd", .movsdLoad))
        m[0x11] = .prefixed(none: s("movups", "Wx,Vx", .movuStore), p66: s("movupd", "Wx,Vx", .movuStore),
                            pF3: s("movss", "Wss,Vss", .movssStore), pF2: s("movsd", "Wsd,Vsd", .movsdStore))
        m[0x12] = .prefixed(none: .modSplit(memory: s("movlps", "Vq,Mq", .movlpLoad), register: s("movhlps", "Vq,Uq", .movhlps)),
                            p66: .modSplit(memory: s("movlpd", "Vq,Mq", .movlpLoad), register: .invalid),
                            pF3: .invalid, pF2: .invalid)
        m[0x13] = .prefixed(none: .modSplit(memory: s("movlps", "Mq,Vq", .movlpStore), register: .invalid),
                            p66: .modSplit(memory: s("movlpd", "Mq,Vq", .movlpStore), register: .invalid),
                            pF3: .invalid, pF2: .invalid)
        m[0x14] = .prefixed(none: s("unpcklps", "Vx,Wx", .punpckldq), p66: s("unpcklpd", "Vx,Wx", .punpcklqdq), pF3: .invalid, pF2: .invalid)
        m[0x15] = .prefixed(none: s("unpckhps", "Vx,Wx", .punpckhdq), p66: s("unpckhpd", "Vx,Wx", .punpckhqdq), pF3: .invalid, pF2: .invalid)
        m[0x16] = .prefixed(none: .modSplit(memory: s("movhps", "Vq,Mq", .movhpLoad), register: s("movlhps", "Vq,Uq", .movlhps)),
                            p66: .modSplit(memory: s("movhpd", "Vq,Mq", .movhpLoad), register: .invalid),
                            pF3: .invalid, pF2: .invalid)
        m[0x17] = .prefixed(none: .modSplit(memory: s("movhps", "Mq,Vq", .movhpStore), register: .invalid),
                            p66: .modSplit(memory: s("movhpd", "Mq,Vq", .movhpStore), register: .invalid),
                            pF3: .invalid, pF2: .invalid)
        m[0x18] = .modSplit(memory: .group("16", (0..<8).map { _ in e("prefetch", "Mb", .nop) }), register: .invalid)
        for op in 0x19...0x1F { m[op] = e("nop", "Ev", .nop) }
        m[0x20] = e("mov", "Rq,Cq", .movFromCR, [.privileged])
        m[0x21] = e("mov", "Rq,Dq", .movFromDR, [.privileged])
        m[0x22] = e("mov", "Cq,Rq", .movToCR, [.privileged, .endsBlock])
        m[0x23] = e("mov", "Dq,Rq", .movToDR, [.privileged])
        m[0x28] = .prefixed(none: s("movaps", "Vx,Wx", .movaLoad), p66: s("movapd", "Vx,Wx", .movaLoad), pF3: .invalid, pF2: .invalid)
        m[0x29] = .prefixed(none: s("movaps", "Wx,Vx", .movaStore), p66: s("movapd", "Wx,Vx", .movaStore), pF3: .invalid, pF2: .invalid)
        m[0x2A] = .prefixed(none: .invalid, p66: .invalid, pF3: s("cvtsi2ss", "Vss,Ey", .cvtsi2ss), pF2: s("cvtsi2sd", "Vsd,Ey", .cvtsi2sd))
        m[0x2B] = .prefixed(none: .modSplit(memory: s("movntps", "Mdq,Vx", .movaStore), register: .invalid),
                            p66: .modSplit(memory: s("movntpd", "Mdq,Vx", .movaStore), register: .invalid), pF3: .invalid, pF2: .invalid)
        m[0x2C] = .prefixed(none: .invalid, p66: .invalid, pF3: s("cvttss2si", "Gy,Wss", .cvttss2si), pF2: s("cvttsd2si", "Gy,Wsd", .cvttsd2si))
        m[0x2D] = .prefixed(none: .invalid, p66: .invalid, pF3: s("cvtss2si", "Gy,Wss", .cvtss2si), pF2: s("cvtsd2si", "Gy,Wsd", .cvtsd2si))
        m[0x2E] = .prefixed(none: s("ucomiss", "Vss,Wss", .ucomiss), p66: s("ucomisd", "Vsd,Wsd", .ucomisd), pF3: .invalid, pF2: .invalid)
        m[0x2F] = .prefixed(none: s("comiss", "Vss,Wss", .comiss), p66: s("comisd", "Vsd,Wsd", .comisd), pF3: .invalid, pF2: .invalid)
        m[0x30] = e("wrmsr", "", .wrmsr, [.privileged, .endsBlock])
        m[0x31] = e("rdtsc", "", .rdtsc)
        m[0x32] = e("rdmsr", "", .rdmsr, [.privileged])
        for cc in 0..<16 { m[0x40 + cc] = e("cmov" + conditionNames[cc], "Gv,Ev", .cmov, sub: UInt8(cc)) }
        m[0x50] = .prefixed(none: s("movmskps", "Gd,Ux", .movmskps), p66: s("movmskpd", "Gd,Ux", .movmskpd), pF3: .invalid, pF2: .invalid)
        m[0x51] = fp4("sqrt", .sqrtps, .sqrtpd, .sqrtss, .sqrtsd)
        m[0x54] = .prefixed(none: s("andps", "Vx,Wx", .pand), p66: s("andpd", "Vx,Wx", .pand), pF3: .invalid, pF2: .invalid)
        m[0x55] = .prefixed(none: s("andnps", "Vx,Wx", .pandn), p66: s("andnpd", "Vx,Wx", .pandn), pF3: .invalid, pF2: .invalid)
        m[0x56] = .prefixed(none: s("orps", "Vx,Wx", .por), p66: s("orpd", "Vx,Wx", .por), pF3: .invalid, pF2: .invalid)
        m[0x57] = .prefixed(none: s("xorps", "Vx,Wx", .pxor), p66: s("xorpd", "Vx,Wx", .pxor), pF3: .invalid, pF2: .invalid)
        m[0x58] = fp4("add", .addps, .addpd, .addss, .addsd)
        m[0x59] = fp4("mul", .mulps, .mulpd, .mulss, .mulsd)
        m[0x5A] = .prefixed(none: s("cvtps2pd", "Vx,Wq", .cvtps2pd), p66: s("cvtpd2ps", "Vx,Wx", .cvtpd2ps),
                            pF3: s("cvtss2sd", "Vsd,Wss", .cvtss2sd), pF2: s("cvtsd2ss", "Vss,Wsd", .cvtsd2ss))
        m[0x5B] = .prefixed(none: s("cvtdq2ps", "Vx,Wx", .cvtdq2ps), p66: s("cvtps2dq", "Vx,Wx", .cvtps2dq),
                            pF3: s("cvttps2dq", "Vx,Wx", .cvttps2dq), pF2: .invalid)
        m[0x5C] = fp4("sub", .subps, .subpd, .subss, .subsd)
        m[0x5D] = fp4("min", .minps, .minpd, .minss, .minsd)
        m[0x5E] = fp4("div", .divps, .divpd, .divss, .divsd)
        m[0x5F] = fp4("max", .maxps, .maxpd, .maxss, .maxsd)
        let int60: [(String, SSEOp)] = [
            ("punpcklbw", .punpcklbw), ("punpcklwd", .punpcklwd), ("punpckldq", .punpckldq), ("packsswb", .packsswb),
            ("pcmpgtb", .pcmpgtb), ("pcmpgtw", .pcmpgtw), ("pcmpgtd", .pcmpgtd), ("packuswb", .packuswb),
            ("punpckhbw", .punpckhbw), ("punpckhwd", .punpckhwd), ("punpckhdq", .punpckhdq), ("packssdw", .packssdw),
            ("punpcklqdq", .punpcklqdq), ("punpckhqdq", .punpckhqdq),
        ]
        for (i, (n, op)) in int60.enumerated() { m[0x60 + i] = only66(n, "Vx,Wx", op) }
        m[0x6E] = only66("movd", "Vx,Ey", .movdToXMM)
        m[0x6F] = .prefixed(none: .invalid, p66: s("movdqa", "Vx,Wx", .movaLoad), pF3: s("movdqu", "Vx,Wx", .movuLoad), pF2: .invalid)
        m[0x70] = .prefixed(none: .invalid, p66: s("pshufd", "Vx,Wx,Ib", .pshufd),
                            pF3: s("pshufhw", "Vx,Wx,Ib", .pshufhw), pF2: s("pshuflw", "Vx,Wx,Ib", .pshuflw))
        func shiftGroup(_ name: String, _ cells: [Int: (String, SSEOp)]) -> OpcodeSlot {
            .group(name, (0..<8).map { r in
                guard let (n, op) = cells[r] else { return .invalid }
                return .modSplit(memory: .invalid, register: only66(n, "Ux,Ib", op))
            })
        }
        m[0x71] = shiftGroup("12", [2: ("psrlw", .psrlwImm), 4: ("psraw", .psrawImm), 6: ("psllw", .psllwImm)])
        m[0x72] = shiftGroup("13", [2: ("psrld", .psrldImm), 4: ("psrad", .psradImm), 6: ("pslld", .pslldImm)])
        m[0x73] = shiftGroup("14", [2: ("psrlq", .psrlqImm), 3: ("psrldq", .psrldqImm), 6: ("psllq", .psllqImm), 7: ("pslldq", .pslldqImm)])
        m[0x74] = only66("pcmpeqb", "Vx,Wx", .pcmpeqb)
        m[0x75] = only66("pcmpeqw", "Vx,Wx", .pcmpeqw)
        m[0x76] = only66("pcmpeqd", "Vx,Wx", .pcmpeqd)
        m[0x7E] = .prefixed(none: .invalid, p66: s("movd", "Ey,Vx", .movdFromXMM), pF3: s("movq", "Vq,Wq", .movqLoad), pF2: .invalid)
        m[0x7F] = .prefixed(none: .invalid, p66: s("movdqa", "Wx,Vx", .movaStore), pF3: s("movdqu", "Wx,Vx", .movuStore), pF2: .invalid)
        for cc in 0..<16 { m[0x80 + cc] = e("j" + conditionNames[cc], "Jz", .jcc, sub: UInt8(cc), [.force64, .endsBlock]) }
        for cc in 0..<16 { m[0x90 + cc] = e("set" + conditionNames[cc], "Eb", .setcc, sub: UInt8(cc)) }
        m[0xA2] = e("cpuid", "", .cpuid)
        m[0xA3] = e("bt", "Ev,Gv", .bt, sub: 0)
        m[0xA4] = e("shld", "Ev,Gv,Ib", .shld)
        m[0xA5] = e("shld", "Ev,Gv,CL", .shld)
        m[0xAB] = e("bts", "Ev,Gv", .bt, sub: 1, [.lockable])
        m[0xAC] = e("shrd", "Ev,Gv,Ib", .shrd)
        m[0xAD] = e("shrd", "Ev,Gv,CL", .shrd)
        m[0xAE] = .prefixed(none: .group("15", [
            .modSplit(memory: e("fxsave", "M", .fxsave), register: .invalid),
            .modSplit(memory: e("fxrstor", "M", .fxrstor), register: .invalid),
            .modSplit(memory: e("ldmxcsr", "Md", .ldmxcsr), register: .invalid),
            .modSplit(memory: e("stmxcsr", "Md", .stmxcsr), register: .invalid),
            .invalid,
            .modSplit(memory: .invalid, register: e("lfence", "", .fence)),
            .modSplit(memory: .invalid, register: e("mfence", "", .fence)),
            .modSplit(memory: e("clflush", "Mb", .clflush), register: e("sfence", "", .fence)),
        ]), p66: .invalid, pF3: .invalid, pF2: .invalid)
        m[0xAF] = e("imul", "Gv,Ev", .imul2)
        m[0xB0] = e("cmpxchg", "Eb,Gb", .cmpxchg, [.lockable])
        m[0xB1] = e("cmpxchg", "Ev,Gv", .cmpxchg, [.lockable])
        m[0xB3] = e("btr", "Ev,Gv", .bt, sub: 2, [.lockable])
        m[0xB6] = e("movzx", "Gv,Eb", .movzx, sub: 1)
        m[0xB7] = e("movzx", "Gv,Ew", .movzx, sub: 2)
        m[0xB8] = .prefixed(none: .invalid, p66: .invalid, pF3: e("popcnt", "Gv,Ev", .popcnt), pF2: .invalid)
        m[0xBA] = .group("8", [.invalid, .invalid, .invalid, .invalid,
                               e("bt", "Ev,Ib", .bt, sub: 0), e("bts", "Ev,Ib", .bt, sub: 1, [.lockable]),
                               e("btr", "Ev,Ib", .bt, sub: 2, [.lockable]), e("btc", "Ev,Ib", .bt, sub: 3, [.lockable])])
        m[0xBB] = e("btc", "Ev,Gv", .bt, sub: 3, [.lockable])
        m[0xBC] = .prefixed(none: e("bsf", "Gv,Ev", .bsf), p66: e("bsf", "Gv,Ev", .bsf), pF3: e("tzcnt", "Gv,Ev", .tzcnt), pF2: e("bsf", "Gv,Ev", .bsf))
        m[0xBD] = .prefixed(none: e("bsr", "Gv,Ev", .bsr), p66: e("bsr", "Gv,Ev", .bsr), pF3: e("lzcnt", "Gv,Ev", .lzcnt), pF2: e("bsr", "Gv,Ev", .bsr))
        m[0xBE] = e("movsx", "Gv,Eb", .movsx, sub: 1)
        m[0xBF] = e("movsx", "Gv,Ew", .movsx, sub: 2)
        m[0xC0] = e("xadd", "Eb,Gb", .xadd, [.lockable])
        m[0xC1] = e("xadd", "Ev,Gv", .xadd, [.lockable])
        m[0xC2] = .prefixed(none: s("cmpps", "Vx,Wx,Ib", .cmpps), p66: s("cmppd", "Vx,Wx,Ib", .cmppd),
                            pF3: s("cmpss", "Vss,Wss,Ib", .cmpss), pF2: s("cmpsd", "Vsd,Wsd,Ib", .cmpsd))
        m[0xC3] = .prefixed(none: .modSplit(memory: e("movnti", "M,Gy", .mov), register: .invalid), p66: .invalid, pF3: .invalid, pF2: .invalid)
        m[0xC4] = only66("pinsrw", "Vx,Ey,Ib", .pinsrw)
        m[0xC5] = .prefixed(none: .invalid, p66: .modSplit(memory: .invalid, register: s("pextrw", "Gd,Ux,Ib", .pextrw)), pF3: .invalid, pF2: .invalid)
        m[0xC6] = .prefixed(none: s("shufps", "Vx,Wx,Ib", .shufps), p66: s("shufpd", "Vx,Wx,Ib", .shufpd), pF3: .invalid, pF2: .invalid)
        m[0xC7] = .group("9", [.invalid, .modSplit(memory: e("cmpxchg16b", "Mdq", .cmpxchg16b, [.lockable]), register: .invalid),
                               .invalid, .invalid, .invalid, .invalid,
                               .modSplit(memory: .invalid, register: e("rdrand", "Ry", .rdrand)), .invalid])
        for r in 0..<8 { m[0xC8 + r] = e("bswap", "Zv", .bswap) }
        let intD0: [Int: (String, SSEOp)] = [
            0xD1: ("psrlw", .psrlw), 0xD2: ("psrld", .psrld), 0xD3: ("psrlq", .psrlq), 0xD4: ("paddq", .paddq),
            0xD5: ("pmullw", .pmullw), 0xD8: ("psubusb", .psubusb), 0xD9: ("psubusw", .psubusw),
            0xDA: ("pminub", .pminub), 0xDB: ("pand", .pand), 0xDC: ("paddusb", .paddusb), 0xDD: ("paddusw", .paddusw),
            0xDE: ("pmaxub", .pmaxub), 0xDF: ("pandn", .pandn), 0xE0: ("pavgb", .pavgb), 0xE1: ("psraw", .psraw),
            0xE2: ("psrad", .psrad), 0xE3: ("pavgw", .pavgw), 0xE4: ("pmulhuw", .pmulhuw), 0xE5: ("pmulhw", .pmulhw),
            0xE8: ("psubsb", .psubsb), 0xE9: ("psubsw", .psubsw), 0xEA: ("pminsw", .pminsw), 0xEB: ("por", .por),
            0xEC: ("paddsb", .paddsb), 0xED: ("paddsw", .paddsw), 0xEE: ("pmaxsw", .pmaxsw), 0xEF: ("pxor", .pxor),
            0xF1: ("psllw", .psllw), 0xF2: ("pslld", .pslld), 0xF3: ("psllq", .psllq), 0xF4: ("pmuludq", .pmuludq),
            0xF5: ("pmaddwd", .pmaddwd), 0xF6: ("psadbw", .psadbw), 0xF8: ("psubb", .psubb), 0xF9: ("psubw", .psubw),
            0xFA: ("psubd", .psubd), 0xFB: ("psubq", .psubq), 0xFC: ("paddb", .paddb), 0xFD: ("paddw", .paddw),
            0xFE: ("paddd", .paddd),
        ]
        for (op, (n, sop)) in intD0 { m[op] = only66(n, "Vx,Wx", sop) }
        m[0xD6] = .prefixed(none: .invalid, p66: s("movq", "Wq,Vq", .movqStore), pF3: .invalid, pF2: .invalid)
        m[0xD7] = .prefixed(none: .invalid, p66: s("pmovmskb", "Gd,Ux", .pmovmskb), pF3: .invalid, pF2: .invalid)
        m[0xE6] = .prefixed(none: .invalid, p66: s("cvttpd2dq", "Vx,Wx", .cvttpd2dq),
                            pF3: s("cvtdq2pd", "Vx,Wq", .cvtdq2pd), pF2: s("cvtpd2dq", "Vx,Wx", .cvtpd2dq))
        m[0xE7] = .prefixed(none: .invalid, p66: .modSplit(memory: s("movntdq", "Mdq,Vx", .movaStore), register: .invalid), pF3: .invalid, pF2: .invalid)
        return m
    }
}
