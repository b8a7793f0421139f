import XCTest
import Foundation
import ChimeraCore
import ChimeraDevices
import ChimeraLoader
import ChimeraTestSupport
@testable import ChimeraBoards

/// Board files written into a temporary folder, expanded with a registry
/// of shared devices and the toy core.
final class BoardFileTests: XCTestCase {
    var dir: String = ""

    override func setUpWithError() throws {
        dir = NSTemporaryDirectory() + "chimera-boards-\(getpid())-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: dir + "/components", withIntermediateDirectories: true)
        try write("components/uart.yaml", """
            component: uart
            summary: A PL011 mapped into a cluster with its interrupt wired
            parameters:
              cluster: {type: path, doc: Cluster to map into}
              base: {type: int, doc: Base address}
              irq: {type: pin, doc: Input the interrupt drives}
            type: pl011
            props: {output: buffer}
            map: {into: "${cluster}", address: "${base}"}
            irqs:
              - ".irq -> ${irq}"
            """)
    }

    func write(_ name: String, _ text: String) throws {
        try text.write(toFile: dir + "/" + name, atomically: true, encoding: .utf8)
    }

    var registry: TypeRegistry {
        var r = TypeRegistry.withCoreTypes()
        Devices.register(into: &r)
        Loader.register(into: &r)
        r.registerBuiltin(ToyCPU.type)
        return r
    }

    func load(_ name: String, _ params: [(String, String)] = []) throws -> ExpandedBoard {
        try BoardLoader(searchPaths: [dir]).load(name, parameters: params, registry: registry)
    }

    func build(_ name: String, _ params: [(String, String)] = []) throws -> Machine {
        let board = try load(name, params)
        let m = try board.build(registry: registry)
        try m.realizeMachine()
        return m
    }

    static let base = """
        board: base
        summary: Two toy clusters for tests
        parameters:
          cores: {type: int, default: 2, min: 1, max: 8, doc: Cores in cluster a}
          ram-size: {type: size, default: 1M, doc: RAM of cluster a}
        objects:
          shared:
            type: ram
            props: {size: 64K}
          a:
            type: cluster
            children:
              cpu:
                for: i in 0..${cores}
                type: toy-cpu
                props: {reset-pc: "${0x1000 + i * 0x100}"}
              ram:
                type: ram
                props: {size: "${ram-size}"}
                map: {into: a, address: 0}
              sink:
                type: toy-cpu
              uart:
                use: components/uart.yaml
                args: {cluster: a, base: 0x09000000, irq: a/sink.irq}
          b:
            type: cluster
            children:
              cpu:
                for: i in 0..1
                type: toy-cpu
              ram: {type: ram, props: {size: 64K}, map: {into: b, address: 0}}
          mailbox:
            type: mailbox
            map:
              - {into: a, region: "port[0]", address: 0x0A000000}
              - {into: b, region: "port[1]", address: 0x0A000000}
            irqs: {"irq[0]": "a/cpu[0].irq", "irq[1]": ["b/cpu[0].irq", a/sink.irq]}
          window:
            type: ram
            props: {size: 64K}
        irqs:
          - "a/uart.irq -> b/cpu[0].irq, b/cpu[0].irq"
        """

    func testParametersLoopsComponentsAndMaps() throws {
        try write("base.yaml", Self.base)
        let m = try build("base")
        XCTAssertEqual(m.objectType.name, "base")
        XCTAssertEqual(m.uintProperty("cores"), 2)
        XCTAssertEqual(try m.resolve("a").children.map(\.name), ["cpu[0]", "cpu[1]", "ram", "sink", "uart"])
        XCTAssertEqual(try m.resolve("a/cpu[1]").uintProperty("reset-pc"), 0x1100)
        XCTAssertEqual(try m.resolve("a/uart").stringProperty("output"), "buffer")
        let a = try m.resolve("a") as! Cluster
        XCTAssertTrue(a.memory.mtreeText().contains("/machine/a/uart:mmio"), a.memory.mtreeText())
        XCTAssertEqual(m.irqConnections.map { "\($0.from.name) -> \($0.to.name)" }, [
            "/machine/a/uart.irq -> /machine/a/sink.irq",
            "/machine/mailbox.irq[0] -> /machine/a/cpu[0].irq",
            "/machine/mailbox.irq[1] -> /machine/b/cpu[0].irq",
            "/machine/mailbox.irq[1] -> /machine/a/sink.irq",
            "/machine/a/uart.irq -> /machine/b/cpu[0].irq",
            "/machine/a/uart.irq -> /machine/b/cpu[0].irq",
        ])

        let bigger = try build("base", [("cores", "4"), ("ram-size", "2M")])
        XCTAssertEqual(bigger.cpus.count, 6)  // 4 + sink in a, 1 in b
        XCTAssertEqual(try bigger.resolve("a/ram").uintProperty("size"), 2 << 20)
        XCTAssertEqual(bigger.uintProperty("cores"), 4)
    }

    func testIncludesWithArgumentsAndOverrides() throws {
        try write("base.yaml", Self.base)
        try write("derived.yaml", """
            board: derived
            summary: base with three cores, a shared window and the UART to a file
            include:
              - file: base.yaml
                args: {cores: 3}
            objects:
              extra: {type: sim-control, map: {into: b, address: 0x0B000000}}
            set:
              a/uart.output: file
              a/uart.output-file: /dev/null
            """)
        let m = try build("derived")
        XCTAssertEqual(try m.resolve("a").children.filter { $0.name.hasPrefix("cpu") }.count, 3)
        XCTAssertEqual(try m.resolve("a/uart").stringProperty("output"), "file")
        XCTAssertNotNil(m.child(named: "extra"))
    }

    func testAliasWindowsAndExportRoundTrip() throws {
        try write("win.yaml", """
            board: win
            summary: one RAM seen twice
            objects:
              shared: {type: ram, props: {size: 64K}}
              c:
                type: cluster
                children: {cpu: {type: toy-cpu}}
            set: {}
            irqs: []
            """ + "\n" + """
            kernels: {}
            """)
        try write("win2.yaml", """
            board: win2
            summary: one RAM seen twice
            objects:
              shared:
                type: ram
                props: {size: 64K}
                map:
                  - {into: c, address: 0x80000000}
                  - {into: c, address: 0x10000, offset: 0x1000, size: 0x1000, priority: 1}
              c: {type: cluster}
            """)
        let m = try build("win2")
        let c = try m.resolve("c") as! Cluster
        c.memory.write(0x8000_1008, size: 4, value: 0x1234)
        XCTAssertEqual(c.memory.read(0x1_0008, size: 4), 0x1234)
        // Exported commands rebuild the same tree and map.
        let board = try load("win2")
        let rebuilt = try Machine(registry: try board.registry(extending: registry), type: "win2")
        for command in m.constructionCommands() { try rebuilt.execute(command) }
        try rebuilt.realizeMachine()
        XCTAssertEqual(rebuilt.qomTreeText(), m.qomTreeText())
        XCTAssertEqual((try rebuilt.resolve("c") as! Cluster).memory.mtreeText(), c.memory.mtreeText())
        _ = try load("win")
    }

    /// Each malformed board gives file:line:column and a useful message.
    func testMalformedBoardsPointAtTheProblem() throws {
        let cases: [(name: String, text: String, params: [(String, String)], location: String, message: String)] = [
            ("syntax", "board: x\nobjects:\n  a: {type: ram\n", [], ":4:1", "YAML syntax"),
            ("noboard", "objects: {}\n", [], ":1:1", "needs 'board: NAME'"),
            ("topkey", "board: x\nobjets: {}\n", [], ":2:1", "did you mean 'objects'"),
            ("type", "board: x\nobjects:\n  a: {type: rma}\n", [], ":3:13", "unknown type 'rma'; did you mean 'ram'"),
            ("prop", "board: x\nobjects:\n  a:\n    type: ram\n    props: {szie: 4K}\n", [], ":5:13", "did you mean 'size'"),
            ("value", "board: x\nobjects:\n  a:\n    type: ram\n    props: {size: 12Q}\n", [], ":5:19", "invalid size '12Q'"),
            ("loop", "board: x\nobjects:\n  cpu:\n    for: i from 0 to 3\n    type: toy-cpu\n", [], ":4:10", "expected a loop such as"),
            ("bound", "board: x\nobjects:\n  cpu:\n    for: i in 0..abc\n    type: toy-cpu\n", [], ":4:10", "is not an integer"),
            ("var", "board: x\nobjects:\n  a:\n    type: ram\n    props: {size: \"${sise}\"}\n", [], ":5:19", "unknown name 'sise'"),
            ("mapaddr", "board: x\nobjects:\n  c: {type: cluster}\n  a:\n    type: ram\n    map: {into: c}\n", [], ":6:10", "needs 'into: CLUSTER' and 'address: N'"),
            ("region", "board: x\nobjects:\n  c: {type: cluster}\n  a:\n    type: ram\n    map: {into: c, region: mmio, address: 0}\n", [], ":6:28", "has no region 'mmio'; regions are: mem"),
            ("irqsyntax", "board: x\nobjects: {a: {type: pl011}}\nirqs:\n  - a.irq to b.in\n", [], ":4:5", "expected 'OUTPUT -> INPUT"),
            ("irqpin", "board: x\nobjects:\n  a: {type: pl011}\n  b: {type: pl011}\nirqs:\n  - a.irq -> b.in[0]\n", [], ":6:5", "has no input pin 'in'"),
            ("component", "board: x\nobjects:\n  u: {use: components/nope.yaml}\n", [], ":3:12", "component 'components/nope.yaml' not found"),
            ("compargs", "board: x\nobjects:\n  u: {use: components/uart.yaml, args: {base: 0}}\n", [], ":3:12", "must be given in args"),
            ("param", "board: x\nparameters:\n  n: {type: int, default: 1, doc: count}\n", [("m", "2")], ":1:1", "has no parameter 'm'"),
            ("paramvalue", "board: x\nparameters:\n  n: {type: int, default: 1, max: 4, doc: count}\n", [("n", "9")], ":3:6", "out of range"),
            ("paramtype", "board: x\nparameters:\n  n: {type: integer, doc: count}\n", [], ":3:13", "unknown parameter type 'integer'"),
            ("dup", "board: x\nobjects:\n  cpu:\n    for: i in 0..2\n    type: toy-cpu\n  cpu[1]: {type: toy-cpu}\n", [], ":6:3", "already declared"),
            ("kernel", "board: x\nobjects:\n  a: {type: ram, kernel: k.elf}\n", [], ":3:26", "only valid on cores"),
            ("include", "board: x\ninclude: [missing.yaml]\n", [], ":2:11", "included file 'missing.yaml' not found"),
            ("notcluster", "board: x\nobjects:\n  r: {type: ram}\n  s: {type: ram, map: {into: r, address: 0}}\n", [], ":4:23", "is not a cluster"),
        ]
        XCTAssertGreaterThanOrEqual(cases.count, 15)
        for c in cases {
            try write("\(c.name).yaml", c.text)
            let file = dir + "/\(c.name).yaml"
            XCTAssertThrowsError(try build(c.name, c.params), c.name) { error in
                let text = "\(error)"
                XCTAssertTrue(text.hasPrefix(file + c.location + ":"), "\(c.name): expected \(file)\(c.location): … got \(text)")
                XCTAssertTrue(text.contains(c.message), "\(c.name): expected '\(c.message)' in \(text)")
            }
        }
    }

    func testDescribingABoardListsItsParameters() throws {
        try write("base.yaml", Self.base)
        let board = try load("base")
        let text = try board.registry(extending: registry).describe("base")
        XCTAssertTrue(text.contains("cores: int64 = 2"), text)
        XCTAssertTrue(text.contains("Cores in cluster a"), text)
        XCTAssertEqual(BoardLoader(searchPaths: [dir]).list().map(\.name), ["base"])
        XCTAssertThrowsError(try load("bsae")) { XCTAssertTrue("\($0)".contains("did you mean 'base'"), "\($0)") }
    }

    func testExportedCommandsAreQMP() throws {
        try write("base.yaml", Self.base)
        let commands = try load("base").machineCommands
        XCTAssertEqual(commands.first?.qmpText, #"{"execute": "object-add", "arguments": {"qom-type": "ram", "id": "/machine/shared", "size": 65536}}"#)
        for c in commands {
            let parsed = try Value(json: c.qmpText)
            XCTAssertEqual(try MachineCommand(name: parsed["execute"]!.string!, arguments: parsed["arguments"]!), c)
        }
    }
}
