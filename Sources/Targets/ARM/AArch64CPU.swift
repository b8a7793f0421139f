import ChimeraCore
import ChimeraCPUKit

/// Scalars the hot loop and its slow paths share, kept in one unsafe
/// allocation so no class property is touched per instruction.
struct HotState {
    /// PC of the next instruction when outside the loop; slow paths set it to redirect.
    var pc: UInt64 = 0
    /// Instructions retired before the running block (exact between blocks).
    var retired: UInt64 = 0
    /// Start of the running block.
    var blockPC: UInt64 = 0
    /// Bit 0: IRQ pending and unmasked; bit 1: FIQ pending and unmasked.
    var interruptPending: UInt32 = 0
    /// Exclusive monitor: address of the last LDXR, or `noExclusive`.
    var exclusiveAddress: UInt64 = .max
    var exclusiveValue: UInt64 = 0
    var exclusiveValueHigh: UInt64 = 0
    /// Non-zero when SCTLR_EL1.SA (or SA0 at EL0) checks SP alignment.
    var spAlignmentCheck: UInt32 = 0
    var fpcr: UInt64 = 0
    var fpsr: UInt64 = 0
}

/// An ARMv8-A core (AArch64 state, EL0/EL1, and EL2 with `reset-el` 2) with a predecoded-block interpreter.
///
/// State lives in unsafe buffers owned by the core; `run(budget:)` copies the
/// pointers into locals and dispatches with a `switch` over `OpKind` (see
/// `Documentation/ARM.md`, "Hot loop").
public final class AArch64CPU: CPUDevice, CodeWriteObserver {
    static let type = ObjectType(
        "cortex-a53", parent: "cpu",
        summary: "ARMv8-A core running A64 at EL0/EL1 and optionally EL2 (Cortex-A53-like IDs), with generic timer and PSCI",
        properties: [
            PropertyDescriptor("midr", .int(.uint64), default: .uint(0x410F_D034), access: .configuration,
                               doc: "MIDR_EL1 value (default: Cortex-A53 r0p4)"),
            PropertyDescriptor("mpidr", .int(.uint64), default: .uint(0x8000_0000), access: .configuration,
                               doc: "MPIDR_EL1 value (affinity fields identify the core for PSCI)"),
            PropertyDescriptor("psci-conduit", .enumeration(["auto", "none", "hvc", "smc"]), default: .string("auto"),
                               access: .configuration,
                               doc: "Instruction that reaches the PSCI firmware: auto is HVC, or SMC when the guest owns EL2 (reset-el 2)"),
            PropertyDescriptor("semihosting", .bool, default: true, access: .configuration,
                               doc: "Handle HLT #0xF000 as an Arm semihosting call"),
            PropertyDescriptor("reset-el", .int(.uint64), default: .uint(1), access: .configuration,
                               doc: "Exception level at reset and PSCI CPU_ON (0, 1, or 2: EL2 implemented, as QEMU's virtualization=on)"),
        ],
        pins: [
            PinDescriptor("irq", .input, doc: "Interrupt request from the GIC CPU interface"),
            PinDescriptor("fiq", .input, doc: "Fast interrupt request from the GIC CPU interface"),
            PinDescriptor("timer-phys", .output, doc: "Generic timer EL1 physical timer (PPI 30)"),
            PinDescriptor("timer-virt", .output, doc: "Generic timer virtual timer (PPI 27)"),
        ],
        instanceClass: AArch64CPU.self)

    // MARK: Hot state (unsafe buffers owned by the core)

    /// X0–X30, ZR, SP, sink, NZCV; see `Slot`.
    let regs: UnsafeMutablePointer<UInt64>
    /// V0–V31 as 32 × 2 little-endian 64-bit halves.
    let vregs: UnsafeMutablePointer<UInt64>
    let st: UnsafeMutablePointer<HotState>
    /// The soft-TLB, holding translations of the current EL and ASID only:
    /// it is emptied when either changes (see `flushTLB`).
    let tlb = SoftTLB()
    /// Some entry came from a block larger than a page (`flushTLB(page:)`).
    var largeMappingsInTLB = false
    /// What runs the translated blocks (its `Interpreter` unless replaced).
    var executor: (any BlockExecutor<Op>)!
    /// Translated blocks, keyed by the host address of their first
    /// instruction and tagged with its virtual PC (decoded ops hold
    /// absolute branch targets and literal addresses); see `cachedBlock`.
    let blocks = BlockCache<Op>(capacity: AArch64CPU.opCapacity, maxBlock: AArch64CPU.maxBlockOps, filler: .undefined)

    static let opCapacity = 1 << 20
    static let maxBlockOps = 64

    // MARK: Translation bookkeeping (cold)

    var mapGeneration: UInt64 = .max
    var translatedWithFPTrap = false

    // MARK: System state (cold)

    var currentEL: UInt64 = 1
    var spSel: UInt64 = 1
    var daif: UInt64 = 0x3C0
    var spEL0: UInt64 = 0
    var spEL1: UInt64 = 0
    var spEL2: UInt64 = 0
    var sys = SystemRegisterFile()
    /// EL2's registers (AArch64CPU+EL2.swift), used only when `hasEL2`.
    var hyp = HypervisorRegisterFile()
    /// EL2 is implemented (`reset-el` 2): HVC and the EL2 registers belong to the guest.
    var hasEL2 = false
    var irqLevel = false
    var fiqLevel = false
    var eventRegister = false
    /// The counter value when the event register was last cleared: event-stream edges after it set it.
    var eventStreamMark: UInt64 = 0
    /// Halted in WFE (not WFI): events wake the core as well as interrupts.
    var waitingForEvent = false
    /// Set while halted in WFE with an open exclusive monitor (AArch64CPU+Events.swift).
    var monitorWait: MonitorWait?
    var timer: GenericTimer!
    /// The GICv3 CPU interface for ICC_* MRS/MSR, set when a GICv3 of the cluster is realized; nil: UNDEFINED.
    var gicInterface: (any GICSystemRegisterInterface)?
    var psciConduit = "hvc"
    var semihostingEnabled = true
    /// Where semihosting console output goes (default: the host's standard output).
    public var semihostingOutput: (UInt8) -> Void = { HostOutput.writeStandardOutput($0) }
    /// Guest exit recorded by semihosting or PSCI SYSTEM_OFF, returned by `run`.
    var pendingStop: StopReason?
    /// Vector entry of the last exception taken, to catch a handler that faults on its first instruction.
    var lastVectorTaken: UInt64 = .max

    public required init(_ creation: ObjectCreation) {
        regs = .allocate(capacity: Slot.count)
        regs.initialize(repeating: 0, count: Slot.count)
        vregs = .allocate(capacity: 64)
        vregs.initialize(repeating: 0, count: 64)
        st = .allocate(capacity: 1)
        st.initialize(to: HotState())
        super.init(creation)
        timer = GenericTimer(cpu: self)
        executor = Interpreter { [unowned(unsafe) self] first, end throws(GuestTrap) in try self.runBlocks(first, until: end) }
    }

    deinit {
        regs.deallocate()
        vregs.deallocate()
        st.deallocate()
        tlb.deallocate()
        blocks.deallocate()
    }

    override public func realize() throws(ChimeraError) {
        let resetEL = uintProperty("reset-el")
        guard resetEL <= 2 else {
            throw ChimeraError.object(path, "reset-el \(resetEL) is not an exception level this core has (0, 1 or 2)")
        }
        hasEL2 = resetEL == 2
        if stringProperty("psci-conduit") == "auto" { try setProperty("psci-conduit", .string(hasEL2 ? "smc" : "hvc")) }
        psciConduit = stringProperty("psci-conduit")
        if hasEL2 && psciConduit == "hvc" {
            throw ChimeraError.object(path, "psci-conduit hvc cannot reach the firmware when the guest owns EL2 (reset-el 2): "
                                      + "HVC traps to the guest's hypervisor; use smc or auto")
        }
        semihostingEnabled = boolProperty("semihosting")
        try super.realize()
    }

    // MARK: CPU protocol

    override public var architecture: Architecture { .aarch64 }

    override public var instructionsRetired: UInt64 { st.pointee.retired }

    override public var programCounter: UInt64 {
        get { st.pointee.pc }
        set { st.pointee.pc = newValue }
    }

    override public func resetCPU() {
        regs.update(repeating: 0, count: Slot.count)
        vregs.update(repeating: 0, count: 64)
        let retired = st.pointee.retired
        st.pointee = HotState()
        st.pointee.retired = retired
        st.pointee.pc = uintProperty("reset-pc")
        currentEL = min(uintProperty("reset-el"), 2)
        spSel = currentEL == 0 ? 0 : 1
        daif = 0x3C0
        spEL0 = 0
        spEL1 = 0
        spEL2 = 0
        sys = SystemRegisterFile()
        sys.midr = uintProperty("midr")
        sys.mpidr = uintProperty("mpidr") | 0x8000_0000
        hyp = HypervisorRegisterFile()
        hyp.vpidr = sys.midr
        hyp.vmpidr = sys.mpidr
        eventRegister = false
        eventStreamMark = 0
        monitorWait = nil
        waitingForEvent = false
        pendingStop = nil
        timer?.reset()
        flushTranslations()
        flushTLB()
        systemStateChanged()
    }

    override public var registerNames: [String] { AArch64CPU.registerNameList }

    override public func readRegister(_ name: String) -> UInt64? { readRegisterValue(name) }

    /// The instruction at virtual `address` for traces, translated as EL1 would without faulting.
    override public func disassemble(at address: UInt64) -> String {
        guard let pa = debugPhysical(address), let word = cluster?.memory.read(pa, size: 4) else { return "<unmapped>" }
        return A64Disassembler.disassemble(UInt32(truncatingIfNeeded: word), pc: address)
    }

    override public func writeRegister(_ name: String, _ value: UInt64) -> Bool { writeRegisterValue(name, value) }

    override public func debugTranslate(_ address: UInt64) -> UInt64? { debugPhysical(address) }

    /// Pages with a breakpoint must miss the fetch TLB, and no block may run past one.
    override public func breakpointsChanged() {
        flushTLB()
        flushTranslations()
    }

    /// Watched pages must miss the read TLB (stores see the mark themselves).
    override public func watchpointsChanged() { flushTLB() }

    /// WFI wakes on interrupts (masked or not); WFE also on events (AArch64CPU+Events.swift).
    override public var hasPendingWakeup: Bool {
        irqLevel || fiqLevel || virtualInterruptPending || (waitingForEvent && (eventRegister || monitorCleared))
    }

    override public func inputChanged(group: String, index: Int, level: Bool) {
        switch group {
        case "irq": irqLevel = level
        case "fiq": fiqLevel = level
        default: return
        }
        updateInterruptPending()
        if level { requestStop() }
    }

    // MARK: The run loop

    override public func run(budget: UInt64) -> StopReason {
        switch powerState {
        case .off: return .poweredOff
        case .stopped: return pendingStop ?? .halted
        case .halted:
            guard hasPendingWakeup else { return .halted }
            if waitingForEvent { eventRegister = false }
            waitingForEvent = false
            monitorWait = nil
            powerState = .running
        case .running: break
        }
        if let cluster, cluster.memory.generation != mapGeneration {
            mapGeneration = cluster.memory.generation
            flushTLB()
            flushTranslations()
        }
        let reason = withExtendedLifetime(self) { execute(budget: budget) }
        return reason
    }

    /// The run loop: interrupts, block lookup and translation between
    /// chains of blocks, which the executor runs. Returns when the budget
    /// is spent, the stop flag is raised, or the guest halts, exits or
    /// faults unrecoverably.
    private func execute(budget: UInt64) -> StopReason {
        let st = self.st
        let stop = stopFlag
        let end = st.pointee.retired &+ budget
        while st.pointee.retired < end {
            if _slowPath(stop.pointee != 0) { break }
            if _slowPath(st.pointee.interruptPending != 0) {
                takeInterrupt()
                if let s = pendingStop { return finishStop(s) }
            }
            let pc = st.pointee.pc
            guard let entry = cachedBlock(pc) ?? lookupOrTranslate(pc) else {
                // Instruction abort was delivered (or the guest cannot take it).
                if let s = pendingStop { return finishStop(s) }
                continue
            }
            if executor.execute(entry, until: end) != nil {
                // `leave`: WFI/WFE halted the core, or the guest exited or faulted for good.
                if let s = pendingStop { return finishStop(s) }
                return .halted
            }
        }
        // A device write may have asked for an exit (`deviceAsked`).
        if let s = pendingStop { return finishStop(s) }
        return .budgetExhausted
    }

    /// The switch interpreter (behind `Interpreter`): runs the block
    /// `first` at `st.pc`, then its successors while they are translated,
    /// nothing is pending and the budget lasts. Leaves `st.pc` at the next
    /// instruction; throws `GuestTrap.leave` when the run must stop.
    @inline(never)
    func runBlocks(_ first: A64Block, until end: UInt64) throws(GuestTrap) {
        let r = regs
        let st = self.st
        let stop = stopFlag
        var pc = st.pointee.pc
        var entry = first
        while true {
            st.pointee.blockPC = pc
            let count = Int(min(UInt64(entry.count), end &- st.pointee.retired))
            let block = UnsafePointer(entry.code.unsafelyUnwrapped)
            var next = pc &+ UInt64(count) &* 4
            var i = 0
            var exit: UInt8 = 0      // 0 normal, 1 redirect (st.pc) counted, 2 redirect not counted, 3 stop
            do {
            inner: while i < count {
                let op = block[i]
                switch op.kind {
                // MARK: Data processing (immediate)
                case .movImm:
                    r[Int(op.rd)] = op.imm
                case .addImm64:
                    r[Int(op.rd)] = r[Int(op.rn)] &+ op.imm
                case .addImm32:
                    r[Int(op.rd)] = UInt64(UInt32(truncatingIfNeeded: r[Int(op.rn)] &+ op.imm))
                case .subImm64:
                    r[Int(op.rd)] = r[Int(op.rn)] &- op.imm
                case .subImm32:
                    r[Int(op.rd)] = UInt64(UInt32(truncatingIfNeeded: r[Int(op.rn)] &- op.imm))
                case .addsImm64:
                    r[Int(op.rd)] = addWithCarry64(r[Int(op.rn)], op.imm, 0, r)
                case .addsImm32:
                    r[Int(op.rd)] = addWithCarry32(r[Int(op.rn)], op.imm, 0, r)
                case .subsImm64:
                    r[Int(op.rd)] = addWithCarry64(r[Int(op.rn)], ~op.imm, 1, r)
                case .subsImm32:
                    r[Int(op.rd)] = addWithCarry32(r[Int(op.rn)], ~op.imm, 1, r)
                case .andImm:
                    r[Int(op.rd)] = r[Int(op.rn)] & op.imm
                case .orrImm:
                    r[Int(op.rd)] = (r[Int(op.rn)] | op.imm) & (op.ra == 1 ? 0xFFFF_FFFF : ~0)
                case .eorImm:
                    r[Int(op.rd)] = (r[Int(op.rn)] ^ op.imm) & (op.ra == 1 ? 0xFFFF_FFFF : ~0)
                case .andsImm64:
                    let v = r[Int(op.rn)] & op.imm
                    r[Slot.nzcv] = logicFlags64(v)
                    r[Int(op.rd)] = v
                case .andsImm32:
                    let v = r[Int(op.rn)] & op.imm & 0xFFFF_FFFF
                    r[Slot.nzcv] = logicFlags32(v)
                    r[Int(op.rd)] = v
                case .movk:
                    let shift = UInt64(op.aux)
                    var v = (r[Int(op.rd)] & ~(0xFFFF &<< shift)) | (op.imm &<< shift)
                    if op.ra == 1 { v &= 0xFFFF_FFFF }
                    r[Int(op.rd)] = v
                case .lslImm64:
                    r[Int(op.rd)] = r[Int(op.rn)] &<< UInt64(op.aux)
                case .lslImm32:
                    r[Int(op.rd)] = UInt64(UInt32(truncatingIfNeeded: r[Int(op.rn)]) &<< UInt32(op.aux))
                case .lsrImm64:
                    r[Int(op.rd)] = r[Int(op.rn)] &>> UInt64(op.aux)
                case .lsrImm32:
                    r[Int(op.rd)] = UInt64(UInt32(truncatingIfNeeded: r[Int(op.rn)]) &>> UInt32(op.aux))
                case .asrImm64:
                    r[Int(op.rd)] = UInt64(bitPattern: Int64(bitPattern: r[Int(op.rn)]) &>> Int64(op.aux))
                case .asrImm32:
                    r[Int(op.rd)] = UInt64(UInt32(bitPattern: Int32(truncatingIfNeeded: r[Int(op.rn)]) &>> Int32(op.aux)))
                case .ubfx:
                    r[Int(op.rd)] = (r[Int(op.rn)] &>> UInt64(op.aux)) & op.imm
                case .ubfiz:
                    r[Int(op.rd)] = (r[Int(op.rn)] & op.imm) &<< UInt64(op.aux)
                case .sbfx64, .sbfx32:
                    let v = UInt64(bitPattern: Int64(bitPattern: r[Int(op.rn)] &<< UInt64(op.aux & 0xFF)) &>> Int64(op.aux >> 8))
                    r[Int(op.rd)] = op.kind == .sbfx64 ? v : v & 0xFFFF_FFFF
                case .sbfiz64, .sbfiz32:
                    let left = UInt64(op.aux & 0xFF)
                    let v = UInt64(bitPattern: Int64(bitPattern: r[Int(op.rn)] &<< left) &>> Int64(left)) &<< UInt64(op.aux >> 8)
                    r[Int(op.rd)] = op.kind == .sbfiz64 ? v : v & 0xFFFF_FFFF
                case .ubfm64, .ubfm32, .sbfm64, .sbfm32, .bfm64, .bfm32:
                    r[Int(op.rd)] = bitfield(op, r)
                case .extr64:
                    let lsb = UInt64(op.aux)
                    r[Int(op.rd)] = lsb == 0 ? r[Int(op.rm)] : (r[Int(op.rm)] &>> lsb) | (r[Int(op.rn)] &<< (64 &- lsb))
                case .extr32:
                    let lsb = UInt64(op.aux)
                    let lo = r[Int(op.rm)] & 0xFFFF_FFFF, hi = r[Int(op.rn)] & 0xFFFF_FFFF
                    r[Int(op.rd)] = ((hi << 32 | lo) &>> lsb) & 0xFFFF_FFFF

                // MARK: Data processing (register)
                case .movReg64:
                    r[Int(op.rd)] = r[Int(op.rm)]
                case .movReg32:
                    r[Int(op.rd)] = r[Int(op.rm)] & 0xFFFF_FFFF
                case .addLSL64:
                    r[Int(op.rd)] = r[Int(op.rn)] &+ (r[Int(op.rm)] &<< UInt64(op.aux))
                case .subLSL64:
                    r[Int(op.rd)] = r[Int(op.rn)] &- (r[Int(op.rm)] &<< UInt64(op.aux))
                case .addLSL32:
                    r[Int(op.rd)] = (r[Int(op.rn)] &+ (r[Int(op.rm)] &<< UInt64(op.aux))) & 0xFFFF_FFFF
                case .subLSL32:
                    r[Int(op.rd)] = (r[Int(op.rn)] &- (r[Int(op.rm)] &<< UInt64(op.aux))) & 0xFFFF_FFFF
                case .subsLSL64:
                    r[Int(op.rd)] = addWithCarry64(r[Int(op.rn)], ~(r[Int(op.rm)] &<< UInt64(op.aux)), 1, r)
                case .subsLSL32:
                    r[Int(op.rd)] = addWithCarry32(r[Int(op.rn)], ~(r[Int(op.rm)] &<< UInt64(op.aux)), 1, r)
                case .addSR64:
                    r[Int(op.rd)] = r[Int(op.rn)] &+ shifted64(r[Int(op.rm)], op.aux)
                case .addSR32:
                    r[Int(op.rd)] = (r[Int(op.rn)] &+ shifted32(r[Int(op.rm)], op.aux)) & 0xFFFF_FFFF
                case .subSR64:
                    r[Int(op.rd)] = r[Int(op.rn)] &- shifted64(r[Int(op.rm)], op.aux)
                case .subSR32:
                    r[Int(op.rd)] = (r[Int(op.rn)] &- shifted32(r[Int(op.rm)], op.aux)) & 0xFFFF_FFFF
                case .addsSR64:
                    r[Int(op.rd)] = addWithCarry64(r[Int(op.rn)], shifted64(r[Int(op.rm)], op.aux), 0, r)
                case .addsSR32:
                    r[Int(op.rd)] = addWithCarry32(r[Int(op.rn)], shifted32(r[Int(op.rm)], op.aux), 0, r)
                case .subsSR64:
                    r[Int(op.rd)] = addWithCarry64(r[Int(op.rn)], ~shifted64(r[Int(op.rm)], op.aux), 1, r)
                case .subsSR32:
                    r[Int(op.rd)] = addWithCarry32(r[Int(op.rn)], ~shifted32(r[Int(op.rm)], op.aux), 1, r)
                case .andSR64:
                    r[Int(op.rd)] = r[Int(op.rn)] & logicOperand64(r[Int(op.rm)], op.aux)
                case .andSR32:
                    r[Int(op.rd)] = r[Int(op.rn)] & logicOperand32(r[Int(op.rm)], op.aux)
                case .orrSR64:
                    r[Int(op.rd)] = r[Int(op.rn)] | logicOperand64(r[Int(op.rm)], op.aux)
                case .orrSR32:
                    r[Int(op.rd)] = (r[Int(op.rn)] | logicOperand32(r[Int(op.rm)], op.aux)) & 0xFFFF_FFFF
                case .eorSR64:
                    r[Int(op.rd)] = r[Int(op.rn)] ^ logicOperand64(r[Int(op.rm)], op.aux)
                case .eorSR32:
                    r[Int(op.rd)] = (r[Int(op.rn)] ^ logicOperand32(r[Int(op.rm)], op.aux)) & 0xFFFF_FFFF
                case .andsSR64:
                    let v = r[Int(op.rn)] & logicOperand64(r[Int(op.rm)], op.aux)
                    r[Slot.nzcv] = logicFlags64(v)
                    r[Int(op.rd)] = v
                case .andsSR32:
                    let v = r[Int(op.rn)] & logicOperand32(r[Int(op.rm)], op.aux) & 0xFFFF_FFFF
                    r[Slot.nzcv] = logicFlags32(v)
                    r[Int(op.rd)] = v
                case .addExt, .subExt, .addsExt, .subsExt:
                    addSubExtended(op, r)
                case .adc, .sbc, .adcs, .sbcs:
                    addSubCarry(op, r)
                case .ccmp, .ccmn:
                    conditionalCompare(op, r)
                case .csel:
                    let v = conditionHolds(op.condition, r[Slot.nzcv]) ? r[Int(op.rn)] : r[Int(op.rm)]
                    r[Int(op.rd)] = op.aux & 0x100 != 0 ? v : v & 0xFFFF_FFFF
                case .csinc:
                    let v = conditionHolds(op.condition, r[Slot.nzcv]) ? r[Int(op.rn)] : r[Int(op.rm)] &+ 1
                    r[Int(op.rd)] = op.aux & 0x100 != 0 ? v : v & 0xFFFF_FFFF
                case .csinv:
                    let v = conditionHolds(op.condition, r[Slot.nzcv]) ? r[Int(op.rn)] : ~r[Int(op.rm)]
                    r[Int(op.rd)] = op.aux & 0x100 != 0 ? v : v & 0xFFFF_FFFF
                case .csneg:
                    let v = conditionHolds(op.condition, r[Slot.nzcv]) ? r[Int(op.rn)] : 0 &- r[Int(op.rm)]
                    r[Int(op.rd)] = op.aux & 0x100 != 0 ? v : v & 0xFFFF_FFFF
                case .rbit64, .rbit32, .rev16_64, .rev16_32, .rev32_64, .rev64, .rev32, .clz64, .clz32, .cls64, .cls32:
                    r[Int(op.rd)] = dataProcessing1Source(op.kind, r[Int(op.rn)])
                case .udiv64:
                    let d = r[Int(op.rm)]
                    r[Int(op.rd)] = d == 0 ? 0 : r[Int(op.rn)] / d
                case .udiv32:
                    let d = UInt32(truncatingIfNeeded: r[Int(op.rm)])
                    r[Int(op.rd)] = d == 0 ? 0 : UInt64(UInt32(truncatingIfNeeded: r[Int(op.rn)]) / d)
                case .sdiv64:
                    let d = Int64(bitPattern: r[Int(op.rm)]), n = Int64(bitPattern: r[Int(op.rn)])
                    r[Int(op.rd)] = d == 0 ? 0 : (d == -1 ? 0 &- UInt64(bitPattern: n) : UInt64(bitPattern: n / d))
                case .sdiv32:
                    let d = Int32(truncatingIfNeeded: r[Int(op.rm)]), n = Int32(truncatingIfNeeded: r[Int(op.rn)])
                    r[Int(op.rd)] = d == 0 ? 0 : UInt64(UInt32(bitPattern: d == -1 ? 0 &- n : n / d))
                case .lslv64:
                    r[Int(op.rd)] = r[Int(op.rn)] &<< (r[Int(op.rm)] & 63)
                case .lslv32:
                    r[Int(op.rd)] = UInt64(UInt32(truncatingIfNeeded: r[Int(op.rn)]) &<< UInt32(r[Int(op.rm)] & 31))
                case .lsrv64:
                    r[Int(op.rd)] = r[Int(op.rn)] &>> (r[Int(op.rm)] & 63)
                case .lsrv32:
                    r[Int(op.rd)] = UInt64(UInt32(truncatingIfNeeded: r[Int(op.rn)]) &>> UInt32(r[Int(op.rm)] & 31))
                case .asrv64:
                    r[Int(op.rd)] = UInt64(bitPattern: Int64(bitPattern: r[Int(op.rn)]) &>> Int64(r[Int(op.rm)] & 63))
                case .asrv32:
                    r[Int(op.rd)] = UInt64(UInt32(bitPattern: Int32(truncatingIfNeeded: r[Int(op.rn)]) &>> Int32(r[Int(op.rm)] & 31)))
                case .rorv64:
                    r[Int(op.rd)] = rotateRight64(r[Int(op.rn)], r[Int(op.rm)] & 63)
                case .rorv32:
                    r[Int(op.rd)] = rotateRight32(r[Int(op.rn)], r[Int(op.rm)] & 31)
                case .madd64:
                    r[Int(op.rd)] = r[Int(op.ra)] &+ r[Int(op.rn)] &* r[Int(op.rm)]
                case .madd32:
                    r[Int(op.rd)] = (r[Int(op.ra)] &+ r[Int(op.rn)] &* r[Int(op.rm)]) & 0xFFFF_FFFF
                case .msub64:
                    r[Int(op.rd)] = r[Int(op.ra)] &- r[Int(op.rn)] &* r[Int(op.rm)]
                case .msub32:
                    r[Int(op.rd)] = (r[Int(op.ra)] &- r[Int(op.rn)] &* r[Int(op.rm)]) & 0xFFFF_FFFF
                case .smaddl, .smsubl, .umaddl, .umsubl, .smulh, .umulh:
                    r[Int(op.rd)] = multiplyLong(op, r)

                // MARK: Branches
                case .b:
                    next = op.imm; i += 1; break inner
                case .bl:
                    r[30] = pc &+ UInt64(i) &* 4 &+ 4
                    next = op.imm; i += 1; break inner
                case .bcond:
                    if op.branchTaken(nzcv: UInt16(truncatingIfNeeded: r[Slot.nzcv] &>> 28)) { next = op.imm; i += 1; break inner }
                case .cbz64:
                    if r[Int(op.rd)] == 0 { next = op.imm; i += 1; break inner }
                case .cbz32:
                    if r[Int(op.rd)] & 0xFFFF_FFFF == 0 { next = op.imm; i += 1; break inner }
                case .cbnz64:
                    if r[Int(op.rd)] != 0 { next = op.imm; i += 1; break inner }
                case .cbnz32:
                    if r[Int(op.rd)] & 0xFFFF_FFFF != 0 { next = op.imm; i += 1; break inner }
                case .tbz:
                    if (r[Int(op.rd)] >> UInt64(op.aux)) & 1 == 0 { next = op.imm; i += 1; break inner }
                case .tbnz:
                    if (r[Int(op.rd)] >> UInt64(op.aux)) & 1 != 0 { next = op.imm; i += 1; break inner }
                case .br, .ret:
                    next = r[Int(op.rn)]; i += 1; break inner
                case .blr:
                    next = r[Int(op.rn)]
                    r[30] = pc &+ UInt64(i) &* 4 &+ 4
                    i += 1; break inner

                // MARK: Loads and stores (integer)
                case .ldrxOff:
                    let v = try read(UInt64.self, r[Int(op.rn)] &+ op.imm, pc &+ UInt64(i) &* 4)
                    r[Int(op.rd)] = v
                case .ldrwOff:
                    let v = try read(UInt32.self, r[Int(op.rn)] &+ op.imm, pc &+ UInt64(i) &* 4)
                    r[Int(op.rd)] = v
                case .ldrhOff:
                    let v = try read(UInt16.self, r[Int(op.rn)] &+ op.imm, pc &+ UInt64(i) &* 4)
                    r[Int(op.rd)] = v
                case .ldrbOff:
                    let v = try read(UInt8.self, r[Int(op.rn)] &+ op.imm, pc &+ UInt64(i) &* 4)
                    r[Int(op.rd)] = v
                case .strxOff:
                    try write(UInt64.self, r[Int(op.rn)] &+ op.imm, r[Int(op.rd)], pc &+ UInt64(i) &* 4)
                case .strwOff:
                    try write(UInt32.self, r[Int(op.rn)] &+ op.imm, r[Int(op.rd)], pc &+ UInt64(i) &* 4)
                case .strhOff:
                    try write(UInt16.self, r[Int(op.rn)] &+ op.imm, r[Int(op.rd)], pc &+ UInt64(i) &* 4)
                case .strbOff:
                    try write(UInt8.self, r[Int(op.rn)] &+ op.imm, r[Int(op.rd)], pc &+ UInt64(i) &* 4)
                case .ldrx:
                    let base = r[Int(op.rn)]
                    let a = try effectiveAddress(op, base, r, pc &+ UInt64(i) &* 4)
                    let v = try read(UInt64.self, a, pc &+ UInt64(i) &* 4)
                    writeBack(op, base, r)
                    r[Int(op.rd)] = v
                case .ldrw:
                    let base = r[Int(op.rn)]
                    let a = try effectiveAddress(op, base, r, pc &+ UInt64(i) &* 4)
                    let v = try read(UInt32.self, a, pc &+ UInt64(i) &* 4)
                    writeBack(op, base, r)
                    r[Int(op.rd)] = v
                case .ldrh:
                    let base = r[Int(op.rn)]
                    let a = try effectiveAddress(op, base, r, pc &+ UInt64(i) &* 4)
                    let v = try read(UInt16.self, a, pc &+ UInt64(i) &* 4)
                    writeBack(op, base, r)
                    r[Int(op.rd)] = v
                case .ldrb:
                    let base = r[Int(op.rn)]
                    let a = try effectiveAddress(op, base, r, pc &+ UInt64(i) &* 4)
                    let v = try read(UInt8.self, a, pc &+ UInt64(i) &* 4)
                    writeBack(op, base, r)
                    r[Int(op.rd)] = v
                case .ldrsw, .ldrsh64, .ldrsb64, .ldrsh32, .ldrsb32:
                    let base = r[Int(op.rn)]
                    let a = try effectiveAddress(op, base, r, pc &+ UInt64(i) &* 4)
                    let v: UInt64
                    switch op.kind {
                    case .ldrsw: v = UInt64(bitPattern: Int64(Int32(truncatingIfNeeded: try read(UInt32.self, a, pc &+ UInt64(i) &* 4))))
                    case .ldrsh64: v = UInt64(bitPattern: Int64(Int16(truncatingIfNeeded: try read(UInt16.self, a, pc &+ UInt64(i) &* 4))))
                    case .ldrsb64: v = UInt64(bitPattern: Int64(Int8(truncatingIfNeeded: try read(UInt8.self, a, pc &+ UInt64(i) &* 4))))
                    case .ldrsh32: v = UInt64(UInt32(bitPattern: Int32(Int16(truncatingIfNeeded: try read(UInt16.self, a, pc &+ UInt64(i) &* 4)))))
                    default: v = UInt64(UInt32(bitPattern: Int32(Int8(truncatingIfNeeded: try read(UInt8.self, a, pc &+ UInt64(i) &* 4)))))
                    }
                    writeBack(op, base, r)
                    r[Int(op.rd)] = v
                case .strx:
                    let base = r[Int(op.rn)]
                    let a = try effectiveAddress(op, base, r, pc &+ UInt64(i) &* 4)
                    try write(UInt64.self, a, r[Int(op.rd)], pc &+ UInt64(i) &* 4)
                    writeBack(op, base, r)
                case .strw:
                    let base = r[Int(op.rn)]
                    let a = try effectiveAddress(op, base, r, pc &+ UInt64(i) &* 4)
                    try write(UInt32.self, a, r[Int(op.rd)], pc &+ UInt64(i) &* 4)
                    writeBack(op, base, r)
                case .strh:
                    let base = r[Int(op.rn)]
                    let a = try effectiveAddress(op, base, r, pc &+ UInt64(i) &* 4)
                    try write(UInt16.self, a, r[Int(op.rd)], pc &+ UInt64(i) &* 4)
                    writeBack(op, base, r)
                case .strb:
                    let base = r[Int(op.rn)]
                    let a = try effectiveAddress(op, base, r, pc &+ UInt64(i) &* 4)
                    try write(UInt8.self, a, r[Int(op.rd)], pc &+ UInt64(i) &* 4)
                    writeBack(op, base, r)
                case .ldpx:
                    let base = r[Int(op.rn)]
                    let a = try effectiveAddress(op, base, r, pc &+ UInt64(i) &* 4)
                    let v1 = try read(UInt64.self, a, pc &+ UInt64(i) &* 4)
                    let v2 = try read(UInt64.self, a &+ 8, pc &+ UInt64(i) &* 4)
                    writeBack(op, base, r)
                    r[Int(op.rd)] = v1
                    r[Int(op.ra)] = v2
                case .ldpw, .ldpsw:
                    let base = r[Int(op.rn)]
                    let a = try effectiveAddress(op, base, r, pc &+ UInt64(i) &* 4)
                    var v1 = try read(UInt32.self, a, pc &+ UInt64(i) &* 4)
                    var v2 = try read(UInt32.self, a &+ 4, pc &+ UInt64(i) &* 4)
                    if op.kind == .ldpsw {
                        v1 = UInt64(bitPattern: Int64(Int32(truncatingIfNeeded: v1)))
                        v2 = UInt64(bitPattern: Int64(Int32(truncatingIfNeeded: v2)))
                    }
                    writeBack(op, base, r)
                    r[Int(op.rd)] = v1
                    r[Int(op.ra)] = v2
                case .stpx:
                    let base = r[Int(op.rn)]
                    let a = try effectiveAddress(op, base, r, pc &+ UInt64(i) &* 4)
                    let v1 = r[Int(op.rd)], v2 = r[Int(op.ra)]
                    try write(UInt64.self, a, v1, pc &+ UInt64(i) &* 4)
                    try write(UInt64.self, a &+ 8, v2, pc &+ UInt64(i) &* 4)
                    writeBack(op, base, r)
                case .stpw:
                    let base = r[Int(op.rn)]
                    let a = try effectiveAddress(op, base, r, pc &+ UInt64(i) &* 4)
                    let v1 = r[Int(op.rd)], v2 = r[Int(op.ra)]
                    try write(UInt32.self, a, v1, pc &+ UInt64(i) &* 4)
                    try write(UInt32.self, a &+ 4, v2, pc &+ UInt64(i) &* 4)
                    writeBack(op, base, r)
                case .prfm, .nop, .yield:
                    break
                case .undefined:
                    st.pointee.pc = pc &+ UInt64(i) &* 4
                    if op.aux == 1 {
                        raiseFPAccessTrap()
                    } else {
                        raiseUndefined()
                    }
                    exit = 2; break inner

                // MARK: Everything else: out of line
                default:
                    let here = pc &+ UInt64(i) &* 4
                    st.pointee.pc = here
                    st.pointee.blockPC = pc
                    let outcome = try executeOutOfLine(op, at: here, index: i)
                    if outcome == 0 { break }
                    exit = outcome
                    break inner
                }
                i += 1
            }
            } catch {
                // A synchronous exception was taken (`GuestTrap.delivered`):
                // the faulting instruction does not retire.
                exit = 2
            }
            switch exit {
            case 0:
                st.pointee.retired &+= UInt64(i)
                pc = next
            case 1:
                // The instruction completed and redirected (ERET, exception-generating, MSR).
                st.pointee.retired &+= UInt64(i) &+ 1
                pc = st.pointee.pc
            case 2:
                // A synchronous exception: the faulting instruction does not retire.
                st.pointee.retired &+= UInt64(i)
                pc = st.pointee.pc
                if pendingStop != nil { throw GuestTrap.leave }
            default:
                // Stop the run (WFI, exit); st.pc holds the resume point.
                st.pointee.retired &+= UInt64(i) &+ (exit == 3 ? 1 : 0)
                throw GuestTrap.leave
            }
            st.pointee.pc = pc
            if st.pointee.retired >= end || stop.pointee != 0 || st.pointee.interruptPending != 0 { return }
            guard let e = cachedBlock(pc) else { return }
            entry = e
        }
    }

    private func finishStop(_ s: StopReason) -> StopReason {
        switch s {
        case .halted, .breakpoint, .watchpoint: break
        default: powerState = .stopped
        }
        if case .poweredOff = s { powerState = .off; pendingStop = nil }
        switch s {
        case .halted, .breakpoint, .watchpoint: pendingStop = nil
        default: break
        }
        return s
    }
}
