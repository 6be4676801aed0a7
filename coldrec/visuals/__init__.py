"""Plotly figures built from the library's tidy tables, one theme for them all, and the HTML/CSV report.

Offers
------
- :mod:`.analysis`: What the Cold start page and the report read from a finished run: like-for-like segments,
  effects, findings.
- :mod:`.coldstart`: Plotly figures built from the library's tidy tables (used by the app and the report).
- :mod:`.longtail`: Plotly figures of the long-tail view (Long tail page and report): popularity, exposure Lorenz,
  tail boost.
- :mod:`.profile`: Plotly figures of a :class:`~coldrec.data.profile.DatasetProfile` (the Data page's charts).
- :mod:`.report`: A self-contained HTML report of one or more runs, and their metric tables as formula-safe CSV.
- :mod:`.theme`: One look for every figure: an explicit plotly template and one colour per model name.
- :mod:`.simulation`: Plotly figures for the simulator: list timelines, replay metrics, the tail-boost trade-off.
- :mod:`.overview`: What the landing page shows: the state of the work and the next thing to do.
"""

from coldrec.visuals.analysis import Analysis, analyse_run, encoder_name, model_sizes
from coldrec.visuals.coldstart import (
    METRIC_LABELS,
    SEGMENT_COLORS,
    bucket_lines,
    coldstart_bars,
    diff_figure,
    effect_figure,
    exposure_bars,
    few_shot_figure,
    item_gap_bars,
    item_segment_bars,
    label,
    lift_figure,
    warming_bars,
)
from coldrec.visuals.longtail import exposure_lorenz_figure, popularity_curve, tradeoff_figure
from coldrec.visuals.overview import Overview, overview
from coldrec.visuals.profile import (
    CURVE_COLOR,
    EQUALITY_COLOR,
    HEAD_TAIL_COLORS,
    history_histogram,
    lorenz_figure,
    popularity_figure,
    text_length_histogram,
)
from coldrec.visuals.report import (
    FORMULA_START,
    RunResults,
    build_report,
    load_results,
    metric_tables,
    protocol_text,
    report,
    safe_cell,
    safe_csv,
    tables_zip,
)
from coldrec.visuals.simulation import METRIC_NAMES, curve_chart, replay_chart, timeline_chart, tradeoff_chart
from coldrec.visuals.theme import MODEL_COLORS, TEMPLATE, model_color, style

__all__ = [
    "Overview", "overview",
    "Analysis",
    "CURVE_COLOR",
    "EQUALITY_COLOR",
    "FORMULA_START",
    "HEAD_TAIL_COLORS",
    "METRIC_LABELS",
    "METRIC_NAMES",
    "MODEL_COLORS",
    "RunResults",
    "SEGMENT_COLORS",
    "TEMPLATE",
    "analyse_run",
    "bucket_lines",
    "build_report",
    "coldstart_bars",
    "curve_chart",
    "diff_figure",
    "effect_figure",
    "encoder_name",
    "exposure_bars",
    "exposure_lorenz_figure",
    "few_shot_figure",
    "history_histogram",
    "item_gap_bars",
    "item_segment_bars",
    "label",
    "lift_figure",
    "load_results",
    "lorenz_figure",
    "metric_tables",
    "model_color",
    "model_sizes",
    "popularity_curve",
    "popularity_figure",
    "protocol_text",
    "replay_chart",
    "report",
    "safe_cell",
    "safe_csv",
    "style",
    "tables_zip",
    "text_length_histogram",
    "timeline_chart",
    "tradeoff_chart",
    "tradeoff_figure",
    "warming_bars",
]
