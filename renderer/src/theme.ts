/** Light and dark themes: a `data-theme` attribute on <html> switches the CSS variables of style.css. */
import { ref, watch } from 'vue';

/** A theme name. */
export type Theme = 'light' | 'dark';

const KEY = 'skill-lab-theme';

function initial(): Theme {
  const stored = globalThis.localStorage?.getItem(KEY);
  if (stored === 'light' || stored === 'dark') return stored;
  return globalThis.matchMedia?.('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
}

/** The current theme; changing it updates the page and is remembered in localStorage. */
export const theme = ref<Theme>(initial());

watch(
  theme,
  (t) => {
    globalThis.document?.documentElement.setAttribute('data-theme', t);
    globalThis.localStorage?.setItem(KEY, t);
  },
  { immediate: true },
);

/** Colours plots and the 3D background take from the theme. */
export function themeColors(t: Theme): { text: string; grid: string; background: string; scene: number } {
  return t === 'dark'
    ? { text: '#d5dae0', grid: '#3a4048', background: '#1d2126', scene: 0x2a2f36 }
    : { text: '#24292f', grid: '#d0d7de', background: '#ffffff', scene: 0xe9edf1 };
}
