import ChimeraCore
import ChimeraCPUKit

// A64 exception generation and system instructions (ARM ARM C4.1.85):
// SVC/HVC/SMC/BRK/HLT, hints, barriers, PSTATE access, SYS and MRS/MSR.

extension A64Decoder {
    static func decodeExceptionGeneration(_ f: ExceptionGenerationFields) -> Op {
        let imm = UInt64(f.imm16)
        guard f.op2 == 0 else { return .undefined }
        switch (f.opc, f.ll) {
        case (0, 1): return Op(.svc, imm: imm)
        case (0, 2): return Op(.hvc, imm: imm)
        case (0, 3): return Op(.smc, imm: imm)
        case (1, 0): return Op(.brk, imm: imm)
        case (2, 0): return Op(.hlt, imm: imm)
        default: return .undefined
        }
    }

    static func decodeSystem(_ f: SystemFields) -> Op {
        let l = f.l, op0 = f.op0, op1 = f.op1, crn = f.crn, crm = f.crm, op2 = f.op2, rt = f.rt
        switch op0 {
        case 0:
            guard !l else { return .undefined }
            switch crn {
            case 2 where op1 == 3 && rt.is31:
                switch crm << 3 | op2 {
                case 1: return Op(.yield)
                case 2: return Op(.wfe)
                case 3: return Op(.wfi)
                case 4: return Op(.sev)
                case 5: return Op(.sevl)
                default: return Op(.nop)   // NOP and unallocated hints (BTI, PAC*SP, ESB, …) execute as NOP
                }
            case 3 where op1 == 3 && rt.is31:
                switch op2 {
                case 2: return Op(.clrex)
                case 4, 5: return Op(.nop)     // DSB, DMB: one host thread keeps the machine sequentially consistent
                case 6: return Op(.isb)
                default: return .undefined
                }
            case 4 where rt.is31:
                switch (op1, op2) {
                case (0, 5): return Op(.msrSPSel, imm: UInt64(crm))
                case (3, 6): return Op(.msrDAIFSet, imm: UInt64(crm))
                case (3, 7): return Op(.msrDAIFClr, imm: UInt64(crm))
                default: return .undefined
                }
            default:
                return .undefined
            }
        case 1:
            // SYS: cache, TLB and address-translation maintenance (`executeSys`); SYSL is unallocated.
            guard !l else { return .undefined }
            let key = UInt64(SystemRegister(1, UInt16(op1), UInt16(crn), UInt16(crm), UInt16(op2)).rawValue)
            return Op(.sys, rd: rt.xzr, imm: key)
        default:
            let key = UInt64(SystemRegister(UInt16(op0), UInt16(op1), UInt16(crn), UInt16(crm), UInt16(op2)).rawValue)
            return l ? Op(.mrs, rd: rt.sink, imm: key) : Op(.msr, rd: rt.xzr, imm: key)
        }
    }
}

extension AArch64CPU {
    /// Out-of-line instructions. Returns the loop outcome: 0 continue,
    /// 1 redirect to `st.pc` (retired), 2 exception (not retired), 3 stop
    /// (retired), 4 stop (not retired).
    @inline(never)
    func executeOutOfLine(_ op: Op, at pc: UInt64, index: Int) throws(GuestTrap) -> UInt8 {
        switch op.kind {
        case .ldxr, .ldaxr, .stxr, .stlxr, .ldar, .stlr, .ldxp, .stxp, .cas, .swp, .ldadd, .ldclr, .ldeor, .ldset,
             .ldsmax, .ldsmin, .ldumax, .ldumin:
            return try executeAtomic(op, at: pc)
        case .ldrFP8, .ldrFP16, .ldrFP32, .ldrFP64, .ldrFP128, .strFP8, .strFP16, .strFP32, .strFP64, .strFP128,
             .ldpFP32, .ldpFP64, .ldpFP128, .stpFP32, .stpFP64, .stpFP128, .ld1Multiple, .st1Multiple, .ld1r, .ld1Lane, .st1Lane:
            return try executeFPLoadStore(op, at: pc)
        case .fmovReg, .fmovToGP, .fmovFromGP, .fmovImm, .fadd, .fsub, .fmul, .fdiv, .fmax, .fmin, .fmaxnm, .fminnm, .fnmul,
             .fabs, .fneg, .fsqrt, .fcvtSD, .fcvtDS, .frint, .fmadd, .fmsub, .fnmadd, .fnmsub, .fcmp, .fccmp, .fcsel,
             .scvtf, .ucvtf, .fcvtToInt, .fcvtHS, .fcvtSH, .fcvtHD, .fcvtDH:
            executeFloatingPoint(op)
            return 0
        case .vBinary, .vUnary, .vShift, .vAcross, .vMovi, .vDupElement, .vDupGeneral, .vIns, .vInsElement, .vUmov, .vSmov,
             .vExt, .vTbl, .vPermute, .vWiden, .vNarrow, .vFP:
            executeSIMD(op)
            return 0
        case .crc32:
            executeCRC32(op)
            return 0
        case .casp:
            return try executeCASP(op, at: pc)
        case .vInteger:
            executeSIMDInteger(op)
            return 0
        case .ldNr, .ldNLane, .stNLane:
            return try executeSIMDStructure(op, at: pc)
        case .crypto:
            executeCrypto(op)
            return 0
        case .unprivileged:
            return try executeUnprivileged(op, at: pc)
        default:
            return try executeSystem(op, at: pc)
        }
    }

    func executeSystem(_ op: Op, at pc: UInt64) throws(GuestTrap) -> UInt8 {
        switch op.kind {
        case .svc:
            takeException(offset: VectorOffset.synchronous, syndrome: syndrome(ExceptionClass.svc, op.imm), faultAddress: nil,
                          returnAddress: pc &+ 4, reason: "SVC")
            return pendingStop == nil ? 1 : 4
        case .hvc:
            return hypervisorCall(op, at: pc)
        case .smc:
            return secureMonitorCall(op, at: pc)
        case .brk:
            takeException(offset: VectorOffset.synchronous, syndrome: syndrome(ExceptionClass.brk, op.imm), faultAddress: nil,
                          returnAddress: pc, reason: "BRK #\(op.imm)")
            return 2
        case .hlt:
            guard op.imm == 0xF000, semihostingEnabled else { return undefined(at: pc) }
            return handleSemihosting(at: pc)
        case .eret:
            guard currentEL >= 1 else { return undefined(at: pc) }
            exceptionReturn()
            return 1
        case .wfe:
            if trapWaitToEL2(wfe: true, at: pc) { return 2 }
            return waitForEvent(at: pc)
        case .wfi:
            if trapWaitToEL2(wfe: false, at: pc) { return 2 }
            waitingForEvent = false
            monitorWait = nil
            if hasPendingWakeup { return 0 }
            powerState = .halted
            st.pointee.pc = pc &+ 4
            return 3
        case .sev:
            for cpu in cluster?.cpus ?? [] {
                if let c = cpu as? AArch64CPU, c !== self { c.eventRegister = true; if c.powerState == .halted { c.requestStop() } }
            }
            eventRegister = true
            return 0
        case .sevl:
            eventRegister = true    // a local event: the next WFE falls through
            return 0
        case .isb, .nop, .yield, .prfm:
            return 0
        case .clrex:
            st.pointee.exclusiveAddress = .max
            return 0
        case .mrs:
            let key = SystemRegister(rawValue: UInt16(op.imm))
            if trappedToEL2(key) { return trapSystemRegisterAccess(key, rt: UInt64(op.rd), read: true, at: pc) }
            let saved = syncRetired(pc)
            defer { st.pointee.retired = saved }
            guard let v = readSystemRegister(key) else { return undefined(at: pc) }
            regs[Int(op.rd)] = v
            return 0
        case .msr:
            let key = SystemRegister(rawValue: UInt16(op.imm))
            if trappedToEL2(key) { return trapSystemRegisterAccess(key, rt: UInt64(op.rd), read: false, at: pc) }
            let saved = syncRetired(pc)
            defer { st.pointee.retired = saved }
            guard writeSystemRegister(key, regs[Int(op.rd)]) else { return undefined(at: pc) }
            if pendingStop != nil {
                // The write asked for something not modelled (`reportUnmodelled`).
                st.pointee.pc = pc &+ 4
                return 3
            }
            if fpAccessTrapped != translatedWithFPTrap {
                // FP trapping changed: retranslate from the next instruction.
                st.pointee.pc = pc &+ 4
                return 1
            }
            return 0
        case .msrDAIFSet, .msrDAIFClr:
            guard currentEL >= 1 || sys.sctlr & (1 << 9) != 0 else { return undefined(at: pc) }
            if op.kind == .msrDAIFSet { daif |= (op.imm & 0xF) << 6 } else { daif &= ~((op.imm & 0xF) << 6) }
            updateInterruptPending()
            return 0
        case .msrSPSel:
            guard currentEL >= 1 else { return undefined(at: pc) }
            saveSP()
            spSel = op.imm & 1
            loadSP()
            return 0
        case .sys:
            return try executeSys(SystemRegister(rawValue: UInt16(op.imm)), operand: regs[Int(op.rd)], at: pc)
        default:
            return undefined(at: pc)
        }
    }

    /// SYS (ARM ARM C5.3): DC, IC, TLBI and AT. Caches are not modelled, so
    /// cleans and invalidates do nothing, and stores to translated code
    /// already drop its blocks (from any core or device), so IC needs no
    /// work either. EL0 may use DC ZVA (SCTLR_EL1.DZE), DC CVAC/CVAU/CIVAC
    /// and IC IVAU (SCTLR_EL1.UCI); everything else there is UNDEFINED.
    func executeSys(_ key: SystemRegister, operand: UInt64, at pc: UInt64) throws(GuestTrap) -> UInt8 {
        let op1 = UInt64(key.rawValue >> 11) & 7, crn = UInt64(key.rawValue >> 7) & 15
        let crm = UInt64(key.rawValue >> 3) & 15, op2 = UInt64(key.rawValue) & 7
        switch (op1, crn, crm, op2) {
        case (3, 7, 4, 1):
            // DC ZVA: zero the 64-byte block containing Xt (DCZID_EL0.BS = 4 words).
            guard currentEL > 0 || sys.sctlr & (1 << 14) != 0 else { return undefined(at: pc) }
            let base = operand & ~63
            for k in 0..<8 { try write(UInt64.self, base &+ UInt64(k * 8), 0, pc) }
            return 0
        case (3, 7, 10, 1), (3, 7, 11, 1), (3, 7, 14, 1), (3, 7, 12, 1), (3, 7, 5, 1):
            // DC CVAC, CVAU, CIVAC, CVAP; IC IVAU.
            guard currentEL > 0 || sys.sctlr & (1 << 26) != 0 else { return undefined(at: pc) }
            return 0
        case (0, 7, 6, 1), (0, 7, 6, 2), (0, 7, 10, 2), (0, 7, 14, 2), (0, 7, 1, 0), (0, 7, 5, 0):
            // DC IVAC, ISW, CSW, CISW; IC IALLUIS, IALLU.
            guard currentEL > 0 else { return undefined(at: pc) }
            return 0
        case (_, 8, _, _):
            guard currentEL > 0, op1 != 4 || currentEL == 2, tlbMaintenance(op1: op1, crm: crm, op2: op2, operand: operand) else { return undefined(at: pc) }
            return 0
        case (_, 7, 8, _):
            guard currentEL > 0, op1 != 4 || currentEL == 2, addressTranslate(op1: op1, op2: op2, va: operand) else { return undefined(at: pc) }
            return 0
        default:
            return undefined(at: pc)
        }
    }

    func undefined(at pc: UInt64) -> UInt8 {
        st.pointee.pc = pc
        raiseUndefined()
        return 2
    }
}
