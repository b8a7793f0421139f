/// Register-file slots an `Op` names. X0–X30 are slots 0–30; the decoder
/// resolves encoding 31 to `zeroRegister` (reads as 0), `stackPointer`, or
/// `sink` (writes to XZR land there and are never read), so handlers never
/// test for register 31.
enum Slot {
    static let zero: UInt8 = 31
    static let sp: UInt8 = 32
    static let sink: UInt8 = 33
    static let nzcv = 34
    static let count = 40
}

/// One pre-decoded instruction: 16 bytes, stored contiguously in blocks.
///
/// `kind` selects the handler; the other fields mean what the kind says
/// (see the decoders in `Instructions/`). Immediates are pre-extended and
/// pre-shifted, branch targets are absolute.
struct Op {
    var kind: OpKind
    var rd: UInt8 = 0
    var rn: UInt8 = 0
    var rm: UInt8 = 0
    var ra: UInt8 = 0
    var aux: UInt16 = 0
    var imm: UInt64 = 0

    init(_ kind: OpKind, rd: UInt8 = 0, rn: UInt8 = 0, rm: UInt8 = 0, ra: UInt8 = 0, aux: UInt16 = 0, imm: UInt64 = 0) {
        self.kind = kind
        self.rd = rd
        self.rn = rn
        self.rm = rm
        self.ra = ra
        self.aux = aux
        self.imm = imm
    }

    static let undefined = Op(.undefined)
}

/// The operation of a pre-decoded instruction. Kinds are specialised at
/// decode time (operand size, addressing form) so handlers do not re-branch.
enum OpKind: UInt16 {
    case undefined
    case nop
    // Data processing (immediate).
    case movImm                 // rd = imm
    case addImm64, addImm32, subImm64, subImm32
    case addsImm64, addsImm32, subsImm64, subsImm32
    case andImm, orrImm, eorImm, andsImm64, andsImm32      // imm already sized; 32-bit forms pre-masked
    case movk                   // aux = shift (`moveWideShift`), imm = 16-bit value; ra = 1 when 32-bit
    case ubfm64, ubfm32, sbfm64, sbfm32, bfm64, bfm32      // aux: `bitfieldAux` (immr | imms << 8)
    case lslImm64, lslImm32, lsrImm64, lsrImm32, asrImm64, asrImm32  // aux = amount
    // UBFM/SBFM specialised at decode time (UBFX/UXTB/UXTH, UBFIZ, SBFX/SXT*, SBFIZ):
    case ubfx                   // rd = (rn >> aux) & imm
    case ubfiz                  // rd = (rn & imm) << aux
    case sbfx64, sbfx32         // rd = Int64(rn << (aux & 0xFF)) >> (aux >> 8), 32-bit forms masked (`shiftPairAux`)
    case sbfiz64, sbfiz32       // rd = (Int64(rn << (aux & 0xFF)) >> (aux & 0xFF)) << (aux >> 8), masked (`shiftPairAux`)
    case extr64, extr32         // aux = lsb
    // Data processing (register).
    case addSR64, addSR32, subSR64, subSR32, addsSR64, addsSR32, subsSR64, subsSR32 // aux: `shiftedRegisterAux`
    case addLSL64, subLSL64, addLSL32, subLSL32, subsLSL64, subsLSL32                // aux = amount
    case andSR64, andSR32, orrSR64, orrSR32, eorSR64, eorSR32, andsSR64, andsSR32     // aux: `shiftedRegisterAux` with invert
    case movReg64, movReg32     // rd = rm (ORR with ZR, LSL 0)
    case addExt, subExt, addsExt, subsExt   // aux: `extendedRegisterAux`
    case adc, sbc, adcs, sbcs   // aux = sf
    case ccmp, ccmn             // aux: `conditionalCompareAux`; imm = imm5
    case csel, csinc, csinv, csneg  // aux: `conditionalSelectAux`
    case rbit64, rbit32, rev16_64, rev16_32, rev32_64, rev64, rev32, clz64, clz32, cls64, cls32
    case udiv64, udiv32, sdiv64, sdiv32
    case lslv64, lslv32, lsrv64, lsrv32, asrv64, asrv32, rorv64, rorv32
    case madd64, madd32, msub64, msub32, smaddl, smsubl, umaddl, umsubl, smulh, umulh
    // Branches.
    case b, bl, bcond           // imm = target; bcond aux = the condition's truth table over NZCV (`branchConditionTable`)
    case cbz64, cbz32, cbnz64, cbnz32, tbz, tbnz   // imm = target; rd = Rt; tbz/tbnz aux = bit number
    case br, blr, ret
    // Loads and stores: aux = `addressingAux` (mode, register extend, SP base).
    case ldrb, ldrh, ldrw, ldrx, ldrsb64, ldrsh64, ldrsw, ldrsb32, ldrsh32
    case strb, strh, strw, strx
    // The same with [Xn, #imm] addressing and a base other than SP
    // (`A64Decoder.specializeAddressing`): address = rn + imm, no write-back.
    case ldrbOff, ldrhOff, ldrwOff, ldrxOff, strbOff, strhOff, strwOff, strxOff
    case ldrFP8, ldrFP16, ldrFP32, ldrFP64, ldrFP128, strFP8, strFP16, strFP32, strFP64, strFP128
    case ldpw, ldpx, ldpsw, stpw, stpx, ldpFP32, ldpFP64, ldpFP128, stpFP32, stpFP64, stpFP128
    case prfm
    case ldxr, ldaxr, stxr, stlxr, ldar, stlr, ldxp, stxp   // aux = size log2; rm = status register
    case cas, swp, ldadd, ldclr, ldeor, ldset, ldsmax, ldsmin, ldumax, ldumin  // aux = size log2; rm = Rs
    case ld1Multiple, st1Multiple   // aux: `multipleStructuresAux`; imm = post increment; rm = `postIndexSlot`
    case ld1r, ld1Lane, st1Lane     // aux: `structureAux` (ld1r: esize, q; lanes: esize, index); imm = post increment
    // System.
    case svc, hvc, smc, brk, hlt    // imm = imm16
    case eret
    case wfi, wfe, sev, sevl, yield
    case isb, clrex
    case mrs, msr               // imm = sysreg key (op0:op1:CRn:CRm:op2)
    case msrDAIFSet, msrDAIFClr, msrSPSel  // imm = value
    case sys                    // SYS (DC/IC/TLBI/AT): imm = key (1:op1:CRn:CRm:op2), rd = Xt
    case unprivileged           // LDTR/STTR family: aux = the plain load/store kind, imm = offset
    // Floating point (scalar): aux bit 0 = double.
    case fmovReg, fmovToGP, fmovFromGP, fmovImm   // aux for GP moves: 0 = W<-S, 1 = X<-D, 2 = X<-V.D[1], 3 = S<-W, 4 = D<-X, 5 = V.D[1]<-X
    case fadd, fsub, fmul, fdiv, fmax, fmin, fmaxnm, fminnm, fnmul
    case fabs, fneg, fsqrt, fcvtSD, fcvtDS, frint   // frint aux bits 1-3 = rounding (see FPRounding), bit 4 = exact
    case fmadd, fmsub, fnmadd, fnmsub
    case fcmp, fccmp            // aux bit 1 = compare with zero, bit 2 = FCMPE; fccmp aux = double | FCCMPE << 1 | cond << 4 | nzcv << 8
    case fcsel                  // aux = double | cond << 4
    case scvtf, ucvtf           // aux = double | srcIs64 << 1; imm = fraction bits
    case fcvtToInt              // aux = double | dst64 << 1 | unsigned << 2 | rounding << 3; imm = fraction bits
    case fcvtHS, fcvtSH, fcvtHD, fcvtDH     // FCVT Sd,Hn / Hd,Sn / Dd,Hn / Hd,Dn
    // Advanced SIMD: aux/imm described in SIMD.swift.
    case vBinary                // aux: `vectorAux` (VectorOp); rd rn rm
    case vUnary                 // aux: `vectorAux`
    case vShift                 // aux: `vectorAux`; imm = amount
    case vAcross                // aux: `vectorAux`
    case vMovi                  // imm = 64-bit pattern, aux = q | op << 1 (0 movi, 1 mvni/orr.. see SIMD)
    case vDupElement, vDupGeneral, vIns, vInsElement, vUmov, vSmov  // aux: `copyAux` (scalar DUP adds 0x8000)
    case vExt                   // aux = q, imm = index
    case vTbl                   // aux = q | len << 1 | tbx << 3
    case vPermute               // aux: `vectorAux`
    case vWiden                 // aux: `vectorAux`
    case vNarrow                // aux: `vectorAux`
    case vFP                    // aux = VectorFPOp | (double ? 3 : 2) << 8 | q << 11 | scalar/indexed flags (`vectorAux`)
    // Integer extensions (issue #4): CRC, CASP, saturating/rounding/by-element SIMD, structures, crypto.
    case crc32                  // aux = sz | c << 2 (CRC32C polynomial when c = 1)
    case casp                   // aux = size log2 of one element (2 or 3); rd = Rt, rm = Rs (both even)
    case vInteger               // aux: `vectorAux` | scalar << 12 | byElement << 13; imm = shift or index
    case ldNr, ldNLane, stNLane // aux: `structureAux`; imm = post increment; rm as ld1Multiple
    case crypto                 // aux = CryptoOp
}

/// Addressing modes of single-register loads and stores (low bits of `aux`, see `Op.addressingAux`).
enum AddressMode {
    static let offset: UInt16 = 0       // [Rn, #imm]
    static let preIndex: UInt16 = 1     // [Rn, #imm]!
    static let postIndex: UInt16 = 2    // [Rn], #imm
    static let register: UInt16 = 3     // [Rn, Rm{, extend {#amount}}]: bits 4-6 option, bits 8-11 shift
    static let literal: UInt16 = 4      // imm is the absolute address
}

/// The packed `aux` layouts, declared once: decoders build `aux` with the
/// static builders, and the accessors read it back (the disassembler today;
/// the executors can adopt them). The layouts are those the executors read.
extension Op {
    // MARK: Branches

    /// B.cond: bit n is set when the condition holds for NZCV = n (N in bit 3),
    /// so the block loop tests one bit instead of decoding flags.
    static func branchConditionTable(_ cond: UInt32) -> UInt16 { conditionTruthTable(UInt16(cond)) }
    /// Does the B.cond taken for flags `nzcv` (N in bit 3)?
    func branchTaken(nzcv: UInt16) -> Bool { (aux >> (nzcv & 0xF)) & 1 != 0 }

    // MARK: Loads and stores

    /// Bit 15: the base is SP, whose alignment is checked (SCTLR_EL1.SA).
    static let spBaseFlag: UInt16 = 0x8000
    /// Single-register loads and stores: the `AddressMode` in bits 0-2; for
    /// `AddressMode.register` the extend option in bits 4-6 and the shift in
    /// bits 8-11; `spBaseFlag` (set by `A64Decoder.markSPBase`).
    static func addressingAux(_ mode: UInt16, option: UInt32 = 0, shift: UInt32 = 0) -> UInt16 {
        mode | UInt16(option << 4 | shift << 8)
    }
    var addressMode: UInt16 { aux & 7 }
    var registerOffsetOption: UInt16 { (aux >> 4) & 7 }
    var registerOffsetShift: UInt16 { (aux >> 8) & 0xF }
    var hasSPBase: Bool { aux & Op.spBaseFlag != 0 }

    /// LD1-LD4/ST1-ST4 (multiple structures): repeat count in bits 0-2,
    /// elements per structure in bits 3-5, element size log2 in bits 6-7, Q in bit 8.
    static func multipleStructuresAux(repeats: UInt32, elements: UInt32, esize: UInt32, q: Bool) -> UInt16 {
        UInt16(repeats | elements << 3 | esize << 6 | q.bit << 8)
    }
    /// Single structure and replicate (ld1r, ld1Lane, ldNr, ldNLane…): element
    /// size log2 in bits 0-1, Q in bit 4 (replicate forms), elements - 1 in
    /// bits 5-6 (ldN forms), lane index from bit 8 (lane forms).
    static func structureAux(esize: UInt32, q: Bool = false, elements: UInt32 = 1, index: UInt32 = 0) -> UInt16 {
        UInt16(esize | q.bit << 4 | (elements - 1) << 5 | index << 8)
    }
    /// `rm` of the SIMD structure loads and stores: 0xFF no write-back,
    /// 0xFE post-increment by `imm`, else post-increment by Xm.
    static func postIndexSlot(post: Bool, rm: RegisterNumber) -> UInt8 {
        !post ? 0xFF : (rm.is31 ? 0xFE : rm.raw)
    }

    // MARK: Data processing

    /// Shifted register operand: amount in bits 0-7, shift type (LSL, LSR,
    /// ASR, ROR) in bits 8-9, invert (BIC/ORN/EON/BICS) in bit 10.
    static func shiftedRegisterAux(amount: UInt32, type: UInt32, invert: Bool = false) -> UInt16 {
        UInt16(amount | type << 8 | invert.bit << 10)
    }
    var shiftAmount: UInt16 { aux & 0xFF }
    var shiftType: UInt16 { (aux >> 8) & 3 }
    var invertsOperand: Bool { aux & 0x400 != 0 }

    /// Extended register operand: shift in bits 0-2, option (UXTB…SXTX) in bits 3-5, sf in bit 6.
    static func extendedRegisterAux(shift: UInt32, option: UInt32, sf: Bool) -> UInt16 {
        UInt16(shift | option << 3 | sf.bit << 6)
    }
    /// CCMP/CCMN: condition in bits 0-3, the NZCV to set when it fails in
    /// bits 4-7, sf in bit 8, immediate form in bit 9 (imm = imm5).
    static func conditionalCompareAux(cond: UInt32, nzcv: UInt32, sf: Bool, immediate: Bool) -> UInt16 {
        UInt16(cond | nzcv << 4 | sf.bit << 8 | immediate.bit << 9)
    }
    /// CSEL/CSINC/CSINV/CSNEG: condition in bits 0-3, sf in bit 8.
    static func conditionalSelectAux(cond: UInt32, sf: Bool) -> UInt16 { UInt16(cond | sf.bit << 8) }
    var condition: UInt16 { aux & 0xF }

    /// BFM/SBFM/UBFM: immr in bits 0-7, imms from bit 8.
    static func bitfieldAux(immr: UInt32, imms: UInt32) -> UInt16 { UInt16(immr | imms << 8) }
    /// SBFX/SBFIZ: the first shift in bits 0-7, the second from bit 8.
    static func shiftPairAux(_ first: UInt16, _ second: UInt16) -> UInt16 { first | second << 8 }

    // MARK: Advanced SIMD

    /// Vector kinds (vBinary … vFP, vInteger): operation in bits 0-7,
    /// element size log2 in bits 8-10, Q in bit 11; kind-specific flags above.
    static func vectorAux(_ operation: UInt16, esize: UInt32, q: Bool) -> UInt16 {
        operation | UInt16(esize) << 8 | UInt16(q.bit) << 11
    }
    var vectorOperation: UInt16 { aux & 0xFF }
    var vectorElementSize: UInt16 { (aux >> 8) & 7 }
    var vectorQ: Bool { aux & 0x800 != 0 }

    /// DUP/INS/UMOV/SMOV: element size log2 in bits 0-3, Q in bit 4, the
    /// element index in bits 8-11, the source index of INS (element) from bit 12.
    static func copyAux(esize: UInt32, q: Bool, index: UInt32, sourceIndex: UInt32 = 0) -> UInt16 {
        UInt16(esize | q.bit << 4 | index << 8 | sourceIndex << 12)
    }
}
