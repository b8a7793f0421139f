import ChimeraCPUKit
// A64 "Advanced SIMD load/store single structure" with two to four elements
// (ARM ARM C4.1.90, C7.2 LD2–LD4 / ST2–ST4 (single structure), LD2R–LD4R):
// one lane of 2–4 consecutive registers (Vt, Vt+1, … modulo 32), or one
// structure replicated to all lanes. Post-index adds Rm or, for Rm = 31, the
// bytes transferred.

extension A64Decoder {
    /// Decodes the forms with selem = opcode<0>:R + 1 > 1 (SIMD.swift handles selem = 1).
    static func decodeSIMDLoadStoreSingleStructure(_ f: SIMDLoadStoreSingleFields) -> Op {
        let q = f.q.bit, post = f.p, load = f.l.bit, r = f.r.bit
        let opcode = f.opcode, s = f.s.bit, size = f.size
        if !post && f.rm.number != 0 { return .undefined }
        let selem = ((opcode & 1) << 1 | r) + 1
        guard selem > 1 else { return .undefined }
        let rmSlot = Op.postIndexSlot(post: post, rm: f.rm)
        let rt = f.rt.raw, rn = f.rn.sp
        let esize: UInt32, index: UInt32
        switch opcode >> 1 {
        case 3:
            // LDnR: load only, S must be 0.
            guard load == 1, s == 0 else { return .undefined }
            return Op(.ldNr, rd: rt, rn: rn, rm: rmSlot, aux: Op.structureAux(esize: size, q: f.q, elements: selem),
                      imm: UInt64(selem) << UInt64(size))
        case 0:
            esize = 0; index = q << 3 | s << 2 | size
        case 1:
            guard size & 1 == 0 else { return .undefined }
            esize = 1; index = q << 2 | s << 1 | size >> 1
        default:
            guard size & 2 == 0 else { return .undefined }
            if size == 0 {
                esize = 2; index = q << 1 | s
            } else {
                guard s == 0 else { return .undefined }
                esize = 3; index = q
            }
        }
        return Op(load == 1 ? .ldNLane : .stNLane, rd: rt, rn: rn, rm: rmSlot,
                  aux: Op.structureAux(esize: esize, elements: selem, index: index), imm: UInt64(selem) << UInt64(esize))
    }
}

extension AArch64CPU {
    /// LDnR, LDn/STn (single structure). Loads read every element before
    /// writing any register, so a fault leaves the registers unchanged.
    func executeSIMDStructure(_ op: Op, at pc: UInt64) throws(GuestTrap) -> UInt8 {
        let r = regs
        let base = r[Int(op.rn)]
        let esize = Int(op.aux & 3), selem = Int((op.aux >> 5) & 3) + 1
        let ebytes = 1 << esize, ebits = 8 << esize
        var values: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        let done: Bool = try withUnsafeMutableBytes(of: &values) { (raw) throws(GuestTrap) -> Bool in
            let v = raw.bindMemory(to: UInt64.self)
            for k in 0..<selem {
                let a = base &+ UInt64(k * ebytes)
                let t = UInt8((Int(op.rd) + k) % 32)
                if op.kind == .stNLane {
                    try writeSized(a, size: ebytes, value: vec(t).lane(Int(op.aux >> 8), ebits), pc: pc)
                } else {
                    v[k] = try readSized(a, size: ebytes, pc: pc)
                }
            }
            if op.kind == .stNLane { return true }
            for k in 0..<selem {
                let t = UInt8((Int(op.rd) + k) % 32)
                if op.kind == .ldNr {
                    let q = op.aux & 0x10 != 0
                    var out = Vec()
                    for e in 0..<((q ? 128 : 64) / ebits) { out.setLane(e, ebits, v[k]) }
                    setVec(t, out, q: q)
                } else {
                    var out = vec(t)
                    out.setLane(Int(op.aux >> 8), ebits, v[k])
                    setV(t, out.lo, out.hi)
                }
            }
            return true
        }
        guard done else { return 2 }
        switch op.rm {
        case 0xFF: break
        case 0xFE: r[Int(op.rn)] = base &+ op.imm
        default: r[Int(op.rn)] = base &+ r[Int(op.rm)]
        }
        return 0
    }
}
