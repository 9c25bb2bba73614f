/// Checks of meaning, after the types are right: ranges, date order, polygon shape. The TOML
/// reader adds the file and line to each issue.
extension Parameters {
    public func validate() -> [ParameterIssue] {
        var issues: [ParameterIssue] = []
        func require(_ ok: Bool, _ key: String, _ expected: String, _ found: @autoclosure () -> String) {
            if !ok { issues.append(ParameterIssue(key: key, expected: expected, found: found())) }
        }
        require(run.refresh >= 1 && run.refresh <= 3600, "run.refresh", "seconds between 1 and 3600", "\(run.refresh)")
        // Earth Engine refuses more than 3000 queued tasks (seed-algorithm.md §5).
        require((1...3000).contains(run.nbTaskMax), "run.nb_task_max", "a whole number from 1 to 3000", "\(run.nbTaskMax)")
        require((0...1024).contains(run.workers), "run.workers", "0 (one per core) to 1024", "\(run.workers)")
        require((1...100).contains(run.maxAttempts), "run.max_attempts", "1 to 100", "\(run.maxAttempts)")
        // The first wait; each further attempt doubles it, and no wait exceeds
        // SchedulerSettings.backoffCap (one hour), whatever this value.
        require(run.retryBackoff >= 0 && run.retryBackoff <= 86400, "run.retry_backoff",
                "seconds from 0 to 86400 (the first wait; doubled at each attempt, at most \(Int(SchedulerSettings.backoffCap)) s each)",
                "\(run.retryBackoff)")
        require(!run.catalog.isEmpty, "run.catalog", "a path or a STAC API URL", "an empty string")
        if run.catalogIsAPI && run.engine == .local {
            require(!run.collections.isEmpty && !run.collections.contains(where: \.isEmpty), "run.collections",
                    "the STAC API collections to search (e.g. [\"sentinel-2-l1c\"]) when run.catalog is a URL",
                    run.collections.isEmpty ? "[]" : "an empty name")
        }
        require((0...100).contains(run.maxCloudCover), "run.max_cloud_cover", "a percentage from 0 to 100", "\(run.maxCloudCover)")
        require(!run.output.isEmpty, "run.output", "a path", "an empty string")
        require(!run.statusStore.isEmpty, "run.status_store", "a path", "an empty string")

        require(dates.start <= dates.end, "dates.date_end", "a date on or after date_start (\(dates.start))", "\(dates.end)")
        require((0...3650).contains(dates.nbDaysBefore), "dates.nb_days_before", "0 to 3650 days", "\(dates.nbDaysBefore)")
        require((0...3650).contains(dates.nbDaysAfter), "dates.nb_days_after", "0 to 3650 days", "\(dates.nbDaysAfter)")

        issues += Self.polygonIssues(area.geometry, key: "area.geometry")
        require(!area.landGeometry.isEmpty, "area.land_geometry", "a vector file or an Earth Engine asset path", "an empty string")
        require(area.scale >= 1 && area.scale <= 10000, "area.scale", "metres from 1 to 10000", "\(area.scale)")
        for (i, id) in area.imageToExclude.enumerated() where id.isEmpty {
            issues.append(ParameterIssue(key: "area.image_to_exclude[\(i)]", expected: "an image id", found: "an empty string"))
        }

        require(mask.coefNormalisation > 0, "mask.coef_normalisation", "a positive number", "\(mask.coefNormalisation)")
        require((1...10000).contains(mask.numberTrees), "mask.number_trees", "1 to 10000", "\(mask.numberTrees)")
        require(mask.cutoff >= 0 && mask.cutoff <= 1, "mask.cutoff", "a probability from 0 to 1", "\(mask.cutoff)")
        require((1...500).contains(mask.numberOfImages), "mask.number_of_images", "1 to 500", "\(mask.numberOfImages)")
        require(mask.numberPreselect >= mask.numberOfImages && mask.numberPreselect <= 1000,
                "mask.number_preselect", "at least number_of_images (\(mask.numberOfImages)) and at most 1000", "\(mask.numberPreselect)")
        require(!mask.ndviAsset.isEmpty, "mask.ndvi_asset", "an asset name", "an empty string")
        require((64...1_048_576).contains(gapFill.memoryMB), "gapfill.memory_mb", "megabytes from 64 to 1048576", "\(gapFill.memoryMB)")
        require(productivity.seasonStartMonthDay != nil, "productivity.season_start", "a month and day \"MM-DD\" such as \"01-01\"", "\"\(productivity.seasonStart)\"")
        require(productivity.startFraction > 0 && productivity.startFraction < 1, "productivity.start_fraction", "a fraction of the amplitude between 0 and 1, exclusive", "\(productivity.startFraction)")
        require(productivity.endFraction > 0 && productivity.endFraction < 1, "productivity.end_fraction", "a fraction of the amplitude between 0 and 1, exclusive", "\(productivity.endFraction)")
        require(productivity.minAmplitude >= 0 && productivity.minAmplitude <= 2, "productivity.min_amplitude", "NDVI from 0 to 2", "\(productivity.minAmplitude)")
        require(productivity.peakFraction > max(productivity.startFraction, productivity.endFraction) && productivity.peakFraction < 1,
                "productivity.peak_fraction", "a fraction above start_fraction and end_fraction and below 1", "\(productivity.peakFraction)")
        require(mask.numberHours >= 0 && mask.numberHours <= 8760, "mask.number_hours", "hours from 0 to 8760", "\(mask.numberHours)")
        // A candidate must cover *more than* this: 1 would admit none.
        require(mask.commonArea >= 0 && mask.commonArea < 1, "mask.common_area", "a fraction from 0 to less than 1", "\(mask.commonArea)")
        require(!mask.model.isEmpty || mask.method != .seed, "mask.model", "the path of a cloud model file (`verdant train`)", "\"\"")
        require(mask.sclClasses.allSatisfy { (0...11).contains($0) } && !mask.sclClasses.isEmpty, "mask.scl_classes",
                "Sen2Cor classes from 0 to 11", "\(mask.sclClasses)")
        require(mask.probabilityThreshold >= 0, "mask.probability_threshold",
                "a number at least 0, in the asset's units", "\(mask.probabilityThreshold)")
        for (key, value) in [("mask.scl_asset", mask.sclAsset), ("mask.probability_asset", mask.probabilityAsset), ("mask.mask_asset", mask.maskAsset)] {
            require(!value.isEmpty, key, "an asset key of the catalog's items", "\"\"")
        }
        let c = mask.clustering
        require((10...1_000_000).contains(c.numPixels), "mask.clustering.num_pixels", "10 to 1000000", "\(c.numPixels)")
        require((2...100).contains(c.nClusters), "mask.clustering.n_clusters", "2 to 100", "\(c.nClusters)")
        require(c.thresholdDifCloud >= 0 && c.thresholdDifCloud <= 1, "mask.clustering.threshold_dif_cloud", "0 to 1", "\(c.thresholdDifCloud)")
        require(c.thresholdReflectance >= 0 && c.thresholdReflectance <= 2, "mask.clustering.threshold_reflectance", "0 to 2", "\(c.thresholdReflectance)")
        require((0...50).contains(c.growingRatio), "mask.clustering.growing_ratio", "0 to 50 pixels", "\(c.growingRatio)")
        require(c.samplingScale >= 1 && c.samplingScale <= 10000, "mask.clustering.sampling_scale", "metres from 1 to 10000", "\(c.samplingScale)")
        let unknownBands = c.bandsThresholds.filter { !sentinel2Bands.contains($0) }
        require(!c.bandsThresholds.isEmpty && unknownBands.isEmpty, "mask.clustering.bands_thresholds",
                "Sentinel-2 band names (\(sentinel2Bands.joined(separator: " ")))", "\(c.bandsThresholds)")

        if run.engine == .earthEngine {
            let ee = earthEngine
            switch ee.exportTo {
            case .asset:
                require(ee.destinationProblem == nil, "earthengine.destination_folder",
                        "an ImageCollection asset for the masks when engine = \"earthengine\": \(ee.destinationProblem ?? "")", "\"\(ee.destinationFolder)\"")
            case .drive:
                require(!ee.driveFolder.isEmpty && !ee.driveFolder.contains("/"), "earthengine.drive_folder",
                        "a Google Drive folder name (no slash) when export_to = \"drive\"", "\"\(ee.driveFolder)\"")
            case .cloudStorage:
                require(ee.bucketProblem == nil, "earthengine.bucket", "\(ee.bucketProblem ?? "") when export_to = \"cloud-storage\"", "\"\(ee.bucket)\"")
            }
            require(ee.apiURL.hasPrefix("https://") || ee.apiURL.hasPrefix("http://"), "earthengine.api_url",
                    "an http(s) URL (default https://earthengine.googleapis.com)", "\"\(ee.apiURL)\"")
            require(ee.assetMargin >= 0, "earthengine.asset_margin", "a whole number of assets, at least 0", "\(ee.assetMargin)")
            require(!ee.collection.isEmpty, "earthengine.collection", "a Sentinel-2 L1C collection id", "an empty string")
            // What the Earth Engine engine computes today: the single-image tests, masks only.
            require([.seed, .hollstein, .probability, .scl].contains(mask.method), "mask.method",
                    "\"seed\", \"hollstein\", \"probability\" or \"scl\" when engine = \"earthengine\" (\"mask\" reads a local asset)",
                    "\"\(mask.method.rawValue)\"")
            require(run.until == .cloudmask || run.until == .gapfill, "run.until",
                    "\"cloudmask\" or \"gapfill\" when engine = \"earthengine\" (NDVI is computed inside the gap-filling export there; productivity runs on the local engine only)",
                    "\"\(run.until.rawValue)\"")
            if run.until == .gapfill {
                // The harmonic cascade is what Earth Engine's linearRegression computes; the
                // other methods interpolate along each pixel's series, which it cannot.
                require(gapFill.method == .seed, "gapfill.method", "\"seed\" (the harmonic cascade) when engine = \"earthengine\" and run.until = \"gapfill\"",
                        "\"\(gapFill.method.rawValue)\"")
                // The gap filling reads the masks back: Earth Engine reads assets and Cloud
                // Storage GeoTIFFs, not Drive files.
                require(ee.exportTo != .drive, "earthengine.export_to",
                        "\"asset\" or \"cloud-storage\" when run.until = \"gapfill\" (Earth Engine cannot read the masks back from Google Drive)", "\"drive\"")
            }
        }
        return issues
    }

    /// A GeoJSON polygon: closed rings of at least four [lon, lat] points within range, each
    /// ring simple (no edge crossing or touching another), no two rings sharing a point, the
    /// holes inside the outer ring, the outer ring counter-clockwise and holes clockwise
    /// (RFC 7946 §3.1.6). Each ring gets at most one issue, the first of these that fails.
    public static func polygonIssues(_ rings: PolygonCoordinates, key: String) -> [ParameterIssue] {
        guard !rings.isEmpty else {
            return [ParameterIssue(key: key, expected: "a polygon [[[lon, lat], ...]] with at least one ring", found: "no ring")]
        }
        let ringIssues = rings.enumerated().map { r, ring in ringIssue(ring, number: r, key: key) }
        var issues = ringIssues.compactMap { $0 }
        // How rings lie against each other means something only for rings sound on their own.
        let sound = rings.indices.filter { ringIssues[$0] == nil }
        for r in sound where r > 0 {
            if let issue = placementIssue(of: r, among: rings, checkedAgainst: sound.filter { $0 < r }, key: key) {
                issues.append(issue)
            }
        }
        return issues
    }

    static func ringIssue(_ ring: [[Double]], number r: Int, key: String) -> ParameterIssue? {
        let where_ = "\(key) ring \(r)"
        if let bad = ring.firstIndex(where: { $0.count != 2 }) {
            return ParameterIssue(key: where_, expected: "points of two numbers [lon, lat]", found: "point \(bad) with \(ring[bad].count)")
        }
        if let bad = ring.firstIndex(where: { !(-180...180).contains($0[0]) || !(-90...90).contains($0[1]) }) {
            return ParameterIssue(key: where_, expected: "lon in -180...180 and lat in -90...90 (EPSG:4326, lon first)",
                                  found: "point \(bad) = \(ring[bad])")
        }
        guard ring.count >= 4 else {
            return ParameterIssue(key: where_, expected: "at least 4 points (3 corners and the first repeated)", found: "\(ring.count)")
        }
        guard ring.first == ring.last else {
            return ParameterIssue(key: where_, expected: "a closed ring: the last point equal to the first \(ring[0])",
                                  found: "\(ring[ring.count - 1])")
        }
        // Before the winding: the signed area of a ring crossing itself has no meaning, so a
        // bow-tie would otherwise be blamed on its winding, or pass.
        let edges = PolygonSimplicity.edges(ring)
        if PolygonSimplicity.isFlat(edges) {
            return ParameterIssue(key: where_, expected: "a ring enclosing an area", found: "points on one line")
        }
        if let meeting = PolygonSimplicity.firstSelfMeeting(edges) {
            return ParameterIssue(key: where_, expected: "a simple ring (edges must not cross or touch)",
                                  found: describe(meeting, otherRing: nil))
        }
        let area = signedArea(ring)
        if (r == 0) != (area > 0) {
            let want = r == 0 ? "counter-clockwise (outer ring)" : "clockwise (hole)"
            return ParameterIssue(key: where_, expected: "\(want) winding as GeoJSON requires; reverse the order of its points",
                                  found: r == 0 ? "clockwise" : "counter-clockwise")
        }
        return nil
    }

    /// Hole `r` must share no point with the rings before it and lie inside the outer ring.
    static func placementIssue(of r: Int, among rings: PolygonCoordinates, checkedAgainst earlier: [Int],
                               key: String) -> ParameterIssue? {
        let where_ = "\(key) ring \(r)"
        for other in earlier {
            if let meeting = PolygonSimplicity.firstMeeting(rings[r], rings[other]) {
                let what = other == 0 ? "the outer ring (ring 0)" : "ring \(other)"
                return ParameterIssue(key: where_, expected: "a hole that neither crosses nor touches \(what)",
                                      found: describe(meeting, otherRing: other))
            }
        }
        // Sharing no point with ring 0, the hole is wholly inside it or wholly outside.
        let first = PolygonSimplicity.Point(x: rings[r][0][0], y: rings[r][0][1])
        if earlier.contains(0), !PolygonSimplicity.contains(rings[0], first) {
            return ParameterIssue(key: where_, expected: "a hole inside the outer ring (ring 0)",
                                  found: "point 0 = \(rings[r][0]) outside it")
        }
        return nil
    }

    /// `edge 1 ([-4.0, 56.0] → [-3.5, 56.3]) crossing edge 3 of ring 0 ([…] → […])`.
    static func describe(_ meeting: PolygonSimplicity.Meeting, otherRing: Int?) -> String {
        func text(_ edge: PolygonSimplicity.Edge, ring: Int?) -> String {
            let label = ring.map { "edge \(edge.index) of ring \($0)" } ?? "edge \(edge.index)"
            return "\(label) (\(coordinates(edge.start)) → \(coordinates(edge.end)))"
        }
        let first = text(meeting.first, ring: nil), second = text(meeting.second, ring: otherRing)
        switch meeting.contact {
        case .crossing: return "\(first) crossing \(second)"
        case .overlapping: return "\(first) overlapping \(second)"
        case .touching(let point): return "\(first) touching \(second) at \(coordinates(point))"
        }
    }

    static func coordinates(_ p: PolygonSimplicity.Point) -> String { "\([p.x, p.y])" }

    /// Shoelace formula: positive for counter-clockwise rings in lon/lat.
    static func signedArea(_ ring: [[Double]]) -> Double {
        var sum = 0.0
        for i in 0..<(ring.count - 1) {
            sum += ring[i][0] * ring[i + 1][1] - ring[i + 1][0] * ring[i][1]
        }
        return sum / 2
    }
}
