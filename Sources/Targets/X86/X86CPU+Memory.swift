import ChimeraCore
import ChimeraCPUKit

extension X86CPU: SoftTLBMissHandler, AddressTranslator {
    // MARK: TLB

    /// Empties the TLB (CR3/CR0/CR4/EFER writes, INVLPG, CPL changes, map
    /// changes) and makes every block link stale, since links remember
    /// what the fetch TLB said. INVLPG flushes everything because entries
    /// do not record whether they came from a 4 KiB, 2 MiB or 1 GiB page.
    func flushTLB() {
        blocks.bumpEpoch()
        tlb.flushAll()
    }

    // MARK: Fast paths (the kit's soft-TLB; see `SoftTLB`)

    @inline(always)
    func read(_ va: UInt64, _ size: Int) throws(X86Fault) -> UInt64 {
        try tlb.load(va, size: size, context: 0, self)
    }

    @inline(always)
    func write(_ va: UInt64, _ size: Int, _ value: UInt64) throws(X86Fault) {
        try tlb.store(va, size: size, value, context: 0, self)
    }

    /// A 16-byte store (SSE), all or nothing: both halves go straight to
    /// RAM when they share a page the write TLB maps, else both pages are
    /// probed before anything is written.
    @inline(always)
    func write128(_ va: UInt64, _ low: UInt64, _ high: UInt64) throws(X86Fault) {
        if let p = tlb.writableHost(va, size: 16) {
            p.storeBytes(of: low, toByteOffset: 0, as: UInt64.self)
            p.storeBytes(of: high, toByteOffset: 8, as: UInt64.self)
            return
        }
        try write128Slow(va, low, high)
    }

    @inline(never)
    func write128Slow(_ va: UInt64, _ low: UInt64, _ high: UInt64) throws(X86Fault) {
        syncPosition()
        try probeWrite(va, 16)
        try write(va, 8, low)
        try write(va &+ 8, 8, high)
    }

    /// Checks that a write would succeed (for read-modify-write sequences
    /// that must fault before changing anything).
    func probeWrite(_ va: UInt64, _ size: Int) throws(X86Fault) {
        if tlb.writableHost(va, size: size) != nil { return }
        _ = try translate(va, .write)
        if (va & 0xFFF) + UInt64(size) > 0x1000 { _ = try translate((va | 0xFFF) &+ 1, .write) }
    }

    // MARK: Slow paths

    /// Brings `rip` and `retired` up to the instruction a fast memory access
    /// recorded in `cursor` (devices read the retired count for the time).
    @inline(always)
    func syncPosition() {
        let c = hot.pointee.cursor
        if c != 0 {
            let k = Int(c &- 1)
            hot.pointee.retired = hot.pointee.blockRetired &+ UInt64(k)
            hot.pointee.rip = hot.pointee.blockRip &+ UInt64(hot.pointee.blockCode.unsafelyUnwrapped[k].end)
            hot.pointee.cursor = 0
        }
    }

    @inline(never)
    public func readMiss(_ va: UInt64, size: Int, context: UInt64) throws(GuestTrap) -> UInt64 {
        syncPosition()
        if let v = tlb.devices.read(va, size: size) { return v }
        if (va & 0xFFF) + UInt64(size) > 0x1000 {
            // Page crossing: translate both pages before reading anything.
            let pa0 = try translate(va, .read)
            let second = (va | 0xFFF) &+ 1
            let pa1 = try translate(second, .read)
            let n0 = Int(second &- va)
            if _slowPath(watchpointsArmed) {
                try checkReadWatchpoint(pa0, n0)
                try checkReadWatchpoint(pa1, size - n0)
            }
            var v: UInt64 = 0
            for k in 0..<size {
                let pa = k < n0 ? pa0 &+ UInt64(k) : pa1 &+ UInt64(k - n0)
                v |= physicalRead(pa, 1) << (8 * UInt64(k))
            }
            return v
        }
        let pa = try refill(va, .read)
        // `refill` put a device page's range into the device TLB.
        if let v = tlb.devices.read(va, size: size) { return v }
        if _slowPath(watchpointsArmed) { try checkReadWatchpoint(pa, size) }
        return physicalRead(pa, size)
    }

    /// Stops before the reading instruction when `size` bytes at physical
    /// `pa` fire a watchpoint; resumed, the instruction runs through
    /// (`watchpointStops`). Reads stop before, since the value the
    /// instruction loads cannot be taken back; writes stop after
    /// (`watchpointTriggered`), as x86 data breakpoints do.
    @inline(never)
    func checkReadWatchpoint(_ pa: UInt64, _ size: Int) throws(X86Fault) {
        guard let mem = cluster?.memory, case .ram(_, _, let block, let offset, _) = mem.target(of: pa),
              block.isWatched(page: offset), let set = block.watchpoints,
              let watch = set.match(block, offset: offset, length: UInt64(size), write: false),
              watchpointStops(pc: hot.pointee.rip, retired: hot.pointee.retired) else { return }
        let hit = MemoryWatchpoints.Hit(watch: watch, write: false, offset: offset, cpu: self)
        guard executingBlocks else {
            // Delivering an event read it (an IDT or TSS entry): stop once that is done.
            set.record(hit)
            watchStopPending = true
            requestStop()
            return
        }
        set.record(hit)
        leaveReason = .watchpoint
        throw X86Fault.stopBefore
    }


    @inline(never)
    public func writeMiss(_ va: UInt64, size: Int, value: UInt64, context: UInt64) throws(GuestTrap) {
        syncPosition()
        if let effect = tlb.devices.write(va, size: size, value: value) {
            if _slowPath(effect != .none) { throw deviceAsked(effect) }
            return
        }
        if (va & 0xFFF) + UInt64(size) > 0x1000 {
            let pa0 = try translate(va, .write)
            let second = (va | 0xFFF) &+ 1
            let pa1 = try translate(second, .write)
            let n0 = Int(second &- va)
            for k in 0..<size {
                let pa = k < n0 ? pa0 &+ UInt64(k) : pa1 &+ UInt64(k - n0)
                physicalWrite(pa, 1, (value >> (8 * UInt64(k))) & 0xFF)
            }
            return
        }
        let c = tlb.codeWrite[SoftTLB.index(va)]
        // Data next to x86 code may be stored directly, unless another kind
        // of core has code on the page: then the store goes through the
        // address space so every translator hears about it.
        if c.tag == va & ~0xFFF && c.codeByte.unsafelyUnwrapped.pointee & ~X86CPU.codeMark == 0 {
            let host = UInt(truncatingIfNeeded: c.addend &+ va)
            if !storeHitsCode(host: host, size: size) {
                let p = UnsafeMutableRawPointer(bitPattern: host).unsafelyUnwrapped
                var v = value
                withUnsafeBytes(of: &v) { p.copyMemory(from: $0.baseAddress!, byteCount: size) }
                return
            }
        }
        let pa = try refill(va, .write)
        if let effect = tlb.devices.write(va, size: size, value: value) {
            if _slowPath(effect != .none) { throw deviceAsked(effect) }
            return
        }
        physicalWrite(pa, size, value)
    }

    /// Translates `va` through the kit (the page walk below is the hook),
    /// filling the TLB when the page is plain RAM; returns the physical address.
    func refill(_ va: UInt64, _ access: MemoryAccess) throws(X86Fault) -> UInt64 {
        guard let mem = cluster?.memory else { return try translate(va, access) }
        return try tlb.refill(va, access, translator: self, memory: mem).page.physical
    }

    /// Is `page` this core's local APIC page (xAPIC mode enabled)?
    @inline(__always)
    func isAPICPage(_ page: UInt64) -> Bool {
        apicBaseMSR & (1 << 11) != 0 && page == apicBaseMSR & 0xF_FFFF_F000
    }

    /// Reads physical memory: RAM, MMIO, this core's APIC; unmapped reads all-ones.
    func physicalRead(_ pa: UInt64, _ size: Int) -> UInt64 {
        if isAPICPage(pa & ~0xFFF) { return apic.mmioRead(offset: pa & 0xFFF, size: size) }
        guard let mem = cluster?.memory, let v = mem.read(pa, size: size) else {
            return size == 8 ? .max : (1 << (8 * UInt64(size))) - 1
        }
        return v
    }

    /// Writes physical memory; unmapped writes are dropped. Code pages are
    /// invalidated through the RAM block's observers.
    func physicalWrite(_ pa: UInt64, _ size: Int, _ value: UInt64) {
        if isAPICPage(pa & ~0xFFF) { apic.mmioWrite(offset: pa & 0xFFF, size: size, value: value); return }
        _ = cluster?.memory.write(pa, size: size, value: value)
    }

    // MARK: Instruction fetch

    /// Host address of the code byte at `rip`, filling the fetch TLB.
    /// The host bytes of the page holding `rip`; `cached: false` (a page
    /// with a breakpoint) translates without filling the fetch TLB.
    func fetchHost(_ rip: UInt64, cached: Bool = true) throws(X86Fault)
        -> (pointer: UnsafeMutableRawPointer, block: RAMBlock, offset: UInt64) {
        let pa = cached ? try refill(rip, .fetch) : try translate(rip, .fetch)
        guard let mem = cluster?.memory,
              case .ram(let p, let available, let block, let offset, _) = mem.target(of: pa),
              available >= 0x1000 - (pa & 0xFFF) else {
            // Executing from MMIO or unmapped space: SDM leaves this undefined; we report it.
            leaveReason = .guestFault(GuestFault(cpuPath: path, pc: rip, instructionBytes: [],
                                                 reason: "instruction fetch from non-RAM physical address 0x\(String(pa, radix: 16))"))
            powerState = .stopped
            throw X86Fault.leave
        }
        return (p, block, offset)
    }

    func fetchByte(_ va: UInt64) throws(X86Fault) -> UInt8 {
        let pa = try translate(va, .fetch)
        return UInt8(truncatingIfNeeded: physicalRead(pa, 1))
    }

    // MARK: Page walk (SDM Vol. 3A, §4.5)

    /// The kit's translation hook: the page walk below; this core's APIC
    /// page is never cached.
    public func translate(_ va: UInt64, for access: MemoryAccess) throws(GuestTrap) -> TranslatedPage {
        let pa = try translate(va, access)
        return TranslatedPage(physical: pa, cacheable: !isAPICPage(pa & ~0xFFF))
    }

    /// Translates `va` with permission checks for the current CPL; raises
    /// #PF (with error code, CR2) or #GP for a non-canonical address.
    /// Without `sideEffects` (debuggers) it sets neither accessed/dirty
    /// bits nor CR2.
    func translate(_ va: UInt64, _ access: MemoryAccess, sideEffects: Bool = true) throws(X86Fault) -> UInt64 {
        let top = Int64(bitPattern: va) >> 47
        guard top == 0 || top == -1 else { throw X86Fault.gp() }
        guard cr0 & (1 << 31) != 0 else { return va }
        let user = hot.pointee.cpl == 3
        let nxe = efer & (1 << 11) != 0
        let reservedHigh: UInt64 = 0x000F_FF00_0000_0000 | (nxe ? 0 : 1 << 63)
        var table = cr3 & 0x000F_FFFF_FFFF_F000
        var writable = true, userOK = true, executable = true
        var level = 4
        func fault(present: Bool, reserved: Bool = false) -> X86Fault {
            var code: UInt32 = present ? 1 : 0
            if access == .write { code |= 2 }
            if user { code |= 4 }
            if reserved { code |= 8 | 1 }
            if access == .fetch && nxe { code |= 16 }
            if sideEffects { cr2 = va }
            return X86Fault(vector: X86Vector.pf, errorCode: code, hasErrorCode: true)
        }
        while true {
            let shift = UInt64(12 + 9 * (level - 1))
            let entryAddress = table + ((va >> shift) & 0x1FF) * 8
            var entry = physicalRead(entryAddress, 8)
            guard entry & 1 != 0 else { throw fault(present: false) }
            if entry & reservedHigh != 0 { throw fault(present: true, reserved: true) }
            if level == 4 && entry & 0x80 != 0 { throw fault(present: true, reserved: true) }
            writable = writable && entry & 2 != 0
            userOK = userOK && entry & 4 != 0
            executable = executable && (entry >> 63) == 0
            let leaf = level == 1 || (entry & 0x80 != 0)
            // Accessed (and, at the leaf of a write, dirty) bits.
            var update = entry | 0x20
            if leaf && access == .write && (user || cr0 & (1 << 16) != 0 ? writable : true) && (!user || userOK) {
                update |= 0x40
            }
            if sideEffects && update != entry && (!leaf || permitted(access, user: user, writable: writable, userOK: userOK, executable: executable)) {
                physicalWrite(entryAddress, 8, update)
                entry = update
            }
            if leaf {
                guard permitted(access, user: user, writable: writable, userOK: userOK, executable: executable) else {
                    throw fault(present: true)
                }
                let pageMask: UInt64 = (1 << shift) - 1
                return (entry & 0x000F_FFFF_FFFF_F000 & ~pageMask) | (va & pageMask)
            }
            table = entry & 0x000F_FFFF_FFFF_F000
            level -= 1
        }
    }

    private func permitted(_ access: MemoryAccess, user: Bool, writable: Bool, userOK: Bool, executable: Bool) -> Bool {
        if user && !userOK { return false }
        switch access {
        case .read: return true
        case .write: return writable || (!user && cr0 & (1 << 16) == 0)
        case .fetch: return executable || efer & (1 << 11) == 0
        }
    }
}
