/**
 * Renders a {@link ChartSpec} to a standalone SVG document with Apache
 * ECharts' server-side rendering (no browser, no DOM, no canvas).
 *
 * Why ECharts: it renders SVG in Node by itself (`ssr: true`) and is
 * actively maintained (Apache). Vega-Lite needs its own runtime plus a
 * canvas package for text metrics, and Observable Plot and D3-based
 * libraries need a DOM (jsdom); Chart.js draws on a canvas only.
 *
 * The output is static: no hover CSS, no scripts, no external references,
 * so a chart looks the same as a `.svg` file, inlined in `index.html` and
 * in headless Chromium. Element ids are prefixed with the chart's id, so
 * several charts can share one page.
 *
 * @module
 */
import { BarChart, ScatterChart } from 'echarts/charts'
import { GridComponent, LegendComponent, MarkLineComponent, TitleComponent } from 'echarts/components'
import * as echarts from 'echarts/core'
import { SVGRenderer } from 'echarts/renderers'
import { textWidth, type ChartSpec } from './chart-options.js'

echarts.use([BarChart, ScatterChart, GridComponent, LegendComponent, MarkLineComponent, TitleComponent, SVGRenderer])
// Without a canvas, ECharts sizes text with Arial-like widths; the pages render in DejaVu Sans, which is wider.
echarts.setPlatformAPI({
  measureText: (text: string, font?: string) => ({ width: textWidth(text, Number(/(\d+(?:\.\d+)?)px/.exec(font ?? '')?.[1] ?? 12)) })
})

/** The renderer's own string output; `renderToSVGString()` always adds hover CSS (a CDATA block), pointless in a static chart. */
interface SvgPainter {
  readonly type: string
  renderToString(opts: { cssAnimation?: boolean, cssEmphasis?: boolean, useViewBox?: boolean }): string
}

/** Escapes text for XML content and attribute values. */
export function escapeXml (s: string): string {
  return s.replace(/[&<>"']/g, c => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c] as string)
}

/**
 * The SVG of `spec`, with `id` as the prefix of its element ids and
 * `title` as its accessible name (`role="img"` and a `<title>`).
 */
export function renderSvg (spec: ChartSpec, id: string, title: string): string {
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width: spec.width, height: spec.height })
  let svg: string
  try {
    chart.setOption(spec.option)
    const painter = chart.getZr().painter as unknown as SvgPainter
    svg = painter.renderToString({ cssAnimation: false, cssEmphasis: false, useViewBox: true })
  } finally {
    chart.dispose()
  }
  // zrender numbers its instances (zr0-, zr1-...) in creation order: use the chart's id instead.
  svg = svg.replace(/\bzr\d+-/g, `${id}-`)
  // The xlink namespace is declared whether or not anything uses it.
  const unlinked = svg.replace(/ xmlns:xlink="[^"]*"/, '')
  if (!unlinked.includes('xlink:')) svg = unlinked
  return svg.replace(/^<svg /, `<svg role="img" aria-labelledby="${id}-title" data-chart="${id}" `)
    .replace(/^(<svg [^>]*>)/, `$1\n<title id="${id}-title">${escapeXml(title)}</title>`)
    .trimEnd()
}
