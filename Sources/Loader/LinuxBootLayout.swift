import ChimeraCore

/// Where the arm64 boot protocol (Linux `Documentation/arch/arm64/booting.rst`)
/// lets a boot loader put the kernel, the device tree and the initrd, and
/// where Chimera puts them, inside one RAM bank:
///
/// - the Image at `text_offset` above the lowest 2 MiB-aligned address of
///   the bank (as close to the start of RAM as possible, which flags bit 3
///   asks for when clear and allows when set), `image_size` bytes kept free;
/// - the device tree in its own 2 MiB block right after the kernel's
///   `image_size` (so it is 8-byte aligned, at most 2 MiB, overlaps nothing
///   and shares no 2 MiB block with memory of other attributes);
/// - the initrd right after that block, inside the same 1 GiB-aligned
///   window of at most 32 GiB that covers the kernel.
public struct LinuxBootLayout: Hashable, Sendable {
    /// The 2 MiB-aligned base the Image is placed above.
    public var base: UInt64
    /// The kernel: `base + text_offset` for `image_size` bytes. Its lower bound is the entry point.
    public var kernel: Range<UInt64>
    /// The device tree's 2 MiB block; the blob starts at its lower bound.
    public var deviceTree: Range<UInt64>
    /// The initrd, when one is given.
    public var initrd: Range<UInt64>?

    /// The alignment of the kernel's base, and the most a device tree may take.
    public static let block: UInt64 = 2 << 20
    static let gigabyte: UInt64 = 1 << 30
    /// The initrd and kernel must share a 1 GiB-aligned window of at most this size.
    static let initrdWindow: UInt64 = 32 << 30

    /// Plans the layout of `image` with an initrd of `initrdSize` bytes in
    /// the RAM bank `[ram.address, ram.address + ram.size)`. `failure` turns
    /// a reason into the caller's located error.
    public static func plan(_ image: LinuxImage, initrdSize: UInt64?, ram: (address: UInt64, size: UInt64),
                            _ failure: (String) -> ChimeraError) throws(ChimeraError) -> LinuxBootLayout {
        let ramEnd = ram.address &+ ram.size
        func mib(_ bytes: UInt64) -> String { bytes > 0 && bytes % (1 << 20) == 0 ? "\(bytes >> 20) MiB" : "\(bytes) bytes" }
        func at(_ a: UInt64) -> String { "0x" + String(a, radix: 16) }
        guard let base = alignUp(ram.address, block),
              case (let start, false) = base.addingReportingOverflow(image.textOffset),
              case (let end, false) = start.addingReportingOverflow(image.imageSize),
              let dtb = alignUp(end, block), dtb <= ramEnd, ramEnd - dtb >= block else {
            throw failure("the kernel needs text_offset 0x\(String(image.textOffset, radix: 16)) + image_size \(mib(image.imageSize)) "
                          + "above a 2 MiB-aligned base, plus a 2 MiB block for the device tree, but RAM at \(at(ram.address)) "
                          + "has only \(mib(ram.size))")
        }
        var layout = LinuxBootLayout(base: base, kernel: start..<end, deviceTree: dtb..<dtb + block, initrd: nil)
        if let initrdSize {
            let initrdStart = dtb + block
            let left = ramEnd - initrdStart
            guard initrdSize <= left else {
                throw failure("the initrd is \(mib(initrdSize)) but only \(mib(left)) of RAM are left after the kernel "
                              + "and the device tree (RAM \(at(ram.address))–\(at(ramEnd)), initrd from \(at(initrdStart)))")
            }
            let windowStart = base / gigabyte * gigabyte
            guard initrdStart + initrdSize - windowStart <= initrdWindow else {
                throw failure("the initrd would end beyond the 32 GiB window that must cover both it and the kernel")
            }
            layout.initrd = initrdStart..<initrdStart + initrdSize
        }
        return layout
    }

    private static func alignUp(_ value: UInt64, _ alignment: UInt64) -> UInt64? {
        let (sum, overflow) = value.addingReportingOverflow(alignment - 1)
        return overflow ? nil : sum & ~(alignment - 1)
    }
}
