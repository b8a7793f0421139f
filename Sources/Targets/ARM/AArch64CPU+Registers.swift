import ChimeraCore

extension AArch64CPU {
    static let registerNameList: [String] = (0...30).map { "x\($0)" } + ["sp", "pc", "nzcv", "fpcr", "fpsr", "el", "spsel", "daif",
                                                                          "sp_el0", "sp_el1", "elr_el1", "spsr_el1", "esr_el1", "far_el1", "vbar_el1",
                                                                          "sp_el2", "elr_el2", "spsr_el2", "esr_el2", "far_el2", "vbar_el2",
                                                                          "hcr_el2"]

    func readRegisterValue(_ name: String) -> UInt64? {
        let n = name.lowercased()
        if n.hasPrefix("x"), let i = Int(n.dropFirst()), (0...30).contains(i) { return regs[i] }
        if n.hasPrefix("w"), let i = Int(n.dropFirst()), (0...30).contains(i) { return regs[i] & 0xFFFF_FFFF }
        switch n {
        case "sp": return regs[Int(Slot.sp)]
        case "pc": return st.pointee.pc
        case "nzcv", "cpsr": return regs[Slot.nzcv]
        case "fpcr": return st.pointee.fpcr
        case "fpsr": return st.pointee.fpsr
        case "el", "currentel": return currentEL
        case "spsel": return spSel
        case "daif": return daif
        case "sp_el0": return (currentEL == 0 || spSel == 0) ? regs[Int(Slot.sp)] : spEL0
        case "sp_el1": return (currentEL == 1 && spSel == 1) ? regs[Int(Slot.sp)] : spEL1
        case "elr_el1": return sys.elr
        case "spsr_el1": return sys.spsr
        case "esr_el1": return sys.esr
        case "far_el1": return sys.far
        case "vbar_el1": return sys.vbar
        case "sp_el2": return currentEL == 2 && spSel == 1 ? regs[Int(Slot.sp)] : spEL2
        case "elr_el2": return hyp.elr
        case "spsr_el2": return hyp.spsr
        case "esr_el2": return hyp.esr
        case "far_el2": return hyp.far
        case "vbar_el2": return hyp.vbar
        case "hcr_el2": return hyp.hcr
        // Not in `registerNames` (traces list those), but readable by name
        // for debuggers: the whole PSTATE and the translation registers.
        case "pstate": return pstateValue
        case "sctlr_el1": return sys.sctlr
        case "ttbr0_el1": return sys.ttbr0
        case "ttbr1_el1": return sys.ttbr1
        case "tcr_el1": return sys.tcr
        case "mair_el1": return sys.mair
        default:
            if let (n, high) = vectorHalf(n) { return vregs[n * 2 + (high ? 1 : 0)] }
            return nil
        }
    }

    /// `vN_lo`/`vN_hi` (N 0–31) → (N, high half?).
    private func vectorHalf(_ name: String) -> (Int, Bool)? {
        guard name.hasPrefix("v"), let underscore = name.firstIndex(of: "_"),
              let n = Int(name[name.index(after: name.startIndex)..<underscore]), (0..<32).contains(n) else { return nil }
        switch name[name.index(after: underscore)...] {
        case "lo": return (n, false)
        case "hi": return (n, true)
        default: return nil
        }
    }

    func writeRegisterValue(_ name: String, _ value: UInt64) -> Bool {
        let n = name.lowercased()
        if n.hasPrefix("x"), let i = Int(n.dropFirst()), (0...30).contains(i) { regs[i] = value; return true }
        switch n {
        case "sp": regs[Int(Slot.sp)] = value
        case "pc": st.pointee.pc = value
        case "nzcv", "cpsr": regs[Slot.nzcv] = value & 0xF000_0000
        case "fpcr": st.pointee.fpcr = value
        case "fpsr": st.pointee.fpsr = value
        case "elr_el1": sys.elr = value
        case "spsr_el1": sys.spsr = value
        case "vbar_el1": sys.vbar = value
        case "elr_el2": hyp.elr = value
        case "spsr_el2": hyp.spsr = value
        case "vbar_el2": hyp.vbar = value
        default:
            guard let (n, high) = vectorHalf(n) else { return false }
            vregs[n * 2 + (high ? 1 : 0)] = value
        }
        return true
    }

    /// V`n` as (low, high) 64-bit halves.
    public func vector(_ n: Int) -> (low: UInt64, high: UInt64) { (vregs[n * 2], vregs[n * 2 + 1]) }

    /// Sets V`n`.
    public func setVector(_ n: Int, _ value: (low: UInt64, high: UInt64)) {
        vregs[n * 2] = value.low
        vregs[n * 2 + 1] = value.high
    }
}
