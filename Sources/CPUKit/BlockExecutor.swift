/// The seam between a core and what runs its translated blocks.
///
/// A core decodes guest code once into `BlockCache` blocks of its own
/// instruction type; an executor runs them. The switch interpreter of each
/// core is the first executor; a JIT is another, which compiles hot blocks
/// from the same decoded instructions and runs cold ones through the
/// interpreter, so decoders never change for it. Whatever the executor, the
/// results (registers, memory, retired counts, the point where a device or
/// an interrupt is seen) must be the interpreter's.
public protocol BlockExecutor<Instruction>: AnyObject {
    associatedtype Instruction
    /// A short name for `--accel` and statistics ("interp", "jit").
    var name: String { get }
    /// Runs translated blocks starting with `first` until the core has
    /// retired `end` instructions, something is pending, or a block's
    /// successor is not translated yet. Returns the guest exception that
    /// ended the run (with the core's position at the faulting
    /// instruction), or nil. A returned value rather than a typed throw:
    /// the trap crosses an existential here, once per chain of blocks.
    func execute(_ first: BlockRef<Instruction>, until end: UInt64) -> GuestTrap?
    /// The block cache was flushed: anything derived from its blocks is stale.
    func blocksFlushed()
}

/// The first executor of every core: its switch interpreter behind the
/// seam. `run` is the core's interpreter proper (blocks from `first` until
/// `end` retired, something pending, or an untranslated successor); the
/// core passes it capturing itself `unowned(unsafe)`, since the core owns
/// its executor.
public final class Interpreter<Instruction>: BlockExecutor {
    public typealias Run = (BlockRef<Instruction>, UInt64) throws(GuestTrap) -> Void
    let run: Run

    public init(_ run: @escaping Run) { self.run = run }

    public var name: String { "interp" }

    public func execute(_ first: BlockRef<Instruction>, until end: UInt64) -> GuestTrap? {
        do throws(GuestTrap) { try run(first, end) } catch { return error }
        return nil
    }

    public func blocksFlushed() {}
}
