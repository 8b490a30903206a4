// Settings' "Train on" against a fake engine: this computer by default, no Slurm fields; choosing the Slurm
// cluster shows its fields, and Save sends them (blanks left out) with the choice; the engine's refusal (a bad
// time limit, one of Grove's own sbatch options) is said; kept settings are shown as they are; the further
// sbatch options are one per line and Grove on the nodes a path, both sent; a malformed option line is named
// and nothing is sent.
import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import ClusterSettingsPanel from '../../../src/renderer/src/components/ClusterSettingsPanel.svelte';
import { GroveError } from '../../../src/shared/api/errors';
import type { ClusterSettingsView } from '../../../src/shared/api/schemas-cluster';
import { fakeApi } from '../fake-api';

describe('ClusterSettingsPanel', () => {
  it('switches new experts to the Slurm cluster with its fields', async () => {
    let state: ClusterSettingsView = { trainOn: 'local', slurm: null };
    const api = fakeApi({
      clusterSettings: () => state,
      setClusterSettings: (input: ClusterSettingsView) =>
        (state = {
          trainOn: input.trainOn,
          slurm: input.slurm ? { gpusPerJob: 0, cpusPerTask: 1, extraOptions: [], ...input.slurm } : null,
        }),
    });
    render(ClusterSettingsPanel, { api });
    const local = (await screen.findByLabelText('This computer')) as HTMLInputElement;
    await waitFor(() => expect(local.checked).toBe(true));
    expect(screen.queryByLabelText('Shared folder')).toBeNull();

    await fireEvent.click(screen.getByLabelText('Slurm cluster'));
    await fireEvent.input(screen.getByLabelText('Shared folder'), { target: { value: '/shared/grove' } });
    await fireEvent.input(screen.getByLabelText('Partition'), { target: { value: 'gpu' } });
    await fireEvent.input(screen.getByLabelText('Time limit'), { target: { value: '4:00:00' } });
    await fireEvent.input(screen.getByLabelText('GPUs per job'), { target: { value: '1' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(screen.getByRole('status').textContent).toBe('Saved: new experts train on the Slurm cluster'));
    expect(api.setClusterSettings).toHaveBeenCalledWith({
      trainOn: 'slurm',
      slurm: { sharedDir: '/shared/grove', partition: 'gpu', timeLimit: '4:00:00', gpusPerJob: 1, cpusPerTask: 1, extraOptions: [] },
    });
    expect(state.trainOn).toBe('slurm');
  });

  it("shows kept settings and says the engine's refusal", async () => {
    const kept: ClusterSettingsView = {
      trainOn: 'slurm',
      slurm: { sharedDir: '/nfs/grove', partition: 'batch', gpusPerJob: 2, cpusPerTask: 4, extraOptions: ['--qos=high'] },
    };
    const api = fakeApi({
      clusterSettings: () => kept,
      setClusterSettings: () => {
        throw new GroveError('bad_input', 'Slurm settings are not valid: timeLimit: a Slurm time limit: minutes, HH:MM:SS or D-HH:MM:SS.');
      },
    });
    render(ClusterSettingsPanel, { api });
    await waitFor(() => expect((screen.getByLabelText('Shared folder') as HTMLInputElement).value).toBe('/nfs/grove'));
    expect((screen.getByLabelText('Partition') as HTMLInputElement).value).toBe('batch');
    expect((screen.getByLabelText('GPUs per job') as HTMLInputElement).value).toBe('2');
    expect((screen.getByLabelText(/Further sbatch options/) as HTMLTextAreaElement).value).toBe('--qos=high');
    await fireEvent.input(screen.getByLabelText('Time limit'), { target: { value: 'soon' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(screen.getByRole('alert').textContent).toMatch(/timeLimit: a Slurm time limit/));
    expect(api.setClusterSettings).toHaveBeenCalledWith({
      trainOn: 'slurm',
      slurm: {
        sharedDir: '/nfs/grove',
        partition: 'batch',
        timeLimit: 'soon',
        gpusPerJob: 2,
        cpusPerTask: 4,
        extraOptions: ['--qos=high'],
      },
    });
  });

  it('sends the further sbatch options, one per line, and Grove on the nodes; names a bad line and sends nothing', async () => {
    let state: ClusterSettingsView = {
      trainOn: 'slurm',
      slurm: { sharedDir: '/nfs/grove', gpusPerJob: 0, cpusPerTask: 1, extraOptions: [] },
    };
    const api = fakeApi({
      clusterSettings: () => state,
      setClusterSettings: (input: ClusterSettingsView) => {
        if (input.slurm?.extraOptions?.includes('--array=0-3'))
          throw new GroveError('bad_input', "Slurm settings are not valid: extraOptions 2: --array is Grove's own sbatch option --array.");
        return (state = input);
      },
    });
    render(ClusterSettingsPanel, { api });
    const box = (await screen.findByLabelText(/Further sbatch options/)) as HTMLTextAreaElement;
    await waitFor(() => expect((screen.getByLabelText('Shared folder') as HTMLInputElement).value).toBe('/nfs/grove'));

    await fireEvent.input(box, { target: { value: '--qos=high\n\n-p gpu' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    await waitFor(() =>
      expect(screen.getByRole('alert').textContent).toMatch(/^Further sbatch options, line 3: "-p gpu" is not one long option/),
    );
    expect(api.setClusterSettings).not.toHaveBeenCalled();

    await fireEvent.input(box, { target: { value: '--qos=high\n--array=0-3' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(screen.getByRole('alert').textContent).toMatch(/extraOptions 2: --array is Grove's own sbatch option/));

    await fireEvent.input(box, { target: { value: ' --qos=high \n\n--constraint=a100\n' } });
    await fireEvent.input(screen.getByLabelText(/Grove on the nodes/), { target: { value: '/opt/grove' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(screen.getByRole('status').textContent).toBe('Saved: new experts train on the Slurm cluster'));
    expect(screen.queryByRole('alert')).toBeNull();
    expect(api.setClusterSettings).toHaveBeenLastCalledWith({
      trainOn: 'slurm',
      slurm: {
        sharedDir: '/nfs/grove',
        gpusPerJob: 0,
        cpusPerTask: 1,
        extraOptions: ['--qos=high', '--constraint=a100'],
        groveDir: '/opt/grove',
      },
    });
    expect((screen.getByLabelText(/Further sbatch options/) as HTMLTextAreaElement).value).toBe('--qos=high\n--constraint=a100');
  });
});
