"""The dashboard's weekly attendance trend, drawn with Qt Charts: this academic year against the last,
with the DfE's national attendance (100 % less the published overall absence rate) when shipped."""

from __future__ import annotations

from PySide6.QtCharts import QChart, QChartView, QLineSeries, QValueAxis
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor, QPainter, QPen

from attendance_desk.services.trend import National, Trend

# Okabe–Ito blue and orange: told apart under the common colour-vision deficiencies; last year is
# dashed as well, so the two lines differ without colour.
THIS_YEAR, LAST_YEAR, NATIONAL = "#0072B2", "#E69F00", "#555555"


class TrendChart(QChartView):
    def __init__(self):
        self.chart_ = QChart()
        super().__init__(self.chart_)
        self.setAccessibleName("Weekly attendance trend")
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.chart_.legend().setAlignment(Qt.AlignmentFlag.AlignBottom)
        self.chart_.setTitle("Whole-school attendance by week")
        self.setMinimumHeight(260)
        self.trend: Trend | None = None

    def show_trend(self, trend: Trend, national: National | None = None) -> None:
        self.trend = trend
        chart = self.chart_
        chart.removeAllSeries()
        for axis in chart.axes():
            chart.removeAxis(axis)
        lines = []
        for label, points, colour, style in (
            (trend.this_label, trend.this_year, THIS_YEAR, Qt.PenStyle.SolidLine),
            (trend.last_label, trend.last_year, LAST_YEAR, Qt.PenStyle.DashLine),
        ):
            series = QLineSeries()
            series.setName(label if points else f"{label} (no marks)")
            series.setPen(QPen(QColor(colour), 2.5, style))
            for p in points:
                if p.attendance_pct is not None:
                    series.append(QPointF(p.week, p.attendance_pct))
            lines.append(series)
        values = [
            p.attendance_pct
            for p in trend.this_year + trend.last_year
            if p.attendance_pct is not None
        ]
        weeks = [p.week for p in trend.this_year + trend.last_year] or [1]
        if national and national.overall_absence_pct is not None:
            level = round(100 - national.overall_absence_pct, 1)
            series = QLineSeries()
            series.setName(
                f"National {national.phase if national.phase != 'all' else 'all schools'} "
                f"{national.academic_year}: {level:.1f}%"
            )
            series.setPen(QPen(QColor(NATIONAL), 1.5, Qt.PenStyle.DotLine))
            series.append(QPointF(1, level))
            series.append(QPointF(max(max(weeks), 40), level))
            lines.append(series)
            values.append(level)
        x, y = QValueAxis(), QValueAxis()
        x.setTitleText("Week of the school year (1 = the first week of September)")
        x.setLabelFormat("%d")
        last_week = max(max(weeks), 40)  # the school year runs to about week 46
        x.setRange(1, last_week)
        x.setTickType(QValueAxis.TickType.TicksDynamic)
        x.setTickAnchor(0)
        x.setTickInterval(5)
        y.setTitleText("Attendance %")
        y.setLabelFormat("%.0f%%")
        low = min(values) if values else 90.0
        y.setRange(max(0.0, (int(low) // 5) * 5 - 5 if low < 95 else 90.0), 100)
        y.setTickCount(int((100 - y.min()) // (5 if y.min() >= 60 else 10)) + 1)
        chart.addAxis(x, Qt.AlignmentFlag.AlignBottom)
        chart.addAxis(y, Qt.AlignmentFlag.AlignLeft)
        for series in lines:
            chart.addSeries(series)
            series.attachAxis(x)
            series.attachAxis(y)
