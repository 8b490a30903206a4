import { describe, expect, it } from 'vitest';
import { jobNotice } from '../../src/main/job-notice';

const job = (status: 'queued' | 'running' | 'paused' | 'done' | 'failed' | 'cancelled', error: string | null = null) => ({
  id: 7,
  kind: 'train',
  label: 'Train law',
  status,
  done: 10,
  total: 10,
  etaSeconds: null,
  error,
});

describe('jobNotice', () => {
  it('announces a job that finishes or fails', () => {
    expect(jobNotice('running', job('done'))).toEqual({ title: 'Grove: finished', body: 'Train law' });
    expect(jobNotice('running', job('failed', 'out of memory'))).toEqual({ title: 'Grove: failed', body: 'Train law: out of memory' });
  });

  it('says nothing for progress, pauses, cancels or a repeated end state', () => {
    expect(jobNotice(undefined, job('running'))).toBeNull();
    expect(jobNotice('running', job('running'))).toBeNull();
    expect(jobNotice('running', job('paused'))).toBeNull();
    expect(jobNotice('running', job('cancelled'))).toBeNull();
    expect(jobNotice('done', job('done'))).toBeNull();
  });
});
