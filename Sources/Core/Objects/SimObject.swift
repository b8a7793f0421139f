import OrderedCollections

/// The stage of an object's one life cycle.
public enum LifecycleState: String, Hashable, Sendable {
    /// Just made: properties hold their defaults.
    case created
    /// Properties checked and links resolved; about to realize or failed to.
    case configured
    /// Resources allocated and wired; the object takes part in the simulation.
    case realized
    /// Resources released; may be realized again.
    case unrealized
    /// Detached from the tree; the object is dead.
    case destroyed
}

/// Permission to construct an object: only `SimObject.addChild` and the
/// machine root can make one, so an object without a parent and a name
/// cannot exist.
public struct ObjectCreation {
    let type: ObjectType
    let name: String
    let parent: SimObject?
    let registry: TypeRegistry?

    init(type: ObjectType, name: String, parent: SimObject?, registry: TypeRegistry?) {
        self.type = type
        self.name = name
        self.parent = parent
        self.registry = registry
    }
}

/// The base class of everything in a machine's composition tree.
///
/// Subclasses declare their schema in an `ObjectType`, read their
/// properties through the typed accessors, and override `realize()` and
/// `unrealize()` to allocate and release what they need.
open class SimObject {
    /// The registered type this object is an instance of.
    public let objectType: ObjectType
    /// The name chosen by the user or board; unique among siblings.
    public let name: String
    /// The composition parent; `nil` only for the machine root.
    public private(set) weak var parent: SimObject?
    /// Children in insertion order.
    public private(set) var children: [SimObject] = []
    /// Current life-cycle state.
    public internal(set) var state: LifecycleState = .created
    /// Created by its parent's `didCreate` (a core's local APIC): part of
    /// the parent, so exports re-create it with the parent, not separately.
    public private(set) var isFixedPart = false
    private var isCreatingFixedParts = false

    /// Property values by name, in declaration order (inherited first).
    var values: OrderedDictionary<String, Value> = [:]
    /// Resolved link targets; weak so that links never keep objects alive.
    var linkTargets: [String: WeakObject] = [:]
    /// Interrupt pins handed out so far.
    let pins = PinTable()
    /// Regions the object offers for mapping, by declared name.
    public private(set) var exportedRegions: OrderedDictionary<String, MemoryRegion> = [:]
    /// Register accesses already reported as unimplemented (`RegisterMap`), a bit per offset and direction.
    var reportedAccesses: [UInt64] = []
    /// Schema of every property of this object, inherited first.
    public let propertyDescriptors: [PropertyDescriptor]
    /// The registry of the machine this object belongs to. Each object
    /// keeps it (a copy-on-write value), so an object outliving its
    /// machine still answers questions about its type safely.
    public let registry: TypeRegistry

    /// Creates the object and attaches it to its parent. Only callable with
    /// a creation token from `addChild` (or the machine root).
    public required init(_ creation: ObjectCreation) {
        objectType = creation.type
        name = creation.name
        parent = creation.parent
        registry = creation.registry ?? creation.parent!.registry
        propertyDescriptors = registry.allProperties(of: creation.type)
        for d in propertyDescriptors where d.alias == nil {
            if let v = d.defaultValue { values[d.name] = v }
        }
        creation.parent?.children.append(self)
    }

    /// The root of this object's tree (normally the `Machine`).
    public var root: SimObject {
        var node = self
        while let p = node.parent { node = p }
        return node
    }

    /// `/machine/arm/cpu[1]`: the names from the root down.
    public var path: String {
        guard let parent else { return "/" + name }
        return parent.path + "/" + name
    }

    /// The child called `name`, if any.
    public func child(named name: String) -> SimObject? {
        children.first { $0.name == name }
    }

    /// Creates a child of the registered type `typeName`.
    @discardableResult
    public func addChild(_ name: String, type typeName: String) throws(ChimeraError) -> SimObject {
        guard state != .destroyed else { throw .object(path, "cannot add children to a destroyed object") }
        try SimObject.validateName(name)
        if child(named: name) != nil {
            throw ChimeraError.object(path, "an object named '\(name)' already exists here")
        }
        let registry = self.registry
        let type = try registry.type(named: typeName)
        guard !type.isAbstract, let cls = type.instanceClass else {
            let concrete = registry.list(implementing: typeName).map(\.name)
            var message = "type '\(typeName)' is abstract and cannot be instantiated"
            if !concrete.isEmpty { message += "; concrete types: " + concrete.joined(separator: ", ") }
            throw ChimeraError.object(path + "/" + name, message)
        }
        let object = cls.init(ObjectCreation(type: type, name: name, parent: self, registry: nil))
        object.isFixedPart = isCreatingFixedParts
        do {
            object.isCreatingFixedParts = true
            defer { object.isCreatingFixedParts = false }
            try object.didCreate()
        } catch {
            object.detach()
            throw error.at(objectPath: path + "/" + name)
        }
        return object
    }

    /// Typed variant of `addChild` for code that builds machines directly.
    @discardableResult
    public func addChild<T: SimObject>(_ name: String, type typeName: String, as: T.Type) throws(ChimeraError) -> T {
        let object = try addChild(name, type: typeName)
        guard let typed = object as? T else {
            object.detach()
            throw ChimeraError.object(path + "/" + name, "type '\(typeName)' is not a \(T.self)")
        }
        return typed
    }

    /// Called right after construction and attachment; subclasses create
    /// fixed children here. Throwing undoes the creation.
    open func didCreate() throws(ChimeraError) {}

    /// Allocates resources and wires the object. Children and link targets
    /// are already realized when this runs.
    open func realize() throws(ChimeraError) {}

    /// Releases what `realize()` allocated. Must not fail.
    open func unrealize() {}

    /// Drops the regions `realize()` exported. An MMIO region refers to its
    /// device, so keeping them after unrealize would keep the device (and
    /// through it its machine) alive forever.
    func forgetExportedRegions() { exportedRegions = [:] }

    /// Offers `region` for mapping under a name the type declares.
    public func exportRegion(_ regionName: String, _ region: MemoryRegion) throws(ChimeraError) {
        guard registry.allRegions(of: objectType).contains(where: { $0.name == regionName }) else {
            throw ChimeraError.object(path, "\(objectType.name) does not declare a region '\(regionName)'")
        }
        exportedRegions[regionName] = region
    }

    /// Called before any property value is stored, in every life-cycle
    /// state; throw to refuse a value the type's schema cannot express
    /// (a range of times, a relation between properties).
    open func checkValue(_ name: String, _ value: Value) throws(ChimeraError) {}

    /// Called before a runtime property changes on a realized object; throw to refuse.
    open func propertyWillChange(_ name: String, to value: Value) throws(ChimeraError) {}

    /// Called when one of the object's input pins changes level.
    open func inputChanged(group: String, index: Int, level: Bool) {}

    /// Values of read-only properties that report live state (e.g. a CPU's `pc`).
    open func readOnlyValue(of name: String) -> Value? { nil }

    /// Objects that must be realized before this one, besides its children
    /// and link targets (e.g. regions mapped into an address space).
    open var realizeDependencies: [SimObject] { [] }

    /// Removes the object from its parent; used by `destroy` and failed creation.
    func detach() {
        if let parent, let i = parent.children.firstIndex(where: { $0 === self }) {
            parent.children.remove(at: i)
        }
        parent = nil
        state = .destroyed
        for c in children { c.detachSubtree() }
    }

    private func detachSubtree() {
        state = .destroyed
        for c in children { c.detachSubtree() }
    }

    /// Object names: letters, digits, `-`, `_` and an optional `[N]` index.
    static func validateName(_ name: String) throws(ChimeraError) {
        let allowed = name.allSatisfy { $0.isLetter || $0.isNumber || "-_[]".contains($0) }
        guard !name.isEmpty, allowed, name.first != "[" else {
            throw ChimeraError(.generic, "invalid object name '\(name)': use letters, digits, '-', '_' and an optional [N] suffix")
        }
    }

    /// Every object of this subtree, parents before children, in tree order.
    public var subtree: [SimObject] {
        var out: [SimObject] = [self]
        for c in children { out.append(contentsOf: c.subtree) }
        return out
    }

    /// Is this object's type `typeName`, a subtype of it, or an implementer of it?
    public func isA(_ typeName: String) -> Bool {
        registry.isType(objectType, a: typeName)
    }
}

/// A weak reference box for link targets.
struct WeakObject {
    weak var object: SimObject?
}
