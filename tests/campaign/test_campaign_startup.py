"""Start-up trimming of campaigns: heavy modules stay off the campaign path, chunks are read back in index
order without pyarrow.dataset, and the standalone HTML page carries the same figures as plotly.io.to_html."""
from __future__ import annotations

import base64
import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from lunapole.campaign.store import CHUNK_DIR, read_results


def test_campaign_path_leaves_heavy_modules_unimported():
    # cvxpy (+ scipy.stats) only for convex guidance, pandas/pyarrow.dataset never: ~2 s of imports per process
    code = (
        "import sys; import lunapole.cli, lunapole.campaign.runner, lunapole.campaign.descent_model, "
        "lunapole.descent.batch, lunapole.campaign.report, lunapole.campaign.stats; "
        "print(sorted(m for m in ('cvxpy', 'scipy.stats', 'pandas', 'pyarrow.dataset', 'dask', 'distributed', "
        "'astropy', 'plotly.graph_objs') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert json.loads(out.strip().replace("'", '"')) == []


def test_read_results_orders_chunks_by_index(tmp_path):
    # file names sort as text 0-5, 10-15, 5-10: the table must still come back in sample order
    (tmp_path / CHUNK_DIR).mkdir()
    for a, b in ((10, 15), (0, 5), (5, 10)):
        idx = np.arange(a, b, dtype=np.int64)
        pq.write_table(pa.table({"sample": idx, "x": idx * 0.5}), tmp_path / CHUNK_DIR / f"chunk-{a}-{b}.parquet")
    table = read_results(tmp_path)
    assert table.column("sample").to_pylist() == list(range(15))
    assert table.column("x").to_pylist() == [0.5 * i for i in range(15)]
    # reference: pyarrow's dataset reader + sort
    ref = pa.concat_tables([pq.read_table(f) for f in sorted((tmp_path / CHUNK_DIR).glob("*.parquet"))])
    assert table.equals(ref.sort_by("sample"))


def test_read_results_sorts_out_of_order_rows(tmp_path):
    (tmp_path / CHUNK_DIR).mkdir()
    idx = np.array([3, 1, 2, 0], dtype=np.int64)
    pq.write_table(pa.table({"sample": idx}), tmp_path / CHUNK_DIR / "chunk-0-4.parquet")
    assert read_results(tmp_path).column("sample").to_pylist() == [0, 1, 2, 3]


def _decode(obj):
    """plotly JSON with typed arrays ({"dtype", "bdata"}) decoded to lists, NaN -> None."""
    if isinstance(obj, dict):
        if set(obj) == {"dtype", "bdata"}:
            arr = np.frombuffer(base64.b64decode(obj["bdata"]), dtype=np.dtype(obj["dtype"])).astype(float)
            return [None if np.isnan(v) else float(v) for v in arr]
        return {k: _decode(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_decode(v) for v in obj]
    if isinstance(obj, float) and obj != obj:
        return None
    return obj


def test_standalone_html_has_the_figures_plotly_writes(tmp_path):
    import plotly.io as pio

    from lunapole.campaign.report import campaign_figures, write_campaign_html
    from lunapole.campaign.stats import summarize

    rng = np.random.default_rng(3)
    n = 300
    ok = rng.random(n) < 0.8
    east = np.where(ok, rng.normal(0.0, 100.0, n), np.nan)  # failures without a touchdown point: null
    table = pa.table({
        "sample": np.arange(n), "success": ok, "failure_reason": np.where(ok, "", "tip_over"),
        "landing_east_m": east, "landing_north_m": rng.normal(0.0, 300.0, n),
        "propellant_margin_kg": rng.normal(90.0, 8.0, n), "in.mass.initial_kg": rng.normal(0.0, 5.0, n),
    })
    summary = summarize(table)
    page = write_campaign_html(tmp_path / "campaign.html", table, summary).read_text(encoding="utf-8")
    assert "<script src=" not in page and "Wilson 95 %" in page  # plotly.js inlined: works offline
    calls = re.findall(r'Plotly\.newPlot\("[^"]+", (.*?), \{"responsive": true\}\); \}</script>', page, re.S)
    figures = campaign_figures(table, summary)  # reference: plotly's own serialisation of the same figures
    assert len(calls) == len(figures) == 3
    dec = json.JSONDecoder()
    for call, fig in zip(calls, figures):
        data, end = dec.raw_decode(call)
        layout, _ = dec.raw_decode(call[end:].lstrip(", "))
        ref = json.loads(pio.to_json(fig))
        assert _decode(data) == _decode(ref["data"])
        assert _decode(layout) == _decode(ref["layout"])  # incl. plotly's default template
