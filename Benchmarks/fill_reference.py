#!/usr/bin/env python3
"""Reference gap filling of an NDVI time series, for checking and timing verdant's Swift code.

Needs python3 + numpy, and either the GDAL Python bindings or GDAL's command line tools
(gdalbuildvrt, gdal_translate) to read the GeoTIFFs.

Methods
-------
seed          the seed cascade of docs/seed-algorithm.md section 6: per pixel OLS fits with
              n = 10, 5, 1 harmonics (+ intercept + linear trend) on the clear observations,
              t = 2*pi * (days since 1970-01-01 / 365.25); a fit exists only when the clear
              count > 2n + 2; for n > 1 fitted values outside the open interval (-1, 1) are
              dropped; final = observed where clear, else fit10, else fit5, else fit1.
              quality: -1 observed, 10 / 5 / 1 = the fit that filled, 0 = nodata (final NaN).
seed_literal  the original's defect: every date gets the cascade's fitted value, observed
              dates too (where no fit exists an observed value stays); quality as for seed.
harmres       the proposed default ("harmonic + decayed residual interpolation"): see
              harmres() below for the exact algorithm and constants, and band() for its 90 %
              interval. quality: -1 observed, 22 / 21 / 20 = filled with a 2-harmonic /
              1-harmonic / constant baseline, 0 = nodata.

Input
-----
--series DIR is either the shared data folder (index.json + ndvi/ + clm/, e.g.
/work/shared/data/eolearn_slovenia, the default) or verdant's STAC sample series
(samples/series: catalog.json + <ID>/ndvi.tif + <ID>/cloud_mask.tif). A clear observation is
clm == 0 and NDVI not NaN. --withheld CSV (header date_index,row,col,ndvi; row/col from the
top-left pixel) lists observations that are hidden (made missing) before anything is fitted.

Output (--out DIR): raw little-endian files a Swift program can read without numpy
------------------------------------------------------------------------------------
header.json            {"format": "verdant-fill-reference-1", "dates": D, "rows": R, "cols": C,
                        "order": "C order: index = (date * rows + row) * cols + col",
                        "datetimes": [...], "t_days": [...days since 1970-01-01 per date...],
                        "files": {name: {"dtype": "<f8"|"|i1"|"|u1", "what": "..."}}, ...}
input_ndvi.f64         float64 D*R*C, the NDVI as fitted (withheld points already NaN)
input_clear.u8         uint8   D*R*C, 1 = clear observation used for fitting, 0 = missing
seed_final.f64         float64 D*R*C, NaN = nodata       seed_quality.i8  int8 D*R*C
seed_literal_final.f64 float64                           seed_literal_quality.i8
harmres_final.f64      float64, NaN = nodata             harmres_quality.i8
harmres_lo.f64 / harmres_hi.f64  float64, the 90 % band (equal to the observed value where
                       observed, NaN where nodata)
The seed files come from the plain per-pixel np.linalg.lstsq reference (float64).

Commands
--------
  python3 Benchmarks/fill_reference.py --make-withheld samples/series/withheld.csv \
          [--fraction 0.05] [--seed 20240605]
  python3 Benchmarks/fill_reference.py --withheld samples/series/withheld.csv --out /tmp/ref
  python3 Benchmarks/fill_reference.py --bench          # px/s of the seed cascade
  python3 Benchmarks/fill_reference.py --withheld samples/series/withheld.csv --evaluate

--evaluate scores every method at the points of --withheld (split A) and at a second split B:
a fixed-seed (--seed-b) random 10 % of the remaining clear observations, disjoint from A.
Each split is scored separately (the other split's points stay visible). Split C (--cloud-shift
17, 0 = off) hides, at each date d, the clear observations that are cloudy in the mask of date
(d + 17) mod D: spatially and temporally clustered gaps like real clouds (~40 % hidden).
"""
import argparse
import datetime as _dt
import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

import numpy as np

DEFAULT_SERIES = "/work/shared/data/eolearn_slovenia"
EPOCH = _dt.datetime(1970, 1, 1)

# harmres constants (see harmres())
HR_TAU_DAYS = 10.0          # e-folding distance of the residual correction, days
HR_MIN_SPAN_DAYS = 365.25   # harmonic baseline only if the clear obs span at least a year
HR_PIVOT_REL = 1e-12        # Cholesky pivot threshold, relative to the largest diagonal of G
# band constants (see band())
BAND_K = 1.85               # half width = BAND_K * sigma_pixel
BAND_SIGMA_DEFAULT = 0.10   # sigma when the baseline has < 3 residual degrees of freedom
BAND_SIGMA_MIN = 0.01


# ------------------------------------------------------------------------------------ reading

def _read_rasters(paths, dtype):
    """Stack single-band rasters into a (len(paths), rows, cols) array."""
    try:
        from osgeo import gdal  # noqa: F401
        out = []
        for p in paths:
            ds = gdal.Open(p)
            out.append(ds.GetRasterBand(1).ReadAsArray())
        return np.stack(out).astype(dtype)
    except ImportError:
        pass
    tmp = tempfile.mkdtemp(prefix="fillref")
    try:
        vrt, raw = os.path.join(tmp, "s.vrt"), os.path.join(tmp, "s.bin")
        subprocess.run(["gdalbuildvrt", "-q", "-separate", vrt] + list(paths), check=True)
        subprocess.run(["gdal_translate", "-q", "-of", "ENVI", "-co", "INTERLEAVE=BSQ", vrt, raw],
                       check=True)
        hdr = open(os.path.join(tmp, "s.hdr")).read()
        kv = {}
        for line in hdr.splitlines():
            if "=" in line:
                k, v = line.split("=", 1)
                kv[k.strip()] = v.strip()
        cols, rows = int(kv["samples"]), int(kv["lines"])
        order = ">" if kv.get("byte order", "0") == "1" else "<"
        dt = np.dtype(dtype).newbyteorder(order) if np.dtype(dtype).itemsize > 1 else np.dtype(dtype)
        a = np.fromfile(raw, dtype=dt).reshape(len(paths), rows, cols)
        return a.astype(dtype)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def load_series(folder):
    """Returns (ndvi float64 D x R x C, clm uint8 D x R x C, datetimes list of str)."""
    if os.path.exists(os.path.join(folder, "index.json")):
        idx = json.load(open(os.path.join(folder, "index.json")))
        dates = idx["dates"]
        nd = _read_rasters([os.path.join(folder, d["ndvi"]) for d in dates], np.float32)
        cl = _read_rasters([os.path.join(folder, d["clm"]) for d in dates], np.uint8)
        dts = [d["datetime"] for d in dates]
    else:  # STAC sample series: one folder per date
        items = []
        for j in glob.glob(os.path.join(folder, "*", "*.json")):
            it = json.load(open(j))
            if it.get("type") == "Feature":
                items.append((it["properties"]["datetime"], os.path.dirname(j)))
        items.sort()
        nd = _read_rasters([os.path.join(d, "ndvi.tif") for _, d in items], np.float32)
        cl = _read_rasters([os.path.join(d, "cloud_mask.tif") for _, d in items], np.uint8)
        dts = [s.rstrip("Z") for s, _ in items]
    return nd.astype(np.float64), cl, dts


def days_since_epoch(dts):
    return np.array([(_dt.datetime.fromisoformat(s) - EPOCH).total_seconds() / 86400.0
                     for s in dts])


def read_withheld(path):
    a = np.loadtxt(path, delimiter=",", skiprows=1, ndmin=2)
    return a[:, 0].astype(int), a[:, 1].astype(int), a[:, 2].astype(int), a[:, 3]


def make_withheld(nd, cl, path, fraction, seed):
    clear = (cl == 0) & ~np.isnan(nd)
    d, r, c = np.nonzero(clear)            # sorted by date, row, col
    rng = np.random.default_rng(seed)
    m = int(round(fraction * len(d)))
    sel = np.sort(rng.permutation(len(d))[:m])
    with open(path, "w") as f:
        f.write("date_index,row,col,ndvi\n")
        for i in sel:
            f.write("%d,%d,%d,%s\n" % (d[i], r[i], c[i], repr(float(np.float32(nd[d[i], r[i], c[i]])))))
    return m, os.path.getsize(path)


def split_b(clear, hidden_a, fraction, seed):
    """A fixed-seed random `fraction` of the clear observations not in split A."""
    avail = clear & ~hidden_a
    d, r, c = np.nonzero(avail)
    rng = np.random.default_rng(seed)
    m = int(round(fraction * clear.sum()))
    sel = np.sort(rng.permutation(len(d))[:m])
    return d[sel], r[sel], c[sel]


# ------------------------------------------------------------------------------- seed cascade

def seed_design(tdays, n):
    t = 2.0 * np.pi * (tdays / 365.25)
    cols = [np.ones_like(t), t]
    for k in range(1, n + 1):
        cols += [np.cos(k * t), np.sin(k * t)]
    return np.stack(cols, axis=1)


def _cascade(fits, observed, clear, literal=False):
    """fits: {10,5,1: array (..., D) with NaN where no fit / dropped}."""
    final = np.full(observed.shape, np.nan)
    qual = np.zeros(observed.shape, np.int8)
    for n in (1, 5, 10):                 # later (higher) orders win
        ok = ~np.isnan(fits[n])
        final[ok] = fits[n][ok]
        qual[ok] = n
    if literal:
        keep = clear & np.isnan(final)   # no fit at all: the observation stays
        final[keep] = observed[keep]
        qual[clear] = -1
    else:
        final[clear] = observed[clear]
        qual[clear] = -1
    return final, qual


def seed_fits_pixel(y, m, X):
    """One pixel, plain np.linalg.lstsq. y, m: (D,). Returns {n: fitted (D,)}."""
    out = {}
    c = int(m.sum())
    for n in (10, 5, 1):
        p = 2 * n + 2
        if c <= p:
            out[n] = np.full(len(y), np.nan)
            continue
        A = X[n][m]
        beta = np.linalg.lstsq(A, y[m], rcond=None)[0]
        f = X[n] @ beta
        if n > 1:
            f[(f <= -1.0) | (f >= 1.0)] = np.nan
        out[n] = f
    return out


def seed_reference(nd, clear, tdays, literal=False):
    """Per-pixel float64 reference. nd, clear: (D, R, C). Returns final, quality (D, R, C)."""
    D, R, C = nd.shape
    X = {n: seed_design(tdays, n) for n in (10, 5, 1)}
    Y = nd.reshape(D, -1).T
    M = clear.reshape(D, -1).T
    final = np.empty((R * C, D))
    qual = np.empty((R * C, D), np.int8)
    for i in range(R * C):
        fits = seed_fits_pixel(Y[i], M[i], X)
        final[i], qual[i] = _cascade(fits, Y[i], M[i], literal)
    return final.T.reshape(D, R, C), qual.T.reshape(D, R, C)


def seed_fits_vectorised(Y, M, tdays, chunk=2048):
    """Y, M: (N, D). Pixels are grouped by their clear-date pattern; each pattern's masked design
    matrix (zero rows = missing dates) gets one QR factorisation A = QR (batched over the
    patterns); per pixel beta solves R beta = Q^T y. t is centred on the series' mid-date (the fitted
    values do not depend on it; it only improves the conditioning). If a batch is singular
    the patterns fall back to a batched SVD pseudo-inverse with lstsq's cut-off."""
    pats, inv = np.unique(M, axis=0, return_inverse=True)
    inv = inv.reshape(-1)
    cnt = pats.sum(1)
    Yz = np.where(M, Y, 0.0)
    tc = tdays - 0.5 * (tdays[0] + tdays[-1])
    fits = {}
    for n in (10, 5, 1):
        X = seed_design(tc, n)
        p = X.shape[1]
        A = X[None, :, :] * pats[:, :, None]                      # (U, D, p)
        beta = np.empty((len(Y), p))
        try:
            Q, R = np.linalg.qr(A)                                # A = Q R per pattern
            Qt = np.swapaxes(Q, 1, 2)
            for s in range(0, len(Y), chunk):
                g = inv[s:s + chunk]
                qty = np.matmul(Qt[g], Yz[s:s + chunk, :, None])   # (n, p, 1)
                beta[s:s + chunk] = np.linalg.solve(R[g], qty)[..., 0]
        except np.linalg.LinAlgError:
            P = np.linalg.pinv(A, rcond=np.finfo(float).eps * np.maximum(cnt, p))
            for s in range(0, len(Y), chunk):
                beta[s:s + chunk] = np.matmul(P[inv[s:s + chunk]], Yz[s:s + chunk, :, None])[..., 0]
        f = beta @ X.T
        f[cnt[inv] <= p] = np.nan
        if n > 1:
            f[(f <= -1.0) | (f >= 1.0)] = np.nan
        fits[n] = f
    return fits


def seed_vectorised(nd, clear, tdays, literal=False):
    D, R, C = nd.shape
    Y = nd.reshape(D, -1).T
    M = clear.reshape(D, -1).T
    fits = seed_fits_vectorised(Y, M, tdays)
    final, qual = _cascade(fits, Y, M, literal)
    return final.T.reshape(D, R, C), qual.T.reshape(D, R, C)


# -------------------------------------------------------------------- helpers on (N, D) arrays

def prev_next(M):
    """Index of the previous / next clear date (inclusive) per pixel and date, -1 / D if none."""
    N, D = M.shape
    ar = np.broadcast_to(np.arange(D), (N, D))
    prv = np.maximum.accumulate(np.where(M, ar, -1), axis=1)
    nxt = np.minimum.accumulate(np.where(M, ar, D)[:, ::-1], axis=1)[:, ::-1]
    return prv, nxt


def interp_in_time(V, M, tdays):
    """Linear interpolation in time of V's clear values (constant extrapolation at the ends).
    Also returns the distance in days to the nearest clear observation. NaN if no clear obs."""
    N, D = M.shape
    prv, nxt = prev_next(M)
    rows = np.arange(N)[:, None]
    hp, hn = prv >= 0, nxt < D
    ip, inx = np.clip(prv, 0, D - 1), np.clip(nxt, 0, D - 1)
    vp, vn = V[rows, ip], V[rows, inx]
    tp, tn = tdays[ip], tdays[inx]
    t = np.broadcast_to(tdays, (N, D))
    span = np.where(tn > tp, tn - tp, 1.0)
    s = np.clip((t - tp) / span, 0.0, 1.0)
    out = np.where(hp & hn, vp + (vn - vp) * s, np.where(hp, vp, np.where(hn, vn, np.nan)))
    same = hp & hn & (inx == ip)
    out = np.where(same, vp, out)
    dist = np.minimum(np.where(hp, t - tp, np.inf), np.where(hn, tn - t, np.inf))
    return out, dist


def linear_fill(Y, M, tdays):
    return interp_in_time(np.where(M, Y, 0.0), M, tdays)[0]


def ols_fit(Y, M, X, w=None, ridge=None):
    """Batched weighted normal equations (float64, centred design). Returns fitted (N, D)."""
    W = M.astype(float) if w is None else w * M
    A = X[None] * W[:, :, None]
    G = np.einsum("nti,tj->nij", A, X)
    if ridge is not None:
        G = G + ridge[None]
    b = np.einsum("nti,nt->ni", A, np.where(M, Y, 0.0))
    return np.linalg.solve(G, b[..., None])[..., 0] @ X.T


def harm_design(tdays, n, center):
    t = 2.0 * np.pi * (tdays - center) / 365.25
    cols = [np.ones_like(t), t]
    for k in range(1, n + 1):
        cols += [np.cos(k * t), np.sin(k * t)]
    return np.stack(cols, axis=1)


# ------------------------------------------------------------------------------------ harmres

def _chol_solve(G, b, rel):
    """Batched Cholesky G = L L^T and solve; ok[i] False when a pivot <= rel * max diag(G)."""
    N, p, _ = G.shape
    L = np.zeros_like(G)
    ok = np.ones(N, bool)
    thr = rel * np.max(np.diagonal(G, axis1=1, axis2=2), axis=1)
    for j in range(p):
        s = G[:, j, j] - np.sum(L[:, j, :j] ** 2, axis=1)
        ok &= s > thr
        L[:, j, j] = np.sqrt(np.where(s > thr, s, 1.0))
        for i in range(j + 1, p):
            L[:, i, j] = (G[:, i, j] - np.sum(L[:, i, :j] * L[:, j, :j], axis=1)) / L[:, j, j]
    z = np.zeros((N, p))
    for i in range(p):
        z[:, i] = (b[:, i] - np.sum(L[:, i, :i] * z[:, :i], axis=1)) / L[:, i, i]
    x = np.zeros((N, p))
    for i in reversed(range(p)):
        x[:, i] = (z[:, i] - np.sum(L[:, i + 1:, i] * x[:, i + 1:], axis=1)) / L[:, i, i]
    return x, ok


def harmres_baseline(Y, M, tdays):
    """Baseline per pixel: the 2-harmonic OLS fit, else the 1-harmonic, else the clear mean.
    Returns baseline (N, D), order (N,) in {2, 1, 0, -1 (no clear obs)}, p (N,) parameters."""
    N, D = M.shape
    c = M.sum(1)
    center = 0.5 * (tdays[0] + tdays[-1])
    Yz = np.where(M, Y, 0.0)
    tmin = np.where(M, tdays, np.inf).min(1)
    tmax = np.where(M, tdays, -np.inf).max(1)
    span_ok = (c > 0) & (tmax - tmin >= HR_MIN_SPAN_DAYS)
    base = np.full((N, D), np.nan)
    order = np.full(N, -1)
    nparam = np.zeros(N, int)
    mean = Yz.sum(1) / np.maximum(c, 1)
    todo = c > 0
    for n in (2, 1):
        p = 2 * n + 2
        cand = todo & span_ok & (c > p)
        if cand.any():
            X = harm_design(tdays, n, center)
            A = X[None] * M[cand][:, :, None]
            G = np.einsum("nti,tj->nij", A, X)
            b = np.einsum("nti,nt->ni", A, Yz[cand])
            beta, ok = _chol_solve(G, b, HR_PIVOT_REL)
            idx = np.nonzero(cand)[0][ok]
            base[idx] = beta[ok] @ X.T
            order[idx] = n
            nparam[idx] = p
            todo[idx] = False
    base[todo] = mean[todo][:, None]
    order[todo] = 0
    nparam[todo] = 1
    return base, order, nparam


def harmres(Y, M, tdays, tau=HR_TAU_DAYS, return_parts=False):
    """harmres, "harmonic + decayed residual interpolation". Y, M: (N pixels, D dates).

    Per pixel, with c = number of clear observations (clm == 0, NDVI not NaN):
      c == 0: every missing date is nodata (NaN).
      baseline b(t): t_days = days since 1970-01-01 (fractional, from the acquisition datetime);
        tau_t = 2*pi*(t_days - t_center)/365.25 with t_center = (first date + last date)/2 of
        the series (any centre gives the same fitted values).
        If the clear observations span >= 365.25 days (last clear - first clear) and c > 6:
        OLS of NDVI on [1, tau_t, cos tau_t, sin tau_t, cos 2tau_t, sin 2tau_t] (normal
        equations G = X^T X, Cholesky; a pivot <= 1e-12 * max diag(G) = singular); if that is
        not possible (c <= 6, span < 365.25 d, or singular): the same with 1 harmonic
        (4 columns, needs c > 4); else the mean of the clear values (constant).
      residuals r_j = y_j - b(t_j) at the clear dates.
      at a missing date t: a = last clear date before t, z = first clear date after t.
        both exist: r(t) = r_a + (r_z - r_a)*(t - t_a)/(t_z - t_a), d = min(t - t_a, t_z - t)
        only a:     r(t) = r_a, d = t - t_a;    only z: r(t) = r_z, d = t_z - t
        fill(t) = clip(b(t) + r(t) * exp(-d / 10 days), -1, 1)
      observed clear values are kept as they are.
    """
    base, order, nparam = harmres_baseline(Y, M, tdays)
    R = np.where(M, Y - base, 0.0)
    rint, dist = interp_in_time(R, M, tdays)
    fill = np.clip(base + rint * np.exp(-dist / tau), -1.0, 1.0)
    final = np.where(M, Y, fill)
    qual = np.where(M, -1, np.where(order[:, None] >= 0, 20 + order[:, None], 0)).astype(np.int8)
    final[(order < 0)[:, None] & ~M] = np.nan
    if return_parts:
        return final, qual, base, order, nparam, dist
    return final, qual


def band(Y, M, tdays, final, base, order, nparam, k=BAND_K):
    """90 % interval of harmres. sigma = sqrt(sum r_j^2 / (c - p)) over the pixel's clear
    residuals to its baseline (p = 6, 4, 1 for order 2, 1, 0); if c - p < 3, sigma = 0.10;
    sigma = max(sigma, 0.01). Filled dates: [max(-1, f - 1.85 sigma), min(1, f + 1.85 sigma)].
    Observed dates: [y, y]. Nodata: NaN."""
    c = M.sum(1)
    R = np.where(M, Y - base, 0.0)
    dof = c - nparam
    sig = np.sqrt((R ** 2).sum(1) / np.maximum(dof, 1))
    sig = np.where(dof >= 3, sig, BAND_SIGMA_DEFAULT)
    sig = np.maximum(sig, BAND_SIGMA_MIN)
    h = k * sig[:, None]
    lo = np.where(M, Y, np.maximum(final - h, -1.0))
    hi = np.where(M, Y, np.minimum(final + h, 1.0))
    return lo, hi, sig


# ------------------------------------------------------------------- other candidate methods

def hants_low(Y, M, tdays, n=2, delta=0.1, iters=5):
    """HANTS-like: refit after dropping clear obs more than delta below the curve (keeps at least
    half of the obs and > 2n+2)."""
    X = harm_design(tdays, n, 0.5 * (tdays[0] + tdays[-1]))
    mm = M.copy()
    c0 = M.sum(1)
    for _ in range(iters):
        f = ols_fit(Y, mm, X)
        new = mm & ~(Y - f < -delta)
        cnt = new.sum(1)
        bad = cnt < np.maximum(0.5 * c0, 2 * n + 3)
        new[bad] = mm[bad]
        if (new == mm).all():
            break
        mm = new
    return ols_fit(Y, mm, X)


def whittaker(Y, M, tdays, lam=3.0):
    """Whittaker smoother, second divided differences on the irregular dates (10-day units)."""
    D = len(tdays)
    x = tdays / 10.0
    Dm = np.zeros((D - 2, D))
    for i in range(D - 2):
        h1 = max(x[i + 1] - x[i], 1e-3)
        h2 = max(x[i + 2] - x[i + 1], 1e-3)
        Dm[i, i], Dm[i, i + 1], Dm[i, i + 2] = 1 / h1, -1 / h1 - 1 / h2, 1 / h2
    P = lam * Dm.T @ Dm
    W = M.astype(float)
    A = W[:, :, None] * np.eye(D)[None] + P[None]
    return np.linalg.solve(A, (W * np.where(M, Y, 0.0))[..., None])[..., 0]


def huber_res(Y, M, tdays, c=0.1, tau=HR_TAU_DAYS):
    X = harm_design(tdays, 2, 0.5 * (tdays[0] + tdays[-1]))
    f = ols_fit(Y, M, X)
    for _ in range(3):
        r = np.abs(Y - f)
        w = np.where(r <= c, 1.0, c / np.maximum(r, 1e-12))
        f = ols_fit(Y, M, X, w=np.where(M, w, 0.0))
    rint, dist = interp_in_time(np.where(M, Y - f, 0.0), M, tdays)
    return f + rint * np.exp(-dist / tau)


# ---------------------------------------------------------------------------------- evaluation

def stats(pred, truth):
    e = pred - truth
    ok = ~np.isnan(e)
    e = e[ok]
    a = np.abs(e)
    return dict(n=int(ok.sum()), rmse=float(np.sqrt(np.mean(e ** 2))), mae=float(a.mean()),
                med=float(np.median(a)), p95=float(np.percentile(a, 95)), bias=float(e.mean()))


def evaluate_split(nd, clear, tdays, pts, label):
    D, R, C = nd.shape
    dd, rr, cc = pts
    truth = nd[dd, rr, cc].copy()
    vis = clear.copy()
    vis[dd, rr, cc] = False
    Y = nd.reshape(D, -1).T
    M = vis.reshape(D, -1).T
    pix = rr * C + cc
    at = lambda A: A[pix, dd]  # noqa: E731
    rows = []

    seed_f, _ = seed_reference(nd, vis, tdays)
    lit_f, _ = seed_reference(nd, vis, tdays, literal=True)
    Ys = Y
    fits = seed_fits_vectorised(Ys, M, tdays)
    same = np.array_equal(np.isnan(at(seed_f.reshape(D, -1).T)), np.isnan(at(lit_f.reshape(D, -1).T))) and \
        np.allclose(at(seed_f.reshape(D, -1).T), at(lit_f.reshape(D, -1).T), equal_nan=True, rtol=0, atol=0)
    rows.append(("seed", stats(at(seed_f.reshape(D, -1).T), truth)))
    rows.append(("seed_literal", stats(at(lit_f.reshape(D, -1).T), truth)))
    for n in (10, 5, 1):
        rows.append((f"fit{n} alone (seed rule)", stats(at(fits[n]), truth)))
    center = 0.5 * (tdays[0] + tdays[-1])
    for n in (2, 3):
        rows.append((f"fit{n} (OLS, no drop)", stats(at(ols_fit(Y, M, harm_design(tdays, n, center))), truth)))
    lin = linear_fill(Y, M, tdays)
    rows.append(("linear interpolation", stats(at(lin), truth)))
    hr, hq, base, order, nparam, dist = harmres(Y, M, tdays, return_parts=True)
    rows.append(("harmres (default, tau 10 d)", stats(at(hr), truth)))
    for tau in (20.0, 40.0, 1e12):
        f = harmres(Y, M, tdays, tau=tau)[0]
        rows.append((f"harmres tau {'inf' if tau > 1e9 else int(tau)} d", stats(at(f), truth)))
    f2 = ols_fit(Y, M, harm_design(tdays, 2, center))
    rows.append(("blend (fit2 + linear)/2", stats(at(0.5 * (f2 + lin)), truth)))
    rows.append(("huber fit2 + resid (tau 10)", stats(at(huber_res(Y, M, tdays)), truth)))
    rows.append(("HANTS-low fit2 (delta 0.1)", stats(at(hants_low(Y, M, tdays, 2, 0.1)), truth)))
    rows.append(("HANTS-low fit2 (delta 0.2)", stats(at(hants_low(Y, M, tdays, 2, 0.2)), truth)))
    ridge = np.diag([0, 0, 1, 1, 1, 1, 1, 1]) * 1.0
    rows.append(("ridge fit3 (lambda 1)", stats(at(ols_fit(Y, M, harm_design(tdays, 3, center), ridge=ridge)), truth)))
    rows.append(("whittaker (lambda 3)", stats(at(whittaker(Y, M, tdays, 3.0)), truth)))

    print(f"\n== split {label}: {len(truth)} withheld points ==")
    print(f"{'method':32s} {'n':>6s} {'RMSE':>7s} {'MAE':>7s} {'medAE':>7s} {'p95AE':>7s} {'bias':>8s}")
    for name, s in rows:
        print(f"{name:32s} {s['n']:6d} {s['rmse']:7.4f} {s['mae']:7.4f} {s['med']:7.4f} "
              f"{s['p95']:7.4f} {s['bias']:+8.4f}")
    print(f"seed_literal identical to seed at the withheld points: {same}")

    lo, hi, sig = band(Y, M, tdays, hr, base, order, nparam)
    inside = (truth >= at(lo)) & (truth <= at(hi))
    dpt = at(dist)
    print(f"harmres 90 % band coverage: {inside.mean() * 100:.1f} %  "
          f"(median half width {np.median(at(hi) - at(lo)) / 2:.3f})")
    for a, b in ((0, 6), (6, 11), (11, 21), (21, 41), (41, 1e9)):
        s = (dpt >= a) & (dpt < b)
        if s.any():
            print(f"   distance to nearest clear obs [{a:g}, {b:g}) d: n={s.sum():6d} "
                  f"coverage {inside[s].mean() * 100:.1f} %")
    return rows


# -------------------------------------------------------------------------------------- bench

def bench(nd, clear, tdays):
    D, R, C = nd.shape
    N = R * C
    tv, tp = [], []
    for _ in range(3):
        t0 = time.perf_counter()
        fv, qv = seed_vectorised(nd, clear, tdays)
        tv.append(time.perf_counter() - t0)
    for _ in range(3):
        t0 = time.perf_counter()
        fr, qr = seed_reference(nd, clear, tdays)
        tp.append(time.perf_counter() - t0)
    Y, M = nd.reshape(D, -1).T, clear.reshape(D, -1).T
    th = []
    for _ in range(3):
        t0 = time.perf_counter()
        harmres(Y, M, tdays)
        th.append(time.perf_counter() - t0)
    npat = len(np.unique(M, axis=0))
    diff = np.nanmax(np.abs(fv - fr))
    qsame = (qv == qr).mean()
    print(f"cube {D} dates x {R} x {C} px ({N} px, {npat} distinct clear patterns), best of 3:")
    print(f"seed vectorised (pattern-grouped batched QR)  {min(tv):.3f} s  {N / min(tv):,.0f} px/s")
    print(f"seed per-pixel np.linalg.lstsq                 {min(tp):.3f} s  {N / min(tp):,.0f} px/s")
    print(f"harmres vectorised                             {min(th):.3f} s  {N / min(th):,.0f} px/s")
    print(f"vectorised vs per-pixel: max |final diff| {diff:.3g}, quality agreement {qsame * 100:.4f} %")


def write_out(out, nd, clear, dts, tdays, withheld_path, nhidden):
    os.makedirs(out, exist_ok=True)
    D, R, C = nd.shape
    files = {}

    def put(name, arr, dtype, what):
        np.ascontiguousarray(arr, dtype=np.dtype(dtype)).tofile(os.path.join(out, name))
        files[name] = {"dtype": np.dtype(dtype).str, "what": what}

    put("input_ndvi.f64", nd, "<f8", "NDVI as fitted (withheld points NaN)")
    put("input_clear.u8", clear, "u1", "1 = clear observation used, 0 = missing")
    for lit in (False, True):
        nm = "seed_literal" if lit else "seed"
        f, q = seed_reference(nd, clear, tdays, literal=lit)
        put(f"{nm}_final.f64", f, "<f8", f"{nm} final NDVI, NaN = nodata")
        put(f"{nm}_quality.i8", q, "i1", "-1 observed, 10/5/1 fit that filled, 0 nodata")
    Y, M = nd.reshape(D, -1).T, clear.reshape(D, -1).T
    f, q, base, order, nparam, _ = harmres(Y, M, tdays, return_parts=True)
    lo, hi, _ = band(Y, M, tdays, f, base, order, nparam)
    tr = lambda A: A.T.reshape(D, R, C)  # noqa: E731
    put("harmres_final.f64", tr(f), "<f8", "harmres final NDVI, NaN = nodata")
    put("harmres_quality.i8", tr(q), "i1", "-1 observed, 22/21/20 baseline order 2/1/0, 0 nodata")
    put("harmres_lo.f64", tr(lo), "<f8", "90 % band lower bound")
    put("harmres_hi.f64", tr(hi), "<f8", "90 % band upper bound")
    hdr = {"format": "verdant-fill-reference-1", "dates": D, "rows": R, "cols": C,
           "order": "C order: index = (date * rows + row) * cols + col; little-endian",
           "datetimes": dts, "t_days": [float(x) for x in tdays],
           "withheld": withheld_path, "withheld_hidden": nhidden, "files": files,
           "constants": {"harmres_tau_days": HR_TAU_DAYS, "harmres_min_span_days": HR_MIN_SPAN_DAYS,
                         "band_k": BAND_K, "band_sigma_default": BAND_SIGMA_DEFAULT,
                         "band_sigma_min": BAND_SIGMA_MIN}}
    json.dump(hdr, open(os.path.join(out, "header.json"), "w"), indent=1)
    print(f"wrote {len(files)} files + header.json to {out}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--series", default=DEFAULT_SERIES)
    ap.add_argument("--withheld", help="CSV of points hidden before fitting (split A)")
    ap.add_argument("--out", help="write the reference outputs here")
    ap.add_argument("--evaluate", action="store_true")
    ap.add_argument("--bench", action="store_true")
    ap.add_argument("--make-withheld", metavar="CSV")
    ap.add_argument("--fraction", type=float, default=0.05)
    ap.add_argument("--seed", type=int, default=20240605)
    ap.add_argument("--seed-b", type=int, default=7)
    ap.add_argument("--fraction-b", type=float, default=0.10)
    ap.add_argument("--cloud-shift", type=int, default=17,
                    help="--evaluate also scores cloud-shaped gaps (0 = off)")
    a = ap.parse_args()

    nd, cl, dts = load_series(a.series)
    tdays = days_since_epoch(dts)
    clear = (cl == 0) & ~np.isnan(nd)
    if a.make_withheld:
        m, size = make_withheld(nd, cl, a.make_withheld, a.fraction, a.seed)
        print(f"wrote {m} points ({a.fraction * 100:g} % of {clear.sum()} clear obs) to "
              f"{a.make_withheld}: {size} bytes")
    if a.bench:
        bench(nd, clear, tdays)
    pts = None
    if a.withheld:
        dd, rr, cc, v = read_withheld(a.withheld)
        ok = np.allclose(nd[dd, rr, cc], v, rtol=0, atol=0)
        print(f"withheld CSV: {len(dd)} points, values match the series: {ok}")
        pts = (dd, rr, cc)
    if a.out:
        vis = clear.copy()
        nd_fit = nd.copy()
        nh = 0
        if pts is not None:
            vis[pts] = False
            nd_fit[pts] = np.nan
            nh = len(pts[0])
        write_out(a.out, nd_fit, vis, dts, tdays, a.withheld, nh)
    if a.evaluate:
        if pts is None:
            sys.exit("--evaluate needs --withheld")
        hid = np.zeros_like(clear)
        hid[pts] = True
        pb = split_b(clear, hid, a.fraction_b, a.seed_b)
        evaluate_split(nd, clear, tdays, pts, f"A ({a.withheld})")
        evaluate_split(nd, clear, tdays, pb,
                       f"B (seed {a.seed_b}, {a.fraction_b * 100:g} % of the clear obs, disjoint from A)")
        if a.cloud_shift:
            # cloud-shaped gaps: hide every clear obs that is cloudy in the mask `shift` dates later
            hc = clear & (np.roll(cl, -a.cloud_shift, axis=0) == 1)
            evaluate_split(nd, clear, tdays, np.nonzero(hc),
                           f"C (cloud-shaped: clear obs under the cloud mask of date +{a.cloud_shift}, "
                           f"{hc.sum() / clear.sum() * 100:.0f} % hidden)")


if __name__ == "__main__":
    main()
