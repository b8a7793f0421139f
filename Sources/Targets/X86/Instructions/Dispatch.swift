extension X86CPU {
    /// The executor: one `switch` over the pre-decoded operation kind. Kept out of
    /// line: inlined into the block loop, its register pressure costs more than the call.
    @inline(never)
    func dispatch(_ i: DecodedInstruction) throws(X86Fault) {
        switch i.op {
        case .alu: try execALU(i)
        case .mov: try execMov(i)
        case .movImm: try writeRM(i, i.imm)
        case .lea: writeReg(i.reg, i.size, effectiveAddressNoSegment(i))
        case .jcc: if condition(i.sub) { hot.pointee.rip &+= i.imm }
        case .jmp: hot.pointee.rip &+= i.imm
        case .call: try execCall(i)
        case .ret: try execRet(i)
        case .push: try push(try readRM(i), i.size)
        case .pop: try execPop(i)
        case .movzx: try execMovzx(i)
        case .movsx: try execMovsx(i)
        case .movsxd: try execMovsxd(i)
        case .cmov: try execCmov(i)
        case .inc: try execIncDec(i, increment: true)
        case .dec: try execIncDec(i, increment: false)
        case .shift: try execShift(i)
        case .setcc: try writeRM(i, condition(i.sub) ? 1 : 0)
        case .jmpIndirect: hot.pointee.rip = try readRM(i)
        case .callIndirect: try execCallIndirect(i)
        case .imul2: try execIMul2(i)
        case .xchg: try execXchg(i)
        case .neg: try execNeg(i)
        case .not: try execNot(i)
        case .mul: try execMul(i)
        case .imul1: try execIMul1(i)
        case .div: try execDiv(i)
        case .idiv: try execIDiv(i)
        case .pushImm: try push(i.imm, i.size)
        case .movMoffsLoad: writeReg(i.rm, i.size, try read(segmented(i, i.imm), Int(i.size)))
        case .movMoffsStore: try write(segmented(i, i.imm), Int(i.size), readReg(i.reg, i.size))
        case .pushf: try push(rflags & ~(RFlags.vm | RFlags.rf), i.size)
        case .popf: try execPopf(i)
        case .convertA: execConvertA(i)
        case .convertD: execConvertD(i)
        case .bswap: execBswap(i)
        case .cmpxchg: try execCmpxchg(i)
        case .cmpxchg16b: try execCmpxchg16b(i)
        case .xadd: try execXadd(i)
        case .enter: try execEnter(i)
        case .leave: try execLeave(i)
        case .sahf: execSahf()
        case .lahf: writeReg(16, 1, (rflags & 0xD5) | 2)
        case .movSreg: try execMovSreg(i)
        case .movFromSreg: try writeRM(i, UInt64(segments[sregIndex(i.reg)]), size: i.hasMemory ? 2 : i.size)
        case .xlat: try execXlat(i)
        case .movbe: try execMovbe(i)
        case .inPort: try execIn(i)
        case .outPort: try execOut(i)
        case .shld: try execShiftDouble(i, left: true)
        case .shrd: try execShiftDouble(i, left: false)
        case .bt: try execBitTest(i)
        case .bsf: try execBitScan(i, forward: true)
        case .bsr: try execBitScan(i, forward: false)
        case .tzcnt: try execCount(i, trailing: true)
        case .lzcnt: try execCount(i, trailing: false)
        case .popcnt: try execPopcnt(i)
        case .loop: try execLoop(i)
        case .jrcxz:
            let c = i.flags & DecodedInstruction.Flags.address32 != 0 ? gpr[1] & 0xFFFF_FFFF : gpr[1]
            if c == 0 { hot.pointee.rip &+= i.imm }
        case .int3: try softwareInterrupt(X86Vector.bp)
        case .intN: try softwareInterrupt(UInt8(truncatingIfNeeded: i.imm))
        case .int1: try softwareInterrupt(X86Vector.db)
        case .iret: try execIret(i)
        case .syscall: try execSyscall()
        case .sysret: try execSysret(i)
        case .movs: try execMovs(i)
        case .stos: try execStos(i)
        case .lods: try execLods(i)
        case .scas: try execScas(i)
        case .cmps: try execCmps(i)
        case .ins: try execIns(i)
        case .outs: try execOuts(i)
        case .clc: materializeFlags(); hot.pointee.flags &= ~RFlags.cf
        case .stc: materializeFlags(); hot.pointee.flags |= RFlags.cf
        case .cmc: materializeFlags(); hot.pointee.flags ^= RFlags.cf
        case .cld: hot.pointee.flags &= ~RFlags.df
        case .std: hot.pointee.flags |= RFlags.df
        case .cli: try execCli()
        case .sti: try execSti()
        case .nop, .pause, .fence: break
        case .wbinvd: try requireCPL0()
        case .clflush: _ = try read(effectiveAddress(i), 1)
        case .hlt: try execHlt()
        case .cpuid: execCpuid()
        case .rdtsc: execRdtsc(withAux: false)
        case .rdtscp: execRdtsc(withAux: true)
        case .rdmsr: try execRdmsr()
        case .wrmsr: try execWrmsr()
        case .movToCR: try execMovToCR(i)
        case .movFromCR: try execMovFromCR(i)
        case .movToDR: try requireCPL0(); debugRegisters[Int(i.reg & 7)] = gpr[Int(i.rm)]
        case .movFromDR: try requireCPL0(); gpr[Int(i.rm)] = debugRegisters[Int(i.reg & 7)]
        case .lgdt, .lidt: try execLoadDescriptorTable(i)
        case .sgdt, .sidt: try execStoreDescriptorTable(i)
        case .ltr: try execLtr(i)
        case .str: try writeRM(i, UInt64(trSelector), size: i.hasMemory ? 2 : i.size)
        case .lldt: try requireCPL0(); ldtrSelector = UInt16(truncatingIfNeeded: try readRM(i, size: 2))
        case .sldt: try writeRM(i, UInt64(ldtrSelector), size: i.hasMemory ? 2 : i.size)
        case .smsw: try writeRM(i, cr0 & 0xFFFF_FFFF, size: i.hasMemory ? 2 : i.size)
        case .lmsw: try execLmsw(i)
        case .invlpg: try requireCPL0(); flushTLB()
        case .clts: try requireCPL0(); cr0 &= ~8
        case .swapgs: try requireCPL0(); swap(&hot.pointee.gsBase, &kernelGSBase)
        case .ud2, .invalid: throw X86Fault.ud
        case .ldmxcsr: try execLdmxcsr(i)
        case .stmxcsr: try checkSSE(); try write(effectiveAddress(i), 4, UInt64(mxcsr))
        case .fxsave: try execFxsave(i)
        case .fxrstor: try execFxrstor(i)
        case .rdrand: execRdrand(i)
        case .sse: try execSSE(i)
        case .aluRR, .aluRI, .aluRM, .aluM, .cmovRR, .movRR, .movRI, .movLoad, .movStore, .leaFast,
             .aluRRJcc, .aluRIJcc, .aluRMJcc, .aluMJcc, .incDecRJcc,
             .shiftR, .movzxRR, .movzxLoad, .movsxRR, .movsxLoad, .incDecR, .imulRR,
             .pushR, .popR, .callRel, .retNear, .jmpIndirectR, .jmpIndirectLoad,
             .ssePackedInteger, .xmmLoad, .xmmStore, .xmmMove, .xmmFromGPR, .pshufdRR, .pmuludqRR:
            preconditionFailure("specialised operations run in the block loop")
        }
    }

    // MARK: Operand access shared by the instruction classes

    /// Effective address with the FS/GS base (SDM Vol. 1, §3.7.5).
    @inline(__always)
    func effectiveAddress(_ i: DecodedInstruction) -> UInt64 {
        var a = effectiveAddressNoSegment(i)
        if _slowPath(i.flags & (DecodedInstruction.Flags.fs | DecodedInstruction.Flags.gs) != 0) {
            a &+= i.flags & DecodedInstruction.Flags.fs != 0 ? hot.pointee.fsBase : hot.pointee.gsBase
        }
        return a
    }

    /// Offset part of the address (what LEA computes).
    @inline(__always)
    func effectiveAddressNoSegment(_ i: DecodedInstruction) -> UInt64 {
        var a = UInt64(bitPattern: Int64(i.disp))
        if i.base != DecodedInstruction.none {
            a &+= i.base == DecodedInstruction.ripBase ? hot.pointee.rip : gpr[Int(i.base)]
        }
        if i.index != DecodedInstruction.none { a &+= gpr[Int(i.index)] << UInt64(i.scale) }
        if _slowPath(i.flags & DecodedInstruction.Flags.address32 != 0) { a &= 0xFFFF_FFFF }
        return a
    }

    /// An absolute offset (moffs, string registers) with the segment override applied.
    @inline(__always)
    func segmented(_ i: DecodedInstruction, _ offset: UInt64) -> UInt64 {
        if i.flags & DecodedInstruction.Flags.fs != 0 { return offset &+ hot.pointee.fsBase }
        if i.flags & DecodedInstruction.Flags.gs != 0 { return offset &+ hot.pointee.gsBase }
        return offset
    }

    @inline(__always)
    func readRM(_ i: DecodedInstruction) throws(X86Fault) -> UInt64 {
        if i.rm != DecodedInstruction.memory { return readReg(i.rm, i.size) }
        return try read(effectiveAddress(i), Int(i.size))
    }

    @inline(__always)
    func readRM(_ i: DecodedInstruction, size: UInt8) throws(X86Fault) -> UInt64 {
        if i.rm != DecodedInstruction.memory { return readReg(i.rm, size) }
        return try read(effectiveAddress(i), Int(size))
    }

    @inline(__always)
    func writeRM(_ i: DecodedInstruction, _ v: UInt64) throws(X86Fault) {
        if i.rm != DecodedInstruction.memory { writeReg(i.rm, i.size, v); return }
        try write(effectiveAddress(i), Int(i.size), v)
    }

    @inline(__always)
    func writeRM(_ i: DecodedInstruction, _ v: UInt64, size: UInt8) throws(X86Fault) {
        if i.rm != DecodedInstruction.memory { writeReg(i.rm, size, v); return }
        try write(effectiveAddress(i), Int(size), v)
    }

    @inline(__always)
    func push(_ v: UInt64, _ size: UInt8) throws(X86Fault) {
        let sp = gpr[4] &- UInt64(size)
        try write(sp, Int(size), v)
        gpr[4] = sp
    }

    @inline(__always)
    func pop(_ size: UInt8) throws(X86Fault) -> UInt64 {
        let v = try read(gpr[4], Int(size))
        gpr[4] &+= UInt64(size)
        return v
    }

    func requireCPL0() throws(X86Fault) {
        if hot.pointee.cpl != 0 { throw X86Fault.gp() }
    }

    /// Sign-extends the low `size` bytes of `v`.
    @inline(__always)
    func signExtend(_ v: UInt64, _ size: UInt8) -> UInt64 {
        let shift = 64 - UInt64(size) * 8
        return UInt64(bitPattern: Int64(bitPattern: v << shift) >> shift)
    }

    @inline(__always)
    func sizeMask(_ size: UInt8) -> UInt64 {
        size == 8 ? .max : (1 << (UInt64(size) * 8)) - 1
    }
}
