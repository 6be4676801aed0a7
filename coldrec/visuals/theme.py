"""One look for every figure: an explicit plotly template and one colour per model name.

Notes
-----
Importing streamlit replaces plotly's default template with one whose colours
are placeholders that only the app's front end fills in; a figure exported
from such a process (the downloaded HTML report) then draws every trace in
black. Every figure therefore names its template explicitly, and every trace
that stands for a model gets that model's colour, so a model looks the same on
every page, in the report and in a notebook.

The palette is Paul Tol's "muted" scheme plus Okabe-Ito orange: readable by
the common colour-vision deficiencies, none of them black, and models that sit
next to each other in the registry get colours far apart.
"""

from __future__ import annotations

import zlib

import plotly.graph_objects as go

TEMPLATE = "plotly_white"
# Registry models (tests check every one has a colour; importing the registry here would pull torch into
# the Data page), in a fixed order, so a model's colour never depends on which others a run trained.
MODEL_COLORS: dict[str, str] = {
    "popularity": "#888888", "content": "#CC6677", "itemknn": "#332288", "ease": "#117733", "bpr": "#DDCC77",
    "adapter": "#88CCEE", "transfer": "#882255", "twotower": "#44AA99", "distill": "#AA4499", "hybrid": "#E69F00",
    "cb2cf": "#0072B2",
}
# For names outside the registry (a renamed model, a comparison label); picked by a stable hash of the name.
EXTRA_COLORS: tuple[str, ...] = ("#D55E00", "#56B4E9", "#999933", "#009E73", "#661100")


def model_color(name: str) -> str:
    """The colour of model ``name`` on every figure (a stable pick for names outside the registry).

    Parameters
    ----------
    name : str
        A model name, e.g. "content"; a suffix after a space or colon (``"content (Gini 0.4)"``,
        ``"run 3: ease"``) is ignored so labels built from a model keep its colour.

    Returns
    -------
    str
        A hex colour.
    """
    base = _model_part(name)
    if base in MODEL_COLORS:
        return MODEL_COLORS[base]
    return EXTRA_COLORS[zlib.crc32(base.encode()) % len(EXTRA_COLORS)]


def _model_part(name: str) -> str:
    """The model name inside a trace label: after "run: " and before " ("."""
    text = str(name).split(": ", 1)[-1]
    return text.split(" (", 1)[0].strip()


def is_model(name: object) -> bool:
    """True when a trace label names a registry model."""
    return _model_part(str(name)) in MODEL_COLORS


def style(fig: go.Figure, model_traces: bool = True) -> go.Figure:
    """Set the explicit template and, when ``model_traces``, colour each trace named after a model.

    Returns the same figure, so a figure function can end with ``return style(fig)``.
    """
    fig.update_layout(template=TEMPLATE)
    if model_traces:
        for trace in fig.data:
            if trace.name is not None and is_model(trace.name):
                _paint(trace, model_color(trace.name))
    return fig


def _paint(trace: go.BaseTraceType, color: str) -> None:
    """Colour a trace's line and markers (bars have no line)."""
    if "marker" in trace:
        trace.marker.color = color
    if "line" in trace and not isinstance(trace, go.Bar):
        trace.line.color = color
