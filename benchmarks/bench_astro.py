"""Speed of lunapole.astro sampling vs astropy (jplephem + ERFA) on the same DE421 file.

Verdict (see benchmarks/RESULTS-astro.md): SPICE through spiceypy costs ~10 us per epoch for a
position or a rotation; sampling a 30-day grid at 60 s (43,200 epochs) for Sun, Earth and the
J2000->MOON_PA rotation takes ~1.3 s, done once per scenario before the numba propagator interpolates.

Run: python benchmarks/bench_astro.py
"""
from __future__ import annotations

import importlib.resources
import time

import numpy as np
from astropy.coordinates import get_body_barycentric, solar_system_ephemeris
from astropy.time import Time

from lunapole.astro import ephemeris, frames
from lunapole.astro.time import parse_epoch


def best_of(fn, repeat=3):
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    n = 10_000
    et = parse_epoch("2023-08-01T00:00:00") + np.arange(n) * 60.0
    ephemeris.ensure_kernels()
    t_pos = best_of(lambda: ephemeris.position_m("SUN", et))
    t_rot = best_of(lambda: frames.rotation("J2000", "MOON_PA", et))
    t_srot = best_of(lambda: frames.state_rotation("J2000", "MOON_PA", et))
    de421 = str(importlib.resources.files("skyfield_data").joinpath("data/de421.bsp"))
    t_ap = Time(np.full(n, 2451545.0), et / 86400.0, format="jd", scale="tdb")

    def astropy_sun():
        with solar_system_ephemeris.set(de421):
            (get_body_barycentric("sun", t_ap) - get_body_barycentric("moon", t_ap)).xyz

    t_astropy = best_of(astropy_sun)
    print(f"epochs: {n}")
    print(f"position_m SUN wrt MOON   : {t_pos:.3f} s ({t_pos / n * 1e6:.1f} us/epoch)")
    print(f"astropy (jplephem) same   : {t_astropy:.3f} s ({t_astropy / n * 1e6:.1f} us/epoch)")
    print(f"ratio lunapole/astropy    : {t_pos / t_astropy:.2f}")
    print(f"rotation J2000->MOON_PA   : {t_rot:.3f} s ({t_rot / n * 1e6:.1f} us/epoch)")
    print(f"state_rotation J2000->PA  : {t_srot:.3f} s ({t_srot / n * 1e6:.1f} us/epoch)")
    m = 2000
    t_scalar = best_of(lambda: [ephemeris.position_m("SUN", float(e)) for e in et[:m]])
    print(f"position_m scalar calls   : {t_scalar / m * 1e6:.1f} us/call")


if __name__ == "__main__":
    main()
