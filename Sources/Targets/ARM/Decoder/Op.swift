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
    case movk                   // aux = shift, imm = 16-bit value; ra = 1 when 32-bit
    case ubfm64, ubfm32, sbfm64, sbfm32, bfm64, bfm32      // aux = immr | imms << 8
    case lslImm64, lslImm32, lsrImm64, lsrImm32, asrImm64, asrImm32  // aux = amount
    // UBFM/SBFM specialised at decode time (UBFX/UXTB/UXTH, UBFIZ, SBFX/SXT*, SBFIZ):
    case ubfx                   // rd = (rn >> aux) & imm
    case ubfiz                  // rd = (rn & imm) << aux
    case sbfx64, sbfx32         // rd = Int64(rn << (aux & 0xFF)) >> (aux >> 8), 32-bit forms masked
    case sbfiz64, sbfiz32       // rd = (Int64(rn << (aux & 0xFF)) >> (aux & 0xFF)) << (aux >> 8), masked
    case extr64, extr32         // aux = lsb
    // Data processing (register).
    case addSR64, addSR32, subSR64, subSR32, addsSR64, addsSR32, subsSR64, subsSR32 // aux = amount | type << 8
    case addLSL64, subLSL64, addLSL32, subLSL32, subsLSL64, subsLSL32                // aux = amount
    case andSR64, andSR32, orrSR64, orrSR32, eorSR64, eorSR32, andsSR64, andsSR32     // aux = amount | type << 8 | invert << 10
    case movReg64, movReg32     // rd = rm (ORR with ZR, LSL 0)
    case addExt, subExt, addsExt, subsExt   // aux = shift | option << 3 | sf << 6
    case adc, sbc, adcs, sbcs   // aux = sf
    case ccmp, ccmn             // aux = cond | nzcv << 4 | sf << 8 | isImm << 9; imm = imm5
    case csel, csinc, csinv, csneg  // aux = cond | sf << 8
    case rbit64, rbit32, rev16_64, rev16_32, rev32_64, rev64, rev32, clz64, clz32, cls64, cls32
    case udiv64, udiv32, sdiv64, sdiv32
    case lslv64, lslv32, lsrv64, lsrv32, asrv64, asrv32, rorv64, rorv32
    case madd64, madd32, msub64, msub32, smaddl, smsubl, umaddl, umsubl, smulh, umulh
    // Branches.
    case b, bl, bcond           // imm = target, aux = cond
    case cbz64, cbz32, cbnz64, cbnz32, tbz, tbnz   // aux = bit for tbz
    case br, blr, ret
    // Loads and stores: aux = addressing mode (see `AddressMode`) | extras.
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
    case ld1Multiple, st1Multiple   // aux = regs | (esize log2 << 4) | q << 7 | structure << 8 ; imm = post increment; rm = Rm or 0xFF
    case ld1r, ld1Lane, st1Lane     // aux = esize log2 | q << 4 | lane index << 8
    // System.
    case svc, hvc, smc, brk, hlt    // imm = imm16
    case eret
    case wfi, wfe, sev, sevl, yield
    case isb, clrex
    case mrs, msr               // imm = sysreg key (op0:op1:CRn:CRm:op2)
    case msrDAIFSet, msrDAIFClr, msrSPSel  // imm = value
    case sysNop                 // SYS/DC/IC/TLBI treated as no-ops with MMU off
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
    case vBinary                // aux = VectorOp | esize << 8 | q << 11 ; rd rn rm
    case vUnary                 // aux = VectorUnary | esize << 8 | q << 11
    case vShift                 // aux = VectorShiftOp | esize << 8 | q << 11 ; imm = amount
    case vAcross                // aux = VectorAcrossOp | esize << 8 | q << 11
    case vMovi                  // imm = 64-bit pattern, aux = q | op << 1 (0 movi, 1 mvni/orr.. see SIMD)
    case vDupElement, vDupGeneral, vIns, vInsElement, vUmov, vSmov  // aux = esize | q << 4 | index << 8 | index2 << 12
    case vExt                   // aux = q, imm = index
    case vTbl                   // aux = q | len << 1 | tbx << 3
    case vPermute               // aux = op | esize << 8 | q << 11
    case vWiden                 // aux = op | esize << 8 | q << 11
    case vNarrow
    case vFP                    // aux = VectorFPOp | double << 8 | q << 11
    // Integer extensions (issue #4): CRC, CASP, saturating/rounding/by-element SIMD, structures, crypto.
    case crc32                  // aux = sz | c << 2 (CRC32C polynomial when c = 1)
    case casp                   // aux = size log2 of one element (2 or 3); rd = Rt, rm = Rs (both even)
    case vInteger               // aux = IntegerOp | esize << 8 | q << 11 | scalar << 12 | byElement << 13; imm = shift or index
    case ldNr, ldNLane, stNLane // aux = esize | q << 4 | (selem - 1) << 5 | index << 8; imm = post increment; rm as ld1Multiple
    case crypto                 // aux = CryptoOp
}

/// Addressing modes of single-register loads and stores (low bits of `aux`).
enum AddressMode {
    static let offset: UInt16 = 0       // [Rn, #imm]
    static let preIndex: UInt16 = 1     // [Rn, #imm]!
    static let postIndex: UInt16 = 2    // [Rn], #imm
    static let register: UInt16 = 3     // [Rn, Rm{, extend {#amount}}]: bits 4-6 option, bits 8-11 shift
    static let literal: UInt16 = 4      // imm is the absolute address
}
