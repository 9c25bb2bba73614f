/// How a cloud mask agrees with a reference mask: the confusion counts, and from them the
/// overall and balanced accuracy, and per class the producer's accuracy (1 − omission) and the
/// user's accuracy (1 − commission). "Positive" is cloud.
public struct MaskAgreement: Sendable, Equatable, Codable {
    public var cloudAsCloud = 0
    public var cloudAsClear = 0
    public var clearAsCloud = 0
    public var clearAsClear = 0

    public init() {}

    /// Counts the pixels where both masks say 0 or 1 (anything else is no data).
    public init(mask: [UInt8], reference: [UInt8]) {
        precondition(mask.count == reference.count, "mask and reference differ in size")
        for i in 0..<mask.count {
            switch (reference[i], mask[i]) {
            case (1, 1): cloudAsCloud += 1
            case (1, 0): cloudAsClear += 1
            case (0, 1): clearAsCloud += 1
            case (0, 0): clearAsClear += 1
            default: break
            }
        }
    }

    public static func + (a: MaskAgreement, b: MaskAgreement) -> MaskAgreement {
        var sum = a
        sum.cloudAsCloud += b.cloudAsCloud; sum.cloudAsClear += b.cloudAsClear
        sum.clearAsCloud += b.clearAsCloud; sum.clearAsClear += b.clearAsClear
        return sum
    }

    public var pixels: Int { cloudAsCloud + cloudAsClear + clearAsCloud + clearAsClear }
    public var referenceCloud: Int { cloudAsCloud + cloudAsClear }
    public var referenceClear: Int { clearAsCloud + clearAsClear }

    public var overallAccuracy: Double? { ratio(cloudAsCloud + clearAsClear, pixels) }
    /// Cloud found of the reference's cloud (1 − omission of cloud).
    public var cloudProducers: Double? { ratio(cloudAsCloud, referenceCloud) }
    /// Clear found of the reference's clear (1 − omission of clear).
    public var clearProducers: Double? { ratio(clearAsClear, referenceClear) }
    /// Of what the mask calls cloud, the share the reference calls cloud (1 − commission).
    public var cloudUsers: Double? { ratio(cloudAsCloud, cloudAsCloud + clearAsCloud) }
    public var clearUsers: Double? { ratio(clearAsClear, clearAsClear + cloudAsClear) }
    /// The mean of the two producer's accuracies; with one class absent from the reference, the
    /// producer's accuracy of the other (so an all-clear date is scored by its clear pixels).
    public var balancedAccuracy: Double? {
        switch (cloudProducers, clearProducers) {
        case let (a?, b?): return (a + b) / 2
        case let (a?, nil): return a
        case let (nil, b?): return b
        default: return nil
        }
    }

    private func ratio(_ a: Int, _ b: Int) -> Double? { b > 0 ? Double(a) / Double(b) : nil }
}
