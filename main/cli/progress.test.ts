import { describe, expect, it } from 'vitest';
import { formatEta } from './progress.ts';

describe('formatEta', () => {
  it('rounds the whole time before splitting it, so no field reads 60', () => {
    expect(formatEta(2099.6)).toBe('35m00s'); // cli-progress's own: "34m60s"
    expect(formatEta(59.6)).toBe('1m00s');
    expect(formatEta(3598)).toBe('1h00m');
    expect(formatEta(7170)).toBe('2h00m'); // 119.5 min
    expect(formatEta(3900)).toBe('1h05m');
    expect(formatEta(754)).toBe('12m35s');
    expect(formatEta(42.4)).toBe('42s');
    expect(formatEta(0)).toBe('0s');
  });

  it("shows an unknown time (cli-progress's 'NULL', 'INF') as a dash", () => {
    for (const t of ['NULL', 'INF', Number.NaN, Number.POSITIVE_INFINITY, -1]) expect(formatEta(t)).toBe('–');
    expect(formatEta('0')).toBe('0s');
  });
});
