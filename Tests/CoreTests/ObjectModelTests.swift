import XCTest
@testable import ChimeraCore

final class ObjectModelTests: XCTestCase {
    func testSetAfterRealizeIsRejectedButRuntimePropertiesWork() throws {
        let m = try Machine(registry: makeRegistry())
        let d = try m.addChild("dev", type: "test-device")
        try d.setProperty("width", parsing: "16")
        try m.realizeMachine()
        XCTAssertThrowsError(try d.setProperty("width", parsing: "32")) { error in
            XCTAssertTrue("\(error)".contains("/machine/dev: property 'width' can only be set before the object is realized"), "\(error)")
        }
        XCTAssertEqual(d.uintProperty("width"), 16)
        try d.setProperty("label", "hello")
        XCTAssertEqual(d.stringProperty("label"), "hello")
        XCTAssertThrowsError(try d.setProperty("widht", 3)) { XCTAssertTrue("\($0)".contains("did you mean 'width'"), "\($0)") }
    }

    func testFailingRealizeUnwindsWhatWasRealized() throws {
        let m = try Machine(registry: makeRegistry())
        let a = try m.addChild("a", type: "test-device", as: TestDevice.self)
        let b = try m.addChild("b", type: "test-device", as: TestDevice.self)
        let inner = try b.addChild("inner", type: "test-device", as: TestDevice.self)
        try b.setProperty("fail", true)
        XCTAssertThrowsError(try m.realizeMachine()) { error in
            let e = error as! ChimeraError
            XCTAssertEqual(e.location?.objectPath, "/machine/b")
            XCTAssertTrue(e.description.contains("refusing on purpose"))
        }
        XCTAssertEqual(a.realizeCount, 1)
        XCTAssertEqual(a.unrealizeCount, 1, "a was realized before b failed, so it is unwound")
        XCTAssertEqual(inner.unrealizeCount, 1, "children realized before their failing parent are unwound")
        XCTAssertEqual(a.state, .unrealized)
        XCTAssertNotEqual(b.state, .realized)
        // After fixing the cause, realize succeeds.
        try b.setProperty("fail", false)
        try m.realizeMachine()
        XCTAssertEqual(b.state, .realized)
    }

    func testRealizeOrderPutsChildrenAndLinkTargetsFirst() throws {
        let m = try Machine(registry: makeRegistry())
        let first = try m.addChild("first", type: "test-device", as: TestDevice.self)
        let second = try m.addChild("second", type: "test-device", as: TestDevice.self)
        try first.setProperty("peer", "/machine/second")
        let order = try m.realizeOrder().map(\.path)
        XCTAssertEqual(order, ["/machine/second", "/machine/first", "/machine"])
        _ = second
    }

    func testLinkToWrongTypeIsRejected() throws {
        let m = try Machine(registry: makeRegistry())
        let d = try m.addChild("d", type: "test-device")
        try m.addChild("o", type: "test-other")
        XCTAssertThrowsError(try d.setProperty("peer", "/machine/o")) { error in
            XCTAssertTrue("\(error)".contains("must point at a test-device, but /machine/o is a test-other"), "\(error)")
        }
        XCTAssertThrowsError(try d.setProperty("peer", "/machine/nowhere")) {
            XCTAssertEqual(($0 as! ChimeraError).errorClass, .deviceNotFound)
        }
    }

    func testPartialPathsResolveOrReportAmbiguity() throws {
        let m = try Machine(registry: makeRegistry())
        let arm = try m.addChild("arm", type: "cluster")
        let x86 = try m.addChild("x86", type: "cluster")
        try arm.addChild("cpu[0]", type: "test-device")
        try x86.addChild("cpu[0]", type: "test-device")
        try x86.addChild("cpu[1]", type: "test-device")
        XCTAssertEqual(try m.resolve("cpu[1]").path, "/machine/x86/cpu[1]")
        XCTAssertEqual(try m.resolve("arm/cpu[0]").path, "/machine/arm/cpu[0]")
        XCTAssertEqual(try m.resolve("arm.cpu[0]").path, "/machine/arm/cpu[0]")
        XCTAssertEqual(try m.resolve("/machine/x86").path, "/machine/x86")
        XCTAssertThrowsError(try m.resolve("cpu[0]")) { error in
            XCTAssertTrue("\(error)".contains("ambiguous"), "\(error)")
            XCTAssertTrue("\(error)".contains("/machine/arm/cpu[0], /machine/x86/cpu[0]"), "\(error)")
        }
        XCTAssertThrowsError(try m.resolve("/machine/x87")) { XCTAssertTrue("\($0)".contains("did you mean 'x86'"), "\($0)") }
    }

    func testObjectsAlwaysHaveParentsAndNames() throws {
        let m = try Machine(registry: makeRegistry())
        XCTAssertThrowsError(try m.addChild("bad/name", type: "test-device"))
        XCTAssertThrowsError(try m.addChild("x", type: "device")) { XCTAssertTrue("\($0)".contains("abstract"), "\($0)") }
        XCTAssertThrowsError(try m.addChild("x", type: "no-such-type"))
        let d = try m.addChild("x", type: "test-device")
        XCTAssertThrowsError(try m.addChild("x", type: "test-device")) { XCTAssertTrue("\($0)".contains("already exists")) }
        XCTAssertTrue(d.parent === m)
        for object in m.subtree.dropFirst() { XCTAssertNotNil(object.parent, object.path) }
        try d.destroy()
        XCTAssertEqual(d.state, .destroyed)
        XCTAssertNil(d.parent)
        XCTAssertNil(m.child(named: "x"))
        XCTAssertThrowsError(try d.addChild("y", type: "test-device"), "a destroyed object cannot gain children")
    }

    func testDestroyRefusedWhileLinkedTo() throws {
        let m = try Machine(registry: makeRegistry())
        let a = try m.addChild("a", type: "test-device")
        let b = try m.addChild("b", type: "test-device")
        try a.setProperty("peer", "b")
        XCTAssertThrowsError(try b.destroy()) { XCTAssertTrue("\($0)".contains("in use: /machine/a.peer")) }
        try a.setProperty("peer", .null)
        try b.destroy()
    }

    func testAliasForwardsToChild() throws {
        let m = try Machine(registry: makeRegistry())
        let box = try m.addChild("box", type: "test-box")
        try box.setProperty("inner-width", 32)
        XCTAssertEqual(try m.resolve("box/inner").uintProperty("width"), 32)
        XCTAssertEqual(try box.property("inner-width"), .uint(32))
    }

    func testTwoMachinesFromOneRegistryAreIndependent() throws {
        let registry = makeRegistry()
        let m1 = try Machine(registry: registry)
        let m2 = try Machine(registry: registry)
        let d1 = try m1.addChild("dev", type: "test-device")
        let d2 = try m2.addChild("dev", type: "test-device")
        try d1.setProperty("width", 64)
        try m1.addChild("extra", type: "test-device")
        try m1.setProperty("quantum", "1ms")
        XCTAssertEqual(d2.uintProperty("width"), 8)
        XCTAssertNil(m2.child(named: "extra"))
        XCTAssertEqual(m2.quantum, .microseconds(10))
        m1.clock.schedule(at: .microseconds(5), "tick") {}
        XCTAssertEqual(m2.clock.pendingCount, 0)
    }

    func testInterruptFanOutAndWiredOr() throws {
        let m = try Machine(registry: makeRegistry())
        let a = try m.addChild("a", type: "test-device", as: TestDevice.self)
        let b = try m.addChild("b", type: "test-device", as: TestDevice.self)
        let c = try m.addChild("c", type: "test-device", as: TestDevice.self)
        try m.connect("a.irq", to: "b.in[2]")
        try m.connect("a.irq", to: "c.in[0]")
        try m.connect("c.irq", to: "b.in[2]")
        try a.output("irq").raise()
        XCTAssertEqual(b.inputLog.map(\.0), [2])
        XCTAssertEqual(c.inputLog.map(\.1), [true])
        try c.output("irq").raise()       // wired-OR: still high, no new edge
        try a.output("irq").lower()
        XCTAssertEqual(b.inputLog.count, 1)
        try c.output("irq").lower()
        XCTAssertEqual(b.inputLog.last?.1, false)
        XCTAssertThrowsError(try m.connect("a.irq", to: "b.in[4]")) { XCTAssertTrue("\($0)".contains("out of range")) }
        XCTAssertThrowsError(try m.connect("a.nope", to: "b.in[0]")) { XCTAssertTrue("\($0)".contains("no output pin 'nope'")) }
    }

    func testListingsAreStableGolden() throws {
        let m = try Machine(registry: makeRegistry())
        let cluster = try m.addChild("arm", type: "cluster")
        for i in 0..<3 { try cluster.addChild("cpu[\(i)]", type: "test-device") }
        try m.addChild("box", type: "test-box")
        XCTAssertEqual(m.qomTreeText(), """
            /machine (machine)
              arm (cluster)
                cpu[0] (test-device)
                cpu[1] (test-device)
                cpu[2] (test-device)
              box (test-box)
                inner (test-device)

            """)
        XCTAssertEqual(try m.resolve("cpu[1]").propertyListText(), """
            width (uint8) = 8
            mode (enum(fast|slow|off)) = fast
            size (size) = 4096
            label (str) = 
            peer (link<test-device>) = <unset>
            fail (bool) = false

            """)
        let described = try makeRegistry().describe("test-device")
        XCTAssertTrue(described.hasPrefix("test-device: A device for tests\n  inherits: device -> object\n"), described)
        XCTAssertTrue(described.contains("    size: size = 4K\n      Window size\n"), described)
        XCTAssertTrue(described.contains("    irq: out — Interrupt\n"), described)
        XCTAssertTrue(described.contains("    in[4]: in — Inputs\n"), described)
    }

    func testTypeListingFiltersAbstractAndByAncestor() {
        let registry = makeRegistry()
        let concrete = registry.list().map(\.name)
        XCTAssertFalse(concrete.contains("device"))
        XCTAssertTrue(concrete.contains("machine"))
        XCTAssertEqual(registry.list(implementing: "test-device").map(\.name), ["test-device"])
        XCTAssertTrue(registry.list(includeAbstract: true).map(\.name).contains("cpu"))
    }

    func testRegistryRejectsBadTypes() {
        var registry = makeRegistry()
        XCTAssertThrowsError(try registry.register(ObjectType("x", parent: "nope", summary: "", instanceClass: TestDevice.self)))
        XCTAssertThrowsError(try registry.register(ObjectType("test-device", parent: "device", summary: "", instanceClass: TestDevice.self)))
        XCTAssertThrowsError(try registry.register(ObjectType("Bad Name", parent: "device", summary: "", instanceClass: TestDevice.self)))
        XCTAssertThrowsError(try registry.register(ObjectType("dup", parent: "test-device", summary: "",
            properties: [PropertyDescriptor("width", .bool, doc: "")], instanceClass: TestDevice.self)))
    }
}
