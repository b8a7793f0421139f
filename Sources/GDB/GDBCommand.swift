/// A packet from gdb, decoded into what it asks the stub to do (GDB manual,
/// "Packets" and "General Query Packets").
///
/// The set is what gdb-multiarch 13 sends to a bare-metal stub that
/// advertises `multiprocess+`. `GDBCommand.parse` never traps: a packet it
/// does not know is `.unknown` (the stub answers with an empty packet,
/// which gdb reads as "not supported"), and a known packet with bad hex,
/// missing fields, a number wider than 64 bits or a length above
/// `maximumTransferLength` is `.malformed` with a short reason (the stub
/// answers `E` followed by two hex digits).
///
/// Numbers the protocol sends in hex arrive here as integers; memory and
/// register contents arrive as the bytes they denote (target order).
public enum GDBCommand: Hashable, Sendable {
    /// `qSupported:feat;…`: gdb's features (`multiprocess+`, `xmlRegisters=i386`, …).
    case supported([String])
    /// `QStartNoAckMode`: stop sending and expecting `+`/`-` after the `OK` reply.
    case startNoAckMode
    /// `vMustReplyEmpty`: gdb checks that unknown `v` packets get an empty reply.
    case mustReplyEmpty
    /// `?`: why the target stopped (answered with a stop reply).
    case stopReason
    /// `qC`: the current thread.
    case currentThread
    /// `qAttached[:pid]`: did the stub attach to an existing process (`1`) or create it (`0`)?
    case attached(process: Int?)
    /// `qfThreadInfo`: the first batch of thread ids.
    case firstThreadInfo
    /// `qsThreadInfo`: the next batch of thread ids (`l` when done).
    case nextThreadInfo
    /// `qThreadExtraInfo,tid`: a printable description of a thread (hex-encoded reply).
    case threadExtraInfo(GDBThreadID)
    /// `qOffsets`: section relocation (a bare-metal stub answers `Text=0;Data=0;Bss=0`).
    case offsets
    /// `qSymbol::`: gdb offers to look up symbols (answer `OK` for none wanted).
    case symbolLookupOffer
    /// `qTStatus`: tracepoint status (empty reply: no tracing).
    case traceStatus
    /// `vCont?`: which `vCont` actions the stub supports.
    case resumeActionsQuery
    /// `qXfer:features:read:ANNEX:OFFSET,LENGTH`: part of a target description document.
    case readFeatures(annex: String, offset: Int, length: Int)
    /// `qXfer:threads:read::OFFSET,LENGTH`: part of the thread list document.
    case readThreads(offset: Int, length: Int)
    /// `Hg tid` / `Hc tid`: the thread later packets of `operation` apply to.
    case selectThread(GDBThreadID, for: GDBThreadOperation)
    /// `T tid`: is this thread alive?
    case isThreadAlive(GDBThreadID)
    /// `vCont;action[:tid]…`: resume threads, each action for the threads its id selects;
    /// the first action that selects a thread applies to it.
    case resume([GDBResumeAction])
    /// `c[addr]`: continue the selected `Hc` thread, optionally from `address`.
    case `continue`(at: UInt64?)
    /// `s[addr]`: step the selected `Hc` thread, optionally from `address`.
    case step(at: UInt64?)
    /// `g`: all registers of the `Hg` thread, in target description order.
    case readRegisters
    /// `G hex`: all registers, as the bytes of a `g` reply.
    case writeRegisters([UInt8])
    /// `p n`: register number `n`.
    case readRegister(Int)
    /// `P n=hex`: write register number `n` with these bytes (target order).
    case writeRegister(Int, [UInt8])
    /// `m addr,len`: read `length` bytes of memory.
    case readMemory(address: UInt64, length: Int)
    /// `M addr,len:hex` or `X addr,len:binary`: write bytes to memory. An empty
    /// write is gdb probing whether `X` works; the answer is `OK`.
    case writeMemory(address: UInt64, bytes: [UInt8])
    /// `Z type,addr,kind`: insert a breakpoint or watchpoint.
    case insertBreakpoint(GDBBreakpoint)
    /// `z type,addr,kind`: remove a breakpoint or watchpoint.
    case removeBreakpoint(GDBBreakpoint)
    /// `D` or `D;pid`: detach, letting the target run.
    case detach(process: Int?)
    /// `k`: kill the target (no reply is expected).
    case kill
    /// `vKill;pid`: kill a process (reply `OK`).
    case killProcess(Int)
    /// `vAttach;pid`: attach to a process (answered with a stop reply).
    case attach(process: Int)
    /// `qRcmd,hex`: a `monitor` command, decoded to text.
    case monitor(String)
    /// A packet gdb may send that this stub deliberately does not support
    /// (`vRun`, `qHostInfo`, `qProcessInfo`); named so the server can log it,
    /// answered with an empty packet.
    case unsupported(String)
    /// A packet this parser does not know, as text.
    case unknown(String)
    /// A known packet with bad contents; the reason names what was wrong.
    case malformed(String)

    /// The largest `m`, `M`, `X` or `qXfer` length accepted; bigger requests
    /// are `.malformed`. gdb sizes its requests from the advertised `PacketSize`.
    public static let maximumTransferLength = GDBPacketFramer.maximumPacketSize
}

/// Which later packets an `H` packet selects a thread for.
public enum GDBThreadOperation: Hashable, Sendable {
    /// `Hg`: register and memory packets (`g`, `G`, `p`, `P`, `m`, `M`, `X`).
    case general
    /// `Hc`: `c` and `s`.
    case resume
}

/// One `vCont` action and the threads it applies to.
public struct GDBResumeAction: Hashable, Sendable {
    /// What to do.
    public var kind: GDBResumeKind
    /// The threads it applies to; `nil` means every thread no earlier action selected.
    public var thread: GDBThreadID?

    /// An action for `thread`, or for all remaining threads when `nil`.
    public init(_ kind: GDBResumeKind, thread: GDBThreadID? = nil) {
        self.kind = kind
        self.thread = thread
    }
}

/// What a `vCont` action asks of a thread.
public enum GDBResumeKind: Hashable, Sendable {
    /// `c`: continue.
    case `continue`
    /// `s`: step one instruction.
    case step
    /// `t`: stop (non-stop mode).
    case stop
    /// `C sig`: continue, delivering signal `sig` (gdb's numbering).
    case continueWithSignal(UInt8)
    /// `S sig`: step, delivering signal `sig`.
    case stepWithSignal(UInt8)
    /// `r start,end`: step while the pc stays in `start..<end`; a stub may step once instead.
    case rangeStep(start: UInt64, end: UInt64)
}

/// A breakpoint or watchpoint of a `Z`/`z` packet.
public struct GDBBreakpoint: Hashable, Sendable {
    /// Which kind of stop point.
    public var type: GDBBreakpointType
    /// The instruction or data address.
    public var address: UInt64
    /// For breakpoints the instruction size gdb would patch (4 on AArch64,
    /// 1 on x86); for watchpoints the number of bytes watched.
    public var kind: Int

    /// A stop point of `type` at `address`.
    public init(_ type: GDBBreakpointType, address: UInt64, kind: Int) {
        self.type = type
        self.address = address
        self.kind = kind
    }
}

/// The stop-point types of `Z`/`z`, by their protocol numbers.
public enum GDBBreakpointType: Int, Hashable, Sendable, CaseIterable {
    /// `0`: software breakpoint.
    case software = 0
    /// `1`: hardware breakpoint.
    case hardware = 1
    /// `2`: stop after the data is written.
    case writeWatchpoint = 2
    /// `3`: stop after the data is read.
    case readWatchpoint = 3
    /// `4`: stop after the data is read or written.
    case accessWatchpoint = 4

    /// Is this a watchpoint (types 2–4)?
    public var isWatchpoint: Bool { rawValue >= 2 }
}
