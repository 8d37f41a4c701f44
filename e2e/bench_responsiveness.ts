/**
 * Workbench responsiveness benchmark (`npm run bench:app [-- --json]`): not a test, a measurement.
 *
 * Starts the browser-mode server in this process on a temporary workspace, trains DIAYN and DADS
 * on the point-mass preset through the API, opens the app in Debian's chromium, compares the two
 * runs and plays the timeline, then reports:
 *   - the renderer's frame times (median, p95) from a requestAnimationFrame loop in the page;
 *   - the server process's event-loop lag (`perf_hooks.monitorEventLoopDelay`) while both train;
 *   - live event messages per run per second, counted where the page receives them (a WebSocket
 *     wrapper installed before the app's scripts run).
 *
 * Chromium runs without a GPU here: WebGL is rendered by SwiftShader (software), so frame times
 * are pessimistic compared with a desktop with a graphics card.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { chromium } from '@playwright/test';
import { startServer } from '../main/server/server.ts';

const CHROMIUM = process.env.SKILL_LAB_CHROMIUM ?? '/usr/bin/chromium';
/** Enough env steps that both runs are still training when the measurement window closes. */
const TOTAL_ENV_STEPS = 20_000;
/** How long the frame loop and the message counter run, ms. */
const MEASURE_MS = 20_000;
/** Goals from the issue. */
const GOALS = { frameMedianMs: 16, eventLoopLagMs: 50, messagesPerRunPerS: 20 };

/** The `q`-quantile (0–1) of `xs` by linear interpolation; NaN for none. */
function quantile(xs: number[], q: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const i = q * (s.length - 1);
  const lo = Math.floor(i);
  const hi = Math.ceil(i);
  return s[lo] + (s[hi] - s[lo]) * (i - lo);
}

const round = (x: number, digits = 1) => Number(x.toFixed(digits));

/** Sampling interval of the event-loop monitor, ms. */
const LAG_RESOLUTION_MS = 10;
/**
 * Lag (ms) from a monitorEventLoopDelay figure (ns): the histogram records whole intervals between
 * its timer's firings, so an idle loop reads the resolution itself, not zero.
 */
const lagMs = (ns: number) => round(Math.max(0, ns / 1e6 - LAG_RESOLUTION_MS));

/**
 * Page script: wraps WebSocket so that pushed event envelopes are counted by run id (`data.runId`,
 * or `data.id` for a run summary) in `window.__wsCounts` while `window.__wsCounting` is true.
 */
const COUNT_WS_MESSAGES = `(() => {
  window.__webglContexts = 0;
  const getContext = HTMLCanvasElement.prototype.getContext;
  HTMLCanvasElement.prototype.getContext = function (kind, ...rest) {
    if (String(kind).startsWith('webgl') && !this.__counted) {
      this.__counted = true;
      window.__webglContexts++;
    }
    return getContext.call(this, kind, ...rest);
  };
  window.__wsCounts = {};
  window.__wsCounting = false;
  const Native = window.WebSocket;
  window.WebSocket = class extends Native {
    constructor(url, protocols) {
      super(url, protocols);
      this.addEventListener('message', (ev) => {
        if (!window.__wsCounting || typeof ev.data !== 'string') return;
        let msg;
        try { msg = JSON.parse(ev.data); } catch { return; }
        if (!msg || !msg.event) return; // a response to a request, not a pushed event
        const key = (msg.data && (msg.data.runId || msg.data.id)) || '(none)';
        window.__wsCounts[key] = (window.__wsCounts[key] || 0) + 1;
      });
    }
  };
})();`;

/**
 * Page script: counts messages while it runs, and resolves to the intervals (ms) between
 * consecutive animation frames over `ms` milliseconds.
 */
function frameTimesScript(ms: number): string {
  return `new Promise((resolve) => {
    window.__wsCounting = true;
    const dts = [];
    let start = 0;
    let last = 0;
    const tick = (now) => {
      dts.push(now - last);
      last = now;
      if (now - start < ${ms}) requestAnimationFrame(tick);
      else {
        window.__wsCounting = false;
        resolve(dts);
      }
    };
    requestAnimationFrame((now) => {
      start = last = now;
      requestAnimationFrame(tick);
    });
  })`;
}

/** The parts of a V8 CPU profile (Chrome DevTools protocol) that {@link printTopFunctions} reads. */
interface CpuProfile {
  nodes: Array<{ id: number; callFrame: { functionName: string; url: string; lineNumber: number } }>;
  samples: number[];
  timeDeltas: number[];
}

/** Logs the 15 functions with the most self time in `profile` (ms and share of the window). */
function printTopFunctions(profile: CpuProfile, log: (line: string) => void): void {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const f = byId.get(id)!.callFrame;
    const key = `${f.functionName || '(anonymous)'} ${f.url.split('/').pop()}:${f.lineNumber}`;
    const dt = (profile.timeDeltas[i] ?? 0) / 1000;
    self.set(key, (self.get(key) ?? 0) + dt);
    total += dt;
  });
  log('renderer CPU profile, top functions by self time:');
  for (const [key, ms] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 15))
    log(`  ${ms.toFixed(0).padStart(7)} ms  ${((100 * ms) / total).toFixed(1).padStart(5)} %  ${key}`);
}

/**
 * Runs the benchmark; prints a table, or one JSON line with `--json`; `--profile` adds the renderer's
 * top functions by CPU time.
 * @throws Error when chromium is missing or the app does not reach the compare view.
 */
async function main(): Promise<void> {
  const json = process.argv.includes('--json');
  const log = (msg: string) => {
    if (!json) console.error(msg);
  };
  const workspace = mkdtempSync(join(tmpdir(), 'skill-lab-bench-app-'));
  const server = await startServer({ port: 0, workspace });
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--use-angle=swiftshader', '--enable-unsafe-swiftshader', '--no-sandbox'],
  });
  try {
    const service = server.service;
    // The compare view needs live previews: wait for one rollout of each run before opening it.
    const previewed = new Set<string>();
    let previewDone: () => void = () => undefined;
    const bothPreviewed = new Promise<void>((resolve) => (previewDone = resolve));
    const off = service.on('rollout', (d) => {
      previewed.add(d.runId);
      if (previewed.size >= 2) previewDone();
    });
    const runs = [];
    for (const algo of ['diayn', 'dads'] as const) {
      const { run } = await service.startRun({ algo, preset: 'point-mass', totalEnvSteps: TOTAL_ENV_STEPS });
      runs.push(run.id);
    }
    log(`started ${runs.join(', ')}; waiting for live previews…`);

    // Event-loop lag from the start of training to the end of the measurement window.
    const lag = monitorEventLoopDelay({ resolution: LAG_RESOLUTION_MS });
    lag.enable();
    await bothPreviewed;
    off();

    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    // Count the app's WebSocket messages by run; installed before any of the app's scripts. Page code
    // is passed as source text: tsx would otherwise wrap named functions in a `__name` helper that
    // does not exist in the page.
    await page.addInitScript({ content: COUNT_WS_MESSAGES });
    await page.goto(server.url);
    await page.waitForSelector('text=connected');
    await page.locator('tbody tr').nth(1).waitFor();
    for (const box of await page.locator('tbody input[type=checkbox]').all()) await box.check();
    await page.click('button:has-text("Compare 2 runs")');
    await page.locator('.scene-pane canvas').nth(1).waitFor();
    await page.locator('text=/live previews|evaluation/').nth(1).waitFor({ timeout: 120_000 });
    // The timeline may already play on its own once previews arrive; press play only if paused.
    const toggle = page.locator('.timeline button[aria-label=play], .timeline button[aria-label=pause]');
    if ((await toggle.getAttribute('aria-label')) === 'play') await toggle.click();
    log(`compare view open, timeline playing; measuring for ${MEASURE_MS / 1000} s…`);

    // --profile: the renderer's JavaScript CPU profile over the window, its top functions by self time.
    const cdp = process.argv.includes('--profile') ? await page.context().newCDPSession(page) : null;
    if (cdp) {
      await cdp.send('Profiler.enable');
      await cdp.send('Profiler.start');
    }
    const contextsBefore = (await page.evaluate('window.__webglContexts')) as number;
    const t0 = Date.now();
    const frames = (await page.evaluate(frameTimesScript(MEASURE_MS))) as number[];
    const contextsDuring = ((await page.evaluate('window.__webglContexts')) as number) - contextsBefore;
    log(`WebGL contexts created during the window: ${contextsDuring} (0 unless views are rebuilt)`);
    const seconds = (Date.now() - t0) / 1000;
    if (cdp) printTopFunctions((await cdp.send('Profiler.stop')).profile as CpuProfile, log);
    lag.disable();
    const counts = (await page.evaluate('window.__wsCounts')) as Record<string, number>;
    const statuses = await Promise.all(runs.map(async (id) => (await service.getRun({ runId: id })).run));

    const perRun = Object.fromEntries(runs.map((id) => [id, round((counts[id] ?? 0) / seconds, 2)]));
    const cpu = cpus();
    const result = {
      machine: { cpu: cpu[0]?.model.trim() ?? 'unknown', cores: cpu.length, node: process.version },
      webgl: 'SwiftShader (software, no GPU): frame times are pessimistic',
      measuredSeconds: round(seconds, 1),
      frames: frames.length,
      frameMedianMs: round(quantile(frames, 0.5)),
      frameP95Ms: round(quantile(frames, 0.95)),
      eventLoopLagP50Ms: lagMs(lag.percentile(50)),
      eventLoopLagP99Ms: lagMs(lag.percentile(99)),
      eventLoopLagMaxMs: lagMs(lag.max),
      messagesPerRunPerS: perRun,
      stillTraining: statuses.every((r) => r.status === 'running'),
      goals: GOALS,
    };
    await page.close();

    if (json) {
      console.log(JSON.stringify(result));
      return;
    }
    const ok = (pass: boolean) => (pass ? '✓' : '✗');
    const maxRate = Math.max(...Object.values(perRun));
    console.log(`machine: ${result.machine.cpu}, ${result.machine.cores} cores, Node ${result.machine.node}`);
    console.log(`note: ${result.webgl}`);
    console.log(
      `window: ${result.measuredSeconds} s, ${result.frames} frames, both runs still training: ${result.stillTraining}`,
    );
    console.table([
      {
        figure: 'renderer frame time, median / p95 (ms)',
        measured: `${result.frameMedianMs} / ${result.frameP95Ms}`,
        goal: `median ≤ ${GOALS.frameMedianMs} ${ok(result.frameMedianMs <= GOALS.frameMedianMs)}`,
      },
      {
        figure: 'server event-loop lag, p50 / p99 / max (ms)',
        measured: `${result.eventLoopLagP50Ms} / ${result.eventLoopLagP99Ms} / ${result.eventLoopLagMaxMs}`,
        goal: `p99 ≤ ${GOALS.eventLoopLagMs} ${ok(result.eventLoopLagP99Ms <= GOALS.eventLoopLagMs)}`,
      },
      {
        figure: 'live messages per run per second',
        measured: Object.entries(perRun)
          .map(([id, r]) => `${id}: ${r}`)
          .join(', '),
        goal: `≤ ${GOALS.messagesPerRunPerS} ${ok(maxRate <= GOALS.messagesPerRunPerS)}`,
      },
    ]);
  } finally {
    await browser.close();
    await server.close();
    rmSync(workspace, { recursive: true, force: true });
  }
}

await main();
