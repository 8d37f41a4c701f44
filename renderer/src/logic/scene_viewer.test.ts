// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { defineComponent, h, nextTick, ref } from 'vue';
import { mount } from '@vue/test-utils';
import { theme, themeColors } from '../theme.ts';
import { useSceneViewer, type SceneViewer, type SceneViewerOptions } from './scene_viewer.ts';

// A viewer needs WebGL, which happy-dom lacks: the composable is tested against a recording fake.
const calls: string[] = [];
const fakeViewer = () => ({
  scene: { background: { setHex: vi.fn((hex: number) => calls.push(`background ${hex}`)) } },
  frame: vi.fn(() => (calls.push('frame'), true)),
  invalidate: vi.fn(() => calls.push('invalidate')),
  resize: vi.fn((w: number, h: number) => calls.push(`resize ${w}x${h}`)),
  setAgents: vi.fn((c: unknown) => calls.push(`setAgents ${c}`)),
  dispose: vi.fn(() => calls.push('dispose')),
});
let viewers: ReturnType<typeof fakeViewer>[] = [];
vi.mock('../../scene/index.ts', () => ({
  createViewer: vi.fn((_canvas: HTMLCanvasElement, opts: { background: number }) => {
    calls.push(`create ${opts.background}`);
    const v = fakeViewer();
    viewers.push(v);
    return v;
  }),
}));

let frames: Map<number, FrameRequestCallback>;
let nextFrame = 0;
let observers: { callback: () => void; observed: Element[]; disconnected: boolean }[];
beforeEach(() => {
  calls.length = 0;
  viewers = [];
  frames = new Map();
  observers = [];
  theme.value = 'light';
  vi.stubGlobal(
    'requestAnimationFrame',
    (cb: FrameRequestCallback) => (frames.set(++nextFrame, cb), nextFrame),
  );
  vi.stubGlobal('cancelAnimationFrame', (id: number) => frames.delete(id));
  vi.stubGlobal(
    'ResizeObserver',
    class {
      entry = { callback: () => {}, observed: [] as Element[], disconnected: false };
      constructor(callback: () => void) {
        this.entry.callback = callback;
        observers.push(this.entry);
      }
      observe(el: Element) {
        this.entry.observed.push(el);
      }
      disconnect() {
        this.entry.disconnected = true;
      }
    },
  );
});
afterEach(() => vi.unstubAllGlobals());

/** Runs the pending animation frames once. */
function tick() {
  const pending = [...frames.values()];
  frames.clear();
  for (const cb of pending) cb(0);
}

/** Mounts a component with a pane and a canvas that uses the composable; `open` says whether it opens at mount. */
function host(options: SceneViewerOptions = {}, open = true) {
  let view: SceneViewer | null = null;
  const wrapper = mount(
    defineComponent({
      setup() {
        const canvas = ref<HTMLCanvasElement | null>(null);
        const pane = ref<HTMLDivElement | null>(null);
        view = useSceneViewer(canvas, pane, options);
        return () => h('div', { ref: pane }, [h('canvas', { ref: canvas })]);
      },
      mounted() {
        if (open) view!.open();
      },
    }),
    { attachTo: document.body },
  );
  return { wrapper, view: view! };
}

describe('useSceneViewer', () => {
  it('opens a viewer with the theme background, observes the pane and renders from the next frame', () => {
    const { view, wrapper } = host();
    expect(calls).toEqual([`create ${themeColors('light').scene}`]);
    expect(view.viewer).toBe(viewers[0]);
    expect(observers).toHaveLength(1);
    expect(observers[0].observed).toEqual([wrapper.element]);
    tick();
    tick();
    expect(viewers[0].frame).toHaveBeenCalledTimes(2);
    wrapper.unmount();
  });

  it('resizes the viewer to the pane, after the caller heard of the new size', () => {
    const onResize = vi.fn((r: DOMRect) => calls.push(`onResize ${r.width}`));
    const { wrapper } = host({ onResize });
    vi.spyOn(wrapper.element, 'getBoundingClientRect').mockReturnValue({
      width: 320,
      height: 200,
    } as DOMRect);
    calls.length = 0;
    observers[0].callback();
    expect(calls).toEqual(['onResize 320', 'resize 320x200']);
    wrapper.unmount();
  });

  it('follows the theme', async () => {
    const { wrapper } = host();
    calls.length = 0;
    theme.value = 'dark';
    await nextTick();
    expect(calls).toEqual([`background ${themeColors('dark').scene}`, 'invalidate']);
    wrapper.unmount();
  });

  it('on unmount stops the loop and the observer, shows nothing, lets the caller free its part, then disposes', () => {
    const release = vi.fn((v: unknown) => calls.push(`release ${v === viewers[0]}`));
    const { view, wrapper } = host({ release });
    calls.length = 0;
    wrapper.unmount();
    expect(calls).toEqual(['setAgents null', 'release true', 'dispose']);
    expect(frames.size).toBe(0);
    expect(observers[0].disconnected).toBe(true);
    expect(view.viewer).toBeNull();
  });

  it('releases the caller’s part even when no viewer was opened', () => {
    const release = vi.fn();
    const { wrapper } = host({ release }, false);
    wrapper.unmount();
    expect(release).toHaveBeenCalledWith(null);
    expect(calls).toEqual([]);
  });

  it('opens nothing once the component is unmounted (it unmounted while loading)', () => {
    const { view, wrapper } = host({}, false);
    wrapper.unmount();
    expect(view.open()).toBeNull();
    expect(calls).toEqual([]);
    expect(frames.size).toBe(0);
  });
});
