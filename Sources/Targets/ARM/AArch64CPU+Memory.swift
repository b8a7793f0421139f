import ChimeraCore

/// One direct-mapped software-TLB entry: a 4 KiB guest page and the host
/// address that backs it. Tags are page addresses; 1 means invalid.
struct TLBEntry {
    var readTag: UInt64 = 1
    var writeTag: UInt64 = 1
    /// host = addend + guest address.
    var addend: UInt = 0
    /// The page's byte in its RAM block's code map: stores fall back to the
    /// slow path while it is non-zero, so translated blocks get invalidated.
    var codeFlag: UnsafeMutablePointer<UInt8>? = nil
}

extension AArch64CPU {
    // MARK: Fast paths (inlined into the loop)

    @inline(__always)
    func read8(_ a: UInt64, _ pc: UInt64) -> UInt64 {
        let e = tlb + Int(truncatingIfNeeded: (a >> 12) & 255)
        if _fastPath(e.pointee.readTag == a & ~0xFFF && a & 0xFFF <= 4095) {
            return UInt64(UnsafeRawPointer(bitPattern: e.pointee.addend &+ UInt(truncatingIfNeeded: a)).unsafelyUnwrapped.loadUnaligned(as: UInt8.self))
        }
        return readSlow(a, size: 1, pc: pc)
    }

    @inline(__always)
    func write8(_ a: UInt64, _ value: UInt64, _ pc: UInt64) {
        let e = tlb + Int(truncatingIfNeeded: (a >> 12) & 255)
        if _fastPath(e.pointee.writeTag == a & ~0xFFF && a & 0xFFF <= 4095
                     && e.pointee.codeFlag.unsafelyUnwrapped.pointee == 0) {
            UnsafeMutableRawPointer(bitPattern: e.pointee.addend &+ UInt(truncatingIfNeeded: a)).unsafelyUnwrapped
                .storeBytes(of: UInt8(truncatingIfNeeded: value), as: UInt8.self)
            return
        }
        writeSlow(a, size: 1, value: value, pc: pc)
    }

    @inline(__always)
    func read16(_ a: UInt64, _ pc: UInt64) -> UInt64 {
        let e = tlb + Int(truncatingIfNeeded: (a >> 12) & 255)
        if _fastPath(e.pointee.readTag == a & ~0xFFF && a & 0xFFF <= 4094) {
            return UInt64(UnsafeRawPointer(bitPattern: e.pointee.addend &+ UInt(truncatingIfNeeded: a)).unsafelyUnwrapped.loadUnaligned(as: UInt16.self))
        }
        return readSlow(a, size: 2, pc: pc)
    }

    @inline(__always)
    func write16(_ a: UInt64, _ value: UInt64, _ pc: UInt64) {
        let e = tlb + Int(truncatingIfNeeded: (a >> 12) & 255)
        if _fastPath(e.pointee.writeTag == a & ~0xFFF && a & 0xFFF <= 4094
                     && e.pointee.codeFlag.unsafelyUnwrapped.pointee == 0) {
            UnsafeMutableRawPointer(bitPattern: e.pointee.addend &+ UInt(truncatingIfNeeded: a)).unsafelyUnwrapped
                .storeBytes(of: UInt16(truncatingIfNeeded: value), as: UInt16.self)
            return
        }
        writeSlow(a, size: 2, value: value, pc: pc)
    }

    @inline(__always)
    func read32(_ a: UInt64, _ pc: UInt64) -> UInt64 {
        let e = tlb + Int(truncatingIfNeeded: (a >> 12) & 255)
        if _fastPath(e.pointee.readTag == a & ~0xFFF && a & 0xFFF <= 4092) {
            return UInt64(UnsafeRawPointer(bitPattern: e.pointee.addend &+ UInt(truncatingIfNeeded: a)).unsafelyUnwrapped.loadUnaligned(as: UInt32.self))
        }
        return readSlow(a, size: 4, pc: pc)
    }

    @inline(__always)
    func write32(_ a: UInt64, _ value: UInt64, _ pc: UInt64) {
        let e = tlb + Int(truncatingIfNeeded: (a >> 12) & 255)
        if _fastPath(e.pointee.writeTag == a & ~0xFFF && a & 0xFFF <= 4092
                     && e.pointee.codeFlag.unsafelyUnwrapped.pointee == 0) {
            UnsafeMutableRawPointer(bitPattern: e.pointee.addend &+ UInt(truncatingIfNeeded: a)).unsafelyUnwrapped
                .storeBytes(of: UInt32(truncatingIfNeeded: value), as: UInt32.self)
            return
        }
        writeSlow(a, size: 4, value: value, pc: pc)
    }

    @inline(__always)
    func read64(_ a: UInt64, _ pc: UInt64) -> UInt64 {
        let e = tlb + Int(truncatingIfNeeded: (a >> 12) & 255)
        if _fastPath(e.pointee.readTag == a & ~0xFFF && a & 0xFFF <= 4088) {
            return UInt64(UnsafeRawPointer(bitPattern: e.pointee.addend &+ UInt(truncatingIfNeeded: a)).unsafelyUnwrapped.loadUnaligned(as: UInt64.self))
        }
        return readSlow(a, size: 8, pc: pc)
    }

    @inline(__always)
    func write64(_ a: UInt64, _ value: UInt64, _ pc: UInt64) {
        let e = tlb + Int(truncatingIfNeeded: (a >> 12) & 255)
        if _fastPath(e.pointee.writeTag == a & ~0xFFF && a & 0xFFF <= 4088
                     && e.pointee.codeFlag.unsafelyUnwrapped.pointee == 0) {
            UnsafeMutableRawPointer(bitPattern: e.pointee.addend &+ UInt(truncatingIfNeeded: a)).unsafelyUnwrapped
                .storeBytes(of: UInt64(truncatingIfNeeded: value), as: UInt64.self)
            return
        }
        writeSlow(a, size: 8, value: value, pc: pc)
    }

    /// Address of a single-register or pair access (see `AddressMode`).
    @inline(__always)
    func effectiveAddress(_ op: Op, _ base: UInt64, _ r: UnsafeMutablePointer<UInt64>, _ pc: UInt64) -> UInt64 {
        if _slowPath(op.aux & 0x8000 != 0) && st.pointee.spAlignmentCheck != 0 && base & 15 != 0 {
            // SP alignment fault: the access then goes to a page that is never
            // in the TLB, whose slow path sees the fault flag and does nothing.
            raiseSPAlignment(pc)
            return 0xFFFF_FFFF_FFFF_F000
        }
        switch op.aux & 7 {
        case AddressMode.offset, AddressMode.preIndex: return base &+ op.imm
        case AddressMode.postIndex: return base
        case AddressMode.register:
            return base &+ extendRegister(r[Int(op.rm)], option: (op.aux >> 4) & 7, shift: UInt64((op.aux >> 8) & 7))
        default: return op.imm
        }
    }

    @inline(__always)
    func writeBack(_ op: Op, _ base: UInt64, _ r: UnsafeMutablePointer<UInt64>) {
        let mode = op.aux & 7
        if mode == AddressMode.preIndex || mode == AddressMode.postIndex {
            r[Int(op.rn)] = base &+ op.imm
        }
    }

    /// Any-size access for cold paths (atomics, SIMD structures, semihosting).
    func readSized(_ a: UInt64, size: Int, pc: UInt64) -> UInt64 {
        switch size {
        case 1: return read8(a, pc)
        case 2: return read16(a, pc)
        case 4: return read32(a, pc)
        default: return read64(a, pc)
        }
    }

    func writeSized(_ a: UInt64, size: Int, value: UInt64, pc: UInt64) {
        switch size {
        case 1: write8(a, value, pc)
        case 2: write16(a, value, pc)
        case 4: write32(a, value, pc)
        default: write64(a, value, pc)
        }
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

    @inline(never)
    func readSlow(_ a: UInt64, size: Int, pc: UInt64) -> UInt64 {
        if st.pointee.fault != 0 { return 0 }
        if (a & 0xFFF) + UInt64(size) > 0x1000 {
            // Crosses a page: byte by byte through the fast path of each page.
            var v: UInt64 = 0
            for i in 0..<size {
                v |= read8(a &+ UInt64(i), pc) << (8 * UInt64(i))
                if st.pointee.fault != 0 { return 0 }
            }
            return v
        }
        guard let memory = cluster?.memory else { raiseDataAbort(address: a, write: false, status: 0x10, pc: pc); return 0 }
        switch memory.target(of: a) {
        case .ram(let p, let available, let block, let offset, let writable):
            fillTLB(a, pointer: p, available: available, block: block, offset: offset, writable: writable)
            var v: UInt64 = 0
            withUnsafeMutableBytes(of: &v) { $0.baseAddress!.copyMemory(from: p, byteCount: size) }
            return v
        case .mmio:
            let saved = syncRetired(pc)
            defer { st.pointee.retired = saved }
            guard let v = memory.read(a, size: size) else { raiseDataAbort(address: a, write: false, status: 0x10, pc: pc); return 0 }
            return v
        case .unmapped:
            raiseDataAbort(address: a, write: false, status: 0x10, pc: pc)
            return 0
        }
    }

    @inline(never)
    func writeSlow(_ a: UInt64, size: Int, value: UInt64, pc: UInt64) {
        if st.pointee.fault != 0 { return }
        if (a & 0xFFF) + UInt64(size) > 0x1000 {
            // Check every byte is writable before storing any (no partial stores on a fault).
            for i in 0..<size where !isWritable(a &+ UInt64(i)) {
                raiseDataAbort(address: a &+ UInt64(i), write: true, status: 0x10, pc: pc)
                return
            }
            for i in 0..<size { write8(a &+ UInt64(i), value >> (8 * UInt64(i)), pc) }
            return
        }
        guard let memory = cluster?.memory else { raiseDataAbort(address: a, write: true, status: 0x10, pc: pc); return }
        switch memory.target(of: a) {
        case .ram(let p, let available, let block, let offset, let writable):
            guard writable else { return }   // ROM ignores writes
            var v = value
            withUnsafeBytes(of: &v) { p.copyMemory(from: $0.baseAddress!, byteCount: size) }
            if block.codePages[Int(offset >> RAMBlock.pageShift)] != 0 {
                block.codeWritten(offset: offset, length: UInt64(size))
            }
            fillTLB(a, pointer: p, available: available, block: block, offset: offset, writable: writable)
        case .mmio:
            let saved = syncRetired(pc)
            defer { st.pointee.retired = saved }
            memory.write(a, size: size, value: value)
        case .unmapped:
            raiseDataAbort(address: a, write: true, status: 0x10, pc: pc)
        }
    }

    func isWritable(_ a: UInt64) -> Bool {
        guard let memory = cluster?.memory else { return false }
        if case .unmapped = memory.target(of: a) { return false }
        return true
    }

    private func fillTLB(_ a: UInt64, pointer p: UnsafeMutableRawPointer, available: UInt64, block: RAMBlock,
                         offset: UInt64, writable: Bool) {
        let page = a & ~0xFFF
        // Only whole pages backed by one block go into the TLB.
        guard available >= 0x1000 - (a & 0xFFF), offset >= a & 0xFFF else { return }
        let e = tlb + Int(truncatingIfNeeded: (a >> 12) & UInt64(256 - 1))
        e.pointee.addend = UInt(bitPattern: p - Int(a & 0xFFF)) &- UInt(truncatingIfNeeded: page)
        e.pointee.readTag = page
        e.pointee.writeTag = writable ? page : 1
        e.pointee.codeFlag = block.codePages + Int((offset - (a & 0xFFF)) >> RAMBlock.pageShift)
    }

    func flushTLB() {
        for i in 0..<256 { tlb[i] = TLBEntry() }
    }

    // MARK: Translated blocks

    /// Finds or translates the block at `pc`. On an instruction abort the
    /// exception is delivered and `nil` returned.
    func lookupOrTranslate(_ pc: UInt64) -> CacheEntry? {
        if let e = blockMap[pc] { return e }
        if pc & 3 != 0 {
            raisePCAlignment(pc)
            return nil
        }
        guard let memory = cluster?.memory, case .ram(let p, let available, let block, let offset, _) = memory.target(of: pc),
              available >= 4 else {
            raiseInstructionAbort(pc)
            return nil
        }
        let fpTrap = fpAccessTrapped
        if fpTrap != translatedWithFPTrap { flushTranslations(); translatedWithFPTrap = fpTrap }
        if opsUsed + AArch64CPU.maxBlockOps > AArch64CPU.opCapacity { flushTranslations() }
        if !observedBlocks.contains(ObjectIdentifier(block)) {
            block.addCodeObserver(self)
            observedBlocks.append(ObjectIdentifier(block))
        }
        let pageEnd = (pc | 0xFFF) &+ 1
        let maxWords = Int(min(min(available, pageEnd &- pc) / 4, UInt64(AArch64CPU.maxBlockOps)))
        let start = opsUsed
        var n = 0
        while n < maxWords {
            let word = p.load(fromByteOffset: n * 4, as: UInt32.self)
            var op = A64Decoder.decode(word, pc: pc &+ UInt64(n) * 4)
            if fpTrap && A64Decoder.isFPOrSIMD(word) { op = Op(.undefined, aux: 1) }
            ops[start + n] = A64Decoder.specializeAddressing(op)
            n += 1
            if A64Decoder.endsBlock(op.kind) { break }
        }
        opsUsed += n
        block.markCode(atOffset: offset)
        let entry = CacheEntry(pc: pc, start: UInt32(start), count: UInt32(n))
        blockMap[pc] = entry
        pageBlocks[pc >> 12, default: []].append(pc)
        return entry
    }

    /// Drops every translated block (map change, cache full, FP trap change).
    func flushTranslations() {
        for i in 0..<AArch64CPU.cacheSize { cache[i] = CacheEntry() }
        blockMap.removeAll(keepingCapacity: true)
        pageBlocks.removeAll(keepingCapacity: true)
        opsUsed = 0
    }

    /// `CodeWriteObserver`: a store hit a page holding translated code.
    public func codeWritten(in block: RAMBlock, offset: UInt64, length: UInt64) {
        // With the MMU off, guest addresses are physical: find the pages by
        // asking which of our translated pages map to this block range.
        guard let memory = cluster?.memory else { return }
        let firstPage = offset >> 12, lastPage = (offset + max(length, 1) - 1) >> 12
        for page in pageBlocks.keys.sorted() {  // sorted: no hash order reaches the cache state
            guard case .ram(_, _, let b, let o, _) = memory.target(of: page << 12), b === block,
                  (o >> 12) >= firstPage && (o >> 12) <= lastPage else { continue }
            for pc in pageBlocks[page] ?? [] {
                blockMap[pc] = nil
                let slot = Int(truncatingIfNeeded: pc >> 2) & 16383
                if cache[slot].pc == pc { cache[slot] = CacheEntry() }
            }
            pageBlocks[page] = nil
        }
    }
}
