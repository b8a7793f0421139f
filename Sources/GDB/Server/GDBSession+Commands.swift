import ChimeraCore

/// The packets, answered on the simulation thread while the machine is stopped.
extension GDBSession {
    func handle(_ command: GDBCommand) {
        if let reply = reply(toQuery: command) {
            connection.send(reply)
            return
        }
        switch command {
        case .startNoAckMode:
            connection.send("OK")   // the reader stopped acknowledging when it saw the packet
        case .readFeatures(let annex, let offset, let length):
            guard annex == "target.xml", let p = currentProcess else { return connection.send(GDBReply.error(0)) }
            connection.send(bytes: GDBReply.transfer(p.xml, offset: offset, length: length))
        case .readThreads(let offset, let length):
            connection.send(bytes: GDBReply.transfer(Array(threadsXML().utf8), offset: offset, length: length))
        case .selectThread(let id, _):
            guard let core = view.cores(id, among: attached).first else { return connection.send(GDBReply.error(2)) }
            generalThread = core
            connection.send("OK")
        case .readRegisters:
            guard let (p, core) = current else { return connection.send(GDBReply.error(2)) }
            connection.send(p.description.encodeRegisters { registerBytes($0, of: core) })
        case .readRegister(let n):
            guard let (p, core) = current, let register = p.description.register(numbered: n) else {
                return connection.send(GDBReply.error(0x16))
            }
            connection.send(GDBArchitectureDescription.encode(register, registerBytes(register, of: core)))
        case .writeRegisters(let bytes):
            guard let (p, core) = current, let slices = try? p.description.splitRegisters(bytes) else {
                return connection.send(GDBReply.error(0x16))
            }
            var ok = true
            for (register, slice) in zip(p.description.registers, slices) { ok = write(register, slice, to: core) && ok }
            connection.send(ok ? "OK" : GDBReply.error(0x16))
        case .writeRegister(let n, let bytes):
            guard let (p, core) = current, let register = p.description.register(numbered: n),
                  write(register, bytes, to: core) else { return connection.send(GDBReply.error(0x16)) }
            connection.send("OK")
        case .readMemory(let address, let length):
            guard let bytes = readMemory(address, length), !bytes.isEmpty || length == 0 else {
                return connection.send(GDBReply.error(0x0E))
            }
            connection.send(GDBHex.encode(bytes))
        case .writeMemory(let address, let bytes):
            connection.send(writeMemory(address, bytes) ? "OK" : GDBReply.error(0x0E))
        case .insertBreakpoint(let breakpoint), .removeBreakpoint(let breakpoint):
            guard let (p, core) = current else { return connection.send(GDBReply.error(2)) }
            let insert = if case .insertBreakpoint = command { true } else { false }
            if let kind = breakpoint.type.watchKind {
                return connection.send(watch(breakpoint, kind, insert: insert, process: p, core: core) ? "OK" : GDBReply.error(0x0E))
            }
            for core in p.cores {
                if insert { core.insertBreakpoint(at: breakpoint.address) } else { core.removeBreakpoint(at: breakpoint.address) }
            }
            connection.send("OK")
        case .continue(let address):
            if let address, let core = generalThread { core.programCounter = address }
            resumeAll(stepping: [])
        case .step(let address):
            if let address, let core = generalThread { core.programCounter = address }
            if address == nil, let core = generalThread, stepsOverForeignAccess(core) { return }
            resumeAll(stepping: generalThread.map { [$0] } ?? [])
        case .resume(let actions):
            if actions.count == 1, let action = actions.first, action.kind == .step, let thread = action.thread,
               let core = view.cores(thread, among: attached).first, stepsOverForeignAccess(core) { return }
            var stepping: [CPUDevice] = []
            for action in actions {
                switch action.kind {
                case .step, .stepWithSignal, .rangeStep:
                    let cores = action.thread.map { view.cores($0, among: attached) } ?? (generalThread.map { [$0] } ?? [])
                    stepping += cores
                default:
                    break
                }
            }
            resumeAll(stepping: stepping)
        case .attach(let pid):
            guard let p = view.process(pid) else { return connection.send(GDBReply.error(1)) }
            if !attached.contains(pid) { attached.append(pid) }
            generalThread = p.cores.first
            connection.send(GDBReply.stopped(signal: .trap, thread: GDBThreadID(process: .id(pid), thread: .id(1))))
        case .detach(let pid):
            if let pid { attached.removeAll { $0 == pid } } else { attached.removeAll() }
            if let pid, let p = view.process(pid) {
                for core in p.cores { core.removeAllBreakpoints() }
                machine.removeWatchpoints(owner: watchOwner(pid))
            }
            connection.send("OK")
            // With nothing attached the client no longer holds the machine.
            if attached.isEmpty { detachAll() }
        case .kill, .killProcess:
            if case .killProcess = command { connection.send("OK") }
            detachAll()
            machine.requestExit(code: 0, reason: "killed from gdb")
        case .monitor(let text):
            connection.send(GDBHex.encodeText(monitor(text)))
        case .malformed:
            connection.send(GDBReply.error(1))
        default:
            connection.send("")
        }
    }

    /// Answers that need nothing but the machine's shape (also after the run ended).
    func reply(toQuery command: GDBCommand) -> String? {
        switch command {
        case .supported(let features):
            peerFeatures = Set(features)
            return GDBReply.supported()
        case .mustReplyEmpty, .offsets, .traceStatus, .unknown, .unsupported: return ""
        case .stopReason:
            return lastStopReply ?? GDBReply.stopped(signal: .trap, thread: GDBSession.firstThread)
        case .currentThread:
            return "QC" + (generalThread.flatMap { view.threadID(of: $0) }?.description ?? "p1.1")
        case .attached: return "1"
        case .firstThreadInfo:
            return GDBReply.threadList(attached.flatMap { pid in
                (view.process(pid)?.cores.indices ?? 0..<0).map { GDBThreadID(process: .id(pid), thread: .id($0 + 1)) }
            })
        case .nextThreadInfo: return "l"
        case .threadExtraInfo(let id):
            guard let core = view.cores(id, among: attached).first else { return GDBReply.error(2) }
            return GDBHex.encodeText("\(core.path) (\(core.powerState.rawValue))")
        case .isThreadAlive(let id): return view.cores(id, among: attached).isEmpty ? GDBReply.error(2) : "OK"
        case .symbolLookupOffer: return "OK"
        case .resumeActionsQuery: return "vCont;c;C;s;S;t;r"
        default: return nil
        }
    }

    // MARK: Pieces

    var current: (GDBMachineView.Process, CPUDevice)? {
        guard let core = generalThread ?? attached.first.flatMap({ view.process($0)?.cores.first }),
              let p = view.process(of: core) else { return nil }
        return (p, core)
    }

    var currentProcess: GDBMachineView.Process? { current?.0 }

    func registerBytes(_ register: GDBRegister, of core: CPUDevice) -> [UInt8]? {
        register.bytes(scalar: { core.readRegister($0) }, vector: { n in
            guard let low = core.readRegister("v\(n)_lo"), let high = core.readRegister("v\(n)_hi") else { return nil }
            return (low, high)
        })
    }

    /// Stores what gdb wrote; a field it did not change is not written
    /// (the core may not accept it by name, e.g. `el` of `cpsr`).
    func write(_ register: GDBRegister, _ bytes: [UInt8], to core: CPUDevice) -> Bool {
        guard let writes = register.writes(for: bytes) else { return false }
        var ok = true
        for w in writes {
            switch w {
            case .scalar(let name, let value):
                if core.readRegister(name) == value { continue }
                ok = core.writeRegister(name, value) && ok
            case .aarch64Vector(let n, let low, let high):
                ok = core.writeRegister("v\(n)_lo", low) && core.writeRegister("v\(n)_hi", high) && ok
            }
        }
        return ok
    }

    /// gdb steps an AArch64 thread over the instruction it believes made
    /// the access a watchpoint reported, with every other thread stopped.
    /// When the access was another core's or a device's, that thread made
    /// none: the step is complete without running anything (running the
    /// machine for it would let the others run while gdb has the
    /// watchpoints removed). True when the step was answered so.
    func stepsOverForeignAccess(_ core: CPUDevice) -> Bool {
        defer { foreignWatchStop = nil }
        guard let stopped = foreignWatchStop, stopped === core, let tid = view.threadID(of: core) else { return false }
        let reply = GDBReply.stopped(signal: .trap, thread: tid)
        lastStopReply = reply
        connection.send(reply)
        return true
    }

    /// Resumes this client's target (the machine runs once no other client
    /// holds it): the cores in `stepping` stop after one more instruction,
    /// the rest run on. A core sitting on the breakpoint it
    /// stopped at executes that instruction first.
    func resumeAll(stepping: [CPUDevice]) {
        foreignWatchStop = nil
        stepTargets.removeAll()
        for core in stepping { stepTargets[ObjectIdentifier(core)] = core.instructionsRetired &+ 1 }
        for p in view.processes {
            for core in p.cores {
                if let pc = breakpointStops[ObjectIdentifier(core)], core.programCounter == pc { core.breakpointSkip = pc }
            }
        }
        breakpointStops.removeAll()
        awaitingStop = true
    }

    /// RAM only (never a device register, whose read has effects), through
    /// the current core's translation unless `monitor memory physical`.
    func readMemory(_ address: UInt64, _ length: Int) -> [UInt8]? {
        guard let (p, core) = current else { return nil }
        var out: [UInt8] = []
        var a = address
        while out.count < length {
            guard let pa = physicalMemory ? a : core.debugTranslate(a),
                  case .ram(let pointer, let available, _, _, _) = p.cluster.memory.target(of: pa) else { break }
            let n = Int(min(min(available, UInt64(length - out.count)), 0x1000 - (a & 0xFFF)))
            out += UnsafeRawBufferPointer(start: pointer, count: n)
            a &+= UInt64(n)
        }
        return out
    }

    func writeMemory(_ address: UInt64, _ bytes: [UInt8]) -> Bool {
        guard let (p, core) = current else { return false }
        var done = 0
        while done < bytes.count {
            let a = address &+ UInt64(done)
            guard let pa = physicalMemory ? a : core.debugTranslate(a), case .ram = p.cluster.memory.target(of: pa) else {
                return false
            }
            let n = min(bytes.count - done, Int(0x1000 - (a & 0xFFF)))
            // Through the address space, so translated code over these bytes is dropped.
            guard p.cluster.memory.writeBytes(pa, Array(bytes[done..<done + n])) == nil else { return false }
            done += n
        }
        return true
    }

    /// `Z2`–`Z4`/`z2`–`z4`: data watchpoints on the bytes the current
    /// thread's translation (or `monitor memory physical`) maps the
    /// range to, seen by every core and device (MemoryWatchpoints.swift).
    func watch(_ point: GDBBreakpoint, _ kind: MemoryWatchpoints.Kind, insert: Bool,
               process p: GDBMachineView.Process, core: CPUDevice) -> Bool {
        guard point.kind > 0 else { return false }
        let length = UInt64(point.kind)
        guard insert else {
            return machine.removeWatchpoint(at: point.address, length: length, kind: kind, owner: watchOwner(p.pid))
        }
        let physical = physicalMemory
        return machine.insertWatchpoint(at: point.address, length: length, kind: kind, owner: watchOwner(p.pid),
                                        memory: p.cluster.memory) { physical ? $0 : core.debugTranslate($0) }
    }

    /// `monitor memory physical|virtual` is the stub's own; the rest goes to the human monitor.
    func monitor(_ text: String) -> String {
        let words = text.split(separator: " ").map(String.init)
        if words.first == "memory" {
            switch words.dropFirst().first {
            case "physical": physicalMemory = true
            case "virtual": physicalMemory = false
            default: return "usage: monitor memory physical|virtual (now \(physicalMemory ? "physical" : "virtual"))\n"
            }
            return "gdb memory accesses are \(physicalMemory ? "physical" : "virtual") addresses\n"
        }
        guard let monitorCommand = stub.monitorCommand else { return "no human monitor here\n" }
        let out = monitorCommand(text)
        return out.hasSuffix("\n") || out.isEmpty ? out : out + "\n"
    }

    func threadsXML() -> String {
        var xml = "<?xml version=\"1.0\"?>\n<threads>\n"
        for pid in attached {
            guard let p = view.process(pid) else { continue }
            for (i, core) in p.cores.enumerated() {
                xml += "<thread id=\"p\(String(pid, radix: 16)).\(String(i + 1, radix: 16))\" core=\"\(i)\" name=\"\(core.path)\"/>\n"
            }
        }
        return xml + "</threads>\n"
    }
}

extension GDBBreakpointType {
    /// The accesses a watchpoint type stops on; nil for breakpoints.
    var watchKind: MemoryWatchpoints.Kind? {
        switch self {
        case .software, .hardware: nil
        case .writeWatchpoint: .write
        case .readWatchpoint: .read
        case .accessWatchpoint: .access
        }
    }
}
