// A second process writing one file many times with writeFileDurable (test/engine/durable-write.test.ts):
// argv: target file, a tag for this writer, the number of writes.
import { writeFileDurable } from '../../src/engine/durable-write';

const [target, tag, count] = process.argv.slice(2) as [string, string, string];
for (let i = 0; i < Number(count); i++) await writeFileDurable(target, `${tag}:${'x'.repeat(200_000)}`);
