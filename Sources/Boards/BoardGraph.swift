import ChimeraCore

/// Graphviz DOT of a machine: the composition tree (solid), memory-map
/// edges from clusters to mapped devices (dashed, labelled with addresses)
/// and IRQ wiring (red, labelled with pins).
public enum BoardGraph {
    public static func dot(of machine: Machine) -> String {
        var ids: [ObjectIdentifier: String] = [:]
        var out = "digraph \"\(machine.objectType.name)\" {\n  rankdir=LR;\n  node [shape=box, fontname=\"Helvetica\", fontsize=10];\n"
        for (i, object) in machine.subtree.enumerated() {
            let id = "n\(i)"
            ids[ObjectIdentifier(object)] = id
            let shape = object is Cluster ? ", style=rounded" : object is CPUDevice ? ", style=filled, fillcolor=\"#e8f0ff\"" : ""
            out += "  \(id) [label=\"\(escape(object.name))\\n(\(escape(object.objectType.name)))\"\(shape)];\n"
        }
        for object in machine.subtree {
            for child in object.children {
                out += "  \(ids[ObjectIdentifier(object)]!) -> \(ids[ObjectIdentifier(child)]!) [arrowhead=none];\n"
            }
        }
        for cluster in machine.clusters {
            for m in cluster.mappings {
                guard let target = try? machine.resolve(m.objectPath), let to = ids[ObjectIdentifier(target)] else { continue }
                let label = "\(m.region) @ 0x\(String(m.address, radix: 16))\(m.space == "io" ? " (io)" : "")"
                out += "  \(ids[ObjectIdentifier(cluster)]!) -> \(to) [style=dashed, color=\"#3060c0\", label=\"\(escape(label))\", fontsize=8];\n"
            }
        }
        for c in machine.irqConnections {
            guard let from = ids[ObjectIdentifier(c.from.owner)], let to = ids[ObjectIdentifier(c.to.owner)] else { continue }
            let label = "\(pin(c.from)) → \(pin(c.to))"
            out += "  \(from) -> \(to) [color=\"#c03030\", label=\"\(escape(label))\", fontsize=8];\n"
        }
        return out + "}\n"
    }

    private static func pin(_ name: String, _ index: Int, _ full: String) -> String {
        full.split(separator: ".").last.map(String.init) ?? name
    }

    private static func pin(_ output: IRQOutput) -> String { pin(output.group, output.index, output.name) }
    private static func pin(_ input: IRQInput) -> String { pin(input.group, input.index, input.name) }

    private static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
    }
}

import Foundation
