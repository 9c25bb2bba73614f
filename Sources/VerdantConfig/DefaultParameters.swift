/// The parameters file `verdant init` writes, and the repository's own parameters.toml (a test
/// keeps the two identical). It configures the sample data, so `verdant demo` runs as is.
public enum DefaultParameters {
    public static let toml: String = #"""
    # verdant parameters: the file `verdant init` writes.
    #
    # Every key is optional: a key left out takes the default given in its comment. Unknown keys
    # and tables are errors, so a typo is reported instead of silently ignored. Relative paths are
    # resolved against the folder of this file. Names in parentheses are the original Python
    # script's (seed-algorithm.md §1).
    #
    # As written, it runs on the sample data shipped with the repository:
    #   verdant demo      or      verdant run --parameters parameters.toml
    #
    # Runs follow this file: at every start, images no longer matched by [dates], [area] or
    # the exclusions leave the queue (EXCLUDED or OUT_OF_AREA, with the reason; they come back
    # when the parameters do), and outputs made under other values of the keys that define
    # them (scale, mask method and coefficients, the land file's content) are redone.
    # `verdant check` says what a run would change.

    [run]
    # Where images are processed: "local" (this machine, GDAL) or "earthengine" (Google Earth
    # Engine batch tasks). Default "local".
    engine = "local"
    # Images to process: a static STAC catalog (catalog.json), an ItemCollection
    # (.json/.geojson), a STAC API's root URL searched for `collections`, e.g.
    # "https://earth-search.aws.element84.com/v1", or a folder of SAFE products (.SAFE folders
    # and .zip files, L1C or L2A; or one product) (README "Real inputs"). Local engine only.
    # Default "samples/series/catalog.json" (68 real dates of one site;
    # samples/catalog/catalog.json holds the scenes with all 13 bands).
    catalog = "samples/series/catalog.json"
    # With a STAC API catalog: the collections searched, e.g. ["sentinel-2-l1c"]. The search's
    # items are recorded in <output>/stac/ and listed from there until the dates,
    # area, collections or cloud cover change, or `verdant discover --refresh`. Default [].
    collections = []
    # With a STAC API catalog: items above this cloud cover (percent) are not listed; 100
    # sends no filter. Default 100.
    max_cloud_cover = 100
    # Folder receiving the outputs, one folder per stage: <output>/cloudmask/<id>/<id>.tif,
    # <output>/ndvi/<id>/<id>.tif, each with its JSON sidecar; per tile block
    # <output>/gapfill/<block>/<date>.tif and <output>/productivity/<block>/<season>.tif.
    # Default "output".
    output = "output"
    # SQLite status store, one row per image and stage, with the journal of every change (the
    # original's excel_file). Default "output/status.sqlite".
    status_store = "output/status.sqlite"
    # Log file (LOG_FILE). Default "output/verdant.log".
    log_file = "output/verdant.log"
    # JSON object describing images already exported elsewhere; they are not processed again
    # (JSON_FILE). Optional, no default: uncomment to use.
    # exported_json = "exported.json"
    # Seconds between two status polls of running tasks (the local engine also wakes the run
    # when a task ends). Default 30.
    refresh = 30
    # Tasks in flight at once, all stages together (nb_task_max); Earth Engine refuses more than
    # 3000 queued, counting other programs' tasks, and a run never submits beyond what the
    # engine reports free. Default 30.
    nb_task_max = 30
    # Local engine jobs run at once; 0 means one per CPU core. Default 0.
    workers = 0
    # Attempts per task before it is marked failed. Errors that cannot heal by waiting (a
    # missing file or band) fail at once; errors of the machine (disk full, output folder not
    # writable) hold the run instead and are not counted. A later run tries failed tasks again
    # while they have attempts left (raise this to give them more); `verdant retry` starts
    # them afresh. Default 3.
    max_attempts = 3
    # Seconds to wait before retrying a failed image, doubled at each further attempt (at most
    # one hour). Default 60.
    retry_backoff = 60
    # The last stage to run: "cloudmask", "ndvi", "gapfill" (the filled NDVI series) or
    # "productivity" (the season maps, after all the others); on Earth Engine "cloudmask" or
    # "gapfill". Default "productivity".
    until = "productivity"

    [dates]
    # First day of the analysis range, included, "YYYY-MM-DD" (date_start). Default "2017-01-01".
    date_start = "2015-07-01"
    # Last day of the analysis range, included, "YYYY-MM-DD" (date_end). Default "2017-06-30".
    date_end = "2017-12-31"
    # Days added before the range, for extra images used by interpolation (nb_days_before).
    # Default 30.
    nb_days_before = 30
    # Days added after the range, likewise (nb_days_after). Default 30.
    nb_days_after = 30

    [area]
    # Polygon pre-filtering the images (geometry): [[[lon, lat], ...]] in degrees (EPSG:4326),
    # longitude first, the outer ring counter-clockwise and closed (last point = first), its
    # edges never crossing or touching each other; holes clockwise, inside the outer ring.
    # Default: a small area in Scotland. This one covers lon 12.0-15.5 E, lat 45.5-53.0 N: the
    # Slovenian sample site near 14.56 E 45.87 N and the scene west of Berlin near 12.6 E 52.5 N.
    geometry = [[
      [12.0, 45.5],
      [15.5, 45.5],
      [15.5, 53.0],
      [12.0, 53.0],
      [12.0, 45.5],
    ]]
    # Land area (land_geometry): pixels outside it are masked, and an image that does not
    # intersect it is skipped as "Out of area". A vector file (GeoJSON, GeoPackage, Shapefile),
    # or with engine = "earthengine" an asset path such as "users/NAME/UK_border" or
    # "projects/...". Default "samples/land.geojson".
    land_geometry = "samples/land.geojson"
    # Image ids never to process (image_to_exclude). Default [] (none).
    image_to_exclude = []
    # Metres per output pixel (the original's export scale). Default 30.
    scale = 30

    [mask]
    # Cloud detection method (seed-algorithm.md §2-4). Default "seed".
    #   "seed": the original's full model: Hollstein's single-image tests, the multitemporal
    #     tests against backgrounds of neighbour images of the same tile (keys below and
    #     [mask.clustering]), and a random forest's P(cloud) > cutoff.
    #   "hollstein": the single-image tests alone, tree2 OR tree3.
    #   "scl": Sen2Cor's scene classification asset (scl_asset, scl_classes).
    #   "probability": a cloud-probability asset such as s2cloudless's
    #     (probability_asset, probability_threshold); not Cloud Score+, whose score is of clear
    #     sky (1 = clear).
    #   "mask": an existing 0/1 cloud-mask asset (mask_asset).
    # An image without the asset its method reads fails with the asset's name.
    method = "seed"
    # The random forest of method "seed": a model file made by `verdant train` (README, "Cloud
    # model"). Default "models/cloud-forest.json": that file beside this one, else the model
    # built into verdant.
    model = "models/cloud-forest.json"
    # The -1000 DN offset of processing baseline 04.00 and later (from 2022-01-25): "auto"
    # (from the item: its assets' raster:bands offset, else s2:processing_baseline, else the
    # acquisition date), "remove" (always) or "keep" (never). Default "auto".
    radiometric_offset = "auto"
    # Method "scl": the items' asset of Sen2Cor classes. Default "scl".
    scl_asset = "scl"
    # Method "scl": the classes that are cloud (3 cloud shadow, 8 and 9 cloud, 10 cirrus).
    # Default [3, 8, 9, 10].
    scl_classes = [3, 8, 9, 10]
    # Method "probability": the items' cloud-probability asset. Default "cloud_probability".
    probability_asset = "cloud_probability"
    # Method "probability": cloud where the asset's value, after its raster:bands scale and
    # offset, exceeds this (0.4 for a 0-1 probability, 40 for a 0-100 one). Default 0.4.
    probability_threshold = 0.4
    # Method "mask": the items' 0/1 cloud-mask asset (1 = cloud). Default "cloud_mask".
    mask_asset = "cloud_mask"
    # Reflectance = digital number / this (COEF_NORMALISATION). Default 10000.
    coef_normalisation = 10000
    # Random forest size in trees (NUMBER_TREES), for `verdant train`; a model file keeps the
    # trees it was trained with. Default 500.
    number_trees = 500
    # Random forest cut-off: cloud when P(cloud) > cutoff, 0 to 1 (CUTTOF). Default 0.29.
    cutoff = 0.29
    # Images used to build the cloud-free background (number_of_images). Default 20.
    number_of_images = 20
    # Candidate images before keeping the least cloudy number_of_images (number_preselect);
    # at least number_of_images. Default 40.
    number_preselect = 40
    # When fewer than number_of_images earlier images exist, also take later ones
    # (allow_future). Default true.
    allow_future = true
    # Hours: candidates within plus or minus this of the image are excluded (NUMBER_HOURS).
    # Default 18.
    number_hours = 18
    # A candidate must cover more than this fraction of the image footprint, 0 to less than 1
    # (COMMON_AREA). Default 0.95.
    common_area = 0.95
    # An image without the bands the method reads (an NDVI-only item): "mask" takes its
    # mask_asset instead (the sidecar says so), "none" fails it naming the band. Default "mask".
    fallback = "mask"
    # The items' NDVI asset: an item that has it gives its NDVI from it, cut by its mask,
    # instead of from B4 and B8 (its missing values stay missing). Default "ndvi".
    ndvi_asset = "ndvi"

    [mask.clustering]
    # Clustering of the differences to the background (seed-algorithm.md §3, step 5-7).
    # Pixels sampled to fit k-means (numPixels). Default 5000.
    num_pixels = 5000
    # Number of k-means clusters (n_clusters). Default 10.
    n_clusters = 10
    # Cloud when a cluster's multitemporal score exceeds this, in reflectance
    # (threshold_dif_cloud). Default 0.04.
    threshold_dif_cloud = 0.04
    # ...and its reflectance score exceeds this, in reflectance (threshold_reflectance).
    # Default 0.175.
    threshold_reflectance = 0.175
    # Sentinel-2 bands the two scores are computed on (bands_thresholds). Default ["B4", "B3", "B2"].
    bands_thresholds = ["B4", "B3", "B2"]
    # Radius in pixels of the disc of the morphological opening of the cloud mask
    # (growing_ratio). Default 2.
    growing_ratio = 2
    # Metres per pixel at which pixels are sampled for k-means. Default 30.
    sampling_scale = 30
    # false: the two scores per pixel instead of per cluster (no k-means). Default true.
    do_clustering = true

    [gapfill]
    # Filling the cloudy gaps of each pixel's NDVI series over the extended date range
    # (README "Gap filling"); observed values are never replaced.
    # Method: "harmonic-residual" (a 1- or 2-harmonic baseline per pixel plus the residuals of
    # the clear values around each gap, interpolated and faded over 10 days; with a 90 %
    # interval), "linear" (straight lines between clear values) or "seed" (the original's
    # 10/5/1-harmonic cascade, seed-algorithm.md §6). Default "harmonic-residual".
    method = "harmonic-residual"
    # Method "seed": also lay the fits over the observed values, as the original did (for
    # comparison only: it changes real observations). Default false.
    seed_literal = false
    # Megabytes of series one gap-filling job holds; a tile is processed in row windows that
    # fit. Default 1024.
    memory_mb = 1024

    [productivity]
    # Season maps from each pixel's gap-filled series on a daily grid (README "Productivity").
    # Seasons run one year from this month and day, "MM-DD", clipped to the date range.
    # Default "01-01".
    season_start = "01-01"
    # Start of season: where the rising curve crosses its minimum before the peak + this ×
    # (peak - that minimum). Default 0.25.
    start_fraction = 0.25
    # End of season: where the falling curve crosses its minimum after the peak + this ×
    # (peak - that minimum). Default 0.15.
    end_fraction = 0.15
    # No season where the amplitude (NDVI) is below this. Default 0.05.
    min_amplitude = 0.05
    # The peak window: days above base + this × amplitude, base being the mean of the two
    # minima. Default 0.9.
    peak_fraction = 0.9

    [earthengine]
    # Used only with engine = "earthengine" (README "Running on Earth Engine"). Earth Engine
    # runs the masks with mask.method "seed", "hollstein", "probability"
    # (COPERNICUS/S2_CLOUD_PROBABILITY / 100 > probability_threshold) or "scl" (the SCL band of
    # COPERNICUS/S2_SR_HARMONIZED in scl_classes), and with run.until = "gapfill" the harmonic
    # cascade of each tile (gapfill.method "seed"; NDVI is computed inside it), written beside
    # the masks: <destination_folder>_gapfill or <bucket>/gapfill/, not to Drive.
    # Google Cloud project the requests are billed to. Default "" (the project the credentials
    # file names).
    project = ""
    # A service-account JSON key, or the credentials file `earthengine authenticate` writes
    # (with client_id and client_secret). Keep it private (chmod 600). Default "" (the file
    # named by GOOGLE_APPLICATION_CREDENTIALS, else ~/.config/earthengine/credentials).
    credentials = ""
    # The REST API's address; tests point it at a fake server. Default
    # "https://earthengine.googleapis.com".
    api_url = "https://earthengine.googleapis.com"
    # Sentinel-2 Level-1C image collection to mask; the original's "COPERNICUS/S2" is deprecated
    # in favour of this one (seed-algorithm.md §1). Default "COPERNICUS/S2_HARMONIZED".
    collection = "COPERNICUS/S2_HARMONIZED"
    # Where the masks go: "asset" (an ImageCollection, destination_folder), "drive" (GeoTIFFs in
    # the Google Drive folder drive_folder) or "cloud-storage" (GeoTIFFs in bucket). Files lose
    # the images' metadata: verdant keeps it in metadata_file, as the original did. Default "asset".
    export_to = "asset"
    # ImageCollection receiving the masks (folder_GEE): "projects/PROJECT/assets/PATH" or a PATH
    # under the project's root; created with its parents when missing. Masks already in it made
    # under the same parameters are not made again; others it holds are not processed either
    # (the original's rule) unless verdant made them under other parameters, then they are
    # redone. Required with export_to = "asset". Default "" (none).
    destination_folder = ""
    # Google Drive folder receiving the masks with export_to = "drive". Default "" (none).
    drive_folder = ""
    # Cloud Storage bucket, optionally with a path prefix ("my-bucket/verdant/masks"), with
    # export_to = "cloud-storage". Default "" (none).
    bucket = ""
    # JSON metadata of the masks exported as files, keyed by file (geometry = footprint,
    # system:time_start, system:time_end in ms, and the parameters' fingerprint), written at the
    # start, every minute and at the end of a run; a mask listed in it under the same parameters
    # is not made again, and the file serves as another project's run.exported_json. Default ""
    # (<output>/earthengine-exports.json).
    metadata_file = ""
    # Submitting stops this many assets before the project's asset quota (the log, the status
    # and the dashboard say so). Default 100.
    asset_margin = 100

    [dashboard]
    # `verdant dashboard` (and a bare `verdant` on a terminal).
    # Colour theme: a file of themes/ without .toml (default, dark, light, high-contrast,
    # monochrome), or a path to a theme file; `t` cycles them. NO_COLOR, TERM=dumb and vt100
    # are respected whatever this says. Default "default".
    theme = "default"
    # TOML file rebinding keys ([keys] action = ["key", …]; README "Dashboard"). Optional, no
    # default: uncomment to use.
    # keys = "keys.toml"

    """#
}
