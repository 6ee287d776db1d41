// The peer's side of bench/compare.sh: runs one workload through aws-local-stepfunctions,
// as benches/compare_driver.rs does through the runtime, with the same definition (read
// from the file compare_driver's `asl` command wrote), the same inputs, the same mocked
// Lambdas (task resource overrides answering at once), the same rounds and timing bounds.
//
//   node --expose-gc peer-driver.mjs WORKLOAD ASL_FILE [ROUNDS]
//
// PEER_MODULE is the path of the installed package's ESM entry point. Prints key=value
// pairs on one line: median_ms, min_ms, and for `waiting` bytes_per_execution.

import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';

const { StateMachine } = await import(pathToFileURL(process.env.PEER_MODULE).href);

const [workload, aslFile, roundsArg] = process.argv.slice(2);
const text = readFileSync(aslFile, 'utf8');
const rounds = Math.max(1, Number(roundsArg ?? 5));

const EXECUTIONS = 1000;
const WAITING = 100000;

// The Lambda functions of benches/workloads: send counts a message, fetch finds no activity.
const send = async (input) => ({ ...input, messages_sent: (input.messages_sent ?? 0) + 1 });
const fetch = async (input) => ({ ...input, activities: 0 });
const onboardingOptions = {
  overrides: {
    taskResourceLocalHandlers: {
      SendMessage1: send,
      SendMessage2: send,
      SendMessage3: send,
      FetchActivityCount1: fetch,
      FetchActivityCount2: fetch,
    },
  },
};
const user = (i) => ({ user_id: `user-${i}` });

async function runOnce(machine, input, options) {
  return machine.run(input, options).result;
}

async function round(machine) {
  switch (workload) {
    case 'validate-1000':
    case 'validate-10000':
      new StateMachine(JSON.parse(text));
      return;
    // The peer has no typed workflows: the typed workload is the same ASL, one after another.
    case 'onboarding-sequential':
    case 'onboarding-typed':
      for (let i = 0; i < EXECUTIONS; i++) await runOnce(machine, user(i), onboardingOptions);
      return;
    case 'onboarding-concurrent': {
      const all = [];
      for (let i = 0; i < EXECUTIONS; i++) all.push(runOnce(machine, user(i), onboardingOptions));
      await Promise.all(all);
      return;
    }
    case 'pass-chain':
      await runOnce(machine, { user: 'u-1' });
      return;
    case 'counter-loop':
      await runOnce(machine, {});
      return;
    default:
      throw new Error(`unknown workload ${workload}`);
  }
}

const machine = new StateMachine(JSON.parse(text));

if (workload === 'waiting') {
  globalThis.gc?.();
  const before = process.memoryUsage().rss;
  const start = performance.now();
  const executions = [];
  for (let i = 0; i < WAITING; i++) executions.push(machine.run({ i }, { noThrowOnAbort: true }));
  const ms = performance.now() - start;
  // Every execution runs up to its Wait before the timer fires.
  await new Promise((resolve) => setTimeout(resolve, 1000));
  globalThis.gc?.();
  const after = process.memoryUsage().rss;
  console.log(
    `median_ms=${ms.toFixed(1)} min_ms=${ms.toFixed(1)} ` +
      `bytes_per_execution=${Math.round((after - before) / WAITING)} rss_mib=${(after / 1048576).toFixed(1)}`,
  );
  // Exit with the executions still waiting, as the runtime's driver does.
  process.exit(0);
}

await round(machine); // warm-up, as the runtime's driver does
const times = [];
for (let r = 0; r < rounds; r++) {
  const start = performance.now();
  await round(machine);
  times.push(performance.now() - start);
}
times.sort((a, b) => a - b);
console.log(`median_ms=${times[Math.floor(times.length / 2)].toFixed(2)} min_ms=${times[0].toFixed(2)}`);
