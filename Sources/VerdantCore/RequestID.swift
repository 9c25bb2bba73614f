/// Deterministic request ids: the same task, parameters and submission number always give the
/// same id, so a submission repeated after a crash or an unclear answer is recognised by the
/// engine instead of starting twice; a new submission number (a retry, a person's requeue)
/// gives a new id. Earth Engine accepts `[a-zA-Z0-9-]`, at most 60 characters
/// (earth-engine-rest.md §2.7).
public enum RequestID {
    /// `salt` is the stage's parameter fingerprint: work done under other parameters has
    /// other ids, so an engine never hands it back as this work.
    public static func make(_ key: TaskKey, submission: Int, salt: String) -> String {
        let digest = Fingerprint.digest("\(salt)|\(key.stage.rawValue)|\(key.id)|\(submission)")
        // Stage names are short words; keep them readable in the engine's task list.
        let stage = String(key.stage.rawValue.filter { $0.isLetter || $0.isNumber }.prefix(16))
        return "vd-\(stage)-\(digest)-\(submission)"
    }
}

/// A stable 128-bit digest as 32 hex digits (two FNV-1a passes with different bases): not a
/// cryptographic hash, an identifier that does not change between runs, machines or releases.
/// Core may not import a crypto library, and collisions only matter between the handful of
/// parameter sets one store ever sees.
public enum Fingerprint {
    public static func digest(_ text: String) -> String {
        digest(Array(text.utf8))
    }

    public static func digest(_ bytes: [UInt8]) -> String {
        var a: UInt64 = 0xcbf2_9ce4_8422_2325, b: UInt64 = 0x8422_2325_cbf2_9ce4
        for byte in bytes {
            a = (a ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
            b = (b ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
            b = (b << 7) | (b >> 57)
        }
        return hex(a) + hex(b)
    }

    static func hex(_ v: UInt64) -> String {
        let s = String(v, radix: 16)
        return String(repeating: "0", count: 16 - s.count) + s
    }
}
