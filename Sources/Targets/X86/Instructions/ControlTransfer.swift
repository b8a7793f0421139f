/// Control transfer (SDM Vol. 1, §7.3.8; Vol. 3A §6.14 for interrupts,
/// §5.8.8 for SYSCALL/SYSRET). Near branches use 64-bit operands.
extension X86CPU {
    @inline(__always)
    func execCall(_ i: DecodedInstruction) throws(X86Fault) {
        let next = hot.pointee.rip
        try push(next, 8)
        hot.pointee.rip = next &+ i.imm
    }

    func execCallIndirect(_ i: DecodedInstruction) throws(X86Fault) {
        let target = try readRM(i)
        try push(hot.pointee.rip, 8)
        hot.pointee.rip = target
    }

    @inline(__always)
    func execRet(_ i: DecodedInstruction) throws(X86Fault) {
        let target = try read(gpr[4], 8)
        gpr[4] &+= 8 &+ (i.imm & 0xFFFF)
        hot.pointee.rip = target
    }

    func execLoop(_ i: DecodedInstruction) throws(X86Fault) {
        let wide = i.flags & DecodedInstruction.Flags.address32 == 0
        let c = (wide ? gpr[1] : gpr[1] & 0xFFFF_FFFF) &- 1
        if wide { gpr[1] = c } else { gpr[1] = c & 0xFFFF_FFFF }
        let counting = (wide ? c : c & 0xFFFF_FFFF) != 0
        let taken: Bool
        switch i.sub {
        case 0: taken = counting && !condition(4)  // LOOPNE
        case 1: taken = counting && condition(4)   // LOOPE
        default: taken = counting
        }
        if taken { hot.pointee.rip &+= i.imm }
    }

    /// INT n / INT3 / INT1: traps, so the pushed RIP is the next instruction.
    func softwareInterrupt(_ vector: UInt8) throws(X86Fault) {
        if idtrLimit == 0 { throw X86Fault(vector: vector) }
        try deliver(vector: vector, errorCode: nil, kind: vector == X86Vector.db ? .exception : .software)
    }

    /// IRET/IRETQ in 64-bit mode: pops RIP, CS, RFLAGS, RSP, SS.
    func execIret(_ i: DecodedInstruction) throws(X86Fault) {
        let size = Int(i.size == 2 ? 2 : i.size)
        let sp = gpr[4]
        let rip = try read(sp, size)
        let cs = try read(sp &+ UInt64(size), size) & 0xFFFF
        let flags = try read(sp &+ UInt64(2 * size), size)
        let rsp = try read(sp &+ UInt64(3 * size), size)
        let ss = try read(sp &+ UInt64(4 * size), size) & 0xFFFF
        let cpl = hot.pointee.cpl
        let newCPL = UInt8(cs & 3)
        guard newCPL >= cpl, cs & ~3 != 0 else { throw X86Fault.gp(UInt32(cs & ~3)) }
        let top = Int64(bitPattern: rip) >> 47
        guard top == 0 || top == -1 else { throw X86Fault.gp() }
        var mask = RFlags.writable
        let old = rflags
        if cpl > 0 { mask &= ~RFlags.iopl }
        if UInt64(cpl) > (old >> 12) & 3 { mask &= ~RFlags.if }
        setRFlags((old & ~mask) | (flags & mask))
        segments[0] = UInt16(cs)
        segments[1] = UInt16(ss)
        gpr[4] = rsp
        hot.pointee.rip = rip
        setCPL(newCPL)
        if apic.nmiInService { apic.nmiInService = false }
        hot.pointee.pending = 1
    }

    /// SYSCALL: RCX = next RIP, R11 = RFLAGS, enter CPL 0 at LSTAR with RFLAGS &= ~SFMASK.
    func execSyscall() throws(X86Fault) {
        guard efer & 1 != 0 else { throw X86Fault.ud }
        let flags = rflags
        gpr[1] = hot.pointee.rip
        gpr[11] = flags & ~RFlags.rf
        let selector = UInt16((star >> 32) & 0xFFFC)
        segments[0] = selector
        segments[1] = selector &+ 8
        setRFlags(flags & ~sfmask & ~RFlags.rf)
        setCPL(0)
        hot.pointee.rip = lstar
    }

    /// SYSRET (REX.W: to 64-bit code): RIP = RCX, RFLAGS = R11, CPL 3.
    /// Returning to compatibility mode (no REX.W) is not modelled: #UD.
    func execSysret(_ i: DecodedInstruction) throws(X86Fault) {
        guard efer & 1 != 0 else { throw X86Fault.ud }
        try requireCPL0()
        guard i.flags & DecodedInstruction.Flags.rexW != 0 else { throw X86Fault.ud }
        let target = gpr[1]
        let top = Int64(bitPattern: target) >> 47
        guard top == 0 || top == -1 else { throw X86Fault.gp() }
        let base = UInt16((star >> 48) & 0xFFFF)
        segments[0] = (base &+ 16) | 3
        segments[1] = (base &+ 8) | 3
        setRFlags(gpr[11])
        setCPL(3)
        hot.pointee.rip = target
        hot.pointee.pending = 1
    }
}
