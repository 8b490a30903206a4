// Chat replies as people expect them: Markdown (headings, lists, emphasis, tables, code blocks) rendered by
// markdown-it with raw HTML off, so whatever a model writes is shown as text, never run or styled as markup
// (the page's CSP stays strict: no inline script or style comes from here). Links open outside the app.
import MarkdownIt from 'markdown-it';

const md = new MarkdownIt({ html: false, linkify: false, breaks: true, typographer: false });

// Every link leaves the page in a new window (the desktop app hands http(s) links to the OS browser).
const renderLinkOpen = md.renderer.rules.link_open ?? ((tokens, idx, options, _env, self) => self.renderToken(tokens, idx, options));
md.renderer.rules.link_open = (tokens, idx, options, env, self) => {
  tokens[idx]!.attrSet('target', '_blank');
  tokens[idx]!.attrSet('rel', 'noopener noreferrer');
  return renderLinkOpen(tokens, idx, options, env, self);
};

/** The reply's HTML: safe to insert as it is (markdown-it escapes all text; raw HTML is not parsed). */
export function renderMarkdown(text: string): string {
  return md.render(text);
}
