/// Deterministic request ids: the same image, stage and attempt always give the same id, so a
/// submission repeated after a crash is recognised by the engine instead of starting twice.
/// Earth Engine accepts `[a-zA-Z0-9-]`, at most 60 characters (earth-engine-rest.md §2.7).
public enum RequestID {
    public static func make(imageId: String, stage: Stage, attempt: Int, salt: String = "") -> String {
        let key = "\(salt)|\(stage.rawValue)|\(imageId)|\(attempt)"
        let a = fnv1a(key, basis: 0xcbf2_9ce4_8422_2325)
        let b = fnv1a(key, basis: 0x84222325_cbf29ce4)
        return "vd-\(stage.rawValue)-\(hex(a))\(hex(b))-\(attempt)"
    }

    static func fnv1a(_ s: String, basis: UInt64) -> UInt64 {
        var h = basis
        for byte in s.utf8 {
            h ^= UInt64(byte)
            h = h &* 0x0000_0100_0000_01b3
        }
        return h
    }

    static func hex(_ v: UInt64) -> String {
        let s = String(v, radix: 16)
        return String(repeating: "0", count: 16 - s.count) + s
    }
}
