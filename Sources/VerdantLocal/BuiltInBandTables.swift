// The band tables of collections/*.toml compiled into the program: written by
// scripts/compile-band-tables.sh; a test keeps each text identical to its file.
enum BuiltInBandTables {
    static let texts: [(file: String, toml: String)] = [
        ("collections/cdse-sentinel-2-l1c.toml", #"""
        # A band table of verdant: how one collection names its assets (format: collections/README.md).
        # Copernicus Data Space Ecosystem, Level-1C: JPEG 2000 files in s3://eodata (CDSE S3 keys in
        # AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, AWS_S3_ENDPOINT=eodata.dataspace.copernicus.eu).
        name = "cdse-sentinel-2-l1c"
        api = "https://stac.dataspace.copernicus.eu/v1"
        collection = "sentinel-2-l1c"
        level = "L1C"

        [bands]
        B1 = "B01"
        B2 = "B02"
        B3 = "B03"
        B4 = "B04"
        B5 = "B05"
        B6 = "B06"
        B7 = "B07"
        B8 = "B08"
        B8A = "B8A"
        B9 = "B09"
        B10 = "B10"
        B11 = "B11"
        B12 = "B12"

        [assets]
        """#),
        ("collections/cdse-sentinel-2-l2a.toml", #"""
        # A band table of verdant: how one collection names its assets (format: collections/README.md).
        # Copernicus Data Space Ecosystem, Level-2A: JPEG 2000 files in s3://eodata, each band at 10, 20
        # and 60 m; verdant reads the native one. Credentials as for cdse-sentinel-2-l1c.
        name = "cdse-sentinel-2-l2a"
        api = "https://stac.dataspace.copernicus.eu/v1"
        collection = "sentinel-2-l2a"
        level = "L2A"

        [bands]
        B1 = "B01_60m"
        B2 = "B02_10m"
        B3 = "B03_10m"
        B4 = "B04_10m"
        B5 = "B05_20m"
        B6 = "B06_20m"
        B7 = "B07_20m"
        B8 = "B08_10m"
        B8A = "B8A_20m"
        B9 = "B09_60m"
        B11 = "B11_20m"
        B12 = "B12_20m"

        [assets]
        scl = "SCL_20m"
        """#),
        ("collections/earth-search-sentinel-2-c1-l2a.toml", #"""
        # A band table of verdant: how one collection names its assets (format: collections/README.md).
        # Earth Search (Element 84), Level-2A Collection 1: the reprocessed archive, Cloud-optimized
        # GeoTIFFs, public over https (raster:bands give scale and offset).
        name = "earth-search-sentinel-2-c1-l2a"
        api = "https://earth-search.aws.element84.com/v1"
        collection = "sentinel-2-c1-l2a"
        level = "L2A"

        [bands]
        B1 = "coastal"
        B2 = "blue"
        B3 = "green"
        B4 = "red"
        B5 = "rededge1"
        B6 = "rededge2"
        B7 = "rededge3"
        B8 = "nir"
        B8A = "nir08"
        B9 = "nir09"
        B11 = "swir16"
        B12 = "swir22"

        [assets]
        scl = "scl"
        """#),
        ("collections/earth-search-sentinel-2-l1c.toml", #"""
        # A band table of verdant: how one collection names its assets (format: collections/README.md).
        # Earth Search (Element 84), Level-1C: JPEG 2000 files in the requester-pays bucket
        # s3://sentinel-s2-l1c (read with AWS credentials and AWS_REQUEST_PAYER=requester).
        name = "earth-search-sentinel-2-l1c"
        api = "https://earth-search.aws.element84.com/v1"
        collection = "sentinel-2-l1c"
        level = "L1C"

        [bands]
        B1 = "coastal"
        B2 = "blue"
        B3 = "green"
        B4 = "red"
        B5 = "rededge1"
        B6 = "rededge2"
        B7 = "rededge3"
        B8 = "nir"
        B8A = "nir08"
        B9 = "nir09"
        B10 = "cirrus"
        B11 = "swir16"
        B12 = "swir22"

        [assets]
        """#),
        ("collections/earth-search-sentinel-2-l2a.toml", #"""
        # A band table of verdant: how one collection names its assets (format: collections/README.md).
        # Earth Search (Element 84), Level-2A: Cloud-optimized GeoTIFFs, public over https (Sen2Cor
        # surface reflectance; raster:bands give scale and, from baseline 04.00, offset).
        name = "earth-search-sentinel-2-l2a"
        api = "https://earth-search.aws.element84.com/v1"
        collection = "sentinel-2-l2a"
        level = "L2A"

        [bands]
        B1 = "coastal"
        B2 = "blue"
        B3 = "green"
        B4 = "red"
        B5 = "rededge1"
        B6 = "rededge2"
        B7 = "rededge3"
        B8 = "nir"
        B8A = "nir08"
        B9 = "nir09"
        B11 = "swir16"
        B12 = "swir22"

        [assets]
        scl = "scl"
        """#),
        ("collections/planetary-computer-sentinel-2-l2a.toml", #"""
        # A band table of verdant: how one collection names its assets (format: collections/README.md).
        # Microsoft Planetary Computer, Level-2A: Cloud-optimized GeoTIFFs behind short-lived SAS
        # tokens (sign the hrefs before reading; verdant does not).
        name = "planetary-computer-sentinel-2-l2a"
        api = "https://planetarycomputer.microsoft.com/api/stac/v1"
        collection = "sentinel-2-l2a"
        level = "L2A"

        [bands]
        B1 = "B01"
        B2 = "B02"
        B3 = "B03"
        B4 = "B04"
        B5 = "B05"
        B6 = "B06"
        B7 = "B07"
        B8 = "B08"
        B8A = "B8A"
        B9 = "B09"
        B11 = "B11"
        B12 = "B12"

        [assets]
        scl = "SCL"
        """#),
        ("collections/safe-msil1c.toml", #"""
        # A band table of verdant: how one collection names its assets (format: collections/README.md).
        # SAFE products of Level-1C (folders or zips from the Copernicus Browser): the band files
        # GRANULE/<granule>/IMG_DATA/T<tile>_<time>_<code>.jp2.
        name = "safe-msil1c"
        api = ""
        collection = "S2MSI1C"
        level = "L1C"

        [bands]
        B1 = "B01"
        B2 = "B02"
        B3 = "B03"
        B4 = "B04"
        B5 = "B05"
        B6 = "B06"
        B7 = "B07"
        B8 = "B08"
        B8A = "B8A"
        B9 = "B09"
        B10 = "B10"
        B11 = "B11"
        B12 = "B12"

        [assets]
        """#),
        ("collections/safe-msil2a.toml", #"""
        # A band table of verdant: how one collection names its assets (format: collections/README.md).
        # SAFE products of Level-2A: GRANULE/<granule>/IMG_DATA/R<res>m/T<tile>_<time>_<code>.jp2, each
        # band at its native resolution; the scene classification and Sen2Cor's cloud probability
        # (QI_DATA/MSK_CLDPRB_20m.jp2, 0–100).
        name = "safe-msil2a"
        api = ""
        collection = "S2MSI2A"
        level = "L2A"

        [bands]
        B1 = "B01_60m"
        B2 = "B02_10m"
        B3 = "B03_10m"
        B4 = "B04_10m"
        B5 = "B05_20m"
        B6 = "B06_20m"
        B7 = "B07_20m"
        B8 = "B08_10m"
        B8A = "B8A_20m"
        B9 = "B09_60m"
        B11 = "B11_20m"
        B12 = "B12_20m"

        [assets]
        scl = "SCL_20m"
        cloud_probability = "MSK_CLDPRB_20m"
        """#),
    ]
}
