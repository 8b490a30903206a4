// `grove chat`: a conversation on the terminal (or through a pipe: one message per line of stdin) with the
// forest's experts (their ensemble under the domain posterior), chosen models, or fixed --weights. Replies
// stream as they come, each followed by the posterior after its last token; the chat is saved in the
// catalog (`--list`, `--resume ID`). Models run in this process: the CLI is a process of its own.
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import { DEFAULT_REPLY_TOKENS } from '../../shared/api/defaults';
import { Catalog } from '../../app/catalog/catalog';
import { addMessage, chatMessages, chatTitle, createChat, listChats, requireChat } from '../../app/catalog/chats';
import type { ChatMessage } from '../../engine/generate/chat-prompt';
import { SamplingConfig } from '../../engine/generate/sampling';
import { catalogPath } from '../../app/home';
import { ModelPool } from '../../app/infer/model-pool';
import { runReply } from '../../app/infer/reply';
import { GroveError, toErrorData } from '../../shared/api/errors';
import type { ChatMix, ReplySettings } from '../../shared/api/schemas-chat';
import { forestHomeOf } from '../options';
import { addMixOptions, formatWeights, mixSpecFromOptions, quantOf, resolveCliMix, samplingOf, type MixOpts } from './mix-options';

interface ChatOpts extends MixOpts {
  list?: boolean;
  resume?: number;
  maxTokens: number;
}

/** The mix as the API names it, for the record kept with each reply. */
function chatMixOf(spec: ReturnType<typeof mixSpecFromOptions>, models: string[]): ChatMix {
  if (spec.weights) return { kind: 'manual', weights: spec.weights };
  if (models.length === 1) return { kind: 'model', model: models[0]! };
  return {
    kind: 'auto',
    posterior: spec.posterior ?? 'context',
    ...(typeof spec.window === 'number' && spec.posterior !== 'last-token' ? { window: spec.window } : {}),
    ...(spec.topK ? { topK: spec.topK } : {}),
    ...(spec.routing === 'clusters' ? { routing: 'clusters' as const } : {}),
  };
}

function printChats(catalog: Catalog, forestId: number): void {
  const chats = listChats(catalog, forestId);
  if (chats.length === 0) return void console.log('No chats yet; start one with grove chat.');
  console.log(['id', 'messages', 'last message', 'title'].join('\t'));
  for (const c of chats) console.log([c.id, c.messages, c.lastMessageAt ?? c.createdAt, c.title].join('\t'));
}

export function registerChat(program: Command): void {
  const cmd = program
    .command('chat')
    .description(
      'chat with the forest (its experts mixed by the domain posterior), with chosen models, or with fixed weights; one message per line of input',
    )
    .option('--list', 'list the saved chats and exit')
    .option('--resume <id>', 'continue a saved chat', Number)
    .option('--max-tokens <n>', 'new tokens per reply at most', Number, DEFAULT_REPLY_TOKENS);
  addMixOptions(cmd, {
    modelHelp: 'models (names in the forest, or folders); default: every ready expert, or the seed when there is none',
  }).action(async (o: ChatOpts, command: Command) => {
    const home = forestHomeOf(command);
    if (!existsSync(catalogPath(home)))
      throw new GroveError(
        'not_found',
        `There is no forest in ${home}: chats are kept in a forest. Create one with grove init --from <model folder>, or pass --home.`,
      );
    const catalog = Catalog.open(catalogPath(home));
    const pool = new ModelPool({ run: { threads: o.threads, quant: quantOf(o) } });
    try {
      const forest = catalog.forest();
      if (!forest)
        throw new GroveError('not_found', `There is no forest in ${home} yet. Create one with grove init --from <model folder>.`);
      if (o.list) return printChats(catalog, forest.id);

      let chatId: number | null = null;
      const history: ChatMessage[] = [];
      if (o.resume !== undefined) {
        if (!Number.isInteger(o.resume) || o.resume < 1)
          throw new GroveError('bad_input', `--resume takes a chat id (see grove chat --list), not ${JSON.stringify(o.resume)}.`);
        const chat = requireChat(catalog, o.resume);
        chatId = chat.id;
        for (const m of chatMessages(catalog, chat.id)) if (m.content !== '') history.push({ role: m.role, content: m.content });
        console.error(`Resuming chat ${chat.id} “${chat.title}” (${chat.messages} messages).`);
      }
      const spec = mixSpecFromOptions(o, chatId === null ? ['mix'] : [`chat:${chatId}`, 'mix']);
      const mix = resolveCliMix(home, o, spec);
      const settings: ReplySettings = {
        mix: chatMixOf(spec, mix.models),
        models: mix.models,
        prior: mix.prior,
        sampling: SamplingConfig.parse(samplingOf(o)),
        maxTokens: o.maxTokens,
        quant: quantOf(o),
      };
      console.error(
        mix.models.length === 1 ? `Chatting with ${mix.models[0]}.` : `Chatting with ${mix.models.join(', ')} (${mix.prior} prior).`,
      );

      const interactive = process.stdin.isTTY === true;
      const rl = createInterface({
        input: process.stdin,
        ...(interactive ? { output: process.stderr, prompt: 'you> ' } : {}),
        terminal: interactive,
      });
      let reply: AbortController | null = null;
      // Ctrl-C stops the reply being written; with none, it ends the chat.
      const interrupt = (): void => (reply ? reply.abort() : rl.close());
      rl.on('SIGINT', interrupt);
      process.on('SIGINT', interrupt);
      if (interactive) rl.prompt();
      for await (const line of rl) {
        const text = line.trim();
        if (text !== '') {
          chatId ??= createChat(catalog, forest.id, chatTitle(text));
          addMessage(catalog, { chatId, role: 'user', content: text });
          history.push({ role: 'user', content: text });
          reply = new AbortController();
          let streamed = '';
          try {
            const result = await runReply(
              pool,
              {
                tokenizerDir: mix.tokenizerDir,
                input: { kind: 'chat', messages: history },
                mix: mix.mix,
                sampling: settings.sampling,
                maxTokens: o.maxTokens,
              },
              { signal: reply.signal, onDelta: (delta) => ((streamed += delta), process.stdout.write(delta)) },
            );
            process.stdout.write('\n');
            addMessage(catalog, {
              chatId,
              role: 'assistant',
              content: result.text,
              settings,
              outcome: { posterior: result.posterior, finish: result.finish, tokens: result.tokens },
            });
            if (result.text !== '') history.push({ role: 'assistant', content: result.text });
            const dropped =
              result.dropped.messages + result.dropped.tokens > 0
                ? `; the oldest ${result.dropped.messages ? `${result.dropped.messages} messages` : `${result.dropped.tokens} tokens`} left out to fit`
                : '';
            console.error(
              `[${result.tokens} tokens, stopped by ${result.finish}${dropped}; posterior: ${formatWeights(result.posterior)}]`,
            );
          } catch (err) {
            const error = toErrorData(err).message;
            process.stdout.write('\n');
            addMessage(catalog, {
              chatId,
              role: 'assistant',
              content: streamed,
              settings,
              outcome: { posterior: [], finish: 'error', tokens: 0, error },
            });
            console.error(`grove: ${error}`);
          } finally {
            reply = null;
          }
        }
        if (interactive) rl.prompt();
      }
      process.off('SIGINT', interrupt);
      if (chatId !== null) console.error(`Chat ${chatId} is saved; continue it with grove chat --resume ${chatId}.`);
    } finally {
      await pool.close();
      catalog.close();
    }
  });
}
