// A test hook for crash safety: with GROVE_TEST_KILL_AFTER naming a point (e.g. `record:seeded`, the
// owner's commit of a seed; `result:ingest`, the commit of an ingest's report; `merged:collapse-trial`, a
// worker's temporary merge written and not yet removed), the process SIGKILLs itself
// right after that commit, as an OOM kill or a closed terminal would at the worst moment. Tests use it to
// show that the next step of a multi-step operation was committed with the current one; unset, it does nothing.
export function crashPoint(name: string): void {
  if (process.env.GROVE_TEST_KILL_AFTER === name) process.kill(process.pid, 'SIGKILL');
}
