/// Logical instructions (SDM Vol. 1, §7.3.4). AND/OR/XOR/TEST share the
/// group-1 ALU path in `Arithmetic.swift`; NOT changes no flags.
extension X86CPU {
    func execNot(_ i: DecodedInstruction) throws(X86Fault) {
        try writeRM(i, ~(try readRM(i)))
    }
}
