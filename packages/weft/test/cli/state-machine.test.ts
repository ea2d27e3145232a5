/**
 * State-machine runs from the CLI (SPEC sections 5 and 9): `weft run` exits 3 while the machine
 * waits for events, `weft runs send RUN TYPE [--data JSON]` sends one and follows the run, and an
 * event the state has no transition for is refused with the events it accepts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  example,
  expectExit,
  expectNoCrash,
  parseJson,
  requireBuild,
  sandbox,
  type Sandbox,
} from './harness.js';

let box: Sandbox;
beforeAll(() => {
  requireBuild();
  box = sandbox();
});
afterAll(() => box.remove());

describe('weft on examples/order.yaml', () => {
  it('runs the order from created to delivered on events sent with weft runs send', async () => {
    const started = await box.weft([
      'run',
      example('order.yaml'),
      '--input',
      '{"order_id": "A-17", "total": 40}',
    ]);
    expectExit(started, 3);
    const hint =
      /run (\S+) is waiting in state created \(accepts: CANCEL, PAY\); send an event with: weft runs send \1 CANCEL \[--data JSON\]/.exec(
        started.stderr,
      );
    expect(hint, started.stderr).not.toBeNull();
    const id = hint?.[1] as string;

    const wrong = await box.weft(['runs', 'send', id, 'SHIP']);
    expectExit(wrong, 1);
    expect(wrong.stderr).toMatch(
      /state created has no transition for event SHIP; it accepts: CANCEL, PAY/,
    );

    const short = await box.weft(['runs', 'send', id, 'PAY', '--data', '{"amount": 10}']);
    expectExit(short, 3);
    expect(short.stderr).toMatch(/is waiting in state created/);

    const paid = await box.weft(['runs', 'send', 'last', 'PAY', '--data', '{"amount": 40}']);
    expectExit(paid, 3);
    expect(paid.stderr).toMatch(/is waiting in state paid \(accepts: CANCEL, SHIP\)/);

    const shipped = await box.weft(['runs', 'send', id, 'SHIP', '--data', '{"tracking": "1Z9"}']);
    expectExit(shipped, 3);
    const show = await box.weft(['runs', 'show', id]);
    expectExit(show, 0);
    expect(show.stdout).toMatch(/^state {5}shipped$/m);
    expect(show.stdout).toMatch(/^context {3}\{"paid":40,"tracking":"1Z9"\}$/m);
    expect(show.stdout).toMatch(/^accepts {3}DELIVER, RETURN$/m);
    const delivered = await box.weft(['runs', 'send', id, 'DELIVER', '--json']);
    expectExit(delivered, 0);
    expect(parseJson(delivered)).toMatchObject({
      status: 'succeeded',
      state: 'delivered',
      output: { state: 'delivered', context: { paid: 40, tracking: '1Z9' } },
    });
    expectNoCrash(delivered);
  });

  it('needs a run and an event type', async () => {
    const r = await box.weft(['runs', 'send', 'last']);
    expectExit(r, 2);
    expect(r.stderr).toMatch(/weft runs send RUN TYPE \[--data JSON\]/);
  });
});
