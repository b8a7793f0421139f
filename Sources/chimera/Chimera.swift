import ArgumentParser
#if canImport(Glibc)
import Glibc
#endif
import ChimeraCore
import ChimeraKit
import ChimeraScheduler
import ChimeraBoards
import Foundation

/// The `chimera` command-line tool.
@main
struct Chimera: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chimera",
        abstract: "A heterogeneous machine simulator: x86-64 and ARM cores side by side, deterministically.",
        subcommands: [Run.self, Boards.self, Check.self, Graph.self, Board.self, DeviceTreeDump.self, Types.self, Describe.self])
}

/// Every type the shipped modules register, in module order.
func standardRegistry() -> TypeRegistry { ChimeraKit.standardRegistry() }

/// Prints a host-side error the way every subcommand reports them.
func fail(_ error: any Error) -> ExitCode {
    var stderr = StandardError()
    print("chimera: \(error)", to: &stderr)
    return ExitCode(2)
}

struct StandardError: TextOutputStream {
    mutating func write(_ string: String) {
        var s = string
        s.withUTF8 { buffer in _ = Glibc.write(2, buffer.baseAddress, buffer.count) }
    }
}

struct Types: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List the registered object types.")

    @Option(name: .long, help: "Only types that are, inherit from or implement this type or interface.")
    var implements: String?

    @Flag(name: .long, help: "Include abstract types and interfaces.")
    var all = false

    func run() throws {
        let registry = standardRegistry()
        if let implements, !registry.contains(implements) {
            throw fail(ChimeraError(.generic, "unknown type '\(implements)'"))
        }
        print(registry.typeListText(implementing: implements, includeAbstract: all), terminator: "")
    }
}

struct Describe: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Describe a type: its ancestry, properties (with types, defaults and docs), pins and regions.")

    @Argument(help: "A type name (ram, pl011, machine) or a board name (hetero).")
    var name: String

    @OptionGroup var boardOptions: BoardSearchOptions

    func run() throws {
        do {
            let registry = standardRegistry()
            if registry.contains(name) {
                print(try registry.describe(name), terminator: "")
                return
            }
            let loader = boardOptions.loader
            guard (try? loader.path(of: name)) != nil else {
                _ = try registry.type(named: name)  // the unknown-type error, with its suggestion
                return
            }
            let board = try loader.load(name, registry: registry)
            print("board \(board.name) (\(board.file))", terminator: "\n")
            print(try board.registry(extending: registry).describe(board.name), terminator: "")
        } catch {
            throw fail(error)
        }
    }
}
