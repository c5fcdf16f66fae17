/**
 * Chart specs of the benchmark report as Apache ECharts options: scatter
 * plots in small multiples, grouped bars against baselines, and the
 * "measured vs threshold" chart of the targets. A spec is plain data (an
 * option plus its pixel size); chart-svg.ts renders it to SVG on Node, and
 * the same SVG goes into its `chart-*.svg` file and into `index.html`.
 *
 * ECharts lays out axes, ticks, legends and labels; this module only places
 * the panels of a chart (one grid per panel) and picks colours; it
 * estimates text widths ({@link textWidth}) to leave room for a wrapped
 * subtitle and legend.
 *
 * @module
 */
import type { BarSeriesOption, ScatterSeriesOption } from 'echarts/charts'
import type { GridComponentOption, LegendComponentOption, MarkLineComponentOption, TitleComponentOption } from 'echarts/components'
import type { ComposeOption } from 'echarts/core'
import type { XAXisComponentOption, YAXisComponentOption } from 'echarts'
import { compactNumber } from '../src/format.js'

/** The options these charts use (what chart-svg.ts registers with ECharts). */
export type ChartOption = ComposeOption<BarSeriesOption | ScatterSeriesOption | GridComponentOption | LegendComponentOption | MarkLineComponentOption | TitleComponentOption>

/** A chart ready to render: its ECharts option and its size in px. */
export interface ChartSpec {
  option: ChartOption
  width: number
  height: number
}

/** Font stack: DejaVu Sans is what headless Chromium on Debian picks anyway. */
export const FONT = 'DejaVu Sans, Verdana, Arial, sans-serif'
const INK = '#222'
const MUTED = '#666'

/** Pass and fail colours (also used by the HTML page). */
export const PASS_COLOR = '#2e7d32'
export const FAIL_COLOR = '#c62828'

/** Tableau 10: distinct, readable on white, colour-blind tolerable. */
export const PALETTE: readonly string[] = Object.freeze([
  '#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'
])

/** The `i`-th palette colour, cycling. */
export function paletteColor (i: number): string {
  return PALETTE[((i % PALETTE.length) + PALETTE.length) % PALETTE.length] as string
}

/**
 * Approximate rendered width of `s` at `size` px: 0.6 em a character (DejaVu
 * Sans), 1 em for wide (CJK) ones, which is also how ECharts derives the
 * line height from a font (the width of `国`).
 */
export function textWidth (s: string, size: number): number {
  let em = 0
  for (const ch of s) em += (ch.codePointAt(0) as number) >= 0x2e80 ? 1 : 0.6
  return em * size
}

/** Lines `s` takes when wrapped to `width` px at `size` px. */
function lineCount (s: string, width: number, size: number): number {
  return Math.max(1, Math.ceil(textWidth(s, size) / Math.max(width, 1)))
}

/** Everything a chart shares: no animation, white background, the font, no interaction (static SVG). */
function base (title: string, subtitle: string | undefined, width: number): { option: ChartOption, titles: TitleComponentOption[], height: number } {
  const inner = width - 32
  const titleLines = Math.min(2, lineCount(title, inner, 16))
  const subLines = subtitle === undefined ? 0 : lineCount(subtitle, inner, 12)
  const titles: TitleComponentOption[] = [{
    text: title,
    subtext: subtitle,
    left: 16,
    top: 8,
    itemGap: 6,
    textStyle: { fontSize: 16, lineHeight: 20, fontWeight: 'bold', color: INK, width: inner, overflow: 'break' },
    subtextStyle: { fontSize: 12, lineHeight: 15, color: MUTED, width: inner, overflow: 'break' }
  }]
  const option: ChartOption = { animation: false, silent: true, backgroundColor: '#fff', textStyle: { fontFamily: FONT }, title: titles }
  return { option, titles, height: 16 + titleLines * 20 + subLines * 15 + 8 }
}

interface LegendEntry {
  name: string
  /** ECharts legend icon. */
  icon: 'circle' | 'rect'
}

/** A legend flowing in rows across the chart at `top`; returns it and its estimated height. */
function legend (entries: readonly LegendEntry[], top: number, width: number): { legend: LegendComponentOption, height: number } {
  let rows = entries.length === 0 ? 0 : 1
  let x = 16
  for (const e of entries) {
    const w = 14 + 5 + textWidth(e.name, 11) + 12
    if (x + w > width - 16 && x > 16) {
      rows++
      x = 16
    }
    x += w
  }
  return {
    legend: {
      data: entries.map(e => ({ name: e.name, icon: e.icon })),
      top,
      left: 16,
      width: width - 32,
      itemWidth: 14,
      itemHeight: 11,
      itemGap: 12,
      selectedMode: false,
      textStyle: { fontSize: 11, color: INK }
    },
    height: rows * 19
  }
}

const axisName = { fontSize: 11, color: MUTED }
const axisLabel = { fontSize: 11, color: MUTED, formatter: (v: number): string => compactNumber(v) }

// ---------------------------------------------------------------------------
// Scatter plots

/** One point of a scatter series. */
export interface ScatterPoint {
  x: number
  y: number
}

/** A named set of points drawn alike. */
export interface ScatterSeries {
  name: string
  color: string
  /**
   * Drawn as a ring instead of a filled dot (used for libraries called directly).
   * @default false
   */
  hollow?: boolean
  points: ScatterPoint[]
}

/** One small plot of a {@link ScatterChartInit}. */
export interface ScatterPanel {
  title: string
  series: ScatterSeries[]
}

/** Options of {@link scatterChart}. */
export interface ScatterChartInit {
  title: string
  subtitle?: string
  xLabel: string
  yLabel: string
  /** @default false */
  xLog?: boolean
  /** @default false */
  yLog?: boolean
  /** Small multiples, each with its own axes, sharing one legend. */
  panels: ScatterPanel[]
  /**
   * Panels per row.
   * @default min(panels, 3)
   */
  columns?: number
  /**
   * Width of one panel (px).
   * @default 430
   */
  panelWidth?: number
  /**
   * Height of one panel (px).
   * @default 300
   */
  panelHeight?: number
}

const PANEL = { left: 62, right: 18, top: 30, bottom: 46 }

/** A scatter chart: one grid per panel, a legend entry per series name (dot or ring). */
export function scatterChart (init: ScatterChartInit): ChartSpec {
  const columns = Math.max(1, init.columns ?? Math.min(init.panels.length, 3))
  const pw = init.panelWidth ?? 430
  const ph = init.panelHeight ?? 300
  const width = Math.max(columns * pw + 16, 480)
  const head = base(init.title, init.subtitle, width)
  const entries = new Map<string, LegendEntry>()
  for (const p of init.panels) for (const s of p.series) if (!entries.has(s.name)) entries.set(s.name, { name: s.name, icon: 'circle' })
  const leg = legend([...entries.values()], head.height, width)
  const top = head.height + leg.height + 6
  const grid: GridComponentOption[] = []
  const xAxis: XAXisComponentOption[] = []
  const yAxis: YAXisComponentOption[] = []
  const series: ScatterSeriesOption[] = []
  init.panels.forEach((p, i) => {
    const x0 = 8 + (i % columns) * pw
    const y0 = top + Math.floor(i / columns) * ph
    grid.push({ left: x0 + PANEL.left, top: y0 + PANEL.top, width: pw - PANEL.left - PANEL.right, height: ph - PANEL.top - PANEL.bottom })
    head.titles.push({ text: p.title, left: x0 + PANEL.left, top: y0 + 6, textStyle: { fontSize: 13, fontWeight: 'bold', color: INK } })
    xAxis.push({ gridIndex: i, type: init.xLog === true ? 'log' : 'value', scale: true, name: init.xLabel, nameLocation: 'middle', nameGap: 28, nameTextStyle: axisName, axisLabel })
    yAxis.push({ gridIndex: i, type: init.yLog === true ? 'log' : 'value', name: init.yLabel, nameLocation: 'middle', nameGap: 44, nameTextStyle: axisName, axisLabel })
    for (const s of p.series) {
      series.push({
        type: 'scatter',
        name: s.name,
        xAxisIndex: i,
        yAxisIndex: i,
        symbolSize: s.hollow === true ? 10 : 11,
        data: s.points.map(pt => [pt.x, pt.y]),
        itemStyle: s.hollow === true
          ? { color: '#fff', borderColor: s.color, borderWidth: 2, opacity: 1 }
          : { color: s.color, borderColor: '#fff', borderWidth: 1, opacity: 1 }
      })
    }
  })
  const rows = Math.ceil(init.panels.length / columns)
  return { option: { ...head.option, legend: leg.legend, grid, xAxis, yAxis, series }, width, height: top + rows * ph + 8 }
}

// ---------------------------------------------------------------------------
// Grouped bars

/** One bar. */
export interface Bar {
  /** Series name: bars with the same name share a colour and a legend entry. */
  name: string
  /** Height, or null when not measured (no bar). */
  value: number | null
  /**
   * A library called directly (drawn hatched).
   * @default false
   */
  baseline?: boolean
}

/** Bars drawn side by side under one label. */
export interface BarCategory {
  label: string
  bars: Bar[]
}

/** Options of {@link barChart}. */
export interface BarChartInit {
  title: string
  subtitle?: string
  yLabel: string
  /** @default true */
  yLog?: boolean
  categories: BarCategory[]
  /**
   * Total width (px).
   * @default 1200
   */
  width?: number
}

/** White diagonal stripes over a bar's colour: a baseline. */
const HATCH = { symbol: 'rect', symbolSize: 1, dashArrayX: [1, 0], dashArrayY: [3, 3], rotation: -Math.PI / 4, color: 'rgba(255, 255, 255, 0.85)' }

const BAR = { plot: 165, headroom: 40, labels: 60, left: 62, right: 12 }

/** A grouped bar chart: one category per label, one series per bar name (hatched when a baseline), value labels on the bars. */
export function barChart (init: BarChartInit): ChartSpec {
  const width = init.width ?? 1200
  const logY = init.yLog ?? true
  const names: Array<{ name: string, baseline: boolean }> = []
  for (const c of init.categories) for (const b of c.bars) if (!names.some(n => n.name === b.name)) names.push({ name: b.name, baseline: b.baseline === true })
  const label = (n: { name: string, baseline: boolean }): string => n.baseline ? `${n.name} (baseline)` : n.name
  const head = base(init.title, init.subtitle, width)
  const leg = legend(names.map(n => ({ name: label(n), icon: 'rect' })), head.height, width)
  const top = head.height + leg.height + 4 + BAR.headroom
  const plotWidth = width - BAR.left - BAR.right
  const series: BarSeriesOption[] = names.map((n, i) => ({
    type: 'bar',
    name: label(n),
    data: init.categories.map(c => {
      const v = c.bars.find(b => b.name === n.name)?.value ?? null
      return v === null || !(logY ? v > 0 : Number.isFinite(v)) ? null : v
    }),
    itemStyle: { color: paletteColor(i), borderColor: paletteColor(i), ...(n.baseline ? { decal: HATCH } : {}) },
    label: { show: true, position: 'top', rotate: 90, align: 'left', verticalAlign: 'middle', distance: 4, fontSize: 10, color: INK, formatter: (p: { value: unknown }) => compactNumber(Number(p.value)) }
  }))
  return {
    option: {
      ...head.option,
      legend: leg.legend,
      grid: { left: BAR.left, right: BAR.right, top, height: BAR.plot },
      xAxis: {
        type: 'category',
        data: init.categories.map(c => c.label),
        axisLabel: { interval: 0, fontSize: 11, lineHeight: 13, color: INK, width: Math.max(40, plotWidth / Math.max(1, init.categories.length) - 8), overflow: 'break' }
      },
      // A log axis starts at the decade below the smallest bar (not at 1).
      yAxis: { type: logY ? 'log' : 'value', ...(logY ? { min: (e: { min: number }) => 10 ** Math.floor(Math.log10(e.min)) } : {}), name: init.yLabel, nameLocation: 'middle', nameGap: 44, nameTextStyle: axisName, axisLabel },
      series
    },
    width,
    height: top + BAR.plot + BAR.labels + 8
  }
}

// ---------------------------------------------------------------------------
// Targets: measured against threshold

/** One target of a {@link targetChart}. */
export interface TargetBar {
  label: string
  /** Normalized margin, 1 = exactly at the threshold, > 1 passes; null when it cannot be computed. */
  value: number | null
  pass: boolean
  /** Right-hand text, e.g. `PASS 0.912 ≥ 0.9`. */
  text: string
}

/** A titled group of targets (one issue). */
export interface TargetSection {
  title: string
  rows: TargetBar[]
}

/** Options of {@link targetChart}. */
export interface TargetChartInit {
  title: string
  subtitle?: string
  sections: TargetSection[]
  /**
   * Total width (px).
   * @default 1340
   */
  width?: number
  /**
   * Columns the rows flow into (a section split across columns repeats its title).
   * @default 2 when there are more than 24 targets, else 1
   */
  columns?: number
}

const ROW_H = 18

type TargetLine = { kind: 'section', title: string } | { kind: 'row', row: TargetBar }

/** Splits the sections' lines into `columns` runs of about equal length, repeating a split section's title. */
function flowColumns (sections: readonly TargetSection[], columns: number): TargetLine[][] {
  const total = sections.reduce((n, s) => n + 1 + s.rows.length, 0)
  const per = total / columns
  const out: TargetLine[][] = [[]]
  let count = 0
  for (const section of sections) {
    const passed = section.rows.filter(r => r.pass).length
    let col = out[out.length - 1] as TargetLine[]
    col.push({ kind: 'section', title: `${section.title}: ${passed} of ${section.rows.length} pass` })
    count++
    for (const row of section.rows) {
      if (count + 1 > per * out.length + 0.5 && out.length < columns) {
        col = []
        out.push(col)
        col.push({ kind: 'section', title: `${section.title} (continued)` })
        count++
      }
      col.push({ kind: 'row', row })
      count++
    }
  }
  return out
}

/** Margins are drawn as log10(margin), clamped to 0.01x..100x: bars grow from the 1x line, right passes, left fails. */
function logMargin (v: number): number {
  return Math.log10(Math.min(100, Math.max(0.01, v)))
}

/** Rich-text styles of the targets' labels (ECharts `{style|text}` markup). */
const TARGET_RICH = {
  h: { fontSize: 12.5, fontWeight: 'bold' as const, color: INK },
  pass: { fontSize: 11, color: PASS_COLOR },
  fail: { fontSize: 11, color: FAIL_COLOR }
}

/**
 * Targets as horizontal bars of their margin on a log axis centred on the
 * threshold (the dashed 1x line), one row each, grouped under their issue's
 * title; green bars pass, red ones fail; the verdict on the right. Rows flow
 * into columns to keep a long list short.
 */
export function targetChart (init: TargetChartInit): ChartSpec {
  const width = init.width ?? 1340
  const rows = init.sections.flatMap(s => s.rows)
  const columns = Math.max(1, init.columns ?? (rows.length > 24 ? 2 : 1))
  const head = base(init.title, init.subtitle, width)
  const colW = (width - 8) / columns
  const labelW = Math.min(colW * 0.52, Math.max(140, ...rows.map(r => textWidth(r.label, 10.5) + 34)))
  const textW = Math.min(colW * 0.3, Math.max(110, ...rows.map(r => textWidth(r.text, 11) + 14)))
  const logs = [...rows.flatMap(r => r.value !== null && r.value > 0 ? [logMargin(r.value)] : []), Math.log10(0.5), Math.log10(2)]
  const min = Math.floor(Math.min(...logs) * 2) / 2
  const max = Math.ceil(Math.max(...logs) * 2) / 2
  const flowed = flowColumns(init.sections, columns)
  const top = head.height + 22
  const grid: GridComponentOption[] = []
  const xAxis: XAXisComponentOption[] = []
  const yAxis: YAXisComponentOption[] = []
  const series: BarSeriesOption[] = []
  flowed.forEach((lines, k) => {
    const x0 = 4 + k * colW
    grid.push({ left: x0 + labelW, width: colW - labelW - textW, top, height: lines.length * ROW_H })
    xAxis.push({
      gridIndex: k,
      type: 'value',
      position: 'top',
      min,
      max,
      interval: 0.5,
      axisLine: { show: false },
      axisLabel: { fontSize: 10, color: MUTED, formatter: (v: number) => `${Number((10 ** v).toPrecision(1))}x` }
    })
    const common = { gridIndex: k, type: 'category' as const, inverse: true, axisLine: { show: false }, axisTick: { show: false } }
    yAxis.push({
      ...common,
      data: lines.map(l => l.kind === 'section' ? `{h|${l.title}}` : l.row.label),
      axisLabel: { align: 'left', margin: labelW - 8, fontSize: 10.5, color: INK, rich: TARGET_RICH }
    })
    yAxis.push({
      ...common,
      position: 'right',
      data: lines.map(l => l.kind === 'section' ? '' : `{${l.row.pass ? 'pass' : 'fail'}|${l.row.text}}`),
      axisLabel: { align: 'left', margin: 8, rich: TARGET_RICH }
    })
    series.push({
      type: 'bar',
      xAxisIndex: k,
      yAxisIndex: 2 * k,
      barWidth: 12,
      data: lines.map(l => l.kind === 'row' && l.row.value !== null && l.row.value > 0
        ? { value: logMargin(l.row.value), itemStyle: { color: l.row.pass ? PASS_COLOR : FAIL_COLOR } }
        : null),
      markLine: { symbol: 'none', label: { show: false }, lineStyle: { color: INK, width: 1.5, type: [4, 3] }, data: [{ xAxis: 0 }] }
    })
  })
  const height = top + Math.max(...flowed.map(l => l.length)) * ROW_H + 10
  return { option: { ...head.option, grid, xAxis, yAxis, series }, width, height }
}
