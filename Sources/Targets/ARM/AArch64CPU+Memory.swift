import ChimeraCore
import ChimeraCPUKit

/// A translated block of decoded A64 instructions.
typealias A64Block = BlockRef<Op>

extension AArch64CPU: SoftTLBMissHandler, AddressTranslator {

    // MARK: Fast paths (the kit's soft-TLB, inlined into the loop)

    /// Loads a `T` at `a` for the instruction at `pc`, zero-extended.
    @inline(__always)
    func read<T: FixedWidthInteger & UnsignedInteger>(_ t: T.Type, _ a: UInt64, _ pc: UInt64) throws(GuestTrap) -> UInt64 {
        try tlb.load(t, a, context: pc, self)
    }

    /// Stores the low bytes of `value` as a `T` at `a` for the instruction at `pc`.
    @inline(__always)
    func write<T: FixedWidthInteger & UnsignedInteger>(_ t: T.Type, _ a: UInt64, _ value: UInt64, _ pc: UInt64) throws(GuestTrap) {
        try tlb.store(t, a, value, context: pc, self)
    }

    /// Address of a single-register or pair access (see `AddressMode`).
    @inline(__always)
    func effectiveAddress(_ op: Op, _ base: UInt64, _ r: UnsafeMutablePointer<UInt64>, _ pc: UInt64) throws(GuestTrap) -> UInt64 {
        if _slowPath(op.hasSPBase) && st.pointee.spAlignmentCheck != 0 && base & 15 != 0 {
            throw raiseSPAlignment(pc)
        }
        switch op.addressMode {
        case AddressMode.offset, AddressMode.preIndex: return base &+ op.imm
        case AddressMode.postIndex: return base
        case AddressMode.register:
            return base &+ extendRegister(r[Int(op.rm)], option: op.registerOffsetOption, shift: UInt64(op.registerOffsetShift))
        default: return op.imm
        }
    }

    @inline(__always)
    func writeBack(_ op: Op, _ base: UInt64, _ r: UnsafeMutablePointer<UInt64>) {
        let mode = op.addressMode
        if mode == AddressMode.preIndex || mode == AddressMode.postIndex {
            r[Int(op.rn)] = base &+ op.imm
        }
    }

    /// Any-size access for cold paths (atomics, SIMD structures, semihosting).
    func readSized(_ a: UInt64, size: Int, pc: UInt64) throws(GuestTrap) -> UInt64 {
        try tlb.load(a, size: size, context: pc, self)
    }

    func writeSized(_ a: UInt64, size: Int, value: UInt64, pc: UInt64) throws(GuestTrap) {
        try tlb.store(a, size: size, value, context: pc, self)
    }

    // MARK: Slow path

    /// Retired-instruction count including the running block up to `pc`,
    /// so devices see exact time.
    @inline(__always)
    func syncRetired(_ pc: UInt64) -> UInt64 {
        let saved = st.pointee.retired
        st.pointee.retired = saved &+ ((pc &- st.pointee.blockPC) >> 2)
        return saved
    }

    /// The soft-TLB's miss path (`SoftTLBMissHandler`): page crossings
    /// byte by byte, RAM fills the TLB, MMIO sees the exact retired count,
    /// anything else is a data abort for the instruction at `pc`.
    ///
    /// A device register already in the device TLB is the common miss (a
    /// driver polling a status register), so this function does only that
    /// and leaves everything else to `readSlow`: its small frame is part
    /// of the cost of every device read.
    @inline(never)
    public func readMiss(_ a: UInt64, size: Int, context pc: UInt64) throws(GuestTrap) -> UInt64 {
        guard let (region, offset) = tlb.devices.lookup(a, size: size) else { return try readSlow(a, size: size, context: pc) }
        // A device register: the device sees the exact retired count.
        let saved = syncRetired(pc)
        defer { st.pointee.retired = saved }
        return region._withUnsafeGuaranteedRef { $0.deviceRead(offset: offset, size: size) }
    }

    @inline(never)
    func readSlow(_ a: UInt64, size: Int, context pc: UInt64) throws(GuestTrap) -> UInt64 {
        if (a & 0xFFF) + UInt64(size) > 0x1000 {
            // Crosses a page: byte by byte through the fast path of each page.
            var v: UInt64 = 0
            for i in 0..<size { v |= try read(UInt8.self, a &+ UInt64(i), pc) << (8 * UInt64(i)) }
            return v
        }
        guard let memory = cluster?.memory else { throw raiseDataAbort(address: a, write: false, status: 0x10, pc: pc) }
        let page = try translate(a, .read, pc: pc)
        switch tlb.fill(a, .read, page, memory: memory) {
        case .ram(let p, _, let block, let offset, _):
            if _slowPath(block.isWatched(page: offset)) { try checkWatchpoint(block, offset, size, write: false, pc: pc) }
            var v: UInt64 = 0
            withUnsafeMutableBytes(of: &v) { $0.baseAddress!.copyMemory(from: p, byteCount: size) }
            return v
        case .mmio:
            // `refill` put the range in the device TLB unless the access
            // runs past its region (then the address space splits it).
            if tlb.devices.lookup(a, size: size) != nil { return try readMiss(a, size: size, context: pc) }
            let saved = syncRetired(pc)
            defer { st.pointee.retired = saved }
            guard let v = memory.read(page.physical, size: size) else { throw raiseDataAbort(address: a, write: false, status: 0x10, pc: pc) }
            return v
        case .unmapped:
            throw raiseDataAbort(address: a, write: false, status: 0x10, pc: pc)
        }
    }

    /// As `readMiss`: a device in the device TLB here, the rest in `writeSlow`.
    @inline(never)
    public func writeMiss(_ a: UInt64, size: Int, value: UInt64, context pc: UInt64) throws(GuestTrap) {
        guard let (region, offset) = tlb.devices.lookup(a, size: size) else {
            return try writeSlow(a, size: size, value: value, context: pc)
        }
        let saved = syncRetired(pc)
        defer { st.pointee.retired = saved }
        let effect = region._withUnsafeGuaranteedRef { $0.deviceWrite(offset: offset, size: size, value: value) }
        if _slowPath(effect != .none) { deviceAsked(effect) }
    }

    @inline(never)
    func writeSlow(_ a: UInt64, size: Int, value: UInt64, context pc: UInt64) throws(GuestTrap) {
        guard let memory = cluster?.memory else { throw raiseDataAbort(address: a, write: true, status: 0x10, pc: pc) }
        if (a & 0xFFF) + UInt64(size) > 0x1000 {
            // Both pages must take the store before any byte is written (no partial stores on a fault).
            for probe in [a, (a | 0xFFF) &+ 1] {
                let page = try translate(probe, .write, pc: pc)
                if case .unmapped = memory.target(of: page.physical) {
                    throw raiseDataAbort(address: probe, write: true, status: FaultStatus.externalAbort, pc: pc)
                }
            }
            for i in 0..<size { try write(UInt8.self, a &+ UInt64(i), value >> (8 * UInt64(i)), pc) }
            return
        }
        let page = try translate(a, .write, pc: pc)
        switch tlb.fill(a, .write, page, memory: memory) {
        case .ram(let p, _, let block, let offset, let writable):
            guard writable else { return }   // ROM ignores writes
            if _slowPath(block.isWatched(page: offset)) { try checkWatchpoint(block, offset, size, write: true, pc: pc) }
            var v = value
            withUnsafeBytes(of: &v) { p.copyMemory(from: $0.baseAddress!, byteCount: size) }
            if block.codePages[Int(offset >> RAMBlock.pageShift)] != 0 {
                block.codeWritten(offset: offset, length: UInt64(size))
            }
        case .mmio:
            if tlb.devices.lookup(a, size: size) != nil { return try writeMiss(a, size: size, value: value, context: pc) }
            let saved = syncRetired(pc)
            defer { st.pointee.retired = saved }
            memory.write(page.physical, size: size, value: value)
        case .unmapped:
            throw raiseDataAbort(address: a, write: true, status: 0x10, pc: pc)
        }
    }

    /// Stops before the instruction at `pc` when its access of `size` bytes
    /// at `offset` in `block` fires a watchpoint, as an AArch64 watchpoint
    /// exception would (gdb steps over it): the instruction does not
    /// retire, and runs through when resumed (`watchpointStops`).
    @inline(never)
    func checkWatchpoint(_ block: RAMBlock, _ offset: UInt64, _ size: Int, write: Bool, pc: UInt64) throws(GuestTrap) {
        guard let set = block.watchpoints,
              let watch = set.match(block, offset: offset, length: UInt64(size), write: write),
              watchpointStops(pc: pc, retired: st.pointee.retired &+ ((pc &- st.pointee.blockPC) >> 2)) else { return }
        set.record(MemoryWatchpoints.Hit(watch: watch, write: write, offset: offset, cpu: self))
        st.pointee.pc = pc
        pendingStop = .watchpoint
        throw GuestTrap.delivered
    }

    /// A device's request from a store (`DeviceWriteEffect`): an exit ends
    /// the run at the next block boundary, as the sim-control exit does.
    @inline(never)
    func deviceAsked(_ effect: DeviceWriteEffect) {
        guard case .exit(let code) = effect else { return }
        if pendingStop == nil { pendingStop = .exit(code: code) }
        requestStop()
    }


    // MARK: Translated blocks

    /// The translated block at `pc` when the fetch TLB maps its page and
    /// the block's slot holds it: blocks are keyed by the host address of
    /// their first instruction (the physical page, whatever VA maps it)
    /// and tagged with their VA, since decoded ops hold absolute targets.
    @inline(__always)
    func cachedBlock(_ pc: UInt64) -> A64Block? {
        guard let t = tlb.fetchEntry(pc) else { return nil }
        return blocks.cached(t.addend &+ pc, tag: pc)
    }

    /// Finds or translates the block at `pc`. On an instruction abort the
    /// exception is delivered and `nil` returned.
    func lookupOrTranslate(_ pc: UInt64) -> A64Block? {
        if pc & 3 != 0 {
            raisePCAlignment(pc)
            return nil
        }
        guard let memory = cluster?.memory else {
            raiseInstructionAbort(pc, status: FaultStatus.externalAbort)
            return nil
        }
        // A page with a breakpoint stays out of the fetch TLB, so every block
        // on it comes here and meets this check (CPUDevice+Debug.swift).
        let watched = hasBreakpoint(onPageOf: pc)
        if watched && breakpointStops(at: pc) {
            pendingStop = .breakpoint(pc: pc)
            return nil
        }
        let page: TranslatedPage
        do { page = try translate(pc, .fetch, pc: pc) } catch { return nil }
        // Fetch-TLB entries only cover whole RAM pages; code elsewhere in
        // RAM (a region smaller than a page) is found through the directory.
        let target = watched ? memory.target(of: page.physical) : tlb.fill(pc, .fetch, page, memory: memory)
        guard case .ram(let p, let available, let block, let offset, _) = target, available >= 4 else {
            raiseInstructionAbort(pc, status: FaultStatus.externalAbort)
            return nil
        }
        let key = UInt64(UInt(bitPattern: p))
        if let known = blocks.cached(key, tag: pc) ?? blocks.recall(key, tag: pc) { return known }
        let fpTrap = fpAccessTrapped
        if fpTrap != translatedWithFPTrap { flushTranslations(); translatedWithFPTrap = fpTrap }
        let ops: UnsafeMutablePointer<Op>
        if let room = blocks.reserve() { ops = room } else { flushTranslations(); ops = blocks.reserve()! }
        blocks.observe(block, by: self)
        // A block ends at the page, or before the next breakpoint on it.
        let pageEnd = min((pc | 0xFFF) &+ 1, watched ? nextBreakpoint(after: pc) ?? .max : .max)
        let maxWords = Int(min(min(available, pageEnd &- pc) / 4, UInt64(AArch64CPU.maxBlockOps)))
        var n = 0
        while n < maxWords {
            let word = p.load(fromByteOffset: n * 4, as: UInt32.self)
            var op = A64Decoder.decode(word, pc: pc &+ UInt64(n) * 4)
            if fpTrap && A64Decoder.isFPOrSIMD(word) { op = Op(.undefined, aux: 1) }
            ops[n] = A64Decoder.specializeAddressing(op)
            n += 1
            if A64Decoder.endsBlock(op.kind) { break }
        }
        block.markCode(atOffset: offset)
        return blocks.commit(key: key, tag: pc, code: ops, count: n, host: UInt(bitPattern: p), length: n * 4)
    }

    /// Drops every translated block (map change, cache full, FP trap change).
    func flushTranslations() {
        blocks.flush()
        executor?.blocksFlushed()
    }

    /// `CodeWriteObserver`: a store hit a page holding translated code; the
    /// kit drops the blocks whose bytes it overlaps.
    public func codeWritten(in block: RAMBlock, offset: UInt64, length: UInt64) {
        _ = blocks.invalidate(block, offset: offset, length: length, mark: RAMBlock.genericCodeMark)
    }
}
