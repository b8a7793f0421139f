import ChimeraCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `memsave` and `pmemsave`: guest memory to a host file.
extension MonitorDispatcher {
    /// Cores see physical addresses here (no MMU is modelled by the monitor),
    /// so `memsave` reads the core's cluster and `pmemsave` a named cluster.
    /// Only RAM and ROM are dumped: reading MMIO would have device side effects.
    func memsave(_ args: MonitorArguments, physical: Bool) throws(ChimeraError) -> Value {
        let address = try args.uint("val"), size = try args.uint("size")
        let filename = try args.string("filename")
        let cluster: Cluster
        if physical {
            if let path = try args.optionalString("cluster") {
                guard let c = try machine.resolve(path) as? Cluster else {
                    throw ChimeraError(.generic, "pmemsave: '\(path)' is not a cluster")
                }
                cluster = c
            } else {
                guard let first = machine.clusters.first else { throw ChimeraError(.generic, "pmemsave: the machine has no cluster") }
                cluster = first
            }
        } else {
            let index = try args.optionalInt("cpu-index") ?? 0
            let cpus = machine.cpus
            guard index >= 0, index < Int64(cpus.count) else {
                throw ChimeraError(.generic, "CPU \(index) is not present (the machine has \(cpus.count) cores)")
            }
            guard let c = cpus[Int(index)].cluster else { throw ChimeraError(.generic, "core \(cpus[Int(index)].path) has no cluster") }
            cluster = c
        }
        guard machine.state == .realized else { throw ChimeraError(.generic, "memory exists only after the machine is realized") }
        guard size == 0 || address <= UInt64.max - (size - 1) else {
            throw ChimeraError(.generic, "Invalid addr 0x\(String(address, radix: 16))/size \(size) specified")
        }
        // Check the whole range before creating the file.
        var offset: UInt64 = 0
        while offset < size {
            let a = address + offset
            guard case .ram(_, let available, _, _, _) = cluster.memory.target(of: a) else {
                throw ChimeraError(.generic, "Invalid addr 0x\(String(address, radix: 16))/size \(size) specified: "
                                   + "0x\(String(a, radix: 16)) is not RAM or ROM in \(cluster.path)")
            }
            offset += min(available, size - offset)
        }
        // Only a regular file, a new one or /dev/null: a FIFO would block the
        // simulation thread (and so every client) until someone reads it.
        let fd: Int32
        do { fd = try HostFile.createForWriting(filename, what: "memory dump") } catch {
            throw ChimeraError(.generic, "Could not open '\(filename)': \(error.message)")
        }
        defer { close(fd) }
        offset = 0
        while offset < size {
            guard case .ram(let pointer, let available, _, _, _) = cluster.memory.target(of: address + offset) else { break }
            var chunk = Int(min(available, size - offset, 1 << 20))
            var p = UnsafeRawPointer(pointer)
            while chunk > 0 {
                let n = write(fd, p, chunk)
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else { throw ChimeraError(.generic, "writing '\(filename)' failed: \(String(cString: strerror(errno)))") }
                chunk -= n
                p += n
                offset += UInt64(n)
            }
        }
        return [:]
    }
}
