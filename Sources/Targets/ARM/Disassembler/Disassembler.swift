/// A64 disassembly for traces and test failure reports: names the encoding
/// class from the table and prints the fields, with common mnemonics spelled out.
public enum A64Disassembler {
    /// One line of text for `word` at `pc`.
    public static func disassemble(_ word: UInt32, pc: UInt64 = 0) -> String {
        let hex = String(word, radix: 16)
        let padded = String(repeating: "0", count: 8 - hex.count) + hex
        guard let e = EncodingTable.a64.lookup(word) else { return "\(padded)  <unallocated>" }
        let op = e.decode(word, pc: pc)
        let fields = e.fields.map { "\($0.name)=\($0.value(in: word))" }.joined(separator: " ")
        let mnemonic = op.kind == .undefined ? "UNDEFINED" : String(describing: op.kind)
        return "\(padded)  \(mnemonic)  [\(e.instructionClass.rawValue): \(fields)]"
    }
}
