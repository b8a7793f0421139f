import ChimeraCore

/// Arm semihosting (`HLT #0xF000`, Semihosting for AArch32 and AArch64 v3):
/// SYS_WRITEC, SYS_WRITE0, SYS_WRITE (to the console handles), SYS_EXIT and
/// SYS_EXIT_EXTENDED, compatible with QEMU's `-semihosting`.
enum SemihostingOperation {
    static let writeC: UInt64 = 0x03
    static let write0: UInt64 = 0x04
    static let write: UInt64 = 0x05
    static let exit: UInt64 = 0x18
    static let exitExtended: UInt64 = 0x20
    /// ADP_Stopped_ApplicationExit: exit status 0 unless a subcode is given.
    static let applicationExit: UInt64 = 0x20026
}

extension AArch64CPU {
    func handleSemihosting(at pc: UInt64) -> UInt8 {
        let r = regs
        let memory = cluster?.memory
        func byte(_ a: UInt64) -> UInt8? { memory?.read(a, size: 1).map { UInt8($0) } }
        func word(_ a: UInt64) -> UInt64? { memory?.read(a, size: 8) }
        switch r[0] {
        case SemihostingOperation.writeC:
            if let b = byte(r[1]) { semihostingOutput(b) }
        case SemihostingOperation.write0:
            var a = r[1]
            while let b = byte(a), b != 0 { semihostingOutput(b); a &+= 1 }
        case SemihostingOperation.write:
            guard let handle = word(r[1]), let buffer = word(r[1] &+ 8), let length = word(r[1] &+ 16) else {
                r[0] = UInt64(bitPattern: -1); break
            }
            _ = handle
            for k in 0..<length { if let b = byte(buffer &+ k) { semihostingOutput(b) } }
            r[0] = 0
        case SemihostingOperation.exit, SemihostingOperation.exitExtended:
            // AArch64: X1 points at { reason, subcode }.
            let reason = word(r[1]) ?? SemihostingOperation.applicationExit
            let subcode = word(r[1] &+ 8) ?? 0
            let code: Int32 = reason == SemihostingOperation.applicationExit ? Int32(truncatingIfNeeded: subcode) : 1
            st.pointee.pc = pc &+ 4
            pendingStop = .exit(code: code)
            return 3
        default:
            r[0] = UInt64(bitPattern: -1)
        }
        return 0
    }
}
