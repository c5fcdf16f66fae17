/**
 * A small, dependency-free SVG chart renderer for the benchmark report:
 * scatter plots in small multiples, grouped bar charts (log or linear), and
 * a diverging "measured vs threshold" chart for targets. Output is plain SVG
 * 1.1 text (presentation attributes only, no CSS, scripts, fonts or external
 * references), so a chart renders the same as a standalone `.svg` file and
 * inlined in an HTML page, offline. Element ids are prefixed with the chart
 * id, so several charts can share one page.
 *
 * @module
 */
import { compactNumber, createScale, type Scale } from './charts-scale.js'

/** Font stack: DejaVu Sans is what headless Chromium on Debian picks anyway. */
const FONT = 'DejaVu Sans, Verdana, Arial, sans-serif'
const INK = '#222'
const MUTED = '#666'
const GRID = '#e3e3e3'
const AXIS = '#888'

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

/** Escapes text for XML content and attribute values. */
export function escapeXml (s: string): string {
  return s.replace(/[&<>"']/g, c => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c] as string)
}

type Attrs = Record<string, string | number | undefined>

function num (n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(1)
}

/** One element; `children` are already-rendered markup (use {@link escapeXml} for text). */
function el (name: string, attrs: Attrs, children?: string | readonly string[]): string {
  const a = Object.entries(attrs)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => ` ${k}="${escapeXml(typeof v === 'number' ? num(v) : v as string)}"`)
    .join('')
  if (children === undefined) return `<${name}${a}/>`
  return `<${name}${a}>${typeof children === 'string' ? children : children.join('')}</${name}>`
}

function text (x: number, y: number, s: string, attrs: Attrs = {}): string {
  return el('text', { x, y, fill: INK, 'font-size': 12, ...attrs }, escapeXml(s))
}

/** Approximate rendered width of `s` at `size` px (DejaVu Sans averages ~0.6 em). */
export function textWidth (s: string, size: number): number {
  return s.length * size * 0.6
}

/** `s`, cut with an ellipsis to fit `width` px at `size` px. */
function ellipsize (s: string, width: number, size: number): string {
  const max = Math.max(2, Math.floor(width / (size * 0.6)))
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`
}

/** Splits `s` into lines of at most `width` px at `size` px; at most `maxLines` (the last one ellipsized). */
function wrap (s: string, width: number, size: number, maxLines: number): string[] {
  const perLine = Math.max(4, Math.floor(width / (size * 0.6)))
  const lines: string[] = []
  let line = ''
  for (const word of s.split(/\s+/).filter(w => w !== '')) {
    const next = line === '' ? word : `${line} ${word}`
    if (next.length <= perLine || line === '') line = next
    else {
      lines.push(line)
      line = word
    }
  }
  if (line !== '') lines.push(line)
  const out = lines.slice(0, maxLines).map(l => ellipsize(l, width, size))
  if (lines.length > maxLines) out[maxLines - 1] = `${(out[maxLines - 1] as string).slice(0, perLine - 1)}…`
  return out
}

/** The outer `<svg>` with a white background, an accessible title and a header. */
function frame (id: string, width: number, height: number, title: string, body: readonly string[]): string {
  return el('svg', {
    xmlns: 'http://www.w3.org/2000/svg',
    width,
    height,
    viewBox: `0 0 ${num(width)} ${num(height)}`,
    role: 'img',
    'aria-labelledby': `${id}-title`,
    'font-family': FONT,
    'data-chart': id
  }, [el('title', { id: `${id}-title` }, escapeXml(title)), el('rect', { x: 0, y: 0, width, height, fill: '#fff' }), ...body])
}

/** Title and subtitle lines; returns the markup and the height used. */
function header (title: string, subtitle: string | undefined, width: number): { svg: string[], height: number } {
  const titleLines = wrap(title, width - 32, 16, 2)
  const svg = titleLines.map((l, i) => text(16, 26 + i * 21, l, { 'font-size': 16, 'font-weight': 'bold' }))
  let y = 26 + (titleLines.length - 1) * 21
  for (const line of subtitle === undefined ? [] : wrap(subtitle, width - 32, 12, 3)) {
    y += 17
    svg.push(text(16, y, line, { fill: MUTED }))
  }
  return { svg, height: y + 12 }
}

/** How a legend entry is drawn. */
type Swatch = 'dot' | 'ring' | 'bar' | 'hatch'

interface LegendItem {
  label: string
  color: string
  swatch: Swatch
}

function swatch (x: number, y: number, item: LegendItem, hatchId: (color: string) => string): string {
  switch (item.swatch) {
    case 'dot': return el('circle', { cx: x + 6, cy: y - 4, r: 5, fill: item.color })
    case 'ring': return el('circle', { cx: x + 6, cy: y - 4, r: 4, fill: '#fff', stroke: item.color, 'stroke-width': 2 })
    case 'bar': return el('rect', { x, y: y - 10, width: 12, height: 12, fill: item.color })
    case 'hatch': return el('rect', { x, y: y - 10, width: 12, height: 12, fill: `url(#${hatchId(item.color)})`, stroke: item.color })
  }
}

/** Legend entries flowing in rows across `width`; returns the markup and the height used. */
function legend (items: readonly LegendItem[], top: number, width: number, hatchId: (color: string) => string): { svg: string[], height: number } {
  const svg: string[] = []
  let x = 16
  let y = top + 14
  for (const item of items) {
    const w = 20 + textWidth(item.label, 11) + 16
    if (x + w > width - 12 && x > 16) {
      x = 16
      y += 17
    }
    svg.push(swatch(x, y, item, hatchId), text(x + 18, y, item.label, { 'font-size': 11 }))
    x += w
  }
  return { svg, height: items.length === 0 ? 0 : y - top + 10 }
}

/** Diagonal-stripe fills (for baseline bars), one per colour, ids prefixed by the chart id. */
function hatches (chartId: string): { id: (color: string) => string, defs: () => string } {
  const used = new Map<string, string>()
  return {
    id (color) {
      let id = used.get(color)
      if (id === undefined) used.set(color, id = `${chartId}-hatch-${used.size}`)
      return id
    },
    defs () {
      const patterns = [...used].map(([color, id]) => el('pattern', {
        id, patternUnits: 'userSpaceOnUse', width: 6, height: 6, patternTransform: 'rotate(45)'
      }, [el('rect', { x: 0, y: 0, width: 6, height: 6, fill: '#fff' }), el('rect', { x: 0, y: 0, width: 3, height: 6, fill: color })]))
      return patterns.length === 0 ? '' : el('defs', {}, patterns)
    }
  }
}

/** Grid lines, ticks and tick labels of a y axis at `left`, for a plot spanning `left..right`. */
function yAxis (scale: Scale, left: number, right: number, format: (v: number) => string): string[] {
  const out: string[] = []
  for (const t of scale.ticks(Math.floor(Math.abs(scale.range[1] - scale.range[0]) / 16))) {
    const y = scale.map(t)
    out.push(el('line', { x1: left, y1: y, x2: right, y2: y, stroke: GRID }))
    out.push(text(left - 6, y + 4, format(t), { 'text-anchor': 'end', 'font-size': 11, fill: MUTED }))
  }
  out.push(el('line', { x1: left, y1: scale.range[0], x2: left, y2: scale.range[1], stroke: AXIS }))
  return out
}

function xAxis (scale: Scale, bottom: number, top: number, format: (v: number) => string): string[] {
  const out: string[] = []
  for (const t of scale.ticks(Math.floor(Math.abs(scale.range[1] - scale.range[0]) / 36))) {
    const x = scale.map(t)
    out.push(el('line', { x1: x, y1: top, x2: x, y2: bottom, stroke: GRID }))
    out.push(text(x, bottom + 15, format(t), { 'text-anchor': 'middle', 'font-size': 11, fill: MUTED }))
  }
  out.push(el('line', { x1: scale.range[0], y1: bottom, x2: scale.range[1], y2: bottom, stroke: AXIS }))
  return out
}

// ---------------------------------------------------------------------------
// Scatter plots

/** One point of a scatter series. */
export interface ScatterPoint {
  x: number
  y: number
  /** Short text drawn next to the point. */
  label?: string
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
  /** Id, unique in a page; prefixes element ids. */
  id: string
  title: string
  subtitle?: string
  xLabel: string
  yLabel: string
  /** @default false */
  xLog?: boolean
  /** @default false */
  yLog?: boolean
  /** Small multiples, each with its own scales, sharing one legend. */
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
  /**
   * Tick label format of the x axis.
   * @default compactNumber
   */
  xFormat?: (v: number) => string
  /**
   * Tick label format of the y axis.
   * @default compactNumber
   */
  yFormat?: (v: number) => string
}

const PANEL_MARGIN = { left: 62, right: 18, top: 30, bottom: 46 }

function scatterPanel (init: ScatterChartInit, panel: ScatterPanel, x0: number, y0: number, w: number, h: number): string[] {
  const left = x0 + PANEL_MARGIN.left
  const right = x0 + w - PANEL_MARGIN.right
  const top = y0 + PANEL_MARGIN.top
  const bottom = y0 + h - PANEL_MARGIN.bottom
  const points = panel.series.flatMap(s => s.points)
  const xs = createScale(points.map(p => p.x), [left, right], { log: init.xLog ?? false })
  const ys = createScale(points.map(p => p.y), [bottom, top], { log: init.yLog ?? false, includeZero: !(init.yLog ?? false) })
  const out: string[] = [text(left, y0 + 18, panel.title, { 'font-weight': 'bold', 'font-size': 13 })]
  out.push(...yAxis(ys, left, right, init.yFormat ?? compactNumber))
  out.push(...xAxis(xs, bottom, top, init.xFormat ?? compactNumber))
  out.push(text((left + right) / 2, bottom + 34, init.xLabel, { 'text-anchor': 'middle', 'font-size': 11, fill: MUTED }))
  const cy = (top + bottom) / 2
  out.push(text(x0 + 14, cy, init.yLabel, { 'text-anchor': 'middle', 'font-size': 11, fill: MUTED, transform: `rotate(-90 ${num(x0 + 14)} ${num(cy)})` }))
  if (points.length === 0) out.push(text((left + right) / 2, cy, 'no data', { 'text-anchor': 'middle', fill: MUTED }))
  for (const s of panel.series) {
    for (const p of s.points) {
      const cx = xs.map(p.x)
      const py = ys.map(p.y)
      const tip = el('title', {}, escapeXml(`${s.name}: ${compactNumber(p.x)}, ${compactNumber(p.y)}`))
      out.push(el('circle', s.hollow === true
        ? { cx, cy: py, r: 5, fill: '#fff', 'fill-opacity': 0.6, stroke: s.color, 'stroke-width': 2 }
        : { cx, cy: py, r: 5.5, fill: s.color, stroke: '#fff', 'stroke-width': 1 }, tip))
      if (p.label !== undefined) out.push(text(cx + 8, py + 4, p.label, { 'font-size': 10, fill: MUTED }))
    }
  }
  return out
}

/** Renders a scatter chart (small multiples, one shared legend) as an SVG document. */
export function scatterChart (init: ScatterChartInit): string {
  const columns = Math.max(1, init.columns ?? Math.min(init.panels.length, 3))
  const pw = init.panelWidth ?? 430
  const ph = init.panelHeight ?? 300
  const width = Math.max(columns * pw + 16, 480)
  const head = header(init.title, init.subtitle, width)
  const seen = new Map<string, LegendItem>()
  for (const p of init.panels) {
    for (const s of p.series) if (!seen.has(s.name)) seen.set(s.name, { label: s.name, color: s.color, swatch: s.hollow === true ? 'ring' : 'dot' })
  }
  const noHatch = (): string => ''
  const leg = legend([...seen.values()], head.height, width, noHatch)
  const top = head.height + leg.height + 6
  const rows = Math.ceil(init.panels.length / columns)
  const body = [...head.svg, ...leg.svg]
  init.panels.forEach((p, i) => body.push(...scatterPanel(init, p, 8 + (i % columns) * pw, top + Math.floor(i / columns) * ph, pw, ph)))
  return frame(init.id, width, top + rows * ph + 8, init.title, body)
}

// ---------------------------------------------------------------------------
// Grouped bars

/** One bar. */
export interface Bar {
  /** Series name: bars with the same name share a colour and a legend entry. */
  name: string
  /** Height, or null when not measured (drawn as "n/a"). */
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
  /** Id, unique in a page; prefixes element ids. */
  id: string
  title: string
  subtitle?: string
  yLabel: string
  /** @default true */
  yLog?: boolean
  categories: BarCategory[]
  /**
   * Categories per row of bars (rows share the y scale).
   * @default 6
   */
  perRow?: number
  /**
   * Total width (px).
   * @default 1200
   */
  width?: number
  /**
   * Value label format.
   * @default compactNumber
   */
  format?: (v: number) => string
}

const BAR_ROW = { plot: 165, headroom: 40, labels: 60, left: 62, right: 12 }
/** Least width of a bar category (px), so its label fits on a few lines. */
const MIN_CATEGORY = 110

/** Renders a grouped bar chart as an SVG document (wrapping into rows of `perRow` categories). */
export function barChart (init: BarChartInit): string {
  const perRow = Math.max(1, init.perRow ?? 6)
  const logY = init.yLog ?? true
  const format = init.format ?? compactNumber
  const hatch = hatches(init.id)
  const colors = new Map<string, string>()
  const items: LegendItem[] = []
  for (const c of init.categories) {
    for (const b of c.bars) {
      if (colors.has(b.name)) continue
      const color = paletteColor(colors.size)
      colors.set(b.name, color)
      items.push({ label: b.baseline === true ? `${b.name} (baseline)` : b.name, color, swatch: b.baseline === true ? 'hatch' : 'bar' })
    }
  }
  const maxWidth = init.width ?? 1200
  const available = maxWidth - BAR_ROW.left - BAR_ROW.right
  const perRowFit = Math.max(1, Math.min(perRow, Math.floor(available / MIN_CATEGORY)))
  const rows: BarCategory[][] = []
  for (let i = 0; i < init.categories.length; i += perRowFit) rows.push(init.categories.slice(i, i + perRowFit))
  // One bar width for every row. A category is its bars plus a gap, and at least MIN_CATEGORY px wide
  // (room for its label); a chart with few bars shrinks instead of spreading them thin, and the
  // widest row is squeezed to fit the maximal width.
  const categoryWidth = (c: BarCategory, bw: number): number => Math.max(MIN_CATEGORY, (c.bars.length + 1.2) * bw)
  const rowWidth = (r: readonly BarCategory[], bw: number): number => r.reduce((n, c) => n + categoryWidth(c, bw), 0)
  let barW = 34
  while (barW > 4 && Math.max(...rows.map(r => rowWidth(r, barW))) > available) barW -= 1
  const width = Math.max(Math.min(maxWidth, 420), Math.min(maxWidth, BAR_ROW.left + BAR_ROW.right + Math.max(...rows.map(r => rowWidth(r, barW))) + 8))
  const head = header(init.title, init.subtitle, width)
  const leg = legend(items, head.height, width, hatch.id)
  const values = init.categories.flatMap(c => c.bars.map(b => b.value)).filter((v): v is number => v !== null)
  const rowHeight = BAR_ROW.headroom + BAR_ROW.plot + BAR_ROW.labels
  const plotLeft = BAR_ROW.left
  const plotRight = width - BAR_ROW.right
  const top0 = head.height + leg.height + 4
  const body = [...head.svg, ...leg.svg]
  rows.forEach((row, r) => {
    const top = top0 + r * rowHeight + BAR_ROW.headroom
    const bottom = top + BAR_ROW.plot
    const ys = createScale(values, [bottom, top], logY ? { log: true } : { includeZero: true })
    body.push(...yAxis(ys, plotLeft, plotRight, compactNumber))
    const cy = (top + bottom) / 2
    body.push(text(14, cy, init.yLabel, { 'text-anchor': 'middle', 'font-size': 11, fill: MUTED, transform: `rotate(-90 14 ${num(cy)})` }))
    const base = logY ? bottom : ys.map(0)
    let x0 = plotLeft + 4
    for (const c of row) {
      const cw = categoryWidth(c, barW)
      let x = x0 + (cw - c.bars.length * barW) / 2
      for (const b of c.bars) {
        const color = colors.get(b.name) as string
        const tip = el('title', {}, escapeXml(`${c.label} — ${b.name}: ${b.value === null ? 'n/a' : format(b.value)}`))
        if (b.value === null || !(logY ? b.value > 0 : Number.isFinite(b.value))) {
          body.push(text(x + barW / 2, base - 4, 'n/a', { 'text-anchor': 'middle', 'font-size': 10, fill: MUTED }))
        } else {
          const y = ys.map(b.value)
          body.push(el('rect', {
            x: x + 1, y: Math.min(y, base), width: Math.max(1, barW - 2), height: Math.max(1, Math.abs(base - y)),
            fill: b.baseline === true ? `url(#${hatch.id(color)})` : color, stroke: color
          }, tip))
          const ly = Math.min(y, base) - 4
          body.push(text(x + barW / 2 + 4, ly, format(b.value), { 'font-size': 10, fill: INK, transform: `rotate(-90 ${num(x + barW / 2 + 4)} ${num(ly)})` }))
        }
        x += barW
      }
      const lines = wrap(c.label, cw - 8, 11, 4)
      lines.forEach((l, i) => body.push(text(x0 + cw / 2, bottom + 16 + i * 14, l, { 'text-anchor': 'middle', 'font-size': 11 })))
      x0 += cw
    }
    body.push(el('line', { x1: plotLeft, y1: base, x2: plotRight, y2: base, stroke: AXIS }))
  })
  const defs = hatch.defs()
  return frame(init.id, width, top0 + rows.length * rowHeight + 8, init.title, [defs, ...body])
}

// ---------------------------------------------------------------------------
// Targets: measured against threshold

/** One target of a {@link targetChart}. */
export interface TargetBar {
  label: string
  /** Normalized margin, 1 = exactly at the threshold, > 1 passes; null when it cannot be computed. */
  value: number | null
  pass: boolean
  /** Right-hand text, e.g. `0.912 (>= 0.95)`. */
  text: string
}

/** A titled group of targets (one issue). */
export interface TargetSection {
  title: string
  rows: TargetBar[]
}

/** Options of {@link targetChart}. */
export interface TargetChartInit {
  /** Id, unique in a page; prefixes element ids. */
  id: string
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
const SECTION_H = 26

type TargetLine = { kind: 'section', title: string } | { kind: 'row', row: TargetBar }

/** Splits the sections' lines into `columns` runs of about equal height, repeating a split section's title. */
function flowColumns (sections: readonly TargetSection[], columns: number): TargetLine[][] {
  const total = sections.reduce((h, s) => h + SECTION_H + s.rows.length * ROW_H, 0)
  const per = total / columns
  const out: TargetLine[][] = [[]]
  let height = 0
  for (const section of sections) {
    const passed = section.rows.filter(r => r.pass).length
    const title = `${section.title}: ${passed} of ${section.rows.length} pass`
    let col = out[out.length - 1] as TargetLine[]
    col.push({ kind: 'section', title })
    height += SECTION_H
    for (const row of section.rows) {
      if (height + ROW_H > per * out.length + ROW_H / 2 && out.length < columns) {
        col = []
        out.push(col)
        col.push({ kind: 'section', title: `${section.title} (continued)` })
        height += SECTION_H
      }
      col.push({ kind: 'row', row })
      height += ROW_H
    }
  }
  return out
}

/**
 * Renders targets as bars on a log axis centred on the threshold (1): a bar
 * to the right passes (green), to the left fails (red). Rows flow into
 * columns to keep a long list short.
 */
export function targetChart (init: TargetChartInit): string {
  const width = init.width ?? 1340
  const count = init.sections.reduce((n, s) => n + s.rows.length, 0)
  const columns = Math.max(1, init.columns ?? (count > 24 ? 2 : 1))
  const head = header(init.title, init.subtitle, width)
  const colW = (width - 8) / columns
  const rows = init.sections.flatMap(s => s.rows)
  const labelW = Math.min(colW * 0.52, Math.max(140, ...rows.map(r => textWidth(r.label, 10.5) + 34)))
  const textW = Math.min(colW * 0.3, Math.max(110, ...rows.map(r => textWidth(r.text, 11) + 14)))
  const values = rows.map(r => r.value).filter((v): v is number => v !== null && v > 0).map(v => Math.min(100, Math.max(0.01, v)))
  const axisTop = head.height + 20
  const flowed = flowColumns(init.sections, columns)
  const colHeight = Math.max(...flowed.map(c => c.reduce((h, l) => h + (l.kind === 'section' ? SECTION_H : ROW_H), 0)))
  const bottom = axisTop + 6 + colHeight
  const body = [...head.svg]
  flowed.forEach((lines, k) => {
    const x0 = 4 + k * colW
    const left = x0 + labelW
    const right = x0 + colW - textW
    const xs = createScale(values, [left, right], { log: true, include: [0.5, 2] })
    for (const t of xs.ticks(Math.floor((right - left) / 34))) {
      const x = xs.map(t)
      body.push(el('line', { x1: x, y1: axisTop, x2: x, y2: bottom, stroke: GRID }))
      body.push(text(x, axisTop - 5, `${compactNumber(t)}x`, { 'text-anchor': 'middle', 'font-size': 10, fill: MUTED }))
    }
    const one = xs.map(1)
    let y = axisTop + 6
    for (const line of lines) {
      if (line.kind === 'section') {
        body.push(text(x0 + 4, y + SECTION_H - 8, line.title, { 'font-weight': 'bold', 'font-size': 12.5 }))
        y += SECTION_H
        continue
      }
      const row = line.row
      const color = row.pass ? PASS_COLOR : FAIL_COLOR
      const mid = y + ROW_H / 2
      body.push(el('rect', { x: x0 + 6, y: mid - 5, width: 10, height: 10, fill: color }))
      body.push(text(x0 + 21, mid + 4, ellipsize(row.label, labelW - 28, 10.5), { 'font-size': 10.5 }))
      if (row.value !== null && row.value > 0) {
        const x = xs.map(Math.min(100, Math.max(0.01, row.value)))
        body.push(el('rect', { x: Math.min(x, one), y: mid - 6, width: Math.max(1.5, Math.abs(x - one)), height: 12, fill: color, 'fill-opacity': 0.85 },
          el('title', {}, escapeXml(`${row.label}: ${row.text}`))))
      }
      body.push(text(right + 8, mid + 4, ellipsize(row.text, textW - 10, 11), { 'font-size': 11, fill: color }))
      y += ROW_H
    }
    body.push(el('line', { x1: one, y1: axisTop - 2, x2: one, y2: bottom, stroke: INK, 'stroke-width': 1.5, 'stroke-dasharray': '4 3' }))
  })
  return frame(init.id, width, bottom + 10, init.title, body)
}
