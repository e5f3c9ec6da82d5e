import type { Engine } from 'wasmgrad';
import type { NameData } from './data.mjs';
import type { CharTransformer } from './model.mjs';

/** Rebuilds a saved model on a fresh engine of the backend and Wasm build that trained it. */
export function loadCharLM(bytes: Uint8Array): Promise<{ eng: Engine; model: CharTransformer; data: NameData; metadata: Record<string, string> }>;
