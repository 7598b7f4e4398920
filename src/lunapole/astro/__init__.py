"""lunapole.astro: time scales, SPICE ephemerides and lunar frames (see docs/astro.md).

- ``time``: ISO UTC/TDB strings <-> TDB seconds past J2000 (leap seconds from astropy-iers-data).
- ``ephemeris``: Sun/Earth/Moon positions from DE421 (default) or DE440; kernel loading; coverage.
- ``frames``: rotations between J2000, MOON_PA, MOON_ME, IAU_MOON; selenographic coordinates; ENU.
- ``constants``: physical constants (SI).

Submodules are imported on demand so that ``import lunapole`` does not load SPICE.
"""
