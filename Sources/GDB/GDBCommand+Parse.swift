/// Parsing a packet payload into a `GDBCommand`.
///
/// Everything but `X` is ASCII, so the payload is read as text; `X` is split
/// at its first `:` on the bytes, since its data may be any bytes. Field
/// errors are thrown as `Malformed` inside and become `.malformed` at the
/// top, so no path through here can trap on what gdb sent.
extension GDBCommand {
    /// The command a packet payload (as `GDBPacketFramer` delivers it) asks for.
    public static func parse(_ payload: [UInt8]) -> GDBCommand {
        do throws(Malformed) {
            return try parseThrowing(payload)
        } catch {
            return .malformed(error.reason)
        }
    }

    /// The command a textual payload asks for.
    public static func parse(_ text: String) -> GDBCommand { parse(Array(text.utf8)) }

    /// Why a known packet could not be decoded.
    struct Malformed: Error {
        var reason: String
        init(_ reason: String) { self.reason = reason }
    }

    private static func parseThrowing(_ payload: [UInt8]) throws(Malformed) -> GDBCommand {
        guard let first = payload.first else { return .unknown("") }
        if first == UInt8(ascii: "X") { return try binaryWrite(payload.dropFirst()) }
        let text = String(decoding: payload, as: UTF8.self)
        // Drop one scalar, not one Character: a combining mark after the
        // command letter must stay in the fields (and make them malformed).
        let rest = Substring(text.unicodeScalars.dropFirst())
        switch first {
        case UInt8(ascii: "?") where rest.isEmpty: return .stopReason
        case UInt8(ascii: "g") where rest.isEmpty: return .readRegisters
        case UInt8(ascii: "k") where rest.isEmpty: return .kill
        case UInt8(ascii: "G"): return .writeRegisters(try hexBytes(rest, "G: register data"))
        case UInt8(ascii: "p"): return .readRegister(try int(rest, "p: register number"))
        case UInt8(ascii: "P"):
            let (number, value) = try split(rest, at: "=", "P: expected n=value")
            let bytes = try hexBytes(value, "P: register value")
            guard !bytes.isEmpty else { throw Malformed("P: no register value") }
            return .writeRegister(try int(number, "P: register number"), bytes)
        case UInt8(ascii: "m"):
            let (address, length) = try addressAndLength(rest, "m")
            return .readMemory(address: address, length: length)
        case UInt8(ascii: "M"):
            let (header, data) = try split(rest, at: ":", "M: expected addr,length:data")
            let (address, length) = try addressAndLength(header, "M")
            let bytes = try hexBytes(data, "M: data")
            guard bytes.count == length else { throw Malformed("M: length \(length) but \(bytes.count) data bytes") }
            return .writeMemory(address: address, bytes: bytes)
        case UInt8(ascii: "c"): return .continue(at: try optionalAddress(rest, "c"))
        case UInt8(ascii: "s"): return .step(at: try optionalAddress(rest, "s"))
        case UInt8(ascii: "Z"): return .insertBreakpoint(try breakpoint(rest, "Z"))
        case UInt8(ascii: "z"): return .removeBreakpoint(try breakpoint(rest, "z"))
        case UInt8(ascii: "H"):
            let operation: GDBThreadOperation
            switch rest.first {
            case "g": operation = .general
            case "c": operation = .resume
            default: return .unknown(text)
            }
            return .selectThread(try thread(rest.dropFirst(), "H"), for: operation)
        case UInt8(ascii: "T"): return .isThreadAlive(try thread(rest, "T"))
        case UInt8(ascii: "D"):
            if rest.isEmpty { return .detach(process: nil) }
            guard rest.first == ";" else { throw Malformed("D: expected D or D;pid") }
            return .detach(process: try int(rest.dropFirst(), "D: process id"))
        case UInt8(ascii: "q"), UInt8(ascii: "Q"): return try query(text)
        case UInt8(ascii: "v"): return try vPacket(text)
        default: return .unknown(text)
        }
    }

    private static func query(_ text: String) throws(Malformed) -> GDBCommand {
        switch text {
        case "qSupported": return .supported([])
        case "QStartNoAckMode": return .startNoAckMode
        case "qC": return .currentThread
        case "qAttached": return .attached(process: nil)
        case "qfThreadInfo": return .firstThreadInfo
        case "qsThreadInfo": return .nextThreadInfo
        case "qOffsets": return .offsets
        case "qSymbol::": return .symbolLookupOffer
        case "qTStatus": return .traceStatus
        case "qHostInfo", "qProcessInfo": return .unsupported(text)
        default: break
        }
        if let features = text.dropPrefix("qSupported:") {
            return .supported(features.split(separator: ";").map(String.init))
        }
        if let pid = text.dropPrefix("qAttached:") { return .attached(process: try int(pid, "qAttached: process id")) }
        if let tid = text.dropPrefix("qThreadExtraInfo,") { return .threadExtraInfo(try thread(tid, "qThreadExtraInfo")) }
        if let hex = text.dropPrefix("qRcmd,") {
            guard let command = GDBHex.decodeText(hex.utf8) else { throw Malformed("qRcmd: command is not hex") }
            return .monitor(command)
        }
        if let xfer = text.dropPrefix("qXfer:") { return try transfer(xfer, text) }
        return .unknown(text)
    }

    /// `qXfer:OBJECT:read:ANNEX:OFFSET,LENGTH` for the objects this stub serves.
    private static func transfer(_ body: Substring, _ text: String) throws(Malformed) -> GDBCommand {
        let fields = body.split(separator: ":", maxSplits: 3, omittingEmptySubsequences: false)
        guard fields.count == 4, fields[1] == "read" else { return .unknown(text) }
        let (offset, length) = try offsetAndLength(fields[3], "qXfer")
        switch fields[0] {
        case "features": return .readFeatures(annex: String(fields[2]), offset: offset, length: length)
        case "threads" where fields[2].isEmpty: return .readThreads(offset: offset, length: length)
        default: return .unknown(text)
        }
    }

    private static func vPacket(_ text: String) throws(Malformed) -> GDBCommand {
        switch text {
        case "vMustReplyEmpty": return .mustReplyEmpty
        case "vCont?": return .resumeActionsQuery
        case "vCont": throw Malformed("vCont: no actions")
        default: break
        }
        if text == "vRun" || text.hasPrefix("vRun;") { return .unsupported("vRun") }
        if let pid = text.dropPrefix("vKill;") { return .killProcess(try int(pid, "vKill: process id")) }
        if let pid = text.dropPrefix("vAttach;") { return .attach(process: try int(pid, "vAttach: process id")) }
        if let actions = text.dropPrefix("vCont;") {
            var out: [GDBResumeAction] = []
            for item in actions.split(separator: ";", omittingEmptySubsequences: false) {
                out.append(try resumeAction(item))
            }
            return .resume(out)
        }
        return .unknown(text)
    }

    /// One `vCont` action: `c`, `s`, `t`, `Csig`, `Ssig` or `rstart,end`, then `:tid` optionally.
    private static func resumeAction(_ item: Substring) throws(Malformed) -> GDBResumeAction {
        let colon = item.firstIndex(of: ":")
        let action = item[..<(colon ?? item.endIndex)]
        var tid: GDBThreadID?
        if let colon { tid = try thread(item[item.index(after: colon)...], "vCont") }
        let argument = action.dropFirst()
        let kind: GDBResumeKind
        switch action.first {
        case "c" where argument.isEmpty: kind = .continue
        case "s" where argument.isEmpty: kind = .step
        case "t" where argument.isEmpty: kind = .stop
        case "C": kind = .continueWithSignal(try signal(argument))
        case "S": kind = .stepWithSignal(try signal(argument))
        case "r":
            let (start, end) = try split(argument, at: ",", "vCont: expected rstart,end")
            kind = .rangeStep(start: try number(start, "vCont: range start"), end: try number(end, "vCont: range end"))
        default: throw Malformed("vCont: unknown action '\(action.prefix(8))'")
        }
        return GDBResumeAction(kind, thread: tid)
    }

    /// `X addr,len:data` with the data already unescaped by the framer.
    private static func binaryWrite(_ body: ArraySlice<UInt8>) throws(Malformed) -> GDBCommand {
        guard let colon = body.firstIndex(of: UInt8(ascii: ":")) else { throw Malformed("X: expected addr,length:data") }
        let header = String(decoding: body[..<colon], as: UTF8.self)
        let (address, length) = try addressAndLength(Substring(header), "X")
        let data = Array(body[(colon + 1)...])
        guard data.count == length else { throw Malformed("X: length \(length) but \(data.count) data bytes") }
        return .writeMemory(address: address, bytes: data)
    }

    /// `type,addr,kind` of `Z`/`z`, ignoring `;cond…` and `;cmds…` parts.
    private static func breakpoint(_ body: Substring, _ packet: String) throws(Malformed) -> GDBBreakpoint {
        let fields = body.prefix { $0 != ";" }.split(separator: ",", omittingEmptySubsequences: false)
        guard fields.count == 3 else { throw Malformed("\(packet): expected type,addr,kind") }
        let typeNumber = try int(fields[0], "\(packet): type")
        guard let type = GDBBreakpointType(rawValue: typeNumber) else {
            throw Malformed("\(packet): unknown breakpoint type \(typeNumber)")
        }
        return GDBBreakpoint(type, address: try number(fields[1], "\(packet): address"),
                             kind: try int(fields[2], "\(packet): kind"))
    }

    // MARK: Fields

    private static func number(_ text: Substring, _ what: String) throws(Malformed) -> UInt64 {
        guard let value = GDBHex.number(text.utf8) else {
            throw Malformed(text.isEmpty ? "\(what) is missing" : "\(what) is not a hex number of at most 64 bits")
        }
        return value
    }

    private static func int(_ text: Substring, _ what: String) throws(Malformed) -> Int {
        guard let value = Int(exactly: try number(text, what)) else { throw Malformed("\(what) is too large") }
        return value
    }

    private static func length(_ text: Substring, _ what: String) throws(Malformed) -> Int {
        let value = try number(text, what)
        guard value <= UInt64(maximumTransferLength) else {
            throw Malformed("\(what) \(value) is over the limit of \(maximumTransferLength)")
        }
        return Int(value)
    }

    private static func optionalAddress(_ text: Substring, _ packet: String) throws(Malformed) -> UInt64? {
        text.isEmpty ? nil : try number(text, "\(packet): address")
    }

    private static func signal(_ text: Substring) throws(Malformed) -> UInt8 {
        guard let value = UInt8(exactly: try number(text, "vCont: signal")) else { throw Malformed("vCont: signal is over 255") }
        return value
    }

    private static func addressAndLength(_ text: Substring, _ packet: String) throws(Malformed) -> (UInt64, Int) {
        let (address, length) = try split(text, at: ",", "\(packet): expected addr,length")
        return (try number(address, "\(packet): address"), try self.length(length, "\(packet): length"))
    }

    private static func offsetAndLength(_ text: Substring, _ packet: String) throws(Malformed) -> (Int, Int) {
        let (offset, length) = try split(text, at: ",", "\(packet): expected offset,length")
        return (try int(offset, "\(packet): offset"), try self.length(length, "\(packet): length"))
    }

    private static func hexBytes(_ text: Substring, _ what: String) throws(Malformed) -> [UInt8] {
        guard let bytes = GDBHex.decode(text.utf8) else {
            throw Malformed(text.utf8.count % 2 == 1 ? "\(what) has an odd number of hex digits" : "\(what) is not hex")
        }
        return bytes
    }

    private static func thread(_ text: Substring, _ packet: String) throws(Malformed) -> GDBThreadID {
        guard let id = GDBThreadID(text) else { throw Malformed("\(packet): bad thread id '\(text.prefix(24))'") }
        return id
    }

    private static func split(_ text: Substring, at separator: Character, _ expected: String)
        throws(Malformed) -> (Substring, Substring) {
        guard let i = text.firstIndex(of: separator) else { throw Malformed(expected) }
        return (text[..<i], text[text.index(after: i)...])
    }
}

extension String {
    /// The rest of the string after `prefix`, or `nil` if it does not start with it.
    fileprivate func dropPrefix(_ prefix: String) -> Substring? {
        hasPrefix(prefix) ? dropFirst(prefix.count) : nil
    }
}
