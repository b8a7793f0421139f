/// String instructions with REP/REPE/REPNE (SDM Vol. 1, §7.3.9). Each
/// iteration updates RCX/RSI/RDI before the next, so a fault leaves a
/// restartable state; the whole REP counts as one retired instruction.
extension X86CPU {
    @inline(__always)
    private func stringStep(_ i: DecodedInstruction) -> UInt64 {
        hot.pointee.flags & RFlags.df != 0 ? 0 &- UInt64(i.size) : UInt64(i.size)
    }

    @inline(__always)
    private func addressMask(_ i: DecodedInstruction) -> UInt64 {
        i.flags & DecodedInstruction.Flags.address32 != 0 ? 0xFFFF_FFFF : .max
    }

    @inline(__always)
    private func advance(_ r: Int, _ step: UInt64, _ mask: UInt64) {
        gpr[r] = mask == .max ? gpr[r] &+ step : (gpr[r] &+ step) & mask
    }

    @inline(__always)
    private func repeats(_ i: DecodedInstruction) -> Bool {
        i.flags & (DecodedInstruction.Flags.rep | DecodedInstruction.Flags.repne) != 0
    }

    @inline(__always)
    private func countZero(_ mask: UInt64) -> Bool { gpr[1] & mask == 0 }

    @inline(__always)
    private func decrementCount(_ mask: UInt64) {
        gpr[1] = mask == .max ? gpr[1] &- 1 : (gpr[1] &- 1) & mask
    }

    func execMovs(_ i: DecodedInstruction) throws(X86Fault) {
        let step = stringStep(i), mask = addressMask(i), size = Int(i.size)
        let rep = repeats(i)
        while !rep || !countZero(mask) {
            let v = try read(segmented(i, gpr[6] & mask), size)
            try write(gpr[7] & mask, size, v)
            advance(6, step, mask); advance(7, step, mask)
            if !rep { return }
            decrementCount(mask)
        }
    }

    func execStos(_ i: DecodedInstruction) throws(X86Fault) {
        let step = stringStep(i), mask = addressMask(i), size = Int(i.size)
        let v = readReg(0, i.size)
        let rep = repeats(i)
        while !rep || !countZero(mask) {
            try write(gpr[7] & mask, size, v)
            advance(7, step, mask)
            if !rep { return }
            decrementCount(mask)
        }
    }

    func execLods(_ i: DecodedInstruction) throws(X86Fault) {
        let step = stringStep(i), mask = addressMask(i), size = Int(i.size)
        let rep = repeats(i)
        while !rep || !countZero(mask) {
            writeReg(0, i.size, try read(segmented(i, gpr[6] & mask), size))
            advance(6, step, mask)
            if !rep { return }
            decrementCount(mask)
        }
    }

    /// SCAS: compares the accumulator with [RDI]; REPE/REPNE stop on ZF.
    func execScas(_ i: DecodedInstruction) throws(X86Fault) {
        let step = stringStep(i), mask = addressMask(i), size = Int(i.size)
        let a = readReg(0, i.size)
        while true {
            if repeats(i) && countZero(mask) { return }
            let b = try read(gpr[7] & mask, size)
            advance(7, step, mask)
            setLazy(LazyFlags.sub, i.size, a, b, a &- b)
            if !repeats(i) { return }
            decrementCount(mask)
            if !repeatContinues(i, equal: a & sizeMask(i.size) == b) { return }
        }
    }

    /// CMPS: compares [RSI] with [RDI].
    func execCmps(_ i: DecodedInstruction) throws(X86Fault) {
        let step = stringStep(i), mask = addressMask(i), size = Int(i.size)
        while true {
            if repeats(i) && countZero(mask) { return }
            let a = try read(segmented(i, gpr[6] & mask), size)
            let b = try read(gpr[7] & mask, size)
            advance(6, step, mask); advance(7, step, mask)
            setLazy(LazyFlags.sub, i.size, a, b, a &- b)
            if !repeats(i) { return }
            decrementCount(mask)
            if !repeatContinues(i, equal: a == b) { return }
        }
    }

    @inline(__always)
    private func repeatContinues(_ i: DecodedInstruction, equal: Bool) -> Bool {
        i.flags & DecodedInstruction.Flags.repne != 0 && i.flags & DecodedInstruction.Flags.rep == 0 ? !equal : equal
    }

    func execIns(_ i: DecodedInstruction) throws(X86Fault) {
        try checkIOPermission()
        let step = stringStep(i), mask = addressMask(i), size = min(Int(i.size), 4)
        let rep = repeats(i)
        while !rep || !countZero(mask) {
            try probeWrite(gpr[7] & mask, size)
            let v = portRead(gpr[2] & 0xFFFF, size)
            try write(gpr[7] & mask, size, v)
            advance(7, UInt64(bitPattern: Int64(bitPattern: step)), mask)
            if !rep { return }
            decrementCount(mask)
        }
    }

    func execOuts(_ i: DecodedInstruction) throws(X86Fault) {
        try checkIOPermission()
        let step = stringStep(i), mask = addressMask(i), size = min(Int(i.size), 4)
        let rep = repeats(i)
        while !rep || !countZero(mask) {
            let v = try read(segmented(i, gpr[6] & mask), size)
            advance(6, step, mask)
            if rep { decrementCount(mask) }
            try portWrite(gpr[2] & 0xFFFF, size, v)
            if !rep { return }
        }
    }
}
