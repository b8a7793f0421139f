import CUnicorn

/// A Unicorn 2 CPU + memory instance used as a reference oracle for lockstep tests and benchmarks.
///
/// The engine is single-threaded: use it from one task/thread at a time (it is not `Sendable`).
/// Hooks receive an unretained pointer to a private `HookState` object that the engine owns
/// strongly and that outlives `uc_close`, so callbacks can never see a dangling pointer and
/// no reference cycle exists (the state never points back at the engine).
public final class UnicornEngine {
    /// The architecture chosen at creation.
    public let architecture: UnicornArchitecture
    /// The CPU model selected at creation.
    public let cpuModel: UnicornCPUModel
    /// Whether `UC_HOOK_MEM_WRITE` tracking is on (toggle with `setMemoryWriteTracking(_:)`).
    public private(set) var tracksMemoryWrites = false

    private let uc: OpaquePointer
    private let hooks = HookState()
    private var writeHook: uc_hook?
    private var accessHook: uc_hook?
    private var generalBatch: BatchBuffer?
    /// Whether Unicorn's internal instruction-count hook is installed (after any start with count > 0).
    private var countHookInstalled = false
    private var batch: BatchBuffer?

    /// Opens an engine for `architecture`; the default model is `arm64Max` (FP/SIMD + LSE) or `x86QEMU64`.
    public init(architecture: UnicornArchitecture, cpuModel: UnicornCPUModel? = nil) throws {
        let arch: uc_arch
        let mode: uc_mode
        let model: UnicornCPUModel
        switch architecture {
        case .arm64:
            arch = UC_ARCH_ARM64
            mode = UC_MODE_LITTLE_ENDIAN
            model = cpuModel ?? .arm64Max
        case .x86_64:
            arch = UC_ARCH_X86
            mode = UC_MODE_64
            model = cpuModel ?? .x86QEMU64
        }
        var handle: OpaquePointer?
        let err = uc_open(arch, mode, &handle)
        guard err == UC_ERR_OK, let handle else {
            throw UnicornError.api(code: err.rawValue, operation: "uc_open(\(architecture))")
        }
        self.uc = handle
        self.architecture = architecture
        self.cpuModel = model
        // From here on `deinit` runs on a throw, so the handle is always closed.
        // The model must be set before anything (even a uc_ctl read) instantiates the vCPU.
        try check(chimera_uc_set_cpu_model(uc, model.rawValue), "uc_ctl(CPU_MODEL=\(model.rawValue))")
        try installPermanentHooks()
        if architecture == .x86_64 {
            // Unicorn 2.0.1 resets MXCSR to 0 (all SSE exceptions unmasked); use the architectural 0x1F80.
            try write(.mxcsr, 0x1F80)
        }
    }

    deinit {
        uc_close(uc)
    }

    /// The linked Unicorn library version as `(major, minor)`.
    public static var libraryVersion: (major: UInt32, minor: UInt32) {
        var major: UInt32 = 0
        var minor: UInt32 = 0
        _ = uc_version(&major, &minor)
        return (major, minor)
    }

    // MARK: Memory

    /// Maps `size` bytes of zeroed guest memory at `address` (both 4 KiB aligned).
    public func map(address: UInt64, size: Int, permissions: MemoryPermissions = .all) throws {
        try check(uc_mem_map(uc, address, size, permissions.rawValue),
                  "uc_mem_map(0x\(String(address, radix: 16)), \(size))")
    }

    /// Maps caller-owned host memory at `address`; it must stay valid until unmapped or the engine is freed.
    public func map(address: UInt64, hostMemory: UnsafeMutableRawPointer, size: Int,
                    permissions: MemoryPermissions = .all) throws {
        try check(uc_mem_map_ptr(uc, address, size, permissions.rawValue, hostMemory),
                  "uc_mem_map_ptr(0x\(String(address, radix: 16)), \(size))")
    }

    /// Removes the mapping of `size` bytes at `address` (both 4 KiB aligned).
    public func unmap(address: UInt64, size: Int) throws {
        try check(uc_mem_unmap(uc, address, size), "uc_mem_unmap(0x\(String(address, radix: 16)), \(size))")
    }

    /// Changes the permissions of an already mapped, 4 KiB aligned range.
    public func protect(address: UInt64, size: Int, permissions: MemoryPermissions) throws {
        try check(uc_mem_protect(uc, address, size, permissions.rawValue),
                  "uc_mem_protect(0x\(String(address, radix: 16)), \(size))")
    }

    /// Copies `bytes` into guest memory at `address` (cached translations of that range are invalidated by Unicorn).
    public func write(_ bytes: [UInt8], at address: UInt64) throws {
        try bytes.withUnsafeBytes { try write($0, at: address) }
    }

    /// Copies the contents of `buffer` into guest memory at `address`.
    public func write(_ buffer: UnsafeRawBufferPointer, at address: UInt64) throws {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return }
        try check(uc_mem_write(uc, address, base, buffer.count),
                  "uc_mem_write(0x\(String(address, radix: 16)), \(buffer.count))")
    }

    /// Reads `count` bytes of guest memory starting at `address`.
    public func read(count: Int, at address: UInt64) throws -> [UInt8] {
        guard count > 0 else { return [] }
        var bytes = [UInt8](repeating: 0, count: count)
        try bytes.withUnsafeMutableBytes { try read(into: $0, at: address) }
        return bytes
    }

    /// Fills `buffer` from guest memory at `address` without allocating.
    public func read(into buffer: UnsafeMutableRawBufferPointer, at address: UInt64) throws {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return }
        try check(uc_mem_read(uc, address, base, buffer.count),
                  "uc_mem_read(0x\(String(address, radix: 16)), \(buffer.count))")
    }

    /// Drops cached translations for `[address, address + size)`, e.g. after patching code through a host-memory mapping.
    public func invalidateTranslations(address: UInt64, size: UInt64) throws {
        try check(chimera_uc_remove_cache(uc, address, address &+ size), "uc_ctl(TB_REMOVE_CACHE)")
    }

    /// Discards every cached translation block (slow in Unicorn 2.0.1: ~0.2–0.9 s).
    public func flushTranslationCache() throws {
        try check(chimera_uc_flush_tb(uc), "uc_ctl(TB_FLUSH)")
    }

    // MARK: Registers

    /// Reads an AArch64 scalar register, zero-extended to 64 bits.
    public func read(_ register: ARM64Register) throws -> UInt64 {
        try require(.arm64, "read(\(register))")
        return try readScalar(register.ucID, "\(register)")
    }

    /// Writes an AArch64 scalar register (32-bit registers such as NZCV/FPCR take the low half).
    public func write(_ register: ARM64Register, _ value: UInt64) throws {
        try require(.arm64, "write(\(register))")
        try writeScalar(register.ucID, value, "\(register)")
    }

    /// Reads an x86-64 scalar register, zero-extended to 64 bits.
    public func read(_ register: X86Register) throws -> UInt64 {
        try require(.x86_64, "read(\(register))")
        return try readScalar(register.ucID, "\(register)")
    }

    /// Writes an x86-64 scalar register (narrower registers take the low bits).
    public func write(_ register: X86Register, _ value: UInt64) throws {
        try require(.x86_64, "write(\(register))")
        try writeScalar(register.ucID, value, "\(register)")
    }

    /// Reads a 128-bit AArch64 V register as its low and high 64-bit halves.
    public func readVector(_ register: ARM64VectorRegister) throws -> (low: UInt64, high: UInt64) {
        try require(.arm64, "readVector(\(register))")
        return try readWide(register.ucID, "\(register)")
    }

    /// Writes a 128-bit AArch64 V register from its low and high 64-bit halves.
    public func writeVector(_ register: ARM64VectorRegister, _ value: (low: UInt64, high: UInt64)) throws {
        try require(.arm64, "writeVector(\(register))")
        try writeWide(register.ucID, value, "\(register)")
    }

    /// Reads a 128-bit XMM register as its low and high 64-bit halves.
    public func readVector(_ register: X86VectorRegister) throws -> (low: UInt64, high: UInt64) {
        try require(.x86_64, "readVector(\(register))")
        return try readWide(register.ucID, "\(register)")
    }

    /// Writes a 128-bit XMM register from its low and high 64-bit halves.
    public func writeVector(_ register: X86VectorRegister, _ value: (low: UInt64, high: UInt64)) throws {
        try require(.x86_64, "writeVector(\(register))")
        try writeWide(register.ucID, value, "\(register)")
    }

    /// Reads the AArch64 register file (X0–X30, SP, PC, NZCV, FPCR, FPSR, V0–V31) in one batch call.
    public func readAllARM64() throws -> ARM64State {
        try require(.arm64, "readAllARM64")
        let buffer = try batchBuffer()
        try buffer.read(uc)
        var state = ARM64State()
        for i in 0..<31 { state.x[i] = buffer.low(i) }
        state.sp = buffer.low(31)
        state.pc = buffer.low(32)
        state.nzcv = buffer.low(33)
        state.fpcr = buffer.low(34)
        state.fpsr = buffer.low(35)
        for i in 0..<32 { state.v[i] = buffer.vector(36 + i) }
        return state
    }

    /// Writes every field of `state` into the AArch64 register file in one batch call.
    public func writeAll(_ state: ARM64State) throws {
        try require(.arm64, "writeAll(ARM64State)")
        guard state.x.count == 31, state.v.count == 32 else {
            throw UnicornError.invalidArgument("ARM64State needs 31 X and 32 V registers")
        }
        let buffer = try batchBuffer()
        buffer.clear()
        for i in 0..<31 { buffer.set(i, state.x[i]) }
        buffer.set(31, state.sp)
        buffer.set(32, state.pc)
        buffer.set(33, state.nzcv)
        buffer.set(34, state.fpcr)
        buffer.set(35, state.fpsr)
        for i in 0..<32 { buffer.set(36 + i, state.v[i]) }
        try buffer.write(uc)
    }

    /// Reads the x86-64 register file (GPRs, RIP, RFLAGS, FS/GS base, MXCSR, XMM0–15) in one batch call.
    public func readAllX86() throws -> X86State {
        try require(.x86_64, "readAllX86")
        let buffer = try batchBuffer()
        try buffer.read(uc)
        var state = X86State()
        for i in 0..<16 { state.gpr[i] = buffer.low(i) }
        state.rip = buffer.low(16)
        state.rflags = buffer.low(17)
        state.fsBase = buffer.low(18)
        state.gsBase = buffer.low(19)
        state.mxcsr = buffer.low(20)
        for i in 0..<16 { state.xmm[i] = buffer.vector(21 + i) }
        return state
    }

    /// Writes every field of `state` into the x86-64 register file in one batch call.
    public func writeAll(_ state: X86State) throws {
        try require(.x86_64, "writeAll(X86State)")
        guard state.gpr.count == 16, state.xmm.count == 16 else {
            throw UnicornError.invalidArgument("X86State needs 16 GPRs and 16 XMM registers")
        }
        let buffer = try batchBuffer()
        buffer.clear()
        for i in 0..<16 { buffer.set(i, state.gpr[i]) }
        buffer.set(16, state.rip)
        buffer.set(17, state.rflags)
        buffer.set(18, state.fsBase)
        buffer.set(19, state.gsBase)
        buffer.set(20, state.mxcsr)
        for i in 0..<16 { buffer.set(21 + i, state.xmm[i]) }
        try buffer.write(uc)
    }

    /// The current program counter (PC or RIP).
    public func programCounter() throws -> UInt64 {
        try readScalar(pcID, "PC")
    }

    /// Sets the program counter (PC or RIP).
    public func setProgramCounter(_ value: UInt64) throws {
        try writeScalar(pcID, value, "PC")
    }

    // MARK: Hooks

    /// Turns recording of every guest store (`UC_HOOK_MEM_WRITE`) on or off; records are returned with each result.
    public func setMemoryWriteTracking(_ enabled: Bool) throws {
        guard enabled != tracksMemoryWrites else { return }
        if enabled {
            var handle: uc_hook = 0
            try check(chimera_uc_hook_mem(uc, &handle, Int32(UC_HOOK_MEM_WRITE.rawValue),
                                          memoryWriteCallback, hooks.opaque),
                      "uc_hook_add(MEM_WRITE)")
            writeHook = handle
        } else if let handle = writeHook {
            try check(uc_hook_del(uc, handle), "uc_hook_del(MEM_WRITE)")
            writeHook = nil
        }
        tracksMemoryWrites = enabled
    }

    /// Turns recording of the last guest load or store (`UC_HOOK_MEM_READ`/`WRITE`) on or off.
    ///
    /// Unicorn 2.0.1 calls these hooks before translating the address, so after a
    /// stage-1 abort (an `.interrupt` stop) `lastMemoryAccess` is the access that faulted.
    public func setMemoryAccessTracking(_ enabled: Bool) throws {
        if enabled, accessHook == nil {
            var handle: uc_hook = 0
            try check(chimera_uc_hook_mem(uc, &handle, Int32(UC_HOOK_MEM_READ.rawValue | UC_HOOK_MEM_WRITE.rawValue),
                                          memoryAccessCallback, hooks.opaque),
                      "uc_hook_add(MEM_READ|MEM_WRITE)")
            accessHook = handle
        } else if !enabled, let handle = accessHook {
            try check(uc_hook_del(uc, handle), "uc_hook_del(MEM_READ|MEM_WRITE)")
            accessHook = nil
        }
    }

    /// The last load or store of the latest emulation call (nil without access tracking or when none happened).
    public var lastMemoryAccess: MemoryAccess? { hooks.lastAccess }

    // MARK: System registers

    /// Reads an AArch64 system register through `UC_ARM64_REG_CP_REG`.
    public func read(_ register: ARM64SystemRegister) throws -> UInt64 {
        try require(.arm64, "read(\(register))")
        var raw = uc_arm64_cp_reg(crn: register.crn, crm: register.crm, op0: register.op0, op1: register.op1,
                                  op2: register.op2, val: 0)
        try check(uc_reg_read(uc, Int32(UC_ARM64_REG_CP_REG.rawValue), &raw), "uc_reg_read(\(register))")
        return raw.val
    }

    /// Writes an AArch64 system register through `UC_ARM64_REG_CP_REG` (with the register's write side effects, e.g. TLB flushes).
    public func write(_ register: ARM64SystemRegister, _ value: UInt64) throws {
        try require(.arm64, "write(\(register))")
        var raw = uc_arm64_cp_reg(crn: register.crn, crm: register.crm, op0: register.op0, op1: register.op1,
                                  op2: register.op2, val: value)
        try check(uc_reg_write(uc, Int32(UC_ARM64_REG_CP_REG.rawValue), &raw), "uc_reg_write(\(register))")
    }

    /// Reads X0–X30, SP, PC and PSTATE (in that order, 34 values) in one batch call, without the vector registers.
    public func readGeneralARM64(into values: inout [UInt64]) throws {
        try require(.arm64, "readGeneralARM64")
        let buffer = try generalBuffer()
        try buffer.read(uc)
        if values.count != 34 { values = Array(repeating: 0, count: 34) }
        for i in 0..<34 { values[i] = buffer.low(i) }
    }

    private func generalBuffer() throws -> BatchBuffer {
        if let generalBatch { return generalBatch }
        let ids = (0...30).map { ARM64Register(rawValue: $0)!.ucID } + [ARM64Register.sp, .pc, .pstate].map(\.ucID)
        let made = BatchBuffer(ids: ids)
        generalBatch = made
        return made
    }

    // MARK: Execution

    /// Executes exactly one instruction at the current PC (`uc_emu_start(pc, 0, 0, 1)`).
    public func step() throws -> StepResult {
        let start = try programCounter()
        // `until` must differ from `begin` (else nothing runs) and should stay constant: every change
        // of `until` invalidates cached blocks (~20 µs per step instead of ~0.2 µs).
        let err = startEmulation(begin: start, until: start == 0 ? UInt64.max : 0, timeout: 0, count: 1)
        let pc = try programCounter()
        let reason = try classify(err, pc: pc, step: start, until: nil)
        return StepResult(reason: reason, pc: pc, writes: hooks.takeWrites())
    }

    /// Runs from `begin` until PC reaches `until`, `count` instructions executed (0 = unlimited) or a stop event.
    ///
    /// A clean early stop on x86 `hlt` / AArch64 `wfi` is reported as `.halted` only when `count` is 0.
    /// After a `step()`, an unlimited run passes a huge count instead of 0: Unicorn 2.0.1 flushes the
    /// whole translation cache (~0.2–0.9 s) whenever a count-limited start is followed by count 0.
    public func run(from begin: UInt64, until: UInt64, count: Int = 0) throws -> StepResult {
        guard count >= 0 else { throw UnicornError.invalidArgument("negative instruction count \(count)") }
        let budget = count == 0 && countHookInstalled ? Int.max : count
        let err = startEmulation(begin: begin, until: until, timeout: 0, count: budget)
        let pc = try programCounter()
        let reason = try classify(err, pc: pc, step: nil, until: count == 0 ? until : nil)
        return StepResult(reason: reason, pc: pc, writes: hooks.takeWrites())
    }

    /// Runs from `begin` to `until` for a benchmark (`timeout` nil = none), timing it and optionally counting instructions.
    ///
    /// Unicorn 2.0.1 keeps no instruction counter: `.exact` installs a per-instruction `UC_HOOK_CODE`
    /// callback (about 3–4x slower on a tight loop), `.blockEstimate` (AArch64 only) a per-block hook (~1.7x).
    /// For benchmarks prefer `.none` and count instructions elsewhere (e.g. with Chimera's own core).
    /// This always starts with count 0, so the first call after a `step()` pays one full
    /// translation-cache flush (~0.2–0.9 s); warm up before timing.
    public func run(from begin: UInt64, until: UInt64, timeout: Duration?,
                    counting: InstructionCounting = .none) throws -> RunResult {
        var micros: UInt64 = 0
        if let timeout {
            let (seconds, attoseconds) = timeout.components
            guard seconds >= 0, attoseconds >= 0 else { throw UnicornError.invalidArgument("negative timeout") }
            micros = max(1, UInt64(seconds) &* 1_000_000 &+ UInt64(attoseconds / 1_000_000_000_000))
        }
        var counter: uc_hook?
        switch counting {
        case .none:
            break
        case .exact:
            var handle: uc_hook = 0
            try check(chimera_uc_hook_code(uc, &handle, Int32(UC_HOOK_CODE.rawValue), countCallback,
                                           hooks.opaque, 1, 0), "uc_hook_add(CODE)")
            counter = handle
        case .blockEstimate:
            try require(.arm64, "InstructionCounting.blockEstimate")
            var handle: uc_hook = 0
            try check(chimera_uc_hook_code(uc, &handle, Int32(UC_HOOK_BLOCK.rawValue), blockCallback,
                                           hooks.opaque, 1, 0), "uc_hook_add(BLOCK)")
            counter = handle
        }
        defer { if let counter { uc_hook_del(uc, counter) } }
        hooks.instructions = 0
        let clock = ContinuousClock()
        let started = clock.now
        let err = startEmulation(begin: begin, until: until, timeout: micros, count: 0)
        let elapsed = clock.now - started
        let pc = try programCounter()
        let reason = try classify(err, pc: pc, step: nil, until: until)
        let instructions: UInt64?
        switch counting {
        case .none: instructions = nil
        case .exact: instructions = hooks.instructions
        case .blockEstimate: instructions = hooks.instructions / 4
        }
        return RunResult(reason: reason, pc: pc, elapsed: elapsed, instructions: instructions,
                         writes: hooks.takeWrites())
    }

    // MARK: Private

    private var pcID: Int32 {
        architecture == .arm64 ? ARM64Register.pc.ucID : X86Register.rip.ucID
    }

    private func check(_ err: uc_err, _ operation: @autoclosure () -> String) throws {
        if err != UC_ERR_OK { throw UnicornError.api(code: err.rawValue, operation: operation()) }
    }

    private func require(_ arch: UnicornArchitecture, _ operation: @autoclosure () -> String) throws {
        if architecture != arch {
            throw UnicornError.architectureMismatch(engine: architecture, operation: operation())
        }
    }

    private func readScalar(_ id: Int32, _ name: @autoclosure () -> String) throws -> UInt64 {
        // Unicorn writes 4 bytes for 32-bit registers; the zeroed upper half makes the result exact
        // on little-endian hosts (the only hosts Chimera supports).
        var value: UInt64 = 0
        try check(uc_reg_read(uc, id, &value), "uc_reg_read(\(name()))")
        return value
    }

    private func writeScalar(_ id: Int32, _ value: UInt64, _ name: @autoclosure () -> String) throws {
        var value = value
        try check(uc_reg_write(uc, id, &value), "uc_reg_write(\(name()))")
    }

    private func readWide(_ id: Int32, _ name: @autoclosure () -> String) throws -> (low: UInt64, high: UInt64) {
        var value: (UInt64, UInt64) = (0, 0)
        try check(uc_reg_read(uc, id, &value), "uc_reg_read(\(name()))")
        return (value.0, value.1)
    }

    private func writeWide(_ id: Int32, _ value: (low: UInt64, high: UInt64), _ name: @autoclosure () -> String) throws {
        var raw: (UInt64, UInt64) = (value.low, value.high)
        try check(uc_reg_write(uc, id, &raw), "uc_reg_write(\(name()))")
    }

    private func batchBuffer() throws -> BatchBuffer {
        if let batch { return batch }
        let ids: [Int32]
        switch architecture {
        case .arm64:
            ids = (0...30).map { ARM64Register(rawValue: $0)!.ucID }
                + [ARM64Register.sp, .pc, .nzcv, .fpcr, .fpsr].map(\.ucID)
                + ARM64VectorRegister.allCases.map(\.ucID)
        case .x86_64:
            ids = (0...15).map { X86Register(rawValue: $0)!.ucID }
                + [X86Register.rip, .rflags, .fsBase, .gsBase, .mxcsr].map(\.ucID)
                + X86VectorRegister.allCases.map(\.ucID)
        }
        let made = BatchBuffer(ids: ids)
        batch = made
        return made
    }

    private func installPermanentHooks() throws {
        var handle: uc_hook = 0
        try check(chimera_uc_hook_intr(uc, &handle, interruptCallback, hooks.opaque), "uc_hook_add(INTR)")
        let invalid = UC_HOOK_MEM_READ_UNMAPPED.rawValue | UC_HOOK_MEM_WRITE_UNMAPPED.rawValue
            | UC_HOOK_MEM_FETCH_UNMAPPED.rawValue | UC_HOOK_MEM_READ_PROT.rawValue
            | UC_HOOK_MEM_WRITE_PROT.rawValue | UC_HOOK_MEM_FETCH_PROT.rawValue
        try check(chimera_uc_hook_mem_event(uc, &handle, Int32(invalid), invalidMemoryCallback, hooks.opaque),
                  "uc_hook_add(MEM_INVALID)")
        if architecture == .x86_64 {
            try check(chimera_uc_hook_x86_syscall(uc, &handle, syscallCallback, hooks.opaque,
                                                  Int32(UC_X86_INS_SYSCALL.rawValue)),
                      "uc_hook_add(INSN SYSCALL)")
        }
    }

    private func startEmulation(begin: UInt64, until: UInt64, timeout: UInt64, count: Int) -> uc_err {
        hooks.reset()
        countHookInstalled = count > 0
        return uc_emu_start(uc, begin, until, timeout, count)
    }

    /// Turns a `uc_emu_start` result plus hook observations into a `StopReason`.
    /// `step` is the start PC of a single step; `until` is set only when reaching it was the sole normal exit.
    private func classify(_ err: uc_err, pc: UInt64, step: UInt64?, until: UInt64?) throws -> StopReason {
        switch err {
        case UC_ERR_OK:
            if let stop = hooks.stop {
                if architecture == .arm64, stop == .interrupt(ARM64Interrupt.undefined) { return .invalidInstruction }
                return stop
            }
            var timedOut = 0
            if uc_query(uc, UC_QUERY_TIMEOUT, &timedOut) == UC_ERR_OK, timedOut != 0 { return .timeout }
            return try haltCheck(pc: pc, step: step, until: until) ? .halted : .completed
        case UC_ERR_READ_UNMAPPED, UC_ERR_WRITE_UNMAPPED, UC_ERR_FETCH_UNMAPPED,
             UC_ERR_READ_PROT, UC_ERR_WRITE_PROT, UC_ERR_FETCH_PROT:
            guard let fault = hooks.fault else { return .engineError(code: err.rawValue) }
            hooks.dropPhantomWrite(for: fault)
            return .memoryFault(fault)
        case UC_ERR_INSN_INVALID:
            return .invalidInstruction
        case UC_ERR_NOMEM, UC_ERR_HANDLE, UC_ERR_ARG, UC_ERR_HOOK, UC_ERR_MAP, UC_ERR_MODE, UC_ERR_ARCH:
            throw UnicornError.api(code: err.rawValue, operation: "uc_emu_start(0x\(String(pc, radix: 16)))")
        default:
            return .engineError(code: err.rawValue)
        }
    }

    /// Whether a clean early stop was caused by x86 `hlt` (0xF4) or AArch64 `wfi`, which Unicorn 2.0.1 treats as a silent exit.
    private func haltCheck(pc: UInt64, step: UInt64?, until: UInt64?) throws -> Bool {
        switch architecture {
        case .x86_64:
            if let step {
                guard pc == step &+ 1 else { return false }
            } else {
                guard let until, pc != until else { return false }
            }
            return (try? read(count: 1, at: pc &- 1)) == [0xF4]
        case .arm64:
            if let step {
                guard pc == step &+ 4 else { return false }
            } else {
                guard let until, pc != until else { return false }
            }
            return (try? read(count: 4, at: pc &- 4)) == [0x7F, 0x20, 0x03, 0xD5]  // wfi
        }
    }
}

// MARK: - Hook plumbing

/// Mutable observations shared with the C callbacks through an unretained `Unmanaged` pointer.
private final class HookState {
    /// The first stop event of the current emulation call (first one wins).
    var stop: StopReason?
    /// The last invalid memory access of the current emulation call.
    var fault: MemoryFault?
    /// Stores recorded by the write hook.
    var writes: [MemoryWrite] = []
    /// Instructions (or, for blocks, bytes) counted by the benchmark hooks.
    var instructions: UInt64 = 0
    /// The last load or store of the current emulation call (access tracking only).
    var lastAccess: MemoryAccess?

    /// The pointer handed to Unicorn as `user_data`; valid as long as the engine (the only owner) lives.
    var opaque: UnsafeMutableRawPointer { Unmanaged.passUnretained(self).toOpaque() }

    /// Recovers the object from a callback's `user_data`.
    static func from(_ pointer: UnsafeMutableRawPointer?) -> HookState? {
        pointer.map { Unmanaged<HookState>.fromOpaque($0).takeUnretainedValue() }
    }

    func reset() {
        stop = nil
        fault = nil
        lastAccess = nil
        writes.removeAll(keepingCapacity: true)
    }

    func takeWrites() -> [MemoryWrite] {
        guard !writes.isEmpty else { return [] }
        let taken = writes
        writes.removeAll(keepingCapacity: true)
        return taken
    }

    /// Unicorn fires `UC_HOOK_MEM_WRITE` before checking the mapping, so a faulting store appears as a write that never happened.
    func dropPhantomWrite(for fault: MemoryFault) {
        guard fault.kind == .writeUnmapped || fault.kind == .writeProtected else { return }
        if let last = writes.last, last.address == fault.address { writes.removeLast() }
    }
}

/// `UC_HOOK_INTR`: records the exception number and stops so `svc`/`brk`/`int` never loop.
private func interruptCallback(_ uc: OpaquePointer?, _ number: UInt32, _ user: UnsafeMutableRawPointer?) {
    guard let state = HookState.from(user) else { return }
    if state.stop == nil { state.stop = .interrupt(number) }
    uc_emu_stop(uc)
}

/// `UC_HOOK_INSN(SYSCALL)`: records the syscall and stops (otherwise Unicorn skips it as a no-op).
private func syscallCallback(_ uc: OpaquePointer?, _ user: UnsafeMutableRawPointer?) {
    guard let state = HookState.from(user) else { return }
    if state.stop == nil { state.stop = .syscall }
    uc_emu_stop(uc)
}

/// `UC_HOOK_MEM_INVALID`: records the fault and returns false so Unicorn reports the error.
private func invalidMemoryCallback(_ uc: OpaquePointer?, _ type: uc_mem_type, _ address: UInt64, _ size: Int32,
                                   _ value: Int64, _ user: UnsafeMutableRawPointer?) -> Bool {
    guard let state = HookState.from(user) else { return false }
    let kind: MemoryFaultKind
    switch type {
    case UC_MEM_READ_UNMAPPED: kind = .readUnmapped
    case UC_MEM_WRITE_UNMAPPED: kind = .writeUnmapped
    case UC_MEM_FETCH_UNMAPPED: kind = .fetchUnmapped
    case UC_MEM_READ_PROT: kind = .readProtected
    case UC_MEM_WRITE_PROT: kind = .writeProtected
    default: kind = .fetchProtected
    }
    state.fault = MemoryFault(kind: kind, address: address, size: Int(size))
    return false
}

/// `UC_HOOK_MEM_WRITE`: appends one store record.
private func memoryWriteCallback(_ uc: OpaquePointer?, _ type: uc_mem_type, _ address: UInt64, _ size: Int32,
                                 _ value: Int64, _ user: UnsafeMutableRawPointer?) {
    guard let state = HookState.from(user) else { return }
    var bits = UInt64(bitPattern: value)
    if size < 8 { bits &= (UInt64(1) << (UInt64(size) * 8)) &- 1 }
    state.writes.append(MemoryWrite(address: address, size: Int(size), value: bits))
}

/// `UC_HOOK_MEM_READ`/`UC_HOOK_MEM_WRITE`: remembers the latest access.
private func memoryAccessCallback(_ uc: OpaquePointer?, _ type: uc_mem_type, _ address: UInt64, _ size: Int32,
                                  _ value: Int64, _ user: UnsafeMutableRawPointer?) {
    guard let state = HookState.from(user) else { return }
    state.lastAccess = MemoryAccess(address: address, size: Int(size), isWrite: type == UC_MEM_WRITE)
}

/// `UC_HOOK_CODE`: counts one instruction.
private func countCallback(_ uc: OpaquePointer?, _ address: UInt64, _ size: UInt32, _ user: UnsafeMutableRawPointer?) {
    guard let state = HookState.from(user) else { return }
    state.instructions &+= 1
}

/// `UC_HOOK_BLOCK`: adds the block's size in bytes.
private func blockCallback(_ uc: OpaquePointer?, _ address: UInt64, _ size: UInt32, _ user: UnsafeMutableRawPointer?) {
    guard let state = HookState.from(user) else { return }
    state.instructions &+= UInt64(size)
}

/// Reusable storage for `uc_reg_read_batch` / `uc_reg_write_batch`: one 16-byte slot per register.
private final class BatchBuffer {
    private var ids: [Int32]
    private let slots: UnsafeMutablePointer<UInt64>
    private var pointers: [UnsafeMutableRawPointer?]

    init(ids: [Int32]) {
        self.ids = ids
        let storage = UnsafeMutablePointer<UInt64>.allocate(capacity: ids.count * 2)
        storage.initialize(repeating: 0, count: ids.count * 2)
        slots = storage
        pointers = (0..<ids.count).map { UnsafeMutableRawPointer(storage + 2 * $0) }
    }

    deinit { slots.deallocate() }

    func clear() { slots.update(repeating: 0, count: ids.count * 2) }

    func low(_ index: Int) -> UInt64 { slots[2 * index] }

    func vector(_ index: Int) -> Vector128 { Vector128(low: slots[2 * index], high: slots[2 * index + 1]) }

    func set(_ index: Int, _ value: UInt64) { slots[2 * index] = value }

    func set(_ index: Int, _ value: Vector128) {
        slots[2 * index] = value.low
        slots[2 * index + 1] = value.high
    }

    func read(_ uc: OpaquePointer) throws {
        clear()
        let count = Int32(ids.count)
        let err = uc_reg_read_batch(uc, &ids, &pointers, count)
        if err != UC_ERR_OK { throw UnicornError.api(code: err.rawValue, operation: "uc_reg_read_batch") }
    }

    func write(_ uc: OpaquePointer) throws {
        let count = Int32(ids.count)
        let err = uc_reg_write_batch(uc, &ids, &pointers, count)
        if err != UC_ERR_OK { throw UnicornError.api(code: err.rawValue, operation: "uc_reg_write_batch") }
    }
}
