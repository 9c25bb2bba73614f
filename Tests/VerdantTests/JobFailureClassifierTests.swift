import Foundation
import Testing
import VerdantCore
import VerdantLocal
import VerdantRaster

@Suite("Job failure classification")
struct JobFailureClassifierTests {
    let work = "/srv/output/.work/r1-1234-abcd"
    var classifier: JobFailureClassifier {
        JobFailureClassifier(outputFolders: [work], probe: { _ in nil })
    }

    func fileError(_ code: CocoaError.Code, _ posix: POSIXErrorCode, path: String) -> CocoaError {
        CocoaError(code, userInfo: [NSFilePathErrorKey: path, NSUnderlyingErrorKey: POSIXError(posix)])
    }

    @Test("Foundation's file errors: the errno decides, with the path and strerror in the message")
    func foundationErrors() {
        let full = classifier.classify(fileError(.fileWriteOutOfSpace, .ENOSPC, path: "\(work)/a.json"))
        #expect(full == JobFailure(kind: .machine, message: "cannot write \(work)/a.json: No space left on device"))
        let readOnly = classifier.classify(fileError(.fileWriteVolumeReadOnly, .EROFS, path: "\(work)/a.json"))
        #expect(readOnly.kind == .machine && readOnly.message.hasSuffix("Read-only file system"), "\(readOnly)")
        #expect(classifier.classify(POSIXError(.EDQUOT)).kind == .machine)
        #expect(classifier.classify(POSIXError(.EIO)).kind == .machine)
    }

    @Test("permission denied is the machine's in the output folder and the input's elsewhere")
    func permissionsByPlace() {
        let output = classifier.classify(fileError(.fileWriteNoPermission, .EACCES, path: "\(work)/a.tif"))
        #expect(output.kind == .machine, "\(output)")
        let source = classifier.classify(fileError(.fileReadNoPermission, .EACCES, path: "/data/s2/B02.tif"))
        #expect(source == JobFailure(kind: .permanent, message: "cannot read /data/s2/B02.tif: Permission denied"))
        #expect(classifier.classify(fileError(.fileWriteNoPermission, .EPERM, path: work)).kind == .machine)
        // A sibling whose name merely starts like the work folder is not in it.
        #expect(classifier.classify(fileError(.fileWriteNoPermission, .EACCES, path: "\(work)-other/a.tif")).kind == .permanent)
    }

    @Test("a real missing source file, read by Foundation and by the STAC reader, is permanent")
    func missingSource() throws {
        let missing = "/nonexistent-\(UUID().uuidString)/item.json"
        let foundation = try #require(throws: (any Error).self) { try Data(contentsOf: URL(fileURLWithPath: missing)) }
        #expect(classifier.classify(foundation) == JobFailure(kind: .permanent, message: "cannot read \(missing): No such file or directory"))
        let stac = try #require(throws: (any Error).self) { try StacCatalog.loadItem(path: missing, coefNormalisation: 10000) }
        let failure = classifier.classify(stac)
        #expect(failure.kind == .permanent && failure.message.contains(missing), "\(failure)")
    }

    @Test("input errors of our own are permanent; read failures and unknown errors retryable")
    func ownErrors() {
        #expect(classifier.classify(CloudMaskError.missingBand(item: "x", band: "B10")).kind == .permanent)
        #expect(classifier.classify(RasterError.fileNotFound(path: "/data/B02.tif"))
                == JobFailure(kind: .permanent, message: "/data/B02.tif: no such file"))
        #expect(classifier.classify(RasterError.cannotOpen(path: "/data/B02.tif", reason: "not a TIFF")).kind == .permanent)
        #expect(classifier.classify(RasterError.readFailed(path: "/data/B02.tif", reason: "checksum")).kind == .retryable)
        struct Odd: Error, CustomStringConvertible { var description: String { "odd thing" } }
        #expect(classifier.classify(Odd()) == JobFailure(kind: .retryable, message: "odd thing"))
        #expect(classifier.classify(CancellationError()).kind == .retryable)
    }

    @Test("a message quoting a machine errno is the machine's, whatever error carries it")
    func quotedErrno() {
        let gdal = RasterError.readFailed(path: "/data/B02.tif", reason: "/data/B02.tif, band 1: IReadBlock failed: Input/output error")
        #expect(classifier.classify(gdal).kind == .machine)
        let written = RasterError.writeFailed(path: "\(work)/m.tif", reason: "Free disk space available is 0 bytes, whereas 4096 are at least necessary.")
        #expect(classifier.classify(written).kind == .machine)
    }

    @Test("a write failure that does not say why asks the folder written to")
    func writeFailureProbes() {
        let asked = ProbeLog()
        let error = RasterError.writeFailed(path: "\(work)/m.tif", reason: "TIFFWriteDirectoryTagData:IO error writing tag data")
        let full = JobFailureClassifier(outputFolders: [work], probe: { asked.add($0); return ENOSPC }).classify(error)
        #expect(full.kind == .machine)
        #expect(full.message == "\(error): No space left on device (found writing in \(work))")
        #expect(asked.folders == [work])
        let fine = JobFailureClassifier(outputFolders: [work], probe: { _ in nil }).classify(error)
        #expect(fine == JobFailure(kind: .retryable, message: error.description))
        // A folder the probe cannot even find says nothing about the machine.
        let gone = JobFailureClassifier(outputFolders: [work], probe: { _ in ENOENT }).classify(error)
        #expect(gone.kind == .retryable)
    }

    @Test("the folder probe finds a full disk, a read-only one, and a writable one")
    func folderProbe() throws {
        let writable = Fixtures.temporaryDirectory("probe")
        defer { try? FileManager.default.removeItem(at: writable) }
        #expect(FolderWriteProbe.problem(writingIn: writable.path) == nil)
        #expect(try FileManager.default.contentsOfDirectory(atPath: writable.path).isEmpty, "the probe left its file")
        // A folder not created yet is probed through its nearest existing ancestor.
        #expect(FolderWriteProbe.problem(writingIn: writable.appendingPathComponent("a/b").path) == nil)

        let full = try TemporaryMount(size: "256k")
        defer { full.unmount() }
        try full.fill()
        #expect(FolderWriteProbe.problem(writingIn: full.url.path) == ENOSPC)
        let readOnly = try TemporaryMount(size: "64k", readOnly: true)
        defer { readOnly.unmount() }
        #expect(FolderWriteProbe.problem(writingIn: readOnly.url.appendingPathComponent(".work/x").path) == EROFS)
    }

    @Test("the exit report: codes per kind, one line, found after other output")
    func exitReport() {
        #expect([FailureKind.retryable, .permanent, .machine].map(JobExitReport.exitCode(for:)) == [1, 2, 3])
        #expect([1, 2, 3, 64, 0].map(JobExitReport.kind(forExitCode:)) == [.retryable, .permanent, .machine, .retryable, .retryable])
        let line = JobExitReport.line(for: JobFailure(kind: .machine, message: "cannot write /o/a.tif:\nNo space left on device"))
        #expect(line == "verdant-job: machine: cannot write /o/a.tif: | No space left on device")
        let output = "reading bands\nverdant-job: permanent: first\nwarning: late\n\(line)\ntrailing stdout\n"
        #expect(JobExitReport.message(in: output) == "cannot write /o/a.tif: | No space left on device")
        #expect(JobExitReport.message(in: "Error: something\n") == nil)
    }
}

/// The folders a probe was asked about (probes are @Sendable closures).
final class ProbeLog: @unchecked Sendable {
    private let lock = NSLock()
    private var asked: [String] = []
    var folders: [String] { lock.lock(); defer { lock.unlock() }; return asked }
    func add(_ folder: String) { lock.lock(); defer { lock.unlock() }; asked.append(folder) }
}
