// Registries on 127.0.0.1, plain HTTP, no proxy and no auth: where the network costs nothing and
// the engine's own cost shows (W4L, W7, W8). Started on first use, stopped with the run.
import { startDistribution } from '../registries/distribution';
import { startOlareg } from '../registries/olareg';
import type { RunningRegistry } from '../registries/types';

export interface LoopbackRegistries {
  /** CNCF distribution (no referrers API: attach/discover use the tag schema), filesystem storage. */
  distribution: string;
  /** olareg, with the OCI referrers API, in-memory storage. */
  olareg: string;
  stop(): Promise<void>;
}

export async function startLoopbackRegistries(): Promise<LoopbackRegistries> {
  const started: RunningRegistry[] = [];
  try {
    started.push(await startDistribution({ quiet: true }));
    started.push(await startOlareg());
  } catch (e) {
    for (const r of started) await r.stop().catch(() => undefined);
    throw e;
  }
  return {
    distribution: started[0]!.host,
    olareg: started[1]!.host,
    stop: async () => {
      for (const r of started) await r.stop().catch(() => undefined);
    },
  };
}
