// The confirmation dialog: opened modal with focus on the safe choice, Escape (the dialog's `cancel` event, which
// is what a browser fires for it) or the cancel button cancels, the destructive button confirms, and focus goes
// back to the button that opened it. (Chromium's own Escape and focus trapping run in test/e2e/keyboard-journey.)
import { fireEvent, render, screen } from '@testing-library/svelte';
import { afterEach, describe, expect, it, vi } from 'vitest';
import ConfirmDialog from '../../../src/renderer/src/components/ConfirmDialog.svelte';

function opener(): HTMLButtonElement {
  const button = document.createElement('button');
  button.textContent = 'Remove';
  document.body.append(button);
  button.focus();
  return button;
}

describe('ConfirmDialog', () => {
  afterEach(() => document.body.replaceChildren());

  it('opens modal, named by its question, with focus on the cancel button', () => {
    opener();
    render(ConfirmDialog, { title: 'Remove “law”?', confirmLabel: 'Remove law', onconfirm: () => {}, oncancel: () => {} });
    const dialog = screen.getByRole('dialog', { name: 'Remove “law”?' }) as HTMLDialogElement;
    expect(dialog.open).toBe(true);
    expect(document.activeElement).toBe(screen.getByRole('button', { name: 'Cancel' }));
  });

  it('cancels on Escape and gives focus back to the button that opened it', async () => {
    const button = opener();
    const onconfirm = vi.fn();
    const oncancel = vi.fn();
    render(ConfirmDialog, { title: 'Remove “law”?', confirmLabel: 'Remove law', onconfirm, oncancel });
    const dialog = screen.getByRole('dialog') as HTMLDialogElement;
    const escape = new Event('cancel', { cancelable: true });
    dialog.dispatchEvent(escape);
    expect(escape.defaultPrevented).toBe(true);
    expect(oncancel).toHaveBeenCalledOnce();
    expect(onconfirm).not.toHaveBeenCalled();
    expect(dialog.open).toBe(false);
    expect(document.activeElement).toBe(button);
  });

  it('confirms with the button named for what it does, and cancels with the other', async () => {
    const button = opener();
    const onconfirm = vi.fn();
    const oncancel = vi.fn();
    render(ConfirmDialog, {
      title: 'Replace the export?',
      confirmLabel: 'Replace and export',
      cancelLabel: 'Keep it',
      onconfirm,
      oncancel,
    });
    await fireEvent.click(screen.getByRole('button', { name: 'Replace and export' }));
    expect(onconfirm).toHaveBeenCalledOnce();
    expect(oncancel).not.toHaveBeenCalled();
    expect(document.activeElement).toBe(button);
  });

  it('cancels with its cancel button', async () => {
    const oncancel = vi.fn();
    render(ConfirmDialog, {
      title: 'Replace the export?',
      confirmLabel: 'Replace and export',
      cancelLabel: 'Keep it',
      onconfirm: () => {},
      oncancel,
    });
    await fireEvent.click(screen.getByRole('button', { name: 'Keep it' }));
    expect(oncancel).toHaveBeenCalledOnce();
    expect((screen.getByTestId('confirm-dialog') as HTMLDialogElement).open).toBe(false);
  });

  it('keeps Tab and Shift+Tab going round its own buttons', async () => {
    render(ConfirmDialog, { title: 'Remove “law”?', confirmLabel: 'Remove law', onconfirm: () => {}, oncancel: () => {} });
    const dialog = screen.getByRole('dialog');
    const cancel = screen.getByRole('button', { name: 'Cancel' });
    const confirm = screen.getByRole('button', { name: 'Remove law' });
    expect(await fireEvent.keyDown(dialog, { key: 'Tab' })).toBe(false);
    expect(document.activeElement).toBe(confirm);
    expect(await fireEvent.keyDown(dialog, { key: 'Tab', shiftKey: true })).toBe(false);
    expect(document.activeElement).toBe(cancel);
    // Between its buttons, Tab is the browser's own (not cancelled).
    expect(await fireEvent.keyDown(dialog, { key: 'Tab', shiftKey: true })).toBe(true);
  });
});
