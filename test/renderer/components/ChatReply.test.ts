import { fireEvent, render, screen } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import ChatReply from '../../../src/renderer/src/components/ChatReply.svelte';
import type { ChatMessageView } from '../../../src/shared/api/schemas-chat';

const reply = (extra: Partial<ChatMessageView> = {}): ChatMessageView => ({
  id: 9, role: 'assistant', content: 'Once upon', settings: null, posterior: null, finish: null, error: null, pieces: null, streaming: true, createdAt: '2025-01-01', ...extra,
});
const colours: Record<string, string> = { news: '#2f7d4f', fiction: '#3b6fb6' };
const colourOf = (name: string) => colours[name] ?? '#888';

describe('ChatReply', () => {
  it('streams: the text so far, a caret, and the live posterior as a stacked bar', () => {
    const pieces = [
      { text: 'Once', weights: [{ name: 'news', weight: 0.5 }, { name: 'fiction', weight: 0.5 }] },
      { text: ' upon', weights: [{ name: 'news', weight: 0.2 }, { name: 'fiction', weight: 0.8 }] },
    ];
    render(ChatReply, { message: reply(), text: 'Once upon', posterior: pieces[1]!.weights, pieces, colourOf });
    expect(screen.getByTestId('chat-reply').getAttribute('aria-busy')).toBe('true');
    expect(screen.getByTestId('reply-text').textContent).toBe('Once upon▍');
    expect(screen.getByTestId('posterior-bar').getAttribute('aria-label')).toBe('Live expert mix: news 20 %, fiction 80 %');
  });

  it('tints each token by the expert that weighed most for it (tooltip: the weights), toggled for keyboards', async () => {
    const pieces = [
      { text: 'Once', weights: [{ name: 'news', weight: 0.9 }, { name: 'fiction', weight: 0.1 }] },
      { text: ' upon', weights: [{ name: 'news', weight: 0.3 }, { name: 'fiction', weight: 0.7 }] },
    ];
    const done = reply({ streaming: false, finish: 'length', posterior: pieces[1]!.weights });
    render(ChatReply, { message: done, text: 'Once upon', posterior: done.posterior, pieces, colourOf });
    const tokens = screen.getByTestId('reply-text').querySelectorAll<HTMLElement>('.tok');
    expect([...tokens].map((t) => t.textContent)).toEqual(['Once', ' upon']);
    expect(tokens[0]!.style.getPropertyValue('--tint')).toContain('#2f7d4f');
    expect(tokens[1]!.style.getPropertyValue('--tint')).toContain('#3b6fb6');
    expect(tokens[1]!.title).toBe('news 30 %, fiction 70 %');
    const toggle = screen.getByRole('button', { name: 'Colour tokens by expert' });
    await fireEvent.click(toggle);
    expect(toggle.getAttribute('aria-pressed')).toBe('true');
    expect(screen.getByTestId('reply-text').classList.contains('tinted')).toBe(true);
    expect(screen.getByText('stopped at the length limit')).toBeTruthy();
    expect(screen.getByTestId('posterior-bar').getAttribute('aria-label')).toMatch(/^Expert mix of this reply/);
  });

  it('shows a stored reply (no pieces after a restart) as plain text with its final posterior', () => {
    const stored = reply({ streaming: false, content: 'Hello there', finish: 'stop-token', posterior: [{ name: 'news', weight: 1 }] });
    render(ChatReply, { message: stored, text: 'Hello there', posterior: stored.posterior, pieces: undefined, colourOf });
    expect(screen.getByTestId('reply-text').textContent).toBe('Hello there');
    expect(screen.queryByRole('button', { name: 'Colour tokens by expert' })).toBeNull();
    expect(screen.getAllByTestId('posterior-legend').map((l) => l.textContent?.trim())).toEqual(['news 100 %']);
  });

  it('says why a reply failed', () => {
    render(ChatReply, { message: reply({ streaming: false, finish: 'error', error: 'The inference worker stopped.' }), text: '', posterior: null, pieces: undefined, colourOf });
    expect(screen.getByText('The inference worker stopped.').classList.contains('error-text')).toBe(true);
  });
});
