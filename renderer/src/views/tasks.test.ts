// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { flushPromises, mount, type VueWrapper } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { setLabClient } from '../api/lab.ts';
import { createFakeLab, type FakeLab } from '../testing/fake_client.ts';
import { useTasksStore, VALIDATE_DELAY_MS } from '../stores/tasks.ts';
import TasksView from './TasksView.vue';

// The 3D preview needs WebGL and MuJoCo's wasm: component tests stub it (e2e/tasks.spec.ts draws it).
vi.mock('../components/TaskPreview.vue', () => ({
  default: {
    name: 'TaskPreview',
    props: ['xml', 'spec', 'samples'],
    template: '<div class="preview-stub" />',
  },
}));

let lab: FakeLab;
beforeEach(() => {
  lab = createFakeLab();
  setLabClient(lab.client);
  setActivePinia(createPinia());
});
afterEach(() => vi.useRealTimers());

const jsonOf = (w: VueWrapper) =>
  JSON.parse((w.find('textarea[name="task-json"]').element as HTMLTextAreaElement).value);

async function settle() {
  await vi.advanceTimersByTimeAsync(VALIDATE_DELAY_MS + 10);
  await flushPromises();
}

async function openLWall() {
  vi.useFakeTimers();
  const wrapper = mount(TasksView);
  await flushPromises();
  await wrapper.find('[data-task="l-wall-push"]').trigger('click');
  await flushPromises();
  return wrapper;
}

describe('tasks store', () => {
  it('keeps the draft and its JSON in sync both ways, reporting where bad JSON fails', async () => {
    const store = useTasksStore();
    await store.load();
    expect(store.tasks.map((t) => `${t.name}:${t.source}`)).toEqual(['l-wall-push:builtin']);
    await store.open('l-wall-push');
    expect(store.readOnly).toBe(true);
    expect(store.canSave).toBe(true);
    store.setField(['episodeLength'], 80);
    expect(JSON.parse(store.jsonText).episodeLength).toBe(80);
    store.setJson(store.jsonText.replace('"episodeLength": 80', '"episodeLength": 60'));
    expect((store.draft as { episodeLength: number }).episodeLength).toBe(60);
    store.setJson('{\n  "name": \n}');
    expect(store.jsonProblem).toMatchObject({ line: 3, column: 1 });
    expect((store.draft as { episodeLength: number }).episodeLength).toBe(60);
    expect(store.canSave).toBe(false);
  });

  it('validates after a pause, drops stale answers, and saves a built-in only under a new name', async () => {
    vi.useFakeTimers();
    const store = useTasksStore();
    await store.load();
    await store.open('l-wall-push');
    store.setField(['episodeLength'], 0);
    store.setField(['episodeLength'], 5000);
    expect(lab.calls.filter((c) => c.method === 'validateTask')).toHaveLength(1); // the open only
    await settle();
    expect(lab.calls.filter((c) => c.method === 'validateTask')).toHaveLength(2);
    expect(store.issues.map((i) => i.path)).toEqual(['episodeLength']);
    expect(await store.save()).toBe(false);
    expect(lab.calls.some((c) => c.method === 'saveTask')).toBe(false);

    store.setField(['episodeLength'], 100);
    await settle();
    expect(store.needsNewName).toBe(true);
    expect(store.newNameProblem('l-wall-push')).toMatch(/built-in/);
    expect(store.newNameProblem('Bad Name')).toMatch(/a-z/);
    expect(store.copyName('l-wall-push')).toBe('l-wall-push-copy');
    expect(await store.save('my-wall')).toBe(true);
    expect(lab.tasks['my-wall']).toMatchObject({ source: 'workspace' });
    expect(store.origin).toBe('workspace');
    expect(store.tasks.map((t) => t.name)).toContain('my-wall');

    // The next edit makes "Saved my-wall" stale: it goes, and the draft is marked unsaved.
    expect(store.notice).toMatchObject({ kind: 'ok', text: expect.stringContaining('Saved my-wall') });
    store.setField(['episodeLength'], 120);
    expect(store.notice).toBeNull();
    expect(store.dirty).toBe(true);
  });
});

describe('TasksView', () => {
  it('tells a new user to duplicate a built-in task first', async () => {
    const wrapper = mount(TasksView);
    await flushPromises();
    expect(wrapper.find('[data-task="l-wall-push"]').text()).toMatch(/built-in/);
    expect(wrapper.find('[data-test="empty"]').text()).toMatch(/l-wall-push.*Duplicate/s);
    wrapper.unmount();
  });

  it('edits in the form update the JSON; valid JSON edits update the form', async () => {
    const wrapper = await openLWall();
    const length = wrapper.find('input[name="obstacles[0].halfSize[0]"]');
    expect((length.element as HTMLInputElement).value).toBe('0.16');
    await length.setValue('0.2');
    await length.trigger('change');
    expect(jsonOf(wrapper).obstacles[0].halfSize[0]).toBe(0.2);

    const text = wrapper.find('textarea[name="task-json"]');
    const spec = jsonOf(wrapper);
    spec.goal.x = [0.1, 0.3];
    await text.setValue(JSON.stringify(spec, null, 2));
    expect((wrapper.find('input[name="goal.x[1]"]').element as HTMLInputElement).value).toBe('0.3');

    await text.setValue('{ "goal": ');
    expect(wrapper.find('[data-test="json-problem"]').text()).toMatch(/line 1, column 11/);
    expect((wrapper.find('input[name="goal.x[1]"]').element as HTMLInputElement).value).toBe('0.3');
    wrapper.unmount();
  });

  it('undoes and redoes edits of the form, the JSON and the handles, with buttons and keys (issue #13 B7)', async () => {
    const wrapper = await openLWall();
    const undo = wrapper.find('[data-test="undo"]');
    const redo = wrapper.find('[data-test="redo"]');
    expect(undo.attributes('disabled')).toBeDefined();
    const length = wrapper.find('input[name="obstacles[0].halfSize[0]"]');
    await length.setValue('0.2');
    await length.trigger('change');
    vi.advanceTimersByTime(2000); // a new edit, not the same one typed on
    const text = wrapper.find('textarea[name="task-json"]');
    const spec = jsonOf(wrapper);
    spec.goal.x = [0.1, 0.3];
    await text.setValue(JSON.stringify(spec, null, 2));
    vi.advanceTimersByTime(2000);
    useTasksStore().moveHandle({ kind: 'goal' }, 0.5, 0.1);
    await flushPromises();
    expect(jsonOf(wrapper).goal.x[0]).toBeCloseTo(0.4);

    await undo.trigger('click'); // the drag
    expect(jsonOf(wrapper).goal.x).toEqual([0.1, 0.3]);
    window.dispatchEvent(new KeyboardEvent('keydown', { key: 'z', ctrlKey: true })); // the JSON edit
    await flushPromises();
    expect(jsonOf(wrapper).goal.x).toEqual([0.12, 0.22]);
    expect(jsonOf(wrapper).obstacles[0].halfSize[0]).toBe(0.2);
    await undo.trigger('click'); // the form edit
    expect(jsonOf(wrapper).obstacles[0].halfSize[0]).toBe(0.16);
    expect((wrapper.find('input[name="obstacles[0].halfSize[0]"]').element as HTMLInputElement).value).toBe(
      '0.16',
    );
    expect(undo.attributes('disabled')).toBeDefined();

    window.dispatchEvent(new KeyboardEvent('keydown', { key: 'Z', ctrlKey: true, shiftKey: true }));
    await flushPromises();
    expect(jsonOf(wrapper).obstacles[0].halfSize[0]).toBe(0.2);
    await redo.trigger('click');
    expect(jsonOf(wrapper).goal.x).toEqual([0.1, 0.3]);
    // A new edit drops what was undone.
    await wrapper.find('input[name="goal.x[1]"]').setValue('0.35');
    await wrapper.find('input[name="goal.x[1]"]').trigger('change');
    expect(redo.attributes('disabled')).toBeDefined();
    await settle();
    wrapper.unmount();
  });

  it('shows an issue next to its field and disables Save until it is fixed', async () => {
    const wrapper = await openLWall();
    const mass = wrapper.find('input[name="objects[0].mass"]');
    await mass.setValue('50');
    await mass.trigger('change');
    await settle();
    const field = wrapper.find('[data-field="objects[0].mass"]');
    expect(field.find('[role="alert"]').text()).toMatch(/must be in \[0.01, 10\] kg/);
    expect(mass.attributes('aria-invalid')).toBe('true');
    const save = wrapper.findAll('button').find((b) => b.text() === 'Save')!;
    expect(save.attributes('disabled')).toBeDefined();
    await mass.setValue('1.5');
    await mass.trigger('change');
    await settle();
    expect(wrapper.find('[data-field="objects[0].mass"] [role="alert"]').exists()).toBe(false);
    expect(save.attributes('disabled')).toBeUndefined();
    wrapper.unmount();
  });

  it('asks for a new name when saving a built-in, and saves under it', async () => {
    const wrapper = await openLWall();
    await wrapper
      .findAll('button')
      .find((b) => b.text() === 'Save')!
      .trigger('click');
    const dialog = wrapper.find('[data-test="name-dialog"]');
    expect(dialog.text()).toMatch(/built-in task and read-only/);
    const name = dialog.find('input[name="new-task-name"]');
    expect((name.element as HTMLInputElement).value).toBe('l-wall-push-copy');
    await name.setValue('l-wall-push');
    expect(dialog.find('[role="alert"]').text()).toMatch(/built-in/);
    await name.setValue('my-l-wall');
    await dialog.trigger('submit');
    await flushPromises();
    expect(lab.calls.find((c) => c.method === 'saveTask')?.params).toMatchObject({
      spec: { name: 'my-l-wall' },
    });
    expect(wrapper.find('[data-task="my-l-wall"]').text()).toMatch(/workspace/);
    expect(wrapper.find('[data-test="name-dialog"]').exists()).toBe(false);
    expect(wrapper.find('button.danger').text()).toBe('Delete');
    wrapper.unmount();
  });

  it('imports: a file that is not JSON shows the error; a bad spec opens with its issues marked', async () => {
    vi.useFakeTimers();
    const wrapper = mount(TasksView);
    await flushPromises();
    const input = wrapper.find('[data-test="import-file"]');
    const choose = async (name: string, text: string) => {
      Object.defineProperty(input.element, 'files', { value: [new File([text], name)], configurable: true });
      await input.trigger('change');
      await flushPromises();
    };
    await choose('broken.json', '{ "name": "x", ');
    expect(wrapper.find('[data-test="notice"]').text()).toMatch(/broken\.json is not valid JSON \(line 1/);
    expect(wrapper.find('[data-test="task-form"]').exists()).toBe(false);

    const spec = structuredClone(lab.tasks['l-wall-push'].spec) as Record<string, unknown>;
    spec.name = 'imported';
    spec.episodeLength = -3;
    await choose('imported.json', JSON.stringify(spec));
    expect(wrapper.find('[data-test="notice"]').text()).toMatch(/1 problem/);
    expect(wrapper.find('[data-field="episodeLength"] [role="alert"]').exists()).toBe(true);
    expect(wrapper.text()).toMatch(/imported, not saved/);
    wrapper.unmount();
  });

  it('samples resets and lists ten goals', async () => {
    const wrapper = await openLWall();
    await wrapper
      .findAll('button')
      .find((b) => b.text() === 'Sample resets')!
      .trigger('click');
    await flushPromises();
    expect(wrapper.findAll('[data-test="sample"]')).toHaveLength(10);
    expect(lab.calls.find((c) => c.method === 'sampleResets')?.params).toMatchObject({ count: 10 });
    wrapper.unmount();
  });
});
