/**
 * The task editor's state: the task list, the open task's draft spec (plain JSON, possibly invalid)
 * and its JSON text kept in sync both ways, the service's verdict on the draft (field issues,
 * warnings, compiled MJCF; re-asked {@link VALIDATE_DELAY_MS} after the last edit), sampled resets,
 * save / duplicate / import / export / delete, and undo / redo over the edits (issue #13 B7).
 */
import { defineStore } from 'pinia';
import { computed, ref, shallowRef } from 'vue';
import { ApiError, type ApiIssue } from '../../../main/api/contract/contract.ts';
import type {
  TaskSample,
  TaskSource,
  TaskSummary,
  TaskWarningInfo,
} from '../../../main/api/contract/task_schemas.ts';
import { labClient } from '../api/lab.ts';
import {
  moveTarget,
  parseJsonText,
  setAt,
  type DragTarget,
  type FieldPath,
  type JsonProblem,
} from '../logic/task_form.ts';

/** Validation waits this long after the last edit (ms), so typing does not flood the service. */
export const VALIDATE_DELAY_MS = 300;
/** Resets drawn by "Sample resets". */
export const SAMPLE_COUNT = 10;

/** Edits of the same field (typing, one drag) within this long (ms) undo as one step. */
export const UNDO_MERGE_MS = 1000;
/** Undo keeps at most this many steps. */
export const UNDO_LIMIT = 200;

/** Where the open draft came from. */
export type DraftOrigin = TaskSource | 'import';

const pretty = (v: unknown) => `${JSON.stringify(v, null, 2)}\n`;

export const useTasksStore = defineStore('tasks', () => {
  const tasks = ref<TaskSummary[]>([]);
  const unreadable = ref<Array<{ file: string; error: string }>>([]);
  const loaded = ref(false);
  const error = ref<string | null>(null);

  /** The open task's stored name (null: nothing open, or an import not saved yet) and origin. */
  const openName = ref<string | null>(null);
  const origin = ref<DraftOrigin | null>(null);
  /** The draft spec as plain JSON (the form's model). */
  const draft = shallowRef<unknown>(null);
  /** The JSON view's text: what the user typed, or the draft pretty-printed after a form edit. */
  const jsonText = ref('');
  const jsonProblem = ref<JsonProblem | null>(null);
  const dirty = ref(false);

  const issues = ref<ApiIssue[]>([]);
  const warnings = ref<TaskWarningInfo[]>([]);
  const xml = ref<string | null>(null);
  /** The last draft the service found valid (what the preview draws). */
  const validSpec = shallowRef<Record<string, unknown> | null>(null);
  const validating = ref(false);
  /** Draft generation: answers to older drafts are dropped. */
  let generation = 0;
  let timer: ReturnType<typeof setTimeout> | null = null;

  /**
   * Undo history: drafts before each edit (newest last) and drafts undone (newest last). Drafts are
   * plain JSON values that edits replace, never mutate (setAt, moveTarget copy), so they are kept as is.
   */
  const undoStack = shallowRef<unknown[]>([]);
  const redoStack = shallowRef<unknown[]>([]);
  /** What the last edit changed and when, so a run of edits of one field merges into one step. */
  let lastEdit: { what: string; at: number } | null = null;
  const canUndo = computed(() => isOpen.value && undoStack.value.length > 0);
  const canRedo = computed(() => isOpen.value && redoStack.value.length > 0);

  const samples = shallowRef<TaskSample[]>([]);
  const sampling = ref(false);
  /** A message about the last action (import problems, save results). */
  const notice = ref<{ kind: 'error' | 'ok'; text: string } | null>(null);

  const isOpen = computed(() => origin.value !== null);
  const readOnly = computed(() => origin.value === 'builtin');
  const canSave = computed(
    () =>
      isOpen.value &&
      !jsonProblem.value &&
      !validating.value &&
      issues.value.length === 0 &&
      xml.value !== null,
  );
  const draftName = computed(() => {
    const n = (draft.value as { name?: unknown } | null)?.name;
    return typeof n === 'string' ? n : '';
  });

  const isBuiltinName = (name: string) => tasks.value.some((t) => t.name === name && t.source === 'builtin');

  /** Loads the task list. */
  async function load(): Promise<void> {
    try {
      const res = await labClient().listTasks();
      tasks.value = res.tasks;
      unreadable.value = res.unreadable;
      error.value = null;
    } catch (err) {
      error.value = (err as Error).message;
    } finally {
      loaded.value = true;
    }
  }

  function setDraft(next: unknown, fromJsonText: boolean): void {
    draft.value = next;
    if (!fromJsonText) {
      jsonText.value = pretty(next);
      jsonProblem.value = null;
    }
    samples.value = [];
    scheduleValidation();
  }

  function openDraft(spec: unknown, from: DraftOrigin, name: string | null): void {
    openName.value = name;
    origin.value = from;
    issues.value = [];
    warnings.value = [];
    xml.value = null;
    validSpec.value = null;
    notice.value = null;
    setDraft(spec, false);
    dirty.value = from === 'import';
    undoStack.value = [];
    redoStack.value = [];
    lastEdit = null;
  }

  /** Opens a task from the list. */
  async function open(name: string): Promise<void> {
    const res = await labClient().getTask({ name });
    openDraft(res.spec, res.source, res.name);
    await validateNow();
  }

  /** Closes the editor. */
  function close(): void {
    if (timer) clearTimeout(timer);
    generation++;
    origin.value = null;
    openName.value = null;
    draft.value = null;
  }

  /** Any edit: the draft now differs from what was saved, so "Saved …" (or why not) no longer holds. */
  function edited(): void {
    dirty.value = true;
    notice.value = null;
  }

  /**
   * Records the draft before an edit of `what` (a field, a handle, the JSON text) as an undo step,
   * unless the same thing was edited moments ago (one step per word typed or drag, not per key).
   */
  function remember(what: string): void {
    const now = Date.now();
    const merge = lastEdit?.what === what && now - lastEdit.at < UNDO_MERGE_MS && undoStack.value.length > 0;
    lastEdit = { what, at: now };
    if (!merge) undoStack.value = [...undoStack.value, draft.value].slice(-UNDO_LIMIT);
    redoStack.value = [];
  }

  function restore(spec: unknown): void {
    lastEdit = null;
    edited();
    setDraft(spec, false);
  }

  /** Undoes the last edit (the form, the JSON view and the preview follow). */
  function undo(): boolean {
    if (!canUndo.value) return false;
    const stack = undoStack.value;
    redoStack.value = [...redoStack.value, draft.value];
    undoStack.value = stack.slice(0, -1);
    restore(stack[stack.length - 1]);
    return true;
  }

  /** Redoes the last undone edit. */
  function redo(): boolean {
    if (!canRedo.value) return false;
    const stack = redoStack.value;
    undoStack.value = [...undoStack.value, draft.value];
    redoStack.value = stack.slice(0, -1);
    restore(stack[stack.length - 1]);
    return true;
  }

  /** A form edit: sets one field (undefined removes it) and re-renders the JSON. */
  function setField(path: FieldPath, value: unknown): void {
    remember(`field ${JSON.stringify(path)}`);
    edited();
    setDraft(setAt(draft.value, path, value), false);
  }

  /** A JSON view edit: valid JSON replaces the draft (and so the form); invalid JSON is reported where it fails. */
  function setJson(text: string): void {
    jsonText.value = text;
    edited();
    const parsed = parseJsonText(text);
    if (!parsed.ok) {
      jsonProblem.value = parsed.problem;
      generation++; // an answer about the last parsable draft no longer applies
      return;
    }
    jsonProblem.value = null;
    remember('json');
    setDraft(parsed.value, true);
  }

  /** Writes a dragged handle's new centre (m) into the draft. */
  function moveHandle(target: DragTarget, x: number, y: number): void {
    remember(`handle ${JSON.stringify(target)}`);
    edited();
    setDraft(moveTarget(draft.value, target, x, y), false);
  }

  function scheduleValidation(): void {
    generation++;
    validating.value = true;
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => void validateNow(), VALIDATE_DELAY_MS);
  }

  /** Asks the service about the draft now (the debounced path ends here too). */
  async function validateNow(): Promise<void> {
    if (timer) clearTimeout(timer);
    timer = null;
    const mine = ++generation;
    const spec = draft.value;
    validating.value = true;
    try {
      const res = await labClient().validateTask({ spec: spec as object | null });
      if (mine !== generation) return;
      issues.value = res.issues;
      warnings.value = res.warnings;
      if (res.valid) {
        xml.value = res.xml;
        validSpec.value = spec as Record<string, unknown>;
      }
    } catch (err) {
      if (mine === generation) issues.value = [{ path: '', message: (err as Error).message }];
    } finally {
      if (mine === generation) validating.value = false;
    }
  }

  /**
   * Saves the draft as a workspace task. `asName` renames it first (a built-in or an import under a
   * built-in's name must get one). Field problems from the service land in `issues`.
   * @returns whether it saved.
   */
  async function save(asName?: string): Promise<boolean> {
    if (asName !== undefined) setDraft(setAt(draft.value, ['name'], asName), false);
    if (timer) await validateNow();
    if (!canSave.value) {
      notice.value = { kind: 'error', text: 'Not saved: fix the marked fields first.' };
      return false;
    }
    try {
      const res = await labClient().saveTask({ spec: draft.value as object | null });
      await load();
      // Saving is not an edit to forget: undo still steps back through what came before.
      const history = [undoStack.value, redoStack.value];
      openDraft(res.spec, 'workspace', res.task.name);
      [undoStack.value, redoStack.value] = history;
      notice.value = { kind: 'ok', text: `Saved ${res.task.name} to the workspace.` };
      await validateNow();
      return true;
    } catch (err) {
      if (err instanceof ApiError && err.issues?.length) issues.value = err.issues;
      notice.value = { kind: 'error', text: (err as Error).message };
      return false;
    }
  }

  /** Whether saving needs a new name first: the draft carries a built-in task's name. */
  const needsNewName = computed(() => isBuiltinName(draftName.value));

  /**
   * Why `name` cannot be the name of a new workspace task, or null when it can.
   */
  function newNameProblem(name: string): string | null {
    if (!/^[a-z0-9][a-z0-9-]{0,63}$/.test(name))
      return 'use 1-64 of a-z, 0-9 and -, starting with a letter or digit';
    if (isBuiltinName(name)) return `"${name}" is a built-in task; choose another name`;
    if (tasks.value.some((t) => t.name === name) && name !== openName.value)
      return `a workspace task "${name}" exists already`;
    return null;
  }

  /** A free name for a copy of `name`: name-copy, name-copy-2, … */
  function copyName(name: string): string {
    const base = `${name}-copy`.slice(0, 64);
    let out = base;
    for (let k = 2; tasks.value.some((t) => t.name === out); k++) out = `${base}-${k}`;
    return out;
  }

  /** Imports a file's text as a new unsaved draft; bad JSON leaves the editor as it was and says why. */
  async function importText(fileName: string, text: string): Promise<boolean> {
    const parsed = parseJsonText(text);
    if (!parsed.ok) {
      const where = parsed.problem.line
        ? ` (line ${parsed.problem.line}, column ${parsed.problem.column})`
        : '';
      notice.value = {
        kind: 'error',
        text: `${fileName} is not valid JSON${where}: ${parsed.problem.message}`,
      };
      return false;
    }
    if (!parsed.value || typeof parsed.value !== 'object' || Array.isArray(parsed.value)) {
      notice.value = { kind: 'error', text: `${fileName} does not hold a task spec (a JSON object)` };
      return false;
    }
    openDraft(parsed.value, 'import', null);
    await validateNow();
    notice.value =
      issues.value.length > 0
        ? {
            kind: 'error',
            text: `Imported ${fileName}: ${issues.value.length} problem${issues.value.length > 1 ? 's' : ''} (marked below); fix them before saving.`,
          }
        : { kind: 'ok', text: `Imported ${fileName}; save it to add it to the workspace.` };
    return true;
  }

  /** The draft as a JSON file's name and text, for Export. */
  function exportFile(): { fileName: string; text: string } {
    return { fileName: `${draftName.value || 'task'}.json`, text: pretty(draft.value) };
  }

  /** Deletes the open workspace task. */
  async function remove(): Promise<void> {
    const name = openName.value;
    if (!name || origin.value !== 'workspace') return;
    await labClient().deleteTask({ name });
    close();
    await load();
  }

  /** Draws {@link SAMPLE_COUNT} resets of the valid draft with the real env. */
  async function sample(seed = 0): Promise<void> {
    if (!validSpec.value) return;
    sampling.value = true;
    try {
      samples.value = (
        await labClient().sampleResets({ spec: validSpec.value, count: SAMPLE_COUNT, seed })
      ).samples;
    } catch (err) {
      notice.value = { kind: 'error', text: `Sample resets: ${(err as Error).message}` };
    } finally {
      sampling.value = false;
    }
  }

  return {
    tasks,
    unreadable,
    loaded,
    error,
    openName,
    origin,
    draft,
    jsonText,
    jsonProblem,
    dirty,
    issues,
    warnings,
    xml,
    validSpec,
    validating,
    samples,
    sampling,
    notice,
    isOpen,
    readOnly,
    canSave,
    draftName,
    needsNewName,
    canUndo,
    canRedo,
    undo,
    redo,
    load,
    open,
    close,
    setField,
    setJson,
    moveHandle,
    validateNow,
    save,
    newNameProblem,
    copyName,
    importText,
    exportFile,
    remove,
    sample,
  };
});
