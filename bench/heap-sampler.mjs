/**
 * Preloaded into a build of ours by `npm run bench:variant -- OUT --heap-sample` (`--import`):
 * V8's sampling heap profiler, switched on and off by SIGUSR2, so that `npm run bench:compare
 * -- --heap-sample DIR` can sample exactly the measured passes. Unlike Node's `--heap-prof`, it
 * keeps the objects the collector has already freed: what a request allocates, not what is left
 * alive at the end. Each second signal writes `heap-<pid>-<n>.heapprofile` into HEAP_SAMPLE_DIR
 * (the working directory by default), under a temporary name first, so a reader never sees half
 * a file; `heap-<pid>.sampling` is there while sampling runs. Signals are not queued (two sent
 * close together arrive as one), so the sender waits for each of these before the next signal.
 * `npm run bench:profile` sums a profile by layer, module or function.
 */
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { join } from 'node:path';

const directory = process.env.HEAP_SAMPLE_DIR ?? process.cwd();
/** Mean bytes between samples: V8's default is 32 KB, too coarse for one request's ~100 KB. */
const samplingInterval = Number(process.env.HEAP_SAMPLE_INTERVAL ?? 4096);
const session = new Session();
session.connect();
let sampling = false;
let written = 0;

function report(error) {
  if (error) console.error(`heap sampler: ${error.message ?? error}`);
}

const marker = join(directory, `heap-${process.pid}.sampling`);

process.on('SIGUSR2', () => {
  if (!sampling) {
    sampling = true;
    session.post(
      'HeapProfiler.startSampling',
      { samplingInterval, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true },
      (error) => (error ? report(error) : writeFileSync(marker, '')),
    );
    return;
  }
  sampling = false;
  session.post('HeapProfiler.stopSampling', (error, result) => {
    if (error) return report(error);
    written += 1;
    const file = join(directory, `heap-${process.pid}-${written}.heapprofile`);
    writeFileSync(`${file}.part`, JSON.stringify(result.profile));
    renameSync(`${file}.part`, file);
    rmSync(marker, { force: true });
  });
});
