/// A synchronous guest exception raised while an instruction executes: the
/// one fault convention of every core.
///
/// Memory paths and handlers declare `throws(GuestTrap)`. A typed throw of
/// this 8-byte value travels in registers, and a call that cannot fail pays
/// nothing; only the out-of-line slow paths ever throw, so the inlined fast
/// paths carry no per-access test (the flag-polling alternative reloaded a
/// fault word after every memory operation; see `Documentation/CPUKit.md`
/// for the measurement that chose this). The run loop catches the trap and
/// delivers it through the architecture's vector mechanism.
public struct GuestTrap: Error, Sendable, Hashable {
    /// The architecture's exception number (x86: the IDT vector), or one of
    /// the pseudo-vectors `delivered`, `leave` and `stopBefore`.
    public var vector: UInt8
    /// Whether `errorCode` is pushed / reported with the exception.
    public var hasErrorCode: Bool
    /// The architecture's error code or syndrome detail.
    public var errorCode: UInt32

    @inlinable
    public init(vector: UInt8, errorCode: UInt32 = 0, hasErrorCode: Bool = false) {
        self.vector = vector
        self.errorCode = errorCode
        self.hasErrorCode = hasErrorCode
    }

    /// The exception was already taken where it was detected (the core's
    /// state now points at its handler): the faulting instruction does not
    /// retire and the loop resumes at the new program counter. The AArch64
    /// core uses this, because ESR/FAR/ELR are written where the fault is
    /// known.
    public static let delivered = GuestTrap(vector: 0xFE)

    /// Not an exception: the instruction completed and asks the run loop to
    /// return (a stop, a mode change the loop must see).
    public static let leave = GuestTrap(vector: 0xFF)

    /// Not an exception: the instruction must not run yet (a debugger's
    /// watchpoint stops the core before it). It unwinds as a fault does,
    /// leaving the state before the instruction, and the run loop returns.
    public static let stopBefore = GuestTrap(vector: 0xFD)
}
