import ChimeraCore
import OrderedCollections

/// Builders for the QMP wire objects.
enum QMPMessage {
    /// `{"return": value, "id": id}`.
    static func success(_ value: Value, id: Value?) -> Value {
        var d: OrderedDictionary<String, Value> = ["return": value]
        if let id { d["id"] = id }
        return .dict(d)
    }

    /// `{"error": {"class": …, "desc": …}, "id": id}`.
    static func failure(_ errorClass: ErrorClass, _ desc: String, id: Value?) -> Value {
        var d: OrderedDictionary<String, Value> = [
            "error": ["class": .string(errorClass.rawValue), "desc": .string(desc)],
        ]
        if let id { d["id"] = id }
        return .dict(d)
    }

    static func failure(_ error: ChimeraError, id: Value?) -> Value {
        failure(error.errorClass, error.description, id: id)
    }

    /// The greeting sent on connect. No capabilities are offered: there is no out-of-band execution.
    static func greeting() -> Value {
        [
            "QMP": [
                "version": MonitorVersion.versionInfo,
                "capabilities": [],
            ],
        ]
    }
}
