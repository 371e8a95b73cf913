"""Chart geometry, computed on the server; `templates/dashboard/_charts.html` draws it as
inline SVG. No JavaScript, no style attributes: sizes are SVG attributes, colours are
classes in `static/css/site.css`."""

from __future__ import annotations

from dataclasses import dataclass, field

LABEL_CHARS = 34


def _short(text: str, limit: int = LABEL_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


@dataclass
class Bar:
    label: str  # in full, for the tooltip
    short_label: str
    value: float
    display: str  # the value as the reader reads it
    x: float
    y: float
    width: float
    height: float
    css: str = "chart-bar"


@dataclass
class Chart:
    width: int
    height: int
    bars: list[Bar] = field(default_factory=list)
    # (x, y, text, css): axis labels, legend entries
    texts: list[tuple[float, float, str, str]] = field(default_factory=list)
    legend: list[tuple[float, float, str, str]] = field(default_factory=list)  # x, y, css, label
    baseline: tuple[float, float, float, float] | None = None

    @property
    def empty(self) -> bool:
        return not self.bars


def horizontal_bars(items: list[tuple[str, float, str]], *, width: int = 640,
                    label_width: int = 250, bar_height: int = 22, gap: int = 8) -> Chart:
    """One bar per (label, value, displayed value), longest = full width."""
    value_room = 130
    top = 4
    scale_width = width - label_width - value_room
    largest = max((value for _label, value, _display in items), default=0) or 1
    chart = Chart(width=width, height=top * 2 + len(items) * (bar_height + gap))
    for index, (label, value, display) in enumerate(items):
        y = top + index * (bar_height + gap)
        bar_width = max(scale_width * value / largest, 1 if value else 0)
        chart.bars.append(Bar(label=label, short_label=_short(label), value=value,
                              display=display, x=label_width, y=y, width=round(bar_width, 1),
                              height=bar_height))
    return chart


def monthly_pairs(months: list[str], series: list[tuple[str, str, dict[str, int]]], *,
                  display, height: int = 260, slot: int = 36) -> Chart:
    """Side-by-side bars per month for each series (css, legend label, {month: amount})."""
    left, bottom, top = 8, 40, 28
    width = max(left * 2 + slot * len(months), 320)
    plot = height - bottom - top
    largest = max((amount for _css, _label, values in series for amount in values.values()),
                  default=0) or 1
    chart = Chart(width=width, height=height)
    bar_width = (slot - 8) / max(len(series), 1)
    for m_index, month in enumerate(months):
        x0 = left + m_index * slot + 4
        for s_index, (css, label, values) in enumerate(series):
            amount = values.get(month, 0)
            bar_h = plot * amount / largest
            chart.bars.append(Bar(
                label=f"{month} · {label}", short_label=month, value=amount,
                display=display(amount), x=round(x0 + s_index * bar_width, 1),
                y=round(top + plot - bar_h, 1), width=round(bar_width - 1, 1),
                height=round(bar_h, 1), css=css))
        chart.texts.append((x0 + (slot - 8) / 2, height - bottom + 16, month[2:], "chart-axis"))
    chart.baseline = (left, top + plot, width - left, top + plot)
    for s_index, (css, label, _values) in enumerate(series):
        chart.legend.append((left + s_index * 170, 8, css, label))
    return chart
