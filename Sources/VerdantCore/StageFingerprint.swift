import Foundation

/// The parameters that define each stage's output, as canonical `key=value` lines, and their
/// digest. Two runs with the same fingerprint for a stage make the same outputs; a change
/// (scale, the land area's content, the method, an upstream stage's fingerprint, the stage's
/// version) makes every output of that stage and the stages after it out of date.
/// Run settings (nb_task_max, refresh, workers…) are not part of it: they change how, not what.
public struct StageFingerprint: Sendable, Equatable {
    public var stage: Stage
    public var lines: [String]
    public var digest: String

    /// `landDigest`: a digest of the land area's content (a file's bytes, an asset's id), so
    /// editing the file counts as a change even when its path stays the same.
    /// `modelDigest`: likewise for the cloud model file of method "seed".
    public static func all(_ p: Parameters, graph: StageGraph, landDigest: String, modelDigest: String = "") -> [Stage: StageFingerprint] {
        var result: [Stage: StageFingerprint] = [:]
        for spec in graph.specs {
            var lines = ["stage=\(spec.stage.rawValue)", "version=\(spec.version)"]
            lines += ownParameters(spec, p, landDigest: landDigest, modelDigest: modelDigest)
            lines += spec.inputs.map { "input.\($0.rawValue)=\(result[$0]?.digest ?? "?")" }
            result[spec.stage] = StageFingerprint(stage: spec.stage, lines: lines,
                                                  digest: Fingerprint.digest(lines.joined(separator: "\n")))
        }
        return result
    }

    static func ownParameters(_ spec: StageSpec, _ p: Parameters, landDigest: String, modelDigest: String) -> [String] {
        switch spec.stage {
        case .cloudMask:
            // Every method reads the grid, restricted to land; each adds what decides its masks.
            let m = p.mask, c = m.clustering
            var lines = ["mask.method=\(m.method.rawValue)", "area.scale=\(p.area.scale)",
                         "mask.coef_normalisation=\(m.coefNormalisation)", "land=\(landDigest)"]
            switch m.method {
            case .seed:
                lines += ["mask.model=\(modelDigest)", "mask.cutoff=\(m.cutoff)", "mask.radiometric_offset=\(m.radiometricOffset.rawValue)",
                          "mask.number_of_images=\(m.numberOfImages)", "mask.number_preselect=\(m.numberPreselect)",
                          "mask.allow_future=\(m.allowFuture)", "mask.number_hours=\(m.numberHours)", "mask.common_area=\(m.commonArea)",
                          "mask.clustering.num_pixels=\(c.numPixels)", "mask.clustering.n_clusters=\(c.nClusters)",
                          "mask.clustering.threshold_dif_cloud=\(c.thresholdDifCloud)",
                          "mask.clustering.threshold_reflectance=\(c.thresholdReflectance)",
                          "mask.clustering.bands_thresholds=\(c.bandsThresholds.joined(separator: ","))",
                          "mask.clustering.growing_ratio=\(c.growingRatio)", "mask.clustering.sampling_scale=\(c.samplingScale)",
                          "mask.clustering.do_clustering=\(c.doClustering)"]
            case .hollstein:
                lines += ["mask.radiometric_offset=\(m.radiometricOffset.rawValue)"]
            case .scl:
                lines += ["mask.scl_asset=\(m.sclAsset)", "mask.scl_classes=\(m.sclClasses.map(String.init).joined(separator: ","))"]
            case .probability:
                lines += ["mask.probability_asset=\(m.probabilityAsset)", "mask.probability_threshold=\(m.probabilityThreshold)"]
            case .mask:
                lines += ["mask.mask_asset=\(m.maskAsset)"]
            }
            if m.method == .seed || m.method == .hollstein {
                lines += ["mask.fallback=\(m.fallback.rawValue)"] + (m.fallback == .mask ? ["mask.mask_asset=\(m.maskAsset)"] : [])
            }
            if p.run.engine == .earthEngine {
                // Where the masks go salts their request ids: a task another destination's run
                // made under the same mask parameters is never taken for this one's.
                let e = p.earthEngine
                let target = e.exportTo == .asset ? e.destinationFolder : e.exportTo == .drive ? e.driveFolder : e.bucket
                lines += ["engine=earthengine", "earthengine.project=\(e.project)", "earthengine.collection=\(e.collection)",
                          "earthengine.export=\(e.exportTo.rawValue):\(target)"]
            }
            lines.sort()
            return lines
        case .ndvi:
            // On the mask's own grid; B4 and B8 read under the same radiometric rule as the mask.
            return ["mask.ndvi_asset=\(p.mask.ndviAsset)", "mask.radiometric_offset=\(p.mask.radiometricOffset.rawValue)"]
        case .gapFill:
            // The series spans the extended range; outputs are written for the range itself.
            return ["dates=\(p.dates.start)…\(p.dates.end)", "extended=\(p.dates.extendedStart)…\(p.dates.extendedEnd)",
                    "gapfill.method=\(p.gapFill.method.rawValue)", "land=\(landDigest)"]
                + (p.gapFill.method == .seed ? ["gapfill.seed_literal=\(p.gapFill.seedLiteral)"] : [])
        case .productivity:
            let q = p.productivity
            return ["dates=\(p.dates.start)…\(p.dates.end)", "productivity.season_start=\(q.seasonStart)",
                    "productivity.start_fraction=\(q.startFraction)", "productivity.end_fraction=\(q.endFraction)",
                    "productivity.min_amplitude=\(q.minAmplitude)", "productivity.peak_fraction=\(q.peakFraction)"]
        default:
            return ["dates=\(p.dates.start)…\(p.dates.end)", "extended=\(p.dates.extendedStart)…\(p.dates.extendedEnd)",
                    "area.scale=\(p.area.scale)"]
        }
    }

    /// A block task's fingerprint: its stage's and the list of its inputs, so a block whose
    /// images changed is other work (redone, never taken for the old one).
    public static func blockDigest(stage: String, inputs: [TaskKey]) -> String {
        Fingerprint.digest(([stage] + inputs.map(\.description).sorted()).joined(separator: "\n"))
    }

    /// The lines of `self` that differ from `other`'s, for a log line such as
    /// "cloudmask: area.scale=30.0 -> area.scale=20.0".
    public func changes(from old: [String]) -> [String] {
        let before = Set(old), after = Set(lines)
        let removed = old.filter { !after.contains($0) }, added = lines.filter { !before.contains($0) }
        if removed.count == added.count {
            return zip(removed, added).map { "\($0) -> \($1)" }
        }
        return removed.map { "-\($0)" } + added.map { "+\($0)" }
    }
}
