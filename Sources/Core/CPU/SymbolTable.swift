/// A kernel's symbols, sorted by address, for `symbol+offset` lookups in
/// traces and monitors. Each core has its own.
public struct SymbolTable: Sendable {
    /// One function or object symbol.
    public struct Symbol: Hashable, Sendable {
        public var name: String
        public var address: UInt64
        public var size: UInt64
        public init(name: String, address: UInt64, size: UInt64) {
            self.name = name
            self.address = address
            self.size = size
        }
    }

    /// Symbols sorted by address, then name.
    public private(set) var symbols: [Symbol] = []

    public init(_ symbols: [Symbol] = []) {
        self.symbols = symbols.sorted { ($0.address, $0.name) < ($1.address, $1.name) }
    }

    /// The address of the symbol called `name`.
    public func address(of name: String) -> UInt64? {
        symbols.first { $0.name == name }?.address
    }

    /// `name+0x10` for the symbol covering `address`, if any.
    public func describe(_ address: UInt64) -> String? {
        var lo = 0, hi = symbols.count - 1, best: Symbol?
        while lo <= hi {
            let mid = (lo + hi) / 2
            if symbols[mid].address <= address { best = symbols[mid]; lo = mid + 1 } else { hi = mid - 1 }
        }
        guard let s = best, address - s.address < max(s.size, 1) else { return nil }
        return address == s.address ? s.name : "\(s.name)+0x\(String(address - s.address, radix: 16))"
    }

    public var isEmpty: Bool { symbols.isEmpty }
}
