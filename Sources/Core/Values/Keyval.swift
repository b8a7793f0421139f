import OrderedCollections

/// QEMU's keyval syntax: `pl011,id=uart0,chardev=stdio`, with `,,` for a
/// literal comma and an optional implicit first key (`driver` for `-device`).
public enum Keyval {
    /// Splits `text` into ordered key/value pairs. A first item without `=`
    /// is given `implicitKey`; a later one is an error.
    public static func parse(_ text: String, implicitKey: String? = nil) throws(ChimeraError) -> OrderedDictionary<String, String> {
        var items: [String] = []
        var current = ""
        var chars = Array(text)
        var i = 0
        while i < chars.count {
            if chars[i] == "," {
                if i + 1 < chars.count, chars[i + 1] == "," { current.append(","); i += 2; continue }
                items.append(current)
                current = ""
            } else {
                current.append(chars[i])
            }
            i += 1
        }
        items.append(current)
        chars.removeAll()

        var result = OrderedDictionary<String, String>()
        for (index, item) in items.enumerated() {
            if item.isEmpty {
                if index == items.count - 1 && index > 0 { continue }  // trailing comma
                throw ChimeraError(.generic, "empty item \(index + 1) in '\(text)'")
            }
            guard let eq = item.firstIndex(of: "=") else {
                if index == 0, let implicitKey {
                    result[implicitKey] = item
                    continue
                }
                throw ChimeraError(.generic, "item '\(item)' in '\(text)' has no '=': expected key=value")
            }
            let key = String(item[..<eq])
            let value = String(item[item.index(after: eq)...])
            guard !key.isEmpty else { throw ChimeraError(.generic, "item '\(item)' in '\(text)' has an empty key") }
            guard result[key] == nil else { throw ChimeraError(.generic, "key '\(key)' given twice in '\(text)'") }
            result[key] = value
        }
        return result
    }
}
