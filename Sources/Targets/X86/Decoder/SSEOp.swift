/// SSE/SSE2 operations (`DecodedInstruction.sub` when `op == .sse`).
/// Names follow the manual's mnemonics; the opcode maps say which prefix
/// and opcode select each.
public enum SSEOp: UInt8, Sendable, CaseIterable {
    case movaLoad, movuLoad, movaStore, movuStore
    case movssLoad, movssStore, movsdLoad, movsdStore
    case movqLoad, movqStore, movdToXMM, movdFromXMM
    case movlpLoad, movlpStore, movhpLoad, movhpStore, movhlps, movlhps
    case pand, pandn, por, pxor
    case pcmpeqb, pcmpeqw, pcmpeqd, pcmpgtb, pcmpgtw, pcmpgtd
    case paddb, paddw, paddd, paddq, psubb, psubw, psubd, psubq
    case paddusb, paddusw, psubusb, psubusw, paddsb, paddsw, psubsb, psubsw
    case pminub, pmaxub, pminsw, pmaxsw, pavgb, pavgw
    case pmullw, pmulhw, pmulhuw, pmuludq, pmaddwd, psadbw
    case pmovmskb, movmskps, movmskpd
    case pshufd, pshuflw, pshufhw, shufps, shufpd
    case punpcklbw, punpcklwd, punpckldq, punpcklqdq, punpckhbw, punpckhwd, punpckhdq, punpckhqdq
    case packsswb, packssdw, packuswb
    case psrlw, psrld, psrlq, psraw, psrad, psllw, pslld, psllq
    case psrlwImm, psrldImm, psrlqImm, psrawImm, psradImm, psllwImm, pslldImm, psllqImm, psrldqImm, pslldqImm
    case addss, addsd, subss, subsd, mulss, mulsd, divss, divsd, sqrtss, sqrtsd, minss, minsd, maxss, maxsd
    case addps, addpd, subps, subpd, mulps, mulpd, divps, divpd, sqrtps, sqrtpd, minps, minpd, maxps, maxpd
    case cmpss, cmpsd, cmpps, cmppd
    case cvtsi2ss, cvtsi2sd, cvttss2si, cvttsd2si, cvtss2si, cvtsd2si, cvtss2sd, cvtsd2ss
    case cvtdq2pd, cvtdq2ps, cvtps2dq, cvttps2dq, cvtps2pd, cvtpd2ps, cvttpd2dq, cvtpd2dq
    case ucomiss, ucomisd, comiss, comisd
    case pinsrw, pextrw

    /// Bytes a memory operand of this operation reads or writes.
    public var memorySize: Int {
        switch self {
        case .movssLoad, .movssStore, .addss, .subss, .mulss, .divss, .sqrtss, .minss, .maxss, .cmpss,
             .cvtss2sd, .cvttss2si, .cvtss2si, .ucomiss, .comiss:
            return 4
        case .movsdLoad, .movsdStore, .movqLoad, .movqStore, .movlpLoad, .movlpStore, .movhpLoad, .movhpStore,
             .addsd, .subsd, .mulsd, .divsd, .sqrtsd, .minsd, .maxsd, .cmpsd, .cvtsd2ss, .cvttsd2si, .cvtsd2si,
             .ucomisd, .comisd, .cvtdq2pd, .cvtps2pd:
            return 8
        case .pinsrw: return 2
        case .movdToXMM, .movdFromXMM, .cvtsi2ss, .cvtsi2sd: return 0  // GPR-sized: the operand size
        default: return 16
        }
    }

    /// Must a 16-byte memory operand be aligned (MOVAPS, and legacy-SSE
    /// arithmetic on 128-bit memory operands, SDM Vol. 1 §11.6.8)?
    public var requiresAlignment: Bool {
        switch self {
        case .movuLoad, .movuStore: return false
        default: return memorySize == 16
        }
    }

    /// Packed-integer operations run by `execSSEInteger` (two operands, 128-bit result).
    public var isPackedInteger: Bool {
        rawValue >= SSEOp.pand.rawValue && rawValue < SSEOp.addss.rawValue
            && self != .pmovmskb && self != .movmskps && self != .movmskpd
    }
}
