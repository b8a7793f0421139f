import Foundation

/// Debian's arm64 cloud kernel and the busybox initramfs that `make test`
/// (`make guests`, Tests/Guests/fetch.sh) caches in `.cache/guests/linux-arm64`.
public enum LinuxGuest {
    /// The cache folder, for messages.
    public static var directory: String {
        KernelBuilder.packageRoot(from: #filePath) + "/.cache/guests/linux-arm64"
    }

    /// The Image and initrd.gz, or nil when they have not been fetched (tests then skip).
    public static var files: (image: String, initrd: String)? {
        let image = directory + "/Image", initrd = directory + "/initrd.gz"
        guard FileManager.default.fileExists(atPath: image), FileManager.default.fileExists(atPath: initrd) else { return nil }
        return (image, initrd)
    }
}
