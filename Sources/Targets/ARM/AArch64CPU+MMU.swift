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

    /// The granule of a TG0 field (TCR_EL1 or TCR_EL2): 0 4 KiB, 1 64 KiB, 2 16 KiB.
    static func granule(tg0: UInt64) -> UInt64 {
        switch tg0 {
        case 1: return 16
        case 2: return 14
        default: return 12
        }
    }

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

    /// Is stage-1 translation on in the regime of exception level `el`
    /// (SCTLR_EL2.M at EL2, SCTLR_EL1.M at EL1 and EL0)?
    func mmuEnabled(el: UInt64) -> Bool { (el == 2 ? hyp.sctlr : sys.sctlr) & 1 != 0 }

    /// Is stage-1 translation on at the current EL?
    var mmuEnabled: Bool { mmuEnabled(el: currentEL) }

    /// The current ASID (TTBR0 or, with TCR_EL1.A1, TTBR1; 8 or 16 bits by
    /// TCR_EL1.AS); the EL2 regime has none (0).
    var currentASID: UInt32 {
        guard currentEL < 2 else { return 0 }
        let ttbr = sys.tcr & (1 << 22) != 0 ? sys.ttbr1 : sys.ttbr0
        let asid = ttbr >> 48
        return UInt32(sys.tcr & (1 << 36) != 0 ? asid : asid & 0xFF)
    }

    /// The translation parameters for `va` in the regime of `el`: the half
    /// of the EL1&0 regime bit 55 selects, or the single range of EL2's.
    func translationHalf(for va: UInt64, el: UInt64) -> TranslationHalf {
        if el == 2 {
            // TCR_EL2 (E2H = 0): T0SZ, TG0 and TBI at bit 20; no EPD.
            let tcr = hyp.tcr
            return TranslationHalf(granuleShift: TranslationHalf.granule(tg0: (tcr >> 14) & 3),
                                   inputBits: 64 - min(max(tcr & 63, 16), 39), topByteIgnored: tcr & (1 << 20) != 0,
                                   walksDisabled: false, tableBase: hyp.ttbr0 & 0x0000_FFFF_FFFF_FFFE)
        }
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
            granule = TranslationHalf.granule(tg0: (tcr >> 14) & 3)
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

    /// Output address size of TCR_EL1.IPS (TCR_EL2.PS at EL2), limited to
    /// what the core implements.
    func intermediateAddressBits(el: UInt64) -> UInt64 {
        let sizes: [UInt64] = [32, 36, 40, 42, 44, 48, 52, 52]
        let field = el == 2 ? (hyp.tcr >> 16) & 7 : (sys.tcr >> 32) & 7
        return min(sizes[Int(field)], AArch64CPU.physicalAddressBits)
    }

    /// Walks the stage-1 tables of the regime of `el` (EL1&0, or EL2) for
    /// `va` and checks that `access` is permitted at exception level `el`. Side-effect free (the core does
    /// not update access flags in hardware), so translation, AT and the
    /// debugger share it. Descriptors are read from RAM; a walk into
    /// anything else is a synchronous external abort on the walk.
    func walk(_ va: UInt64, access: MemoryAccess, el: UInt64) -> StageOneResult {
        let half = translationHalf(for: va, el: el)
        let upper = el < 2 && va & (1 << 55) != 0
        // Bits above the input range must all equal bit 55 (the top byte is
        // exempt when ignored).
        let topBit: UInt64 = half.topByteIgnored ? 56 : 64
        let high = (va & ((topBit == 64 ? ~0 : (1 << topBit) - 1))) >> half.inputBits
        let expected: UInt64 = upper ? (1 << (topBit - half.inputBits)) - 1 : 0
        guard high == expected, !half.walksDisabled else { return .fault(status: FaultStatus.translation(level: 0)) }
        guard let memory = cluster?.memory else { return .fault(status: FaultStatus.externalAbortOnWalk(level: 0)) }

        let outputBits = intermediateAddressBits(el: el)
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
            // EL2's regime has one privilege level: AP[1], APTable[0], PXN and nG are ignored.
            case (.fetch, 2):
                permitted = d & (1 << 54) == 0 && !uxnTable && !(hyp.sctlr & (1 << 19) != 0 && writable)
            case (.write, 2): permitted = writable
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
                                           global: el == 2 || d & (1 << 11) == 0, attributeIndex: (d >> 2) & 7,
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
        let el = el ?? currentEL
        guard mmuEnabled(el: el) else { return TranslatedPage(physical: va) }
        switch walk(va, access: access, el: el) {
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

    /// The physical address of `va` for a debugger, trace or diagnostic, in
    /// the regime of `el` (by default the current one): no fault is taken
    /// and nothing is cached.
    func debugPhysical(_ va: UInt64, el: UInt64? = nil) -> UInt64? {
        let el = max(el ?? currentEL, 1)
        guard mmuEnabled(el: el) else { return va }
        guard case .mapped(let m) = walk(va, access: .read, el: el) else { return nil }
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

    /// TLBI (ARM ARM C5.5): the EL1&0 forms Linux uses and, at EL2, the
    /// EL2 forms KVM uses, local or broadcast to the cluster's other cores
    /// (the IS forms; one host thread runs them all, so the broadcast is
    /// immediate). The TLB holds the current EL's translations only and is
    /// emptied on every EL change, so an operation on the other regime has
    /// nothing to drop beyond what it drops here. The caller checked the EL
    /// for op1 = 4.
    func tlbMaintenance(op1: UInt64, crm: UInt64, op2: UInt64, operand: UInt64) -> Bool {
        let va = (operand & 0x0FFF_FFFF_FFFF) << 12
        let apply: ((AArch64CPU) -> Void)?
        switch (op1, crm, op2) {
        case (0, 3, 0), (0, 7, 0), (0, 3, 2), (0, 7, 2):     // VMALLE1, ASIDE1
            apply = { $0.flushTLB() }
        case (0, 3, 1), (0, 7, 1), (0, 3, 3), (0, 7, 3), (0, 3, 5), (0, 7, 5), (0, 3, 7), (0, 7, 7):
            // VAE1, VAAE1, VALE1, VAALE1: sign-extend from bit 55's half, as the VA of the operand names it.
            let full = operand & (1 << 43) != 0 ? va | 0xFFFF_0000_0000_0000 : va
            apply = { $0.flushTLB(page: full) }
        case (4, 3, 0), (4, 7, 0), (4, 3, 4), (4, 7, 4), (4, 3, 6), (4, 7, 6):   // ALLE2, ALLE1, VMALLS12E1
            apply = { $0.flushTLB() }
        case (4, 3, 1), (4, 7, 1), (4, 3, 5), (4, 7, 5):     // VAE2, VALE2
            apply = { $0.flushTLB(page: va) }
        case (4, 0, 1), (4, 4, 1), (4, 0, 5), (4, 4, 5):     // IPAS2E1, IPAS2LE1: no stage 2 is cached
            apply = nil
        default:
            return false
        }
        guard let apply else { return true }
        apply(self)
        if crm == 3 {
            for cpu in cluster?.cpus ?? [] {
                if let other = cpu as? AArch64CPU, other !== self { apply(other) }
            }
        }
        return true
    }

    /// AT S1E1R/W, S1E0R/W and, at EL2, S1E2R/W and S12E1R/W, S12E0R/W
    /// (stage 2 is off, so those are the stage-1 answer): translates `va`
    /// as that access would and writes PAR_EL1 (ARM ARM D17.2.118); never
    /// faults. The caller checked the EL for op1 = 4.
    func addressTranslate(op1: UInt64, op2: UInt64, va: UInt64) -> Bool {
        let el: UInt64
        switch (op1, op2) {
        case (0, 0), (0, 1), (4, 4), (4, 5): el = 1
        case (0, 2), (0, 3), (4, 6), (4, 7): el = 0
        case (4, 0), (4, 1): el = 2
        default: return false
        }
        let access: MemoryAccess = op2 & 1 == 0 ? .read : .write
        let enabled = mmuEnabled(el: el)
        let result: StageOneResult = enabled
            ? walk(va, access: access, el: el)
            : .mapped(StageOneMapping(physical: va, sizeShift: 12, global: true, attributeIndex: 0, shareability: 0))
        switch result {
        case .mapped(let m):
            let mair = el == 2 ? hyp.mair : sys.mair
            let attributes = enabled ? (mair >> (8 * m.attributeIndex)) & 0xFF : 0x44   // MMU off: Normal non-cacheable
            sys.par = attributes << 56 | (m.physical & 0x0000_FFFF_FFFF_F000) | 1 << 11 | 1 << 9 | m.shareability << 7
        case .fault(let status):
            sys.par = 1 << 11 | status << 1 | 1
        }
        return true
    }
}
