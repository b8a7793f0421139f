import OrderedCollections

/// A property or command value. It maps one to one onto JSON, so the same
/// value crosses the command line, board files and QMP unchanged.
public enum Value: Hashable, Sendable {
    case null
    case bool(Bool)
    /// A signed integer (JSON number without fraction).
    case int(Int64)
    /// An unsigned integer above `Int64.max` or from an unsigned property.
    case uint(UInt64)
    /// A JSON number with a fraction; no property type produces it.
    case double(Double)
    case string(String)
    case list([Value])
    /// A JSON object; key order is kept, so output is deterministic.
    case dict(OrderedDictionary<String, Value>)

    /// The value as a signed integer, if it is an integer that fits.
    public var int64: Int64? {
        switch self {
        case .int(let v): return v
        case .uint(let v): return v <= UInt64(Int64.max) ? Int64(v) : nil
        default: return nil
        }
    }

    /// The value as an unsigned integer, if it is a non-negative integer.
    public var uint64: UInt64? {
        switch self {
        case .int(let v): return v >= 0 ? UInt64(v) : nil
        case .uint(let v): return v
        default: return nil
        }
    }

    public var bool: Bool? { if case .bool(let b) = self { return b } else { return nil } }
    public var string: String? { if case .string(let s) = self { return s } else { return nil } }
    public var list: [Value]? { if case .list(let l) = self { return l } else { return nil } }
    public var dict: OrderedDictionary<String, Value>? { if case .dict(let d) = self { return d } else { return nil } }

    /// Looks up a key of a `.dict`.
    public subscript(key: String) -> Value? {
        if case .dict(let d) = self { return d[key] }
        return nil
    }

    /// A short name of the JSON kind, for error messages.
    public var kindName: String {
        switch self {
        case .null: return "null"
        case .bool: return "boolean"
        case .int, .uint: return "integer"
        case .double: return "number"
        case .string: return "string"
        case .list: return "array"
        case .dict: return "object"
        }
    }

    /// Integers compare by value whichever case holds them.
    public static func == (lhs: Value, rhs: Value) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): return true
        case let (.bool(a), .bool(b)): return a == b
        case let (.int(a), .int(b)): return a == b
        case let (.uint(a), .uint(b)): return a == b
        case let (.int(a), .uint(b)), let (.uint(b), .int(a)): return a >= 0 && UInt64(a) == b
        case let (.double(a), .double(b)): return a == b
        case let (.string(a), .string(b)): return a == b
        case let (.list(a), .list(b)): return a == b
        case let (.dict(a), .dict(b)): return a == b
        default: return false
        }
    }

    public func hash(into hasher: inout Hasher) {
        switch self {
        case .null: hasher.combine(0)
        case .bool(let b): hasher.combine(b)
        case .int, .uint:
            if let u = uint64 { hasher.combine(u) } else { hasher.combine(int64) }
        case .double(let d): hasher.combine(d)
        case .string(let s): hasher.combine(s)
        case .list(let l): hasher.combine(l)
        case .dict(let d): hasher.combine(d)
        }
    }
}

extension Value: ExpressibleByBooleanLiteral, ExpressibleByIntegerLiteral, ExpressibleByStringLiteral,
    ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral, ExpressibleByNilLiteral
{
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(integerLiteral value: Int64) { self = .int(value) }
    public init(stringLiteral value: String) { self = .string(value) }
    public init(arrayLiteral elements: Value...) { self = .list(elements) }
    public init(dictionaryLiteral elements: (String, Value)...) {
        self = .dict(OrderedDictionary(elements, uniquingKeysWith: { _, last in last }))
    }
    public init(nilLiteral: ()) { self = .null }
}
