import ChimeraCore

/// System instructions (SDM Vol. 3A, §2.8; Vol. 2 CPUID, RDMSR, WRMSR,
/// RDTSC, MOV CRn, LGDT/LIDT, LTR, HLT, FXSAVE/FXRSTOR, LDMXCSR).
extension X86CPU {
    func execHlt() throws(X86Fault) {
        try requireCPL0()
        hot.pointee.retired &+= 1
        if hasPendingWakeup {
            hot.pointee.pending = 1
            leaveReason = .budgetExhausted
            throw X86Fault.leave
        }
        powerState = .halted
        leaveReason = .halted
        throw X86Fault.leave
    }

    // MARK: CPUID model (documented in Documentation/X86.md)

    static let vendor = "ChimeraSim86"
    static let brand = "Chimera x86-64 interpretive core"

    func execCpuid() {
        let leaf = UInt32(truncatingIfNeeded: gpr[0])
        let subleaf = UInt32(truncatingIfNeeded: gpr[1])
        let (a, b, c, d) = cpuid(leaf: leaf, subleaf: subleaf)
        gpr[0] = UInt64(a); gpr[3] = UInt64(b); gpr[1] = UInt64(c); gpr[2] = UInt64(d)
    }

    /// The CPUID answers of this model: features Chimera implements, nothing more.
    public func cpuid(leaf: UInt32, subleaf: UInt32) -> (UInt32, UInt32, UInt32, UInt32) {
        func word(_ s: String, _ at: Int) -> UInt32 {
            let bytes = Array(s.utf8) + [UInt8](repeating: 0, count: 64)
            return UInt32(bytes[at]) | UInt32(bytes[at + 1]) << 8 | UInt32(bytes[at + 2]) << 16 | UInt32(bytes[at + 3]) << 24
        }
        let v = X86CPU.vendor
        switch leaf {
        case 0: return (7, word(v, 0), word(v, 8), word(v, 4))
        case 1:
            let eax: UInt32 = 0x0006_0663  // family 6, model 0x66, stepping 3
            let ebx: UInt32 = (apic.id << 24) | (1 << 16) | (8 << 8)
            // ECX: CX16 (13), x2APIC (21), MOVBE (22), POPCNT (23)
            let ecx: UInt32 = 1 << 13 | 1 << 21 | 1 << 22 | 1 << 23
            // EDX: TSC, MSR, PAE, CX8, APIC, CMOV, PAT, CLFSH, FXSR, SSE, SSE2
            let edx: UInt32 = 1 << 4 | 1 << 5 | 1 << 6 | 1 << 8 | 1 << 9 | 1 << 15 | 1 << 16 | 1 << 19 | 1 << 24 | 1 << 25 | 1 << 26
            return (eax, ebx, ecx, edx)
        case 0x8000_0000: return (0x8000_0008, 0, 0, 0)
        case 0x8000_0001:
            // ECX: LAHF/SAHF (0), LZCNT (5). EDX: SYSCALL (11), NX (20), 1 GiB pages (26), RDTSCP (27), LM (29)
            return (0, 0, 1 << 0 | 1 << 5, 1 << 11 | 1 << 20 | 1 << 26 | 1 << 27 | 1 << 29)
        case 0x8000_0002, 0x8000_0003, 0x8000_0004:
            let base = Int(leaf - 0x8000_0002) * 16
            let s = X86CPU.brand
            return (word(s, base), word(s, base + 4), word(s, base + 8), word(s, base + 12))
        case 0x8000_0008: return (40 | 48 << 8, 0, 0, 0)
        default: return (0, 0, 0, 0)
        }
    }

    // MARK: Time stamp counter

    /// TSC = core cycles since reset at the core's current virtual time (plus WRMSR adjustments).
    var timeStampCounter: UInt64 { cycles(in: currentTime) &+ tscOffset }

    func execRdtsc(withAux: Bool) {
        let t = timeStampCounter
        gpr[0] = t & 0xFFFF_FFFF
        gpr[2] = t >> 32
        if withAux { gpr[1] = tscAux & 0xFFFF_FFFF }
    }

    // MARK: MSRs

    func execRdmsr() throws(X86Fault) {
        try requireCPL0()
        guard let v = readMSR(UInt32(truncatingIfNeeded: gpr[1])) else { throw X86Fault.gp() }
        gpr[0] = v & 0xFFFF_FFFF
        gpr[2] = v >> 32
    }

    func execWrmsr() throws(X86Fault) {
        try requireCPL0()
        let v = (gpr[0] & 0xFFFF_FFFF) | (gpr[2] << 32)
        guard writeMSR(UInt32(truncatingIfNeeded: gpr[1]), v) else { throw X86Fault.gp() }
    }

    /// Model-specific registers Chimera implements; `nil` means #GP.
    public func readMSR(_ msr: UInt32) -> UInt64? {
        switch msr {
        case 0x10: return timeStampCounter
        case 0x1B: return apicBaseMSR
        case 0x3B: return tscOffset
        case 0x277: return pat
        case 0xC000_0080: return efer
        case 0xC000_0081: return star
        case 0xC000_0082: return lstar
        case 0xC000_0083: return cstar
        case 0xC000_0084: return sfmask
        case 0xC000_0100: return hot.pointee.fsBase
        case 0xC000_0101: return hot.pointee.gsBase
        case 0xC000_0102: return kernelGSBase
        case 0xC000_0103: return tscAux
        case 0x800...0x8FF:
            guard apicBaseMSR & (1 << 10) != 0 else { return nil }
            return apic.x2apicRead(msr)
        default: return nil
        }
    }

    /// Writes an MSR; `false` means #GP.
    public func writeMSR(_ msr: UInt32, _ v: UInt64) -> Bool {
        let canonical = { (x: UInt64) -> Bool in let t = Int64(bitPattern: x) >> 47; return t == 0 || t == -1 }
        switch msr {
        case 0x10: tscOffset = v &- cycles(in: currentTime)
        case 0x1B:
            apicBaseMSR = v & 0xF_FFFF_FD00 | (apicBaseMSR & (1 << 8))
            flushTLB()
        case 0x3B: tscOffset = v
        case 0x277: pat = v
        case 0xC000_0080:
            guard v & ~0xD01 == 0 else { return false }
            efer = (v & 0xD01) | (efer & 0x400)
            flushTLB()
        case 0xC000_0081: star = v
        case 0xC000_0082: guard canonical(v) else { return false }; lstar = v
        case 0xC000_0083: guard canonical(v) else { return false }; cstar = v
        case 0xC000_0084: sfmask = v & 0xFFFF_FFFF
        case 0xC000_0100: guard canonical(v) else { return false }; hot.pointee.fsBase = v
        case 0xC000_0101: guard canonical(v) else { return false }; hot.pointee.gsBase = v
        case 0xC000_0102: guard canonical(v) else { return false }; kernelGSBase = v
        case 0xC000_0103: tscAux = v & 0xFFFF_FFFF
        case 0x800...0x8FF:
            guard apicBaseMSR & (1 << 10) != 0 else { return false }
            return apic.x2apicWrite(msr, v)
        default: return false
        }
        return true
    }

    // MARK: Control registers

    func updateSSEEnabled() {
        hot.pointee.sseEnabled = (cr0 & 0xC == 0 && cr4 & (1 << 9) != 0) ? 1 : 0
    }

    func execMovToCR(_ i: DecodedInstruction) throws(X86Fault) {
        try requireCPL0()
        let v = gpr[Int(i.rm)]
        switch i.reg {
        case 0:
            guard v >> 32 == 0 else { throw X86Fault.gp() }
            guard v & (1 << 31) == 0 || v & 1 != 0 else { throw X86Fault.gp() }
            cr0 = v | 0x10
            flushTLB()
        case 2: cr2 = v
        case 3: cr3 = v & 0x000F_FFFF_FFFF_FFFF; flushTLB()
        case 4:
            guard v & (1 << 5) != 0 || cr0 & (1 << 31) == 0 else { throw X86Fault.gp() }
            cr4 = v
            flushTLB()
        case 8:
            apic.taskPriority = UInt32(v & 0xF) << 4
            hot.pointee.pending = 1
        default: throw X86Fault.ud
        }
        updateSSEEnabled()
    }

    func execMovFromCR(_ i: DecodedInstruction) throws(X86Fault) {
        try requireCPL0()
        let v: UInt64
        switch i.reg {
        case 0: v = cr0
        case 2: v = cr2
        case 3: v = cr3
        case 4: v = cr4
        case 8: v = UInt64(apic.taskPriority >> 4)
        default: throw X86Fault.ud
        }
        gpr[Int(i.rm)] = v
    }

    func execLmsw(_ i: DecodedInstruction) throws(X86Fault) {
        try requireCPL0()
        let v = try readRM(i, size: 2)
        cr0 = (cr0 & ~0xE) | (v & 0xF) | (cr0 & 1)
        updateSSEEnabled()
    }

    // MARK: Descriptor tables

    func execLoadDescriptorTable(_ i: DecodedInstruction) throws(X86Fault) {
        try requireCPL0()
        let addr = effectiveAddress(i)
        let limit = UInt16(truncatingIfNeeded: try read(addr, 2))
        let base = try read(addr &+ 2, 8)
        if i.op == .lgdt { gdtrBase = base; gdtrLimit = limit } else { idtrBase = base; idtrLimit = limit }
    }

    func execStoreDescriptorTable(_ i: DecodedInstruction) throws(X86Fault) {
        let addr = effectiveAddress(i)
        let (base, limit) = i.op == .sgdt ? (gdtrBase, gdtrLimit) : (idtrBase, idtrLimit)
        try write(addr, 2, UInt64(limit))
        try write(addr &+ 2, 8, base)
    }

    /// LTR: loads a 64-bit available TSS descriptor and marks it busy.
    func execLtr(_ i: DecodedInstruction) throws(X86Fault) {
        try requireCPL0()
        let selector = UInt16(truncatingIfNeeded: try readRM(i, size: 2))
        guard selector & ~3 != 0, UInt64(selector & ~7) + 15 <= UInt64(gdtrLimit) else { throw X86Fault.gp(UInt32(selector & ~3)) }
        let address = gdtrBase &+ UInt64(selector & ~7)
        let low = try supervisorRead(address, 8)
        let high = try supervisorRead(address &+ 8, 8)
        guard (low >> 40) & 0xF == 9 else { throw X86Fault.gp(UInt32(selector & ~3)) }
        guard (low >> 47) & 1 != 0 else { throw X86Fault(vector: X86Vector.np, errorCode: UInt32(selector & ~3), hasErrorCode: true) }
        trBase = ((low >> 16) & 0xFF_FFFF) | ((low >> 32) & 0xFF00_0000) | (high << 32)
        trLimit = UInt32((low & 0xFFFF) | ((low >> 32) & 0xF_0000))
        trSelector = selector
        physicalWrite(try translate(address &+ 5, .read), 1, ((low >> 40) & 0xFF) | 2)
    }

    // MARK: SSE state

    /// SSE instructions need CR0.EM = 0 and CR4.OSFXSR = 1 (else #UD), CR0.TS = 0 (else #NM).
    @inline(__always)
    func checkSSE() throws(X86Fault) {
        if _fastPath(hot.pointee.sseEnabled != 0) { return }
        try sseUnavailable()
    }

    @inline(never)
    func sseUnavailable() throws(X86Fault) {
        if cr0 & 4 != 0 || cr4 & (1 << 9) == 0 { throw X86Fault.ud }
        throw X86Fault.nm
    }

    func execLdmxcsr(_ i: DecodedInstruction) throws(X86Fault) {
        try checkSSE()
        let v = UInt32(truncatingIfNeeded: try read(effectiveAddress(i), 4))
        guard v & 0xFFFF_0000 == 0 else { throw X86Fault.gp() }
        mxcsr = v
    }

    /// FXSAVE (64-bit layout): x87 control words, MXCSR, XMM0–15.
    func execFxsave(_ i: DecodedInstruction) throws(X86Fault) {
        if cr0 & 0xC != 0 { throw cr0 & 4 != 0 ? X86Fault.ud : X86Fault.nm }
        let a = effectiveAddress(i)
        guard a & 15 == 0 else { throw X86Fault.gp() }
        try probeWrite(a, 8); try probeWrite(a &+ 504, 8)
        try write(a, 2, UInt64(x87Control))
        try write(a &+ 2, 2, 0); try write(a &+ 4, 2, 0); try write(a &+ 6, 2, 0)
        try write(a &+ 8, 8, 0); try write(a &+ 16, 8, 0)
        try write(a &+ 24, 4, UInt64(mxcsr)); try write(a &+ 28, 4, 0xFFFF)
        for r in 0..<16 {
            try write(a &+ 160 &+ UInt64(r) * 16, 8, xmm[2 * r])
            try write(a &+ 168 &+ UInt64(r) * 16, 8, xmm[2 * r + 1])
        }
    }

    func execFxrstor(_ i: DecodedInstruction) throws(X86Fault) {
        if cr0 & 0xC != 0 { throw cr0 & 4 != 0 ? X86Fault.ud : X86Fault.nm }
        let a = effectiveAddress(i)
        guard a & 15 == 0 else { throw X86Fault.gp() }
        let newMXCSR = UInt32(truncatingIfNeeded: try read(a &+ 24, 4))
        guard newMXCSR & 0xFFFF_0000 == 0 else { throw X86Fault.gp() }
        var values = [UInt64](repeating: 0, count: 32)
        for k in 0..<32 { values[k] = try read(a &+ 160 &+ UInt64(k) * 8, 8) }
        x87Control = UInt16(truncatingIfNeeded: try read(a, 2))
        mxcsr = newMXCSR
        for k in 0..<32 { xmm[k] = values[k] }
    }
}
