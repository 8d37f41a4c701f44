import { describe, expect, it } from 'vitest';
import * as THREE from 'three';
import { framingReach, framingRegion, isSoftwareRenderer } from './viewer.ts';

const box = (x0: number, y0: number, z0: number, x1: number, y1: number, z1: number) =>
  new THREE.Box3(new THREE.Vector3(x0, y0, z0), new THREE.Vector3(x1, y1, z1));

describe('framingRegion', () => {
  it('takes in a small arena whole, wherever the agent is in it', () => {
    const arena = box(-1.2, -1.2, 0, 1.2, 1.2, 0.1); // the point mass' floor and walls
    const ball = box(0.85, 0.85, 0, 0.95, 0.95, 0.1);
    const region = framingRegion(ball, arena);
    expect(region.containsBox(arena)).toBe(true);
  });

  it('keeps a few metres of a large floor around the agents, not the whole floor', () => {
    const floor = box(-40, -40, 0, 40, 40, 0); // the Ant's 80 m floor
    const ant = box(-0.9, -0.9, 0, 0.9, 0.9, 0.8);
    const region = framingRegion(ant, floor);
    const size = region.getSize(new THREE.Vector3());
    expect(size.x).toBeGreaterThan(4);
    expect(size.x).toBeLessThan(8);
    expect(region.containsBox(ant)).toBe(true);
  });

  it('frames only the bodies without a world, and nothing without bodies', () => {
    const ant = box(-1, -1, 0, 1, 1, 1);
    expect(framingRegion(ant, new THREE.Box3()).equals(ant)).toBe(true);
    expect(framingRegion(new THREE.Box3(), box(-1, -1, 0, 1, 1, 0)).isEmpty()).toBe(true);
  });

  it('reaches further around a larger robot', () => {
    expect(framingReach(0.1)).toBe(2.5);
    expect(framingReach(3)).toBe(6);
  });
});

describe('isSoftwareRenderer', () => {
  it('recognises the CPU rasterizers by their WebGL renderer strings, not GPUs', () => {
    expect(
      isSoftwareRenderer(
        'ANGLE (Google, Vulkan 1.3.0 (SwiftShader Device (Subzero) (0x0000C0DE)), SwiftShader driver)',
      ),
    ).toBe(true);
    expect(isSoftwareRenderer('llvmpipe (LLVM 15.0.6, 256 bits)')).toBe(true);
    expect(
      isSoftwareRenderer('ANGLE (NVIDIA, NVIDIA GeForce RTX 4090 Direct3D11 vs_5_0 ps_5_0, D3D11)'),
    ).toBe(false);
    expect(isSoftwareRenderer('Apple M2')).toBe(false);
    expect(isSoftwareRenderer('')).toBe(false);
  });
});
