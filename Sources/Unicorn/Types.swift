import CUnicorn

/// The guest architecture an engine emulates.
public enum UnicornArchitecture: Sendable, Hashable, CustomStringConvertible {
    /// AArch64, little-endian (`UC_ARCH_ARM64`).
    case arm64
    /// x86-64 long mode (`UC_ARCH_X86`, `UC_MODE_64`).
    case x86_64

    /// A short name, `arm64` or `x86_64`.
    public var description: String {
        switch self {
        case .arm64: return "arm64"
        case .x86_64: return "x86_64"
        }
    }
}

/// A Unicorn CPU model number (`UC_CPU_ARM64_*` / `UC_CPU_X86_*`) selected via `uc_ctl`.
public struct UnicornCPUModel: RawRepresentable, Hashable, Sendable {
    /// The raw Unicorn model number, meaningful only together with an architecture.
    public let rawValue: Int32

    /// Wraps a raw `UC_CPU_*` model number.
    public init(rawValue: Int32) { self.rawValue = rawValue }

    /// QEMU `cortex-a57` (ARMv8.0, FP/SIMD, no LSE atomics).
    public static let arm64CortexA57 = UnicornCPUModel(rawValue: Int32(UC_CPU_ARM64_A57.rawValue))
    /// QEMU `cortex-a53` (ARMv8.0, FP/SIMD, no LSE atomics).
    public static let arm64CortexA53 = UnicornCPUModel(rawValue: Int32(UC_CPU_ARM64_A53.rawValue))
    /// QEMU `cortex-a72` (ARMv8.0, FP/SIMD, no LSE atomics); Unicorn 2.0.1's default.
    public static let arm64CortexA72 = UnicornCPUModel(rawValue: Int32(UC_CPU_ARM64_A72.rawValue))
    /// QEMU `max` (all implemented ARMv8.x features including LSE atomics); Chimera's default.
    public static let arm64Max = UnicornCPUModel(rawValue: Int32(UC_CPU_ARM64_MAX.rawValue))
    /// QEMU `qemu64`, Unicorn 2.0.1's default x86-64 model (SSE..SSE3, no AVX).
    public static let x86QEMU64 = UnicornCPUModel(rawValue: Int32(UC_CPU_X86_QEMU64.rawValue))
    /// QEMU `Haswell` (AVX2, BMI1/2).
    public static let x86Haswell = UnicornCPUModel(rawValue: Int32(UC_CPU_X86_HASWELL.rawValue))
    /// QEMU `Skylake-Client`.
    public static let x86SkylakeClient = UnicornCPUModel(rawValue: Int32(UC_CPU_X86_SKYLAKE_CLIENT.rawValue))
}

/// An error from the binding: either a failing `uc_*` call or a misuse caught before calling Unicorn.
public enum UnicornError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A `uc_*` function returned the non-OK `uc_err` value `code` while doing `operation`.
    case api(code: UInt32, operation: String)
    /// A register or mode of another architecture was used on this engine.
    case architectureMismatch(engine: UnicornArchitecture, operation: String)
    /// An argument was rejected before reaching Unicorn.
    case invalidArgument(String)

    /// A one-line message including Unicorn's own `uc_strerror` text.
    public var description: String {
        switch self {
        case let .api(code, operation):
            return "\(operation): \(UnicornError.message(for: code)) (uc_err \(code))"
        case let .architectureMismatch(engine, operation):
            return "\(operation): not available on a \(engine) engine"
        case let .invalidArgument(message):
            return "invalid argument: \(message)"
        }
    }

    /// Unicorn's description of a raw `uc_err` code.
    public static func message(for code: UInt32) -> String {
        String(cString: uc_strerror(uc_err(rawValue: code)))
    }
}

/// Page permissions for mapped guest memory.
public struct MemoryPermissions: OptionSet, Sendable, Hashable {
    /// The raw `UC_PROT_*` bit set.
    public let rawValue: UInt32

    /// Wraps raw `UC_PROT_*` bits.
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// Readable (`UC_PROT_READ`).
    public static let read = MemoryPermissions(rawValue: UC_PROT_READ.rawValue)
    /// Writable (`UC_PROT_WRITE`).
    public static let write = MemoryPermissions(rawValue: UC_PROT_WRITE.rawValue)
    /// Executable (`UC_PROT_EXEC`).
    public static let execute = MemoryPermissions(rawValue: UC_PROT_EXEC.rawValue)
    /// Read, write and execute (`UC_PROT_ALL`).
    public static let all: MemoryPermissions = [.read, .write, .execute]
}

/// A 128-bit vector register value split into little-endian 64-bit halves.
public struct Vector128: Hashable, Sendable, CustomStringConvertible {
    /// Bits 63:0 (lane 0 of a `.2D` view; the scalar `D` register on AArch64).
    public var low: UInt64
    /// Bits 127:64.
    public var high: UInt64

    /// Builds a value from its two halves.
    public init(low: UInt64, high: UInt64 = 0) {
        self.low = low
        self.high = high
    }

    /// The value as `0x` followed by 32 hex digits, most significant first.
    public var description: String { "0x" + hexDigits(high) + hexDigits(low) }
}

/// One guest store observed by the memory-write hook.
public struct MemoryWrite: Hashable, Sendable, CustomStringConvertible {
    /// The guest address written.
    public var address: UInt64
    /// The access size in bytes (1, 2, 4 or 8; wider stores arrive as several 8-byte writes).
    public var size: Int
    /// The stored value, zero-extended to 64 bits (little-endian interpretation).
    public var value: UInt64

    /// Builds a record.
    public init(address: UInt64, size: Int, value: UInt64) {
        self.address = address
        self.size = size
        self.value = value
    }

    /// A line such as `[0x10000] <- 0x8 (8 bytes)`.
    public var description: String { "[0x\(hexDigits(address))] <- 0x\(String(value, radix: 16)) (\(size) bytes)" }
}

/// What kind of invalid memory access stopped execution.
public enum MemoryFaultKind: Sendable, Hashable {
    /// A load from an unmapped address.
    case readUnmapped
    /// A store to an unmapped address.
    case writeUnmapped
    /// An instruction fetch from an unmapped address.
    case fetchUnmapped
    /// A load from a mapped page without read permission.
    case readProtected
    /// A store to a mapped page without write permission.
    case writeProtected
    /// An instruction fetch from a mapped page without execute permission.
    case fetchProtected
}

/// An invalid memory access reported by Unicorn's `UC_HOOK_MEM_INVALID` event.
public struct MemoryFault: Hashable, Sendable {
    /// The kind of access and why it failed.
    public var kind: MemoryFaultKind
    /// The faulting guest address.
    public var address: UInt64
    /// The access size in bytes.
    public var size: Int

    /// Builds a record.
    public init(kind: MemoryFaultKind, address: UInt64, size: Int) {
        self.kind = kind
        self.address = address
        self.size = size
    }
}

/// Unicorn/QEMU exception numbers delivered to the interrupt hook on AArch64 (QEMU `EXCP_*`).
public enum ARM64Interrupt {
    /// `EXCP_UDEF`: undefined instruction, including `hlt` and unsupported features; reported as `.invalidInstruction`.
    public static let undefined: UInt32 = 1
    /// `EXCP_SWI`: `svc #imm` (PC is left after the `svc`).
    public static let svc: UInt32 = 2
    /// `EXCP_PREFETCH_ABORT`: instruction abort.
    public static let prefetchAbort: UInt32 = 3
    /// `EXCP_DATA_ABORT`: data abort.
    public static let dataAbort: UInt32 = 4
    /// `EXCP_HVC`: `hvc #imm`.
    public static let hvc: UInt32 = 11
    /// `EXCP_SMC`: `smc #imm`.
    public static let smc: UInt32 = 13
    /// `EXCP_BKPT`: `brk #imm` (PC is left on the `brk`).
    public static let brk: UInt32 = 7
}

/// Why a `step` or `run` returned.
public enum StopReason: Sendable, Hashable, CustomStringConvertible {
    /// The instruction budget was used up or the `until` address was reached without incident.
    case completed
    /// The interrupt hook fired with this Unicorn/QEMU exception number (x86 vector, or `ARM64Interrupt.*`).
    case interrupt(UInt32)
    /// An x86 `syscall` executed (Unicorn otherwise treats it as a no-op); RIP is past it.
    case syscall
    /// An x86 `hlt` or AArch64 `wfi` stopped the CPU; PC is past the instruction.
    case halted
    /// The instruction was undefined (x86 `#UD`, AArch64 `EXCP_UDEF`); PC is on it.
    case invalidInstruction
    /// An unmapped or protected memory access; PC is on the faulting instruction.
    case memoryFault(MemoryFault)
    /// The `timeout` given to `run` expired.
    case timeout
    /// Any other error `uc_emu_start` returned (e.g. unaligned access, unhandled exception).
    case engineError(code: UInt32)

    /// A short human-readable rendering.
    public var description: String {
        switch self {
        case .completed: return "completed"
        case let .interrupt(n): return "interrupt \(n)"
        case .syscall: return "syscall"
        case .halted: return "halted"
        case .invalidInstruction: return "invalid instruction"
        case let .memoryFault(f): return "\(f.kind) at 0x\(String(f.address, radix: 16)) (\(f.size) bytes)"
        case .timeout: return "timeout"
        case let .engineError(code): return "engine error: \(UnicornError.message(for: code))"
        }
    }
}

/// The outcome of `step()` or `run(from:until:count:)`.
public struct StepResult: Sendable, Hashable {
    /// Why execution stopped.
    public var reason: StopReason
    /// The PC/RIP after execution stopped.
    public var pc: UInt64
    /// Stores observed since the call began (empty unless write tracking is enabled).
    public var writes: [MemoryWrite]
}

/// One guest load or store seen by the access hook (`setMemoryAccessTracking`).
public struct MemoryAccess: Hashable, Sendable {
    /// The guest (virtual) address of the access, as the instruction computed it.
    public var address: UInt64
    /// The access size in bytes.
    public var size: Int
    /// A store (true) or a load (false).
    public var isWrite: Bool

    /// Builds a record.
    public init(address: UInt64, size: Int, isWrite: Bool) {
        self.address = address
        self.size = size
        self.isWrite = isWrite
    }
}

/// How `run(from:until:timeout:counting:)` counts executed instructions.
public enum InstructionCounting: Sendable, Hashable {
    /// No counting; the fastest mode, recommended for benchmarks.
    case none
    /// Exact count via a `UC_HOOK_CODE` callback on every instruction (several times slower).
    case exact
    /// AArch64 only: sums translation-block sizes / 4 via `UC_HOOK_BLOCK` (cheap; over-counts a block cut short by a fault).
    case blockEstimate
}

/// The outcome of a timed `run(from:until:timeout:counting:)`.
public struct RunResult: Sendable, Hashable {
    /// Why execution stopped.
    public var reason: StopReason
    /// The PC/RIP after execution stopped.
    public var pc: UInt64
    /// Host wall-clock time spent inside `uc_emu_start`.
    public var elapsed: Duration
    /// Instructions executed, or nil when counting was `.none`.
    public var instructions: UInt64?
    /// Stores observed during the run (empty unless write tracking is enabled).
    public var writes: [MemoryWrite]
}

/// Sixteen lower-case hex digits of `value`.
func hexDigits(_ value: UInt64) -> String {
    let digits = String(value, radix: 16)
    return String(repeating: "0", count: 16 - digits.count) + digits
}
