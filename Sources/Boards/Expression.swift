import ChimeraCore

/// Values visible to `${…}` in a board file: parameters and loop variables.
struct Scope {
    /// Name → value, innermost last (loop variables shadow parameters).
    var variables: [(String, Value)] = []

    func lookup(_ name: String) -> Value? {
        variables.last { $0.0 == name }?.1
    }

    func with(_ name: String, _ value: Value) -> Scope {
        var copy = self
        copy.variables.append((name, value))
        return copy
    }
}

/// `${…}` interpolation with integer arithmetic (`+ - * / %`, parentheses,
/// decimal and `0x` literals, size suffixes, variables).
enum Interpolation {
    /// Replaces every `${expr}` in `text`. A text that is exactly one
    /// `${name}` yields that parameter's value unchanged (so a `time` or
    /// `size` parameter keeps its type).
    static func expand(_ text: String, in scope: Scope) throws(ChimeraError) -> Value {
        guard text.contains("${") else { return .string(text) }
        if text.hasPrefix("${"), text.hasSuffix("}"), text.dropFirst(2).firstIndex(of: "}") == text.index(before: text.endIndex) {
            let inner = String(text.dropFirst(2).dropLast()).trimmingSpacesPublic
            if let v = scope.lookup(inner) { return v }
        }
        var out = ""
        var rest = Substring(text)
        while let start = rest.range(of: "${") {
            out += rest[..<start.lowerBound]
            guard let end = rest[start.upperBound...].firstIndex(of: "}") else {
                throw ChimeraError(.generic, "unterminated '${' in '\(text)'")
            }
            let expr = String(rest[start.upperBound..<end])
            let value = try evaluate(expr, in: scope)
            out += value
            rest = rest[rest.index(after: end)...]
        }
        out += rest
        return .string(out)
    }

    /// Evaluates one expression to text: an integer in decimal, or a string variable.
    static func evaluate(_ expr: String, in scope: Scope) throws(ChimeraError) -> String {
        let trimmed = expr.trimmingSpacesPublic
        if let v = scope.lookup(trimmed) {
            if let i = v.int64 { return String(i) }
            if let u = v.uint64 { return String(u) }
            if let s = v.string { return s }
            if let b = v.bool { return b ? "true" : "false" }
        }
        var parser = ExpressionParser(tokens: try tokenize(trimmed, original: expr), scope: scope, source: expr)
        let value = try parser.parseExpression()
        guard parser.atEnd else { throw ChimeraError(.generic, "unexpected text in '${\(expr)}'") }
        return String(value)
    }

    enum Token: Equatable {
        case number(Int64)
        case name(String)
        case op(Character)
    }

    static func tokenize(_ s: String, original: String) throws(ChimeraError) -> [Token] {
        var tokens: [Token] = []
        let chars = Array(s)
        var i = 0
        while i < chars.count {
            let c = chars[i]
            if c == " " { i += 1; continue }
            if "+-*/%()".contains(c) { tokens.append(.op(c)); i += 1; continue }
            var j = i
            while j < chars.count, chars[j].isLetter || chars[j].isNumber || chars[j] == "-" && j > i && !chars[i].isNumber || chars[j] == "_" {
                j += 1
            }
            guard j > i else { throw ChimeraError(.generic, "unexpected character '\(c)' in '${\(original)}'") }
            let word = String(chars[i..<j])
            if word.first!.isNumber {
                guard let v = try? ValueType.parseSize(word), v <= UInt64(Int64.max) else {
                    throw ChimeraError(.generic, "bad number '\(word)' in '${\(original)}'")
                }
                tokens.append(.number(Int64(v)))
            } else {
                tokens.append(.name(word))
            }
            i = j
        }
        return tokens
    }

    /// Parentheses and unary minus nest at most this deep: the parser is
    /// recursive, and a hostile `((((…` must not exhaust the host stack.
    static let maximumDepth = 64

    struct ExpressionParser {
        var tokens: [Token]
        var index = 0
        let scope: Scope
        let source: String
        private var depth = 0

        init(tokens: [Token], scope: Scope, source: String) {
            self.tokens = tokens
            self.scope = scope
            self.source = source
        }

        var atEnd: Bool { index == tokens.count }

        /// Arithmetic is checked: a result outside the signed 64-bit range is an error, never a wrap or a trap.
        private func overflow(_ lhs: Int64, _ op: Character, _ rhs: Int64) -> ChimeraError {
            ChimeraError(.generic, "\(lhs) \(op) \(rhs) is outside the 64-bit integer range "
                         + "(\(Int64.min)…\(Int64.max)) in '${\(source)}'")
        }

        mutating func parseExpression() throws(ChimeraError) -> Int64 {
            var value = try parseTerm()
            while index < tokens.count, case .op(let c) = tokens[index], c == "+" || c == "-" {
                index += 1
                let rhs = try parseTerm()
                let (result, overflowed) = c == "+" ? value.addingReportingOverflow(rhs) : value.subtractingReportingOverflow(rhs)
                if overflowed { throw overflow(value, c, rhs) }
                value = result
            }
            return value
        }

        mutating func parseTerm() throws(ChimeraError) -> Int64 {
            var value = try parseFactor()
            while index < tokens.count, case .op(let c) = tokens[index], c == "*" || c == "/" || c == "%" {
                index += 1
                let rhs = try parseFactor()
                if c != "*" && rhs == 0 { throw ChimeraError(.generic, "division by zero in '${\(source)}'") }
                let (result, overflowed) = c == "*" ? value.multipliedReportingOverflow(by: rhs)
                    : c == "/" ? value.dividedReportingOverflow(by: rhs) : value.remainderReportingOverflow(dividingBy: rhs)
                if overflowed { throw overflow(value, c, rhs) }
                value = result
            }
            return value
        }

        mutating func parseFactor() throws(ChimeraError) -> Int64 {
            guard index < tokens.count else { throw ChimeraError(.generic, "incomplete expression '${\(source)}'") }
            let token = tokens[index]
            index += 1
            switch token {
            case .number(let n): return n
            case .name(let name):
                guard let v = scope.lookup(name) else {
                    let known = scope.variables.map(\.0)
                    var message = "unknown name '\(name)' in '${\(source)}'"
                    if let near = nearestName(to: name, in: known) { message += "; did you mean '\(near)'?" }
                    throw ChimeraError(.generic, message)
                }
                if let i = v.int64 { return i }
                if let u = v.uint64 {
                    guard let i = Int64(exactly: u) else {
                        throw ChimeraError(.generic, "'\(name)' (\(u)) is outside the 64-bit signed range of arithmetic in '${\(source)}'")
                    }
                    return i
                }
                throw ChimeraError(.generic, "'\(name)' is not a number in '${\(source)}'")
            case .op("-"):
                try enter()
                defer { depth -= 1 }
                let operand = try parseFactor()
                let (result, overflowed) = Int64(0).subtractingReportingOverflow(operand)
                if overflowed { throw ChimeraError(.generic, "-(\(operand)) is outside the 64-bit integer range in '${\(source)}'") }
                return result
            case .op("("):
                try enter()
                defer { depth -= 1 }
                let v = try parseExpression()
                guard index < tokens.count, tokens[index] == .op(")") else {
                    throw ChimeraError(.generic, "missing ')' in '${\(source)}'")
                }
                index += 1
                return v
            case .op(let c): throw ChimeraError(.generic, "unexpected '\(c)' in '${\(source)}'")
            }
        }

        private mutating func enter() throws(ChimeraError) {
            depth += 1
            guard depth <= Interpolation.maximumDepth else {
                throw ChimeraError(.generic, "expression nests parentheses or unary '-' more than \(Interpolation.maximumDepth) deep in '${\(source.count > 60 ? String(source.prefix(60)) + "…" : source)}'")
            }
        }
    }
}

extension String {
    var trimmingSpacesPublic: String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" { s.removeFirst() }
        while let l = s.last, l == " " || l == "\t" { s.removeLast() }
        return String(s)
    }
}
