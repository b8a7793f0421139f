/// A handle to a scheduled event, for cancelling it.
public struct EventHandle: Hashable, Sendable {
    public let id: UInt64
}

/// The machine's virtual clock and its event queue.
///
/// Devices schedule timed work here and never read host time. Events fire
/// in (time, sequence number) order, so same-time events fire in the order
/// they were scheduled. One `Clock` belongs to one machine.
public final class Clock {
    struct Entry {
        let time: VirtualTime
        let sequence: UInt64
    }

    private var heap: [Entry] = []
    /// Pending actions by sequence number; lookup only, never iterated.
    private var actions: [UInt64: (label: String, action: () -> Void)] = [:]
    private var nextSequence: UInt64 = 0
    /// Time of the latest event fired or of the latest point the scheduler reached.
    private var baseTime: VirtualTime = .zero
    /// The core whose slice is running, if any: `now` follows its progress.
    public private(set) weak var activeCPU: CPUDevice?
    /// Called when an event is scheduled earlier than the running slice's end.
    var sliceEnd: VirtualTime = .never
    /// Optional observer of fired events (event trace, timeline).
    public var eventObserver: ((VirtualTime, String) -> Void)?

    public init() {
        running = .allocate(capacity: 1)
        running.initialize(to: RunningCore())
    }

    deinit { running.deallocate() }

    /// The current virtual time: the running core's local time during a
    /// slice, otherwise the time the scheduler last reached.
    public var now: VirtualTime {
        if let cpu = activeCPU { return cpu.currentTime }
        return baseTime
    }

    /// Schedules `action` at absolute time `time` (not before `now`).
    @discardableResult
    public func schedule(at time: VirtualTime, _ label: String, _ action: @escaping () -> Void) -> EventHandle {
        let t = max(time, now)
        let sequence = nextSequence
        nextSequence += 1
        actions[sequence] = (label, action)
        push(Entry(time: t, sequence: sequence))
        if t < sliceEnd, let cpu = activeCPU {
            // The running core must stop in time for this event.
            cpu.requestStop()
            sliceEnd = t
        }
        return EventHandle(id: sequence)
    }

    /// Schedules `action` `delay` after `now`.
    @discardableResult
    public func schedule(after delay: VirtualTime, _ label: String, _ action: @escaping () -> Void) -> EventHandle {
        schedule(at: now + delay, label, action)
    }

    /// Cancels a pending event; cancelling a fired or cancelled event does nothing.
    public func cancel(_ handle: EventHandle) {
        actions[handle.id] = nil
    }

    /// Is the event still pending?
    public func isPending(_ handle: EventHandle) -> Bool { actions[handle.id] != nil }

    /// Time of the earliest pending event, or `.never`.
    public var nextEventTime: VirtualTime {
        while let top = heap.first, actions[top.sequence] == nil { _ = pop() }
        return heap.first?.time ?? .never
    }

    /// Number of pending events.
    public var pendingCount: Int { actions.count }

    /// Fires every event due at or before `time`, in order, then sets the
    /// base time to `time`. Events scheduled by handlers for times within
    /// the limit fire too.
    public func advance(to time: VirtualTime) {
        while let top = heap.first, top.time <= time {
            _ = pop()
            guard let entry = actions.removeValue(forKey: top.sequence) else { continue }
            baseTime = max(baseTime, top.time)
            eventObserver?(top.time, entry.label)
            entry.action()
        }
        baseTime = max(baseTime, time)
    }

    /// Called by the scheduler around each core's slice.
    public func beginSlice(of cpu: CPUDevice, until end: VirtualTime) {
        activeCPU = cpu
        running.pointee = RunningCore(index: cpu.clusterIndex, cluster: cpu.cluster.map(ObjectIdentifier.init))
        sliceEnd = end
    }

    /// Which core is running a slice, for banked devices (a GIC's CPU
    /// interface) that must tell the accessing core apart.
    public struct RunningCore: Sendable {
        /// Position among its cluster's cores (`CPUDevice.clusterIndex`).
        public var index = 0
        /// Its cluster; nil between slices.
        public var cluster: ObjectIdentifier?
    }

    /// The running core, behind a pointer owned by the clock: a device reads
    /// it with plain loads (a class property read from another module
    /// would pay a dynamic exclusivity check on every register access).
    public let running: UnsafeMutablePointer<RunningCore>

    /// Ends the current slice; returns the (possibly shortened) end.
    @discardableResult
    public func endSlice() -> VirtualTime {
        activeCPU = nil
        running.pointee = RunningCore()
        let end = sliceEnd
        sliceEnd = .never
        return end
    }

    /// Where the running slice must stop (may shrink while it runs).
    public var currentSliceEnd: VirtualTime { sliceEnd }

    // MARK: Binary heap ordered by (time, sequence).

    private func less(_ a: Entry, _ b: Entry) -> Bool {
        a.time < b.time || (a.time == b.time && a.sequence < b.sequence)
    }

    private func push(_ e: Entry) {
        heap.append(e)
        var i = heap.count - 1
        while i > 0 {
            let p = (i - 1) / 2
            guard less(heap[i], heap[p]) else { break }
            heap.swapAt(i, p)
            i = p
        }
    }

    private func pop() -> Entry? {
        guard !heap.isEmpty else { return nil }
        let top = heap[0]
        let last = heap.removeLast()
        if !heap.isEmpty {
            heap[0] = last
            var i = 0
            while true {
                let l = 2 * i + 1, r = l + 1
                var m = i
                if l < heap.count && less(heap[l], heap[m]) { m = l }
                if r < heap.count && less(heap[r], heap[m]) { m = r }
                if m == i { break }
                heap.swapAt(i, m)
                i = m
            }
        }
        return top
    }
}
