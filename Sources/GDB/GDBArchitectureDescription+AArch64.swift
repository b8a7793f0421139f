/// The AArch64 target description: gdb's standard core and FPU features
/// (GDB manual, "AArch64 Features") and Chimera's system registers.
///
/// Layout: x0–x30, sp, pc, cpsr (numbers 0–33); v0–v31, fpsr, fpcr (34–67);
/// then `org.chimera.aarch64.system` from 68. `cpsr` is PSTATE in SPSR
/// layout, composed from the core's `nzcv`, `daif`, `el` and `spsel`
/// (`GDBRegisterSource.aarch64PSTATE`); `currentel` is the architectural
/// CurrentEL (EL in bits 3:2), not the core's `el` number.
extension GDBArchitectureDescription {
    /// AArch64 as gdb's `aarch64` architecture.
    public static let aarch64 = GDBArchitectureDescription(
        architecture: "aarch64", features: [aarch64Core, aarch64FPU, aarch64System])

    private static let aarch64Core = GDBFeature(
        "org.gnu.gdb.aarch64.core",
        types: [.flags(id: "cpsr_flags", size: 4, fields: [
            // PSTATE as saved in SPSR_ELx (Arm ARM, "SPSR_EL1"), AArch64 state.
            GDBFlagField("SP", 0), GDBFlagField("EL", 2, 3), GDBFlagField("nRW", 4),
            GDBFlagField("F", 6), GDBFlagField("I", 7), GDBFlagField("A", 8), GDBFlagField("D", 9),
            GDBFlagField("BTYPE", 10, 11), GDBFlagField("SSBS", 12), GDBFlagField("IL", 20), GDBFlagField("SS", 21),
            GDBFlagField("PAN", 22), GDBFlagField("UAO", 23), GDBFlagField("DIT", 24), GDBFlagField("TCO", 25),
            GDBFlagField("V", 28), GDBFlagField("C", 29), GDBFlagField("Z", 30), GDBFlagField("N", 31),
        ])],
        registers: (0...30).map { GDBRegister("x\($0)", bitSize: 64, source: .scalar("x\($0)")) } + [
            GDBRegister("sp", bitSize: 64, type: "data_ptr", source: .scalar("sp")),
            GDBRegister("pc", bitSize: 64, type: "code_ptr", source: .scalar("pc")),
            GDBRegister("cpsr", bitSize: 32, type: "cpsr_flags", source: .aarch64PSTATE),
        ])

    /// The V registers as gdb's `aarch64v` union: the same 128 bits seen
    /// as lanes of doubles, singles, halves, bytes or one quadword.
    private static let aarch64FPU = GDBFeature(
        "org.gnu.gdb.aarch64.fpu",
        types: lanes([("v2d", "ieee_double", 2), ("v2u", "uint64", 2), ("v2i", "int64", 2),
                      ("v4f", "ieee_single", 4), ("v4u", "uint32", 4), ("v4i", "int32", 4),
                      ("v8f", "ieee_half", 8), ("v8u", "uint16", 8), ("v8i", "int16", 8), ("v8bf16", "bfloat16", 8),
                      ("v16u", "uint8", 16), ("v16i", "int8", 16), ("v1u", "uint128", 1), ("v1i", "int128", 1)]) + [
            .union(id: "vnd", fields: [GDBUnionField("f", "v2d"), GDBUnionField("u", "v2u"), GDBUnionField("s", "v2i")]),
            .union(id: "vns", fields: [GDBUnionField("f", "v4f"), GDBUnionField("u", "v4u"), GDBUnionField("s", "v4i")]),
            .union(id: "vnh", fields: [GDBUnionField("bf", "v8bf16"), GDBUnionField("f", "v8f"),
                                       GDBUnionField("u", "v8u"), GDBUnionField("s", "v8i")]),
            .union(id: "vnb", fields: [GDBUnionField("u", "v16u"), GDBUnionField("s", "v16i")]),
            .union(id: "vnq", fields: [GDBUnionField("u", "v1u"), GDBUnionField("s", "v1i")]),
            .union(id: "aarch64v", fields: [GDBUnionField("d", "vnd"), GDBUnionField("s", "vns"),
                                            GDBUnionField("h", "vnh"), GDBUnionField("b", "vnb"),
                                            GDBUnionField("q", "vnq")]),
        ],
        registers: (0...31).map { GDBRegister("v\($0)", bitSize: 128, type: "aarch64v", source: .aarch64Vector($0)) } + [
            GDBRegister("fpsr", bitSize: 32, source: .scalar("fpsr")),
            GDBRegister("fpcr", bitSize: 32, source: .scalar("fpcr")),
        ])

    /// EL1 and EL2 system registers by their core names. `sctlr_el1`,
    /// `ttbr0_el1`, `ttbr1_el1`, `tcr_el1` and `mair_el1` are not readable
    /// through the core by name yet; until they are, they read as unavailable.
    private static let aarch64System = GDBFeature(
        "org.chimera.aarch64.system",
        registers: ["sctlr_el1", "ttbr0_el1", "ttbr1_el1", "tcr_el1", "mair_el1", "esr_el1", "far_el1",
                    "elr_el1", "spsr_el1", "vbar_el1", "sp_el0", "sp_el1"].map(systemRegister)
            + [GDBRegister("currentel", bitSize: 64, type: "uint64", group: "system", source: .aarch64CurrentEL)]
            + ["hcr_el2", "elr_el2", "spsr_el2", "esr_el2", "far_el2", "vbar_el2", "sp_el2"].map(systemRegister))

    /// A 64-bit register of the `system` group read from the core register of the same name.
    static func systemRegister(_ name: String) -> GDBRegister {
        GDBRegister(name, bitSize: 64, type: "uint64", group: "system", source: .scalar(name))
    }

    /// `<vector>` definitions from (id, element type, count).
    static func lanes(_ vectors: [(String, String, Int)]) -> [GDBTypeDefinition] {
        vectors.map { .vector(id: $0.0, element: $0.1, count: $0.2) }
    }
}
