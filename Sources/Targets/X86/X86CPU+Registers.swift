import ChimeraCore

extension X86CPU {
    // MARK: General-purpose registers by encoding

    /// Reads register `r` (0–15; 16–19 are AH, CH, DH, BH) at `size` bytes, zero-extended.
    @inline(__always)
    func readReg(_ r: UInt8, _ size: UInt8) -> UInt64 {
        switch size {
        case 8: return gpr[Int(r)]
        case 4: return gpr[Int(r)] & 0xFFFF_FFFF
        case 2: return gpr[Int(r)] & 0xFFFF
        default:
            if r >= 16 { return (gpr[Int(r) - 16] >> 8) & 0xFF }
            return gpr[Int(r)] & 0xFF
        }
    }

    /// Writes register `r` at `size` bytes: 32-bit writes zero the upper
    /// half, 8- and 16-bit writes merge (SDM Vol. 1, §3.4.1.1).
    @inline(__always)
    func writeReg(_ r: UInt8, _ size: UInt8, _ v: UInt64) {
        switch size {
        case 8: gpr[Int(r)] = v
        case 4: gpr[Int(r)] = v & 0xFFFF_FFFF
        case 2: gpr[Int(r)] = (gpr[Int(r)] & ~0xFFFF) | (v & 0xFFFF)
        default:
            if r >= 16 {
                let i = Int(r) - 16
                gpr[i] = (gpr[i] & ~0xFF00) | ((v & 0xFF) << 8)
            } else {
                gpr[Int(r)] = (gpr[Int(r)] & ~0xFF) | (v & 0xFF)
            }
        }
    }

    // MARK: Lazy flags

    /// RFLAGS with the arithmetic flags computed from the lazy record.
    @inline(__always)
    var rflags: UInt64 {
        let h = hot.pointee
        if h.lazyOp == LazyFlags.none { return h.flags }
        return (h.flags & ~RFlags.arithmetic) | computeArithmeticFlags()
    }

    /// Folds the lazy record into `hot.flags`.
    @inline(__always)
    func materializeFlags() {
        if hot.pointee.lazyOp != LazyFlags.none {
            hot.pointee.flags = (hot.pointee.flags & ~RFlags.arithmetic) | computeArithmeticFlags()
            hot.pointee.lazyOp = LazyFlags.none
        }
    }

    /// Sets RFLAGS outright (POPF, IRET, SYSRET); drops the lazy record.
    func setRFlags(_ v: UInt64) {
        hot.pointee.flags = (v & RFlags.writable) | 2
        hot.pointee.lazyOp = LazyFlags.none
    }

    /// CF, PF, AF, ZF, SF, OF of the lazy record (SDM Vol. 1, appendix A).
    @inline(never)
    func computeArithmeticFlags() -> UInt64 {
        let h = hot.pointee
        let bits = UInt64(h.lazySize) * 8
        let mask: UInt64 = bits == 64 ? .max : (1 << bits) - 1
        let sign: UInt64 = 1 << (bits - 1)
        let a = h.lazyA & mask, b = h.lazyB & mask, r = h.lazyResult & mask
        var f: UInt64 = 0
        if r == 0 { f |= RFlags.zf }
        if r & sign != 0 { f |= RFlags.sf }
        if (UInt8(truncatingIfNeeded: r).nonzeroBitCount & 1) == 0 { f |= RFlags.pf }
        switch h.lazyOp {
        case LazyFlags.add, LazyFlags.adc:
            let carryIn = h.lazyOp == LazyFlags.adc && h.flags & RFlags.cf != 0
            if r < a || (carryIn && r == a) { f |= RFlags.cf }
            if (a ^ r) & (b ^ r) & sign != 0 { f |= RFlags.of }
            f |= (a ^ b ^ r) & RFlags.af
        case LazyFlags.sub, LazyFlags.sbb:
            let borrowIn = h.lazyOp == LazyFlags.sbb && h.flags & RFlags.cf != 0
            if a < b || (borrowIn && a == b) { f |= RFlags.cf }
            if (a ^ b) & (a ^ r) & sign != 0 { f |= RFlags.of }
            f |= (a ^ b ^ r) & RFlags.af
        case LazyFlags.inc:
            f |= h.flags & RFlags.cf
            if r == sign { f |= RFlags.of }
            if r & 0xF == 0 { f |= RFlags.af }
        case LazyFlags.dec:
            f |= h.flags & RFlags.cf
            if r == sign &- 1 { f |= RFlags.of }
            if r & 0xF == 0xF { f |= RFlags.af }
        case LazyFlags.shl:
            // CF is the last bit shifted out; OF = MSB(result) XOR CF (defined for a count of 1).
            let cf = (a >> (bits &- b)) & 1
            f |= cf
            if (r >> (bits &- 1)) ^ cf != 0 { f |= RFlags.of }
        case LazyFlags.shr:
            f |= (a >> (b &- 1)) & 1
            if b == 1 && a & sign != 0 { f |= RFlags.of }
        case LazyFlags.sar:
            let s = Int64(bitPattern: a << (64 &- bits)) >> Int64(64 &- bits)
            f |= UInt64(bitPattern: s >> Int64(b &- 1)) & 1
        default:  // logic: CF = OF = 0, AF = 0 (undefined in the SDM)
            break
        }
        return f
    }

    /// Records an ALU result for lazy flag evaluation.
    @inline(always)
    func setLazy(_ op: UInt8, _ size: UInt8, _ a: UInt64, _ b: UInt64, _ r: UInt64) {
        hot.pointee.lazyOp = op
        hot.pointee.lazySize = size
        hot.pointee.lazyA = a
        hot.pointee.lazyB = b
        hot.pointee.lazyResult = r
    }

    /// Sets the six arithmetic flags explicitly (shifts, multiplies, bit ops).
    @inline(__always)
    func setArithmeticFlags(_ f: UInt64) {
        hot.pointee.flags = (hot.pointee.flags & ~RFlags.arithmetic) | f
        hot.pointee.lazyOp = LazyFlags.none
    }

    /// ZF, SF, PF of `r` at `size` bytes.
    @inline(__always)
    func szp(_ r: UInt64, _ size: UInt8) -> UInt64 {
        let bits = UInt64(size) * 8
        let mask: UInt64 = bits == 64 ? .max : (1 << bits) - 1
        let v = r & mask
        var f: UInt64 = v == 0 ? RFlags.zf : 0
        if v >> (bits - 1) & 1 != 0 { f |= RFlags.sf }
        if (UInt8(truncatingIfNeeded: v).nonzeroBitCount & 1) == 0 { f |= RFlags.pf }
        return f
    }

    @inline(__always)
    var carryFlag: Bool {
        let h = hot
        let op = h.pointee.lazyOp
        if op == LazyFlags.none || op == LazyFlags.inc || op == LazyFlags.dec { return h.pointee.flags & RFlags.cf != 0 }
        if op == LazyFlags.logic { return false }
        // ADD and SUB/CMP: compare at the operation's width (operands shifted to the top).
        let shift = 64 &- UInt64(h.pointee.lazySize) &* 8
        if op == LazyFlags.add { return h.pointee.lazyResult &<< shift < h.pointee.lazyA &<< shift }
        if op == LazyFlags.sub { return h.pointee.lazyA &<< shift < h.pointee.lazyB &<< shift }
        return computeArithmeticFlags() & RFlags.cf != 0
    }

    /// Before INC/DEC record their result: they keep CF, and every other
    /// arithmetic flag comes from their own record, so only CF is folded in.
    @inline(always)
    func preserveCarryForIncDec() {
        let cf: UInt64 = carryFlag ? RFlags.cf : 0
        hot.pointee.flags = (hot.pointee.flags & ~RFlags.cf) | cf
    }

    /// Evaluates condition code `cc` (SDM Vol. 1, appendix B), deciding the
    /// common cases straight from the lazy record: B, E, BE, L, LE after
    /// CMP/SUB; E and S after anything (ZF and SF come from the result for
    /// every lazy kind); everything but P after logic results (CF = OF = 0);
    /// the rest from the materialised flags, out of line. Written with
    /// branches on purpose: a predicted branch lets the host run ahead into
    /// the next block, while a branch-free select (tried: a truth-table
    /// lookup) makes the next block's lookup wait for the flags and measured
    /// 10% slower overall.
    @inline(always)
    func condition(_ cc: UInt8) -> Bool {
        let lazy = hot.pointee.lazyOp
        let k = cc >> 1
        // Operands are kept unmasked: shifting them to the top of the word
        // compares them at the operation's width, signed or not.
        let shift = 64 &- UInt64(hot.pointee.lazySize) &* 8
        var taken: Bool
        if lazy == LazyFlags.sub && (0xCE &>> k) & 1 != 0 {
            let a = hot.pointee.lazyA &<< shift, b = hot.pointee.lazyB &<< shift
            switch k {
            case 1: taken = a < b                                           // B
            case 2: taken = a == b                                          // E
            case 3: taken = a <= b                                          // BE
            case 6: taken = Int64(bitPattern: a) < Int64(bitPattern: b)     // L
            default: taken = Int64(bitPattern: a) <= Int64(bitPattern: b)  // LE
            }
        } else if lazy != LazyFlags.none && (k == 2 || k == 4) {
            let r = Int64(bitPattern: hot.pointee.lazyResult &<< shift)
            taken = k == 2 ? r == 0 : r < 0
        } else if lazy == LazyFlags.logic && k != 5 {
            let r = Int64(bitPattern: hot.pointee.lazyResult &<< shift)
            switch k {
            case 0, 1: taken = false      // O, B
            case 3: taken = r == 0        // BE
            case 6: taken = r < 0         // L: SF != OF, OF = 0
            default: taken = r <= 0       // LE
            }
        } else {
            return conditionFromRFlags(cc)
        }
        return taken != (cc & 1 != 0)
    }

    /// `condition` from the materialised RFLAGS: out of line, so `condition`
    /// stays small where it is inlined.
    @inline(never)
    func conditionFromRFlags(_ cc: UInt8) -> Bool { conditionFromFlags(cc, rflags) }

    @inline(__always)
    func conditionFromFlags(_ cc: UInt8, _ f: UInt64) -> Bool {
        let result: Bool
        switch cc >> 1 {
        case 0: result = f & RFlags.of != 0
        case 1: result = f & RFlags.cf != 0
        case 2: result = f & RFlags.zf != 0
        case 3: result = f & (RFlags.cf | RFlags.zf) != 0
        case 4: result = f & RFlags.sf != 0
        case 5: result = f & RFlags.pf != 0
        case 6: result = (f & RFlags.sf != 0) != (f & RFlags.of != 0)
        default: result = f & RFlags.zf != 0 || ((f & RFlags.sf != 0) != (f & RFlags.of != 0))
        }
        return cc & 1 == 0 ? result : !result
    }

    // MARK: CPU protocol: registers by name

    static let gprNames = ["rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
                           "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15"]

    var namedRegisters: [String] {
        X86CPU.gprNames + ["rip", "rflags", "cs", "ss", "ds", "es", "fs", "gs", "fs_base", "gs_base", "kernel_gs_base",
                           "cr0", "cr2", "cr3", "cr4", "cr8", "efer", "mxcsr"]
            + (0..<16).flatMap { ["xmm\($0)_lo", "xmm\($0)_hi"] }
    }

    func readNamedRegister(_ name: String) -> UInt64? {
        let n = name.lowercased()
        if let i = X86CPU.gprNames.firstIndex(of: n) { return gpr[i] }
        switch n {
        case "rip", "pc": return hot.pointee.rip
        case "rflags", "eflags": return rflags
        case "cs": return UInt64(segments[0])
        case "ss": return UInt64(segments[1])
        case "ds": return UInt64(segments[2])
        case "es": return UInt64(segments[3])
        case "fs": return UInt64(segments[4])
        case "gs": return UInt64(segments[5])
        case "fs_base": return hot.pointee.fsBase
        case "gs_base": return hot.pointee.gsBase
        case "kernel_gs_base": return kernelGSBase
        case "cr0": return cr0
        case "cr2": return cr2
        case "cr3": return cr3
        case "cr4": return cr4
        case "cr8": return UInt64(apic.taskPriority >> 4)
        case "efer": return efer
        case "mxcsr": return UInt64(mxcsr)
        default:
            if n.hasPrefix("xmm"), let r = parseXMM(n) { return xmm[r] }
            return nil
        }
    }

    func writeNamedRegister(_ name: String, _ value: UInt64) -> Bool {
        let n = name.lowercased()
        if let i = X86CPU.gprNames.firstIndex(of: n) { gpr[i] = value; return true }
        switch n {
        case "rip", "pc": hot.pointee.rip = value
        case "rflags", "eflags": setRFlags(value)
        case "fs_base": hot.pointee.fsBase = value
        case "gs_base": hot.pointee.gsBase = value
        case "kernel_gs_base": kernelGSBase = value
        case "cr0": cr0 = value; flushTLB(); updateSSEEnabled()
        case "cr2": cr2 = value
        case "cr3": cr3 = value; flushTLB()
        case "cr4": cr4 = value; flushTLB(); updateSSEEnabled()
        case "efer": efer = value; flushTLB()
        case "mxcsr": mxcsr = UInt32(truncatingIfNeeded: value)
        default:
            if n.hasPrefix("xmm"), let r = parseXMM(n) { xmm[r] = value; return true }
            return false
        }
        return true
    }

    /// `xmmN_lo`/`xmmN_hi` → index into `xmm`.
    private func parseXMM(_ n: String) -> Int? {
        let parts = n.dropFirst(3).split(separator: "_")
        guard parts.count == 2, let r = Int(parts[0]), r < 16 else { return nil }
        if parts[1] == "lo" { return 2 * r }
        if parts[1] == "hi" { return 2 * r + 1 }
        return nil
    }
}

extension X86CPU {
    // MARK: Fast register access for tests and debuggers (no name parsing)

    /// General register `index` in encoding order (RAX = 0 … R15 = 15).
    public func gprValue(_ index: Int) -> UInt64 { gpr[index] }
    public func setGPR(_ index: Int, _ value: UInt64) { gpr[index] = value }
    /// XMM register `index` as (low, high) halves.
    public func xmmValue(_ index: Int) -> (low: UInt64, high: UInt64) { (xmm[2 * index], xmm[2 * index + 1]) }
    public func setXMM(_ index: Int, low: UInt64, high: UInt64) { xmm[2 * index] = low; xmm[2 * index + 1] = high }
    /// RFLAGS with lazily evaluated flags folded in.
    public var rflagsValue: UInt64 { rflags }
    public func setRFlagsValue(_ value: UInt64) { setRFlags(value) }
    public var mxcsrValue: UInt32 {
        get { mxcsr }
        set { mxcsr = newValue }
    }
}
