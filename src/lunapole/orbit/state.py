"""Spacecraft state: epoch (TDB s past J2000), Moon-centred J2000 position/velocity, mass."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from lunapole.errors import LunapoleError


@dataclass(frozen=True)
class State:
    """Moon-centred J2000 (ICRF axes) state.

    ``epoch_tdb_s``: TDB seconds past J2000; ``r_m`` (3,) m; ``v_m_s`` (3,) m/s; ``mass_kg``.
    """

    epoch_tdb_s: float
    r_m: np.ndarray
    v_m_s: np.ndarray
    mass_kg: float = 1000.0
    _checked: bool = field(default=True, repr=False, compare=False)

    def __post_init__(self) -> None:
        r = np.array(self.r_m, dtype=float).reshape(-1)
        v = np.array(self.v_m_s, dtype=float).reshape(-1)
        if r.shape != (3,) or v.shape != (3,):
            raise LunapoleError(f"State: r_m and v_m_s must have 3 components, got {r.shape} and {v.shape}")
        if not (np.all(np.isfinite(r)) and np.all(np.isfinite(v))):
            raise LunapoleError(f"State: non-finite position/velocity r_m={r}, v_m_s={v}")
        if not (self.mass_kg > 0.0):
            raise LunapoleError(f"State: mass_kg must be > 0, got {self.mass_kg}")
        r.setflags(write=False)
        v.setflags(write=False)
        object.__setattr__(self, "r_m", r)
        object.__setattr__(self, "v_m_s", v)
        object.__setattr__(self, "epoch_tdb_s", float(self.epoch_tdb_s))
        object.__setattr__(self, "mass_kg", float(self.mass_kg))

    @property
    def y(self) -> np.ndarray:
        """(7,) integrator vector [r_m, v_m_s, mass_kg]."""
        return np.concatenate([self.r_m, self.v_m_s, [self.mass_kg]])

    @classmethod
    def from_y(cls, epoch_tdb_s: float, y: np.ndarray) -> "State":
        """Inverse of :attr:`y` (y is (6,) or (7,); mass defaults to 1000 kg when absent)."""
        y = np.asarray(y, dtype=float)
        mass = float(y[6]) if y.shape[0] > 6 else 1000.0
        return cls(epoch_tdb_s, y[:3], y[3:6], mass)

    def replace(self, **changes) -> "State":
        """Copy with some fields changed."""
        kw = dict(epoch_tdb_s=self.epoch_tdb_s, r_m=self.r_m, v_m_s=self.v_m_s, mass_kg=self.mass_kg)
        kw.update(changes)
        return State(**kw)

    @property
    def radius_m(self) -> float:
        return float(np.linalg.norm(self.r_m))

    @property
    def speed_m_s(self) -> float:
        return float(np.linalg.norm(self.v_m_s))
