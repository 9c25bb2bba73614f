import TOMLKit
import VerdantCore

/// The TOML layout: which table and key fills which field of the model. Keys absent from the
/// file keep the model's defaults. The order of reads is the order keys are listed in messages.
extension ParametersFile {
    static func read(_ document: TOMLTable, into p: inout Parameters, issues: IssueCollector) {
        var root = TableReader(root: document, issues: issues)

        var run = root.subtable("run")
        run.read("engine", .oneOf(EngineKind.self), into: &p.run.engine)
        run.read("catalog", .text, into: &p.run.catalog)
        run.read("output", .text, into: &p.run.output)
        run.read("status_store", .text, into: &p.run.statusStore)
        run.read("log_file", .text, into: &p.run.logFile)
        run.read("exported_json", .text, into: &p.run.exportedJson)
        run.read("refresh", .number, into: &p.run.refresh)
        run.read("nb_task_max", .wholeNumber, into: &p.run.nbTaskMax)
        run.read("workers", .wholeNumber, into: &p.run.workers)
        run.read("max_attempts", .wholeNumber, into: &p.run.maxAttempts)
        run.read("retry_backoff", .number, into: &p.run.retryBackoff)
        run.read("until", .oneOf(LastStage.self), into: &p.run.until)
        run.reportUnknownKeys()

        var dates = root.subtable("dates")
        dates.read("date_start", .date, into: &p.dates.start)
        dates.read("date_end", .date, into: &p.dates.end)
        dates.read("nb_days_before", .wholeNumber, into: &p.dates.nbDaysBefore)
        dates.read("nb_days_after", .wholeNumber, into: &p.dates.nbDaysAfter)
        dates.reportUnknownKeys()

        var area = root.subtable("area")
        area.read("geometry", .polygon, into: &p.area.geometry)
        area.read("land_geometry", .text, into: &p.area.landGeometry)
        area.read("image_to_exclude", .texts, into: &p.area.imageToExclude)
        area.read("scale", .number, into: &p.area.scale)
        area.reportUnknownKeys()

        var mask = root.subtable("mask")
        mask.read("method", .oneOf(MaskMethod.self), into: &p.mask.method)
        mask.read("model", .text, into: &p.mask.model)
        mask.read("radiometric_offset", .oneOf(RadiometricOffset.self), into: &p.mask.radiometricOffset)
        mask.read("scl_asset", .text, into: &p.mask.sclAsset)
        mask.read("scl_classes", .wholeNumbers, into: &p.mask.sclClasses)
        mask.read("probability_asset", .text, into: &p.mask.probabilityAsset)
        mask.read("probability_threshold", .number, into: &p.mask.probabilityThreshold)
        mask.read("mask_asset", .text, into: &p.mask.maskAsset)
        mask.read("coef_normalisation", .number, into: &p.mask.coefNormalisation)
        mask.read("number_trees", .wholeNumber, into: &p.mask.numberTrees)
        mask.read("cutoff", .number, into: &p.mask.cutoff)
        mask.read("number_of_images", .wholeNumber, into: &p.mask.numberOfImages)
        mask.read("number_preselect", .wholeNumber, into: &p.mask.numberPreselect)
        mask.read("allow_future", .flag, into: &p.mask.allowFuture)
        mask.read("number_hours", .number, into: &p.mask.numberHours)
        mask.read("common_area", .number, into: &p.mask.commonArea)
        mask.read("fallback", .oneOf(MaskFallback.self), into: &p.mask.fallback)
        mask.read("ndvi_asset", .text, into: &p.mask.ndviAsset)

        var clustering = mask.subtable("clustering")
        clustering.read("num_pixels", .wholeNumber, into: &p.mask.clustering.numPixels)
        clustering.read("n_clusters", .wholeNumber, into: &p.mask.clustering.nClusters)
        clustering.read("threshold_dif_cloud", .number, into: &p.mask.clustering.thresholdDifCloud)
        clustering.read("threshold_reflectance", .number, into: &p.mask.clustering.thresholdReflectance)
        clustering.read("bands_thresholds", .texts, into: &p.mask.clustering.bandsThresholds)
        clustering.read("growing_ratio", .wholeNumber, into: &p.mask.clustering.growingRatio)
        clustering.read("sampling_scale", .number, into: &p.mask.clustering.samplingScale)
        clustering.read("do_clustering", .flag, into: &p.mask.clustering.doClustering)
        clustering.reportUnknownKeys()
        mask.reportUnknownKeys()

        var gapFill = root.subtable("gapfill")
        gapFill.read("method", .oneOf(GapFillMethod.self), into: &p.gapFill.method)
        gapFill.read("seed_literal", .flag, into: &p.gapFill.seedLiteral)
        gapFill.read("memory_mb", .wholeNumber, into: &p.gapFill.memoryMB)
        gapFill.reportUnknownKeys()

        var productivity = root.subtable("productivity")
        productivity.read("season_start", .text, into: &p.productivity.seasonStart)
        productivity.read("start_fraction", .number, into: &p.productivity.startFraction)
        productivity.read("end_fraction", .number, into: &p.productivity.endFraction)
        productivity.read("min_amplitude", .number, into: &p.productivity.minAmplitude)
        productivity.read("peak_fraction", .number, into: &p.productivity.peakFraction)
        productivity.reportUnknownKeys()

        var earthEngine = root.subtable("earthengine")
        earthEngine.read("project", .text, into: &p.earthEngine.project)
        earthEngine.read("collection", .text, into: &p.earthEngine.collection)
        earthEngine.read("destination_folder", .text, into: &p.earthEngine.destinationFolder)
        earthEngine.reportUnknownKeys()

        var dashboard = root.subtable("dashboard")
        dashboard.read("theme", .text, into: &p.dashboard.theme)
        dashboard.read("keys", .text, into: &p.dashboard.keys)
        dashboard.reportUnknownKeys()

        root.reportUnknownKeys()
    }
}
