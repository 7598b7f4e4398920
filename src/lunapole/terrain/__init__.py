"""lunapole.terrain: elevation models, slope/roughness, horizon maps, sunlight/Earth visibility, PSRs, sites.

See docs/terrain.md. Public names (imported on first use so ``import lunapole`` stays light):

- ``read_dem``, ``Dem``, ``write_geotiff``, ``write_pds3_ldem``           (terrain.dem)
- ``compute_horizon``, ``add_farfield``, ``HorizonMap``                    (terrain.horizon)
- ``epochs_tdb_s``, ``illumination_maps``, ``point_time_series``            (terrain.illumination)
- ``plane_fit``, ``slope_deg``, ``roughness_m``, ``hazard_mask``            (terrain.analysis)
- ``rank_base_sites``, ``rank_landing_sites``, ``write_geojson``            (terrain.sites)
- ``tiled_illumination``                                                   (terrain.tiled)
"""
from __future__ import annotations

import importlib

_EXPORTS = {
    "Dem": "dem", "read_dem": "dem", "write_geotiff": "dem", "write_pds3_ldem": "dem",
    "HorizonMap": "horizon", "compute_horizon": "horizon", "add_farfield": "horizon",
    "epochs_tdb_s": "illumination", "illumination_maps": "illumination", "point_time_series": "illumination",
    "IlluminationMaps": "illumination",
    "plane_fit": "analysis", "slope_deg": "analysis", "roughness_m": "analysis", "hazard_mask": "analysis",
    "rank_base_sites": "sites", "rank_landing_sites": "sites", "write_geojson": "sites",
    "tiled_illumination": "tiled",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(importlib.import_module(f"lunapole.terrain.{_EXPORTS[name]}"), name)
    raise AttributeError(f"module 'lunapole.terrain' has no attribute {name!r}")
