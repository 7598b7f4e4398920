"""Closed-form guidance laws (numpy, vectorised): Apollo/Klumpp polynomial guidance and the gravity turn.

Klumpp, A. R. (1974), "Apollo lunar descent guidance", Automatica 10, 133-146:

* eq. 7, commanded acceleration for target position ``r_T``, velocity ``v_T``, acceleration ``a_T`` at
  time-to-go ``T`` (quadratic acceleration profile): ``a = 12 (r_T - r) / T^2 - 6 (v_T + v) / T + a_T``;
* eq. 12, time-to-go from the downrange component with a target jerk ``j_T``:
  ``j_T T^3 - 6 a_T T^2 + (18 v_T + 6 v) T + 24 (r - r_T) = 0``.

Gravity turn: thrust against the surface-relative velocity. These are the reference (numpy) forms of the
compiled functions in :mod:`lunapole.kernels.descent`, which the closed-loop simulators use.
"""
from __future__ import annotations

import numpy as np


def polynomial_acceleration(r, v, r_target, v_target, a_target, tgo_s):
    """Klumpp eq. 7 (any broadcastable shapes; per axis): commanded total acceleration, m/s^2."""
    r, v = np.asarray(r, float), np.asarray(v, float)
    tgo = np.asarray(tgo_s, float)
    return 12.0 * (np.asarray(r_target) - r) / tgo**2 - 6.0 * (np.asarray(v_target) + v) / tgo + np.asarray(a_target)


def time_to_go_s(r_down, v_down, r_target, v_target, a_target, j_target=0.0):
    """Smallest positive root of Klumpp's downrange cubic (scalar inputs); ``nan`` when there is none."""
    coeffs = [j_target, -6.0 * a_target, 18.0 * v_target + 6.0 * v_down, 24.0 * (r_down - r_target)]
    while coeffs and coeffs[0] == 0.0:
        coeffs = coeffs[1:]
    if len(coeffs) < 2:
        return float("nan")
    roots = np.roots(coeffs)
    pos = [z.real for z in roots if abs(z.imag) < 1e-9 * max(1.0, abs(z)) and z.real > 0.0]
    return float(min(pos)) if pos else float("nan")


def gravity_turn_direction(v_m_s):
    """Unit thrust direction(s) opposite the surface-relative velocity ``(..., 3)``."""
    v = np.asarray(v_m_s, float)
    return -v / np.linalg.norm(v, axis=-1, keepdims=True)
