/// Flag control (SDM Vol. 1, §7.3.13). CLC/STC/CMC/CLD/STD are in the
/// dispatcher; CLI/STI check IOPL.
extension X86CPU {
    func execCli() throws(X86Fault) {
        if UInt64(hot.pointee.cpl) > (hot.pointee.flags >> 12) & 3 { throw X86Fault.gp() }
        hot.pointee.flags &= ~RFlags.if
    }

    /// STI: interrupts are recognised only after the next instruction.
    func execSti() throws(X86Fault) {
        if UInt64(hot.pointee.cpl) > (hot.pointee.flags >> 12) & 3 { throw X86Fault.gp() }
        if hot.pointee.flags & RFlags.if == 0 {
            interruptShadow = hot.pointee.retired &+ 1
        }
        hot.pointee.flags |= RFlags.if
        hot.pointee.pending = 1
    }
}
