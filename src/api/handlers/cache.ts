import type { CacheClearParams, CacheClearResult, CacheListResult } from '../../../protocol';
import type { Handler } from './types';

export const handleCacheList: Handler<Record<string, never>, CacheListResult> = async (engine) => engine.registries.cacheList();

export const handleCacheClear: Handler<CacheClearParams, CacheClearResult> = async (engine, params) => engine.registries.clearCaches(params);
