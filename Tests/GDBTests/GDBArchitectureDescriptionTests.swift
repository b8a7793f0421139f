import ChimeraCore
import ChimeraGDB
import XCTest
#if canImport(FoundationXML)
import FoundationXML
#else
import Foundation
#endif

/// The target descriptions parse as XML, list registers in register-number
/// order with gdb's names and sizes, and only use types gdb knows.
///
/// FoundationXML on Linux reports success for a document whose elements
/// are never closed, so the outline also checks that tags balance.
final class GDBArchitectureDescriptionTests: XCTestCase {
    /// What an XML parse of `target.xml` found.
    private final class Outline: NSObject, XMLParserDelegate {
        struct Register { var name: String; var bitSize: Int; var regnum: Int; var type: String; var feature: String }
        var architecture = ""
        var registers: [Register] = []
        var undefinedTypes: [String] = []
        /// Parse errors and unbalanced tags.
        var problems: [String] = []
        /// Elements opened and not yet closed.
        var open: [String] = []
        private var feature = ""
        private var definedTypes: Set<String> = []
        private var text = ""
        static let predefined: Set<String> = ["int", "int8", "int16", "int32", "int64", "int128", "uint8", "uint16",
                                              "uint32", "uint64", "uint128", "code_ptr", "data_ptr", "ieee_half",
                                              "ieee_single", "ieee_double", "bfloat16", "i387_ext"]

        func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                    attributes: [String: String] = [:]) {
            text = ""
            open.append(name)
            if let type = attributes["type"], !Outline.predefined.contains(type), !definedTypes.contains(type) {
                undefinedTypes.append("\(feature): \(type)")
            }
            switch name {
            case "feature":
                feature = attributes["name"] ?? ""
                definedTypes = []
            case "vector", "union", "flags": definedTypes.insert(attributes["id"] ?? "")
            case "reg":
                registers.append(Register(name: attributes["name"] ?? "", bitSize: Int(attributes["bitsize"] ?? "") ?? -1,
                                          regnum: Int(attributes["regnum"] ?? "") ?? -1, type: attributes["type"] ?? "",
                                          feature: feature))
            default: break
            }
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) { text += string }

        func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
            if name == "architecture" { architecture = text }
            if open.popLast() != name { problems.append("</\(name)> does not close the open element") }
        }

        func parser(_ parser: XMLParser, parseErrorOccurred parseError: any Error) { problems.append("\(parseError)") }
    }

    private func outline(_ description: GDBArchitectureDescription) -> Outline {
        let (wellFormed, outline) = parse(description.xml())
        XCTAssertTrue(wellFormed, "target.xml of \(description.architecture) is not well-formed")
        return outline
    }

    private func parse(_ xml: String) -> (Bool, Outline) {
        let parser = XMLParser(data: Data(xml.utf8))
        let outline = Outline()
        parser.delegate = outline
        let parsed = parser.parse()
        return (parsed && parser.parserError == nil && outline.problems.isEmpty && outline.open.isEmpty, outline)
    }

    func testTheCheckerRejectsBrokenDocumentsAndUndefinedTypes() {
        XCTAssertFalse(parse("<target><feature name=\"a\"></target>").0)
        XCTAssertFalse(parse("<target><feature>").0)
        XCTAssertFalse(parse("<a><b></a></b>").0)
        let (wellFormed, outline) = parse("<target><feature name=\"f\"><reg name=\"r\" bitsize=\"8\" type=\"t\"/></feature></target>")
        XCTAssertTrue(wellFormed)
        XCTAssertEqual(outline.undefinedTypes, ["f: t"])
    }

    func testAArch64DescriptionParsesWithGDBsRegisters() {
        let o = outline(.aarch64)
        XCTAssertEqual(o.architecture, "aarch64")
        XCTAssertEqual(o.undefinedTypes, [])
        XCTAssertEqual(o.registers.map(\.regnum), Array(0..<o.registers.count))
        let core = o.registers.filter { $0.feature == "org.gnu.gdb.aarch64.core" }
        XCTAssertEqual(core.map(\.name), (0...30).map { "x\($0)" } + ["sp", "pc", "cpsr"])
        XCTAssertEqual(core.map(\.bitSize), Array(repeating: 64, count: 33) + [32])
        let fpu = o.registers.filter { $0.feature == "org.gnu.gdb.aarch64.fpu" }
        XCTAssertEqual(fpu.map(\.name), (0...31).map { "v\($0)" } + ["fpsr", "fpcr"])
        XCTAssertEqual(fpu.map(\.bitSize), Array(repeating: 128, count: 32) + [32, 32])
        XCTAssertEqual(fpu.first?.regnum, 34)
        XCTAssertEqual(fpu.first?.type, "aarch64v")
        let system = o.registers.filter { $0.feature == "org.chimera.aarch64.system" }
        XCTAssertEqual(system.prefix(13).map(\.name), ["sctlr_el1", "ttbr0_el1", "ttbr1_el1", "tcr_el1", "mair_el1", "esr_el1",
                                                       "far_el1", "elr_el1", "spsr_el1", "vbar_el1", "sp_el0", "sp_el1",
                                                       "currentel"])
        XCTAssertEqual(Set(system.map(\.bitSize)), [64])
        XCTAssertEqual(o.registers.map(\.name), GDBArchitectureDescription.aarch64.registers.map(\.name))
    }

    func testX86DescriptionParsesWithGDBsRegisters() {
        let o = outline(.x86_64)
        XCTAssertEqual(o.architecture, "i386:x86-64")
        XCTAssertEqual(o.undefinedTypes, [])
        XCTAssertEqual(o.registers.map(\.regnum), Array(0..<o.registers.count))
        let core = o.registers.filter { $0.feature == "org.gnu.gdb.i386.core" }
        XCTAssertEqual(core.count, 40)
        XCTAssertEqual(core.map(\.name), ["rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp", "rsp"] + (8...15).map { "r\($0)" }
                       + ["rip", "eflags", "cs", "ss", "ds", "es", "fs", "gs"] + (0...7).map { "st\($0)" }
                       + ["fctrl", "fstat", "ftag", "fiseg", "fioff", "foseg", "fooff", "fop"])
        XCTAssertEqual(core.map(\.bitSize), Array(repeating: 64, count: 17) + Array(repeating: 32, count: 7)
                       + Array(repeating: 80, count: 8) + Array(repeating: 32, count: 8))
        let sse = o.registers.filter { $0.feature == "org.gnu.gdb.i386.sse" }
        XCTAssertEqual(sse.map(\.name), (0...15).map { "xmm\($0)" } + ["mxcsr"])
        XCTAssertEqual(sse.map(\.bitSize), Array(repeating: 128, count: 16) + [32])
        XCTAssertEqual(sse.first?.regnum, 40)
        XCTAssertEqual(o.registers.filter { $0.feature == "org.gnu.gdb.i386.segments" }.map(\.name), ["fs_base", "gs_base"])
        XCTAssertEqual(o.registers.filter { $0.feature == "org.chimera.x86.system" }.map(\.name),
                       ["cr0", "cr2", "cr3", "cr4", "cr8", "efer", "kernel_gs_base"])
    }

    func testDescriptionsByChimeraArchitecture() {
        XCTAssertEqual(GDBArchitectureDescription(for: .aarch64)?.architecture, "aarch64")
        XCTAssertEqual(GDBArchitectureDescription(for: .x86_64)?.architecture, "i386:x86-64")
        XCTAssertNil(GDBArchitectureDescription(for: .arm))
        XCTAssertEqual(GDBArchitectureDescription.aarch64.register(numbered: 33)?.name, "cpsr")
        XCTAssertNil(GDBArchitectureDescription.aarch64.register(numbered: 1000))
        XCTAssertNil(GDBArchitectureDescription.aarch64.register(numbered: -1))
    }
}
