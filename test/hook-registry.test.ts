import * as assert from 'node:assert/strict';
import { channel } from 'node:diagnostics_channel';
import { attachAll, channelAttachment, detachAll, hookAttachment, HookRegistry } from '../src/hook-registry';

type Hook = () => void;

describe('HookRegistry (src/hook-registry.ts): the one pattern for hook lists', () => {
  it('adds a hook once and removes it, returning the list length; other fields of the record stay', () => {
    const record = { run: [] as readonly Hook[], patched: true };
    const registry = new HookRegistry(record);
    const a: Hook = () => {};
    const b: Hook = () => {};
    assert.equal(registry.add('run', a), 1);
    assert.equal(registry.add('run', b), 2);
    assert.equal(registry.add('run', a), 2, 'a hook already there is not added twice');
    assert.deepEqual(record.run, [a, b]);
    assert.equal(registry.remove('run', a), 1);
    assert.equal(registry.remove('run', a), 1);
    assert.deepEqual(record.run, [b]);
    assert.equal(record.patched, true);
  });

  it('replaces the array on each change, so a run under way keeps the list it started with', () => {
    const registry = new HookRegistry({ run: [] as readonly Hook[] });
    const calls: string[] = [];
    const late: Hook = () => calls.push('late');
    const first: Hook = () => {
      calls.push('first');
      registry.add('run', late);
      registry.remove('run', second);
    };
    const second: Hook = () => calls.push('second');
    registry.add('run', first);
    registry.add('run', second);
    const list = registry.lists.run;
    for (let i = 0; i < list.length; i++) list[i]();
    assert.deepEqual(calls, ['first', 'second']);
    assert.deepEqual(registry.lists.run, [first, late]);
  });

  it('attachAll and detachAll walk one list: hooks and channel subscribers come and go together', () => {
    const registry = new HookRegistry({ run: [] as readonly Hook[] });
    const hook: Hook = () => {};
    const seen: unknown[] = [];
    const name = 'rid-otel.test.hook-registry';
    const list = [hookAttachment((h: Hook) => registry.add('run', h), (h: Hook) => registry.remove('run', h), hook), channelAttachment(name, (m) => seen.push(m))];
    attachAll(list);
    channel(name).publish('one');
    assert.deepEqual([registry.lists.run, seen], [[hook], ['one']]);
    detachAll(list);
    channel(name).publish('two');
    assert.deepEqual([registry.lists.run, seen], [[], ['one']]);
  });
});
