/// The gap-filling methods by name (`gapfill.method`), one entry point for the job, the
/// evaluation command and the benchmark.
public enum GapFiller {
    /// The default first.
    public static let names = ["harmonic-residual", "linear", "seed"]

    /// nil for an unknown name.
    public static func fill(_ cube: SeriesCube, time: SeriesTime, method: String, seedLiteral: Bool = false) -> FilledSeries? {
        switch method {
        case "seed": return SeedCascade(literal: seedLiteral).fill(cube, time: time)
        case "linear": return LinearFill().fill(cube, time: time)
        case "harmonic-residual": return HarmonicResidual().fill(cube, time: time)
        default: return nil
        }
    }
}
