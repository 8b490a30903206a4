// The environment Grove starts its compute processes with (job and inference workers, the bench's measured
// children). On Linux with glibc it asks malloc to back its large mappings with transparent huge pages
// (glibc.malloc.hugetlb=1: madvise(MADV_HUGEPAGE), which the kernel's default "madvise" THP mode honours).
// Why: every large tensor that ONNX Runtime or onnxruntime-node allocates afresh is a new mapping whose pages
// fault in one at a time, and onnxruntime-node 1.30 copies each fetched output into a new ArrayBuffer, even
// one written into a preallocated buffer. Measured 2026-12-05 (AMD EPYC family 26, Firecracker VM, 4 KiB page
// faults about 8 us each): a run whose only work is writing a 540 MB output (SmolLM2-135M's gradient) took
// 1450 ms a run with 4 KiB pages and 94 ms with the tunable. glibc reads tunables when a process starts, so
// this is set on the processes Grove spawns; it is ignored where the C library is not glibc (or too old,
// before 2.35), and on macOS and Windows it is not set at all.
const HUGE_PAGES = 'glibc.malloc.hugetlb=1';

/** `base` with Grove's allocator tunable added (Linux), keeping any GLIBC_TUNABLES already set. */
export function workerEnv(base: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): NodeJS.ProcessEnv {
  if (platform !== 'linux') return base;
  const tunables = base.GLIBC_TUNABLES;
  if (tunables?.split(':').some((t) => t.startsWith('glibc.malloc.hugetlb='))) return base;
  return { ...base, GLIBC_TUNABLES: tunables ? `${tunables}:${HUGE_PAGES}` : HUGE_PAGES };
}
