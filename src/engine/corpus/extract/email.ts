// Email: .eml and .mbox (postal-mime): the subject and the body text; the other headers (addresses, routing, ids) are dropped.
import { htmlToText } from './html';
import { corrupt, type Extractor } from './types';

/** One message as text: "Subject" line, blank line, body (the plain part, else the HTML part's text; `note` as in htmlToText). */
export async function messageText(raw: string | Uint8Array, note?: (text: string) => void): Promise<string> {
  const { default: PostalMime } = await import('postal-mime');
  const mail = await PostalMime.parse(raw instanceof Uint8Array ? raw.slice().buffer : raw);
  const body = mail.text?.trim() ? mail.text : mail.html ? await htmlToText(mail.html, false, note) : '';
  const subject = mail.subject?.trim();
  return `${subject ? `${subject}\n\n` : ''}${body}\n\n`;
}

export const email: Extractor = {
  types: ['email'],
  style: 'prose',
  whole: true,
  async *extract(source) {
    try {
      yield await messageText(await source.bytes(), (note) => source.note(note));
    } catch (err) {
      throw corrupt('an email message', err);
    }
  },
};

/** mbox: messages start at a line "From sender date"; ">From " inside bodies is un-escaped (mboxrd). Streamed message by message. */
export const mbox: Extractor = {
  types: ['mbox'],
  style: 'prose',
  whole: false,
  async *extract(source) {
    let carry = '';
    let message: string[] = [];
    let noted = false;
    // One note for the mailbox, not one per message.
    const note = (text: string): void => {
      if (!noted) source.note(`At least one message: ${text}`);
      noted = true;
    };
    const flush = async (): Promise<string> => {
      const raw = message.join('\n');
      message = [];
      if (!raw.trim()) return '';
      try {
        return await messageText(raw, note);
      } catch {
        return ''; // one broken message does not lose the mailbox
      }
    };
    for await (const chunk of source.text()) {
      const lines = (carry + chunk).split('\n');
      carry = lines.pop() ?? '';
      for (const line of lines) {
        if (line.startsWith('From ')) {
          const text = await flush();
          if (text) yield text;
          continue;
        }
        message.push(/^>+From /.test(line) ? line.slice(1) : line);
      }
    }
    if (carry) message.push(carry);
    const text = await flush();
    if (text) yield text;
  },
};
