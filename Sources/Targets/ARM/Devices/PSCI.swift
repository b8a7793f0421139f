import ChimeraCore

/// PSCI 1.1 firmware calls (ARM DEN 0022) reached through HVC or SMC:
/// VERSION, CPU_ON, CPU_OFF, AFFINITY_INFO, SYSTEM_OFF, SYSTEM_RESET.
enum PSCIFunction {
    static let version: UInt64 = 0x8400_0000
    static let cpuSuspend64: UInt64 = 0xC400_0001
    static let cpuOff: UInt64 = 0x8400_0002
    static let cpuOn32: UInt64 = 0x8400_0003
    static let cpuOn64: UInt64 = 0xC400_0003
    static let affinityInfo32: UInt64 = 0x8400_0004
    static let affinityInfo64: UInt64 = 0xC400_0004
    static let systemOff: UInt64 = 0x8400_0008
    static let systemReset: UInt64 = 0x8400_0009
    static let features: UInt64 = 0x8400_000A

    static let success: UInt64 = 0
    static let notSupported: UInt64 = UInt64(bitPattern: -1)
    static let invalidParameters: UInt64 = UInt64(bitPattern: -2)
    static let alreadyOn: UInt64 = UInt64(bitPattern: -4)
}

extension AArch64CPU {
    /// Handles a PSCI call in X0–X3; the result goes to X0.
    func handlePSCICall(at pc: UInt64) -> UInt8 {
        let r = regs
        let function = r[0] & 0xFFFF_FFFF
        switch function {
        case PSCIFunction.version:
            r[0] = 0x0001_0001   // PSCI 1.1
        case PSCIFunction.features:
            let known: Set<UInt64> = [PSCIFunction.version, PSCIFunction.cpuOff, PSCIFunction.cpuOn32, PSCIFunction.cpuOn64,
                                      PSCIFunction.affinityInfo32, PSCIFunction.affinityInfo64, PSCIFunction.systemOff,
                                      PSCIFunction.systemReset, PSCIFunction.features]
            r[0] = known.contains(r[1] & 0xFFFF_FFFF) ? 0 : PSCIFunction.notSupported
        case PSCIFunction.cpuOn32, PSCIFunction.cpuOn64:
            guard let target = core(withAffinity: r[1]) else { r[0] = PSCIFunction.invalidParameters; break }
            guard target.powerState == .off else { r[0] = PSCIFunction.alreadyOn; break }
            target.powerOn(entry: r[2], contextID: r[3])
            r[0] = PSCIFunction.success
        case PSCIFunction.affinityInfo32, PSCIFunction.affinityInfo64:
            guard let target = core(withAffinity: r[1]) else { r[0] = PSCIFunction.invalidParameters; break }
            r[0] = target.powerState == .off ? 1 : 0
        case PSCIFunction.cpuOff:
            powerState = .off
            st.pointee.pc = pc &+ 4
            pendingStop = .poweredOff
            return 3
        case PSCIFunction.systemOff, PSCIFunction.systemReset:
            st.pointee.pc = pc &+ 4
            pendingStop = .exit(code: 0)
            return 3
        default:
            r[0] = PSCIFunction.notSupported
        }
        return 0
    }

    private func core(withAffinity affinity: UInt64) -> AArch64CPU? {
        let mask: UInt64 = 0xFF_00FF_FFFF
        return cluster?.cpus.compactMap { $0 as? AArch64CPU }.first { $0.sys.mpidr & mask == affinity & mask }
    }

    /// PSCI CPU_ON: reset into EL1h at `entry` with X0 = `contextID`.
    func powerOn(entry: UInt64, contextID: UInt64) {
        resetCPU()
        st.pointee.pc = entry
        regs[0] = contextID
        powerState = .running
    }
}
