"""lunapole.astro.frames against published angles, an independent SPICE reimplementation and closed forms.

References:
- NAIF moon_080317.tf (shipped in lunarsky) and moon_de440_220930.tf: PA->ME TKFRAME angles;
  SPICE Frames Required Reading, "Defining a TK frame using Euler angles": v_rel = [a1]_3 [a2]_2 [a3]_1 v_tk.
- shared/facts/missions.md: PA vs ME ~875 m on the surface; ME vs IAU_MOON up to ~0.005 deg (~155 m)
  over 2000-2020 (also recorded in skyfield/tests/test_against_horizons.py); Sun within ~1.6 deg of the
  horizon at the pole; Chandrayaan-3 landing point 69.373 S 32.319 E.
- JHUAPL/Picante (Java SPICE reimplementation), src/test/java/picante/spice/kernel/tk/pck/PCKFactoryTest.java,
  testCreateFrameFunctionWithNutation: J2000->IAU_MOON matrices at et = 0 and 20000 days from the pck00010
  lunar constants.
"""
from __future__ import annotations

import importlib.resources
import re

import numpy as np
import pytest

from lunapole.astro import frames
from lunapole.astro.constants import MOON_MEAN_RADIUS_M, MOON_ROTATION_RATE_RAD_S
from lunapole.astro.time import parse_epoch

ARCSEC = np.pi / 180.0 / 3600.0
ET_2023 = 746066049.1827785  # 2023-08-23T12:33:00 UTC


def _frame_rot(angle_rad: float, axis: int) -> np.ndarray:
    """SPICE [angle]_axis: coordinate-frame rotation (rotate.c)."""
    c, s = np.cos(angle_rad), np.sin(angle_rad)
    i, j = [(1, 2), (2, 0), (0, 1)][axis - 1]
    m = np.eye(3)
    m[i, i] = m[j, j] = c
    m[i, j], m[j, i] = s, -s
    return m


def _tk_pa_to_me(angles_arcsec) -> np.ndarray:
    a1, a2, a3 = (a * ARCSEC for a in angles_arcsec)
    me_to_pa = _frame_rot(a1, 3) @ _frame_rot(a2, 2) @ _frame_rot(a3, 1)
    return me_to_pa.T


def _tf_angles_de421() -> tuple[float, float, float]:
    text = importlib.resources.files("lunarsky").joinpath("data/fk/satellites/moon_080317.tf").read_text()
    match = re.search(r"TKFRAME_31007_ANGLES\s*=\s*\(\s*([-\d.]+)\s+([-\d.]+)\s+([-\d.]+)", text)
    return tuple(float(v) for v in match.groups())


def test_de421_tf_angles_are_the_published_ones():
    # moon_080317.tf: MOON_ME_DE421 = MOON_PA_DE421 rotated by (67.92, 78.56, 0.30) arcsec about (3, 2, 1);
    # the same numbers as shared/facts/missions.md.
    assert _tf_angles_de421() == (67.92, 78.56, 0.30)


@pytest.mark.parametrize(
    "ephemeris,angles_arcsec",
    [("DE421", (67.92, 78.56, 0.30)), ("DE440", (67.8526, 78.6944, 0.2785))],
)
def test_pa_to_me_is_the_published_constant_rotation(ephemeris, angles_arcsec):
    et = np.array([0.0, ET_2023, -1.0e9])
    rot = frames.rotation("MOON_PA", "MOON_ME", et, ephemeris=ephemeris)
    expected = _tk_pa_to_me(angles_arcsec)
    assert np.abs(rot - expected).max() < 1e-12  # published TKFRAME angles, SPICE frames.req convention
    # the displacement of surface points is at most |angle| * R ~ 875 m (shared/facts/missions.md)
    pts = frames.selenographic_to_cartesian_m(*np.meshgrid(np.arange(-90, 91, 5.0), np.arange(-180, 180, 5.0)))
    shift_m = np.linalg.norm(pts @ rot[0].T - pts, axis=-1)
    assert 860.0 < shift_m.max() < 880.0


def test_iau_moon_vs_me_within_naif_bound():
    et = np.linspace(parse_epoch("2000-01-01T00:00:00"), parse_epoch("2020-12-31T00:00:00"), 800)
    rot = frames.rotation("IAU_MOON", "MOON_ME", et)
    angle_deg = np.degrees(np.arccos(np.clip((np.trace(rot, axis1=1, axis2=2) - 1.0) / 2.0, -1.0, 1.0)))
    # NAIF (moon_080317.tf comments; skyfield test_against_horizons): IAU_MOON and MOON_ME differ by up to
    # ~0.005 deg (~155 m). Measured max 0.00509 deg. Lower bound: the two must not be the same frame.
    assert angle_deg.max() < 0.0055
    assert angle_deg.max() > 0.002


def test_iau_moon_matches_picante():
    # JHUAPL Picante PCKFactoryTest (RotationMatrixIJK takes column-major arguments).
    expected_0 = np.array([0.78422705209191690, -0.62006191525085586, -2.26086714041824934e-2,
                           0.55784711246016394, 0.72055666546681307, -0.41183090094261288,
                           0.27165148607559469, 0.31035675134719964, 0.91097977859342927]).reshape(3, 3).T
    expected_20000 = np.array([0.70130621049221653, -0.71268841660683824, -1.56467236022299026e-2,
                               0.64307643209032972, 0.64197246069382063, -0.41752133143193121,
                               0.30760738225052159, 0.28274826355816690, 0.90853239779317874]).reshape(3, 3).T
    rot = frames.rotation("J2000", "IAU_MOON", np.array([0.0, 20000.0 * 86400.0]))
    assert np.abs(rot[0] - expected_0).max() < 1e-12  # Picante, same pck00010 constants
    assert np.abs(rot[1] - expected_20000).max() < 1e-12


def test_rotation_shapes_inverse_and_identity():
    et = np.linspace(ET_2023, ET_2023 + 86400.0, 7)
    fwd = frames.rotation("J2000", "MOON_PA", et)
    back = frames.rotation("MOON_PA", "J2000", et)
    assert fwd.shape == (7, 3, 3)
    assert np.abs(np.einsum("nij,njk->nik", fwd, back) - np.eye(3)).max() < 1e-14
    assert frames.rotation("J2000", "MOON_ME", ET_2023).shape == (3, 3)
    assert np.array_equal(frames.rotation("MOON_ME", "MOON_ME", ET_2023), np.eye(3))
    chained = frames.rotation("MOON_PA", "MOON_ME", et) @ fwd
    assert np.abs(chained - frames.rotation("J2000", "MOON_ME", et)).max() < 1e-14


def test_state_rotation_blocks():
    et = ET_2023
    m = frames.state_rotation("J2000", "MOON_ME", et)
    assert m.shape == (6, 6)
    r = frames.rotation("J2000", "MOON_ME", et)
    assert np.abs(m[:3, :3] - r).max() < 1e-15
    assert np.abs(m[3:, 3:] - r).max() < 1e-15
    # lower-left block = dR/dt (central difference, closed form)
    h = 10.0
    d_r = (frames.rotation("J2000", "MOON_ME", et + h) - frames.rotation("J2000", "MOON_ME", et - h)) / (2 * h)
    assert np.abs(m[3:, :3] - d_r).max() < 1e-12
    # |omega| = the Moon's spin, 13.176 deg/day (IAU) to within physical libration (< 2 %)
    omega = m[3:, :3] @ r.T
    rate = np.linalg.norm([omega[2, 1], omega[0, 2], omega[1, 0]])
    assert abs(rate / MOON_ROTATION_RATE_RAD_S - 1.0) < 0.02
    assert frames.state_rotation("J2000", "MOON_PA", np.array([et, et + 1.0])).shape == (2, 6, 6)


def test_selenographic_round_trip_and_poles():
    rng = np.random.default_rng(1)
    lat = rng.uniform(-90, 90, 500)
    lon = rng.uniform(-180, 180, 500)
    h = rng.uniform(-9000, 20000, 500)
    r = frames.selenographic_to_cartesian_m(lat, lon, h)
    lat2, lon2, h2 = frames.cartesian_to_selenographic(r)
    assert np.abs(lat2 - lat).max() < 1e-10
    assert np.abs(lon2 - lon).max() < 1e-10
    assert np.abs(h2 - h).max() < 1e-6  # m
    pole = frames.selenographic_to_cartesian_m(-90.0, 123.0)
    assert np.allclose(pole, [0.0, 0.0, -MOON_MEAN_RADIUS_M], atol=1e-6)
    lat_p, lon_p, h_p = frames.cartesian_to_selenographic(np.array([0.0, 0.0, -MOON_MEAN_RADIUS_M - 5.0]))
    assert (lat_p, lon_p) == (-90.0, 0.0) and abs(h_p - 5.0) < 1e-9
    assert frames.cartesian_to_selenographic(np.array([-1.0, 0.0, 0.0]))[1] == 180.0  # (-180, 180]


def test_chandrayaan3_site():
    # ISRO/IAU: Statio Shiv Shakti 69.373 S 32.319 E (shared/facts/missions.md)
    r = frames.selenographic_to_cartesian_m(-69.373, 32.319, 0.0)
    assert abs(np.linalg.norm(r) - MOON_MEAN_RADIUS_M) < 1e-6
    # closed form: distance to the south pole along the surface = R * (90 - 69.373) deg = 625.5 km
    pole = np.array([0.0, 0.0, -MOON_MEAN_RADIUS_M])
    arc_m = MOON_MEAN_RADIUS_M * np.arccos(np.dot(r, pole) / MOON_MEAN_RADIUS_M**2)
    assert abs(arc_m - MOON_MEAN_RADIUS_M * np.radians(90.0 - 69.373)) < 1e-3
    assert abs(np.degrees(np.arctan2(r[1], r[0])) - 32.319) < 1e-12
    lat, lon, h = frames.cartesian_to_selenographic(r)
    assert abs(lat + 69.373) < 1e-12 and abs(lon - 32.319) < 1e-12 and abs(h) < 1e-6


def test_enu_matrix():
    m = frames.enu_matrix(-69.373, 32.319)
    assert m.shape == (3, 3)
    assert np.abs(m @ m.T - np.eye(3)).max() < 1e-15 and abs(np.linalg.det(m) - 1.0) < 1e-15
    up = frames.selenographic_to_cartesian_m(-69.373, 32.319) / MOON_MEAN_RADIUS_M
    assert np.abs(m[2] - up).max() < 1e-15
    # north: the direction in which latitude increases (finite difference)
    d_north = frames.selenographic_to_cartesian_m(-69.372, 32.319) - frames.selenographic_to_cartesian_m(-69.374, 32.319)
    assert np.dot(m[1], d_north / np.linalg.norm(d_north)) > 1 - 1e-9
    d_east = frames.selenographic_to_cartesian_m(-69.373, 32.320) - frames.selenographic_to_cartesian_m(-69.373, 32.318)
    assert np.dot(m[0], d_east / np.linalg.norm(d_east)) > 1 - 1e-9
    stack = frames.enu_matrix(np.array([-90.0, 0.0]), np.array([0.0, 90.0]))
    assert stack.shape == (2, 3, 3)
    assert np.abs(stack[0] @ stack[0].T - np.eye(3)).max() < 1e-15  # regular at the pole


def test_sun_near_horizon_at_south_pole():
    et = np.linspace(ET_2023, ET_2023 + 365.25 * 86400.0, 200)
    sun = frames.sun_direction_body(et, frame="MOON_ME")
    assert sun.shape == (200, 3) and np.allclose(np.linalg.norm(sun, axis=1), 1.0)
    elevation_at_pole_deg = np.degrees(np.arcsin(-sun[:, 2]))
    # spin-axis tilt to the ecliptic 1.54 deg: Sun within ~1.6 deg of the polar horizon (missions.md)
    assert np.abs(elevation_at_pole_deg).max() < 1.6
    assert np.abs(elevation_at_pole_deg).max() > 1.3  # reaches nearly the full tilt over a year
    unit, dist = frames.direction_and_distance("EARTH", ET_2023, frame="MOON_ME")
    assert 3.56e8 < dist < 4.07e8
    # Earth stays near the mean sub-Earth point (+X of MOON_ME) within the optical libration (< 10 deg)
    assert np.degrees(np.arccos(unit[0])) < 10.0


def test_unknown_frame():
    from lunapole.errors import ScenarioError

    with pytest.raises(ScenarioError, match="unknown frame"):
        frames.rotation("J2000", "MOON_FIXED", 0.0)


def test_de440_me_frame_is_aligned_with_de421_me():
    # NAIF moon_de440_220930.tf: MOON_ME_DE440_ME421 is "closely aligned with the DE421 lunar mean
    # Earth/polar axis frame". A sign or axis-order error in the written frame kernel would make the two
    # differ by ~1750 m on the surface; measured < 0.53 m over 1950-2050.
    et = np.linspace(parse_epoch("1950-01-01"), parse_epoch("2049-12-31"), 200)
    r421 = frames.rotation("J2000", "MOON_ME", et, ephemeris="DE421")
    r440 = frames.rotation("J2000", "MOON_ME", et, ephemeris="DE440")
    rel = np.einsum("nij,nkj->nik", r440, r421)
    angle = np.arccos(np.clip((np.trace(rel, axis1=1, axis2=2) - 1.0) / 2.0, -1.0, 1.0))
    assert (angle * MOON_MEAN_RADIUS_M).max() < 1.0  # m on the surface
