import { fireEvent, render, screen } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import ChatReply from '../../../src/renderer/src/components/ChatReply.svelte';
import type { ChatMessageView } from '../../../src/shared/api/schemas-chat';

const reply = (extra: Partial<ChatMessageView> = {}): ChatMessageView => ({
  id: 9,
  role: 'assistant',
  content: 'Once upon',
  settings: null,
  posterior: null,
  finish: null,
  error: null,
  pieces: null,
  streaming: true,
  createdAt: '2025-01-01',
  ...extra,
});
const colours: Record<string, string> = { news: '#2f7d4f', fiction: '#3b6fb6' };
const colourOf = (name: string) => colours[name] ?? '#888';

describe('ChatReply', () => {
  it('streams: the text so far, a caret, and the live posterior as a stacked bar', () => {
    const pieces = [
      {
        text: 'Once',
        weights: [
          { name: 'news', weight: 0.5 },
          { name: 'fiction', weight: 0.5 },
        ],
      },
      {
        text: ' upon',
        weights: [
          { name: 'news', weight: 0.2 },
          { name: 'fiction', weight: 0.8 },
        ],
      },
    ];
    render(ChatReply, { message: reply(), text: 'Once upon', posterior: pieces[1]!.weights, pieces, colourOf });
    expect(screen.getByTestId('chat-reply').getAttribute('aria-busy')).toBe('true');
    expect(screen.getByTestId('reply-text').textContent?.trim()).toBe('Once upon');
    expect(screen.getByTestId('reply-text').classList.contains('streaming')).toBe(true); // the caret (CSS) follows the text
    expect(screen.getByTestId('posterior-bar').getAttribute('aria-label')).toBe('Live expert mix: news 20 %, fiction 80 %');
  });

  it('tints each token by the expert that weighed most for it (tooltip: the weights), toggled for keyboards', async () => {
    const pieces = [
      {
        text: 'Once',
        weights: [
          { name: 'news', weight: 0.9 },
          { name: 'fiction', weight: 0.1 },
        ],
      },
      {
        text: ' upon',
        weights: [
          { name: 'news', weight: 0.3 },
          { name: 'fiction', weight: 0.7 },
        ],
      },
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
    expect(screen.getByTestId('reply-text').textContent?.trim()).toBe('Hello there');
    expect(screen.queryByRole('button', { name: 'Colour tokens by expert' })).toBeNull();
    expect(screen.getAllByTestId('posterior-legend').map((l) => l.textContent?.trim())).toEqual(['news 100 %']);
  });

  it('renders Markdown: headings, lists, emphasis and code blocks, with raw HTML shown as text', () => {
    const text = '# Plan\n\n- **first** step\n- second\n\n```js\nconst a = 1 < 2;\n```\n\n<img src=x onerror="alert(1)">';
    render(ChatReply, { message: reply({ streaming: false, finish: 'stop-token' }), text, posterior: null, pieces: undefined, colourOf });
    const body = screen.getByTestId('reply-text');
    expect(body.querySelector('h1')?.textContent).toBe('Plan');
    expect([...body.querySelectorAll('li')].map((li) => li.textContent)).toEqual(['first step', 'second']);
    expect(body.querySelector('li strong')?.textContent).toBe('first');
    expect(body.querySelector('pre code')?.textContent).toBe('const a = 1 < 2;\n');
    expect(body.querySelector('img')).toBeNull();
    expect(body.textContent).toContain('<img src=x onerror="alert(1)">');
  });

  it('copies a code block and the whole reply', async () => {
    const written: string[] = [];
    Object.defineProperty(navigator, 'clipboard', { value: { writeText: async (t: string) => void written.push(t) }, configurable: true });
    const text = 'Run this:\n\n```\nnpm test\n```';
    render(ChatReply, { message: reply({ streaming: false, finish: 'stop-token' }), text, posterior: null, pieces: undefined, colourOf });
    await fireEvent.click(screen.getByRole('button', { name: 'Copy code' }));
    await fireEvent.click(screen.getByRole('button', { name: 'Copy reply' }));
    expect(written).toEqual(['npm test\n', text]);
    expect(screen.getByRole('status').textContent).toBe('Copied');
  });

  it('tints rendered Markdown token by token', () => {
    const w = (news: number) => [
      { name: 'news', weight: news },
      { name: 'fiction', weight: 1 - news },
    ];
    const pieces = [
      { text: '**Bold', weights: w(0.9) },
      { text: '** and', weights: w(0.2) },
      { text: ' `code`', weights: w(0.8) },
    ];
    const text = pieces.map((p) => p.text).join('');
    render(ChatReply, { message: reply({ streaming: false, finish: 'length' }), text, posterior: null, pieces, colourOf });
    const tokens = [...screen.getByTestId('reply-text').querySelectorAll<HTMLElement>('.tok')];
    expect(tokens.map((t) => t.textContent)).toEqual(['Bold', ' and', ' ', 'code']);
    expect(tokens.map((t) => t.title)).toEqual([
      'news 90 %, fiction 10 %',
      'news 20 %, fiction 80 %',
      'news 80 %, fiction 20 %',
      'news 80 %, fiction 20 %',
    ]);
    expect(tokens[0]!.parentElement?.tagName).toBe('STRONG');
    expect(tokens[3]!.parentElement?.tagName).toBe('CODE');
  });

  it('says what a finished reply ran with, quantized weights included (f32, the default, goes unsaid)', () => {
    const settings = {
      mix: { kind: 'auto' as const },
      models: ['news', 'fiction'],
      prior: 'uniform',
      sampling: { temperature: 0.8, topK: 40, topP: 0.95, repetitionPenalty: 1.1, seed: 1 },
      maxTokens: 16,
    };
    const { unmount } = render(ChatReply, {
      message: reply({ streaming: false, finish: 'length', settings: { ...settings, quant: '4' } }),
      text: 'Once upon',
      posterior: null,
      pieces: undefined,
      colourOf,
    });
    expect(screen.getByTestId('reply-settings').textContent?.trim()).toBe('2 models · prior uniform · temperature 0.8 · 4-bit weights');
    unmount();
    render(ChatReply, {
      message: reply({ streaming: false, finish: 'length', settings }),
      text: 'Once upon',
      posterior: null,
      pieces: undefined,
      colourOf,
    });
    expect(screen.getByTestId('reply-settings').textContent?.trim()).toBe('2 models · prior uniform · temperature 0.8');
  });

  it('says why a reply failed', () => {
    render(ChatReply, {
      message: reply({ streaming: false, finish: 'error', error: 'The inference worker stopped.' }),
      text: '',
      posterior: null,
      pieces: undefined,
      colourOf,
    });
    expect(screen.getByText('The inference worker stopped.').classList.contains('error-text')).toBe(true);
  });
});
