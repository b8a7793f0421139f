/// One node of a device tree as plain data: its name (`intc@8000000`), its
/// properties and its children, each in the order they are written. Built
/// from the realized machine by `DeviceTree`, flattened by
/// `FlattenedDeviceTree` (Devicetree Specification v0.4, chapter 2).
public struct DeviceTreeNode: Hashable, Sendable {
    public var name: String
    public var properties: [DeviceTreeProperty]
    public var children: [DeviceTreeNode]

    public init(_ name: String, properties: [DeviceTreeProperty] = [], children: [DeviceTreeNode] = []) {
        self.name = name
        self.properties = properties
        self.children = children
    }

    /// The property called `name`, if the node has one.
    public func property(_ name: String) -> DeviceTreeProperty? {
        properties.first { $0.name == name }
    }

    /// The child called `name` (`chosen`, `cpu@0`), if any.
    public func child(_ name: String) -> DeviceTreeNode? {
        children.first { $0.name == name }
    }
}

/// A device tree property: a name and its encoded value (big-endian cells,
/// NUL-terminated strings, or nothing for a boolean property).
public struct DeviceTreeProperty: Hashable, Sendable {
    public var name: String
    public var value: [UInt8]

    public init(_ name: String, bytes: [UInt8]) {
        self.name = name
        self.value = bytes
    }

    /// A list of 32-bit cells (`<1 2 3>`).
    public static func cells(_ name: String, _ cells: [UInt32]) -> DeviceTreeProperty {
        DeviceTreeProperty(name, bytes: cells.flatMap { c in (0..<4).map { UInt8(truncatingIfNeeded: c >> (24 - 8 * $0)) } })
    }

    /// One 32-bit cell.
    public static func cell(_ name: String, _ value: UInt32) -> DeviceTreeProperty { cells(name, [value]) }

    /// A 64-bit value as two cells (as `linux,initrd-start` and 2-cell `reg` use).
    public static func u64(_ name: String, _ value: UInt64) -> DeviceTreeProperty {
        cells(name, split(value))
    }

    /// `(address, size)` pairs with two cells each, for nodes under a root
    /// with `#address-cells = <2>` and `#size-cells = <2>`.
    public static func reg(_ ranges: [(address: UInt64, size: UInt64)]) -> DeviceTreeProperty {
        cells("reg", ranges.flatMap { split($0.address) + split($0.size) })
    }

    /// A string list (`"arm,pl011", "arm,primecell"`): each string NUL-terminated.
    public static func strings(_ name: String, _ values: [String]) -> DeviceTreeProperty {
        DeviceTreeProperty(name, bytes: values.flatMap { Array($0.utf8) + [0] })
    }

    /// One string.
    public static func string(_ name: String, _ value: String) -> DeviceTreeProperty { strings(name, [value]) }

    /// A property with no value (`interrupt-controller;`).
    public static func flag(_ name: String) -> DeviceTreeProperty { DeviceTreeProperty(name, bytes: []) }

    private static func split(_ value: UInt64) -> [UInt32] {
        [UInt32(truncatingIfNeeded: value >> 32), UInt32(truncatingIfNeeded: value)]
    }

    /// The value read as big-endian 32-bit cells (`nil` if its length is not a multiple of 4).
    public var cellValues: [UInt32]? {
        guard value.count % 4 == 0 else { return nil }
        return stride(from: 0, to: value.count, by: 4).map { i in
            value[i..<i + 4].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        }
    }

    /// The value read as a list of NUL-terminated strings.
    public var stringValues: [String] {
        value.split(separator: 0, omittingEmptySubsequences: false).dropLast().map { String(decoding: $0, as: UTF8.self) }
    }
}
