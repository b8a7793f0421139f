

/// How software may access a register.
public enum RegisterAccess: String, Sendable {
    case readWrite = "rw"
    case readOnly = "ro"
    case writeOnly = "wo"
}

/// A device register declared as data: what `describe` and unmodelled-access
/// reports show, and what the device's read/write switch is keyed on.
public struct RegisterDescriptor: Sendable {
    public var offset: UInt64
    public var name: String
    public var access: RegisterAccess
    public var resetValue: UInt64
    /// `false` for registers the device accepts but does not act on.
    public var modelled: Bool
    public var doc: String

    public init(_ offset: UInt64, _ name: String, _ access: RegisterAccess, reset: UInt64 = 0,
                modelled: Bool = true, doc: String) {
        self.offset = offset
        self.name = name
        self.access = access
        self.resetValue = reset
        self.modelled = modelled
        self.doc = doc
    }
}

/// A device's register table: what `describe` shows, and the lookup a
/// device's read/write switch starts with.
///
/// Built once per device type, so an access costs one table load: offsets
/// index a slot table (offset → register), each register's answer is a
/// plain `Hit` with no strings or references in it, and the flags saying
/// whether an access needs a report are precomputed. Reports of accesses
/// the model does not implement are made once per offset and direction,
/// remembered in a bitset of the accessing device.
public struct RegisterMap: Sendable {
    public let registers: [RegisterDescriptor]

    /// What a device's access code needs of a register.
    public struct Hit: Sendable {
        public let offset: UInt64
        /// Position in `registers`.
        public let index: Int
        public let resetValue: UInt64
        public let modelled: Bool
        public let access: RegisterAccess
        /// The access is handled without a report.
        @usableFromInline let quietRead: Bool, quietWrite: Bool
    }

    @usableFromInline let hits: [Hit]
    /// `index + 1` of the register at each offset below `slots.count`; 0 for none.
    @usableFromInline let slots: [UInt16]
    /// Registers at offsets beyond the slot table, by offset.
    @usableFromInline let far: [(offset: UInt64, index: Int)]
    /// Offsets the slot table covers at most (64 KiB of register window).
    static let slotLimit: UInt64 = 0x10000

    public init(_ registers: [RegisterDescriptor]) {
        self.registers = registers
        hits = registers.enumerated().map { i, r in
            Hit(offset: r.offset, index: i, resetValue: r.resetValue, modelled: r.modelled, access: r.access,
                quietRead: r.modelled && r.access != .writeOnly, quietWrite: r.modelled && r.access != .readOnly)
        }
        let near = registers.indices.filter { registers[$0].offset < RegisterMap.slotLimit }
        var table = [UInt16](repeating: 0, count: Int(near.map { registers[$0].offset + 1 }.max() ?? 0))
        // The first declaration of an offset wins, as a linear search would find it.
        for i in near.reversed() { table[Int(registers[i].offset)] = UInt16(i + 1) }
        slots = table
        far = registers.indices.filter { registers[$0].offset >= RegisterMap.slotLimit }
            .map { (registers[$0].offset, $0) }.sorted { ($0.offset, $0.index) < ($1.offset, $1.index) }
    }

    /// The register at `offset`, if declared.
    @inlinable
    public func register(at offset: UInt64) -> RegisterDescriptor? {
        hit(at: offset).map { registers[$0.index] }
    }

    /// The access view of the register at `offset`, if declared.
    @inlinable @inline(__always)
    public func hit(at offset: UInt64) -> Hit? {
        if offset < UInt64(slots.count) {
            let slot = Int(slots[Int(offset)])
            return slot == 0 ? nil : hits[slot - 1]
        }
        guard !far.isEmpty else { return nil }
        return farHit(offset)
    }

    @usableFromInline
    func farHit(_ offset: UInt64) -> Hit? {
        var lo = 0, hi = far.count
        while lo < hi {
            let mid = (lo + hi) >> 1
            if far[mid].offset < offset { lo = mid + 1 } else { hi = mid }
        }
        return lo < far.count && far[lo].offset == offset ? hits[far[lo].index] : nil
    }

    /// The register for an access at `offset`, reporting (once per offset
    /// and direction) accesses to undeclared or unmodelled registers and to
    /// the wrong direction of one-way registers. Returns the register when
    /// the access should be handled normally: nil for an undeclared offset
    /// and for the wrong direction of a one-way register.
    @inlinable @inline(__always)
    public func check(_ offset: UInt64, write: Bool, device: SimObject) -> Hit? {
        if let h = hit(at: offset), write ? h.quietWrite : h.quietRead { return h }
        return report(offset, write: write, device: device)
    }

    @usableFromInline @inline(never)
    func report(_ offset: UInt64, write: Bool, device: SimObject) -> Hit? {
        let h = hit(at: offset)
        let message: String?
        var answer = h
        if let h {
            let name = registers[h.index].name
            if !h.modelled {
                message = "\(device.path): \(name) is not modelled (\(write ? "write ignored" : "reads as 0x\(String(h.resetValue, radix: 16))"))"
            } else if write && h.access == .readOnly {
                message = "\(device.path): write to read-only register \(name) ignored"
                answer = nil
            } else if !write && h.access == .writeOnly {
                message = "\(device.path): read from write-only register \(name) returns 0"
                answer = nil
            } else {
                message = nil
            }
        } else {
            message = "\(device.path): \(write ? "write to" : "read from") unknown register at offset 0x\(String(offset, radix: 16))"
        }
        if let message, device.firstReport(offset: offset, write: write) {
            (device.root as? Machine)?.warn(message)
        }
        return answer
    }
}

extension SimObject {
    /// True the first time an unimplemented access at `offset` in direction
    /// `write` is reported for this device (offsets past the bitset's reach
    /// are left to the machine's own de-duplication of warnings).
    func firstReport(offset: UInt64, write: Bool) -> Bool {
        guard offset < RegisterMap.slotLimit else { return true }
        let bit = Int(offset) * 2 + (write ? 1 : 0)
        let word = bit >> 6, mask = UInt64(1) << UInt64(bit & 63)
        if reportedAccesses.count <= word { reportedAccesses += [UInt64](repeating: 0, count: word + 1 - reportedAccesses.count) }
        defer { reportedAccesses[word] |= mask }
        return reportedAccesses[word] & mask == 0
    }
}
