import ArgumentParser
import ChimeraCore
import ChimeraBoards
import Foundation

/// `chimera boards`: list shipped boards.
struct Boards: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List the available boards.")
    @OptionGroup var search: BoardSearchOptions

    func run() throws {
        let boards = search.loader.list()
        let width = boards.map(\.name.count).max() ?? 0
        for b in boards {
            print(b.name + String(repeating: " ", count: width - b.name.count) + "  " + b.summary)
        }
    }
}

/// `chimera check BOARD`: expand, build and realize without running.
struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Validate a board (and options) without running it.")
    @Argument(help: "Board name or file.") var board: String
    @OptionGroup var machineOptions: MachineOptions

    func run() throws {
        do {
            let (machine, expanded) = try machineOptions.buildMachine(board: board, registry: standardRegistry())
            try machine.realizeMachine()
            print("\(expanded.name): ok — \(machine.subtree.count) objects, \(machine.cpus.count) cores, "
                  + "\(machine.clusters.count) clusters, \(expanded.commands.count) commands")
        } catch {
            throw fail(error)
        }
    }
}

/// `chimera graph BOARD`: Graphviz DOT of tree, memory maps and wiring.
struct Graph: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print a board as a Graphviz DOT graph (pipe into `dot -Tsvg`).")
    @Argument(help: "Board name or file.") var board: String
    @OptionGroup var machineOptions: MachineOptions

    func run() throws {
        do {
            let (machine, _) = try machineOptions.buildMachine(board: board, registry: standardRegistry())
            try machine.realizeMachine()
            print(BoardGraph.dot(of: machine), terminator: "")
        } catch {
            throw fail(error)
        }
    }
}

/// `chimera board export BOARD`: the QMP command script equivalent to a board.
struct Board: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Board-file tools.", subcommands: [Export.self])

    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the QMP commands that build BOARD, one JSON request per line.")
        @Argument(help: "Board name or file.") var board: String
        @OptionGroup var machineOptions: MachineOptions

        func run() throws {
            do {
                let (machine, _) = try machineOptions.buildMachine(board: board, registry: standardRegistry())
                for command in machine.constructionCommands() { print(command.qmpText) }
            } catch {
                throw fail(error)
            }
        }
    }
}
