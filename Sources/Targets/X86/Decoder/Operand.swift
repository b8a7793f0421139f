/// Operand notation of the opcode maps (Intel SDM Vol. 2D, appendix A.2),
/// parsed from strings such as `"Ev,Gv"` when the maps are built.
///
/// The first letter is the addressing method (E: ModRM r/m, G: ModRM.reg,
/// I: immediate, J: relative offset, M: memory only, O: moffs, X/Y: string
/// source/destination, Z: register in the opcode's low three bits (the SDM
/// writes these as `rAX/r8`…), V/W/U: XMM register, XMM-or-memory, XMM from
/// r/m, S/C/D: segment, control, debug register, R: general register from
/// r/m); the rest is the size (b, w, d, q, v, z, y, x, ss, sd, dq).
public enum Operand: UInt8, Sendable, CaseIterable {
    case Eb, Ew, Ed, Eq, Ev, Ey
    case Gb, Gw, Gd, Gq, Gv, Gy
    case Ib, Ibs, Iw, Iz, Iv
    case Jb, Jz
    case M, Mb, Mw, Md, Mq, Mdq
    case Zb, Zv
    case AL, rAX, CL, DX, one
    case Ob, Ov
    case Xb, Xv, Yb, Yv
    case Sw, Cq, Dq, Rq
    case Vx, Vss, Vsd, Vq, Vd
    case Wx, Wss, Wsd, Wq, Wd
    case Ux, Uq
    case Ry

    /// Parses one operand token of the manual's notation.
    public init?(notation: String) {
        let table: [String: Operand] = [
            "Eb": .Eb, "Ew": .Ew, "Ed": .Ed, "Eq": .Eq, "Ev": .Ev, "Ey": .Ey,
            "Gb": .Gb, "Gw": .Gw, "Gd": .Gd, "Gq": .Gq, "Gv": .Gv, "Gy": .Gy,
            "Ib": .Ib, "Ibs": .Ibs, "Iw": .Iw, "Iz": .Iz, "Iv": .Iv, "Jb": .Jb, "Jz": .Jz,
            "M": .M, "Mb": .Mb, "Mw": .Mw, "Md": .Md, "Mq": .Mq, "Mdq": .Mdq,
            "Zb": .Zb, "Zv": .Zv, "AL": .AL, "rAX": .rAX, "CL": .CL, "DX": .DX, "1": .one,
            "Ob": .Ob, "Ov": .Ov, "Xb": .Xb, "Xv": .Xv, "Yb": .Yb, "Yv": .Yv,
            "Sw": .Sw, "Cq": .Cq, "Dq": .Dq, "Rq": .Rq, "Ry": .Ry,
            "Vx": .Vx, "Vss": .Vss, "Vsd": .Vsd, "Vq": .Vq, "Vd": .Vd,
            "Wx": .Wx, "Wss": .Wss, "Wsd": .Wsd, "Wq": .Wq, "Wd": .Wd, "Ux": .Ux, "Uq": .Uq,
        ]
        guard let o = table[notation] else { return nil }
        self = o
    }

    /// Does this operand come from the ModRM byte?
    public var usesModRM: Bool {
        switch self {
        case .Eb, .Ew, .Ed, .Eq, .Ev, .Ey, .Gb, .Gw, .Gd, .Gq, .Gv, .Gy, .M, .Mb, .Mw, .Md, .Mq, .Mdq,
             .Sw, .Cq, .Dq, .Rq, .Ry, .Vx, .Vss, .Vsd, .Vq, .Vd, .Wx, .Wss, .Wsd, .Wq, .Wd, .Ux, .Uq:
            return true
        default: return false
        }
    }

    /// Is this the r/m side of ModRM (register or memory)?
    public var isRM: Bool {
        switch self {
        case .Eb, .Ew, .Ed, .Eq, .Ev, .Ey, .M, .Mb, .Mw, .Md, .Mq, .Mdq, .Rq, .Ry,
             .Wx, .Wss, .Wsd, .Wq, .Wd, .Ux, .Uq:
            return true
        default: return false
        }
    }

    /// Only a memory operand is allowed (mod != 3), e.g. LEA's `M`.
    public var isMemoryOnly: Bool {
        switch self {
        case .M, .Mb, .Mw, .Md, .Mq, .Mdq: return true
        default: return false
        }
    }

    /// Only a register is allowed (mod == 3).
    public var isRegisterOnly: Bool {
        switch self {
        case .Rq, .Ry, .Ux, .Uq: return true
        default: return false
        }
    }

    /// Is this an XMM operand?
    public var isXMM: Bool {
        switch self {
        case .Vx, .Vss, .Vsd, .Vq, .Vd, .Wx, .Wss, .Wsd, .Wq, .Wd, .Ux, .Uq: return true
        default: return false
        }
    }

    /// Immediate bytes this operand adds, given the operand size in bytes.
    public func immediateBytes(operandSize: Int, addressSize: Int) -> Int {
        switch self {
        case .Ib, .Ibs, .Jb: return 1
        case .Iw: return 2
        case .Iz: return operandSize == 2 ? 2 : 4
        case .Iv: return operandSize
        case .Jz: return 4
        case .Ob, .Ov: return addressSize
        default: return 0
        }
    }
}

/// Which opcode map an instruction lives in (SDM Vol. 2D, A.3).
public enum OpcodeMap: UInt8, Sendable, CaseIterable {
    case oneByte, twoByte, threeByte38, threeByte3A

    /// The escape bytes that select the map.
    public var escape: [UInt8] {
        switch self {
        case .oneByte: return []
        case .twoByte: return [0x0F]
        case .threeByte38: return [0x0F, 0x38]
        case .threeByte3A: return [0x0F, 0x3A]
        }
    }
}
