"""IAU_MOON: the IAU WGCCRE 2009 lunar rotation model as a SPICE text PCK written at run time.

No installed package ships NAIF's ``pck00010.tpc``, so lunapole writes the Moon's part of it.
Values: Archinal et al. (2011), "Report of the IAU Working Group on Cartographic Coordinates and
Rotational Elements: 2009", Celest Mech Dyn Astr 109:101-135, Table 2 -- identical to the
``BODY301_*`` and ``BODY3_NUT_PREC_ANGLES`` assignments of NAIF ``pck00010.tpc`` (cross-checked
against the copy quoted in JHU/APL Picante's ``PCKFactoryTest`` and in rsspice's embedded pool).

``BODY3_NUT_PREC_ANGLES`` are (constant deg, rate deg/Julian century) pairs E1..E13;
``BODY301_POLE_RA/DEC`` are deg and deg/century, ``BODY301_PM`` deg, deg/day, deg/day^2; the
NUT_PREC RA/DEC/PM coefficients multiply sin(Ei) (RA, PM) or cos(Ei) (DEC), in degrees.
"""
from __future__ import annotations

from pathlib import Path

from lunapole.astro import _kernels

NUT_PREC_ANGLES_DEG = (
    (125.045, -1935.5364525000),
    (250.089, -3871.0729050000),
    (260.008, 475263.3328725000),
    (176.625, 487269.6299850000),
    (357.529, 35999.0509575000),
    (311.589, 964468.4993100000),
    (134.963, 477198.8693250000),
    (276.617, 12006.3007650000),
    (34.226, 63863.5132425000),
    (15.134, -5806.6093575000),
    (119.743, 131.8406400000),
    (239.961, 6003.1503825000),
    (25.053, 473327.7964200000),
)
POLE_RA_DEG = (269.9949, 0.0031, 0.0)
POLE_DEC_DEG = (66.5392, 0.0130, 0.0)
PM_DEG = (38.3213, 13.17635815, -1.4e-12)
NUT_PREC_RA_DEG = (-3.8787, -0.1204, 0.0700, -0.0172, 0.0, 0.0072, 0.0, 0.0, 0.0, -0.0052, 0.0, 0.0, 0.0043)
NUT_PREC_DEC_DEG = (1.5419, 0.0239, -0.0278, 0.0068, 0.0, -0.0029, 0.0009, 0.0, 0.0, 0.0008, 0.0, 0.0, -0.0009)
NUT_PREC_PM_DEG = (3.5610, 0.1208, -0.0642, 0.0158, 0.0252, -0.0066, -0.0047, -0.0046, 0.0028, 0.0052,
                   0.0040, 0.0019, -0.0044)


def _fmt(values) -> str:
    return " ".join(repr(float(v)).replace("e", "D") for v in values)


def iau_moon_pck_text() -> str:
    """Text of the IAU Moon PCK (SPICE KPL/PCK)."""
    angles = "\n                             ".join(_fmt(pair) for pair in NUT_PREC_ANGLES_DEG)
    return f"""KPL/PCK

IAU WGCCRE 2009 lunar rotation model (Archinal et al. 2011, CMDA 109:101), the Moon's entries of
NAIF pck00010.tpc, written by lunapole.astro._iau_moon. Defines the built-in SPICE frame IAU_MOON.

\\begindata

BODY3_NUT_PREC_ANGLES  = ( {angles} )

BODY301_POLE_RA        = ( {_fmt(POLE_RA_DEG)} )
BODY301_POLE_DEC       = ( {_fmt(POLE_DEC_DEG)} )
BODY301_PM             = ( {_fmt(PM_DEG)} )
BODY301_NUT_PREC_RA    = ( {_fmt(NUT_PREC_RA_DEG)} )
BODY301_NUT_PREC_DEC   = ( {_fmt(NUT_PREC_DEC_DEG)} )
BODY301_NUT_PREC_PM    = ( {_fmt(NUT_PREC_PM_DEG)} )

\\begintext
"""


def ensure_iau_moon_pck() -> Path:
    """Write (once) and furnish the IAU Moon PCK; returns its path."""
    with _kernels.LOCK:
        path = _kernels.write_text_kernel("lunapole_iau_moon", ".tpc", iau_moon_pck_text())
        _kernels.furnish(path)
    return path
