"""Monte Carlo campaigns: dispersion specs, runner (local processes or dask), Parquet store, statistics.

Public names (imported lazily: ``import lunapole.campaign`` stays cheap)::

    run_campaign(scenario, n, seed, out_dir, workers=None, scheduler=None, local_cluster=False,
                 resume=False, ...) -> CampaignResult(out_dir, table, summary, elapsed_s)
    parse_dispersions(table, raw_scenario, source) -> DispersionSpec
    read_results(out_dir) -> pyarrow.Table;  read_manifest(out_dir) -> dict
    summarize(table) -> dict;  wilson_interval(k, n);  error_ellipse(cov)
    campaign_report_section(result) -> ReportSection(title, html, figures)

See docs/montecarlo.md.
"""
from __future__ import annotations

from typing import Any

_EXPORTS = {
    "run_campaign": "lunapole.campaign.runner",
    "CampaignResult": "lunapole.campaign.runner",
    "prepare_job": "lunapole.campaign.runner",
    "parse_dispersions": "lunapole.campaign.dispersions",
    "DispersionSpec": "lunapole.campaign.dispersions",
    "read_results": "lunapole.campaign.store",
    "read_manifest": "lunapole.campaign.store",
    "summarize": "lunapole.campaign.stats",
    "wilson_interval": "lunapole.campaign.stats",
    "error_ellipse": "lunapole.campaign.stats",
    "campaign_report_section": "lunapole.campaign.report",
    "ReportSection": "lunapole.campaign.report",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        import importlib

        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'lunapole.campaign' has no attribute {name!r}")
