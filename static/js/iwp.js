// Project entry point, loaded with <script type="module" nonce="…">.
// The vendored bundles are self-contained ES modules (no imports of their own).
import { initAll } from '../vendor/govuk/govuk-frontend.min.js'
import { FilterToggleButton, initAll as mojInitAll } from '../vendor/moj/moj-frontend.min.js'

// A browser running this module supports GOV.UK Frontend; set the body classes
// in case the template's inline snippet did not (harmless if it already did).
document.body.classList.add('js-enabled', 'govuk-frontend-supported')

initAll()
mojInitAll()

// GOV.UK Frontend marks a radio that reveals a question with `aria-expanded`, which ARIA does not allow on a
// radio (a known GOV.UK Frontend issue, alphagov/govuk-frontend#979; axe `aria-allowed-attr`, critical). The
// revealed question follows its radio in the reading order and keeps `aria-controls`, so dropping the invalid
// attribute loses nothing. It is set again on every change, hence the observer.
function dropRadioExpanded (root) {
  for (const radio of root.querySelectorAll('input[type="radio"][aria-expanded]')) {
    radio.removeAttribute('aria-expanded')
  }
}
dropRadioExpanded(document)
new MutationObserver((changes) => {
  for (const change of changes) {
    if (change.target.type === 'radio' && change.target.hasAttribute('aria-expanded')) {
      change.target.removeAttribute('aria-expanded')
    }
  }
}).observe(document.body, { subtree: true, attributes: true, attributeFilter: ['aria-expanded'] })

// The MoJ filter panel's "Show filter" / "Hide filter" toggle is not part of MoJ's initAll (each service
// configures it). The caseload's panel starts hidden at every width, not only on small screens: its table
// needs the page's width, and the selected filters show as tags beside the results anyway.
for (const $filter of document.querySelectorAll('[data-module="moj-filter"]')) {
  // eslint-disable-next-line no-new
  new FilterToggleButton($filter, { bigModeMediaQuery: 'not all', startHidden: true })
}

const POLL_MS = 1500
const MAX_FAILURES = 5
const numberFormat = new Intl.NumberFormat('en-GB')

function toNumber (value) {
  if (value === null || value === undefined || value === '') return null
  const n = Number(value)
  return Number.isFinite(n) ? n : null
}

function clampPercent (value) {
  return Math.max(0, Math.min(100, value))
}

// Bar chart widths come from data attributes so no inline style attributes are
// needed (CSP-friendly: CSSOM changes are allowed).
for (const bar of document.querySelectorAll('[data-iwp-chart-value]')) {
  const value = toNumber(bar.getAttribute('data-iwp-chart-value'))
  bar.style.width = `${clampPercent(value ?? 0)}%`
}

// Job progress poller.
//
// <div data-iwp-job-progress-url="/jobs/1/progress.json" data-iwp-job-redirect="/jobs/1/">
//   <progress class="iwp-progress" max="100"></progress>   (or any [data-iwp-job-progress-bar])
//   <p data-iwp-job-progress-text>Starting…</p>
// </div>
//
// The URL returns JSON {state, total, done, percent, error, finished}.
function initJobProgress (root) {
  const url = root.getAttribute('data-iwp-job-progress-url')
  if (!url || root.hasAttribute('data-iwp-job-progress-init')) return
  root.setAttribute('data-iwp-job-progress-init', '')

  const bars = root.querySelectorAll('progress, [data-iwp-job-progress-bar]')
  const text = root.querySelector('[data-iwp-job-progress-text]')
  let live = root.querySelector('[data-iwp-job-progress-live]')
  if (!live) {
    live = document.createElement('div')
    live.className = 'govuk-visually-hidden'
    live.setAttribute('role', 'status')
    live.setAttribute('aria-live', 'polite')
    live.setAttribute('aria-atomic', 'true')
    live.setAttribute('data-iwp-job-progress-live', '')
    root.append(live)
  }

  let failures = 0
  let lastState = null
  let lastStep = null

  const announce = (message) => { live.textContent = message }
  const setText = (message) => { if (text) text.textContent = message }
  // A job's error is shown once, as an error message under the progress text (the page may already have drawn it):
  // repeated in the progress text as well, a failed job's page said it twice.
  const setError = (message) => {
    let error = root.querySelector('[data-iwp-job-progress-error]')
    if (!message) {
      if (error) error.remove()
      return
    }
    if (!error) {
      error = document.createElement('p')
      error.className = 'govuk-error-message'
      error.setAttribute('data-iwp-job-progress-error', '')
      if (text) text.after(error)
      else root.append(error)
    }
    // As GOV.UK's error message: a visually hidden "Error:" before the text, for screen readers.
    const prefix = document.createElement('span')
    prefix.className = 'govuk-visually-hidden'
    prefix.textContent = 'Error: '
    error.replaceChildren(prefix, message)
  }
  // The state's tag follows the job (a job that fails while watched no longer says "Running").
  const tag = root.querySelector('[data-iwp-job-progress-state]')
  const setState = (state, label) => {
    if (!tag || !label) return
    tag.textContent = label
    tag.classList.toggle('govuk-tag--red', state === 'failed')
    tag.classList.toggle('govuk-tag--green', state === 'succeeded')
  }

  function render (data) {
    const total = toNumber(data.total)
    const done = toNumber(data.done) ?? 0
    let percent = toNumber(data.percent)
    if (percent === null && total) percent = (done / total) * 100
    if (percent === null && data.finished && !data.error) percent = 100
    if (percent !== null) percent = clampPercent(percent)
    const shown = percent === null ? null : Math.floor(percent)

    let message = total
      ? `${numberFormat.format(done)} of ${numberFormat.format(total)}`
      : `${numberFormat.format(done)} processed`
    if (shown !== null) message += ` (${shown}%)`

    for (const bar of bars) {
      if (bar instanceof HTMLProgressElement) {
        bar.max = 100
        if (percent === null) bar.removeAttribute('value')
        else bar.value = percent
        bar.textContent = message
      } else {
        bar.style.width = `${percent ?? 0}%`
        bar.setAttribute('role', 'progressbar')
        bar.setAttribute('aria-valuemin', '0')
        bar.setAttribute('aria-valuemax', '100')
        if (shown !== null) bar.setAttribute('aria-valuenow', String(shown))
      }
    }

    setText(message)
    setError(data.error)
    setState(data.state, data.state_label)

    // Announce sparingly: state changes, every 10%, the end and errors.
    const step = shown === null ? null : Math.floor(shown / 10)
    if (data.finished) {
      announce(data.error ? `Failed: ${data.error}` : `Finished. ${message}`)
    } else if (data.error) {
      announce(`Error: ${data.error}`)
    } else if (data.state !== lastState || step !== lastStep) {
      announce(data.state && data.state !== lastState ? `${data.state}. ${message}` : message)
    }
    lastState = data.state
    lastStep = step
  }

  function finish (data) {
    root.dispatchEvent(new CustomEvent('iwp:job-finished', { bubbles: true, detail: data }))
    const redirect = root.getAttribute('data-iwp-job-redirect')
    if (!redirect) return
    const target = new URL(redirect, window.location.href)
    if (target.origin === window.location.origin) window.location.assign(target.href)
  }

  function giveUp (message) {
    setText(message)
    announce(message)
  }

  async function poll () {
    if (!root.isConnected) return
    try {
      const response = await fetch(url, {
        headers: { Accept: 'application/json' },
        credentials: 'same-origin',
        cache: 'no-store'
      })
      if (response.status >= 400 && response.status < 500 && response.status !== 429) {
        giveUp('Could not check progress. Refresh the page to try again.')
        return
      }
      if (!response.ok) throw new Error(`HTTP ${response.status}`)
      const data = await response.json()
      failures = 0
      render(data)
      if (data.finished) {
        finish(data)
        return
      }
    } catch (error) {
      failures += 1
      if (failures >= MAX_FAILURES) {
        giveUp('Could not check progress. Refresh the page to try again.')
        return
      }
    }
    window.setTimeout(poll, POLL_MS * (1 + failures))
  }

  poll()
}

for (const root of document.querySelectorAll('[data-iwp-job-progress-url]')) {
  initJobProgress(root)
}

// A wide table scrolls sideways inside its region, which then takes keyboard focus so it can be scrolled with the
// arrow keys (WCAG 2.1.1). Where the table fits, the region is not a tab stop: one less key press per table.
function syncScrollRegions () {
  for (const region of document.querySelectorAll('.iwp-table-scroll')) {
    if (region.scrollWidth > region.clientWidth) {
      region.setAttribute('tabindex', '0')
    } else {
      region.removeAttribute('tabindex')
    }
  }
}
syncScrollRegions()
window.addEventListener('resize', syncScrollRegions)
