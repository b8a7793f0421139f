import OrderedCollections

/// The integer shapes a property may take (QAPI's `int8` … `uint64`),
/// with an optional narrower range.
public struct IntegerFormat: Hashable, Sendable {
    public var bits: Int
    public var signed: Bool
    public var minimum: Int64?
    public var maximum: UInt64?

    public init(bits: Int, signed: Bool, minimum: Int64? = nil, maximum: UInt64? = nil) {
        self.bits = bits
        self.signed = signed
        self.minimum = minimum
        self.maximum = maximum
    }

    public static let int8 = IntegerFormat(bits: 8, signed: true)
    public static let int16 = IntegerFormat(bits: 16, signed: true)
    public static let int32 = IntegerFormat(bits: 32, signed: true)
    public static let int64 = IntegerFormat(bits: 64, signed: true)
    public static let uint8 = IntegerFormat(bits: 8, signed: false)
    public static let uint16 = IntegerFormat(bits: 16, signed: false)
    public static let uint32 = IntegerFormat(bits: 32, signed: false)
    public static let uint64 = IntegerFormat(bits: 64, signed: false)

    /// The same format limited to `range`.
    public func limited(to range: ClosedRange<Int64>) -> IntegerFormat {
        var copy = self
        copy.minimum = range.lowerBound
        copy.maximum = UInt64(max(range.upperBound, 0))
        return copy
    }

    /// Smallest accepted value.
    var lowerBound: Int64 {
        if let minimum { return minimum }
        return signed ? (bits == 64 ? .min : -(Int64(1) << (bits - 1))) : 0
    }

    /// Largest accepted value.
    var upperBound: UInt64 {
        if let maximum { return maximum }
        if signed { return bits == 64 ? UInt64(Int64.max) : (UInt64(1) << (bits - 1)) - 1 }
        return bits == 64 ? .max : (UInt64(1) << bits) - 1
    }

    var name: String { (signed ? "int" : "uint") + String(bits) }
}

/// One field of a `struct` value type.
public struct StructField: Hashable, Sendable {
    public var name: String
    public var type: ValueType
    public var optional: Bool
    public var doc: String

    public init(_ name: String, _ type: ValueType, optional: Bool = false, doc: String = "") {
        self.name = name
        self.type = type
        self.optional = optional
        self.doc = doc
    }
}

/// The closed set of property value types, mirroring QAPI.
public indirect enum ValueType: Hashable, Sendable, CustomStringConvertible {
    case bool
    case int(IntegerFormat)
    /// A byte count: `4096`, `0x1000`, `64K`, `16M`, `2G`.
    case size
    /// A span of virtual time: `10us`, `1ms`; held as picoseconds.
    case time
    case string
    /// One of the listed names.
    case enumeration([String])
    case list(ValueType)
    case structure([StructField])
    /// A path to another object whose type is, or implements, the named type.
    case link(String)
    /// A composition child of the named type (read-only, set by construction).
    case child(String)

    /// The QOM-style type name shown by `describe` and `qom-list`.
    public var description: String {
        switch self {
        case .bool: return "bool"
        case .int(let f): return f.name
        case .size: return "size"
        case .time: return "time"
        case .string: return "str"
        case .enumeration(let cases): return "enum(" + cases.joined(separator: "|") + ")"
        case .list(let element): return "list<\(element)>"
        case .structure(let fields):
            return "struct{" + fields.map { "\($0.name)\($0.optional ? "?" : ""): \($0.type)" }.joined(separator: ", ") + "}"
        case .link(let t): return "link<\(t)>"
        case .child(let t): return "child<\(t)>"
        }
    }

    /// Converts a value from JSON (QMP, board files) into this type's
    /// canonical form. Strings are parsed as keyval text, so `"64K"` is a
    /// valid size whether it came from YAML or the command line.
    public func coerce(_ value: Value) throws(ChimeraError) -> Value {
        switch (self, value) {
        case (.bool, .bool), (.string, .string), (.link, .string): return value
        case (.link, .null): return .null
        case (.bool, .string(let s)), (.int, .string(let s)), (.size, .string(let s)), (.time, .string(let s)),
             (.enumeration, .string(let s)):
            return try parse(s)
        case (.int(let format), .int), (.int(let format), .uint):
            return try checked(value, format)
        case (.size, .int(let v)):
            guard v >= 0 else { throw ChimeraError(.generic, "size must not be negative (got \(v))") }
            return .uint(UInt64(v))
        case (.size, .uint), (.time, .uint): return .uint(value.uint64!)
        case (.time, .int(let v)):
            guard v >= 0 else { throw ChimeraError(.generic, "time must not be negative (got \(v))") }
            return .uint(UInt64(v))
        case (.list(let element), .list(let items)):
            var out: [Value] = []
            for (i, item) in items.enumerated() {
                do { out.append(try element.coerce(item)) } catch {
                    throw ChimeraError(error.errorClass, "element \(i): \(error.message)")
                }
            }
            return .list(out)
        case (.list, .string(let s)), (.structure, .string(let s)):
            return try parse(s)
        case (.structure(let fields), .dict(let d)):
            var out = OrderedDictionary<String, Value>()
            for key in d.keys where !fields.contains(where: { $0.name == key }) {
                throw ChimeraError(.generic, "unknown field '\(key)'; fields are: " + fields.map(\.name).joined(separator: ", "))
            }
            for field in fields {
                if let v = d[field.name] {
                    do { out[field.name] = try field.type.coerce(v) } catch {
                        throw ChimeraError(error.errorClass, "field '\(field.name)': \(error.message)")
                    }
                } else if !field.optional {
                    throw ChimeraError(.generic, "missing field '\(field.name)'")
                }
            }
            return .dict(out)
        case (.child, _):
            throw ChimeraError(.generic, "a child property cannot be set; children are created by construction")
        default:
            throw ChimeraError(.generic, "expected \(expectation), got \(value.kindName) \(value.jsonText)")
        }
    }

    /// What a value of this type looks like, for error messages.
    var expectation: String {
        switch self {
        case .bool: return "a boolean (on/off, true/false, yes/no)"
        case .int(let f): return "an integer in \(f.lowerBound)…\(f.upperBound)"
        case .size: return "a size such as 4096, 0x1000, 64K, 16M or 2G"
        case .time: return "a time such as 10us, 1ms or 250ns"
        case .string: return "a string"
        case .enumeration(let cases): return "one of: " + cases.joined(separator: ", ")
        case .list(let e): return "a list of \(e)"
        case .structure: return "an object with fields"
        case .link(let t): return "a path to a \(t) object"
        case .child(let t): return "a \(t) child"
        }
    }

    func checked(_ value: Value, _ format: IntegerFormat) throws(ChimeraError) -> Value {
        let outOfRange = ChimeraError(.generic,
            "value \(value.jsonText) is out of range for \(format.name) (\(format.lowerBound)…\(format.upperBound))")
        if let s = value.int64, s < 0 {
            guard s >= format.lowerBound else { throw outOfRange }
            return .int(s)
        }
        guard let u = value.uint64 else { throw outOfRange }
        guard u <= format.upperBound, format.lowerBound <= 0 || u >= UInt64(format.lowerBound) else { throw outOfRange }
        return format.signed ? .int(Int64(u)) : .uint(u)
    }
}
