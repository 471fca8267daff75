// Trace recording and replay of the core's inputs (see format.ts for the file format).

export { TraceRecorder, memoryHash, freshCoreHash, type RecorderOptions } from './recorder.js';
export { readTraceHeader, traceRecords, summarizeTrace, type TraceRecord, type TraceSummary } from './reader.js';
export { replayTrace, type ReplayResult, type ReplayOptions, type Checkpoint, type Divergence } from './replay.js';
export { TraceError, TRACE_MAGIC, TRACE_VERSION, type TraceHeader } from './format.js';
