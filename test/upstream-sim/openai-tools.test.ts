import { describe, expect, it } from 'vitest';
import { planTools } from './openai-tools.js';

const tool = (name: string) => ({ type: 'function', function: { name } });
const user = (content: string) => [{ role: 'user', content }];
const names = (plan: ReturnType<typeof planTools>) =>
  plan && typeof plan === 'object' && 'calls' in plan ? plan.calls.map((c) => c.name) : plan;

describe('the simulator’s function calling', () => {
  const tools = [tool('alpha'), tool('beta')];

  it('calls the tools the prompt names, the first with required, none with none', () => {
    expect(names(planTools({ tools }, user('beta then alpha'), 'beta then alpha'))).toEqual([
      'alpha',
      'beta',
    ]);
    expect(names(planTools({ tools, parallel_tool_calls: false }, user('alpha beta'), 'alpha beta'))).toEqual(
      ['alpha'],
    );
    expect(planTools({ tools }, user('nothing'), 'nothing')).toBeUndefined();
    expect(names(planTools({ tools, tool_choice: 'required' }, user('nothing'), 'nothing'))).toEqual([
      'alpha',
    ]);
    expect(planTools({ tools, tool_choice: 'none' }, user('alpha'), 'alpha')).toBeUndefined();
    const named = { tools, tool_choice: { type: 'function', function: { name: 'beta' } } };
    expect(names(planTools(named, user('alpha'), 'alpha'))).toEqual(['beta']);
  });

  it('gives each call a stable id and the prompt as its arguments', () => {
    const first = planTools({ tools }, user('alpha'), 'alpha');
    const again = planTools({ tools }, user('alpha'), 'alpha');
    expect(first).toEqual(again);
    expect(first).toMatchObject({
      calls: [{ id: expect.stringMatching(/^call_[0-9a-f]{24}$/), arguments: '{"prompt":"alpha"}' }],
    });
  });

  it('answers a tool message last, and refuses one that answers no earlier call', () => {
    const call = { id: 'call_1', type: 'function', function: { name: 'alpha', arguments: '{}' } };
    const history = [...user('alpha'), { role: 'assistant', content: null, tool_calls: [call] }];
    expect(
      planTools({ tools }, [...history, { role: 'tool', tool_call_id: 'call_1', content: 'ok' }], 'alpha'),
    ).toEqual({
      toolAnswer: 'ok',
    });
    expect(
      planTools({ tools }, [...history, { role: 'tool', tool_call_id: 'call_9', content: 'ok' }], 'alpha'),
    ).toMatch(/must be a response to a preceeding message with 'tool_calls'/);
    expect(planTools({ tools: [{ type: 'function' }] }, user('x'), 'x')).toMatch(
      /tools\[0\]\.function\.name/,
    );
  });
});
