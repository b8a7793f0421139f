import XCTest
import ChimeraCore
import ChimeraTestSupport
import ChimeraUnicorn
import ChimeraX86

/// Compiled programs (`x86_64-lockstep` platform) run instruction by instruction on
/// Chimera and Unicorn, comparing GPRs, RIP, RFLAGS (undefined flags masked), XMM
/// registers and every store Unicorn reports.
final class ProgramLockstepTests: XCTestCase {
    /// `limit` caps the compared instructions; programs longer than that are checked up to it.
    /// The program loaded into a Chimera machine and a Unicorn engine, both at its entry.
    struct Engines {
        let machine: X86TestMachine
        let cpu: X86CPU
        let unicorn: UnicornEngine
        let image: ELFImage
        let halt: UInt64
    }

    func start(_ program: String, defines: [String: String]) throws -> Engines {
        let elf = try KernelBuilder().build(program: program, platform: .x86_64Lockstep, defines: defines)
        let image = try ELFImage(path: elf)
        let halt = try XCTUnwrap(image.symbols["lockstep_halt"])
        let m = try X86TestMachine(ramSize: "16M")
        try m.load(elf)
        let cpu = m.cpus[0]
        _ = cpu.run(budget: 0)  // boot page tables
        let uc = try UnicornEngine(architecture: .x86_64, cpuModel: .x86Haswell)
        try uc.map(address: 0, size: 16 << 20)
        for s in image.segments { try uc.write(s.bytes, at: s.address) }
        var st = X86State()
        st.rip = image.entry
        try uc.writeAll(st)
        try uc.setMemoryWriteTracking(true)
        return Engines(machine: m, cpu: cpu, unicorn: uc, image: image, halt: halt)
    }

    /// One instruction on both engines. CR values differ by design (Chimera
    /// boots with paging on), so after a read of one Chimera's is copied over.
    func step(_ e: Engines) throws -> (bytes: [UInt8], parsed: ParsedInstruction?, unicorn: StepResult) {
        let bytes = e.machine.cluster.memory.readBytes(e.cpu.programCounter, count: 15) ?? []
        let parsed = try? bytes.withUnsafeBufferPointer { OpcodeMaps.standard.parse($0) }.get()
        _ = e.cpu.run(budget: 1)
        let r = try e.unicorn.step()
        if let p = parsed, p.entry?.op == .movFromCR {
            let reg = Int(p.rmField) | Int(p.prefixes.rexB) << 3
            try e.unicorn.write(X86Register.gpr(reg)!, e.cpu.gprValue(reg))
        }
        return (bytes, parsed, r)
    }

    func lockstep(_ program: String, defines: [String: String] = [:], limit: Int = 3_000_000, mustFinish: Bool = true) throws {
        let e = try start(program, defines: defines)
        let (m, cpu, uc, image, halt) = (e.machine, e.cpu, e.unicorn, e.image, e.halt)
        var steps = 0
        while cpu.programCounter != halt && steps < limit {
            let rip = cpu.programCounter
            let (bytes, parsed, r) = try step(e)
            steps += 1
            let u = try uc.readAllX86()
            var mask: UInt64 = 0xFFF
            if let p = parsed, let e = p.entry {
                switch e.op {
                case .mul, .imul1, .imul2: mask &= ~0xD4
                case .div, .idiv: mask &= ~0x8D5
                case .alu where [1, 4, 6, 8].contains(e.sub): mask &= ~0x10
                case .shift, .shld, .shrd: mask &= ~0x810
                case .bt: mask &= ~0x894
                case .bsf, .bsr: mask &= ~0x895
                default: break
                }
            }
            var diffs: [String] = []
            for k in 0..<16 where cpu.gprValue(k) != u.gpr[k] {
                diffs.append("\(X86Disassembler.registerName(k, size: 8)): 0x\(String(cpu.gprValue(k), radix: 16)) vs 0x\(String(u.gpr[k], radix: 16))")
            }
            if cpu.programCounter != u.rip { diffs.append("rip: 0x\(String(cpu.programCounter, radix: 16)) vs 0x\(String(u.rip, radix: 16))") }
            if cpu.rflagsValue & mask != u.rflags & mask {
                diffs.append("rflags: 0x\(String(cpu.rflagsValue & mask, radix: 16)) vs 0x\(String(u.rflags & mask, radix: 16))")
            }
            for k in 0..<16 {
                let x = cpu.xmmValue(k)
                if x.low != u.xmm[k].low || x.high != u.xmm[k].high { diffs.append("xmm\(k) differs") }
            }
            for w in r.writes {
                let mine = m.cluster.memory.read(w.address, size: w.size) ?? 0
                let mask = w.size == 8 ? UInt64.max : (1 << (8 * UInt64(w.size))) - 1
                if mine != w.value & mask { diffs.append("store [0x\(String(w.address, radix: 16))] 0x\(String(mine, radix: 16)) vs 0x\(String(w.value & mask, radix: 16))") }
            }
            if !diffs.isEmpty {
                let text = X86Disassembler.disassemble(bytes, address: rip).text
                XCTFail("\(program): divergence after \(steps) instructions at 0x\(String(rip, radix: 16)) \(text):\n  " + diffs.joined(separator: "\n  "))
                return
            }
        }
        print("x86 program lockstep \(program): \(steps) instructions")
        guard mustFinish else { return }
        XCTAssertEqual(cpu.programCounter, halt, "\(program) reached lockstep_halt within \(limit) instructions")
        // The console buffer matches the expected output.
        let len = Int(m.cluster.memory.read(try XCTUnwrap(image.symbols["lockstep_len"]), size: 8) ?? 0)
        let out = m.cluster.memory.readBytes(try XCTUnwrap(image.symbols["lockstep_out"]), count: min(len, 4096)) ?? []
        if defines.isEmpty {
            XCTAssertEqual(String(decoding: out, as: UTF8.self), try KernelBuilder().expectedOutput(program: program, arch: "x86_64"))
        }
    }

    func testHello() throws { try lockstep("hello") }
    func testPrintf() throws { try lockstep("printf") }
    func testFloat() throws { try lockstep("float") }
    func testDiv64() throws { try lockstep("div64") }
    func testCRC32() throws { try lockstep("crc32", limit: 1_500_000, mustFinish: false) }
    func testSort() throws { try lockstep("sort") }
    func testSHA256() throws { try lockstep("sha256", limit: 1_500_000, mustFinish: false) }
    func testCoremarkLike() throws { try lockstep("coremark_like", defines: ["ITERATIONS": "2"]) }

    /// Runs whole translated blocks rather than single steps: Chimera runs a
    /// budget of `sizes[k]` instructions, Unicorn as many, then GPRs, RIP,
    /// XMM registers and the bytes stored in the chunk are compared. Single
    /// steps start every block at the instruction being checked, so only
    /// this covers what happens inside and between blocks: RIP kept as the
    /// block start plus an offset, RIP-relative operands after the first
    /// instruction, an ALU operation running the Jcc that closes its block,
    /// chaining. Flags are left to the single-step tests (a chunk may end
    /// after an instruction that leaves some undefined).
    func lockstepInChunks(_ program: String, defines: [String: String] = [:]) throws {
        let e = try start(program, defines: defines)
        let (m, cpu, uc, halt) = (e.machine, e.cpu, e.unicorn, e.halt)
        // The start-up code reads CR0/CR4: single steps copy the values over.
        for _ in 0..<32 { _ = try step(e) }
        let sizes = [1, 2, 5, 64, 3, 1000, 7, 200, 13, 50_000]
        var chunks = 0, total: UInt64 = 0
        while cpu.programCounter != halt {
            let before = cpu.instructionsRetired
            let start = cpu.programCounter
            _ = cpu.run(budget: UInt64(sizes[chunks % sizes.count]))
            let executed = cpu.instructionsRetired - before
            XCTAssertGreaterThan(executed, 0, "no progress at 0x\(String(start, radix: 16))")
            if executed == 0 { return }
            let r = try uc.run(from: start, until: halt, count: Int(executed))
            chunks += 1
            total += executed
            let u = try uc.readAllX86()
            var diffs: [String] = []
            for k in 0..<16 where cpu.gprValue(k) != u.gpr[k] {
                diffs.append("\(X86Disassembler.registerName(k, size: 8)): 0x\(String(cpu.gprValue(k), radix: 16)) vs 0x\(String(u.gpr[k], radix: 16))")
            }
            if cpu.programCounter != u.rip { diffs.append("rip: 0x\(String(cpu.programCounter, radix: 16)) vs 0x\(String(u.rip, radix: 16))") }
            for k in 0..<16 {
                let x = cpu.xmmValue(k)
                if x.low != u.xmm[k].low || x.high != u.xmm[k].high { diffs.append("xmm\(k) differs") }
            }
            // The last value Unicorn stored to each byte is what Chimera's memory holds.
            var stored: [UInt64: UInt8] = [:]
            for w in r.writes { for b in 0..<w.size { stored[w.address + UInt64(b)] = UInt8(truncatingIfNeeded: w.value >> (8 * UInt64(b))) } }
            for (address, byte) in stored.sorted(by: { $0.key < $1.key }) where m.cluster.memory.read(address, size: 1) != UInt64(byte) {
                diffs.append("store [0x\(String(address, radix: 16))] differs"); break
            }
            if !diffs.isEmpty {
                XCTFail("\(program): divergence in chunk \(chunks) (\(executed) instructions from 0x\(String(start, radix: 16)), \(total) in all):\n  " + diffs.joined(separator: "\n  "))
                return
            }
        }
        print("x86 chunked lockstep \(program): \(total) instructions in \(chunks) chunks")
    }

    func testChunkedSort() throws { try lockstepInChunks("sort") }
    func testChunkedSHA256() throws { try lockstepInChunks("sha256") }
    func testChunkedCoremarkLike() throws { try lockstepInChunks("coremark_like", defines: ["ITERATIONS": "20"]) }
}
