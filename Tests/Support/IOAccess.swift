import Foundation

/// One kind of access timed by `chimera-bench io` (issue 19): a loop of identical accesses in
/// `Tests/Kernels/io/io-<arch>.S`, built so that the same ELF runs on Chimera's shipped board
/// and on QEMU. Every kind's loop is three instructions (the access, a decrement, a branch),
/// so the RAM-load kind of the same architecture is a fair unit for the device kinds.
public enum IOAccess: String, CaseIterable, Sendable {
    /// x86 `inb` from COM1's line status register (port 0x3FD).
    case x86InLSR = "x86-inb-lsr"
    /// x86 `outb` to COM1's scratch register (port 0x3FF).
    case x86OutScratch = "x86-outb-scr"
    /// x86 byte load from RAM: the unit for the two port kinds.
    case x86RAMLoad = "x86-ram-load"
    /// AArch64 32-bit load from the PL011's flag register UARTFR (0x0900_0018).
    case armPL011Flags = "arm-pl011-fr"
    /// AArch64 32-bit load from the GICv2 distributor's GICD_TYPER (0x0800_0004).
    case armGICDistributorType = "arm-gicd-typer"
    /// AArch64 32-bit load from RAM: the unit for the two MMIO kinds.
    case armRAMLoad = "arm-ram-load"

    /// Instructions per loop iteration: the access, the counter decrement and the branch.
    public static let instructionsPerAccess: UInt64 = 3

    /// The value the guest exits with when its last read looked right (1 when not).
    public static let passValue: Int32 = 42

    /// The architecture of the program: `arm64` or `x86_64`.
    public var arch: String {
        switch self {
        case .x86InLSR, .x86OutScratch, .x86RAMLoad: return "x86_64"
        case .armPL011Flags, .armGICDistributorType, .armRAMLoad: return "arm64"
        }
    }

    /// What the loop does, for tables.
    public var summary: String {
        switch self {
        case .x86InLSR: return "x86 `inb` 0x3FD (16550 LSR)"
        case .x86OutScratch: return "x86 `outb` 0x3FF (16550 SCR)"
        case .x86RAMLoad: return "x86 RAM load (unit)"
        case .armPL011Flags: return "AArch64 `ldr w` PL011 UARTFR"
        case .armGICDistributorType: return "AArch64 `ldr w` GICD_TYPER"
        case .armRAMLoad: return "AArch64 RAM load (unit)"
        }
    }

    /// True for the RAM-load kinds, the unit of comparison.
    public var isRAMLoad: Bool { self == .x86RAMLoad || self == .armRAMLoad }

    /// The RAM-load kind of the same architecture.
    public var unit: IOAccess { arch == "x86_64" ? .x86RAMLoad : .armRAMLoad }

    /// The `-D` define in the assembly source that selects this kind.
    var define: String {
        switch self {
        case .x86InLSR: return "IO_IN_LSR"
        case .x86OutScratch: return "IO_OUT_SCR"
        case .x86RAMLoad, .armRAMLoad: return "IO_RAM_LOAD"
        case .armPL011Flags: return "IO_PL011_FR"
        case .armGICDistributorType: return "IO_GICD_TYPER"
        }
    }

    /// The shipped Chimera board the ELF runs on.
    public var board: String { arch == "x86_64" ? "pc-x86_64" : "virt-arm64" }

    /// The board's cluster that the ELF is loaded into (`--kernel CLUSTER=FILE`).
    public var cluster: String { arch == "x86_64" ? "x86" : "arm" }

    /// The exit status a run that passed ends with on both engines: the value itself for
    /// semihosting `SYS_EXIT`, `(value << 1) | 1` for isa-debug-exit.
    public var passStatus: Int32 { arch == "x86_64" ? Self.passValue << 1 | 1 : Self.passValue }

    /// The QEMU system emulator for this architecture.
    public var qemuBinary: String { arch == "x86_64" ? "qemu-system-x86_64" : "qemu-system-aarch64" }

    /// QEMU's arguments to run `elf` headless with a COM1/PL011 that discards output and an exit
    /// device (isa-debug-exit at 0xF4, or semihosting).
    public func qemuArguments(elf: String) -> [String] {
        let common = ["-nodefaults", "-display", "none", "-monitor", "none", "-serial", "null", "-accel", "tcg"]
        if arch == "x86_64" {
            return ["-M", "pc"] + common + ["-device", "isa-debug-exit,iobase=0xf4,iosize=4", "-no-reboot", "-kernel", elf]
        }
        return ["-M", "virt", "-cpu", "cortex-a53"] + common + ["-semihosting", "-kernel", elf]
    }
}

extension KernelBuilder {
    /// Builds the loop of `access` with `count` iterations (1 to 2^32 − 1) and returns the ELF path.
    public func build(_ access: IOAccess, count: UInt64) throws -> String {
        guard (1...UInt64(UInt32.max)).contains(count) else {
            throw KernelBuildError.io("\(access.rawValue): \(count) accesses is out of range 1...\(UInt32.max)")
        }
        let defines = [access.define: "1", "IO_COUNT": String(count)]
        if access.arch == "x86_64" {
            // Its own link script: one segment, as the Multiboot header's addresses describe it.
            return try buildAssembly("io/io-x86_64.S", linkScript: "io/x86_64-multiboot.ld",
                                     platform: .x86_64PC, defines: defines)
        }
        return try buildAssembly("io/io-arm64.S", linkScript: "platform/arm64-virt/link.ld",
                                 platform: .arm64Virt, defines: defines)
    }
}
