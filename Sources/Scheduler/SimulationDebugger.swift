import ChimeraCore

/// Why the run handed control to its debugger.
public enum DebugStop {
    /// `cpu` reached a breakpoint at `pc` (the instruction there has not run).
    case breakpoint(CPUDevice, pc: UInt64)
    /// `cpu` retired the instructions `SimulationDebugger.stepTarget` allowed.
    case stepped(CPUDevice)
    /// The debugger asked to stop (`wantsInterrupt`): at a quantum boundary.
    case interrupted
    /// A data watchpoint fired: the core that made the access stopped before
    /// or after its instruction (MemoryWatchpoints.swift), or a device wrote.
    case watchpoint(MemoryWatchpoints.Hit)
}

/// A debugger attached to a simulation (the GDB stub). The run calls
/// `debugStop` on its own thread the moment a core stops for the debugger,
/// with every core at an instruction boundary, and carries on exactly where
/// it was when that call returns. Nothing the scheduler does depends on
/// how long the call blocks or on where the debugger stopped, so a run
/// under a debugger ends with the hash, instruction count and virtual time
/// of the same run without one (Documentation/Debugging.md).
public protocol SimulationDebugger: AnyObject {
    /// The retired-instruction count at which `cpu` must stop (a single
    /// step), or nil to let it run.
    func stepTarget(of cpu: CPUDevice) -> UInt64?
    /// Takes the stop; returns when the debugger resumes the machine.
    func debugStop(_ stop: DebugStop, in simulation: Simulation)
    /// Asked at every quantum boundary: should the machine stop now (Ctrl-C, or waiting at reset)?
    var wantsInterrupt: Bool { get }
}
