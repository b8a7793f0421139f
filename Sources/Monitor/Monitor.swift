import ChimeraCore

/// Entry point of the ChimeraMonitor module: the QMP monitor.
///
/// `runMonitored(machine:endpoints:options:)` runs a machine under a QMP
/// server (what `chimera run … --qmp …` calls); `MonitorSession` speaks the
/// same protocol in-process; `MonitorCommand.all` is the command schema.
/// See Documentation/Monitor.md.
public enum Monitor {
    /// Adds this module's types to `registry` (the monitor registers none).
    public static func register(into registry: inout TypeRegistry) {}
}
