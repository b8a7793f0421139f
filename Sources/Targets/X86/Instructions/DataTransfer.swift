import ChimeraCore
import ChimeraCPUKit
/// Data transfer instructions (SDM Vol. 1, §7.3.1; Vol. 2 MOV, XCHG, PUSH…).
extension X86CPU {
    @inline(__always)
    func execMov(_ i: DecodedInstruction) throws(X86Fault) {
        if i.form == DecodedInstruction.Form.ge {
            writeReg(i.reg, i.size, try readRM(i))
        } else {
            try writeRM(i, readReg(i.reg, i.size))
        }
    }

    @inline(__always)
    func execMovzx(_ i: DecodedInstruction) throws(X86Fault) {
        writeReg(i.reg, i.size, try readRM(i, size: i.sub))
    }

    @inline(__always)
    func execMovsx(_ i: DecodedInstruction) throws(X86Fault) {
        writeReg(i.reg, i.size, signExtend(try readRM(i, size: i.sub), i.sub))
    }

    func execMovsxd(_ i: DecodedInstruction) throws(X86Fault) {
        let v = try readRM(i, size: 4)
        writeReg(i.reg, i.size, i.size == 8 ? signExtend(v, 4) : v)
    }

    /// CMOVcc reads its source even when the condition is false, and a
    /// 32-bit destination is zero-extended either way.
    @inline(__always)
    func execCmov(_ i: DecodedInstruction) throws(X86Fault) {
        let v = try readRM(i)
        writeReg(i.reg, i.size, condition(i.sub) ? v : readReg(i.reg, i.size))
    }

    func execXchg(_ i: DecodedInstruction) throws(X86Fault) {
        let a = readReg(i.reg, i.size)
        if i.rm != DecodedInstruction.memory {
            let b = readReg(i.rm, i.size)
            writeReg(i.rm, i.size, a)
            writeReg(i.reg, i.size, b)
        } else {
            let addr = effectiveAddress(i)
            let b = try read(addr, Int(i.size))
            try write(addr, Int(i.size), a)
            writeReg(i.reg, i.size, b)
        }
    }

    /// POP: the stack pointer is incremented before a memory destination's
    /// address is computed (SDM Vol. 2B, POP).
    @inline(__always)
    func execPop(_ i: DecodedInstruction) throws(X86Fault) {
        let old = gpr[4]
        let v = try read(old, Int(i.size))
        gpr[4] = old &+ UInt64(i.size)
        if i.rm != DecodedInstruction.memory {
            writeReg(i.rm, i.size, v)
        } else {
            do throws(X86Fault) { try write(effectiveAddress(i), Int(i.size), v) } catch {
                gpr[4] = old
                throw error
            }
        }
    }

    func execPopf(_ i: DecodedInstruction) throws(X86Fault) {
        let v = try read(gpr[4], Int(i.size))
        var mask = RFlags.writable
        let cpl = hot.pointee.cpl
        let flags = rflags
        let iopl = (flags >> 12) & 3
        if cpl > 0 { mask &= ~RFlags.iopl }
        if UInt64(cpl) > iopl { mask &= ~RFlags.if }
        if i.size == 2 { mask &= 0xFFFF }
        gpr[4] &+= UInt64(i.size)
        setRFlags((flags & ~mask) | (v & mask))
        hot.pointee.pending = 1
    }

    func execConvertA(_ i: DecodedInstruction) {
        switch i.size {
        case 2: writeReg(0, 2, signExtend(gpr[0], 1))
        case 4: writeReg(0, 4, signExtend(gpr[0], 2))
        default: gpr[0] = signExtend(gpr[0], 4)
        }
    }

    func execConvertD(_ i: DecodedInstruction) {
        let negative = (gpr[0] >> (UInt64(i.size) * 8 - 1)) & 1 != 0
        writeReg(2, i.size, negative ? .max : 0)
    }

    func execBswap(_ i: DecodedInstruction) {
        switch i.size {
        case 8: gpr[Int(i.rm)] = gpr[Int(i.rm)].byteSwapped
        case 4: writeReg(i.rm, 4, UInt64(UInt32(truncatingIfNeeded: gpr[Int(i.rm)]).byteSwapped))
        default:
            // BSWAP r16 is undefined (SDM); like QEMU, swap the low dword and zero-extend.
            writeReg(i.rm, 4, UInt64(UInt32(truncatingIfNeeded: gpr[Int(i.rm)]).byteSwapped))
        }
    }

    /// CMPXCHG: flags as CMP accumulator, destination (SDM Vol. 2A).
    func execCmpxchg(_ i: DecodedInstruction) throws(X86Fault) {
        let size = i.size
        let acc = readReg(0, size)
        let src = readReg(i.reg, size)
        if i.rm != DecodedInstruction.memory {
            let dst = readReg(i.rm, size)
            // On failure the destination is written back too, which zero-extends a 32-bit register.
            // The accumulator is written in both cases (zero-extending EAX into RAX), as QEMU does.
            if acc == dst { writeReg(0, size, acc); writeReg(i.rm, size, src) } else { writeReg(i.rm, size, dst); writeReg(0, size, dst) }
            setLazy(LazyFlags.sub, size, acc, dst, acc &- dst)
        } else {
            let addr = effectiveAddress(i)
            let dst = try read(addr, Int(size))
            // The destination is written in both cases (the locked bus cycle).
            try write(addr, Int(size), acc == dst ? src : dst)
            writeReg(0, size, dst)
            setLazy(LazyFlags.sub, size, acc, dst, acc &- dst)
        }
    }

    /// CMPXCHG16B (REX.W) / CMPXCHG8B.
    func execCmpxchg16b(_ i: DecodedInstruction) throws(X86Fault) {
        let addr = effectiveAddress(i)
        materializeFlags()
        if i.flags & DecodedInstruction.Flags.rexW != 0 {
            guard addr & 15 == 0 else { throw X86Fault.gp() }
            let lo = try read(addr, 8), hi = try read(addr &+ 8, 8)
            try probeWrite(addr, 16)
            if lo == gpr[0] && hi == gpr[2] {
                try write(addr, 8, gpr[3]); try write(addr &+ 8, 8, gpr[1])
                hot.pointee.flags |= RFlags.zf
            } else {
                try write(addr, 8, lo); try write(addr &+ 8, 8, hi)
                gpr[0] = lo; gpr[2] = hi
                hot.pointee.flags &= ~RFlags.zf
            }
        } else {
            let v = try read(addr, 8)
            let expected = (gpr[0] & 0xFFFF_FFFF) | (gpr[2] << 32)
            if v == expected {
                try write(addr, 8, (gpr[3] & 0xFFFF_FFFF) | (gpr[1] << 32))
                hot.pointee.flags |= RFlags.zf
            } else {
                try write(addr, 8, v)
                gpr[0] = v & 0xFFFF_FFFF; gpr[2] = v >> 32
                hot.pointee.flags &= ~RFlags.zf
            }
        }
    }

    func execXadd(_ i: DecodedInstruction) throws(X86Fault) {
        let size = i.size
        let src = readReg(i.reg, size)
        if i.rm != DecodedInstruction.memory {
            let dst = readReg(i.rm, size)
            let sum = dst &+ src
            writeReg(i.reg, size, dst)
            writeReg(i.rm, size, sum)
            setLazy(LazyFlags.add, size, dst, src, sum)
        } else {
            let addr = effectiveAddress(i)
            let dst = try read(addr, Int(size))
            let sum = dst &+ src
            try write(addr, Int(size), sum)
            writeReg(i.reg, size, dst)
            setLazy(LazyFlags.add, size, dst, src, sum)
        }
    }

    /// ENTER with nesting level (SDM Vol. 2A, ENTER).
    func execEnter(_ i: DecodedInstruction) throws(X86Fault) {
        let size = i.size
        let alloc = i.imm & 0xFFFF
        let level = (i.imm >> 16) & 31
        let oldRSP = gpr[4]
        var sp = oldRSP &- UInt64(size)
        try write(sp, Int(size), readReg(5, size))
        let frame = sp
        if level > 0 {
            var bp = gpr[5]
            for _ in 1..<level {
                bp &-= UInt64(size)
                sp &-= UInt64(size)
                try write(sp, Int(size), try read(bp, Int(size)))
            }
            sp &-= UInt64(size)
            try write(sp, Int(size), frame)
        }
        sp &-= alloc
        writeReg(5, size, frame)
        gpr[4] = sp
    }

    func execLeave(_ i: DecodedInstruction) throws(X86Fault) {
        let v = try read(gpr[5], Int(i.size))
        gpr[4] = gpr[5] &+ UInt64(i.size)
        writeReg(5, i.size, v)
    }

    func execSahf() {
        materializeFlags()
        let ah = (gpr[0] >> 8) & 0xD5
        hot.pointee.flags = (hot.pointee.flags & ~0xD5) | ah | 2
    }

    /// Segment register index of ModRM.reg: ES, CS, SS, DS, FS, GS → our order CS, SS, DS, ES, FS, GS.
    func sregIndex(_ reg: UInt8) -> Int {
        switch reg & 7 {
        case 0: return 3
        case 1: return 0
        case 2: return 1
        case 3: return 2
        case 4: return 4
        default: return 5
        }
    }

    /// MOV Sreg: selectors are recorded; in 64-bit mode only FS/GS bases
    /// matter, loaded from the descriptor (null selector: base 0).
    func execMovSreg(_ i: DecodedInstruction) throws(X86Fault) {
        let reg = i.reg & 7
        guard reg != 1, reg < 6 else { throw X86Fault.ud }
        let selector = UInt16(truncatingIfNeeded: try readRM(i, size: 2))
        let index = sregIndex(reg)
        if index == 4 || index == 5 {
            var base: UInt64 = 0
            if selector & ~3 != 0 {
                let d = try supervisorRead(gdtrBase &+ UInt64(selector & ~7), 8)
                base = ((d >> 16) & 0xFF_FFFF) | ((d >> 32) & 0xFF00_0000)
            }
            if index == 4 { hot.pointee.fsBase = base } else { hot.pointee.gsBase = base }
        }
        if index == 1 { interruptShadow = hot.pointee.retired &+ 1; hot.pointee.pending = 1 }
        segments[index] = selector
    }

    func execXlat(_ i: DecodedInstruction) throws(X86Fault) {
        var a = gpr[3] &+ (gpr[0] & 0xFF)
        if i.flags & DecodedInstruction.Flags.address32 != 0 { a &= 0xFFFF_FFFF }
        writeReg(0, 1, try read(segmented(i, a), 1))
    }

    func execMovbe(_ i: DecodedInstruction) throws(X86Fault) {
        func swap(_ v: UInt64, _ size: UInt8) -> UInt64 {
            switch size {
            case 2: return UInt64(UInt16(truncatingIfNeeded: v).byteSwapped)
            case 4: return UInt64(UInt32(truncatingIfNeeded: v).byteSwapped)
            default: return v.byteSwapped
            }
        }
        if i.sub == 0 {
            writeReg(i.reg, i.size, swap(try readRM(i), i.size))
        } else {
            try writeRM(i, swap(readReg(i.reg, i.size), i.size))
        }
    }

    // MARK: Port I/O (SDM Vol. 1, §19)

    func checkIOPermission() throws(X86Fault) {
        let iopl = (hot.pointee.flags >> 12) & 3
        if UInt64(hot.pointee.cpl) > iopl { throw X86Fault.gp() }
    }

    func execIn(_ i: DecodedInstruction) throws(X86Fault) {
        try checkIOPermission()
        let port = i.form == DecodedInstruction.Form.ei ? i.imm & 0xFF : gpr[2] & 0xFFFF
        let size = min(i.size, 4)
        writeReg(0, size, portRead(port, Int(size)))
    }

    func execOut(_ i: DecodedInstruction) throws(X86Fault) {
        try checkIOPermission()
        let port = i.form == DecodedInstruction.Form.ei ? i.imm & 0xFF : gpr[2] & 0xFFFF
        let size = min(i.size, 4)
        try portWrite(port, Int(size), readReg(0, size))
    }

    /// Reads the cluster's I/O-port space; unmapped ports read all-ones.
    @inline(__always)
    func portRead(_ port: UInt64, _ size: Int) -> UInt64 {
        if let v = ports.read(port, size: size) { return v }
        return portReadMiss(port, size)
    }

    @inline(never)
    func portReadMiss(_ port: UInt64, _ size: Int) -> UInt64 {
        guard let io = ioSpace else { return (1 << (8 * UInt64(size))) - 1 }
        if ports.fill(port, physical: port, clip: false, memory: io), let v = ports.read(port, size: size) { return v }
        return io.read(port, size: size) ?? (1 << (8 * UInt64(size))) - 1
    }

    /// Writes a port; a device may end the run at this instruction (the
    /// debug-exit port) through its answer.
    @inline(__always)
    func portWrite(_ port: UInt64, _ size: Int, _ value: UInt64) throws(X86Fault) {
        let effect = ports.write(port, size: size, value: value) ?? portWriteMiss(port, size, value)
        if _slowPath(effect != .none) { throw deviceAsked(effect) }
    }

    @inline(never)
    func portWriteMiss(_ port: UInt64, _ size: Int, _ value: UInt64) -> DeviceWriteEffect {
        guard let io = ioSpace else { return .none }
        if ports.fill(port, physical: port, clip: false, memory: io),
           let effect = ports.write(port, size: size, value: value) { return effect }
        io.write(port, size: size, value: value)
        return .none
    }

    /// Carries out a device's request from a store or `out` (its
    /// `DeviceWriteEffect`): an exit stops the core once the writing
    /// instruction has retired. Returns the trap that leaves the loop.
    @inline(never)
    func deviceAsked(_ effect: DeviceWriteEffect) -> X86Fault {
        guard case .exit(let code) = effect else { return .leave }
        powerState = .stopped
        leaveReason = .exit(code: code)
        hot.pointee.retired &+= 1
        return .leave
    }
}
