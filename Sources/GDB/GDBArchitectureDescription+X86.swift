/// The x86-64 target description: gdb's standard i386 features in their
/// 64-bit form (GDB manual, "i386 Features") and Chimera's system registers.
///
/// Layout: rax rbx rcx rdx rsi rdi rbp rsp r8–r15 rip eflags cs ss ds es fs
/// gs st0–st7 fctrl fstat ftag fiseg fioff foseg fooff fop (numbers 0–39,
/// gdb's order, which is not the core's encoding order); xmm0–xmm15 mxcsr
/// (40–56); fs_base gs_base (57–58); then `org.chimera.x86.system`.
///
/// The core does not model x87 state, so st0–st7 and the x87 control
/// registers are constants: the state after `FNINIT` (control word 0x37f,
/// all tags empty, everything else zero), which gdb shows as an empty stack.
extension GDBArchitectureDescription {
    /// x86-64 as gdb's `i386:x86-64` architecture.
    public static let x86_64 = GDBArchitectureDescription(
        architecture: "i386:x86-64", features: [x86Core, x86SSE, x86Segments, x86System])

    private static let x86Core = GDBFeature(
        "org.gnu.gdb.i386.core",
        types: [.flags(id: "i386_eflags", size: 4, fields: [
            // RFLAGS bits (Intel SDM vol. 1, 3.4.3); bit 1 is reserved as one.
            GDBFlagField("CF", 0), GDBFlagField("", 1), GDBFlagField("PF", 2), GDBFlagField("AF", 4),
            GDBFlagField("ZF", 6), GDBFlagField("SF", 7), GDBFlagField("TF", 8), GDBFlagField("IF", 9),
            GDBFlagField("DF", 10), GDBFlagField("OF", 11), GDBFlagField("NT", 14), GDBFlagField("RF", 16),
            GDBFlagField("VM", 17), GDBFlagField("AC", 18), GDBFlagField("VIF", 19), GDBFlagField("VIP", 20),
            GDBFlagField("ID", 21),
        ])],
        registers: ["rax", "rbx", "rcx", "rdx", "rsi", "rdi"].map { int64($0) }
            + [GDBRegister("rbp", bitSize: 64, type: "data_ptr", source: .scalar("rbp")),
               GDBRegister("rsp", bitSize: 64, type: "data_ptr", source: .scalar("rsp"))]
            + (8...15).map { int64("r\($0)") }
            + [GDBRegister("rip", bitSize: 64, type: "code_ptr", source: .scalar("rip")),
               GDBRegister("eflags", bitSize: 32, type: "i386_eflags", source: .scalar("rflags"))]
            + ["cs", "ss", "ds", "es", "fs", "gs"].map { GDBRegister($0, bitSize: 32, type: "int32", source: .scalar($0)) }
            + (0...7).map { GDBRegister("st\($0)", bitSize: 80, type: "i387_ext", source: .constant(0)) }
            + [("fctrl", 0x37F), ("fstat", 0), ("ftag", 0xFFFF), ("fiseg", 0), ("fioff", 0), ("foseg", 0),
               ("fooff", 0), ("fop", 0)].map {
                GDBRegister($0.0, bitSize: 32, group: "float", source: .constant($0.1))
            })

    /// XMM registers as gdb's `vec128` union, and MXCSR with its flags.
    private static let x86SSE = GDBFeature(
        "org.gnu.gdb.i386.sse",
        types: lanes([("v8bf16", "bfloat16", 8), ("v8h", "ieee_half", 8), ("v4f", "ieee_single", 4),
                      ("v2d", "ieee_double", 2), ("v16i8", "int8", 16), ("v8i16", "int16", 8),
                      ("v4i32", "int32", 4), ("v2i64", "int64", 2)]) + [
            .union(id: "vec128", fields: [
                GDBUnionField("v8_bfloat16", "v8bf16"), GDBUnionField("v8_half", "v8h"),
                GDBUnionField("v4_float", "v4f"), GDBUnionField("v2_double", "v2d"),
                GDBUnionField("v16_int8", "v16i8"), GDBUnionField("v8_int16", "v8i16"),
                GDBUnionField("v4_int32", "v4i32"), GDBUnionField("v2_int64", "v2i64"),
                GDBUnionField("uint128", "uint128"),
            ]),
            // MXCSR (Intel SDM vol. 1, 10.2.3).
            .flags(id: "i386_mxcsr", size: 4, fields: [
                GDBFlagField("IE", 0), GDBFlagField("DE", 1), GDBFlagField("ZE", 2), GDBFlagField("OE", 3),
                GDBFlagField("UE", 4), GDBFlagField("PE", 5), GDBFlagField("DAZ", 6), GDBFlagField("IM", 7),
                GDBFlagField("DM", 8), GDBFlagField("ZM", 9), GDBFlagField("OM", 10), GDBFlagField("UM", 11),
                GDBFlagField("PM", 12), GDBFlagField("FZ", 15),
            ]),
        ],
        registers: (0...15).map {
            GDBRegister("xmm\($0)", bitSize: 128, type: "vec128", source: .vector(low: "xmm\($0)_lo", high: "xmm\($0)_hi"))
        } + [GDBRegister("mxcsr", bitSize: 32, type: "i386_mxcsr", group: "vector", source: .scalar("mxcsr"))])

    private static let x86Segments = GDBFeature(
        "org.gnu.gdb.i386.segments",
        registers: [GDBRegister("fs_base", bitSize: 64, source: .scalar("fs_base")),
                    GDBRegister("gs_base", bitSize: 64, source: .scalar("gs_base"))])

    private static let x86System = GDBFeature(
        "org.chimera.x86.system",
        registers: ["cr0", "cr2", "cr3", "cr4", "cr8", "efer", "kernel_gs_base"].map(systemRegister))

    private static func int64(_ name: String) -> GDBRegister {
        GDBRegister(name, bitSize: 64, type: "int64", source: .scalar(name))
    }
}
