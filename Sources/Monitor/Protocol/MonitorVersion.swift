import ChimeraCore

/// The version the monitor reports in the greeting and `query-version`.
public enum MonitorVersion {
    /// Major version number.
    public static let major: Int64 = 0
    /// Minor version number.
    public static let minor: Int64 = 1
    /// Micro version number.
    public static let micro: Int64 = 0

    /// QEMU's `VersionInfo` shape with Chimera's own numbers.
    public static var versionInfo: Value {
        ["qemu": ["major": .int(major), "minor": .int(minor), "micro": .int(micro)], "package": "chimera"]
    }
}
