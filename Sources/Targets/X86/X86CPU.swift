import ChimeraCore
import ChimeraCPUKit

/// An x86-64 core: 64-bit long mode, integer ISA, SSE/SSE2, 4-level paging,
/// IDT exceptions and interrupts, SYSCALL/SYSRET, a local APIC.
///
/// The hot loop runs pre-decoded blocks (`DecodedInstruction`, 24 bytes)
/// cached by host address of the guest code, with lazy flags and a
/// direct-mapped software TLB; see `Documentation/X86.md`.
public final class X86CPU: CPUDevice, CodeWriteObserver {
    // MARK: Hot state (unsafe buffers owned by the core)

    let gpr: UnsafeMutablePointer<UInt64>
    /// XMM0–15 as (low, high) 64-bit halves.
    let xmm: UnsafeMutablePointer<UInt64>
    let hot: UnsafeMutablePointer<X86HotState>
    /// The soft-TLB (read, write, fetch and code-write arrays).
    let tlb = SoftTLB()
    /// This core kind's bit in `RAMBlock.codePages` (see `RAMBlock.genericCodeMark`).
    static let codeMark: UInt8 = 2
    /// Translated blocks, keyed by the host address of their first byte
    /// (x86 blocks do not depend on their virtual address).
    let blocks = BlockCache<DecodedInstruction>(capacity: X86CPU.codeCapacity,
                                                maxBlock: X86CPU.maxBlockInstructions,
                                                filler: DecodedInstruction())
    /// What runs the translated blocks (its `Interpreter` unless replaced).
    var executor: (any BlockExecutor<DecodedInstruction>)!
    /// The slot of the block `runBlocks` left because its successor was not
    /// in the fetch TLB or block table (-1 otherwise): the run loop links
    /// it to the block it then finds, so code pages that evict each other
    /// from the direct-mapped fetch TLB still chain.
    var chainMissSlot = -1
    static let codeCapacity = 1 << 18
    static let maxBlockInstructions = 64

    // MARK: System state

    var cr0: UInt64 = 0
    var cr2: UInt64 = 0
    var cr3: UInt64 = 0
    var cr4: UInt64 = 0
    var cr8: UInt64 = 0
    var efer: UInt64 = 0
    var gdtrBase: UInt64 = 0, gdtrLimit: UInt16 = 0
    var idtrBase: UInt64 = 0, idtrLimit: UInt16 = 0
    var trSelector: UInt16 = 0, trBase: UInt64 = 0, trLimit: UInt32 = 0
    var ldtrSelector: UInt16 = 0
    /// Selectors of CS, SS, DS, ES, FS, GS (bases of FS/GS live in `hot`).
    var segments: [UInt16] = [0x08, 0x10, 0x10, 0x10, 0x10, 0x10]
    var star: UInt64 = 0, lstar: UInt64 = 0, cstar: UInt64 = 0, sfmask: UInt64 = 0
    var kernelGSBase: UInt64 = 0
    var tscAux: UInt64 = 0
    var tscAdjust: UInt64 = 0
    var apicBaseMSR: UInt64 = 0xFEE0_0000 | (1 << 11)
    var pat: UInt64 = 0x0007_0406_0007_0406
    var mxcsr: UInt32 {
        get { hot.pointee.mxcsr }
        set { hot.pointee.mxcsr = newValue }
    }
    var debugRegisters = [UInt64](repeating: 0, count: 8)
    var x87Control: UInt16 = 0x037F
    /// Instructions retired when the last STI/MOV SS executed: interrupts wait one instruction.
    var interruptShadow: UInt64 = .max
    /// Exception being delivered, for #DF and triple-fault detection.
    var deliveringVector: Int = -1
    /// Why the loop should return after a `leave` or `stopBefore`.
    var leaveReason: StopReason = .budgetExhausted
    /// A store fired a watchpoint: the loop returns `.watchpoint` once the instruction is done.
    var watchStopPending = false
    /// True while the executor runs instructions (so a read watchpoint may
    /// stop before one); false while the loop delivers events.
    var executingBlocks = false
    var nmiPending = false
    /// Vector of the last exception raised (delivered or reported), for tests and monitors.
    public internal(set) var lastExceptionVector: UInt8?
    /// State of the deterministic RDRAND sequence.
    var rdrandState: UInt64 = 0x2545_F491_4F6C_DD1D
    /// Added to the cycle count to form the TSC (reset and WRMSR TSC move it).
    var tscOffset: UInt64 = 0
    var sipiVector: Int = -1
    var initPending = false
    var bootTablesPending = true
    var memoryGeneration: UInt64 = .max
    var cachedPeers: [X86CPU]?
    /// The cluster's I/O-port space and its generation, refreshed when a
    /// run starts; `ports` caches its devices as the TLB caches memory's.
    var ioSpace: AddressSpace?
    var ioGeneration: UInt64 = .max
    let ports = DeviceTLB(shift: 3)

    /// The core's local APIC (child object `lapic`).
    public private(set) var apic: LocalAPIC!

    public required init(_ creation: ObjectCreation) {
        // 16 GPRs, an unused slot (16 is `ripBase`) and the always-zero
        // `DecodedInstruction.zeroRegister`.
        gpr = .allocate(capacity: 18)
        gpr.initialize(repeating: 0, count: 18)
        xmm = .allocate(capacity: 32)
        xmm.initialize(repeating: 0, count: 32)
        hot = .allocate(capacity: 1)
        hot.initialize(to: X86HotState())
        super.init(creation)
        executor = Interpreter { [unowned(unsafe) self] first, end throws(GuestTrap) in try self.runBlocks(first, until: end) }
    }

    deinit {
        gpr.deallocate(); xmm.deallocate(); hot.deallocate()
        tlb.deallocate()
        ports.deallocate()
        blocks.deallocate()
    }

    /// The type: a generic 64-bit core modelled on QEMU's `qemu64` CPUID.
    static let type = ObjectType(
        "x86_64-cpu", parent: "cpu",
        summary: "x86-64 core in 64-bit long mode: integer ISA, SSE2, paging, IDT, SYSCALL, local APIC",
        properties: [
            PropertyDescriptor("page-table-base", .int(.uint64), default: .uint(0x1000),
                               doc: "Physical address of the boot identity map of the low 4 GiB (6 pages: PML4, PDPT, 4 PDs with 2 MiB pages)"),
            PropertyDescriptor("boot-page-tables", .bool, default: true,
                               doc: "Build the boot identity map in RAM at reset (off: the kernel brings its own CR3)"),
            PropertyDescriptor("apic-id", .int(.uint32), default: .uint(0xFFFF_FFFF),
                               doc: "Local APIC ID; the default is the core's position among the cluster's x86 cores"),
            X86CPU.psABIBootStateProperty,
        ],
        pins: [PinDescriptor("nmi", .input, doc: "Non-maskable interrupt (rising edge)")],
        instanceClass: X86CPU.self)

    override public func didCreate() throws(ChimeraError) {
        apic = try addChild("lapic", type: LocalAPIC.type.name, as: LocalAPIC.self)
    }

    override public func realize() throws(ChimeraError) {
        apic.cpu = self
        try super.realize()
    }

    override public var architecture: Architecture { .x86_64 }
    override public var instructionsRetired: UInt64 { hot.pointee.retired }
    override public var registerNames: [String] { namedRegisters }
    override public func readRegister(_ name: String) -> UInt64? { readNamedRegister(name) }

    /// The instruction at virtual address `address`, for traces; reads its
    /// bytes through the page tables without executing anything.
    override public func disassemble(at address: UInt64) -> String {
        guard let memory = cluster?.memory else { return "<no memory>" }
        var bytes: [UInt8] = []
        for i in 0..<UInt64(15) {
            guard let pa = try? translate(address &+ i, .fetch), let b = memory.read(pa, size: 1) else { break }
            bytes.append(UInt8(b))
        }
        guard !bytes.isEmpty else { return "<unmapped>" }
        return X86Disassembler.disassemble(bytes, address: address).text
    }
    override public func writeRegister(_ name: String, _ value: UInt64) -> Bool { writeNamedRegister(name, value) }

    override public func debugTranslate(_ address: UInt64) -> UInt64? {
        try? translate(address, .read, sideEffects: false)
    }

    /// Pages with a breakpoint must miss the fetch TLB, no block may run
    /// past one, and no link may lead into one.
    override public func breakpointsChanged() {
        flushTLB()
        flushBlocks()
    }

    /// A store of the running instruction fired a watchpoint (through the
    /// address space, so the bytes are written): the block ends after the
    /// instruction and the core stops. Not for an instruction resumed after
    /// its read stopped it.
    override public func watchpointTriggered() -> Bool {
        guard watchpointStops(pc: hot.pointee.rip, retired: hot.pointee.retired) else { return false }
        hot.pointee.abortBlock = 1
        watchStopPending = true
        requestStop()
        return true
    }

    /// Watched pages must miss the read TLB (stores see the mark themselves).
    override public func watchpointsChanged() { flushTLB() }

    override public var programCounter: UInt64 {
        get { hot.pointee.rip }
        set { hot.pointee.rip = newValue }
    }

    override public func inputChanged(group: String, index: Int, level: Bool) {
        if group == "nmi" && level {
            nmiPending = true
            hot.pointee.pending = 1
        }
    }

    /// Is there an interrupt the core would take now?
    override public var hasPendingWakeup: Bool {
        if nmiPending || initPending { return true }
        if hot.pointee.flags & RFlags.if != 0, apic.highestDeliverable() != nil { return true }
        return false
    }

    /// Called by the local APIC when its IRR, TPR or ISR change.
    func interruptStateChanged() {
        hot.pointee.pending = 1
    }

    // MARK: Reset

    /// Boot state of DESIGN.md: long mode, flat segments, paging on with the
    /// machine's identity map, interrupts off, RIP = `reset-pc`.
    override public func resetCPU() {
        gpr.update(repeating: 0, count: 16)
        xmm.update(repeating: 0, count: 32)
        hot.pointee = X86HotState()
        hot.pointee.rip = uintProperty("reset-pc")
        cr0 = 0x8000_0033  // PG, NE, ET, MP, PE
        cr4 = 0x20         // PAE
        efer = 0x500 | 0x800  // LME, LMA, NXE
        cr3 = uintProperty("page-table-base")
        cr2 = 0; cr8 = 0
        gdtrBase = 0; gdtrLimit = 0; idtrBase = 0; idtrLimit = 0
        trSelector = 0; trBase = 0; trLimit = 0; ldtrSelector = 0
        segments = [0x08, 0x10, 0x10, 0x10, 0x10, 0x10]
        star = 0; lstar = 0; cstar = 0; sfmask = 0; kernelGSBase = 0; tscAux = 0; tscAdjust = 0
        apicBaseMSR = 0xFEE0_0000 | (1 << 11) | (isBootstrapProcessor ? 1 << 8 : 0)
        mxcsr = 0x1F80
        updateSSEEnabled()
        tscOffset = 0 &- cycles(in: currentTime)
        interruptShadow = .max
        deliveringVector = -1
        nmiPending = false; initPending = false; sipiVector = -1
        bootTablesPending = boolProperty("boot-page-tables")
        flushTLB()
        flushBlocks()
        apic?.resetAPIC()
        applyPSABIBootState()
    }

    /// The first core of its cluster is the bootstrap processor.
    var isBootstrapProcessor: Bool { !boolProperty("start-powered-off") }

    /// Writes the identity map of the low 4 GiB (2 MiB pages) at `page-table-base`.
    func buildBootPageTables() {
        bootTablesPending = false
        guard let mem = cluster?.memory else { return }
        let base = uintProperty("page-table-base")
        let pml4 = base, pdpt = base + 0x1000, pd = base + 0x2000
        _ = mem.write(pml4, size: 8, value: pdpt | 0x7)
        for i in 1..<512 { _ = mem.write(pml4 + UInt64(i) * 8, size: 8, value: 0) }
        for g in 0..<512 {
            let value: UInt64 = g < 4 ? (pd + UInt64(g) * 0x1000) | 0x7 : 0
            _ = mem.write(pdpt + UInt64(g) * 8, size: 8, value: value)
        }
        for g in 0..<4 {
            for e in 0..<512 {
                let phys = (UInt64(g) << 30) | (UInt64(e) << 21)
                // Present, writable, user, 2 MiB page; the top 1 GiB is uncached (device space).
                let flags: UInt64 = 0x87 | (g == 3 ? 0x18 : 0)
                _ = mem.write(pd + UInt64(g) * 0x1000 + UInt64(e) * 8, size: 8, value: phys | flags)
            }
        }
    }

    // MARK: Run loop

    override public func run(budget: UInt64) -> StopReason {
        switch powerState {
        case .off:
            if sipiVector >= 0 { startFromSIPI() } else { return .poweredOff }
        case .stopped:
            return leaveReason
        case .halted:
            guard hasPendingWakeup else { return .halted }
            powerState = .running
        case .running:
            break
        }
        if bootTablesPending { buildBootPageTables() }
        if let c = cluster {
            if c.memory.generation != memoryGeneration {
                memoryGeneration = c.memory.generation
                flushTLB()
                flushBlocks()
            }
            if c.io !== ioSpace || c.io.generation != ioGeneration {
                ioSpace = c.io
                ioGeneration = c.io.generation
                ports.flushAll()
            }
        }
        let end = hot.pointee.retired &+ budget
        hot.pointee.pending = 1
        return withExtendedLifetime(self) { runLoop(until: end) }
    }

    /// Executes blocks until `end` instructions have retired or something stops the core.
    private func runLoop(until end: UInt64) -> StopReason {
        let hot = self.hot
        let stop = self.stopFlag
        while true {
            if hot.pointee.retired >= end || stop.pointee != 0 {
                if _slowPath(watchStopPending) {
                    watchStopPending = false
                    return .watchpoint
                }
                return .budgetExhausted
            }
            var single = false
            if hot.pointee.pending != 0 {
                switch serviceEvents() {
                case .proceed: break
                case .singleStep: single = true
                case .stop(let reason): return reason
                }
                // Delivering an interrupt pushed onto watched bytes.
                if _slowPath(watchStopPending) { continue }
            }
            do throws(X86Fault) {
                let next = try findBlock(hot.pointee.rip)
                if chainMissSlot >= 0 && Int(next.slot) < BlockCache<DecodedInstruction>.tableSize
                    && !hasBreakpoint(onPageOf: hot.pointee.rip) {
                    blocks.link(from: chainMissSlot, pc: hot.pointee.rip, to: next)
                }
                chainMissSlot = -1
                executingBlocks = true
                let trap = executor.execute(next, until: single ? hot.pointee.retired &+ 1 : end)
                executingBlocks = false
                if let trap { throw trap }
            } catch {
                if error.vector == X86Fault.leave.vector || error.vector == X86Fault.stopBefore.vector {
                    let reason = leaveReason
                    if powerState != .stopped { leaveReason = .budgetExhausted }
                    if case .budgetExhausted = reason { continue }
                    return reason
                }
                if let reason = deliverException(error) { return reason }
            }
        }
    }

    /// Executes decoded blocks, starting with `firstBlock`, until `end`
    /// instructions have retired.
    ///
    /// RIP and the retired count are not advanced per instruction: the loop
    /// keeps the block's start RIP (also in register slot 16, which
    /// RIP-relative operands of the fast kinds use with a pre-adjusted
    /// displacement) and the index of the running instruction, and rebuilds
    /// both where they can be observed: before a handler runs (it sees the
    /// next instruction's RIP, as CALL and RIP-relative operands need), in
    /// the memory slow paths through `cursor` (devices read the time), at
    /// the end of a block, and on a fault, which restores the instruction's
    /// own RIP and leaves `retired` at the instructions before it.
    ///
    /// The operations compilers emit most (about 85% of a CoreMark-class
    /// run) are handled in this switch, so a block pays for one call and one
    /// prologue; everything else goes through `dispatch`.
    ///
    /// After a block it continues with the next one while the budget lasts,
    /// nothing is pending and the successor is already translated (fetch-TLB
    /// and block-table hits), so the run loop is entered once per stop, miss
    /// or fault rather than once per block.
    @inline(never)
    func runBlocks(_ firstBlock: X86Block, until end: UInt64) throws(X86Fault) {
        let hot = self.hot
        let stop = self.stopFlag
        let tlb = self.tlb
        let blocks = self.blocks
        var first = UnsafePointer(firstBlock.code.unsafelyUnwrapped)
        var slot = Int(firstBlock.slot)
        var base = hot.pointee.retired
        var n = Int(min(UInt64(firstBlock.count), end &- base))
        var blockRip = hot.pointee.rip
        var k = 0
        do throws(X86Fault) {
          while true {
            hot.pointee.blockRip = blockRip
            hot.pointee.blockRetired = base
            hot.pointee.blockCode = first
            hot.pointee.abortBlock = 0
            gpr[Int(DecodedInstruction.ripBase)] = blockRip
            k = 0
            while k < n {
                let i = first[k]
                switch i.op {
                // ALU operations; the `…Jcc` forms also take the conditional
                // branch that follows them (when the budget allows it).
                case .aluRR: aluRegister(i, gpr[Int(i.rm)])
                case .aluRRJcc:
                    aluRegister(i, gpr[Int(i.rm)])
                    if k &+ 1 < n { k &+= 1; fusedBranch(first[k], blockRip) }
                case .aluRI: aluRegister(i, i.imm)
                case .aluRIJcc:
                    aluRegister(i, i.imm)
                    if k &+ 1 < n { k &+= 1; fusedBranch(first[k], blockRip) }
                case .aluRM, .aluRMJcc:
                    hot.pointee.cursor = UInt32(truncatingIfNeeded: k &+ 1)
                    aluRegister(i, try read(fastAddress(i), Int(i.size)))
                    if _slowPath(hot.pointee.abortBlock != 0) { return leaveAborted(base &+ UInt64(k), blockRip &+ UInt64(i.end)) }
                    if i.op == .aluRMJcc && k &+ 1 < n { k &+= 1; fusedBranch(first[k], blockRip) }
                case .aluM, .aluMJcc:
                    hot.pointee.cursor = UInt32(truncatingIfNeeded: k &+ 1)
                    try aluMemory(i)
                    if _slowPath(hot.pointee.abortBlock != 0) { return leaveAborted(base &+ UInt64(k), blockRip &+ UInt64(i.end)) }
                    if i.op == .aluMJcc && k &+ 1 < n { k &+= 1; fusedBranch(first[k], blockRip) }
                case .cmovRR:
                    let v = gpr[Int(i.rm)]
                    let d = Int(i.reg)
                    let taken = condition(i.sub)
                    gpr[d] = (taken ? v : gpr[d]) & (i.size == 8 ? .max : 0xFFFF_FFFF)
                case .movRR:
                    gpr[Int(i.reg)] = i.size == 8 ? gpr[Int(i.rm)] : gpr[Int(i.rm)] & 0xFFFF_FFFF
                case .movRI:
                    gpr[Int(i.reg)] = i.imm
                case .movLoad:
                    hot.pointee.cursor = UInt32(truncatingIfNeeded: k &+ 1)
                    let v = try read(fastAddress(i), Int(i.size))
                    let d = Int(i.reg)
                    gpr[d] = i.size >= 4 ? v : (gpr[d] & ~(UInt64.max &>> (64 &- UInt64(i.size) &* 8))) | v
                    if _slowPath(hot.pointee.abortBlock != 0) { return leaveAborted(base &+ UInt64(k), blockRip &+ UInt64(i.end)) }
                case .movStore:
                    hot.pointee.cursor = UInt32(truncatingIfNeeded: k &+ 1)
                    try write(fastAddress(i), Int(i.size), gpr[Int(i.reg)])
                    if _slowPath(hot.pointee.abortBlock != 0) { return leaveAborted(base &+ UInt64(k), blockRip &+ UInt64(i.end)) }
                case .leaFast:
                    let a = fastAddress(i)
                    gpr[Int(i.reg)] = i.size == 8 ? a : a & 0xFFFF_FFFF
                case .shiftR:
                    // Flags are recorded lazily; a zero count changes none.
                    let wide = i.size == 8
                    let d = Int(i.reg)
                    let count = (i.form == DecodedInstruction.Form.ecl ? gpr[1] : i.imm) & (wide ? 63 : 31)
                    let a = wide ? gpr[d] : gpr[d] & 0xFFFF_FFFF
                    if count == 0 {
                        gpr[d] = a
                    } else {
                        let r: UInt64, kind: UInt8
                        switch i.sub {
                        case 5: r = a &>> count; kind = LazyFlags.shr
                        case 7:
                            let s = wide ? Int64(bitPattern: a) : Int64(Int32(truncatingIfNeeded: a))
                            r = UInt64(bitPattern: s &>> Int64(count)) & (wide ? .max : 0xFFFF_FFFF)
                            kind = LazyFlags.sar
                        default: r = (a &<< count) & (wide ? .max : 0xFFFF_FFFF); kind = LazyFlags.shl
                        }
                        gpr[d] = r
                        setLazy(kind, i.size, a, count, r)
                    }
                case .movzxRR:
                    gpr[Int(i.reg)] = gpr[Int(i.rm)] & (UInt64.max &>> (64 &- UInt64(i.sub) &* 8))
                case .movzxLoad:
                    hot.pointee.cursor = UInt32(truncatingIfNeeded: k &+ 1)
                    gpr[Int(i.reg)] = try read(fastAddress(i), Int(i.sub))
                    if _slowPath(hot.pointee.abortBlock != 0) { return leaveAborted(base &+ UInt64(k), blockRip &+ UInt64(i.end)) }
                case .movsxRR:
                    let s = 64 &- UInt64(i.sub) &* 8
                    let v = UInt64(bitPattern: Int64(bitPattern: gpr[Int(i.rm)] &<< s) &>> Int64(s))
                    gpr[Int(i.reg)] = i.size == 8 ? v : v & 0xFFFF_FFFF
                case .movsxLoad:
                    hot.pointee.cursor = UInt32(truncatingIfNeeded: k &+ 1)
                    let s = 64 &- UInt64(i.sub) &* 8
                    let raw = try read(fastAddress(i), Int(i.sub))
                    let v = UInt64(bitPattern: Int64(bitPattern: raw &<< s) &>> Int64(s))
                    gpr[Int(i.reg)] = i.size == 8 ? v : v & 0xFFFF_FFFF
                    if _slowPath(hot.pointee.abortBlock != 0) { return leaveAborted(base &+ UInt64(k), blockRip &+ UInt64(i.end)) }
                case .imulRR:
                    let d = Int(i.reg)
                    let b = gpr[Int(i.rm)]
                    let a = i.form == DecodedInstruction.Form.gei ? i.imm : gpr[d]
                    let low: UInt64, overflow: Bool
                    if i.size == 8 {
                        let p = Int64(bitPattern: a).multipliedFullWidth(by: Int64(bitPattern: b))
                        low = p.low
                        overflow = p.high != Int64(bitPattern: low) &>> 63
                    } else {
                        let p = Int64(Int32(truncatingIfNeeded: a)) &* Int64(Int32(truncatingIfNeeded: b))
                        low = UInt64(bitPattern: p) & 0xFFFF_FFFF
                        overflow = p != Int64(Int32(truncatingIfNeeded: p))
                    }
                    gpr[d] = low
                    setArithmeticFlags((overflow ? RFlags.cf | RFlags.of : 0) | szp(low, i.size))
                case .pushR:
                    hot.pointee.cursor = UInt32(truncatingIfNeeded: k &+ 1)
                    let sp = gpr[4] &- 8
                    try write(sp, 8, gpr[Int(i.rm)])
                    gpr[4] = sp
                    if _slowPath(hot.pointee.abortBlock != 0) { return leaveAborted(base &+ UInt64(k), blockRip &+ UInt64(i.end)) }
                case .popR:
                    hot.pointee.cursor = UInt32(truncatingIfNeeded: k &+ 1)
                    let sp = gpr[4]
                    let v = try read(sp, 8)
                    gpr[4] = sp &+ 8
                    gpr[Int(i.rm)] = v
                    if _slowPath(hot.pointee.abortBlock != 0) { return leaveAborted(base &+ UInt64(k), blockRip &+ UInt64(i.end)) }
                case .callRel:
                    hot.pointee.cursor = UInt32(truncatingIfNeeded: k &+ 1)
                    let next = blockRip &+ UInt64(i.end)
                    let sp = gpr[4] &- 8
                    try write(sp, 8, next)
                    gpr[4] = sp
                    hot.pointee.rip = next &+ i.imm
                    if _slowPath(hot.pointee.abortBlock != 0) { return leaveAborted(base &+ UInt64(k), next &+ i.imm) }
                case .retNear:
                    hot.pointee.cursor = UInt32(truncatingIfNeeded: k &+ 1)
                    let sp = gpr[4]
                    let target = try read(sp, 8)
                    gpr[4] = sp &+ 8
                    hot.pointee.rip = target
                    if _slowPath(hot.pointee.abortBlock != 0) { return leaveAborted(base &+ UInt64(k), target) }
                case .jmpIndirectR:
                    hot.pointee.rip = gpr[Int(i.rm)]
                case .jmpIndirectLoad:
                    hot.pointee.cursor = UInt32(truncatingIfNeeded: k &+ 1)
                    let target = try read(fastAddress(i), 8)
                    hot.pointee.rip = target
                    if _slowPath(hot.pointee.abortBlock != 0) { return leaveAborted(base &+ UInt64(k), target) }
                case .incDecR:
                    incDecRegister(i)
                case .incDecRJcc:
                    incDecRegister(i)
                    if k &+ 1 < n { k &+= 1; fusedBranch(first[k], blockRip) }
                case .ssePackedInteger:
                    try checkSSE()
                    if i.rm != DecodedInstruction.memory {
                        if !packedIntegerFast(i) { try execSSEInteger(i, unsafeBitCast(i.sub, to: SSEOp.self)) }
                    } else {
                        // The handler computes its own address (RIP-relative too).
                        hot.pointee.rip = blockRip &+ UInt64(i.end)
                        hot.pointee.retired = base &+ UInt64(k)
                        hot.pointee.cursor = 0
                        try execSSEInteger(i, unsafeBitCast(i.sub, to: SSEOp.self))
                        if _slowPath(hot.pointee.abortBlock != 0) { return leaveAborted(base &+ UInt64(k), blockRip &+ UInt64(i.end)) }
                    }
                case .pshufdRR:
                    try checkSSE()
                    setXR(i.reg, pshufd(xr(i.rm), i.imm))
                case .pmuludqRR:
                    try checkSSE()
                    setXR(i.reg, pmuludq(xr(i.reg), xr(i.rm)))
                case .xmmMove:
                    try checkSSE()
                    let s = 2 &* Int(i.rm), d = 2 &* Int(i.reg)
                    xmm[d] = xmm[s]; xmm[d &+ 1] = xmm[s &+ 1]
                case .xmmLoad:
                    hot.pointee.cursor = UInt32(truncatingIfNeeded: k &+ 1)
                    try checkSSE()
                    let a = fastAddress(i)
                    if i.sub == SSEOp.movaLoad.rawValue && a & 15 != 0 { throw X86Fault.gp() }
                    let lo = try read(a, 8)
                    let hi = i.sub == SSEOp.movqLoad.rawValue ? 0 : try read(a &+ 8, 8)
                    let d = 2 &* Int(i.reg)
                    xmm[d] = lo; xmm[d &+ 1] = hi
                    if _slowPath(hot.pointee.abortBlock != 0) { return leaveAborted(base &+ UInt64(k), blockRip &+ UInt64(i.end)) }
                case .xmmStore:
                    hot.pointee.cursor = UInt32(truncatingIfNeeded: k &+ 1)
                    try checkSSE()
                    let a = fastAddress(i)
                    if i.sub == SSEOp.movaStore.rawValue && a & 15 != 0 { throw X86Fault.gp() }
                    let s = 2 &* Int(i.reg)
                    try write128(a, xmm[s], xmm[s &+ 1])
                    if _slowPath(hot.pointee.abortBlock != 0) { return leaveAborted(base &+ UInt64(k), blockRip &+ UInt64(i.end)) }
                case .xmmFromGPR:
                    try checkSSE()
                    let v = gpr[Int(i.rm)], d = 2 &* Int(i.reg)
                    xmm[d] = i.size == 8 ? v : v & 0xFFFF_FFFF; xmm[d &+ 1] = 0
                case .jcc: fusedBranch(i, blockRip)
                case .jmp:
                    hot.pointee.rip = blockRip &+ UInt64(i.end) &+ i.imm
                case .nop: break
                // Everything else runs in its handler. The kinds are listed
                // rather than left to `default`: an exhaustive switch compiles
                // to a jump table without a range check.
                case .invalid, .mov, .movImm, .movzx, .movsx, .movsxd, .movMoffsLoad, .movMoffsStore, .cmov, .lea,
                     .xchg, .push, .pushImm, .pop, .pushf, .popf, .convertA, .convertD, .bswap, .cmpxchg,
                     .cmpxchg16b, .xadd, .enter, .leave, .sahf, .lahf, .movSreg, .movFromSreg, .xlat, .movbe,
                     .inPort, .outPort, .alu, .inc, .dec, .neg, .not, .mul, .imul1, .imul2, .div, .idiv, .shift,
                     .shld, .shrd, .bt, .bsf, .bsr, .tzcnt, .lzcnt, .popcnt, .setcc, .jmpIndirect, .call,
                     .callIndirect, .ret, .loop, .jrcxz, .int3, .intN, .int1, .iret, .syscall, .sysret, .movs, .stos,
                     .lods, .scas, .cmps, .ins, .outs, .clc, .stc, .cmc, .cld, .std, .cli, .sti, .pause, .hlt,
                     .cpuid, .rdtsc, .rdtscp, .rdmsr, .wrmsr, .movToCR, .movFromCR, .movToDR, .movFromDR, .lgdt,
                     .lidt, .sgdt, .sidt, .ltr, .str, .lldt, .sldt, .smsw, .lmsw, .invlpg, .clts, .swapgs, .ud2,
                     .wbinvd, .fence, .clflush, .ldmxcsr, .stmxcsr, .fxsave, .fxrstor, .rdrand, .sse:
                    // A handler sees exact RIP (of the next instruction) and retired count.
                    hot.pointee.rip = blockRip &+ UInt64(i.end)
                    hot.pointee.retired = base &+ UInt64(k)
                    hot.pointee.cursor = 0
                    try dispatch(i)
                    if _slowPath(hot.pointee.abortBlock != 0) { return leaveAborted(base &+ UInt64(k), hot.pointee.rip) }
                }
                k &+= 1
            }
            // The block ran to its end (or to the budget). A branch or handler
            // at the end of a block has set RIP; otherwise it follows the last.
            let last = first[n &- 1]
            if last.flags & DecodedInstruction.Flags.endsBlock == 0 { hot.pointee.rip = blockRip &+ UInt64(last.end) }
            base &+= UInt64(n)
            hot.pointee.retired = base
            hot.pointee.cursor = 0
            // Chain to the next block: through this block's links, else
            // through the fetch TLB and the block table (and link it).
            if base >= end || stop.pointee != 0 || hot.pointee.pending != 0 { return }
            let rip = hot.pointee.rip
            let next: X86Block
            if let linked = blocks.linked(from: slot, pc: rip) {
                next = linked
            } else {
                guard let t = tlb.fetchEntry(rip) else { chainMissSlot = slot; return }
                guard let found = blocks.cached(t.addend &+ rip, tag: 0) else { chainMissSlot = slot; return }
                next = found
                blocks.link(from: slot, pc: rip, to: next)
            }
            first = UnsafePointer(next.code.unsafelyUnwrapped)
            slot = Int(next.slot)
            n = Int(min(UInt64(next.count), end &- base))
            blockRip = rip
          }
        } catch {
            if error.vector != X86Fault.leave.vector {
                // A fault: the instruction did not happen.
                hot.pointee.retired = base &+ UInt64(k)
                hot.pointee.rip = blockRip &+ (k == 0 ? 0 : UInt64(first[k &- 1].end))
            }
            hot.pointee.cursor = 0
            throw error
        }
    }

    /// Ends a block early after instruction `index` (counting from the whole
    /// run's retired count) completed: its store or handler overwrote code.
    @inline(never)
    func leaveAborted(_ index: UInt64, _ nextRip: UInt64) {
        hot.pointee.retired = index &+ 1
        hot.pointee.rip = nextRip
        hot.pointee.cursor = 0
    }

    /// ALU operation `i.sub` on register `i.reg` and `source` (not yet
    /// masked); CMP and TEST (7, 8) leave the register alone.
    @inline(always)
    func aluRegister(_ i: DecodedInstruction, _ source: UInt64) {
        let m = UInt64.max &>> (64 &- UInt64(i.size) &* 8)
        let d = Int(i.reg)
        let old = gpr[d]
        let r = fastALU(i.sub, i.size, old & m, source & m)
        if i.sub < 7 { gpr[d] = i.size >= 4 ? r & m : (old & ~m) | (r & m) }
    }

    /// ALU operation with a plain-memory destination: read, store, then
    /// record flags (a faulting store leaves the flags alone).
    @inline(always)
    func aluMemory(_ i: DecodedInstruction) throws(X86Fault) {
        let m = UInt64.max &>> (64 &- UInt64(i.size) &* 8)
        let addr = fastAddress(i)
        let a = try read(addr, Int(i.size))
        let b = i.form == DecodedInstruction.Form.ei ? i.imm & m : gpr[Int(i.reg)] & m
        let (r, kind) = fastALUValue(i.sub, a, b)
        if i.sub < 7 { try write(addr, Int(i.size), r) }
        setLazy(kind, i.size, a, b, r)
    }

    /// INC (`sub` 0) or DEC of a 32/64-bit register: CF is kept.
    @inline(always)
    func incDecRegister(_ i: DecodedInstruction) {
        let d = Int(i.reg)
        let m: UInt64 = i.size == 8 ? .max : 0xFFFF_FFFF
        let a = gpr[d] & m
        let r = (i.sub == 0 ? a &+ 1 : a &- 1) & m
        gpr[d] = r
        preserveCarryForIncDec()
        setLazy(i.sub == 0 ? LazyFlags.inc : LazyFlags.dec, i.size, a, 1, r)
    }

    /// Jcc `j`, the last instruction of the block starting at `blockRip`.
    @inline(always)
    func fusedBranch(_ j: DecodedInstruction, _ blockRip: UInt64) {
        hot.pointee.rip = blockRip &+ UInt64(j.end) &+ (condition(j.sub) ? j.imm : 0)
    }


    /// The packed-integer operations loops use most, register to register,
    /// without the call into `execSSEInteger`; false for anything else.
    @inline(always)
    func packedIntegerFast(_ i: DecodedInstruction) -> Bool {
        let s = 2 &* Int(i.rm), d = 2 &* Int(i.reg)
        let a = X128(xmm[d], xmm[d &+ 1]), b = X128(xmm[s], xmm[s &+ 1])
        let r: X128
        switch unsafeBitCast(i.sub, to: SSEOp.self) {
        case .paddd: r = x(d32(a) &+ d32(b))
        case .psubd: r = x(d32(a) &- d32(b))
        case .paddq: r = a &+ b
        case .psubq: r = a &- b
        case .punpckldq: r = X128((a[0] & 0xFFFF_FFFF) | b[0] << 32, (a[0] >> 32) | (b[0] >> 32) << 32)
        case .punpcklqdq: r = X128(a[0], b[0])
        case .pand: r = a & b
        case .pandn: r = ~a & b
        case .por: r = a | b
        case .pxor: r = a ^ b
        case .punpcklwd:
            let p = a[0], q = b[0]
            @inline(__always) func pair(_ k: UInt64) -> UInt64 { (p >> (16 &* k)) & 0xFFFF | ((q >> (16 &* k)) & 0xFFFF) << 16 }
            r = X128(pair(0) | pair(1) << 32, pair(2) | pair(3) << 32)
        case .psradImm, .psrldImm, .pslldImm, .psrlqImm, .psllqImm:
            // Immediate shifts: the r/m register is shifted in place.
            let c = i.imm & 0xFF, v = d32(b)
            switch unsafeBitCast(i.sub, to: SSEOp.self) {
            case .psradImm: r = x(sd32(b) &>> Int32(min(c, 31)))
            case .psrldImm: r = c > 31 ? X128(0, 0) : x(v &>> UInt32(c))
            case .pslldImm: r = c > 31 ? X128(0, 0) : x(v &<< UInt32(c))
            case .psrlqImm: r = c > 63 ? X128(0, 0) : b &>> c
            default: r = c > 63 ? X128(0, 0) : b &<< c
            }
            xmm[s] = r[0]; xmm[s &+ 1] = r[1]
            return true
        default: return false
        }
        xmm[d] = r[0]; xmm[d &+ 1] = r[1]
        return true
    }

    /// Result of ALU operation `op` (group-1 order, 8 = TEST; not ADC/SBB)
    /// on operands already masked to `size`, with its lazy flag record.
    @inline(always)
    func fastALU(_ op: UInt8, _ size: UInt8, _ a: UInt64, _ b: UInt64) -> UInt64 {
        let (r, kind) = fastALUValue(op, a, b)
        setLazy(kind, size, a, b, r)
        return r
    }

    /// The value of ALU operation `op` (not ADC/SBB) and its lazy-flag kind.
    @inline(always)
    func fastALUValue(_ op: UInt8, _ a: UInt64, _ b: UInt64) -> (UInt64, UInt8) {
        switch op {
        case 0: return (a &+ b, LazyFlags.add)
        case 1: return (a | b, LazyFlags.logic)
        case 4, 8: return (a & b, LazyFlags.logic)
        case 6: return (a ^ b, LazyFlags.logic)
        default: return (a &- b, LazyFlags.sub)
        }
    }

    /// Address of a specialised memory operand: specialisation admits no
    /// segment override and only 64-bit addressing, so this is also LEA's
    /// value. A RIP-relative base is slot 16, the block's start RIP, with
    /// the displacement adjusted when the block was translated.
    @inline(always)
    func fastAddress(_ i: DecodedInstruction) -> UInt64 {
        UInt64(bitPattern: Int64(i.disp)) &+ gpr[Int(i.base)] &+ (gpr[Int(i.index)] &<< UInt64(i.scale))
    }


    // MARK: Block cache

    /// Finds (or translates) the block starting at `rip`.
    @inline(__always)
    func findBlock(_ rip: UInt64) throws(X86Fault) -> X86Block {
        if let t = tlb.fetchEntry(rip), let b = blocks.cached(t.addend &+ rip, tag: 0) { return b }
        return try translateBlock(rip)
    }

    /// Decodes a block at `rip`: up to 64 instructions, ending at a control
    /// transfer, a state-changing instruction or the page end.
    @inline(never)
    func translateBlock(_ rip: UInt64) throws(X86Fault) -> X86Block {
        // A page with a breakpoint stays out of the fetch TLB, so every
        // block on it comes here and meets this check (CPUDevice+Debug.swift).
        let watched = hasBreakpoint(onPageOf: rip)
        if watched && breakpointStops(at: rip) {
            leaveReason = .breakpoint(pc: rip)
            throw X86Fault.leave
        }
        let host = try fetchHost(rip, cached: !watched)
        let key = UInt(bitPattern: host.pointer)
        if let known = blocks.recall(UInt64(key), tag: 0) { return known }
        // A block ends at the page, or before the next breakpoint on it.
        let pageLeft = Int(min(0x1000 - (rip & 0xFFF), (watched ? nextBreakpoint(after: rip) ?? .max : .max) &- rip))
        let code: UnsafeMutablePointer<DecodedInstruction>
        if let room = blocks.reserve() { code = room } else { flushBlocks(); code = blocks.reserve()! }
        var count = 0
        var offset = 0
        let maps = OpcodeMaps.standard
        while count < X86CPU.maxBlockInstructions && offset < pageLeft {
            let avail = min(15, pageLeft - offset)
            let result = maps.parse(UnsafeBufferPointer(start: host.pointer.advanced(by: offset).assumingMemoryBound(to: UInt8.self), count: avail))
            switch result {
            case .success(let p):
                var d = DecodedInstruction(p)
                d.end = UInt16(offset + p.length)
                d = d.specialized()
                code[count] = d
                count += 1
                offset += p.length
                if d.flags & DecodedInstruction.Flags.endsBlock != 0 { break }
                continue
            case .failure(.truncated) where count == 0:
                // The first instruction crosses into the next page: decode it uncached.
                return try translateCrossing(rip)
            case .failure(.truncated):
                break
            case .failure(.invalidOpcode) where count == 0:
                throw X86Fault.ud
            case .failure(.tooLong) where count == 0:
                throw X86Fault.gp()
            case .failure:
                break
            }
            break
        }
        // A flag-setting ALU operation right before the closing Jcc takes
        // the branch itself: one dispatch less on most loop iterations.
        if count >= 2 && code[count - 1].op == .jcc, let fused = code[count - 2].fusedWithBranch() {
            code[count - 2] = fused
        }
        host.block.markCode(atOffset: host.offset, mark: X86CPU.codeMark)
        blocks.observe(host.block, by: self)
        tlb.demoteWrites(hostPage: key & ~0xFFF)
        return blocks.commit(key: UInt64(key), tag: 0, code: code, count: count, host: key, length: offset)
    }

    /// An instruction straddling two pages: read its bytes through the MMU
    /// (either page may fault) and run it as an uncached one-instruction block.
    func translateCrossing(_ rip: UInt64) throws(X86Fault) -> X86Block {
        var bytes = [UInt8]()
        for k in 0..<15 {
            let va = rip &+ UInt64(k)
            let b: UInt8
            do throws(X86Fault) { b = try fetchByte(va) } catch {
                // Only a fault on a byte the instruction needs counts.
                let r = bytes.withUnsafeBufferPointer { OpcodeMaps.standard.parse($0) }
                if case .success(let p) = r { return storeScratch(DecodedInstruction(p)) }
                if case .failure(.truncated) = r { throw error }
                throw X86Fault.ud
            }
            bytes.append(b)
        }
        switch bytes.withUnsafeBufferPointer({ OpcodeMaps.standard.parse($0) }) {
        case .success(let p): return storeScratch(DecodedInstruction(p))
        case .failure(.tooLong): throw X86Fault.gp()
        case .failure: throw X86Fault.ud
        }
    }

    /// The scratch block is never in the block table, so no link leads to
    /// it (its own links, in the extra slot, may lead elsewhere).
    private func storeScratch(_ d: DecodedInstruction) -> X86Block {
        blocks.scratch(d)
    }

    /// Drops every translated block.
    func flushBlocks() {
        blocks.flush()
        executor?.blocksFlushed()
    }

    /// Does a store of `size` bytes at host address `host` overlap code
    /// translated by any x86 core of this cluster?
    func storeHitsCode(host: UInt, size: Int) -> Bool {
        clusterPeers.contains { $0.blocks.covers(host: host, size: size) }
    }

    /// The x86 cores sharing this core's memory map (including itself).
    var clusterPeers: [X86CPU] {
        if let p = cachedPeers { return p }
        let p = cluster?.cpus.compactMap { $0 as? X86CPU } ?? [self]
        cachedPeers = p
        return p
    }

    /// A store (by any core or device) hit a page holding translated code:
    /// the kit drops the page's blocks if the store overlaps translated
    /// bytes (and the running block ends after the storing instruction),
    /// else keeps them and re-marks the page so later stores are still seen.
    public func codeWritten(in block: RAMBlock, offset: UInt64, length: UInt64) {
        if blocks.invalidate(block, offset: offset, length: length, mark: X86CPU.codeMark) {
            hot.pointee.abortBlock = 1
        }
    }
}
