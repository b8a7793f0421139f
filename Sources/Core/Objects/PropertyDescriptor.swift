/// When a property may be written.
public enum PropertyAccess: String, Hashable, Sendable {
    /// Only before the object is realized (QEMU's static device properties).
    case configuration
    /// Also while realized; the object reacts to the change.
    case runtime
    /// Never by users; the object reports its state through it.
    case readOnly = "read-only"
}

/// A statically declared property: known from the type alone, so
/// `describe` and `query-qmp-schema` never need an instance.
public struct PropertyDescriptor: Hashable, Sendable {
    public var name: String
    public var type: ValueType
    /// The value a new object starts with; `nil` means "unset" (links may be unset).
    public var defaultValue: Value?
    public var doc: String
    public var access: PropertyAccess
    /// Must the property be set before realize? Only meaningful without a default.
    public var required: Bool
    /// When set, the property forwards to `property` of child `child`.
    public var alias: PropertyAlias?

    public init(_ name: String, _ type: ValueType, default defaultValue: Value? = nil,
                access: PropertyAccess = .configuration, required: Bool = false, doc: String) {
        self.name = name
        self.type = type
        self.defaultValue = defaultValue
        self.doc = doc
        self.access = access
        self.required = required
    }

    /// A property that reads and writes `property` of the child named `child`.
    public static func alias(_ name: String, child: String, property: String, type: ValueType,
                             access: PropertyAccess = .configuration, doc: String) -> PropertyDescriptor {
        var d = PropertyDescriptor(name, type, access: access, doc: doc)
        d.alias = PropertyAlias(child: child, property: property)
        return d
    }
}

/// The target of an alias property.
public struct PropertyAlias: Hashable, Sendable {
    public var child: String
    public var property: String
}

/// Direction of an interrupt (or other single-bit) pin.
public enum PinDirection: String, Hashable, Sendable {
    case input = "in"
    case output = "out"
}

/// A named group of pins a type exposes, e.g. `spi` × 988 inputs of a GIC.
public struct PinDescriptor: Hashable, Sendable {
    public var name: String
    public var direction: PinDirection
    /// How many pins the group has; a group of one is addressed without index.
    public var count: Int
    public var doc: String

    public init(_ name: String, _ direction: PinDirection, count: Int = 1, doc: String) {
        self.name = name
        self.direction = direction
        self.count = count
        self.doc = doc
    }
}

/// A memory region a type exposes for mapping (QEMU's sysbus MMIO slots).
public struct RegionDescriptor: Hashable, Sendable {
    public var name: String
    public var doc: String
    public init(_ name: String, doc: String) {
        self.name = name
        self.doc = doc
    }
}
