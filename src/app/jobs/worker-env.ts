// The environment Grove starts its compute processes with (job and inference workers, the bench's measured
// children): glibc malloc tunables, on Linux only. glibc reads tunables when a process starts, so they are set
// on the processes Grove spawns; they are ignored where the C library is not glibc (or is older than 2.35),
// and on macOS and Windows nothing is set. A tunable the user already set is left as theirs.
//
// Every process: huge pages (glibc.malloc.hugetlb=1: malloc's mappings get madvise(MADV_HUGEPAGE), which the
// kernel's default "madvise" THP mode honours). Every large tensor that ONNX Runtime or onnxruntime-node
// allocates afresh is a new mapping whose pages fault in one at a time, and onnxruntime-node 1.30 copies each
// fetched output into a new ArrayBuffer. Measured 2026-12-05 (AMD EPYC family 26, Firecracker VM, 4 KiB page
// faults about 8 us each): a run whose only work is writing a 540 MB output (SmolLM2-135M's gradient) took
// 1450 ms with 4 KiB pages and 94 ms with the tunable.
//
// Job workers (training) also: a heap with room to grow. V8 reserves a 512 MB code range at an address near
// node's own code; where address-space randomization puts the brk heap's end just below that address (in 3 of
// 4 processes measured; in every one with randomization off, setarch -R), malloc's main arena cannot grow in
// place and falls back to separate mappings that it never hands back: the onnxruntime-node output copies then
// stay resident. glibc.malloc.top_pad=1 GiB makes the heap's first growth, before V8 starts, reserve 1 GiB of
// address space (pages take memory only once touched), so V8's range lands elsewhere. Setting top_pad also
// fixes glibc's mmap threshold (otherwise adapted at run time, up to 32 MiB), which would then stay at
// 128 KiB and map every larger block afresh; glibc.malloc.mmap_threshold=32 MiB fixes it at that ceiling from
// the start. The cost: the heap keeps up to top_pad of freed memory at its top for reuse instead of trimming
// it. Measured 2026-12-05 (later) on SmolLM2-135M at 4 x 256, one micro-batch, fresh processes of 3 steps, four
// alternating each: the small-memory step peaked at 2924-3117 MB (3110+ in three) with huge pages alone, 2931-3022
// MB with both; steps 6.1-7.2 s against 5.2-6.4 s, the first step 9.6-11.7 s against 5.7-6.2 s; the plain
// step 4.6-5.9 s against 4.2-5.5 s (first 11.6-14.7 s against 8.9-9.7 s). Inference workers do not get it:
// decode measured no better with it (4-bit 141-171 tok/s against 172-176, f32 54-69 against 60-69, noisy).
const HUGE_PAGES = ['glibc.malloc.hugetlb=1'];
const ROOMY_HEAP = ['glibc.malloc.top_pad=1073741824', 'glibc.malloc.mmap_threshold=33554432'];

/** What a process does: 'jobs' (training, ingestion; the bench's measured children) or 'inference'. */
export type WorkerKind = 'jobs' | 'inference';

/** `base` with Grove's allocator tunables for `kind` added (Linux), keeping any GLIBC_TUNABLES already set. */
export function workerEnv(
  kind: WorkerKind,
  base: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
): NodeJS.ProcessEnv {
  if (platform !== 'linux') return base;
  const own = (base.GLIBC_TUNABLES ?? '').split(':').filter(Boolean);
  const named = new Set(own.map((t) => t.split('=')[0]));
  const added = [...HUGE_PAGES, ...(kind === 'jobs' ? ROOMY_HEAP : [])].filter((t) => !named.has(t.split('=')[0]));
  return added.length === 0 ? base : { ...base, GLIBC_TUNABLES: [...own, ...added].join(':') };
}
