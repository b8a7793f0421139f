/// A registered type: its place in the hierarchy and its static schema.
///
/// Values of this struct are data; the registry keeps them, and objects
/// point back at theirs. `instanceClass` is what `object-add` instantiates.
public struct ObjectType: Sendable {
    public var name: String
    public var parent: String?
    public var isAbstract: Bool
    /// Interface names implemented; an interface is a type with `isInterface`.
    public var interfaces: [String]
    public var isInterface: Bool
    /// May users create and delete it at run time (`object-add`, `device_add`)?
    public var userCreatable: Bool
    public var summary: String
    /// Properties declared by this type itself (inherited ones come from `parent`).
    public var properties: [PropertyDescriptor]
    public var pins: [PinDescriptor]
    public var regions: [RegionDescriptor]
    /// Register tables of the type's regions, by region name, for `describe`.
    public var registers: [(region: String, map: RegisterMap)]
    public var instanceClass: SimObject.Type?

    public init(_ name: String, parent: String?, abstract: Bool = false, interfaces: [String] = [],
                userCreatable: Bool = true, summary: String,
                properties: [PropertyDescriptor] = [], pins: [PinDescriptor] = [],
                regions: [RegionDescriptor] = [], registers: [(region: String, map: RegisterMap)] = [],
                instanceClass: SimObject.Type?) {
        self.name = name
        self.parent = parent
        self.isAbstract = abstract
        self.interfaces = interfaces
        self.isInterface = false
        self.userCreatable = userCreatable
        self.summary = summary
        self.properties = properties
        self.pins = pins
        self.regions = regions
        self.registers = registers
        self.instanceClass = instanceClass
    }

    /// An interface type: abstract, no instances, no parent.
    public static func interface(_ name: String, summary: String) -> ObjectType {
        var t = ObjectType(name, parent: nil, abstract: true, userCreatable: false, summary: summary, instanceClass: nil)
        t.isInterface = true
        return t
    }
}
