import Foundation

/// Asks the file system whether writing in a folder works now. GDAL says which write failed but
/// seldom why ("TIFFWriteDirectoryTagData:IO error writing tag data" on a full disk), and the
/// errno is gone by the time its error reaches us; the folder itself still shows the cause.
public enum FolderWriteProbe {
    /// After a failed write, less free space than this is taken as a full disk: the write that
    /// failed may have needed far more than the probe's few blocks.
    static let minimumFreeBytes: UInt64 = 1 << 20
    static let probeBytes = 64 << 10

    /// The errno a write in `folder` (or in its nearest existing ancestor) meets now; nil when a
    /// small write and its fsync succeed, or when the path names no folder.
    @Sendable
    public static func problem(writingIn folder: String) -> Int32? {
        guard folder.hasPrefix("/") else { return nil }
        var dir = folder
        while dir != "/" && !FileManager.default.fileExists(atPath: dir) {
            dir = (dir as NSString).deletingLastPathComponent
        }
        var fs = statvfs()
        guard statvfs(dir, &fs) == 0 else { return errno }
        if fs.f_flag & UInt(ST_RDONLY) != 0 { return EROFS }
        // Root may write into the blocks reserved for it, others may not.
        let freeBlocks = geteuid() == 0 ? fs.f_bfree : fs.f_bavail
        if UInt64(freeBlocks) * UInt64(fs.f_frsize) < minimumFreeBytes { return ENOSPC }

        let path = (dir as NSString).appendingPathComponent(".verdant-write-probe-\(getpid())-\(UInt32.random(in: .min ... .max))")
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { return errno }
        defer { close(fd); unlink(path) }
        let zeros = [UInt8](repeating: 0, count: probeBytes)
        var written = 0
        while written < zeros.count {
            let n = zeros.withUnsafeBytes { write(fd, $0.baseAddress! + written, $0.count - written) }
            if n < 0 {
                if errno == EINTR { continue }
                return errno
            }
            written += n
        }
        // Quotas and network file systems may refuse only when the data reaches the disk.
        return fsync(fd) == 0 ? nil : errno
    }
}
