import { describe, expect, it } from 'vitest';
import { EventDispatcher, PerspectiveCamera, Vector3 } from 'three';
import { createCameraLink, type LinkedView } from './camera_link.ts';

/** A viewer's camera and orbit controls without WebGL: `orbit` moves the camera as a drag would. */
function fakeView() {
  const camera = new PerspectiveCamera();
  const events = new EventDispatcher<{ change: object }>();
  const target = new Vector3();
  let invalidated = 0;
  const view: LinkedView & { orbit(to: Vector3): void; readonly invalidated: number } = {
    camera,
    controls: {
      target,
      addEventListener: (type, fn) => events.addEventListener(type, fn),
      removeEventListener: (type, fn) => events.removeEventListener(type, fn),
      update: () => false,
    },
    invalidate: () => void invalidated++,
    orbit(to) {
      camera.position.copy(to);
      events.dispatchEvent({ type: 'change' });
    },
    get invalidated() {
      return invalidated;
    },
  };
  return view;
}

describe('linked 3D cameras (issue #13 B5)', () => {
  it('moves every other column’s camera with the one orbited, only while linked', () => {
    let linked = false;
    const link = createCameraLink(() => linked);
    const [a, b, c] = [fakeView(), fakeView(), fakeView()];
    const leaveB = link.join(b);
    link.join(a);
    link.join(c);
    a.orbit(new Vector3(1, 2, 3));
    expect(b.camera.position.toArray()).toEqual([0, 0, 0]); // off by default

    linked = true;
    a.controls.target.set(0.5, 0, 0);
    a.orbit(new Vector3(4, -3, 2));
    for (const v of [b, c]) {
      expect(v.camera.position.toArray()).toEqual([4, -3, 2]);
      expect(v.controls.target.toArray()).toEqual([0.5, 0, 0]);
      expect(v.invalidated).toBe(1);
    }
    expect(a.invalidated).toBe(0); // no echo back to the one orbited

    leaveB();
    c.orbit(new Vector3(1, 1, 1));
    expect(a.camera.position.toArray()).toEqual([1, 1, 1]);
    expect(b.camera.position.toArray()).toEqual([4, -3, 2]); // left the link
    expect(link.views).toEqual([a, c]);
  });

  it('brings the others to the first column’s view when linking is switched on', () => {
    const link = createCameraLink(() => true);
    const [a, b] = [fakeView(), fakeView()];
    a.camera.position.set(2, 2, 2);
    link.join(a);
    link.join(b); // joins a linked group: takes its viewpoint
    expect(b.camera.position.toArray()).toEqual([2, 2, 2]);
    a.camera.position.set(3, 0, 1);
    link.sync();
    expect(b.camera.position.toArray()).toEqual([3, 0, 1]);
  });
});
