/* oxlint-disable typescript/unbound-method -- the preload wraps prototype methods and calls them with their own `this` */
/**
 * A preload (`NODE_OPTIONS=--import=<this file>`) that counts what a daemon creates on its
 * event loop's long tail: abort signals (`AbortSignal.timeout`, `AbortSignal.any`, `new
 * AbortController`), timers (`setTimeout`, `setInterval`, `setImmediate`, node:timers/promises'
 * `setTimeout`), listeners (`EventTarget` and `EventEmitter`) and promises, each grouped by
 * where it was made: the first artdag frame of its stack and the frame that made it.
 *
 * Active only in a process started with `daemon` in its argv and `ASYNC_CENSUS_DIR` set. On
 * SIGUSR2 it writes its counts so far to `$ASYNC_CENSUS_DIR/<pid>-<n>.json`; a driver
 * (scripts/bench/async-census.ts) diffs two snapshots around a burst. Promises are counted
 * all, but a stack is taken for one in `ASYNC_CENSUS_PROMISE_SAMPLE` (default 25) only.
 * With `ASYNC_CENSUS_TRACE_DEOPT=1`, V8's deoptimisations from the first snapshot on go to
 * `<pid>-deopt.log` there. A measuring tool: it slows the daemon several times over. Plain JavaScript: the spawner
 * helper inherits NODE_OPTIONS and runs `--jitless`, where Node cannot strip types.
 */
import { EventEmitter } from 'node:events'
import { closeSync, openSync, renameSync, writeFileSync } from 'node:fs'
import module from 'node:module'
import { join } from 'node:path'
import timers from 'node:timers'
import timersPromises from 'node:timers/promises'
import { promiseHooks, setFlagsFromString } from 'node:v8'

const dir = process.env.ASYNC_CENSUS_DIR
if (dir !== undefined && dir !== '' && process.argv.includes('daemon')) install(dir)

function install (dir) {
  const counts = new Map()
  const totals = new Map()
  const sample = Number(process.env.ASYNC_CENSUS_PROMISE_SAMPLE ?? 25)
  let busy = false
  let promises = 0

  const bump = (map, key, by = 1) => {
    map.set(key, (map.get(key) ?? 0) + by)
  }
  const note = (kind, below, weight = 1) => {
    bump(totals, kind)
    if (busy) return
    busy = true
    try {
      const limit = Error.stackTraceLimit
      Error.stackTraceLimit = 40
      const holder = {}
      Error.captureStackTrace(holder, below)
      Error.stackTraceLimit = limit
      bump(counts, `${kind}\t${site(holder.stack ?? '')}`, weight)
    } finally {
      busy = false
    }
  }

  const wrap = (kind, original) => {
    const wrapped = function (...args) {
      note(kind, wrapped)
      return original.apply(this, args)
    }
    return wrapped
  }

  const OriginalController = globalThis.AbortController
  class CountedController extends OriginalController {
    constructor () {
      super()
      note('new AbortController', CountedController)
    }
  }
  globalThis.AbortController = CountedController
  AbortSignal.timeout = wrap('AbortSignal.timeout', AbortSignal.timeout.bind(AbortSignal))
  AbortSignal.any = wrap('AbortSignal.any', AbortSignal.any.bind(AbortSignal))

  for (const name of ['setTimeout', 'setInterval', 'setImmediate']) {
    const wrapped = wrap(name, globalThis[name])
    globalThis[name] = wrapped
    timers[name] = wrapped
  }
  timersPromises.setTimeout = wrap('timers/promises.setTimeout', timersPromises.setTimeout)
  module.syncBuiltinESMExports()

  const addEventListener = EventTarget.prototype.addEventListener
  EventTarget.prototype.addEventListener = function (type, ...rest) {
    note(`EventTarget listener '${type}'${this instanceof AbortSignal ? ' on AbortSignal' : ''}`, EventTarget.prototype.addEventListener)
    return addEventListener.call(this, type, ...rest)
  }
  const removeEventListener = EventTarget.prototype.removeEventListener
  EventTarget.prototype.removeEventListener = function (type, ...rest) {
    bump(totals, `EventTarget removeEventListener '${type}'`)
    return removeEventListener.call(this, type, ...rest)
  }
  // `once` and `prependOnceListener` go through these two.
  for (const name of ['on', 'addListener', 'prependListener']) {
    const original = EventEmitter.prototype[name]
    const wrapped = function (event, listener) {
      note(`EventEmitter.${name}`, wrapped)
      return original.call(this, event, listener)
    }
    EventEmitter.prototype[name] = wrapped
  }
  const removeListener = EventEmitter.prototype.removeListener
  EventEmitter.prototype.removeListener = function (event, listener) {
    bump(totals, 'EventEmitter.removeListener')
    return removeListener.call(this, event, listener)
  }
  EventEmitter.prototype.off = EventEmitter.prototype.removeListener

  const onPromise = () => {
    promises++
    if (promises % sample === 0) note('promise (sampled)', onPromise, sample)
    else bump(totals, 'promise (sampled)')
  }
  promiseHooks.onInit(onPromise)

  let n = 0
  process.on('SIGUSR2', () => {
    if (n === 0 && process.env.ASYNC_CENSUS_TRACE_DEOPT === '1') traceDeopts(join(dir, `${process.pid}-deopt.log`))
    const file = join(dir, `${process.pid}-${n++}.json`)
    // Whole or not at all: the driver reads a snapshot as soon as its name appears.
    writeFileSync(`${file}.part`, JSON.stringify({ pid: process.pid, at: Date.now(), totals: Object.fromEntries(totals), counts: Object.fromEntries(counts) }))
    renameSync(`${file}.part`, file)
  })
}

/** "the first artdag frame ← the frame that made it", paths shortened to package or src/. */
function site (stack) {
  const frames = stack.split('\n').slice(1).map(line => line.trim().replace(/^at /, ''))
    .filter(frame => !frame.includes('async-census-preload'))
  const ours = frames.find(frame => frame.includes('/src/') && !frame.includes('node_modules'))
  const maker = frames[0] ?? '?'
  const short = frame =>
    frame
      .replace(/file:\/\/\/?/g, '/')
      .replace(/\([^()]*node_modules\/((?:@[^/]+\/)?[^/]+)\/[^()]*?([^/()]+:\d+):\d+\)/, '($1 $2)')
      .replace(/\([^()]*\/(src\/[^()]+):\d+\)/, '($1)')
      .replace(/^[^()]*node_modules\/((?:@[^/]+\/)?[^/]+)\/.*?([^/]+:\d+):\d+$/, '$1 $2')
      .replace(/^[^()]*\/(src\/.+):\d+$/, '$1')
  return ours === undefined || ours === maker ? short(maker) : `${short(ours)} ← ${short(maker)}`
}

/**
 * From the first snapshot on, V8's `--trace-deopt` lines (which V8 prints to fd 1, and which
 * NODE_OPTIONS may not ask for) go to `file`: fd 1 is closed and the file opened in its place.
 * The daemon's own stdout (its ready line) was written before.
 */
function traceDeopts (file) {
  closeSync(1)
  const fd = openSync(file, 'w')
  if (fd !== 1) throw new Error(`the deopt log took fd ${fd}, not 1`)
  setFlagsFromString('--trace-deopt')
}
