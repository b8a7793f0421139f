import ChimeraCore
import ChimeraCPUKit

/// Fault status codes of ESR_ELx.DFSC/IFSC and PAR_EL1.FST (ARM ARM
/// D17.2.40, "ISS encoding for an exception from a Data Abort"): the low
/// two bits of the level-dependent ones name the lookup level.
enum FaultStatus {
    static func addressSize(level: Int) -> UInt64 { UInt64(level) }
    static func translation(level: Int) -> UInt64 { 0x04 | UInt64(level) }
    static func accessFlag(level: Int) -> UInt64 { 0x08 | UInt64(level) }
    static func permission(level: Int) -> UInt64 { 0x0C | UInt64(level) }
    static let externalAbort: UInt64 = 0x10
    static func externalAbortOnWalk(level: Int) -> UInt64 { 0x14 | UInt64(level) }
    static let alignment: UInt64 = 0x21
}

/// A successful stage-1 lookup (VMSAv8-64, ARM ARM D8): where the address
/// goes and what the final descriptor said about it.
struct StageOneMapping {
    /// Output address of the looked-up virtual address (not its page).
    var physical: UInt64
    /// log2 of the size of the block or page that mapped it.
    var sizeShift: UInt64
    /// nG clear: the mapping belongs to every ASID.
    var global: Bool
    /// AttrIndx (an index into MAIR_EL1) and SH of the descriptor.
    var attributeIndex: UInt64
    var shareability: UInt64
}

/// A stage-1 lookup's answer: a mapping, or the fault status it raised.
enum StageOneResult {
    case mapped(StageOneMapping)
    case fault(status: UInt64)
}

/// The translation parameters of one half (TTBR0 or TTBR1) of the EL1&0
/// regime, decoded from TCR_EL1.
struct TranslationHalf {
    /// log2 of the granule: 12 (4 KiB), 14 (16 KiB) or 16 (64 KiB).
    var granuleShift: UInt64
    /// Size of the input address space in bits (64 − TxSZ).
    var inputBits: UInt64
    /// Top byte ignored (TBIx).
    var topByteIgnored: Bool
    /// Walks disabled (EPDx).
    var walksDisabled: Bool
    /// The table base of TTBRx_EL1 (BADDR).
    var tableBase: UInt64

    /// Bits an index takes at each level below the first.
    var stride: UInt64 { granuleShift - 3 }

    /// First lookup level: enough levels of `stride` bits to cover the
    /// input address above the page offset.
    var startLevel: Int {
        let levels = (inputBits - granuleShift + stride - 1) / stride
        return 4 - Int(levels)
    }
}

extension AArch64CPU {
    /// Physical address size the core implements (ID_AA64MMFR0_EL1.PARange = 48 bits).
    static let physicalAddressBits: UInt64 = 48

    /// Is stage-1 translation on for the EL1&0 regime (SCTLR_EL1.M)?
    var mmuEnabled: Bool { sys.sctlr & 1 != 0 }

    /// The current ASID (TTBR0 or, with TCR_EL1.A1, TTBR1; 8 or 16 bits by TCR_EL1.AS).
    var currentASID: UInt32 {
        let ttbr = sys.tcr & (1 << 22) != 0 ? sys.ttbr1 : sys.ttbr0
        let asid = ttbr >> 48
        return UInt32(sys.tcr & (1 << 36) != 0 ? asid : asid & 0xFF)
    }

    /// The half of the EL1&0 regime that translates `va` (bit 55 selects).
    func translationHalf(for va: UInt64) -> TranslationHalf {
        let tcr = sys.tcr
        let upper = va & (1 << 55) != 0
        let size = upper ? (tcr >> 16) & 63 : tcr & 63
        let granule: UInt64
        if upper {
            switch (tcr >> 30) & 3 {
            case 1: granule = 14
            case 3: granule = 16
            default: granule = 12
            }
        } else {
            switch (tcr >> 14) & 3 {
            case 1: granule = 16
            case 2: granule = 14
            default: granule = 12
            }
        }
        // ARMv8.0 without LVA: TxSZ is 16 (48 bits) to 39 (25 bits); values
        // outside behave as the nearest bound (an IMPLEMENTATION DEFINED choice).
        let bits = 64 - min(max(size, 16), 39)
        let ttbr = upper ? sys.ttbr1 : sys.ttbr0
        return TranslationHalf(granuleShift: granule, inputBits: bits,
                               topByteIgnored: tcr & (upper ? 1 << 38 : 1 << 37) != 0,
                               walksDisabled: tcr & (upper ? 1 << 23 : 1 << 7) != 0,
                               tableBase: ttbr & 0x0000_FFFF_FFFF_FFFE)
    }

    /// Output address size of TCR_EL1.IPS, limited to what the core implements.
    var intermediateAddressBits: UInt64 {
        let sizes: [UInt64] = [32, 36, 40, 42, 44, 48, 52, 52]
        return min(sizes[Int((sys.tcr >> 32) & 7)], AArch64CPU.physicalAddressBits)
    }

    /// Walks the EL1&0 stage-1 tables for `va` and checks that `access` is
    /// permitted at exception level `el`. Side-effect free (the core does
    /// not update access flags in hardware), so translation, AT and the
    /// debugger share it. Descriptors are read from RAM; a walk into
    /// anything else is a synchronous external abort on the walk.
    func walk(_ va: UInt64, access: MemoryAccess, el: UInt64) -> StageOneResult {
        let half = translationHalf(for: va)
        let upper = va & (1 << 55) != 0
        // Bits above the input range must all equal bit 55 (the top byte is
        // exempt when ignored).
        let topBit: UInt64 = half.topByteIgnored ? 56 : 64
        let high = (va & ((topBit == 64 ? ~0 : (1 << topBit) - 1))) >> half.inputBits
        let expected: UInt64 = upper ? (1 << (topBit - half.inputBits)) - 1 : 0
        guard high == expected, !half.walksDisabled else { return .fault(status: FaultStatus.translation(level: 0)) }
        guard let memory = cluster?.memory else { return .fault(status: FaultStatus.externalAbortOnWalk(level: 0)) }

        let outputBits = intermediateAddressBits
        let g = half.granuleShift, stride = half.stride
        var level = half.startLevel
        // The first table holds the index bits left over above the other levels.
        let firstShift = g + stride * UInt64(3 - level)
        let firstTableBytes = UInt64(8) << (half.inputBits - firstShift)
        var table = half.tableBase & ~(max(firstTableBytes, 64) - 1)
        guard table >> outputBits == 0 else { return .fault(status: FaultStatus.addressSize(level: level)) }
        var noEL0 = false, readOnly = false, uxnTable = false, pxnTable = false
        while true {
            let shift = g + stride * UInt64(3 - level)
            let indexBits = level == half.startLevel ? half.inputBits - shift : stride
            let index = (va >> shift) & ((1 << indexBits) - 1)
            guard case .ram(let p, let available, _, _, _) = memory.target(of: table | index << 3), available >= 8 else {
                return .fault(status: FaultStatus.externalAbortOnWalk(level: level))
            }
            let d = UInt64(littleEndian: p.loadUnaligned(as: UInt64.self))
            guard d & 1 != 0 else { return .fault(status: FaultStatus.translation(level: level)) }
            let address = d & 0x0000_FFFF_FFFF_FFFF & ~((1 << g) - 1)
            if level < 3 && d & 2 != 0 {
                // A table descriptor: its APTable/XNTable bits restrict every later level.
                guard address >> outputBits == 0 else { return .fault(status: FaultStatus.addressSize(level: level)) }
                noEL0 = noEL0 || d & (1 << 61) != 0
                readOnly = readOnly || d & (1 << 62) != 0
                uxnTable = uxnTable || d & (1 << 60) != 0
                pxnTable = pxnTable || d & (1 << 59) != 0
                table = address
                level += 1
                continue
            }
            // A block (levels 1–2) or page (level 3, descriptor bits 0b11).
            let blockAllowed = level == 2 || (level == 1 && g == 12)
            guard level == 3 ? d & 2 != 0 : blockAllowed else { return .fault(status: FaultStatus.translation(level: level)) }
            let output = d & 0x0000_FFFF_FFFF_FFFF & ~((1 << shift) - 1)
            guard output >> outputBits == 0 else { return .fault(status: FaultStatus.addressSize(level: level)) }
            guard d & (1 << 10) != 0 else { return .fault(status: FaultStatus.accessFlag(level: level)) }
            let ap = (d >> 6) & 3
            let el0Access = ap & 1 != 0 && !noEL0
            let writable = ap & 2 == 0 && !readOnly
            let permitted: Bool
            switch (access, el) {
            case (.read, 0): permitted = el0Access
            case (.write, 0): permitted = el0Access && writable
            case (.fetch, 0): permitted = d & (1 << 54) == 0 && !uxnTable
            case (.read, _): permitted = true
            case (.write, _): permitted = writable
            case (.fetch, _):
                // PXN, and what EL0 may write EL1 never executes; with
                // SCTLR_EL1.WXN nothing writable executes.
                let wxn = sys.sctlr & (1 << 19) != 0 && writable
                permitted = d & (1 << 53) == 0 && !pxnTable && !(el0Access && writable) && !wxn
            }
            guard permitted else { return .fault(status: FaultStatus.permission(level: level)) }
            return .mapped(StageOneMapping(physical: output | (va & ((1 << shift) - 1)), sizeShift: shift,
                                           global: d & (1 << 11) == 0, attributeIndex: (d >> 2) & 7,
                                           shareability: (d >> 8) & 3))
        }
    }

    /// The translation hook for the soft-TLB's miss path at the current EL.
    /// With the MMU off, virtual = physical.
    public func translate(_ va: UInt64, for access: MemoryAccess) throws(GuestTrap) -> TranslatedPage {
        try translate(va, access, pc: st.pointee.pc)
    }

    /// Translates `va` for the instruction at `pc`; a fault is taken as a
    /// data or instruction abort (ESR, FAR) and thrown as `.delivered`.
    func translate(_ va: UInt64, _ access: MemoryAccess, pc: UInt64, el: UInt64? = nil) throws(GuestTrap) -> TranslatedPage {
        guard mmuEnabled else { return TranslatedPage(physical: va) }
        switch walk(va, access: access, el: el ?? currentEL) {
        case .mapped(let m):
            if m.sizeShift > 12 { largeMappingsInTLB = true }
            return TranslatedPage(physical: m.physical, space: currentASID, global: m.global)
        case .fault(let status):
            if access == .fetch {
                raiseInstructionAbort(pc, status: status)
            } else {
                throw raiseDataAbort(address: va, write: access == .write, status: status, pc: pc)
            }
            throw GuestTrap.delivered
        }
    }

    /// The physical address of `va` for a debugger, trace or diagnostic:
    /// no fault is taken and nothing is cached.
    func debugPhysical(_ va: UInt64) -> UInt64? {
        guard mmuEnabled else { return va }
        guard case .mapped(let m) = walk(va, access: .read, el: 1) else { return nil }
        return m.physical
    }

    // MARK: TLB maintenance

    /// Empties this core's TLB (translation registers written, EL change,
    /// TLBI of everything or of an ASID).
    func flushTLB() {
        tlb.flushAll()
        largeMappingsInTLB = false
    }

    /// TLBI by VA: drops the page; entries cut from a larger block cannot be
    /// told apart from 4 KiB pages, so while any are cached it drops all.
    func flushTLB(page va: UInt64) {
        if largeMappingsInTLB { flushTLB() } else { tlb.flush(page: va) }
    }

    /// TLBI (ARM ARM C5.5): the EL1&0 forms Linux uses, local or broadcast
    /// to the cluster's other cores (the IS forms; one host thread runs
    /// them all, so the broadcast is immediate). `key` is op1:CRn:CRm:op2.
    func tlbMaintenance(op1: UInt64, crm: UInt64, op2: UInt64, operand: UInt64) -> Bool {
        guard op1 == 0, crm == 3 || crm == 7 else { return false }
        let va = (operand & 0x0FFF_FFFF_FFFF) << 12
        let apply: (AArch64CPU) -> Void
        switch op2 {
        case 0, 2:                        // VMALLE1, ASIDE1
            apply = { $0.flushTLB() }
        case 1, 3, 5, 7:                  // VAE1, VAAE1, VALE1, VAALE1
            // Sign-extend from bit 55's half, as the VA of the operand names it.
            let full = operand & (1 << 43) != 0 ? va | 0xFFFF_0000_0000_0000 : va
            apply = { $0.flushTLB(page: full) }
        default:
            return false
        }
        apply(self)
        if crm == 3 {
            for cpu in cluster?.cpus ?? [] {
                if let other = cpu as? AArch64CPU, other !== self { apply(other) }
            }
        }
        return true
    }

    /// AT S1E1R/W, S1E0R/W: translates `va` as that access would and
    /// writes PAR_EL1 (ARM ARM D17.2.118); never faults.
    func addressTranslate(op1: UInt64, op2: UInt64, va: UInt64) -> Bool {
        guard op1 == 0, op2 < 4 else { return false }
        let access: MemoryAccess = op2 & 1 == 0 ? .read : .write
        let el: UInt64 = op2 < 2 ? 1 : 0
        let result: StageOneResult = mmuEnabled
            ? walk(va, access: access, el: el)
            : .mapped(StageOneMapping(physical: va, sizeShift: 12, global: true, attributeIndex: 0, shareability: 0))
        switch result {
        case .mapped(let m):
            let attributes = mmuEnabled ? (sys.mair >> (8 * m.attributeIndex)) & 0xFF : 0x44   // MMU off: Normal non-cacheable
            sys.par = attributes << 56 | (m.physical & 0x0000_FFFF_FFFF_F000) | 1 << 11 | 1 << 9 | m.shareability << 7
        case .fault(let status):
            sys.par = 1 << 11 | status << 1 | 1
        }
        return true
    }
}
